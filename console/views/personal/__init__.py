"""The signed-in person's own screens: settings (time zone, theme) and the global search."""

from __future__ import annotations

from console.views.personal import search, settings

routes = [*settings.routes, *search.routes]

__all__ = ["routes"]

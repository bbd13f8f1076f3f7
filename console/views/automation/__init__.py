"""The automation console: approval queue, runs, runbooks (YAML), workflows and agents on one screen."""

from console.views.automation.screen import routes

__all__ = ["routes"]

"""Console screens, grouped by noun like their templates: incidents, alerting, cmdb, telemetry, automation and admin,
each a package with a module per screen; sign-in, invitation acceptance and the landing page sit here."""

from __future__ import annotations

from console.views import admin, alerting, auth, automation, cmdb, home, incidents, invite, telemetry

routes = [
    *home.routes,
    *auth.routes,
    *invite.routes,
    *admin.routes,
    *incidents.routes,
    *telemetry.routes,
    *alerting.routes,
    *cmdb.routes,
    *automation.routes,
]

__all__ = ["routes"]

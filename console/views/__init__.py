"""Console screens, grouped by noun like their templates: incidents, alerting, cmdb, changes, sla, catalog, telemetry,
on-call, knowledge, AI, automation and admin,
each a package with a module per screen; sign-in, invitation acceptance and the landing page sit here."""

from __future__ import annotations

from console.views import (
    admin,
    ai,
    alerting,
    analytics,
    auth,
    automation,
    catalog,
    changes,
    cmdb,
    copilot,
    home,
    incidents,
    invite,
    knowledge,
    oncall,
    personal,
    sla,
    telemetry,
)

routes = [
    *home.routes,
    *auth.routes,
    *invite.routes,
    *admin.routes,
    *incidents.routes,
    *telemetry.routes,
    *alerting.routes,
    *cmdb.routes,
    *oncall.routes,
    *knowledge.routes,
    *ai.routes,
    *copilot.routes,  # copilot and analytics (issue 13)
    *analytics.routes,
    *changes.routes,  # ITSM
    *sla.routes,  # ITSM
    *catalog.routes,  # ITSM
    *automation.routes,
    *personal.routes,  # settings and the global search
]

__all__ = ["routes"]

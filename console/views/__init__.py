"""Console screens, one module per screen; each runs named operations and renders their data."""

from __future__ import annotations

from console.views import (
    admin_keys,
    admin_members,
    admin_roles,
    alerts,
    auth,
    cmdb,
    explore,
    home,
    incident_actions,
    incident_detail,
    incident_list,
    incident_new,
    incident_postmortem,
    invite,
    platform,
)
from console.views.screens import run_screen, screen_context

routes = [
    *home.routes,
    *auth.routes,
    *invite.routes,
    *admin_members.routes,
    *admin_roles.routes,
    *admin_keys.routes,
    *platform.routes,
    *incident_list.routes,
    *incident_new.routes,  # /incidents/new before /incidents/{incident_id}
    *incident_detail.routes,
    *incident_actions.routes,
    *incident_postmortem.routes,
    *explore.routes,
    *alerts.routes,
    *cmdb.routes,
]

__all__ = ["routes", "run_screen", "screen_context"]

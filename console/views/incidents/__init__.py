"""Incidents: the live list with its filters, opening one by hand, its page (people, links, alerts, AI
pipeline, timeline) with the forms that work it, and its postmortem. This module gathers their routes in matching
order (/incidents/new before /incidents/{incident_id})."""

from __future__ import annotations

from console.views.incidents import actions, ai, detail, new, postmortem
from console.views.incidents import list as listing

routes = [*listing.routes, *new.routes, *detail.routes, *actions.routes, *ai.routes, *postmortem.routes]

"""The service catalog portal (items, a request form built from each item's JSON Schema, request tracking
with approvals and tasks) and the problem list."""

from __future__ import annotations

from console.views.catalog import portal, problems, requests

routes = [*portal.routes, *requests.routes, *problems.routes]

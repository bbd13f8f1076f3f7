"""Administration: a tenant's members and invitations, roles and API keys; for platform operators,
every tenant (its screens keep their /console/platform/ URLs)."""

from __future__ import annotations

from console.views.admin import apikeys, audit, billing, members, planes, policies, roles, tenants

routes = [*members.routes, *roles.routes, *apikeys.routes, *billing.routes, *audit.routes,
          *policies.routes, *tenants.routes, *planes.routes]

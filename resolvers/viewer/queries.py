"""Viewer query: the caller's identity, or null when unauthenticated."""

import strawberry

from resolvers.viewer.types import Viewer


def resolve_viewer(info: strawberry.Info) -> Viewer | None:
    """Describe the authenticated principal of this request."""
    principal = info.context.principal
    if principal is None:
        return None
    info.context.bind_tenant(principal.tenant_id)
    return Viewer(
        subject=strawberry.ID(principal.subject),
        kind=principal.kind,
        tenant_id=strawberry.ID(str(principal.tenant_id)),
        email=principal.email,
        display_name=principal.display_name,
        roles=list(principal.roles),
        permissions=sorted(principal.permissions),
        is_platform_admin=principal.is_platform_admin,
        features=sorted(principal.features),
        time_zone=principal.time_zone,
        theme=principal.theme,
    )

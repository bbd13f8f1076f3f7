from __future__ import annotations

import strawberry

from domain.errors import DomainError
from domain.members import service as members
from domain.tenants.queries import tenant_by_id
from resolvers.members.types import Invitation, InvitationPreview, Member
from resolvers.pagination import Connection, connection


async def resolve_members(info: strawberry.Info, first: int | None = 50,
                          after: str | None = None) -> Connection[Member]:
    """The tenant's members, by email."""
    async with info.context.transaction() as tx:
        page = await members.list_members(tx, first=first, after=after)
    return connection(page, Member.from_record)


async def resolve_invitations(
    info: strawberry.Info, first: int | None = 50, after: str | None = None
) -> Connection[Invitation]:
    """Open invitations, newest first."""
    async with info.context.transaction() as tx:
        page = await members.list_invitations(tx, first=first, after=after)
    return connection(page, Invitation.from_model)


async def resolve_invitation_preview(info: strawberry.Info, token: str) -> InvitationPreview | None:
    """The invitation behind ``token`` if it is open; null otherwise (the token is the credential)."""
    async with info.context.platform_transaction() as tx:
        try:
            found = await members.preview_invitation(tx, token=token)
        except DomainError:
            return None
        tenant = await tenant_by_id(tx, found.tenant_id)
    return InvitationPreview(tenant_name=tenant.name, email=found.email, roles=list(found.roles),
                             account_exists=found.account_exists, expires_at=found.expires_at)

"""Plan limits checked where they apply: seats on invite and accept, API keys on create.

Limits are read from the tenant's entitlements in force now (not from the caller's token), with the
tenant row locked, so two concurrent invitations cannot both take the last seat.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from domain.apikeys.models import ApiKey
from domain.billing.entitlements import current_entitlements, locked_tenant
from domain.errors import Conflict
from domain.members.models import Invitation, Membership

if TYPE_CHECKING:
    from domain.uow import Transaction


class LimitReached(Conflict):
    """The tenant's plan allows no more of something; nothing was changed."""

    code = "LIMIT_REACHED"


async def _limit(tx: Transaction, name: str) -> int:
    claim = await current_entitlements(tx, await locked_tenant(tx))
    return int(claim["limits"].get(name, 0))


async def seats_in_use(tx: Transaction, *, with_invitations: bool) -> int:
    """Members of the tenant, plus its open invitations when ``with_invitations`` (as the control plane, which
    keeps both whatever the tenant's placement, counts them)."""
    async with tx.control_plane() as cp:
        members = await cp.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.tenant_id == cp.tenant_id))
        if not with_invitations:
            return members
        invited = await cp.session.scalar(select(func.count()).select_from(Invitation).where(
            Invitation.tenant_id == cp.tenant_id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
            Invitation.expires_at > datetime.now(UTC)))
    return members + invited


async def check_seat_available(tx: Transaction, *, field: str, with_invitations: bool) -> None:
    """Refuse a new member or invitation beyond the plan's ``users`` limit."""
    limit = await _limit(tx, "users")
    used = await seats_in_use(tx, with_invitations=with_invitations)
    if used >= limit:
        counted = "members and open invitations" if with_invitations else "members"
        raise LimitReached(f"Your plan allows {limit} seats and {used} are taken ({counted}); upgrade the plan "
                           "or free a seat first.", field=field)


async def api_keys_in_use(tx: Transaction) -> int:
    """The tenant's API keys that are not revoked (kept in the shared database, see Transaction.control_plane)."""
    async with tx.control_plane() as cp:
        return await cp.session.scalar(select(func.count()).select_from(ApiKey).where(
            ApiKey.tenant_id == cp.tenant_id, ApiKey.revoked_at.is_(None)))


async def check_api_key_available(tx: Transaction) -> None:
    """Refuse a new API key beyond the plan's ``api_keys`` limit."""
    limit = await _limit(tx, "api_keys")
    used = await api_keys_in_use(tx)
    if used >= limit:
        raise LimitReached(f"Your plan allows {limit} API keys and {used} are active; upgrade the plan or "
                           "revoke one first.", field="name")

"""Members of a tenant: list, invite, accept invitations, change roles, remove."""

from __future__ import annotations

import asyncio
import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from domain import credentials
from domain.audit import service as audit
from domain.billing.limits import check_seat_available
from domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from domain.members.models import Invitation, Membership, User
from domain.members.passwords import check_policy, verify_password
from domain.members.users import create_user, normalize_email, user_by_email
from domain.pagination import Page, paginate
from domain.roles.grants import check_may_change_member, grantable_roles
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.principal import Principal
    from domain.uow import Transaction

INVITATION_TTL = timedelta(days=7)
OWNER = "owner"


@dataclass(frozen=True)
class Member:
    """A user with their roles in the tenant."""

    user: User
    roles: tuple[str, ...]
    joined_at: datetime


async def list_members(tx: Transaction, *, first: int | None = None, after: str | None = None) -> Page[Member]:
    """The tenant's members by email."""
    query = (select(User, Membership.roles, Membership.created_at)
             .join(Membership, Membership.user_id == User.id)
             .where(Membership.tenant_id == tx.tenant_id))
    page = await paginate(tx.session, query, order=[User.email, User.id], first=first, after=after)
    members = [Member(row[0], tuple(row[1]), row[2]) for row in page.items]
    return Page(members, page.cursors, page.has_next)


async def _membership(tx: Transaction, user_id: uuid.UUID) -> Membership:
    membership = await tx.session.scalar(
        select(Membership).where(Membership.tenant_id == tx.tenant_id, Membership.user_id == user_id)
        .with_for_update()
    )
    if membership is None:
        raise NotFound("No such member.", field="userId")
    return membership


async def _check_owner_remains(tx: Transaction, membership: Membership, new_roles: list[str]) -> None:
    if OWNER not in membership.roles or OWNER in new_roles:
        return
    owners = await tx.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.tenant_id == tx.tenant_id, Membership.roles.contains([OWNER]))
    )
    if owners <= 1:
        raise Conflict("A tenant needs at least one owner.", field="roles")


async def update_member_roles(
    tx: Transaction, *, user_id: uuid.UUID, roles: list[str], actor: Principal
) -> Member:
    """Replace a member's roles (only a member and with roles within the actor's own; never the last owner's)."""
    roles = await grantable_roles(tx, roles=roles, actor=actor)
    membership = await _membership(tx, user_id)
    await check_may_change_member(tx, member_roles=membership.roles, actor=actor)
    await _check_owner_remains(tx, membership, roles)
    before = list(membership.roles)
    membership.roles = roles
    await tx.session.flush()
    await audit.record(tx, actor=actor.actor, action="member.roles_changed", target_type="user",
                       target_id=str(user_id), data={"before": before, "after": roles})
    await _to_control_plane(tx, _SET_ROLES, user_id, roles, undo=(_SET_ROLES, before))
    user = await tx.session.get(User, user_id)
    return Member(user, tuple(roles), membership.created_at)


async def remove_member(tx: Transaction, *, user_id: uuid.UUID, actor: Principal) -> None:
    """Remove a member whose permissions the actor holds (never the last owner)."""
    membership = await _membership(tx, user_id)
    await check_may_change_member(tx, member_roles=membership.roles, actor=actor)
    await _check_owner_remains(tx, membership, [])
    await tx.session.delete(membership)
    await audit.record(tx, actor=actor.actor, action="member.removed", target_type="user",
                       target_id=str(user_id), data={"roles": list(membership.roles)})
    await _to_control_plane(tx, _REMOVE, user_id, undo=(_RESTORE, list(membership.roles)))


# A tenant placed in a database of its own has its memberships in two places: the control plane's record in
# the shared database (sign-in reads it; invitations are accepted there) and the copy in its database (its
# requests read it). Changes made in the tenant's database are applied to the control plane's record last, in
# the same use case; a member who joins at the control plane is copied into the tenant's database.
_SET_ROLES = "UPDATE memberships SET roles = $3::text[] WHERE tenant_id = $1 AND user_id = $2"
_REMOVE = "DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2"
_RESTORE = ("INSERT INTO memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3::text[]) "
            "ON CONFLICT (user_id, tenant_id) DO NOTHING")
_MEMBER_ROWS = ("SELECT (SELECT to_jsonb(u)::text FROM users u WHERE id = $2), "
                "(SELECT to_jsonb(m)::text FROM memberships m WHERE tenant_id = $1 AND user_id = $2)")
_COPY_USER = ("INSERT INTO users SELECT * FROM jsonb_populate_record(NULL::users, $1::jsonb) ON CONFLICT (id) DO "
              "UPDATE SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, "
              "password_hash = EXCLUDED.password_hash, is_active = EXCLUDED.is_active")
_COPY_MEMBERSHIP = ("INSERT INTO memberships SELECT * FROM jsonb_populate_record(NULL::memberships, $1::jsonb) "
                    "ON CONFLICT (user_id, tenant_id) DO UPDATE SET roles = EXCLUDED.roles")


async def _to_control_plane(tx: Transaction, sql: str, user_id: uuid.UUID, *arguments,
                            undo: tuple[str, list[str]]) -> None:
    """Apply a membership change made in the tenant's own database to the control plane's record (committed
    apart, so undone if the tenant's transaction then rolls back)."""
    async with tx.control_plane() as cp:
        if cp is tx:
            return
        await fetch_sql(cp.session, sql, tx.tenant_id, user_id, *arguments)
    tx.on_rollback(functools.partial(_undo_on_control_plane, tx, undo[0], user_id, undo[1]))


async def _undo_on_control_plane(tx: Transaction, sql: str, user_id: uuid.UUID, roles: list[str]) -> None:
    async with tx.control_plane() as cp:
        await fetch_sql(cp.session, sql, tx.tenant_id, user_id, roles)


async def _to_own_database(tx: Transaction, user_id: uuid.UUID) -> None:
    """Copy a member who joined at the control plane (and their user record) into the tenant's own database."""
    async with tx.own_database() as own:
        if own is None:
            return
        await tx.session.flush()
        user, membership = (await fetch_sql(tx.session, _MEMBER_ROWS, tx.tenant_id, user_id))[0]
        await fetch_sql(own.session, _COPY_USER, user)
        await fetch_sql(own.session, _COPY_MEMBERSHIP, membership)
    tx.on_rollback(functools.partial(_uncopy, tx, user_id))  # the control plane's record was not made after all


async def _uncopy(tx: Transaction, user_id: uuid.UUID) -> None:
    async with tx.own_database() as own:
        if own is not None:
            await fetch_sql(own.session, _REMOVE, tx.tenant_id, user_id)


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its one-time secret (shown once, sent to the invitee)."""

    invitation: Invitation
    credential: credentials.Credential


async def invite_member(tx: Transaction, *, email: str, roles: list[str], actor: Principal) -> IssuedInvitation:
    """Invite ``email`` to join with ``roles``."""
    email = normalize_email(email)
    roles = await grantable_roles(tx, roles=roles, actor=actor)
    await check_seat_available(tx, field="email", with_invitations=True)
    row_id = uuid.uuid4()
    credential = credentials.new_credential(credentials.INVITATION, row_id)
    async with tx.control_plane() as cp:  # where it is accepted, whatever the tenant's placement
        existing = await user_by_email(cp, email)
        if existing and await cp.session.scalar(select(Membership.user_id).where(
            Membership.tenant_id == tx.tenant_id, Membership.user_id == existing.id
        )):
            raise Conflict(f"{email} is already a member.", field="email")
        invitation = Invitation(
            id=row_id, tenant_id=tx.tenant_id, email=email, roles=roles, invited_by=actor.actor,
            secret_hash=credentials.hash_secret(credential.secret), expires_at=datetime.now(UTC) + INVITATION_TTL,
        )
        cp.session.add(invitation)
        await cp.session.flush()
    if cp is not tx:  # committed apart: withdraw it if the rest rolls back (its token was never shown)
        tx.on_rollback(functools.partial(_withdraw_invitation, tx, row_id))
    await audit.record(tx, actor=actor.actor, action="member.invited", target_type="invitation",
                       target_id=str(row_id), data={"email": email, "roles": roles})
    return IssuedInvitation(invitation, credential)


async def list_invitations(
    tx: Transaction, *, first: int | None = None, after: str | None = None
) -> Page[Invitation]:
    """Open invitations (not accepted, not revoked), newest first."""
    query = select(Invitation).where(
        Invitation.tenant_id == tx.tenant_id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
    )
    async with tx.control_plane() as cp:
        return await paginate(cp.session, query, order=[Invitation.created_at, Invitation.id], first=first,
                              after=after, descending=True)


async def revoke_invitation(tx: Transaction, *, invitation_id: uuid.UUID, actor: Principal) -> Invitation:
    """Withdraw an open invitation."""
    async with tx.control_plane() as cp:
        invitation = await cp.session.scalar(select(Invitation).where(
            Invitation.tenant_id == tx.tenant_id, Invitation.id == invitation_id
        ).with_for_update())
        if invitation is None or invitation.accepted_at or invitation.revoked_at:
            raise NotFound("No such open invitation.", field="id")
        invitation.revoked_at = datetime.now(UTC)
    await audit.record(tx, actor=actor.actor, action="invitation.revoked", target_type="invitation",
                       target_id=str(invitation.id))
    return invitation


@dataclass(frozen=True)
class AcceptedInvitation:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    email: str


async def accept_invitation(
    tx: Transaction, *, token: str, password: str | None, display_name: str | None = None
) -> AcceptedInvitation:
    """Join the inviting tenant (``tx`` starts unbound and is bound to it); new users set their password here."""
    presented = credentials.parse_credential(token, credentials.INVITATION)
    if presented is None:
        raise ValidationFailed("Malformed invitation token.", field="token")
    await credentials.reveal_credential_row(tx.session, presented.id)
    invitation = await tx.session.scalar(select(Invitation).where(Invitation.id == presented.id).with_for_update())
    _check_invitation(invitation, presented.secret)
    await tx.enter_tenant(invitation.tenant_id)
    await check_seat_available(tx, field="token", with_invitations=False)
    user = await user_by_email(tx, invitation.email)
    if user is None:
        if not password:
            raise ValidationFailed("Choose a password to create your account.", field="password")
        check_policy(password)
        user = await create_user(tx, email=invitation.email, password=password, display_name=display_name)
    else:
        await _check_existing_account(tx, user, password, invitation)
    tx.session.add(Membership(tenant_id=invitation.tenant_id, user_id=user.id, roles=list(invitation.roles)))
    invitation.accepted_at = datetime.now(UTC)
    await audit.record(tx, actor=user.email, action="invitation.accepted", target_type="invitation",
                       target_id=str(invitation.id), data={"roles": list(invitation.roles)})
    await _to_own_database(tx, user.id)
    return AcceptedInvitation(invitation.tenant_id, user.id, user.email)


async def _check_existing_account(tx: Transaction, user: User, password: str | None, invitation: Invitation) -> None:
    """An existing account joins only with its own password: the link alone is not consent."""
    if not password or not await asyncio.to_thread(verify_password, user.password_hash, password):
        raise Forbidden("Enter the password of your existing account to accept.", field="password")
    if await tx.session.get(Membership, (user.id, invitation.tenant_id)) is not None:
        raise Conflict(f"{user.email} is already a member.", field="token")


@dataclass(frozen=True)
class InvitationPreview:
    """What an invitee may see before accepting: where, as whom, and whether they have an account."""

    tenant_id: uuid.UUID
    email: str
    roles: tuple[str, ...]
    account_exists: bool
    expires_at: datetime


async def preview_invitation(tx: Transaction, *, token: str) -> InvitationPreview:
    """Describe an open invitation to the holder of its token (``tx`` is not bound to a tenant)."""
    presented = credentials.parse_credential(token, credentials.INVITATION)
    if presented is None:
        raise ValidationFailed("Malformed invitation token.", field="token")
    await credentials.reveal_credential_row(tx.session, presented.id)
    invitation = await tx.session.get(Invitation, presented.id)
    _check_invitation(invitation, presented.secret)
    exists = await user_by_email(tx, invitation.email) is not None
    return InvitationPreview(invitation.tenant_id, invitation.email, tuple(invitation.roles), exists,
                             invitation.expires_at)


async def _withdraw_invitation(tx: Transaction, invitation_id: uuid.UUID) -> None:
    async with tx.control_plane() as cp:
        await fetch_sql(cp.session, "DELETE FROM invitations WHERE id = $1", invitation_id)


def _check_invitation(invitation: Invitation | None, secret: str) -> None:
    if invitation is None or not credentials.secret_matches(invitation.secret_hash, secret):
        raise NotFound("Unknown invitation.", field="token")
    if invitation.revoked_at is not None:
        raise Conflict("This invitation was withdrawn.", field="token")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.", field="token")
    if invitation.expires_at <= datetime.now(UTC):
        raise Conflict("This invitation expired; ask for a new one.", field="token")

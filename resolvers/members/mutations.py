"""Member mutations: invite, accept, change roles, remove."""

from __future__ import annotations

import strawberry

from domain.users import members
from resolvers.errors import payload_union, run_mutation
from resolvers.ids import parse_id
from resolvers.members.types import (
    AcceptInvitationInput,
    Invitation,
    InvitationAccepted,
    InvitationCreated,
    InvitationRevoked,
    InviteMemberInput,
    Member,
    MemberRemoved,
    MemberUpdated,
)

InviteMemberPayload = payload_union("InviteMemberPayload", InvitationCreated)
RevokeInvitationPayload = payload_union("RevokeInvitationPayload", InvitationRevoked)
AcceptInvitationPayload = payload_union("AcceptInvitationPayload", InvitationAccepted)
UpdateMemberRolesPayload = payload_union("UpdateMemberRolesPayload", MemberUpdated)
RemoveMemberPayload = payload_union("RemoveMemberPayload", MemberRemoved)


async def invite_member(info: strawberry.Info, input: InviteMemberInput) -> InviteMemberPayload:
    """Invite someone by email with the given roles."""

    async def work() -> InvitationCreated:
        async with info.context.transaction() as tx:
            issued = await members.invite_member(tx, email=input.email, roles=input.roles, actor=info.context.actor)
            return InvitationCreated(invitation=Invitation.from_model(issued.invitation), token=str(issued.credential))

    return await run_mutation(work)


async def revoke_invitation(info: strawberry.Info, id: strawberry.ID) -> RevokeInvitationPayload:
    """Withdraw an open invitation."""

    async def work() -> InvitationRevoked:
        async with info.context.transaction() as tx:
            invitation = await members.revoke_invitation(tx, invitation_id=parse_id(id), actor=info.context.actor)
            return InvitationRevoked(invitation=Invitation.from_model(invitation))

    return await run_mutation(work)


async def accept_invitation(info: strawberry.Info, input: AcceptInvitationInput) -> AcceptInvitationPayload:
    """Join a tenant with an invitation token (the token is the credential)."""

    async def work() -> InvitationAccepted:
        accepted = await members.accept_invitation(
            info.context.runtime.db, token=input.token, password=input.password, display_name=input.display_name
        )
        return InvitationAccepted(tenant_id=strawberry.ID(str(accepted.tenant_id)),
                                  user_id=strawberry.ID(str(accepted.user_id)), email=accepted.email)

    return await run_mutation(work)


async def update_member_roles(info: strawberry.Info, user_id: strawberry.ID,
                              roles: list[str]) -> UpdateMemberRolesPayload:
    """Replace a member's roles."""

    async def work() -> MemberUpdated:
        async with info.context.transaction() as tx:
            member = await members.update_member_roles(
                tx, user_id=parse_id(user_id, field="userId"), roles=roles, actor=info.context.actor
            )
            return MemberUpdated(member=Member.from_record(member))

    return await run_mutation(work)


async def remove_member(info: strawberry.Info, user_id: strawberry.ID) -> RemoveMemberPayload:
    """Remove a member from the tenant."""

    async def work() -> MemberRemoved:
        async with info.context.transaction() as tx:
            await members.remove_member(tx, user_id=parse_id(user_id, field="userId"), actor=info.context.actor)
            return MemberRemoved(user_id=user_id)

    return await run_mutation(work)

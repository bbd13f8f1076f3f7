"""Member mutations: invite, accept, change roles, remove."""

from __future__ import annotations

import strawberry

from domain.members import service as members
from resolvers.errors import mutate, payload_union
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
    return await mutate(info, lambda tx: members.invite_member(tx, email=input.email, roles=input.roles,
                                                               actor=info.context.actor),
                        lambda issued: InvitationCreated(invitation=Invitation.from_model(issued.invitation),
                                                         token=str(issued.credential)))


async def revoke_invitation(info: strawberry.Info, id: strawberry.ID) -> RevokeInvitationPayload:
    """Withdraw an open invitation."""
    return await mutate(info, lambda tx: members.revoke_invitation(tx, invitation_id=parse_id(id),
                                                                   actor=info.context.actor),
                        lambda invitation: InvitationRevoked(invitation=Invitation.from_model(invitation)))


async def accept_invitation(info: strawberry.Info, input: AcceptInvitationInput) -> AcceptInvitationPayload:
    """Join a tenant with an invitation token (the token is the credential)."""
    return await mutate(info, lambda tx: members.accept_invitation(
        tx, token=input.token, password=input.password, display_name=input.display_name),
        lambda accepted: InvitationAccepted(tenant_id=strawberry.ID(str(accepted.tenant_id)),
                                            user_id=strawberry.ID(str(accepted.user_id)), email=accepted.email),
        platform=True)


async def update_member_roles(info: strawberry.Info, user_id: strawberry.ID,
                              roles: list[str]) -> UpdateMemberRolesPayload:
    """Replace a member's roles."""
    return await mutate(info, lambda tx: members.update_member_roles(
        tx, user_id=parse_id(user_id, field="userId"), roles=roles, actor=info.context.actor),
        lambda member: MemberUpdated(member=Member.from_record(member)))


async def remove_member(info: strawberry.Info, user_id: strawberry.ID) -> RemoveMemberPayload:
    """Remove a member from the tenant."""
    return await mutate(info, lambda tx: members.remove_member(tx, user_id=parse_id(user_id, field="userId"),
                                                               actor=info.context.actor),
                        lambda _: MemberRemoved(user_id=user_id))

"""GraphQL types for members and invitations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.members.models import Invitation as InvitationModel
from domain.members.service import Member as MemberRecord


@strawberry.type(description="A user's membership in the tenant.")
class Member:
    user_id: strawberry.ID
    email: str
    display_name: str
    roles: list[str]
    joined_at: datetime
    last_login_at: datetime | None

    @classmethod
    def from_record(cls, member: MemberRecord) -> Member:
        user = member.user
        return cls(user_id=strawberry.ID(str(user.id)), email=user.email, display_name=user.display_name,
                   roles=list(member.roles), joined_at=member.joined_at, last_login_at=user.last_login_at)


@strawberry.type(description="An open invitation to join the tenant.")
class Invitation:
    id: strawberry.ID
    email: str
    roles: list[str]
    invited_by: str
    expires_at: datetime
    created_at: datetime

    @classmethod
    def from_model(cls, invitation: InvitationModel) -> Invitation:
        return cls(id=strawberry.ID(str(invitation.id)), email=invitation.email, roles=list(invitation.roles),
                   invited_by=invitation.invited_by, expires_at=invitation.expires_at,
                   created_at=invitation.created_at)


@strawberry.type(description="An invitation and its one-time token; the token is never shown again.")
class InvitationCreated:
    invitation: Invitation
    token: str = strawberry.field(description="Give this to the invitee (accept with acceptInvitation).")


@strawberry.type
class InvitationRevoked:
    invitation: Invitation


@strawberry.type(description="The invitee joined the tenant.")
class InvitationAccepted:
    tenant_id: strawberry.ID
    user_id: strawberry.ID
    email: str


@strawberry.type
class MemberUpdated:
    member: Member


@strawberry.type
class MemberRemoved:
    user_id: strawberry.ID


@strawberry.input
class InviteMemberInput:
    email: str
    roles: list[str]


@strawberry.input
class AcceptInvitationInput:
    token: str
    password: str | None = strawberry.field(default=None, description="Required for a new account.")
    display_name: str | None = None


@strawberry.type(description="What the holder of an invitation token may know before accepting.")
class InvitationPreview:
    tenant_name: str
    email: str
    roles: list[str]
    account_exists: bool = strawberry.field(
        description="True: accept with the existing account's password; false: choose one.")
    expires_at: datetime

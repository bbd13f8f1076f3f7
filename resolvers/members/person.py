"""A person as other types refer to them (assignee, responder, owner)."""

from __future__ import annotations

import strawberry

from domain.members.models import User


@strawberry.type(description="A member of the tenant.")
class Person:
    id: strawberry.ID
    email: str
    display_name: str

    @classmethod
    def from_model(cls, user: User) -> Person:
        return cls(id=strawberry.ID(str(user.id)), email=user.email, display_name=user.display_name)

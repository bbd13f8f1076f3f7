from __future__ import annotations

from datetime import datetime

import strawberry

from domain.changes.queries import ChangeFilter
from domain.changes.service import ChangeDraft
from resolvers.changes.types import ChangeLinkKind, ChangeState, ChangeType, VoteDecision
from resolvers.ids import parse_id


@strawberry.input(description="What a change request says.")
class ChangeInput:
    title: str
    type: ChangeType
    description: str = ""
    backout_plan: str = ""
    ci_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    planned_start: datetime | None = None
    planned_end: datetime | None = None

    def to_domain(self) -> ChangeDraft:
        return ChangeDraft(title=self.title, type=self.type.value, description=self.description,
                           backout_plan=self.backout_plan, ci_ids=[parse_id(i, field="ciIds") for i in self.ci_ids],
                           planned_start=self.planned_start, planned_end=self.planned_end)


@strawberry.input
class TransitionChangeInput:
    id: strawberry.ID
    to: ChangeState
    note: str = ""
    expected_version: int | None = None


@strawberry.input(description="A CAB vote; the comment is required.")
class VoteOnChangeInput:
    id: strawberry.ID
    decision: VoteDecision
    comment: str


@strawberry.input
class LinkChangeIncidentInput:
    change_id: strawberry.ID
    incident_id: strawberry.ID
    kind: ChangeLinkKind
    reason: str = ""


@strawberry.input
class FreezeWindowInput:
    name: str
    starts_at: datetime
    ends_at: datetime


@strawberry.input
class CabRuleInput:
    change_type: ChangeType
    quorum: int
    unanimous: bool = False


@strawberry.input(description="The whole change policy (it replaces the current one).")
class ChangePolicyInput:
    collision_mode: str = "warn"
    cab_role: str | None = None
    cab_rules: list[CabRuleInput] = strawberry.field(default_factory=list)
    freeze_windows: list[FreezeWindowInput] = strawberry.field(default_factory=list)


@strawberry.input
class ChangeFilterInput:
    states: list[ChangeState] | None = None
    types: list[ChangeType] | None = None
    window_from: datetime | None = strawberry.field(default=None, description="Calendar: windows ending after.")
    window_to: datetime | None = strawberry.field(default=None, description="Calendar: windows starting before.")

    def to_domain(self) -> ChangeFilter:
        return ChangeFilter(states=tuple(s.value for s in self.states or ()),
                            types=tuple(t.value for t in self.types or ()), window_from=self.window_from,
                            window_to=self.window_to)

"""GraphQL inputs of on-call and paging."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry


@strawberry.input
class RestrictionInput:
    days: list[int]
    start: str
    end: str


@strawberry.input
class LayerInput:
    rotation: str = strawberry.field(description="daily, weekly or custom.")
    start: str = strawberry.field(description="The first handoff, local date and time (YYYY-MM-DDTHH:MM).")
    participants: list[strawberry.ID]
    length_hours: float | None = None
    restrictions: list[RestrictionInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> dict:
        return {"rotation": self.rotation, "start": self.start, "length_hours": self.length_hours,
                "participants": [str(p) for p in self.participants],
                "restrictions": [{"days": r.days, "start": r.start, "end": r.end} for r in self.restrictions]}


@strawberry.input
class CreateScheduleInput:
    name: str
    time_zone: str
    layers: list[LayerInput]


@strawberry.input
class OverrideInput:
    schedule_id: strawberry.ID
    user_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime


@strawberry.input
class TargetInput:
    kind: str = strawberry.field(description="user or schedule.")
    id: strawberry.ID


@strawberry.input
class LevelInput:
    timeout_seconds: int
    targets: list[TargetInput]


@strawberry.input
class CreatePolicyInput:
    name: str
    levels: list[LevelInput]
    repeat: int = 0

    def levels_to_domain(self) -> list[dict]:
        return [{"timeout_seconds": level.timeout_seconds,
                 "targets": [{"kind": t.kind, "id": str(t.id)} for t in level.targets]} for level in self.levels]


@strawberry.input
class NotificationRuleInput:
    urgency: str = strawberry.field(description="high (SEV1, SEV2) or low.")
    channel: str = strawberry.field(
        description="email, slack, teams, webhook (a webhook target's id) sms or voice (+E.164).")
    address: str
    delay_seconds: int = 0


@strawberry.enum(description="The on-call tool an export comes from.")
class ImportSource(enum.Enum):
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"
    GRAFANA_ONCALL = "grafana-oncall"


@strawberry.input(description="An on-call setup exported from another tool: its API responses as one JSON object.")
class ImportOnCallInput:
    source: ImportSource
    document: str = strawberry.field(description="The export file's JSON text (see the README for its keys).")
    dry_run: bool = strawberry.field(default=False, description="Report what would happen; change nothing.")

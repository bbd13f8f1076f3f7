"""GraphQL types for changes. Scalars are plain fields; votes, links and CI names go through DataLoaders."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry

from domain.changes import cab, lifecycle, queries, risk
from domain.changes.models import ChangeIncidentLink as LinkModel
from domain.changes.models import ChangePolicy as PolicyModel
from domain.changes.models import ChangeRequest as ChangeModel
from domain.changes.models import ChangeVote as VoteModel
from resolvers.loaders import loader


@strawberry.enum(description="standard: pre-approved, no CAB; normal: CAB; emergency: the emergency CAB.")
class ChangeType(Enum):
    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


@strawberry.enum
class ChangeState(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ASSESSMENT = "assessment"
    CAB_REVIEW = "cab_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    IMPLEMENTING = "implementing"
    IMPLEMENTED = "implemented"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    CLOSED = "closed"


@strawberry.enum
class VoteDecision(Enum):
    APPROVE = "approve"
    REJECT = "reject"


@strawberry.enum
class ChangeLinkKind(Enum):
    CAUSED_BY = "caused_by"
    RESOLVED_BY = "resolved_by"


@strawberry.type(description="Points one fact adds to a change's risk.")
class RiskReason:
    points: int
    reason: str


@strawberry.type(description="Another change or a freeze window this change collides with.")
class ChangeCollision:
    kind: str = strawberry.field(description="`change` or `freeze`.")
    message: str
    change_id: strawberry.ID | None


@strawberry.type(description="One CAB member's vote, with its comment.")
class ChangeVote:
    voter: str
    decision: VoteDecision
    comment: str
    round: int
    created_at: datetime

    @classmethod
    def from_model(cls, v: VoteModel) -> ChangeVote:
        return cls(voter=v.voter, decision=VoteDecision(v.decision), comment=v.comment, round=v.cab_round,
                   created_at=v.created_at)


@strawberry.type(description="An incident the change caused or resolved, and why.")
class ChangeIncidentLink:
    id: strawberry.ID
    change_id: strawberry.ID
    incident_id: strawberry.ID
    kind: ChangeLinkKind
    reason: str
    source: str = strawberry.field(description="`manual` or `correlation`.")
    created_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, link: LinkModel) -> ChangeIncidentLink:
        return cls(id=strawberry.ID(str(link.id)), change_id=strawberry.ID(str(link.change_id)),
                   incident_id=strawberry.ID(str(link.incident_id)), kind=ChangeLinkKind(link.kind),
                   reason=link.reason, source=link.source, created_by=link.created_by, created_at=link.created_at)


@strawberry.type(description="A change request: what, where, when, how risky, and where it stands.")
class Change:
    id: strawberry.ID
    reference: str
    title: str
    description: str
    backout_plan: str
    type: ChangeType
    state: ChangeState
    ci_ids: list[strawberry.ID]
    planned_start: datetime | None
    planned_end: datetime | None
    risk_score: int
    risk_level: str = strawberry.field(description="low, medium or high.")
    risk_reasons: list[RiskReason]
    collisions: list[ChangeCollision]
    requested_by: str
    requester_id: strawberry.ID | None = strawberry.field(description="The member who requested it.")
    cab_round: int
    cab_rule: str | None = strawberry.field(description="The default CAB rule of its type (null: no CAB).")
    allowed_moves: list[ChangeState] = strawberry.field(description="Where a person may move it next.")
    history: strawberry.scalars.JSON
    approved_at: datetime | None
    implemented_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_model(cls, c: ChangeModel) -> Change:
        rule = cab.DEFAULT_RULES.get(c.type)
        return cls(
            id=strawberry.ID(str(c.id)), reference=c.reference, title=c.title, description=c.description,
            backout_plan=c.backout_plan, type=ChangeType(c.type), state=ChangeState(c.state),
            ci_ids=[strawberry.ID(str(i)) for i in c.ci_ids], planned_start=c.planned_start,
            planned_end=c.planned_end, risk_score=c.risk_score, risk_level=risk.level(c.risk_score),
            risk_reasons=[RiskReason(points=r["points"], reason=r["reason"]) for r in c.risk_reasons],
            collisions=[ChangeCollision(kind=x["kind"], message=x["message"],
                                        change_id=strawberry.ID(x["change_id"]) if x.get("change_id") else None)
                        for x in c.collisions],
            requested_by=c.requested_by, requester_id=strawberry.ID(str(c.requester_id)) if c.requester_id else None,
            cab_round=c.cab_round, cab_rule=rule.describe() if rule else None,
            allowed_moves=[ChangeState(s) for s in lifecycle.manual_moves(c.state, c.type)], history=c.history,
            approved_at=c.approved_at, implemented_at=c.implemented_at, created_at=c.created_at,
            updated_at=c.updated_at, version=c.version)

    @strawberry.field(description="The names of its CIs (null for one deleted since).")
    async def ci_names(self, info: strawberry.Info) -> list[str | None]:
        batch = loader(info, queries.ci_names)
        return list(await batch.load_many([_uuid(i) for i in self.ci_ids]))

    @strawberry.field(description="The votes of the current CAB round, oldest first.")
    async def votes(self, info: strawberry.Info) -> list[ChangeVote]:
        rows = await loader(info, queries.votes_by_change).load((_uuid(self.id), self.cab_round))
        return [ChangeVote.from_model(v) for v in rows]

    @strawberry.field(description="Incidents it caused or resolved.")
    async def incident_links(self, info: strawberry.Info) -> list[ChangeIncidentLink]:
        rows = await loader(info, queries.links_by_change).load(_uuid(self.id))
        return [ChangeIncidentLink.from_model(link) for link in rows]


@strawberry.type(description="A named period in which changes collide (a freeze or blackout).")
class FreezeWindow:
    name: str
    starts_at: datetime
    ends_at: datetime


@strawberry.type(description="A CAB rule: how many votes, and whether they must agree.")
class CabRule:
    change_type: ChangeType
    quorum: int
    unanimous: bool


@strawberry.type(description="The tenant's change policy.")
class ChangePolicy:
    collision_mode: str = strawberry.field(description="`warn` records collisions; `block` refuses them.")
    cab_role: str | None = strawberry.field(description="When set, only members of this role vote.")
    cab_rules: list[CabRule]
    freeze_windows: list[FreezeWindow]

    @classmethod
    def from_model(cls, p: PolicyModel) -> ChangePolicy:
        rules = [CabRule(change_type=ChangeType(t), quorum=r.quorum, unanimous=r.unanimous)
                 for t in cab.DEFAULT_RULES for r in [cab.rule_for(t, p.cab_rules)]]
        return cls(collision_mode=p.collision_mode, cab_role=p.cab_role, cab_rules=rules, freeze_windows=[
            FreezeWindow(name=w["name"], starts_at=datetime.fromisoformat(w["starts_at"]),
                         ends_at=datetime.fromisoformat(w["ends_at"])) for w in p.freeze_windows])


@strawberry.type(description="A change moved, was voted on, or lapsed.")
class ChangeEvent:
    kind: str = strawberry.field(description="created, updated, moved, voted, lapsed.")
    change: Change


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(str(value))

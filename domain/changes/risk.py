"""The risk score of a change (0-100), with the reasons that make it up.

Points come from the change itself (type, a missing backout plan), the CIs it touches (their
criticality, and the blast radius that CMDB impact analysis finds from them), the history of failed
changes on those CIs, and the planned window (business hours, long windows, short notice).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from domain import clock
from domain.changes.lifecycle import FAILED_STATES
from domain.changes.models import ChangeRequest
from domain.cmdb.impact import impact_analysis

if TYPE_CHECKING:
    from domain.uow import Transaction

TYPE_POINTS = {"standard": 0, "normal": 10, "emergency": 20}
CRITICALITY_POINTS = {"critical": 20, "high": 12, "medium": 5}
FAILED_LOOKBACK = timedelta(days=180)
LEVELS = ((60, "high"), (30, "medium"), (0, "low"))


@dataclass(frozen=True)
class RiskReason:
    points: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"points": self.points, "reason": self.reason}


def level(score: int) -> str:
    """``low`` (< 30), ``medium`` (< 60) or ``high``."""
    return next(name for floor, name in LEVELS if score >= floor)


def total(reasons: list[RiskReason]) -> int:
    return min(100, sum(r.points for r in reasons))


def attribute_reasons(*, change_type: str, backout_plan: str) -> list[RiskReason]:
    """Points for what the change is."""
    found = [RiskReason(TYPE_POINTS[change_type], f"{change_type} change")] if TYPE_POINTS[change_type] else []
    if not backout_plan.strip():
        found.append(RiskReason(15, "no backout plan"))
    return found


def window_reasons(start: datetime | None, end: datetime | None, *, now: datetime) -> list[RiskReason]:
    """Points for when it happens: inside weekday business hours (UTC), a long window, short notice."""
    if start is None or end is None:
        return [RiskReason(10, "no planned window")]
    found = []
    if start.weekday() < 5 and 8 <= start.hour < 18:
        found.append(RiskReason(10, "starts during weekday business hours (08:00-18:00 UTC)"))
    if end - start > timedelta(hours=4):
        found.append(RiskReason(5, "window longer than 4 hours"))
    if start - now < timedelta(hours=24):
        found.append(RiskReason(10, "less than 24 hours' notice"))
    return found


def _criticality(row) -> str:
    attributes = row["attributes"]
    attributes = json.loads(attributes) if isinstance(attributes, str) else (attributes or {})
    return str(attributes.get("criticality", "")).lower()


async def ci_reasons(tx: Transaction, ci_ids: list[uuid.UUID]) -> list[RiskReason]:
    """Points for the CIs: their criticality and what failing them would hurt."""
    if not ci_ids:
        return []
    report = await impact_analysis(tx, ci_ids=ci_ids)
    found = [RiskReason(CRITICALITY_POINTS[c], f"{row['name']} is {c}") for row in report.seeds
             if (c := _criticality(row)) in CRITICALITY_POINTS]
    if report.affected:
        found.append(RiskReason(min(20, 2 * len(report.affected)),
                                f"blast radius: {len(report.affected)} dependent CI(s)"))
    if report.business_services or report.customers:
        names = sorted({i.ci["name"] for i in report.business_services + report.customers})
        found.append(RiskReason(min(20, 10 * len(names)), f"reaches business services: {', '.join(names[:5])}"))
    return found


async def history_reasons(tx: Transaction, ci_ids: list[uuid.UUID], *, exclude: uuid.UUID | None,
                          now: datetime) -> list[RiskReason]:
    """Points for failed or rolled-back changes on the same CIs in the last 180 days."""
    if not ci_ids:
        return []
    failed = await tx.session.scalar(select(func.count()).select_from(ChangeRequest).where(
        ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.ci_ids.overlap(ci_ids),
        ChangeRequest.state.in_(FAILED_STATES) | ChangeRequest.history.contains([{"to": "failed"}]),
        ChangeRequest.updated_at >= now - FAILED_LOOKBACK, ChangeRequest.id != exclude))
    return [RiskReason(min(20, 10 * failed), f"{failed} failed change(s) on these CIs in 180 days")] if failed else []


async def assess(tx: Transaction, change: ChangeRequest) -> list[RiskReason]:
    """Every reason that adds to the change's risk, biggest first."""
    now = clock.now()
    reasons = [*attribute_reasons(change_type=change.type, backout_plan=change.backout_plan),
               *await ci_reasons(tx, list(change.ci_ids)),
               *await history_reasons(tx, list(change.ci_ids), exclude=change.id, now=now),
               *window_reasons(change.planned_start, change.planned_end, now=now)]
    return sorted(reasons, key=lambda r: -r.points)

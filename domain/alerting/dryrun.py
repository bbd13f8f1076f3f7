"""Dry run: what a draft rule would have fired over the tenant's last hours of stored data.

Event rules replay the stored events in time order through the compiled condition and grouping.
Windowed rules are evaluated window by window (consecutive, non-overlapping windows of the rule's
length), so ``for_minutes`` is honoured to the window's precision. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from domain import clock
from domain.alerting.cel import compile_condition
from domain.alerting.evaluation import as_event
from domain.alerting.rules import RuleDefinition, check_definition
from domain.alerting.templates import group_of, render_fingerprint
from domain.alerting.windows import condition_met, measure
from domain.errors import ValidationFailed
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_HOURS = 72
MAX_EVENTS = 50_000
MAX_WINDOWS = 2_000
MAX_SAMPLES = 3


@dataclass(frozen=True)
class DryRunSample:
    """One match: an event (its title) or a window (its measured value)."""

    at: datetime
    title: str | None = None
    value: float | None = None


@dataclass
class DryRunGroup:
    """One group the rule would have alerted on."""

    labels: dict[str, Any]
    fingerprint: str
    matches: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    fired_at: datetime | None = None
    samples: list[DryRunSample] = field(default_factory=list)

    def sample(self, found: DryRunSample) -> None:
        """Keep ``found`` among the group's latest matches."""
        self.samples = [*self.samples, found][-MAX_SAMPLES:]


@dataclass
class DryRunResult:
    groups: list[DryRunGroup] = field(default_factory=list)
    scanned: int = 0
    truncated: bool = False

    @property
    def would_fire(self) -> int:
        return sum(1 for g in self.groups if g.fired_at is not None)


async def dry_run(tx: Transaction, *, definition: RuleDefinition, hours: int) -> DryRunResult:
    """Evaluate ``definition`` over the last ``hours`` hours (1-72)."""
    if not 1 <= hours <= MAX_HOURS:
        raise ValidationFailed(f"hours must be from 1 to {MAX_HOURS}.", field="hours")
    definition = check_definition(definition)
    until = clock.now()
    since = until - timedelta(hours=hours)
    if definition.kind == "event":
        return await _events(tx, definition, since, until)
    return await _windows(tx, definition, since, until)


async def _events(tx: Transaction, rule: RuleDefinition, since: datetime, until: datetime) -> DryRunResult:
    condition = compile_condition(rule.condition)
    records = await fetch_sql(tx.session, "SELECT * FROM events WHERE tenant_id = $1 AND occurred_at >= $2 AND "
                              f"occurred_at < $3 ORDER BY occurred_at, seq LIMIT {MAX_EVENTS + 1}",
                              tx.tenant_id, since, until)
    result = DryRunResult(scanned=min(len(records), MAX_EVENTS), truncated=len(records) > MAX_EVENTS)
    groups: dict[str, DryRunGroup] = {}
    for record in records[:MAX_EVENTS]:
        event = as_event(record)
        if not condition.matches(event):
            continue
        labels = {key: _path(event, key) for key in rule.group_by}
        group = groups.setdefault(group_of(labels), DryRunGroup(
            labels, render_fingerprint(rule.fingerprint_template, rule.name, labels)))
        group.matches += 1
        group.first_at = group.first_at or event["occurred_at"]
        group.last_at = event["occurred_at"]
        group.sample(DryRunSample(event["occurred_at"], title=event["title"]))
        if group.fired_at is None and group.matches >= rule.threshold_count:
            group.fired_at = event["occurred_at"]
    result.groups = list(groups.values())
    return result


def _path(event: dict, path: str) -> Any:
    value: Any = event
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


async def _windows(tx: Transaction, rule: RuleDefinition, since: datetime, until: datetime) -> DryRunResult:
    step = timedelta(minutes=rule.window["minutes"])
    steps = int((until - since) / step)
    if steps > MAX_WINDOWS:
        raise ValidationFailed("Too many windows: use fewer hours or a longer window.", field="hours")
    draft = SimpleNamespace(kind=rule.kind, window=rule.window, group_by=rule.group_by)
    need = timedelta(minutes=rule.window.get("for_minutes") or 0)
    groups: dict[str, DryRunGroup] = {}
    streak: dict[str, datetime] = {}
    result = DryRunResult(scanned=steps)
    for index in range(steps):
        start = since + index * step
        values = await measure(tx, draft, since=start, until=start + step)
        if rule.kind == "absence" and not values:
            values = {(None,): 0.0}
        met = {}
        for group_values, value in values.items():
            labels = {} if rule.kind == "absence" else dict(zip(rule.group_by, group_values, strict=False))
            if condition_met(draft, value):
                met[group_of(labels)] = (labels, value)
        _advance(rule, groups, streak, met, start + step, need)
    result.groups = list(groups.values())
    return result


def _advance(rule: RuleDefinition, groups: dict, streak: dict, met: dict, at: datetime, need: timedelta) -> None:
    for key in list(streak):
        if key not in met:
            del streak[key]
    for key, (labels, value) in met.items():
        group = groups.setdefault(key, DryRunGroup(labels, render_fingerprint(rule.fingerprint_template, rule.name,
                                                                              labels)))
        group.matches += 1
        group.first_at = group.first_at or at
        group.last_at = at
        group.sample(DryRunSample(at, value=value))
        began = streak.setdefault(key, at)
        if group.fired_at is None and at - began >= need:
            group.fired_at = at

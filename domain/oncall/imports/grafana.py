"""Grafana OnCall's HTTP API v1 responses as a plan.

The export is one JSON object of response bodies (or the bare lists inside them): ``users``
(GET /api/v1/users/), ``teams`` (GET /api/v1/teams/), ``schedules`` (GET /api/v1/schedules/),
``on_call_shifts`` (GET /api/v1/on_call_shifts/), ``escalation_chains`` (GET /api/v1/escalation_chains/),
``escalation_policies`` (GET /api/v1/escalation_policies/) and ``integrations`` (GET /api/v1/integrations/).

A ``rolling_users`` or ``recurrent_event`` shift is a layer (a higher ``level`` wins): its users take
turns of ``interval`` x ``frequency`` from ``start`` (local time), each on call for ``duration`` from the
occurrence's start (on ``by_day`` days for a weekly one); ``override`` shifts are overrides.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.oncall.imports.plan import (
    ExtLayer,
    ExtLevel,
    ExtOverride,
    ExtPolicy,
    ExtSchedule,
    ExtService,
    ExtUser,
    ExtWindow,
    Plan,
    items,
    span_windows,
    text,
)

SOURCE = "grafana-oncall"
UNITS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _local(value: Any, where: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "")).replace(tzinfo=None, microsecond=0)
    except ValueError:
        from domain.errors import ValidationFailed
        raise ValidationFailed(f"{where}: {value!r} is not an ISO-8601 date-time.", field="document") from None


def _users(shift: dict[str, Any]) -> list[list[str]]:
    if shift.get("rolling_users"):
        return [list(group) for group in shift["rolling_users"]]
    return [list(shift.get("users") or ())]


def _windows(plan: Plan, shift: dict[str, Any], start: datetime, period: timedelta, where: str
             ) -> list[ExtWindow] | None:
    duration = timedelta(seconds=int(shift.get("duration") or 0))
    days = [WEEKDAYS.index(d) for d in shift.get("by_day") or ()]
    minute = start.hour * 60 + start.minute
    if days and len(days) < 7:
        if shift.get("frequency") != "weekly":
            plan.skip(f"{where}.by_day", "by_day on a daily or hourly rotation counts turns by occurrence; here "
                      "turns are counted in calendar time, so the shift is not imported")
            return None
        return span_windows(tuple(days), minute, int(duration.total_seconds()) // 60)
    if duration >= period:
        if duration > period:
            plan.skip(f"{where}.duration", "occurrences overlap in Grafana OnCall; here the next turn takes over")
        return []
    if shift.get("frequency") == "daily":
        return span_windows(range(7), minute, int(duration.total_seconds()) // 60)
    if shift.get("frequency") == "weekly":
        return span_windows((start.weekday(),), minute, int(duration.total_seconds()) // 60)
    plan.skip(f"{where}.duration", "an hourly rotation shorter than its turn cannot be expressed here")
    return None


def _layer(plan: Plan, shift: dict[str, Any], where: str) -> ExtLayer | None:
    unit = UNITS.get(shift.get("frequency"))
    if unit is None:
        plan.skip(f"{where}.frequency", f"frequency {shift.get('frequency')!r}: ours rotate hourly to weekly")
        return None
    period = unit * int(shift.get("interval") or 1)
    if not timedelta(hours=1) <= period <= timedelta(hours=672):
        plan.skip(f"{where}.interval", f"turns of {period}: ours last 1 to 672 hours")
        return None
    start = _local(text(shift, "start", where), where)
    if shift.get("rotation_start") and _local(shift["rotation_start"], where) > start:
        plan.skip(f"{where}.rotation_start", "the layer rotates from its start here, not from rotation_start")
    if shift.get("until"):
        plan.skip(f"{where}.until", "layers here do not end: this one keeps rotating after until")
    groups = _users(shift)
    if any(len(group) > 1 for group in groups):
        plan.skip(f"{where}.rolling_users", "a group of several people is on call together in Grafana OnCall; "
                  "here the first of each group is")
    if not groups or not all(groups):
        plan.skip(f"{where}.rolling_users", "a layer here needs a person in every turn; not imported")
        return None
    windows = _windows(plan, shift, start, period, where)
    if windows is None:
        return None
    return ExtLayer(text(shift, "id", where), start, period, tuple(g[0] for g in groups), tuple(windows))


def _override(plan: Plan, shift: dict[str, Any], zone: ZoneInfo, where: str) -> ExtOverride | None:
    people = [u for group in _users(shift) for u in group]
    if not people:
        plan.skip(where, "an override with nobody in it")
        return None
    if len(people) > 1:
        plan.skip(f"{where}.users", "several people override together in Grafana OnCall; here the first does")
    start = _local(text(shift, "start", where), where).replace(tzinfo=zone).astimezone(UTC)
    return ExtOverride(text(shift, "id", where), people[0], start,
                       start + timedelta(seconds=int(shift.get("duration") or 0)))


def _schedule(plan: Plan, raw: dict[str, Any], shifts: dict[str, dict[str, Any]]) -> ExtSchedule | None:
    ident = text(raw, "id", "schedules[]")
    where = f"schedules[{ident}]"
    if raw.get("type", "web") != "web":
        plan.skip(where, f"a {raw.get('type')!r} schedule reads an iCal feed; only web schedules are imported")
        return None
    zone = text(raw, "time_zone", where)
    ranked: list[tuple[int, datetime, ExtLayer]] = []
    overrides: list[ExtOverride] = []
    for shift_id in raw.get("shifts") or ():
        shift, spot = shifts.get(shift_id), f"on_call_shifts[{shift_id}]"
        if shift is None:
            plan.skip(spot, "the schedule names a shift the export does not hold")
            continue
        if shift.get("time_zone") not in (None, zone):
            plan.skip(f"{spot}.time_zone", "a shift in another time zone than its schedule's; not imported")
        elif shift.get("type") == "override":
            overrides.extend(o for o in [_override(plan, shift, ZoneInfo(zone), spot)] if o)
        elif shift.get("type") in ("rolling_users", "recurrent_event"):
            layer = _layer(plan, shift, spot)
            if layer:
                ranked.append((int(shift.get("level") or 0), layer.start, layer))
        else:
            plan.skip(spot, f"a {shift.get('type')!r} shift has no counterpart here")
    layers = tuple(layer for _, _, layer in sorted(ranked, key=lambda r: (r[0], r[1])))
    return ExtSchedule(ident, text(raw, "name", where), zone, layers, tuple(overrides))


def _chains(plan: Plan, document: dict[str, Any]) -> list[ExtPolicy]:
    steps: dict[str, list[dict[str, Any]]] = {}
    for step in items(document, "escalation_policies", "results"):
        steps.setdefault(step.get("escalation_chain_id"), []).append(step)
    policies = []
    for chain in items(document, "escalation_chains", "results"):
        ident = text(chain, "id", "escalation_chains[]")
        levels: list[list[Any]] = []
        repeat = 0
        for step in sorted(steps.get(ident, ()), key=lambda s: int(s.get("position") or 0)):
            kind, where = step.get("type"), f"escalation_policies[{step.get('id')}]"
            if kind == "wait" and levels:
                levels[-1][0] += int(step.get("duration") or 0)
            elif kind in ("notify_persons", "notify_person_next_each_time"):
                if kind == "notify_person_next_each_time":
                    plan.skip(where, "round-robin paging: here every listed person is paged")
                levels.append([0, [("user", u) for u in step.get("persons_to_notify") or
                                   step.get("persons_to_notify_next_each_time") or ()]])
            elif kind == "notify_on_call_from_schedule":
                levels.append([0, [("schedule", step.get("notify_on_call_from_schedule"))]])
            elif kind == "repeat_escalation":
                repeat = min(repeat + 1, 5)
            else:
                plan.skip(where, f"step {kind!r} has no counterpart here")
        policies.append(ExtPolicy(ident, text(chain, "name", f"escalation_chains[{ident}]"), repeat,
                                  tuple(ExtLevel(max(1, wait or 300), tuple(t)) for wait, t in levels if t)))
    return policies


def parse(document: dict[str, Any], *, now: datetime | None = None) -> Plan:
    """Read a Grafana OnCall export (see the module docstring) into a plan."""
    plan = Plan(SOURCE)
    plan.users = [ExtUser(text(u, "id", "users[]"), text(u, "email", "users[]"), str(u.get("username") or ""))
                  for u in items(document, "users", "results")]
    plan.teams = [text(team, "name", "teams[]") for team in items(document, "teams", "results")]
    shifts = {text(s, "id", "on_call_shifts[]"): s for s in items(document, "on_call_shifts", "results")}
    plan.schedules = [s for s in (_schedule(plan, raw, shifts) for raw in items(document, "schedules", "results"))
                      if s]
    plan.policies = _chains(plan, document)
    for integration in items(document, "integrations", "results"):
        ident = text(integration, "id", "integrations[]")
        route = integration.get("default_route") or {}
        plan.services.append(ExtService(ident, text(integration, "name", f"integrations[{ident}]"),
                                        route.get("escalation_chain_id")))
        plan.skip(f"integrations[{ident}].link", "create an integration here and repoint the sender; routes "
                  "other than the default are not imported")
    return plan

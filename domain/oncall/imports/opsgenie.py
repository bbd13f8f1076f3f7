"""Opsgenie's REST API responses as a plan.

The export is one JSON object of response bodies (or the bare lists inside them): ``users``
(GET /v2/users), ``teams`` (GET /v2/teams), ``schedules`` (GET /v2/schedules/{id} bodies, or
GET /v2/schedules?expand=rotation), ``overrides`` (schedule id -> GET /v2/schedules/{id}/overrides),
``escalations`` (GET /v2/escalations), ``services`` (GET /v1/services), ``maintenance`` (GET /v1/maintenance).

A rotation's turns last ``length`` hours, days or weeks of the schedule's wall-clock time from
``startDate``; a later rotation wins where two overlap (Opsgenie pages both: noted as unmapped).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.oncall.imports.plan import (
    DAYS,
    ExtLayer,
    ExtLevel,
    ExtOverride,
    ExtPolicy,
    ExtSchedule,
    ExtService,
    ExtUser,
    ExtWindow,
    Plan,
    instant,
    items,
    span_windows,
    text,
)

SOURCE = "opsgenie"
UNITS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
TIME_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}


def restriction_windows(raw: dict[str, Any]) -> list[ExtWindow]:
    """A ``time-of-day`` or ``weekday-and-time-of-day`` restriction as windows of local minutes."""
    def minute(r: dict[str, Any], side: str) -> int:
        return int(r.get(f"{side}Hour", 0)) * 60 + int(r.get(f"{side}Min", 0))

    if raw.get("type") == "time-of-day":
        r = raw.get("restriction") or {}
        start, end = minute(r, "start"), minute(r, "end")
        return span_windows(range(7), start, (end - start) % 1440 or 1440)
    windows: list[ExtWindow] = []
    for r in raw.get("restrictions") or ():
        start_day, end_day = DAYS.index(r["startDay"]), DAYS.index(r["endDay"])
        start = start_day * 1440 + minute(r, "start")
        length = (end_day * 1440 + minute(r, "end") - start) % (7 * 1440) or 7 * 1440
        windows.extend(span_windows((start_day,), minute(r, "start"), length))
    return windows


def _rotation(plan: Plan, raw: dict[str, Any], zone: ZoneInfo, where: str, now: datetime) -> ExtLayer | None:
    ident = text(raw, "id", where)
    if raw.get("endDate"):
        if instant(raw["endDate"], where) <= now:
            plan.skip(f"{where}.endDate", "the rotation ended already; not imported")
            return None
        plan.skip(f"{where}.endDate", "rotations here do not end: this one keeps rotating after its end date")
    unit = UNITS.get(raw.get("type"))
    if unit is None:
        plan.skip(f"{where}.type", f"rotation type {raw.get('type')!r} is not hourly, daily or weekly")
        return None
    length = unit * int(raw.get("length") or 1)
    if not timedelta(hours=1) <= length <= timedelta(hours=672):
        plan.skip(f"{where}.length", f"turns of {length}: ours last 1 to 672 hours")
        return None
    people = []
    for participant in raw.get("participants") or ():
        if participant.get("type") != "user":
            plan.skip(f"{where}.participants", f"a {participant.get('type')!r} participant takes a turn in "
                      "Opsgenie; only people take turns here, so the rotation is not imported")
            return None
        people.append(text(participant, "id", where))
    restriction = raw.get("timeRestriction")
    windows = restriction_windows(restriction) if restriction else []
    start = instant(text(raw, "startDate", where), where)
    return ExtLayer(ident, start.astimezone(zone).replace(tzinfo=None), length, tuple(people), tuple(windows))


def _schedule(plan: Plan, raw: dict[str, Any], overrides: dict[str, Any], now: datetime) -> ExtSchedule:
    raw = raw.get("data", raw) if isinstance(raw.get("data"), dict) else raw
    ident = text(raw, "id", "schedules[]")
    where = f"schedules[{ident}]"
    zone = text(raw, "timezone", where)
    rotations = raw.get("rotations") or ()
    if len(rotations) > 1:
        plan.skip(f"{where}.rotations", "where rotations overlap Opsgenie pages everyone on call; here the later "
                  "rotation wins")
    if raw.get("enabled") is False:
        plan.skip(f"{where}.enabled", "the schedule is disabled in Opsgenie; imported as an ordinary schedule")
    layers = [_rotation(plan, r, ZoneInfo(zone), f"{where}.rotations[{i}]", now) for i, r in enumerate(rotations)]
    covers = []
    for o in items(overrides, ident, "data"):
        alias = text(o, "alias", f"{where}.overrides")
        if o.get("rotations"):
            plan.skip(f"{where}.overrides[{alias}].rotations", "overrides here cover the whole schedule, not one "
                      "rotation")
        user = o.get("user") or {}
        if user.get("type", "user") != "user":
            plan.skip(f"{where}.overrides[{alias}]", "only a person can override here")
            continue
        covers.append(ExtOverride(alias, text(user, "id", where), instant(o.get("startDate"), where),
                                  instant(o.get("endDate"), where)))
    return ExtSchedule(ident, text(raw, "name", where), zone, tuple(layer for layer in layers if layer),
                       tuple(covers))


def _policy(plan: Plan, raw: dict[str, Any]) -> ExtPolicy:
    ident = text(raw, "id", "escalations[]")
    where = f"escalations[{ident}]"
    steps: dict[int, list[tuple[str, str]]] = {}
    for i, rule in enumerate(raw.get("rules") or ()):
        delay = rule.get("delay") or {}
        at = int(delay.get("timeAmount") or 0) * TIME_UNITS.get(delay.get("timeUnit", "minutes"), 60)
        recipient = rule.get("recipient") or {}
        if rule.get("condition", "if-not-acked") != "if-not-acked":
            plan.skip(f"{where}.rules[{i}].condition", "escalation stops at acknowledgement here")
        if rule.get("notifyType", "default") != "default":
            plan.skip(f"{where}.rules[{i}].notifyType", f"{rule.get('notifyType')!r}: pages the recipient itself")
        if recipient.get("type") not in ("user", "schedule"):
            plan.skip(f"{where}.rules[{i}].recipient", f"a {recipient.get('type')!r} recipient cannot be paged "
                      "here (users and schedules can)")
            continue
        steps.setdefault(at, []).append((recipient["type"], text(recipient, "id", where)))
    times = sorted(steps)
    if times and times[0] > 0:
        plan.skip(f"{where}.rules[0].delay", f"the first level pages at once here; Opsgenie waited {times[0]} s")
    repeat = raw.get("repeat") or {}
    wait = int(repeat.get("waitInterval") or 0) * 60 or 300
    levels = tuple(ExtLevel(max(1, (times[i + 1] if i + 1 < len(times) else times[i] + wait) - at),
                            tuple(steps[at])) for i, at in enumerate(times))
    count = int(repeat.get("count") or 0)
    if count > 9:
        plan.skip(f"{where}.repeat.count", f"{count} repeats: ours repeat at most 9 times (9 kept)")
    return ExtPolicy(ident, text(raw, "name", where), min(count, 9), levels)


def parse(document: dict[str, Any], *, now: datetime | None = None) -> Plan:
    """Read an Opsgenie export (see the module docstring) into a plan."""
    now = now or datetime.now(UTC)
    plan = Plan(SOURCE)
    for user in items(document, "users", "data"):
        plan.users.append(ExtUser(text(user, "id", "users[]"), text(user, "username", "users[]"),
                                  str(user.get("fullName") or "")))
    teams = items(document, "teams", "data")
    plan.teams = [text(team, "name", "teams[]") for team in teams]
    overrides = document.get("overrides") or {}
    plan.schedules = [_schedule(plan, raw, overrides, now) for raw in items(document, "schedules", "data")]
    escalations = items(document, "escalations", "data")
    plan.policies = [_policy(plan, raw) for raw in escalations]
    by_team = {}
    for raw in escalations:
        by_team.setdefault((raw.get("ownerTeam") or {}).get("id"), raw["id"])
    for service in items(document, "services", "data"):
        ident = text(service, "id", "services[]")
        plan.services.append(ExtService(ident, text(service, "name", f"services[{ident}]"),
                                        by_team.get(service.get("teamId"))))
        plan.skip(f"services[{ident}].teamId", "a service escalates by the first escalation its team owns; the "
                  "team's routing rules are not read")
    for window in items(document, "maintenance", "data"):
        plan.skip(f"maintenance[{window.get('id')}]", "import maintenance windows as silences by hand "
                  "(Alerting > Silences): not mapped yet")
    return plan

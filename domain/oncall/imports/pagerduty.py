"""PagerDuty's REST API v2 responses as a plan.

The export is one JSON object whose keys name the endpoints read and whose values are their response
bodies (or the bare lists inside them): ``users`` (GET /users), ``teams`` (GET /teams), ``schedules``
(GET /schedules/{id} bodies, or GET /schedules?include[]=schedule_layers), ``overrides`` (schedule id ->
GET /schedules/{id}/overrides), ``escalation_policies`` (GET /escalation_policies), ``services``
(GET /services), ``maintenance_windows`` (GET /maintenance_windows).

GET /schedules/{id} lists ``schedule_layers`` highest precedence first (the reverse of what POST takes);
a layer's turns run from ``rotation_virtual_start`` in the schedule's wall-clock time.
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
    instant,
    items,
    span_windows,
    text,
)

SOURCE = "pagerduty"
TARGET_KINDS = {"user_reference": "user", "user": "user", "schedule_reference": "schedule", "schedule": "schedule"}


def _clock(value: str) -> int:
    hours, minutes, *_ = (int(part) for part in value.split(":"))
    return hours * 60 + minutes


def restriction_windows(raw: dict[str, Any]) -> list[ExtWindow]:
    """A daily or weekly restriction (start time, duration) as windows of local minutes per weekday."""
    start, minutes = _clock(raw["start_time_of_day"]), int(raw["duration_seconds"]) // 60
    if raw.get("type") == "weekly_restriction":
        return span_windows((int(raw["start_day_of_week"]) - 1,), start, minutes)
    return span_windows(range(7), start, minutes)


def _layer(plan: Plan, raw: dict[str, Any], zone: ZoneInfo, where: str, now: datetime) -> ExtLayer | None:
    ident = text(raw, "id", where)
    if raw.get("end") and instant(raw["end"], where) <= now:
        plan.skip(f"{where}.end", "the layer ended already; not imported")
        return None
    if raw.get("end"):
        plan.skip(f"{where}.end", "layers here do not end: this one keeps rotating after its end date")
    virtual = instant(raw.get("rotation_virtual_start") or raw.get("start"), where)
    if raw.get("start") and instant(raw["start"], where) > max(now, virtual):
        plan.skip(f"{where}.start", "layers here start at their rotation start: this one is active before its "
                                    "start date")
    seconds = int(raw.get("rotation_turn_length_seconds") or 0)
    if not 3600 <= seconds <= 672 * 3600:
        plan.skip(f"{where}.rotation_turn_length_seconds", f"turns of {seconds} s: ours last 1 to 672 hours")
        return None
    users = tuple(text(entry.get("user") or {}, "id", f"{where}.users") for entry in raw.get("users") or ())
    windows = [w for r in raw.get("restrictions") or () for w in restriction_windows(r)]
    return ExtLayer(ident, virtual.astimezone(zone).replace(tzinfo=None), timedelta(seconds=seconds), users,
                    tuple(windows))


def _schedule(plan: Plan, raw: dict[str, Any], overrides: dict[str, Any], now: datetime) -> ExtSchedule:
    raw = raw.get("schedule", raw)
    ident = text(raw, "id", "schedules[]")
    where = f"schedules[{ident}]"
    zone = text(raw, "time_zone", where)
    layers = [_layer(plan, layer, ZoneInfo(zone), f"{where}.schedule_layers[{i}]", now)
              for i, layer in enumerate(raw.get("schedule_layers") or ())]
    covers = tuple(ExtOverride(text(o, "id", f"{where}.overrides"), text(o.get("user") or {}, "id", where),
                               instant(o.get("start"), where), instant(o.get("end"), where))
                   for o in items(overrides, ident, "overrides"))
    for key in ("teams", "description"):
        if raw.get(key):
            plan.skip(f"{where}.{key}", "schedules here have no " + key)
    return ExtSchedule(ident, text(raw, "name", where), zone,
                       tuple(reversed([layer for layer in layers if layer])), covers)


def _policy(plan: Plan, raw: dict[str, Any]) -> ExtPolicy:
    ident = text(raw, "id", "escalation_policies[]")
    where = f"escalation_policies[{ident}]"
    levels = []
    for i, rule in enumerate(raw.get("escalation_rules") or ()):
        targets = []
        for target in rule.get("targets") or ():
            kind = TARGET_KINDS.get(target.get("type"))
            if kind is None:
                plan.skip(f"{where}.escalation_rules[{i}].targets", f"target type {target.get('type')!r} "
                          "cannot be paged here (users and schedules can)")
                continue
            targets.append((kind, text(target, "id", where)))
        delay = int(rule.get("escalation_delay_in_minutes") or 0) * 60
        levels.append(ExtLevel(delay, tuple(targets)))
    loops = int(raw.get("num_loops") or 0)
    if loops > 9:
        plan.skip(f"{where}.num_loops", f"{loops} loops: ours repeat at most 9 times (9 kept)")
    if raw.get("on_call_handoff_notifications") not in (None, "if_has_services"):
        plan.skip(f"{where}.on_call_handoff_notifications", "no handoff notifications here")
    return ExtPolicy(ident, text(raw, "name", where), min(loops, 9), tuple(levels))


def parse(document: dict[str, Any], *, now: datetime | None = None) -> Plan:
    """Read a PagerDuty export (see the module docstring) into a plan."""
    now = now or datetime.now(UTC)
    plan = Plan(SOURCE)
    for user in items(document, "users", "users"):
        plan.users.append(ExtUser(text(user, "id", "users[]"), text(user, "email", "users[]"),
                                  str(user.get("name") or "")))
        if user.get("contact_methods") or user.get("notification_rules"):
            plan.skip(f"users[{user['id']}].contact_methods", "contact methods and notification rules are "
                      "each person's own here: they set them after joining")
    plan.teams = [text(team, "name", "teams[]") for team in items(document, "teams", "teams")]
    overrides = document.get("overrides") or {}
    for raw in items(document, "schedules", "schedules"):
        plan.schedules.append(_schedule(plan, raw, overrides, now))
    plan.policies = [_policy(plan, raw) for raw in items(document, "escalation_policies", "escalation_policies")]
    for service in items(document, "services", "services"):
        ident = text(service, "id", "services[]")
        policy = (service.get("escalation_policy") or {}).get("id")
        plan.services.append(ExtService(ident, text(service, "name", f"services[{ident}]"), policy))
        for key in ("integrations", "incident_urgency_rule", "support_hours", "scheduled_actions"):
            if service.get(key):
                plan.skip(f"services[{ident}].{key}", _SERVICE_REASONS[key])
    for window in items(document, "maintenance_windows", "maintenance_windows"):
        plan.skip(f"maintenance_windows[{window.get('id')}]", "import maintenance windows as silences by hand "
                  "(Alerting > Silences): not mapped yet")
    return plan


_SERVICE_REASONS = {
    "integrations": "create an integration here (Integrations page) and repoint the sender: keys are not portable",
    "incident_urgency_rule": "urgency comes from the alert rule's severity here",
    "support_hours": "no support hours here",
    "scheduled_actions": "no scheduled actions here",
}

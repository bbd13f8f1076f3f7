"""Independent evaluators of who is on call, straight from each vendor's export and its documented rules.

They share no code with domain/oncall: each reads the raw JSON, works in the schedule's wall-clock time
with plain arithmetic (or dateutil's rrule for Grafana OnCall's recurrences) and answers for one instant.
Assumptions (the vendors' documented behaviour as we read it): turns keep their local handoff time
across DST; PagerDuty's GET lists layers highest first; a later Opsgenie rotation and a higher Grafana
``level`` win; the newest override wins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, HOURLY, WEEKLY, rrule

WEEK = 7 * 1440


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _local(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _minute_of_week(local: datetime) -> int:
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def pagerduty_on_call(export: dict, schedule_id: str, at: datetime) -> str | None:
    schedule = next(s["schedule"] for s in export["schedules"] if s["schedule"]["id"] == schedule_id)
    for override in reversed(export.get("overrides", {}).get(schedule_id, {}).get("overrides", [])):
        if _at(override["start"]) <= at < _at(override["end"]):
            return override["user"]["id"]
    zone = schedule["time_zone"]
    local = _local(at, zone)
    for layer in schedule["schedule_layers"]:  # highest first
        if at < _at(layer["start"]) or (layer.get("end") and at >= _at(layer["end"])):
            continue
        turn = (local - _local(_at(layer["rotation_virtual_start"]), zone)) // timedelta(
            seconds=layer["rotation_turn_length_seconds"])
        if not _pd_allowed(layer.get("restrictions") or [], local):
            continue
        users = layer["users"]
        return users[turn % len(users)]["user"]["id"]
    return None


def _pd_allowed(restrictions: list[dict], local: datetime) -> bool:
    if not restrictions:
        return True
    for r in restrictions:
        h, m, _ = (int(x) for x in r["start_time_of_day"].split(":"))
        length = r["duration_seconds"] // 60
        if r["type"] == "daily_restriction":
            if (local.hour * 60 + local.minute - (h * 60 + m)) % 1440 < length:
                return True
        elif (_minute_of_week(local) - ((r["start_day_of_week"] - 1) * 1440 + h * 60 + m)) % WEEK < length:
            return True
    return False


_OG_UNITS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def opsgenie_on_call(export: dict, schedule_id: str, at: datetime) -> str | None:
    schedule = next(s["data"] for s in export["schedules"] if s["data"]["id"] == schedule_id)
    for override in reversed(export.get("overrides", {}).get(schedule_id, {}).get("data", [])):
        if _at(override["startDate"]) <= at < _at(override["endDate"]):
            return override["user"]["id"]
    zone = schedule["timezone"]
    local = _local(at, zone)
    for rotation in reversed(schedule["rotations"]):  # the later rotation wins
        start = _at(rotation["startDate"])
        if at < start or not _og_allowed(rotation.get("timeRestriction"), local):
            continue
        turn = (local - _local(start, zone)) // (_OG_UNITS[rotation["type"]] * rotation["length"])
        people = rotation["participants"]
        return people[turn % len(people)]["id"]
    return None


def _og_allowed(restriction: dict | None, local: datetime) -> bool:
    if not restriction:
        return True
    if restriction["type"] == "time-of-day":
        r = restriction["restriction"]
        start, end = r["startHour"] * 60 + r["startMin"], r["endHour"] * 60 + r["endMin"]
        return (local.hour * 60 + local.minute - start) % 1440 < ((end - start) % 1440 or 1440)
    for r in restriction["restrictions"]:
        start = _DAYS.index(r["startDay"]) * 1440 + r["startHour"] * 60 + r["startMin"]
        end = _DAYS.index(r["endDay"]) * 1440 + r["endHour"] * 60 + r["endMin"]
        if (_minute_of_week(local) - start) % WEEK < ((end - start) % WEEK or WEEK):
            return True
    return False


_RRULE = {"hourly": HOURLY, "daily": DAILY, "weekly": WEEKLY}
_GRAFANA_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_GRAFANA_UNITS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}


def grafana_on_call(export: dict, schedule_id: str, at: datetime) -> str | None:
    schedule = next(s for s in export["schedules"]["results"] if s["id"] == schedule_id)
    zone = schedule["time_zone"]
    shifts = [s for s in export["on_call_shifts"]["results"] if s["id"] in schedule["shifts"]]
    local = _local(at, zone)
    for shift in reversed([s for s in shifts if s["type"] == "override"]):
        start = datetime.fromisoformat(shift["start"]).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        if start <= at < start + timedelta(seconds=shift["duration"]):
            return shift["rolling_users"][0][0]
    layers = sorted((s for s in shifts if s["type"] == "rolling_users"), key=lambda s: -s["level"])
    for shift in layers:
        found = _grafana_occurrence(shift, local)
        if found is not None:
            return found
    return None


def _grafana_occurrence(shift: dict, local: datetime) -> str | None:
    start = datetime.fromisoformat(shift["start"])
    period = _GRAFANA_UNITS[shift["frequency"]] * shift["interval"]
    days = [_GRAFANA_DAYS.index(d) for d in shift.get("by_day") or ()]
    rule = rrule(_RRULE[shift["frequency"]], interval=shift["interval"], dtstart=start,
                 byweekday=days or None, wkst=_GRAFANA_DAYS.index(shift.get("week_start") or "MO"))
    duration = timedelta(seconds=shift["duration"])
    occurrence = rule.before(local, inc=True)
    while occurrence is not None and occurrence + duration > local - period:
        if occurrence <= local < occurrence + duration:
            groups = shift["rolling_users"]
            return groups[((occurrence - start) // period) % len(groups)][0]
        occurrence = rule.before(occurrence)
    return None

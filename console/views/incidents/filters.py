"""The incident list's filters: read from the query string, kept in the URL, turned into the API's
``IncidentFilterInput``, and matched against live changes (the stream's subscription is unfiltered).

URL parameters: ``status`` and ``severity`` (repeatable), ``service``, ``assignee`` (a member id or
``none``), ``q`` (text in title or description), ``from`` and ``to`` (creation dates, inclusive, days on the
viewer's clock: their time zone setting), ``top``
(``1``, the default: top-level incidents only, their children folded under them; ``0``: every incident).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from starlette.datastructures import QueryParams

from console.forms import parse_day, validation
from domain.incidents.models import SEVERITIES, STATUSES

UNASSIGNED = "none"


@dataclass(frozen=True)
class ListFilters:
    """Valid list filters; empty fields match everything."""

    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    service: str = ""
    assignee: str = ""
    text: str = ""
    created_from: date | None = None
    created_to: date | None = None
    top_level: bool = True
    zone: tzinfo = UTC  # whose days "from" and "to" are: the viewer's

    def variables(self) -> dict[str, Any] | None:
        """The ``IncidentFilterInput`` of these filters (None when there are none)."""
        after = _midnight(self.created_from, self.zone) if self.created_from else None
        before = _midnight(self.created_to + timedelta(days=1), self.zone) if self.created_to else None
        found = {"statuses": [s.upper() for s in self.statuses] or None, "severities": list(self.severities) or None,
                 "service": self.service or None, "text": self.text or None, "createdAfter": after,
                 "createdBefore": before, "unassigned": self.assignee == UNASSIGNED,
                 "assigneeId": self.assignee if self.assignee not in ("", UNASSIGNED) else None,
                 "topLevelOnly": self.top_level}
        return {key: value for key, value in found.items() if value} or None

    def query(self) -> list[tuple[str, str]]:
        """The filters as URL parameters, in a stable order."""
        pairs = [("status", s) for s in self.statuses] + [("severity", s) for s in self.severities]
        pairs += [("service", self.service), ("assignee", self.assignee), ("q", self.text),
                  ("from", self.created_from.isoformat() if self.created_from else ""),
                  ("to", self.created_to.isoformat() if self.created_to else "")]
        return [(key, value) for key, value in pairs if value] + ([] if self.top_level else [("top", "0")])

    def matches(self, incident: dict[str, Any]) -> bool:
        """Whether an incident (a list row from the API) passes these filters."""
        assignee = (incident.get("assignee") or {}).get("id")
        return ((not self.top_level or not incident.get("parent"))
                and (not self.statuses or incident["status"].lower() in self.statuses)
                and (not self.severities or incident["severity"] in self.severities)
                and (not self.service or self.service in incident["services"])
                and (not self.assignee or assignee == (None if self.assignee == UNASSIGNED else self.assignee))
                and self._text_matches(incident) and self._created_matches(incident["createdAt"]))

    def _text_matches(self, incident: dict[str, Any]) -> bool:
        wanted = self.text.casefold()
        return not wanted or any(wanted in (incident.get(name) or "").casefold() for name in ("title", "description"))

    def _created_matches(self, created_at: str) -> bool:
        day = datetime.fromisoformat(created_at).astimezone(self.zone).date()
        return (not self.created_from or day >= self.created_from) and (not self.created_to or day <= self.created_to)


def _midnight(day: date, zone: tzinfo) -> str:
    """The start of ``day`` on the clocks of ``zone``, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC).isoformat()


def _choices(raw: list[str], options: tuple[str, ...], name: str, errors: list) -> tuple[str, ...]:
    """The known values among ``raw`` (matched case-insensitively); an error for each unknown one."""
    by_key = {option.lower(): option for option in options}
    for value in raw:
        if value.lower() not in by_key:
            errors.append(validation(f"Unknown {name} {value!r}: choose from {', '.join(options)}.", name))
    return tuple(dict.fromkeys(by_key[v.lower()] for v in raw if v.lower() in by_key))


def _assignee(raw: str, errors: list) -> str:
    if raw in ("", UNASSIGNED):
        return raw
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        errors.append(validation(f"Unknown assignee {raw!r}.", "assignee"))
        return ""


def form_values(params: QueryParams) -> dict[str, Any]:
    """The filter form's fields as the user sent them (kept even when invalid)."""
    many = {name: [v.strip() for v in params.getlist(name) if v.strip()] for name in ("status", "severity")}
    top = params.getlist("top")  # a hidden "0" before the checkbox's "1": the last one sent wins
    return {**many, **{name: params.get(name, "").strip() for name in ("service", "assignee", "q", "from", "to")},
            "top": top[-1] != "0" if top else True}


def parse_filters(params: QueryParams, zone: tzinfo = UTC) -> tuple[ListFilters, dict[str, Any],
                                                                   list[dict[str, str]]]:
    """(the valid filters, the form's values, an error for each value that cannot be used); ``from`` and
    ``to`` are days in ``zone`` (the viewer's time zone)."""
    values, errors = form_values(params), []
    filters = ListFilters(
        statuses=_choices(values["status"], STATUSES, "status", errors),
        severities=_choices(values["severity"], SEVERITIES, "severity", errors),
        service=values["service"], assignee=_assignee(values["assignee"], errors), text=values["q"],
        created_from=parse_day(values["from"], "Created from", "from", errors),
        created_to=parse_day(values["to"], "Created to", "to", errors), top_level=values["top"], zone=zone)
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        errors.append(validation("Created from must not be after created to.", "from"))
    return filters, values, errors

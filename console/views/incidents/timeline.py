"""Readable incident timelines: for each entry its kind, actor, time and a sentence about its data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.incidents.models import reference

Entry = dict[str, Any]


@dataclass(frozen=True)
class Names:
    """What the timeline's ids mean: people, other incidents, action items; and where incidents live."""

    incident_id: str
    path: Callable[[str], str]
    people: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    action_items: dict[str, str] = field(default_factory=dict)

    def person(self, user_id: str | None) -> str:
        """A member's name; ids of people who left stay recognisable."""
        if not user_id:
            return "nobody"
        return self.people.get(user_id) or f"a former member ({user_id[:8]})"

    def incident(self, incident_id: str, number: int | None = None) -> dict[str, str]:
        """A link to another incident, named by its reference when known."""
        label = reference(number) if number else self.references.get(incident_id) or f"incident {incident_id[:8]}"
        return {"href": self.path(incident_id), "label": label}


def _created(data: Entry, names: Names) -> tuple[str, dict | None, str]:
    text = f"Opened as {data.get('severity')}/{data.get('priority')}: “{data.get('title', '')}”"
    if data.get("services"):
        text += f" on {', '.join(data['services'])}"
    if data.get("assignee_id"):
        text += f", assigned to {names.person(data['assignee_id'])}"
    return text + f" (source {data.get('source', 'manual')})", None, ""


def _assigned(data: Entry, names: Names) -> tuple[str, dict | None, str]:
    text = f"Assigned to {names.person(data['to'])}" if data.get("to") else "Unassigned"
    return text + (f" (was {names.person(data['from'])})" if data.get("from") else ""), None, ""


def _linked(data: Entry, names: Names) -> tuple[str, dict | None, str]:
    this_is_from = data.get("from") == names.incident_id
    other = data.get("to") if this_is_from else data.get("from")
    relation = ("parent of" if this_is_from else "child of") if data.get("kind") == "parent" else "related to"
    return f"Linked as {relation}", names.incident(other or ""), data.get("reason") or ""


def _unlinked(data: Entry, names: Names) -> tuple[str, dict | None, str]:
    other = data.get("to") if data.get("from") == names.incident_id else data.get("from")
    return f"Removed the {data.get('kind', '')} link with", names.incident(other or ""), ""


def _action_item(data: Entry, names: Names, verb: str) -> tuple[str, dict | None, str]:
    title = data.get("title") or names.action_items.get(data.get("action_item_id", ""), "an action item")
    return f"Action item {verb}: {title}" + (f" ({data['status']})" if verb == "updated" else ""), None, ""


DESCRIBE: dict[str, Callable[[Entry, Names], tuple[str, dict | None, str]]] = {
    "created": _created,
    "status_changed": lambda d, n: (f"Status {d.get('from')} → {d.get('to')}", None, d.get("note") or ""),
    "assigned": _assigned,
    "severity_changed": lambda d, n: (f"Severity {d.get('from')} → {d.get('to')}", None, ""),
    "priority_changed": lambda d, n: (f"Priority {d.get('from')} → {d.get('to')}", None, ""),
    "responder_set": lambda d, n: (f"{n.person(d.get('user_id'))} responds as {d.get('role')}", None, ""),
    "responder_removed": lambda d, n: (f"{n.person(d.get('user_id'))} no longer responds (was {d.get('role')})",
                                       None, ""),
    "comment": lambda d, n: ("Commented", None, d.get("body") or ""),
    "linked": _linked,
    "unlinked": _unlinked,
    "merged_into": lambda d, n: ("Merged as a duplicate into", n.incident(d.get("incident_id", ""), d.get("number")),
                                 ""),
    "merged_from": lambda d, n: ("Absorbed the duplicate", n.incident(d.get("incident_id", ""), d.get("number")), ""),
    "postmortem_updated": lambda d, n: (f"Postmortem updated ({', '.join(d.get('fields') or ()) or 'no fields'}),"
                                        + f" status {d.get('status')}", None, ""),
    "action_item_added": lambda d, n: _action_item(d, n, "added"),
    "action_item_updated": lambda d, n: _action_item(d, n, "updated"),
}


def _fallback(data: Entry, names: Names) -> tuple[str, dict | None, str]:
    return ", ".join(f"{key}: {value}" for key, value in sorted(data.items())) or "No details", None, ""


def describe(entry: Entry, names: Names) -> dict[str, Any]:
    """A timeline entry from the API as a plain dict for the template, with ``text``, ``link`` and ``note``."""
    data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
    text, link, note = DESCRIBE.get(entry["kind"], _fallback)(data, names)
    return {"id": entry["id"], "seq": entry["seq"], "kind": entry["kind"], "label": entry["kind"].replace("_", " "),
            "actor": entry["actor"], "occurredAt": entry["occurredAt"], "text": text, "link": link, "note": note}

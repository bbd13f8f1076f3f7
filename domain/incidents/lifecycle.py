"""The incident state machine: triggered -> open -> investigating -> resolved -> closed.

Acknowledging moves a triggered incident to ``open``; any active incident may be resolved
directly; a resolved incident may be reopened (back to ``open``) or closed; closed is final.
"""

from __future__ import annotations

from domain.errors import Conflict
from domain.incidents.models import reference

ACTIVE = ("triggered", "open", "investigating")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "triggered": ("open", "investigating", "resolved"),
    "open": ("investigating", "resolved"),
    "investigating": ("resolved",),
    "resolved": ("open", "closed"),
    "closed": (),
}

# the timestamp each state sets when entered (first time for acknowledgement)
STATE_TIMESTAMPS = {"open": "acknowledged_at", "investigating": "investigating_at",
                    "resolved": "resolved_at", "closed": "closed_at"}


class IllegalTransition(Conflict):
    """The incident cannot move to the requested state from where it is."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, *, current: str, requested: str) -> None:
        allowed = TRANSITIONS.get(current, ())
        options = ", ".join(allowed) if allowed else "none (closed is final)"
        super().__init__(
            f"Cannot move an incident from {current} to {requested}; allowed from {current}: {options}.",
            field="to",
        )
        self.current = current
        self.requested = requested
        self.allowed = allowed


class IncidentClosed(Conflict):
    """The incident is closed: it is read-only (only its postmortem's action items may still change)."""

    code = "INCIDENT_CLOSED"

    def __init__(self, *, number: int, field: str = "id") -> None:
        super().__init__(f"{reference(number)} is closed, and closed incidents are read-only: only its postmortem's "
                         "action items can still change. Open a new incident for new work.", field=field)
        self.number = number


def allowed_transitions(status: str) -> tuple[str, ...]:
    """Where an incident in ``status`` may go next."""
    return TRANSITIONS.get(status, ())


def check_transition(current: str, requested: str) -> None:
    """Raise IllegalTransition unless ``current -> requested`` is allowed."""
    if requested not in allowed_transitions(current):
        raise IllegalTransition(current=current, requested=requested)


def is_active(status: str) -> bool:
    return status in ACTIVE


def time_to_acknowledge(incident) -> int | None:
    """Seconds from an incident's creation to its first acknowledgement (None until then)."""
    return _seconds(incident.created_at, incident.acknowledged_at)


def time_to_resolve(incident) -> int | None:
    """Seconds from an incident's creation to its (latest) resolution (None until then)."""
    return _seconds(incident.created_at, incident.resolved_at)


def _seconds(start, end) -> int | None:
    return int((end - start).total_seconds()) if start and end else None

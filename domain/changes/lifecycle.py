"""The change state machine, one table of moves for every type.

draft -> submitted -> assessment -> cab_review -> approved | rejected -> scheduled -> implementing ->
implemented | failed | rolled_back -> closed. A standard change is pre-approved: it goes from assessment
straight to approved and never to a CAB. Only the CAB's tally (domain/changes/cab.py) moves a change out
of cab_review; a lapsed approval (the window passed unstarted) sends it back to assessment.
"""

from __future__ import annotations

from domain.errors import Conflict

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted",),
    "submitted": ("assessment",),
    "assessment": ("cab_review", "approved"),
    "cab_review": ("approved", "rejected"),
    "approved": ("scheduled",),
    "rejected": ("closed",),
    "scheduled": ("implementing",),
    "implementing": ("implemented", "failed", "rolled_back"),
    "implemented": ("closed",),
    "failed": ("rolled_back", "closed"),
    "rolled_back": ("closed",),
    "closed": (),
}
BY_CAB_ONLY = {("cab_review", "approved"), ("cab_review", "rejected")}  # votes decide these, never a person
OPEN_STATES = ("submitted", "assessment", "cab_review", "approved", "scheduled", "implementing")
DONE_STATES = ("implemented", "failed", "rolled_back", "closed")
FAILED_STATES = ("failed", "rolled_back")


class IllegalChangeTransition(Conflict):
    """The change cannot make the requested move from where it is (or not by hand, or not for its type)."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, *, current: str, requested: str, change_type: str, why: str = "") -> None:
        options = ", ".join(manual_moves(current, change_type)) or "none"
        super().__init__(f"Cannot move a {change_type} change from {current} to {requested}"
                         f"{'; ' + why if why else ''}; allowed from {current}: {options}.", field="to")
        self.current, self.requested = current, requested


def allowed(current: str, requested: str, change_type: str) -> bool:
    """Whether the move exists for this type (standard: assessment -> approved only; others: via the CAB)."""
    if requested not in TRANSITIONS.get(current, ()):
        return False
    if (current, requested) == ("assessment", "approved"):
        return change_type == "standard"
    if (current, requested) == ("assessment", "cab_review"):
        return change_type != "standard"
    return True


def manual_moves(current: str, change_type: str) -> tuple[str, ...]:
    """Where a person may move a change from ``current`` (the CAB's moves left out)."""
    return tuple(to for to in TRANSITIONS.get(current, ())
                 if allowed(current, to, change_type) and (current, to) not in BY_CAB_ONLY)


def check_manual(current: str, requested: str, change_type: str) -> None:
    """Raise IllegalChangeTransition unless a person may move the change ``current -> requested``."""
    if (current, requested) in BY_CAB_ONLY:
        raise IllegalChangeTransition(current=current, requested=requested, change_type=change_type,
                                      why="only the CAB's votes decide a change under review")
    if not allowed(current, requested, change_type):
        why = "a standard change is pre-approved and never goes to the CAB" if (
            change_type == "standard" and requested == "cab_review") else ""
        raise IllegalChangeTransition(current=current, requested=requested, change_type=change_type, why=why)

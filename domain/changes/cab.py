"""The CAB rule, in one place: who may vote, and when the votes decide a change.

Each change type has a quorum (how many votes must be cast) and either unanimity (one rejection
rejects; ``quorum`` approvals approve) or majority (once ``quorum`` votes are in, more approvals than
rejections approve, more rejections reject, a tie waits for another vote). Nobody votes on a change
they requested. Standard changes are pre-approved and never reach the CAB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.errors import ValidationFailed

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class CabRule:
    """How many votes a change of one type needs, and whether they must agree."""

    quorum: int
    unanimous: bool

    def describe(self) -> str:
        if self.unanimous:
            return f"{self.quorum} approval(s), and any rejection rejects"
        return f"at least {self.quorum} vote(s), then the majority decides"


DEFAULT_RULES: dict[str, CabRule] = {
    "normal": CabRule(quorum=2, unanimous=False),
    "emergency": CabRule(quorum=1, unanimous=True),  # the emergency CAB: one approver, reviewed afterwards
}


def rule_for(change_type: str, overrides: Mapping[str, Any] | None = None) -> CabRule:
    """The tenant's rule for ``change_type`` (its policy's override, else the default)."""
    raw = (overrides or {}).get(change_type)
    if raw is None:
        return DEFAULT_RULES[change_type]
    return CabRule(quorum=int(raw["quorum"]), unanimous=bool(raw["unanimous"]))


def parse_rules(raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Validate a policy's rule overrides: ``{"normal": {"quorum": 3, "unanimous": true}}``."""
    rules = {}
    for change_type, rule in raw.items():
        if change_type not in DEFAULT_RULES:
            raise ValidationFailed("CAB rules exist for normal and emergency changes only.", field="cabRules")
        quorum = rule.get("quorum") if isinstance(rule, Mapping) else None
        if not isinstance(quorum, int) or isinstance(quorum, bool) or not 1 <= quorum <= 20:
            raise ValidationFailed("A CAB quorum is a whole number from 1 to 20.", field="cabRules")
        rules[change_type] = {"quorum": quorum, "unanimous": bool(rule.get("unanimous", False))}
    return rules


def tally(rule: CabRule, decisions: Iterable[str]) -> str:
    """``approved``, ``rejected`` or ``pending`` for one round's decisions under ``rule``."""
    votes = list(decisions)
    approvals, rejections = votes.count("approve"), votes.count("reject")
    if rule.unanimous:
        if rejections:
            return REJECTED
        return APPROVED if approvals >= rule.quorum else PENDING
    if len(votes) < rule.quorum or approvals == rejections:
        return PENDING
    return APPROVED if approvals > rejections else REJECTED

"""The published policy rules: each key, its default and which way is stricter.

Platform operators publish a document of these keys; a tenant may add its own values that are
stricter (``tighten``), never looser. The effective policy of a tenant is, key by key, the stricter
of the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import ValidationFailed


@dataclass(frozen=True)
class Rule:
    """One policy key: its type, its default, and how two values combine into the stricter one."""

    key: str
    description: str
    kind: type
    default: Any
    stricter: Callable[[Any, Any], Any]
    low: int = 0
    high: int = 100_000


def _windows(platform: list, tenant: list) -> list:
    return platform + [w for w in tenant if w not in platform]  # more freeze windows is stricter


RULES: dict[str, Rule] = {rule.key: rule for rule in (
    Rule("change_freeze_windows", "Windows ({start, end} ISO times) when no change may be made", list, [],
         _windows),
    Rule("retention_days_max", "Longest time operational data may be kept, in days", int, 400, min, 1, 3650),
    Rule("ai_data_may_leave_region", "Whether AI calls may send tenant data out of its region", bool, True,
         lambda a, b: a and b),
    Rule("change_approvals_required", "Approvals a normal change needs before it runs", int, 1, max, 0, 10),
    Rule("password_min_length", "Shortest password accepted", int, 12, max, 8, 128),
    Rule("session_max_hours", "Longest console session, in hours", int, 12, min, 1, 720),
    Rule("mfa_required", "Whether members must use a second factor", bool, False, lambda a, b: a or b),
)}
DEFAULTS = {key: rule.default for key, rule in RULES.items()}


def _check_windows(value: list) -> list:
    for window in value:
        if not isinstance(window, dict) or set(window) != {"start", "end"} or not all(
                isinstance(v, str) and v for v in window.values()) or window["start"] >= window["end"]:
            raise ValidationFailed("Each freeze window is {start, end} with ISO times, start before end.",
                                   field="change_freeze_windows")
    return value


def _check_value(rule: Rule, value: Any) -> Any:
    if rule.kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValidationFailed(f"{rule.key} must be a whole number.", field=rule.key)
    if rule.kind is int and not rule.low <= value <= rule.high:
        raise ValidationFailed(f"{rule.key} must be between {rule.low} and {rule.high}.", field=rule.key)
    if rule.kind is bool and not isinstance(value, bool):
        raise ValidationFailed(f"{rule.key} must be true or false.", field=rule.key)
    if rule.kind is list:
        if not isinstance(value, list):
            raise ValidationFailed(f"{rule.key} must be a list.", field=rule.key)
        return _check_windows(value)
    return value


def checked_document(document: Any, *, complete: bool) -> dict[str, Any]:
    """A policy document with known keys and valid values (``complete``: every key, defaults filled)."""
    if not isinstance(document, dict):
        raise ValidationFailed("A policy document is a JSON object.", field="document")
    unknown = sorted(set(document) - RULES.keys())
    if unknown:
        raise ValidationFailed(f"Unknown policy keys: {', '.join(unknown)}.", field="document")
    checked = {key: _check_value(RULES[key], value) for key, value in document.items()}
    return {**DEFAULTS, **checked} if complete else checked


def effective(platform: dict[str, Any], tightening: dict[str, Any]) -> dict[str, Any]:
    """Key by key, the stricter of the platform's value and the tenant's."""
    merged = {**DEFAULTS, **platform}
    return {key: RULES[key].stricter(merged[key], tightening[key]) if key in tightening else merged[key]
            for key in RULES}


def check_only_tightens(platform: dict[str, Any], tightening: dict[str, Any]) -> None:
    """Refuse a tenant value that would loosen what the platform sets."""
    merged = {**DEFAULTS, **platform}
    for key, value in tightening.items():
        if RULES[key].kind is not list and RULES[key].stricter(merged[key], value) != value:
            raise ValidationFailed(f"{key} may only be tightened: the platform sets {merged[key]!r}, "
                                   f"{value!r} would loosen it.", field=key)

"""Group keys and fingerprints of alerts (safe ``{name}`` substitution, no format-string access)."""

from __future__ import annotations

from typing import Any

from domain.alerting.rules import PLACEHOLDER


def group_of(labels: dict[str, Any]) -> str:
    """A stable key for an alert group: ``service=payments|host=web-1`` (``-`` for a single group)."""
    return "|".join(f"{key}={value}" for key, value in labels.items()) or "-"


def render_fingerprint(template: str, rule_name: str, labels: dict[str, Any]) -> str:
    """Fill ``{rule}``, ``{group}`` and group-by fields into the rule's fingerprint template."""
    values = {"rule": rule_name, "group": group_of(labels),
              **{k: "" if v is None else str(v) for k, v in labels.items()}}
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), template)[:500]

"""A tenant's enabled event rules, compiled once and indexed, for evaluating many events fast.

Rules with a top-level ``event.<field> == <literal>`` (or ``in [literals]``) conjunct are indexed by
one of them: an event only meets the rules indexed under its own value of that field, plus the
rules that could not be indexed. An indexed candidate then checks the rest of its condition (the
indexed conjunct is already known true); unindexed rules evaluate their whole condition.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.alerting.cel import AnyOf, Condition, compile_condition

INDEXABLE = ("source", "severity", "kind", "service", "host")


@dataclass(frozen=True)
class CompiledRule:
    """What evaluation needs of a rule, immutable and shareable between events."""

    id: uuid.UUID
    version: int
    name: str
    condition: Condition
    severity: str
    service: str | None
    fingerprint_template: str
    group_by: tuple[str, ...]
    threshold_count: int
    auto_resolve_minutes: int | None
    notify: tuple[uuid.UUID, ...]

    @property
    def key(self) -> tuple[uuid.UUID, int]:
        return self.id, self.version


def compile_rule(rule: Any) -> CompiledRule:
    """From a stored rule (or anything with the same attributes)."""
    return CompiledRule(
        id=rule.id, version=rule.version, name=rule.name, condition=compile_condition(rule.condition),
        severity=rule.severity, service=rule.service, fingerprint_template=rule.fingerprint_template,
        group_by=tuple(rule.group_by or ()), threshold_count=rule.threshold_count,
        auto_resolve_minutes=rule.auto_resolve_minutes, notify=tuple(rule.notify or ()),
    )


class RuleSet:
    """Rules indexed by an equality on one event field."""

    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        self.rules = list(rules)
        self._index: dict[str, dict[Any, list]] = defaultdict(lambda: defaultdict(list))
        self._always: list[CompiledRule] = []  # rules no equality can index: always evaluated
        for rule in self.rules:
            indexed = next(((f, v) for f, v in rule.condition.equalities if f in INDEXABLE and _hashable(v)), None)
            if indexed is None:
                self._always.append(rule)
                continue
            name, value = indexed
            entry = (rule, rule.condition.residual(name))
            for alternative in value if isinstance(value, AnyOf) else (value,):
                self._index[name][alternative].append(entry)
        self._tables = [(name, dict(table)) for name, table in self._index.items()]

    def __len__(self) -> int:
        return len(self.rules)

    def candidates(self, event: dict) -> list[CompiledRule]:
        """Rules that may match: the unindexed ones and those indexed under the event's values.

        A rule is indexed under one field only, so no rule is a candidate twice.
        """
        found = list(self._always)
        for name, table in self._tables:
            try:
                bucket = table.get(event.get(name))
            except TypeError:  # an unhashable value matches no indexed literal
                continue
            if bucket:
                found.extend(rule for rule, _ in bucket)
        return found

    def matching(self, event: dict) -> list[CompiledRule]:
        """The rules whose condition the event meets (the hot path: no intermediate lists)."""
        matched = [rule for rule in self._always if rule.condition.matches(event)]
        for name, table in self._tables:
            try:
                bucket = table.get(event.get(name))
            except TypeError:
                continue
            if bucket:
                matched.extend(rule for rule, rest in bucket if rest(event))
        return matched


def _hashable(value: Any) -> bool:
    if isinstance(value, AnyOf):
        return all(_hashable(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return False
    return True

"""Alert rule definitions: validation, create/update (a new version each time), enable, delete."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain.alerting.cel import compile_condition
from domain.alerting.models import RULE_KINDS, AlertRule, AlertRuleVersion, NotificationTarget
from domain.audit import service as audit
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.incidents.models import SEVERITIES
from domain.telemetry.queries import AGGREGATIONS

if TYPE_CHECKING:
    from domain.uow import Transaction

OPERATORS = (">", ">=", "<", "<=", "==", "!=")
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
DEFAULT_FINGERPRINT = "{rule}:{group}"
MAX_WINDOW_MINUTES = 24 * 60


@dataclass
class RuleDefinition:
    """Everything a rule says. ``window`` depends on ``kind`` (see ``check_window``)."""

    name: str
    kind: str
    severity: str = "SEV3"
    description: str = ""
    condition: str = ""
    window: dict[str, Any] = field(default_factory=dict)
    service: str | None = None
    fingerprint_template: str = DEFAULT_FINGERPRINT
    group_by: list[str] = field(default_factory=list)
    threshold_count: int = 1
    auto_resolve_minutes: int | None = None
    notify: list[uuid.UUID] = field(default_factory=list)
    enabled: bool = True

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["notify"] = [str(t) for t in self.notify]
        return data


def _minutes(window: dict, key: str, *, low: int = 1, required: bool = True) -> int | None:
    value = window.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int) or not low <= value <= MAX_WINDOW_MINUTES:
        raise ValidationFailed(f"window.{key} must be a whole number of minutes from {low} to {MAX_WINDOW_MINUTES}.",
                               field=f"window.{key}")
    return value


def _threshold(window: dict) -> None:
    if window.get("operator") not in OPERATORS:
        raise ValidationFailed(f"window.operator must be one of {' '.join(OPERATORS)}.", field="window.operator")
    threshold = window.get("threshold")
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not math.isfinite(threshold):
        raise ValidationFailed("window.threshold must be a number.", field="window.threshold")


def _optional_text(window: dict, *keys: str) -> None:
    for key in keys:
        value = window.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            raise ValidationFailed(f"window.{key} must be text of at most 200 characters.", field=f"window.{key}")


def _optional_level(window: dict, key: str) -> None:
    value = window.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 24):
        raise ValidationFailed(f"window.{key} must be a severity number from 0 to 24 (9 info, 13 warn, 17 error).",
                               field=f"window.{key}")


def check_window(kind: str, window: dict[str, Any]) -> dict[str, Any]:
    """Validate the windowed part of a metric, log or absence rule."""
    if kind == "event":
        return {}
    _minutes(window, "minutes")
    if kind == "metric":
        if not isinstance(window.get("metric"), str) or not window["metric"]:
            raise ValidationFailed("window.metric names the metric to watch.", field="window.metric")
        if window.get("aggregation", "avg") not in AGGREGATIONS:
            raise ValidationFailed(f"window.aggregation must be one of {', '.join(AGGREGATIONS)}.",
                                   field="window.aggregation")
        _threshold(window)
        _minutes(window, "for_minutes", low=0, required=False)
    elif kind == "log":
        _threshold(window)
        _optional_text(window, "service", "text")
        _optional_level(window, "min_severity")
    elif kind == "absence":
        _optional_text(window, "source", "service", "kind")
    labels = window.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise ValidationFailed("window.labels must be an object of text values.", field="window.labels")
    return window


def check_definition(rule: RuleDefinition) -> RuleDefinition:
    """Raise ValidationFailed (naming the field) unless the rule is complete and consistent."""
    rule.name = rule.name.strip()
    if not 1 <= len(rule.name) <= 200:
        raise ValidationFailed("Name must be 1-200 characters.", field="name")
    if rule.kind not in RULE_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(RULE_KINDS)}.", field="kind")
    if rule.severity not in SEVERITIES:
        raise ValidationFailed(f"severity must be one of {', '.join(SEVERITIES)}.", field="severity")
    if rule.kind == "event" or rule.condition.strip():
        compile_condition(rule.condition)
    rule.window = check_window(rule.kind, rule.window or {})
    if not 1 <= rule.threshold_count <= 10_000:
        raise ValidationFailed("thresholdCount must be from 1 to 10000.", field="thresholdCount")
    if rule.auto_resolve_minutes is not None and not 1 <= rule.auto_resolve_minutes <= MAX_WINDOW_MINUTES:
        raise ValidationFailed("autoResolveMinutes must be from 1 to 1440.", field="autoResolveMinutes")
    if len(rule.group_by) > 5 or any(not re.fullmatch(r"[A-Za-z_][\w.]{0,99}", k) for k in rule.group_by):
        raise ValidationFailed("groupBy takes up to 5 field names such as service or attributes.region.",
                               field="groupBy")
    unknown = set(PLACEHOLDER.findall(rule.fingerprint_template)) - {"rule", "group", *rule.group_by}
    if not rule.fingerprint_template or len(rule.fingerprint_template) > 500 or unknown:
        raise ValidationFailed("fingerprintTemplate may use {rule}, {group} and the groupBy fields only.",
                               field="fingerprintTemplate")
    return rule


async def _check_targets(tx: Transaction, targets: list[uuid.UUID]) -> None:
    if not targets:
        return
    found = set(await tx.session.scalars(select(NotificationTarget.id).where(
        NotificationTarget.tenant_id == tx.tenant_id, NotificationTarget.id.in_(targets))))
    if found != set(targets):
        raise ValidationFailed("notify names a notification target that does not exist.", field="notify")


def _apply(rule: AlertRule, definition: RuleDefinition) -> None:
    for name, value in asdict(definition).items():
        setattr(rule, name, value)


async def create_rule(tx: Transaction, *, definition: RuleDefinition, actor: str) -> AlertRule:
    """Save a new rule (version 1)."""
    definition = check_definition(definition)
    await _check_targets(tx, definition.notify)
    if await tx.session.scalar(select(AlertRule.id).where(AlertRule.tenant_id == tx.tenant_id,
                                                          AlertRule.name == definition.name)):
        raise Conflict(f"A rule named {definition.name!r} already exists.", field="name")
    rule = AlertRule(tenant_id=tx.tenant_id, version=1, created_by=actor)
    _apply(rule, definition)
    tx.session.add(rule)
    await tx.session.flush()
    await _record_version(tx, rule, definition, actor)
    await audit.record(tx, actor=actor, action="alert_rule.created", target_type="alert_rule", target_id=str(rule.id))
    return rule


async def update_rule(tx: Transaction, *, rule_id: uuid.UUID, definition: RuleDefinition, actor: str) -> AlertRule:
    """Replace a rule's definition; the version goes up and the old one stays in the history."""
    definition = check_definition(definition)
    await _check_targets(tx, definition.notify)
    rule = await locked_rule(tx, rule_id)
    clash = await tx.session.scalar(select(AlertRule.id).where(
        AlertRule.tenant_id == tx.tenant_id, AlertRule.name == definition.name, AlertRule.id != rule_id))
    if clash:
        raise Conflict(f"A rule named {definition.name!r} already exists.", field="name")
    _apply(rule, definition)
    rule.version += 1
    await tx.session.flush()
    await _record_version(tx, rule, definition, actor)
    await audit.record(tx, actor=actor, action="alert_rule.updated", target_type="alert_rule", target_id=str(rule.id),
                       data={"version": rule.version})
    return rule


async def delete_rule(tx: Transaction, *, rule_id: uuid.UUID, actor: str) -> None:
    """Delete a rule and its alerts (incidents it raised stay)."""
    rule = await locked_rule(tx, rule_id)
    await tx.session.delete(rule)
    await audit.record(tx, actor=actor, action="alert_rule.deleted", target_type="alert_rule", target_id=str(rule_id),
                       data={"name": rule.name})


async def locked_rule(tx: Transaction, rule_id: uuid.UUID) -> AlertRule:
    rule = await tx.session.scalar(select(AlertRule).where(
        AlertRule.tenant_id == tx.tenant_id, AlertRule.id == rule_id).with_for_update())
    if rule is None:
        raise NotFound("No such alert rule.", field="id")
    return rule


async def _record_version(tx: Transaction, rule: AlertRule, definition: RuleDefinition, actor: str) -> None:
    tx.session.add(AlertRuleVersion(tenant_id=tx.tenant_id, rule_id=rule.id, version=rule.version,
                                    definition=definition.as_json(), changed_by=actor))
    await tx.session.flush()


def definition_of(rule: AlertRule) -> RuleDefinition:
    """The definition a stored rule holds."""
    return RuleDefinition(**{name: getattr(rule, name) for name in RuleDefinition.__dataclass_fields__})

"""Read side of alerting: the lists the API shows, and loader batch functions."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from domain.alerting.models import Alert, AlertRule, AlertRuleVersion, NotificationTarget, Silence, WebhookDelivery

if TYPE_CHECKING:
    from domain.uow import Transaction

OPEN_STATES = ("pending", "firing", "silenced")  # as engine.OPEN: an alert still counting
MAX_LIST = 500


async def list_rules(tx: Transaction) -> list[AlertRule]:
    """Every rule, by name."""
    return list(await tx.session.scalars(select(AlertRule).where(AlertRule.tenant_id == tx.tenant_id)
                                         .order_by(AlertRule.name)))


async def rule_by_id(tx: Transaction, rule_id: uuid.UUID) -> AlertRule | None:
    """One rule, or None when the tenant has none with this id."""
    return await tx.session.scalar(select(AlertRule).where(AlertRule.tenant_id == tx.tenant_id,
                                                           AlertRule.id == rule_id))


async def list_alerts(tx: Transaction, *, status: str | None = None, rule_id: uuid.UUID | None = None,
                      incident_id: uuid.UUID | None = None, first: int = 100) -> list[Alert]:
    """Alerts, most recently seen first (at most MAX_LIST)."""
    query = select(Alert).where(Alert.tenant_id == tx.tenant_id)
    if status:
        query = query.where(Alert.status == status)
    if rule_id:
        query = query.where(Alert.rule_id == rule_id)
    if incident_id:
        query = query.where(Alert.incident_id == incident_id)
    return list(await tx.session.scalars(query.order_by(Alert.last_seen.desc()).limit(max(1, min(first, MAX_LIST)))))


async def list_silences(tx: Transaction) -> list[Silence]:
    """Maintenance windows, latest start first."""
    return list(await tx.session.scalars(select(Silence).where(Silence.tenant_id == tx.tenant_id)
                                         .order_by(Silence.starts_at.desc())))


async def list_targets(tx: Transaction) -> list[NotificationTarget]:
    """Webhook targets, by name."""
    return list(await tx.session.scalars(select(NotificationTarget).where(NotificationTarget.tenant_id == tx.tenant_id)
                                         .order_by(NotificationTarget.name)))


async def list_deliveries(tx: Transaction, *, first: int = 50) -> list[WebhookDelivery]:
    """Recent webhook deliveries, newest first (at most MAX_LIST)."""
    return list(await tx.session.scalars(select(WebhookDelivery).where(WebhookDelivery.tenant_id == tx.tenant_id)
                                         .order_by(WebhookDelivery.created_at.desc())
                                         .limit(max(1, min(first, MAX_LIST)))))


async def alerts_by_incident(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[list[Alert]]:
    """The alerts each incident grouped, first seen first."""
    rows = await tx.session.scalars(select(Alert).where(Alert.tenant_id == tx.tenant_id, Alert.incident_id.in_(ids))
                                    .order_by(Alert.first_seen))
    grouped: dict[uuid.UUID, list[Alert]] = defaultdict(list)
    for row in rows:
        grouped[row.incident_id].append(row)
    return [grouped.get(i, []) for i in ids]


@dataclass(frozen=True)
class RuleActivity:
    """How a rule has been alerting: its open alerts and when one of them last fired."""

    open_alerts: int = 0
    last_fired_at: datetime | None = None


async def rule_activity(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[RuleActivity]:
    """Each rule's open alert count and latest firing time, in one query."""
    rows = await tx.session.execute(
        select(Alert.rule_id, func.count().filter(Alert.status.in_(OPEN_STATES)), func.max(Alert.firing_since))
        .where(Alert.tenant_id == tx.tenant_id, Alert.rule_id.in_(ids)).group_by(Alert.rule_id))
    found = {rule_id: RuleActivity(open_alerts, fired) for rule_id, open_alerts, fired in rows}
    return [found.get(i, RuleActivity()) for i in ids]


async def rule_versions(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[list[AlertRuleVersion]]:
    """Each rule's saved definitions, newest first."""
    rows = await tx.session.scalars(select(AlertRuleVersion).where(
        AlertRuleVersion.tenant_id == tx.tenant_id, AlertRuleVersion.rule_id.in_(ids))
        .order_by(AlertRuleVersion.version.desc()))
    grouped: dict[uuid.UUID, list[AlertRuleVersion]] = defaultdict(list)
    for row in rows:
        grouped[row.rule_id].append(row)
    return [grouped.get(i, []) for i in ids]


async def rule_names(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[str | None]:
    """Each rule's name (None for a rule that no longer exists)."""
    rows = await tx.session.execute(select(AlertRule.id, AlertRule.name).where(
        AlertRule.tenant_id == tx.tenant_id, AlertRule.id.in_(ids)))
    found = {row.id: row.name for row in rows}
    return [found.get(i) for i in ids]

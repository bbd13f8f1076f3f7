"""Alerting queries."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from domain.alerting.dryrun import dry_run
from domain.alerting.models import Alert as AlertModel
from domain.alerting.models import AlertRule as RuleModel
from domain.alerting.models import NotificationTarget as TargetModel
from domain.alerting.models import Silence as SilenceModel
from domain.alerting.models import WebhookDelivery as DeliveryModel
from domain.alerting.settings import alerting_policy, policy_row
from resolvers.alerting.inputs import AlertRuleInput
from resolvers.alerting.types import (
    Alert,
    AlertingSettings,
    AlertRule,
    DryRun,
    NotificationTarget,
    Silence,
    WebhookDelivery,
)
from resolvers.ids import parse_id


async def resolve_alert_rules(info: strawberry.Info) -> list[AlertRule]:
    """Every rule, by name."""
    async with info.context.transaction() as tx:
        rows = await tx.session.scalars(select(RuleModel).where(RuleModel.tenant_id == tx.tenant_id)
                                        .order_by(RuleModel.name))
        return [AlertRule.from_model(r) for r in rows]


async def resolve_alert_rule(info: strawberry.Info, id: strawberry.ID) -> AlertRule | None:
    """One rule, or null when the tenant has none with this id."""
    async with info.context.transaction() as tx:
        rule = await tx.session.scalar(select(RuleModel).where(RuleModel.tenant_id == tx.tenant_id,
                                                               RuleModel.id == parse_id(id)))
        return AlertRule.from_model(rule) if rule else None


async def resolve_alerts(info: strawberry.Info, status: str | None = None, rule_id: strawberry.ID | None = None,
                         incident_id: strawberry.ID | None = None, first: int = 100) -> list[Alert]:
    """Alerts, most recently seen first (at most 500)."""
    async with info.context.transaction() as tx:
        query = select(AlertModel).where(AlertModel.tenant_id == tx.tenant_id)
        if status:
            query = query.where(AlertModel.status == status)
        if rule_id:
            query = query.where(AlertModel.rule_id == parse_id(rule_id, field="ruleId"))
        if incident_id:
            query = query.where(AlertModel.incident_id == parse_id(incident_id, field="incidentId"))
        rows = await tx.session.scalars(query.order_by(AlertModel.last_seen.desc()).limit(max(1, min(first, 500))))
        return [Alert.from_model(a) for a in rows]


async def resolve_silences(info: strawberry.Info) -> list[Silence]:
    """Maintenance windows, latest start first."""
    async with info.context.transaction() as tx:
        rows = await tx.session.scalars(select(SilenceModel).where(SilenceModel.tenant_id == tx.tenant_id)
                                        .order_by(SilenceModel.starts_at.desc()))
        return [Silence.from_model(s) for s in rows]


async def resolve_notification_targets(info: strawberry.Info) -> list[NotificationTarget]:
    async with info.context.transaction() as tx:
        rows = await tx.session.scalars(select(TargetModel).where(TargetModel.tenant_id == tx.tenant_id)
                                        .order_by(TargetModel.name))
        return [NotificationTarget.from_model(t) for t in rows]


async def resolve_webhook_deliveries(info: strawberry.Info, first: int = 50) -> list[WebhookDelivery]:
    """Recent deliveries, newest first (at most 500)."""
    async with info.context.transaction() as tx:
        rows = await tx.session.scalars(select(DeliveryModel).where(DeliveryModel.tenant_id == tx.tenant_id)
                                        .order_by(DeliveryModel.created_at.desc()).limit(max(1, min(first, 500))))
        return [WebhookDelivery.from_model(d) for d in rows]


async def resolve_dry_run(info: strawberry.Info, input: AlertRuleInput, hours: int = 6) -> DryRun:
    """What the draft rule would have fired over the last ``hours`` hours; nothing is saved."""
    async with info.context.transaction() as tx:
        return DryRun.from_result(await dry_run(tx, definition=input.to_domain(), hours=hours))


async def resolve_alerting_settings(info: strawberry.Info) -> AlertingSettings:
    """The tenant's alerting policy (the defaults until it saves one)."""
    async with info.context.transaction() as tx:
        return AlertingSettings.from_policy(await alerting_policy(tx), await policy_row(tx))

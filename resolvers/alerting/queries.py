from __future__ import annotations

import strawberry

from domain.alerting import queries
from domain.alerting.dryrun import dry_run
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
        return [AlertRule.from_model(r) for r in await queries.list_rules(tx)]


async def resolve_alert_rule(info: strawberry.Info, id: strawberry.ID) -> AlertRule | None:
    """One rule, or null when the tenant has none with this id."""
    async with info.context.transaction() as tx:
        rule = await queries.rule_by_id(tx, parse_id(id))
        return AlertRule.from_model(rule) if rule else None


async def resolve_alerts(info: strawberry.Info, status: str | None = None, rule_id: strawberry.ID | None = None,
                         incident_id: strawberry.ID | None = None, first: int = 100) -> list[Alert]:
    """Alerts, most recently seen first (at most 500)."""
    async with info.context.transaction() as tx:
        rows = await queries.list_alerts(
            tx, status=status, first=first, rule_id=parse_id(rule_id, field="ruleId") if rule_id else None,
            incident_id=parse_id(incident_id, field="incidentId") if incident_id else None)
        return [Alert.from_model(a) for a in rows]


async def resolve_silences(info: strawberry.Info) -> list[Silence]:
    """Maintenance windows, latest start first."""
    async with info.context.transaction() as tx:
        return [Silence.from_model(s) for s in await queries.list_silences(tx)]


async def resolve_notification_targets(info: strawberry.Info) -> list[NotificationTarget]:
    async with info.context.transaction() as tx:
        return [NotificationTarget.from_model(t) for t in await queries.list_targets(tx)]


async def resolve_webhook_deliveries(info: strawberry.Info, first: int = 50) -> list[WebhookDelivery]:
    """Recent deliveries, newest first (at most 500)."""
    async with info.context.transaction() as tx:
        return [WebhookDelivery.from_model(d) for d in await queries.list_deliveries(tx, first=first)]


async def resolve_dry_run(info: strawberry.Info, input: AlertRuleInput, hours: int = 6) -> DryRun:
    """What the draft rule would have fired over the last ``hours`` hours; nothing is saved."""
    async with info.context.transaction() as tx:
        return DryRun.from_result(await dry_run(tx, definition=input.to_domain(), hours=hours))


async def resolve_alerting_settings(info: strawberry.Info) -> AlertingSettings:
    """The tenant's alerting policy (the defaults until it saves one)."""
    async with info.context.transaction() as tx:
        return AlertingSettings.from_policy(await alerting_policy(tx), await policy_row(tx))

"""Alerting mutations."""

from __future__ import annotations

import strawberry

from domain.alerting import rules, silences, targets
from domain.alerting.delivery import send_delivery
from domain.alerting.models import WebhookDelivery as DeliveryModel
from domain.alerting.settings import policy_row, save_policy
from resolvers.alerting.inputs import AlertingSettingsInput, AlertRuleInput, NotificationTargetInput, SilenceInput
from resolvers.alerting.types import AlertingSettings, AlertRule, NotificationTarget, Silence, WebhookDelivery
from resolvers.errors import payload_union, run_mutation
from resolvers.ids import parse_id


@strawberry.type
class AlertRuleSaved:
    rule: AlertRule


@strawberry.type
class Deleted:
    id: strawberry.ID


@strawberry.type
class SilenceSaved:
    silence: Silence


@strawberry.type(description="A new webhook target and its signing secret, shown only now.")
class NotificationTargetCreated:
    target: NotificationTarget
    secret: str


@strawberry.type
class NotificationTargetSaved:
    target: NotificationTarget


@strawberry.type(description="A test delivery, sent at once: its status says how the target answered.")
class TestNotificationSent:
    delivery: WebhookDelivery


@strawberry.type
class AlertingSettingsSaved:
    settings: AlertingSettings


RulePayload = payload_union("AlertRulePayload", AlertRuleSaved)
DeletePayload = payload_union("DeletePayload", Deleted)
SilencePayload = payload_union("SilencePayload", SilenceSaved)
TargetPayload = payload_union("NotificationTargetPayload", NotificationTargetCreated)
TargetSavedPayload = payload_union("NotificationTargetSavedPayload", NotificationTargetSaved)
TestNotificationPayload = payload_union("TestNotificationPayload", TestNotificationSent)
SettingsPayload = payload_union("AlertingSettingsPayload", AlertingSettingsSaved)


async def create_alert_rule(info: strawberry.Info, input: AlertRuleInput) -> RulePayload:
    async def work() -> AlertRuleSaved:
        async with info.context.transaction() as tx:
            rule = await rules.create_rule(tx, definition=input.to_domain(), actor=info.context.actor.actor)
            return AlertRuleSaved(rule=AlertRule.from_model(rule))

    return await run_mutation(work)


async def update_alert_rule(info: strawberry.Info, id: strawberry.ID, input: AlertRuleInput) -> RulePayload:
    """Save a new version of a rule."""
    async def work() -> AlertRuleSaved:
        async with info.context.transaction() as tx:
            rule = await rules.update_rule(tx, rule_id=parse_id(id), definition=input.to_domain(),
                                           actor=info.context.actor.actor)
            return AlertRuleSaved(rule=AlertRule.from_model(rule))

    return await run_mutation(work)


async def delete_alert_rule(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    async def work() -> Deleted:
        async with info.context.transaction() as tx:
            await rules.delete_rule(tx, rule_id=parse_id(id), actor=info.context.actor.actor)
            return Deleted(id=id)

    return await run_mutation(work)


async def create_silence(info: strawberry.Info, input: SilenceInput) -> SilencePayload:
    async def work() -> SilenceSaved:
        async with info.context.transaction() as tx:
            silence = await silences.create_silence(tx, definition=input.to_domain(), actor=info.context.actor.actor)
            return SilenceSaved(silence=Silence.from_model(silence))

    return await run_mutation(work)


async def delete_silence(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    async def work() -> Deleted:
        async with info.context.transaction() as tx:
            await silences.delete_silence(tx, silence_id=parse_id(id), actor=info.context.actor.actor)
            return Deleted(id=id)

    return await run_mutation(work)


async def create_notification_target(info: strawberry.Info, name: str, url: str,
                                     subscription: NotificationTargetInput | None = None) -> TargetPayload:
    """A webhook target (by default told of every incident change); the response carries its signing secret once."""
    wanted = subscription or NotificationTargetInput()

    async def work() -> NotificationTargetCreated:
        async with info.context.transaction() as tx:
            made = await targets.create_target(tx, name=name, url=url, seal=info.context.runtime.sealer.seal,
                                               actor=info.context.actor.actor, scope=wanted.scope.value,
                                               event_types=wanted.event_type_values())
            made.target.enabled = wanted.enabled
            return NotificationTargetCreated(target=NotificationTarget.from_model(made.target), secret=made.secret)

    return await run_mutation(work)


async def delete_notification_target(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    async def work() -> Deleted:
        async with info.context.transaction() as tx:
            await targets.delete_target(tx, target_id=parse_id(id), actor=info.context.actor.actor)
            return Deleted(id=id)

    return await run_mutation(work)


async def update_notification_target(info: strawberry.Info, id: strawberry.ID,
                                     subscription: NotificationTargetInput) -> TargetSavedPayload:
    """Change which incident changes a target is sent, for which incidents, and whether it is enabled."""
    async def work() -> NotificationTargetSaved:
        async with info.context.transaction() as tx:
            target = await targets.update_target(
                tx, target_id=parse_id(id), event_types=subscription.event_type_values(),
                scope=subscription.scope.value, enabled=subscription.enabled, actor=info.context.actor.actor)
            return NotificationTargetSaved(target=NotificationTarget.from_model(target))

    return await run_mutation(work)


async def send_test_notification(info: strawberry.Info, id: strawberry.ID) -> TestNotificationPayload:
    """Send a `test` delivery to a target now and answer how it went (a failed test is not retried)."""
    async def work() -> TestNotificationSent:
        async with info.context.transaction() as tx:
            delivery = await targets.record_test_delivery(tx, target_id=parse_id(id), actor=info.context.actor.actor)
        await send_delivery(info.context.runtime, tenant_id=tx.tenant_id, delivery_id=delivery.id, attempt=1,
                            final=True)
        async with info.context.transaction() as tx:
            sent = await tx.session.get(DeliveryModel, delivery.id)
            return TestNotificationSent(delivery=WebhookDelivery.from_model(sent))

    return await run_mutation(work)


async def update_alerting_settings(info: strawberry.Info, input: AlertingSettingsInput) -> SettingsPayload:
    """Save the tenant's alerting policy (grouping, reopen window, correlation)."""
    async def work() -> AlertingSettingsSaved:
        async with info.context.transaction() as tx:
            policy = await save_policy(tx, policy=input.to_domain(), actor=info.context.actor.actor)
            return AlertingSettingsSaved(settings=AlertingSettings.from_policy(policy, await policy_row(tx)))

    return await run_mutation(work)

from __future__ import annotations

import strawberry

from domain.alerting import delivery, rules, silences, targets
from domain.alerting.settings import policy_row, save_policy
from resolvers.alerting.inputs import AlertingSettingsInput, AlertRuleInput, NotificationTargetInput, SilenceInput
from resolvers.alerting.types import AlertingSettings, AlertRule, NotificationTarget, Silence, WebhookDelivery
from resolvers.errors import Deleted, DeletePayload, mutate, payload_union, run_mutation
from resolvers.ids import parse_id


@strawberry.type
class AlertRuleSaved:
    rule: AlertRule


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
SilencePayload = payload_union("SilencePayload", SilenceSaved)
TargetPayload = payload_union("NotificationTargetPayload", NotificationTargetCreated)
TargetSavedPayload = payload_union("NotificationTargetSavedPayload", NotificationTargetSaved)
TestNotificationPayload = payload_union("TestNotificationPayload", TestNotificationSent)
SettingsPayload = payload_union("AlertingSettingsPayload", AlertingSettingsSaved)


async def create_alert_rule(info: strawberry.Info, input: AlertRuleInput) -> RulePayload:
    return await mutate(info, lambda tx: rules.create_rule(tx, definition=input.to_domain(),
                                                           actor=info.context.actor.actor), _rule_saved)


async def update_alert_rule(info: strawberry.Info, id: strawberry.ID, input: AlertRuleInput) -> RulePayload:
    """Save a new version of a rule."""
    return await mutate(info, lambda tx: rules.update_rule(tx, rule_id=parse_id(id), definition=input.to_domain(),
                                                           actor=info.context.actor.actor), _rule_saved)


def _rule_saved(rule) -> AlertRuleSaved:
    return AlertRuleSaved(rule=AlertRule.from_model(rule))


async def delete_alert_rule(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    return await mutate(info, lambda tx: rules.delete_rule(tx, rule_id=parse_id(id), actor=info.context.actor.actor),
                        lambda _: Deleted(id=id))


async def create_silence(info: strawberry.Info, input: SilenceInput) -> SilencePayload:
    return await mutate(info, lambda tx: silences.create_silence(tx, definition=input.to_domain(),
                                                                 actor=info.context.actor.actor),
                        lambda silence: SilenceSaved(silence=Silence.from_model(silence)))


async def delete_silence(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    return await mutate(info, lambda tx: silences.delete_silence(tx, silence_id=parse_id(id),
                                                                 actor=info.context.actor.actor),
                        lambda _: Deleted(id=id))


async def create_notification_target(info: strawberry.Info, name: str, url: str,
                                     subscription: NotificationTargetInput | None = None) -> TargetPayload:
    """A webhook target (by default told of every incident change); the response carries its signing secret once."""
    wanted = subscription or NotificationTargetInput()
    return await mutate(info, lambda tx: targets.create_target(
        tx, name=name, url=url, seal=info.context.runtime.sealer.seal, actor=info.context.actor.actor,
        scope=wanted.scope.value, event_types=wanted.event_type_values(), enabled=wanted.enabled),
        lambda made: NotificationTargetCreated(target=NotificationTarget.from_model(made.target), secret=made.secret))


async def delete_notification_target(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    return await mutate(info, lambda tx: targets.delete_target(tx, target_id=parse_id(id),
                                                               actor=info.context.actor.actor),
                        lambda _: Deleted(id=id))


async def update_notification_target(info: strawberry.Info, id: strawberry.ID,
                                     subscription: NotificationTargetInput) -> TargetSavedPayload:
    """Change which incident changes a target is sent, for which incidents, and whether it is enabled."""
    return await mutate(info, lambda tx: targets.update_target(
        tx, target_id=parse_id(id), event_types=subscription.event_type_values(), scope=subscription.scope.value,
        enabled=subscription.enabled, actor=info.context.actor.actor),
        lambda target: NotificationTargetSaved(target=NotificationTarget.from_model(target)))


async def send_test_notification(info: strawberry.Info, id: strawberry.ID) -> TestNotificationPayload:
    """Send a `test` delivery to a target now and answer how it went (a failed test is not retried)."""
    async def sent() -> TestNotificationSent:  # three transactions (record, send, read back): not `mutate`'s one
        made = await delivery.send_test(info.context.runtime, tenant_id=info.context.tenant_id,
                                        target_id=parse_id(id), actor=info.context.actor.actor)
        return TestNotificationSent(delivery=WebhookDelivery.from_model(made))

    return await run_mutation(sent)


async def update_alerting_settings(info: strawberry.Info, input: AlertingSettingsInput) -> SettingsPayload:
    """Save the tenant's alerting policy (grouping, reopen window, correlation)."""
    return await mutate(info, lambda tx: _save_settings(tx, info, input))


async def _save_settings(tx, info: strawberry.Info, input: AlertingSettingsInput) -> AlertingSettingsSaved:
    policy = await save_policy(tx, policy=input.to_domain(), actor=info.context.actor.actor)
    return AlertingSettingsSaved(settings=AlertingSettings.from_policy(policy, await policy_row(tx)))

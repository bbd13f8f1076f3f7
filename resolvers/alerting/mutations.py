"""Alerting mutations."""

from __future__ import annotations

import strawberry

from domain.alerting import rules, silences, targets
from resolvers.alerting.inputs import AlertRuleInput, SilenceInput
from resolvers.alerting.types import AlertRule, NotificationTarget, Silence
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


RulePayload = payload_union("AlertRulePayload", AlertRuleSaved)
DeletePayload = payload_union("DeletePayload", Deleted)
SilencePayload = payload_union("SilencePayload", SilenceSaved)
TargetPayload = payload_union("NotificationTargetPayload", NotificationTargetCreated)


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


async def create_notification_target(info: strawberry.Info, name: str, url: str) -> TargetPayload:
    """A webhook target; the response carries its signing secret once."""
    async def work() -> NotificationTargetCreated:
        async with info.context.transaction() as tx:
            made = await targets.create_target(tx, name=name, url=url, seal=info.context.runtime.sealer.seal,
                                               actor=info.context.actor.actor)
            return NotificationTargetCreated(target=NotificationTarget.from_model(made.target), secret=made.secret)

    return await run_mutation(work)


async def delete_notification_target(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    async def work() -> Deleted:
        async with info.context.transaction() as tx:
            await targets.delete_target(tx, target_id=parse_id(id), actor=info.context.actor.actor)
            return Deleted(id=id)

    return await run_mutation(work)

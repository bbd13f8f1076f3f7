"""On-call mutations: schedules, overrides, feed secrets, policies, service policies, notification rules."""

from __future__ import annotations

import json

import strawberry

from domain.errors import ValidationFailed
from domain.oncall import service as oncall
from domain.oncall.imports.service import import_setup
from domain.paging import policies
from resolvers.errors import Deleted, mutate, payload_union
from resolvers.ids import parse_id
from resolvers.oncall.inputs import (
    CreatePolicyInput,
    CreateScheduleInput,
    ImportOnCallInput,
    NotificationRuleInput,
    OverrideInput,
)
from resolvers.oncall.queries import my_user_id
from resolvers.oncall.types import EscalationPolicy, NotificationRule, OnCallImported, OnCallSchedule


@strawberry.type
class ScheduleSaved:
    schedule: OnCallSchedule


@strawberry.type
class OverrideAdded:
    id: strawberry.ID


@strawberry.type(description="Your calendar feed's new secret path; the previous one stopped working.")
class MyFeedRotated:
    feed_path: str


@strawberry.type
class PolicySaved:
    policy: EscalationPolicy


@strawberry.type
class ServicePolicySet:
    service: str
    policy_id: strawberry.ID | None


@strawberry.type
class NotificationRuleSaved:
    rule: NotificationRule


SchedulePayload = payload_union("SchedulePayload", ScheduleSaved)
OverridePayload = payload_union("OverridePayload", OverrideAdded)
PolicyPayload = payload_union("PolicyPayload", PolicySaved)
ServicePolicyPayload = payload_union("ServicePolicyPayload", ServicePolicySet)
NotificationRulePayload = payload_union("NotificationRulePayload", NotificationRuleSaved)
RemoveRulePayload = payload_union("RemoveNotificationRulePayload", Deleted)
MyFeedPayload = payload_union("MyOnCallFeedPayload", MyFeedRotated)
ImportOnCallPayload = payload_union("ImportOnCallPayload", OnCallImported)


def _schedule(schedule) -> ScheduleSaved:
    return ScheduleSaved(schedule=OnCallSchedule.of(schedule, None, {}))


async def create_on_call_schedule(info: strawberry.Info, input: CreateScheduleInput) -> SchedulePayload:
    """Create a schedule of rotation layers in one time zone."""
    return await mutate(info, lambda tx: oncall.create_schedule(
        tx, name=input.name, time_zone=input.time_zone, layers=[layer.to_domain() for layer in input.layers]),
        _schedule)


async def add_on_call_override(info: strawberry.Info, input: OverrideInput) -> OverridePayload:
    """Let someone cover a schedule for a period."""
    return await mutate(info, lambda tx: oncall.add_override(
        tx, schedule_id=parse_id(input.schedule_id, field="scheduleId"),
        user_id=parse_id(input.user_id, field="userId"), starts_at=input.starts_at,
        ends_at=input.ends_at), lambda o: OverrideAdded(id=strawberry.ID(str(o.id))))


async def rotate_schedule_feed(info: strawberry.Info, schedule_id: strawberry.ID) -> SchedulePayload:
    """Give a schedule's calendar feed a new secret URL (the old one stops working)."""
    return await mutate(info, lambda tx: oncall.rotate_feed_token(
        tx, schedule_id=parse_id(schedule_id, field="scheduleId")), _schedule)


async def create_escalation_policy(info: strawberry.Info, input: CreatePolicyInput) -> PolicyPayload:
    """Create an escalation policy."""
    return await mutate(info, lambda tx: policies.create_policy(
        tx, name=input.name, levels=input.levels_to_domain(), repeat=input.repeat),
        lambda policy: PolicySaved(policy=EscalationPolicy.of(policy, [])))


async def set_service_escalation_policy(info: strawberry.Info, service: str,
                                        policy_id: strawberry.ID | None = None) -> ServicePolicyPayload:
    """Escalate new incidents of a service (a CI's or a rule's service name) by a policy (null: none)."""
    async def change(tx):
        await policies.set_service_policy(tx, service=service,
                                          policy_id=parse_id(policy_id, field="policyId") if policy_id else None)
        return ServicePolicySet(service=service.strip(), policy_id=policy_id)

    return await mutate(info, change)


async def add_notification_rule(info: strawberry.Info, input: NotificationRuleInput) -> NotificationRulePayload:
    """Add one of my notification rules."""
    me = my_user_id(info)
    return await mutate(info, lambda tx: policies.add_notification_rule(
        tx, user_id=me, urgency=input.urgency, channel=input.channel, address=input.address,
        delay_seconds=input.delay_seconds), lambda rule: NotificationRuleSaved(rule=NotificationRule.of(rule)))


async def remove_notification_rule(info: strawberry.Info, id: strawberry.ID) -> RemoveRulePayload:
    """Remove one of my notification rules."""
    me = my_user_id(info)

    async def change(tx):
        await policies.remove_notification_rule(tx, rule_id=parse_id(id), user_id=me)
        return Deleted(id=id)

    return await mutate(info, change)


async def rotate_my_on_call_feed(info: strawberry.Info) -> MyFeedPayload:
    """A (new) secret URL for my own calendar of shifts over every schedule; the old one stops working."""
    me = my_user_id(info)

    async def change(tx):
        token = await oncall.rotate_user_feed(tx, user_id=me)
        return MyFeedRotated(feed_path=f"/calendar/{tx.tenant_id}/people/{me}/{token}.ics")

    return await mutate(info, change)


def _export(document: str) -> object:
    try:
        return json.loads(document)
    except json.JSONDecodeError as bad:
        raise ValidationFailed(f"The export is not JSON: {bad}.", field="document") from None


async def import_on_call_setup(info: strawberry.Info, input: ImportOnCallInput) -> ImportOnCallPayload:
    """Import people, schedules, overrides, escalation policies and services from another on-call tool."""
    async def run(tx):
        return await import_setup(tx, source=input.source.value, document=_export(input.document),
                                  dry_run=input.dry_run, actor=info.context.actor)

    return await mutate(info, run, OnCallImported.of)

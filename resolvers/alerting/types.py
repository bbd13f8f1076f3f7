"""GraphQL types for alerting: rules and their versions, alerts, silences, webhook targets, dry runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry

from domain.alerting.dryrun import DryRunResult
from domain.alerting.models import Alert as AlertModel
from domain.alerting.models import AlertingSettings as SettingsModel
from domain.alerting.models import AlertRule as RuleModel
from domain.alerting.models import AlertRuleVersion as VersionModel
from domain.alerting.models import NotificationTarget as TargetModel
from domain.alerting.models import Silence as SilenceModel
from domain.alerting.models import WebhookDelivery as DeliveryModel
from domain.alerting.queries import rule_activity, rule_names, rule_versions
from domain.alerting.settings import AlertingPolicy
from resolvers.ids import parse_id
from resolvers.incidents.vocabulary import Severity
from resolvers.loaders import loader


@strawberry.enum
class RuleKind(Enum):
    EVENT = "event"
    METRIC = "metric"
    LOG = "log"
    ABSENCE = "absence"


@strawberry.type(description="One saved definition of a rule.")
class AlertRuleVersion:
    version: int
    definition: strawberry.scalars.JSON = strawberry.field(description="The rule as saved (snake_case keys).")
    changed_by: str
    changed_at: datetime

    @classmethod
    def from_model(cls, v: VersionModel) -> AlertRuleVersion:
        return cls(version=v.version, definition=v.definition, changed_by=v.changed_by, changed_at=v.changed_at)


@strawberry.type(description="When to raise incidents.")
class AlertRule:
    id: strawberry.ID
    name: str
    description: str
    kind: RuleKind
    enabled: bool
    version: int
    condition: str = strawberry.field(description="CEL over `event` (event rules).")
    window: strawberry.scalars.JSON = strawberry.field(description="Metric, log or absence window settings.")
    severity: Severity
    service: str | None
    fingerprint_template: str
    group_by: list[str]
    threshold_count: int
    auto_resolve_minutes: int | None
    notify: list[strawberry.ID]
    created_by: str
    updated_at: datetime

    @classmethod
    def from_model(cls, r: RuleModel) -> AlertRule:
        return cls(id=str(r.id), name=r.name, description=r.description, kind=RuleKind(r.kind), enabled=r.enabled,
                   version=r.version, condition=r.condition, window=r.window, severity=Severity(r.severity),
                   service=r.service,
                   fingerprint_template=r.fingerprint_template, group_by=list(r.group_by or ()),
                   threshold_count=r.threshold_count, auto_resolve_minutes=r.auto_resolve_minutes,
                   notify=[str(t) for t in r.notify or ()], created_by=r.created_by, updated_at=r.updated_at)

    @strawberry.field(description="Every saved definition, newest first.")
    async def versions(self, info: strawberry.Info) -> list[AlertRuleVersion]:
        return [AlertRuleVersion.from_model(v) for v in await loader(info, rule_versions).load(uuid.UUID(self.id))]

    @strawberry.field(description="Alerts of this rule still pending, firing or silenced.")
    async def open_alerts(self, info: strawberry.Info) -> int:
        return (await loader(info, rule_activity).load(uuid.UUID(self.id))).open_alerts

    @strawberry.field(description="When an alert of this rule last fired (null: never).")
    async def last_fired_at(self, info: strawberry.Info) -> datetime | None:
        return (await loader(info, rule_activity).load(uuid.UUID(self.id))).last_fired_at


@strawberry.type(description="A rule matching for one group.")
class Alert:
    id: strawberry.ID
    rule_id: strawberry.ID
    rule_version: int
    group_key: str
    fingerprint: str
    status: str = strawberry.field(description="pending, firing, resolved or silenced.")
    labels: strawberry.scalars.JSON
    count: int
    value: float | None
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    incident_id: strawberry.ID | None

    @classmethod
    def from_model(cls, a: AlertModel) -> Alert:
        return cls(id=str(a.id), rule_id=str(a.rule_id), rule_version=a.rule_version, group_key=a.group_key,
                   fingerprint=a.fingerprint, status=a.status, labels=a.labels, count=a.count, value=a.value,
                   first_seen=a.first_seen, last_seen=a.last_seen, resolved_at=a.resolved_at,
                   incident_id=str(a.incident_id) if a.incident_id else None)

    @strawberry.field(description="The name of the rule that raised it.")
    async def rule_name(self, info: strawberry.Info) -> str | None:
        return await loader(info, rule_names).load(uuid.UUID(self.rule_id))


@strawberry.type(description="A maintenance window: matching alerts are recorded but raise nothing.")
class Silence:
    id: strawberry.ID
    name: str
    matcher: str
    service: str | None
    starts_at: datetime
    ends_at: datetime | None
    recurrence: str | None
    duration_minutes: int | None
    reason: str
    created_by: str

    @classmethod
    def from_model(cls, s: SilenceModel) -> Silence:
        return cls(id=str(s.id), name=s.name, matcher=s.matcher, service=s.service, starts_at=s.starts_at,
                   ends_at=s.ends_at, recurrence=s.recurrence, duration_minutes=s.duration_minutes, reason=s.reason,
                   created_by=s.created_by)


@strawberry.enum(description="An incident change a notification target can subscribe to.")
class NotificationEventType(Enum):
    INCIDENT_CREATED = "incident.created"
    INCIDENT_ACKNOWLEDGED = "incident.acknowledged"
    INCIDENT_ESCALATED = "incident.escalated"
    INCIDENT_SEVERITY_CHANGED = "incident.severity_changed"
    INCIDENT_RESOLVED = "incident.resolved"
    INCIDENT_REOPENED = "incident.reopened"
    INCIDENT_CLOSED = "incident.closed"
    INCIDENT_SLA_WARNING = "incident.sla_warning"
    INCIDENT_SLA_BREACHED = "incident.sla_breached"


@strawberry.enum(description="Which incidents a notification target hears of.")
class NotificationScope(Enum):
    ALL_INCIDENTS = "all"
    RULE_INCIDENTS = "rules"


@strawberry.type(description="An outgoing webhook and the incident changes it is sent.")
class NotificationTarget:
    id: strawberry.ID
    name: str
    url: str
    enabled: bool
    event_types: list[NotificationEventType]
    scope: NotificationScope = strawberry.field(description="ALL_INCIDENTS of the tenant, or only RULE_INCIDENTS: "
                                                            "those raised by rules naming it in `notify`.")
    created_at: datetime

    @classmethod
    def from_model(cls, t: TargetModel) -> NotificationTarget:
        return cls(id=str(t.id), name=t.name, url=t.url, enabled=t.enabled,
                   event_types=[NotificationEventType(e) for e in t.event_types or ()],
                   scope=NotificationScope(t.scope), created_at=t.created_at)


@strawberry.enum(description="What alerts of several rules join one incident on.")
class AlertGroupKey(Enum):
    SERVICE = "service"
    CI = "ci"
    OFF = "off"


@strawberry.type(description="The tenant's alerting policy: grouping, reopening and correlation.")
class AlertingSettings:
    reopen_window_minutes: int = strawberry.field(
        description="A recurrence within this time after a resolve reopens the incident; later (or after a "
                    "close) it opens a new incident linked to it. 0: never reopen.")
    group_by: AlertGroupKey
    group_window_minutes: int = strawberry.field(
        description="Alerts of one group key join an active incident that alerted within this time. 0: never.")
    correlation_hops: int = strawberry.field(description="How far along dependencies correlation looks.")
    correlation_window_minutes: int = strawberry.field(description="Which active incidents correlation considers.")
    updated_by: str | None
    updated_at: datetime | None

    @classmethod
    def from_policy(cls, policy: AlertingPolicy, row: SettingsModel | None) -> AlertingSettings:
        return cls(reopen_window_minutes=policy.reopen_window_minutes, group_by=AlertGroupKey(policy.group_by),
                   group_window_minutes=policy.group_window_minutes, correlation_hops=policy.correlation_hops,
                   correlation_window_minutes=policy.correlation_window_minutes,
                   updated_by=row.updated_by if row else None, updated_at=row.updated_at if row else None)


@strawberry.type
class WebhookDelivery:
    id: strawberry.ID
    target_id: strawberry.ID
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_model(cls, d: DeliveryModel) -> WebhookDelivery:
        return cls(id=str(d.id), target_id=str(d.target_id), event_type=d.event_type, status=d.status,
                   attempts=d.attempts, last_status_code=d.last_status_code, last_error=d.last_error,
                   created_at=d.created_at, delivered_at=d.delivered_at)


@strawberry.type(description="A match of a dry run: an event (title) or a window (measured value).")
class DryRunSample:
    at: datetime
    title: str | None
    value: float | None


@strawberry.type
class DryRunGroup:
    labels: strawberry.scalars.JSON
    fingerprint: str
    matches: int
    first_at: datetime | None
    last_at: datetime | None
    fired_at: datetime | None = strawberry.field(description="When the rule would have fired (null: never).")
    samples: list[DryRunSample] = strawberry.field(description="The group's latest matches (up to 3).")


@strawberry.type(description="What a draft rule would have done over the last hours.")
class DryRun:
    scanned: int = strawberry.field(description="Events (event rules) or windows (others) evaluated.")
    truncated: bool
    would_fire: int
    groups: list[DryRunGroup]

    @classmethod
    def from_result(cls, r: DryRunResult) -> DryRun:
        return cls(scanned=r.scanned, truncated=r.truncated, would_fire=r.would_fire,
                   groups=[DryRunGroup(labels=g.labels, fingerprint=g.fingerprint, matches=g.matches,
                                       first_at=g.first_at, last_at=g.last_at, fired_at=g.fired_at,
                                       samples=[DryRunSample(at=m.at, title=m.title, value=m.value)
                                                for m in g.samples])
                           for g in r.groups])


def ids(values: list[strawberry.ID] | None) -> list[uuid.UUID]:
    return [parse_id(v, field="notify") for v in values or ()]

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.alerting.rules import DEFAULT_FINGERPRINT, RuleDefinition
from domain.alerting.settings import AlertingPolicy
from domain.alerting.silences import SilenceDefinition
from domain.errors import ValidationFailed
from resolvers.alerting.types import AlertGroupKey, NotificationEventType, NotificationScope, RuleKind, ids
from resolvers.incidents.vocabulary import Severity


@strawberry.input(description="A rule definition. `window` holds the settings of metric, log and absence rules.")
class AlertRuleInput:
    name: str
    kind: RuleKind
    severity: Severity = Severity.SEV3
    description: str = ""
    condition: str = strawberry.field(default="", description="CEL over `event`, e.g. event.severity == 'critical'.")
    window: strawberry.scalars.JSON | None = strawberry.field(default=None, description=(
        "metric: {metric, aggregation, minutes, operator, threshold, for_minutes, labels}; "
        "log: {service, min_severity, text, minutes, operator, threshold}; absence: {source, service, kind, minutes}"))
    service: str | None = None
    fingerprint_template: str = DEFAULT_FINGERPRINT
    group_by: list[str] = strawberry.field(default_factory=list)
    threshold_count: int = 1
    auto_resolve_minutes: int | None = None
    notify: list[strawberry.ID] = strawberry.field(default_factory=list)
    enabled: bool = True

    def to_domain(self) -> RuleDefinition:
        if self.window is not None and not isinstance(self.window, dict):
            raise ValidationFailed("window must be an object.", field="window")
        return RuleDefinition(
            name=self.name, kind=self.kind.value, severity=self.severity.value, description=self.description,
            condition=self.condition, window=dict(self.window or {}), service=self.service,
            fingerprint_template=self.fingerprint_template, group_by=list(self.group_by),
            threshold_count=self.threshold_count, auto_resolve_minutes=self.auto_resolve_minutes,
            notify=ids(self.notify), enabled=self.enabled)


@strawberry.input(description="A maintenance window: one-off (startsAt..endsAt) or recurring (RRULE + duration).")
class SilenceInput:
    name: str
    starts_at: datetime
    ends_at: datetime | None = None
    recurrence: str | None = strawberry.field(default=None, description="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=SU")
    duration_minutes: int | None = None
    matcher: str = strawberry.field(default="", description="CEL over `alert` (rule, severity, service, labels).")
    service: str | None = None
    reason: str = ""

    def to_domain(self) -> SilenceDefinition:
        return SilenceDefinition(**{name: getattr(self, name) for name in SilenceDefinition.__dataclass_fields__})


@strawberry.input(description="What a notification target hears of.")
class NotificationTargetInput:
    event_types: list[NotificationEventType] = strawberry.field(
        default_factory=lambda: list(NotificationEventType), description="Default: every incident change.")
    scope: NotificationScope = NotificationScope.ALL_INCIDENTS
    enabled: bool = True

    def event_type_values(self) -> list[str]:
        return [event.value for event in self.event_types]


@strawberry.input(description="The tenant's alerting policy (every field; see AlertingSettings).")
class AlertingSettingsInput:
    reopen_window_minutes: int = 60
    group_by: AlertGroupKey = AlertGroupKey.SERVICE
    group_window_minutes: int = 10
    correlation_hops: int = 3
    correlation_window_minutes: int = 30

    def to_domain(self) -> AlertingPolicy:
        return AlertingPolicy(reopen_window_minutes=self.reopen_window_minutes, group_by=self.group_by.value,
                              group_window_minutes=self.group_window_minutes, correlation_hops=self.correlation_hops,
                              correlation_window_minutes=self.correlation_window_minutes)

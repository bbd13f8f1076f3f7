"""GraphQL types of operations analytics."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.analytics import figures as f


@strawberry.type(description="A count under a key (a severity, service, period start, rule or task).")
class KeyCount:
    key: str
    count: int


def _counts(items: list[f.Count]) -> list[KeyCount]:
    return [KeyCount(key=c.key, count=c.count) for c in items]


@strawberry.type(description="Incidents opened in the period (merged duplicates left out).")
class IncidentAnalytics:
    total: int
    acknowledged: int
    resolved: int
    mtta_seconds: float | None = strawberry.field(description="Mean time from opening to acknowledgement.")
    mttr_seconds: float | None = strawberry.field(description="Mean time from opening to resolution.")
    by_severity: list[KeyCount]
    by_service: list[KeyCount] = strawberry.field(description="Top 20 services; `(none)` for incidents without one.")
    by_period: list[KeyCount] = strawberry.field(description="Keyed by the bucket's first day (UTC).")


@strawberry.type(description="SLA targets decided in the period, per policy and metric.")
class SlaPolicyAnalytics:
    policy: str
    metric: str
    total: int
    met: int


@strawberry.type(description="SLA compliance (ITSM): targets met of those decided in the period.")
class SlaAnalytics:
    total: int
    met: int
    percent: float
    by_policy: list[SlaPolicyAnalytics]


@strawberry.type(description="Changes finished in the period: implemented without failing, or failed/rolled back.")
class ChangeAnalytics:
    finished: int
    succeeded: int
    failed: int
    success_rate: float | None = strawberry.field(description="succeeded / finished, 0..1; null without changes.")


@strawberry.type(description="Alerts opened in the period.")
class AlertNoise:
    alerts: int
    alerts_per_incident: float | None
    silenced: int
    silenced_share: float | None = strawberry.field(description="Share of alerts opened silenced, 0..1.")
    flapping_rules: list[KeyCount] = strawberry.field(
        description="Rules with a group that opened 3+ alerts in the period, and those alerts' count.")


@strawberry.type(description="AI gateway calls of the period.")
class AiUsageAnalytics:
    calls: int
    failed: int
    credits: int
    input_tokens: int
    output_tokens: int
    balance: int
    by_task: list[KeyCount]


@strawberry.type(description="Operations analytics of a period; a section is null when the caller may not "
                             "see its source (SLA: catalog.read, changes: change.read, alerts: alert.read, "
                             "AI: ai.use).")
class OpsAnalytics:
    since: datetime
    until: datetime
    bucket: str
    incidents: IncidentAnalytics
    sla: SlaAnalytics | None
    changes: ChangeAnalytics | None
    alert_noise: AlertNoise | None
    ai_usage: AiUsageAnalytics | None

    @classmethod
    def from_domain(cls, a: f.Analytics) -> OpsAnalytics:
        i = a.incidents
        return cls(
            since=a.period.since, until=a.period.until, bucket=a.period.bucket,
            incidents=IncidentAnalytics(total=i.total, acknowledged=i.acknowledged, resolved=i.resolved,
                                        mtta_seconds=i.mtta_seconds, mttr_seconds=i.mttr_seconds,
                                        by_severity=_counts(i.by_severity), by_service=_counts(i.by_service),
                                        by_period=_counts(i.by_period)),
            sla=SlaAnalytics(total=a.sla.total, met=a.sla.met, percent=a.sla.percent, by_policy=[
                SlaPolicyAnalytics(policy=p, metric=m, total=t, met=n) for p, m, t, n in a.sla.by_policy])
            if a.sla else None,
            changes=ChangeAnalytics(finished=a.changes.finished, succeeded=a.changes.succeeded,
                                    failed=a.changes.failed, success_rate=a.changes.success_rate)
            if a.changes else None,
            alert_noise=AlertNoise(alerts=a.noise.alerts, alerts_per_incident=a.noise.alerts_per_incident,
                                   silenced=a.noise.silenced, silenced_share=a.noise.silenced_share,
                                   flapping_rules=_counts(a.noise.flapping_rules)) if a.noise else None,
            ai_usage=AiUsageAnalytics(calls=a.ai.calls, failed=a.ai.failed, credits=a.ai.credits,
                                      input_tokens=a.ai.input_tokens, output_tokens=a.ai.output_tokens,
                                      balance=a.ai.balance, by_task=_counts(a.ai.by_task)) if a.ai else None)


@strawberry.type(description="The Executive summary of a period, written through the AI gateway.")
class AnalyticsSummary:
    text: str
    grounded: bool
    citations: list[str] = strawberry.field(description="The analytics sections its sentences cite.")
    model_key: str
    credits: int
    analytics: OpsAnalytics

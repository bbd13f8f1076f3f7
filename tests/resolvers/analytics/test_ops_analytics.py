"""opsAnalytics on a known dataset: MTTA, MTTR, volume, SLA compliance, change success, alert noise, AI usage;
sections hidden from a caller without their permission; the Executive summary cites the figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from domain.ai.models import AiCall
from domain.alerting.models import Alert
from domain.alerting.rules import RuleDefinition, create_rule
from domain.changes.models import ChangeRequest
from domain.incidents.models import Incident
from domain.incidents.service import NewIncident, create_incident
from domain.sla.models import SlaPolicy, SlaTimer
from tests.conftest import auth_headers, gql

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SINCE, UNTIL = T0 - timedelta(days=1), T0 + timedelta(days=7)
QUERY = """query($s: DateTime, $u: DateTime) { opsAnalytics(since: $s, until: $u, bucket: "day") {
  incidents { total acknowledged resolved mttaSeconds mttrSeconds bySeverity { key count }
              byService { key count } byPeriod { key count } }
  sla { total met percent byPolicy { policy metric total met } }
  changes { finished succeeded failed successRate }
  alertNoise { alerts alertsPerIncident silenced silencedShare flappingRules { key count } }
  aiUsage { calls failed credits byTask { key count } }
} }"""


async def _incident(tx, title, severity, services, created, ack=None, resolved=None):
    incident = await create_incident(tx, new=NewIncident(title=title, severity=severity, services=services),
                                     actor="test")
    await tx.session.execute(update(Incident).where(Incident.id == incident.id).values(
        created_at=created, acknowledged_at=ack, resolved_at=resolved))
    return incident


async def _dataset(db, tenant):
    m = timedelta(minutes=1)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        t = tx.tenant_id
        a = await _incident(tx, "A", "SEV1", ["checkout"], T0, T0 + 2 * m, T0 + 30 * m)
        b = await _incident(tx, "B", "SEV2", ["checkout", "payments"], T0 + timedelta(days=1),
                            T0 + timedelta(days=1) + 4 * m, T0 + timedelta(days=1) + 90 * m)
        await _incident(tx, "C", "SEV2", [], T0 + timedelta(days=2))
        await _incident(tx, "old", "SEV1", ["checkout"], T0 - timedelta(days=40), T0 - timedelta(days=40))
        policy = SlaPolicy(tenant_id=t, name="gold", response_minutes=5, created_by="test")
        tx.session.add(policy)
        await tx.session.flush()
        tx.session.add_all([
            SlaTimer(tenant_id=t, policy_id=policy.id, record_id=a.id, metric="response", target_seconds=300,
                     started_at=T0, stopped_at=T0 + 2 * m),
            SlaTimer(tenant_id=t, policy_id=policy.id, record_id=b.id, metric="response", target_seconds=300,
                     started_at=T0, stopped_at=T0 + 9 * m, breached_at=T0 + 5 * m)])
        for number, state, implemented, history in (
                (1, "closed", T0, [{"to": "implemented"}, {"to": "closed"}]),
                (2, "failed", T0, [{"to": "failed"}]),
                (3, "closed", T0, [{"to": "rolled_back"}, {"to": "closed"}]),
                (4, "rejected", None, [{"to": "rejected"}])):
            tx.session.add(ChangeRequest(tenant_id=t, number=number, title=f"c{number}", type="normal", state=state,
                                         implemented_at=implemented, requested_by="test", history=history))
        rule = await create_rule(tx, actor="test", definition=RuleDefinition(
            name="flappy", kind="event", condition="event.source == 'x'"))
        for group, incident, silenced in (("g1", a, None), ("g1", a, None), ("g1", b, None),
                                          ("g2", None, uuid.uuid4())):
            tx.session.add(Alert(tenant_id=t, rule_id=rule.id, rule_version=1, group_key=group, fingerprint=group,
                                 status="resolved", first_seen=T0, last_seen=T0, incident_id=incident.id
                                 if incident else None, silence_id=silenced))
        for task, outcome, credits in (("copilot", "ok", 5), ("copilot", "ok", 7), ("summary", "failed", 0)):
            tx.session.add(AiCall(tenant_id=t, started_at=T0, actor="test", task=task, outcome=outcome,
                                  credits=credits))


async def test_the_figures_of_a_known_dataset(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    await _dataset(db, tenant)

    body = await gql(client, QUERY, {"s": SINCE.isoformat(), "u": UNTIL.isoformat()},
                     auth_headers(await sign_in(tenant)))

    a = body["data"]["opsAnalytics"]
    assert a["incidents"] == {
        "total": 3, "acknowledged": 2, "resolved": 2, "mttaSeconds": 180.0, "mttrSeconds": 3600.0,
        "bySeverity": [{"key": "SEV1", "count": 1}, {"key": "SEV2", "count": 2}],
        "byService": [{"key": "checkout", "count": 2}, {"key": "(none)", "count": 1}, {"key": "payments", "count": 1}],
        "byPeriod": [{"key": "2026-11-02", "count": 1}, {"key": "2026-11-03", "count": 1},
                     {"key": "2026-11-04", "count": 1}]}
    assert a["sla"] == {"total": 2, "met": 1, "percent": 50.0,
                        "byPolicy": [{"policy": "gold", "metric": "response", "total": 2, "met": 1}]}
    assert a["changes"] == {"finished": 3, "succeeded": 1, "failed": 2, "successRate": 0.3333}
    assert a["alertNoise"] == {"alerts": 4, "alertsPerIncident": 1.5, "silenced": 1, "silencedShare": 0.25,
                               "flappingRules": [{"key": "flappy", "count": 3}]}
    assert a["aiUsage"] == {"calls": 3, "failed": 1, "credits": 12,
                            "byTask": [{"key": "copilot", "count": 2}, {"key": "summary", "count": 1}]}


async def test_sections_hidden_from_a_caller_without_their_permission(client, db, make_tenant, define_role,
                                                                       add_member, sign_in):
    tenant = await make_tenant()
    await _dataset(db, tenant)
    await define_role(tenant, "incidents-only", ["incident.read"])
    headers = auth_headers(await sign_in(tenant, await add_member(tenant, ["incidents-only"])))

    a = (await gql(client, QUERY, {"s": SINCE.isoformat(), "u": UNTIL.isoformat()}, headers))["data"]["opsAnalytics"]

    assert a["incidents"]["total"] == 3
    assert (a["sla"], a["changes"], a["alertNoise"], a["aiUsage"]) == (None, None, None, None)


async def test_a_bad_period_is_a_validation_error(client, make_tenant, sign_in):
    tenant = await make_tenant()

    body = await gql(client, QUERY, {"s": UNTIL.isoformat(), "u": SINCE.isoformat()},
                     auth_headers(await sign_in(tenant)))

    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert body["errors"][0]["message"] == "The period must end after it starts and span at most 400 days."


async def test_the_executive_summary_cites_the_figures(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    await _dataset(db, tenant)

    body = await gql(client, """mutation($s: DateTime, $u: DateTime) { summarizeAnalytics(since: $s, until: $u) {
        ... on AnalyticsSummary { text grounded citations modelKey } ... on Error { code message } } }""",
                     {"s": SINCE.isoformat(), "u": UNTIL.isoformat()}, auth_headers(await sign_in(tenant)))

    summary = body["data"]["summarizeAnalytics"]
    assert summary["grounded"] is True
    assert summary["modelKey"].startswith("local")
    assert "analytics:incidents" in summary["citations"]
    assert "there were 3 incidents (1 SEV1, 2 SEV2)" in summary["text"]

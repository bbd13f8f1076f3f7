"""Alerts and incidents agree over time: a resolved or closed incident never counts another alert; a
recurrence reopens the incident within the reopen window, otherwise opens a new one naming it; an
incident's alert count is the sum of its alerts; every rule kind resolves when its condition clears."""

from datetime import timedelta

from domain.alerting.rules import RuleDefinition
from domain.alerting.settings import AlertingPolicy, save_policy
from domain.incidents.links import merge_incidents
from domain.incidents.service import transition_incident
from tests.domain.alerting.helpers import CHECK, START, check, make_rules, points, send, state, tick, timeline


async def _resolve(db, tenant, incident_id, to="resolved", at=None):
    from domain import clock

    with clock.clock_at(at or START):
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            await transition_incident(tx, incident_id=incident_id, to=to, actor="alice")


async def test_resolving_an_incident_resolves_its_alerts_and_a_recurrence_reopens_it(db, make_tenant):
    tenant = await make_tenant()
    await make_rules(db, tenant, CHECK)
    await send(db, tenant, START, check(id="a1"), check(id="a2"))
    [incident], _, _ = await state(db, tenant)
    await _resolve(db, tenant, incident.id, at=START + timedelta(minutes=1))
    _, released, _ = await state(db, tenant)

    await send(db, tenant, START + timedelta(minutes=2), check(id="a3"))

    [again], alerts, _ = await state(db, tenant)
    assert [a.status for a in released] == ["resolved"]
    assert (again.id, again.status, again.resolved_at) == (incident.id, "open", None)
    assert [(a.status, a.count, a.incident_id) for a in alerts] == [("resolved", 2, incident.id),
                                                                    ("firing", 1, incident.id)]
    assert again.alert_count == 3
    moves = [(e.data["from"], e.data["to"], e.data["note"], e.actor) for e in await timeline(db, tenant, incident.id)
             if e.kind == "status_changed"]
    assert moves == [("triggered", "resolved", "", "alice"),
                     ("resolved", "open", "reopened: alert recurred", "rule:Payments check failing")]


async def test_a_recurrence_after_close_opens_a_new_incident_naming_the_closed_one(db, make_tenant):
    tenant = await make_tenant()
    await make_rules(db, tenant, CHECK)
    await send(db, tenant, START, check(id="b1"))
    [first], _, _ = await state(db, tenant)
    await _resolve(db, tenant, first.id)
    await _resolve(db, tenant, first.id, to="closed")

    for n in range(3):
        await send(db, tenant, START + timedelta(minutes=3 + n), check(id=f"b{n + 2}"))

    [closed, second], alerts, links = await state(db, tenant)
    assert (closed.status, closed.alert_count) == ("closed", 1)
    assert (second.status, second.alert_count, second.fingerprint) == ("triggered", 3, first.fingerprint)
    assert [(a.status, a.count, a.incident_id) for a in alerts] == [("resolved", 1, first.id),
                                                                    ("firing", 3, second.id)]
    assert [(link.kind, link.from_id, link.to_id, link.source, link.reason) for link in links] == [
        ("related", second.id, first.id, "recurrence", f"recurrence of INC-{first.number}")]


async def test_a_recurrence_after_the_reopen_window_opens_a_new_incident(db, make_tenant):
    tenant = await make_tenant()
    await make_rules(db, tenant, CHECK)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await save_policy(tx, policy=AlertingPolicy(reopen_window_minutes=10), actor="test")
    await send(db, tenant, START, check(id="c1"))
    [first], _, _ = await state(db, tenant)
    await _resolve(db, tenant, first.id, at=START + timedelta(minutes=1))

    await send(db, tenant, START + timedelta(minutes=12), check(id="c2"))

    [old, new], _, links = await state(db, tenant)
    assert (old.status, old.alert_count, new.status) == ("resolved", 1, "triggered")
    assert [(link.from_id, link.to_id, link.reason) for link in links] == [
        (new.id, old.id, f"recurrence of INC-{old.number}")]


async def test_alerts_of_several_rules_for_one_service_join_one_incident_that_lists_them(db, make_tenant):
    tenant = await make_tenant()
    logs = RuleDefinition(name="Payments errors reported", kind="event", severity="SEV3", group_by=["service"],
                          condition="event.source == 'app' && event.severity == 'error'")
    await make_rules(db, tenant, CHECK, logs)
    await send(db, tenant, START, check(id="d1"))

    await send(db, tenant, START + timedelta(minutes=2), {"source": "app", "severity": "error", "title": "boom",
                                                          "service": "payments", "id": "d2"},
               check("search", id="d3"))

    incidents, alerts, _ = await state(db, tenant)
    assert [(i.title, i.group_key, i.alert_count) for i in incidents] == [
        ("Payments check failing: service=payments", "service:payments", 2),
        ("Payments check failing: service=search", "service:search", 1)]
    assert {(a.fingerprint, a.incident_id) for a in alerts} == {
        ("Payments check failing:payments", incidents[0].id), ("Payments errors reported:service=payments",
                                                               incidents[0].id),
        ("Payments check failing:search", incidents[1].id)}


async def test_grouping_off_or_past_the_window_opens_one_incident_per_rule(db, make_tenant):
    tenant = await make_tenant()
    logs = RuleDefinition(name="Payments errors reported", kind="event", severity="SEV3", group_by=["service"],
                          condition="event.source == 'app'")
    await make_rules(db, tenant, CHECK, logs)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await save_policy(tx, policy=AlertingPolicy(group_window_minutes=5), actor="test")
    await send(db, tenant, START, check(id="e1"))

    await send(db, tenant, START + timedelta(minutes=6), {"source": "app", "title": "x", "service": "payments",
                                                          "id": "e2"})

    incidents, _, links = await state(db, tenant)
    assert [i.alert_count for i in incidents] == [1, 1]
    assert [(link.from_id, link.to_id, link.reason) for link in links] == [
        (incidents[0].id, incidents[1].id, "both concern payments")]


ERRORS = RuleDefinition(name="Payments error rate", kind="metric", severity="SEV2", group_by=["service"],
                        window={"metric": "http.server.error_rate", "aggregation": "avg", "minutes": 2,
                                "operator": ">", "threshold": 0.2, "for_minutes": 1},
                        fingerprint_template="{rule}:{service}")


async def test_a_metric_incident_counts_exactly_what_its_alert_counts_and_resolves_when_clear(db, make_tenant):
    tenant = await make_tenant()
    await make_rules(db, tenant, ERRORS)
    await points(db, tenant, "http.server.error_rate", "payments", START - timedelta(minutes=2), 6, 0.6)
    for minute in range(5):
        await tick(db, tenant, START + timedelta(minutes=minute))
    [incident], [alert], _ = await state(db, tenant)
    firing = (incident.status, incident.alert_count, alert.status, alert.count)

    await points(db, tenant, "http.server.error_rate", "payments", START + timedelta(minutes=4), 4, 0.0)
    for minute in range(5, 9):
        await tick(db, tenant, START + timedelta(minutes=minute))

    [incident], [alert], _ = await state(db, tenant)
    assert firing == ("triggered", 5, "firing", 5)
    assert (incident.status, alert.status) == ("resolved", "resolved")
    assert incident.alert_count == alert.count == 6  # still met at 5:00 (the window held 4:00's samples)
    assert incident.resolved_at == START + timedelta(minutes=7)  # clear at 6:00, for_minutes 1 later


async def test_traffic_that_stops_cannot_fire_a_rule_on_its_old_samples(db, make_tenant):
    tenant = await make_tenant()
    await make_rules(db, tenant, ERRORS)
    await points(db, tenant, "http.server.error_rate", "payments", START - timedelta(minutes=2), 1.5, 0.9)

    for minute in range(3):
        await tick(db, tenant, START + timedelta(minutes=minute))

    incidents, alerts, _ = await state(db, tenant)
    assert incidents == []
    assert [a.status for a in alerts] == ["resolved"]  # pending at 0:00, dropped when the samples went stale


async def test_a_resolve_event_for_the_same_group_resolves_the_alert_and_the_incident(db, make_tenant):
    tenant = await make_tenant()
    alertmanager = RuleDefinition(name="Alertmanager: PaymentsDown", kind="event", severity="SEV2",
                                  group_by=["fingerprint"], condition="event.source == 'alertmanager'")
    await make_rules(db, tenant, alertmanager)
    alert = {"source": "alertmanager", "severity": "critical", "title": "PaymentsDown", "service": "payments"}
    await send(db, tenant, START, {**alert, "fingerprint": "9f1c", "status": "firing", "id": "f1"},
               {**alert, "fingerprint": "77aa", "service": "search", "id": "f2"})

    await send(db, tenant, START + timedelta(minutes=1), {**alert, "fingerprint": "9f1c", "status": "resolved",
                                                          "id": "f3"})

    incidents, alerts, _ = await state(db, tenant)
    assert sorted((a.group_key, a.status, a.count) for a in alerts) == [("fingerprint=77aa", "firing", 1),
                                                                        ("fingerprint=9f1c", "resolved", 1)]
    by_group = {i.labels["fingerprint"]: i for i in incidents}
    assert (by_group["9f1c"].status, by_group["77aa"].status) == ("resolved", "triggered")
    notes = [e.data["note"] for e in await timeline(db, tenant, by_group["9f1c"].id) if e.kind == "status_changed"]
    assert notes == ["resolved by alertmanager: PaymentsDown"]


async def test_an_event_alert_resolves_after_no_matching_event_for_its_minutes(db, make_tenant):
    tenant = await make_tenant()
    await make_rules(db, tenant, CHECK)
    await send(db, tenant, START, check(id="g1"))

    await tick(db, tenant, START + timedelta(minutes=4))
    still = (await state(db, tenant))[0][0].status
    await tick(db, tenant, START + timedelta(minutes=5, seconds=1))

    [incident], [alert], _ = await state(db, tenant)
    assert still == "triggered"
    assert (incident.status, alert.status) == ("resolved", "resolved")


async def test_a_merged_duplicates_open_alerts_count_in_the_incident_it_joined(db, make_tenant):
    tenant = await make_tenant()
    await make_rules(db, tenant, CHECK)
    await send(db, tenant, START, check(id="h1"), check("search", id="h2"), check("search", id="h3"))
    payments, search = (await state(db, tenant))[0]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await merge_incidents(tx, duplicate_id=search.id, into_id=payments.id, actor="alice")

    await send(db, tenant, START + timedelta(minutes=1), check("search", id="h4"))

    (payments, search), alerts, _ = await state(db, tenant)
    assert (search.status, search.alert_count, payments.alert_count) == ("resolved", 0, 4)
    assert {(a.group_key, a.count, a.incident_id) for a in alerts} == {
        ("service=payments", 1, payments.id), ("service=search", 3, payments.id)}

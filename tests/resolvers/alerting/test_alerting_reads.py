"""Alerting reads the console needs: one rule with its history and activity, alert rule names, dry-run
samples, and the field a refused query names."""

from datetime import UTC, datetime, timedelta

from domain.alerting.evaluation import evaluate_ingested
from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"
SAVE = f"""mutation($i: AlertRuleInput!) {{ createAlertRule(input: $i) {{ ... on AlertRuleSaved {{ rule {{ id }} }}
  {ERROR} }} }}"""
UPDATE = f"""mutation($id: ID!, $i: AlertRuleInput!) {{ updateAlertRule(id: $id, input: $i) {{ __typename {ERROR} }} }}"""
RULE = {"name": "Checkout failing", "kind": "EVENT", "severity": "SEV2", "groupBy": ["service"],
        "condition": "event.source == 'synthetic-monitor' && event.severity == 'critical'"}


async def _ingest(db, tenant, minutes_ago: list[int]) -> None:
    now = datetime.now(UTC)
    events = [{"source": "synthetic-monitor", "severity": "critical", "title": f"check {m}", "service": "payments",
               "time": (now - timedelta(minutes=m)).isoformat()} for m in minutes_ago]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        stored = await store_batch(tx, parse_envelope({"events": events}), now=now, retention_days=7)
    await evaluate_ingested(db, tenant_id=tenant.tenant_id, keys=stored.events)


async def test_one_rule_with_its_versions_newest_first(client, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    rule_id = (await gql(client, SAVE, {"i": RULE}, headers))["data"]["createAlertRule"]["rule"]["id"]
    await gql(client, UPDATE, {"id": rule_id, "i": {**RULE, "thresholdCount": 4}}, headers)

    found = await gql(client, """query($id: ID!) { alertRule(id: $id) { name version
        versions { version changedBy definition } } }""", {"id": rule_id}, headers)

    rule = found["data"]["alertRule"]
    assert rule["name"] == "Checkout failing" and rule["version"] == 2
    assert [(v["version"], v["definition"]["threshold_count"]) for v in rule["versions"]] == [(2, 4), (1, 1)]
    assert {v["changedBy"] for v in rule["versions"]} == {f"owner@{tenant.slug}.example.com"}


async def test_an_unknown_rule_is_null(client, make_tenant, sign_in):
    headers = auth_headers(await sign_in(await make_tenant()))

    found = await gql(client, "{ alertRule(id: \"00000000-0000-0000-0000-000000000000\") { id } }", headers=headers)

    assert found == {"data": {"alertRule": None}}


async def test_rules_say_how_many_alerts_are_open_and_when_one_last_fired(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    await gql(client, SAVE, {"i": RULE}, headers)
    await gql(client, SAVE, {"i": {**RULE, "name": "Quiet", "condition": "event.source == 'nothing'"}}, headers)

    await _ingest(db, tenant, [3, 2])
    found = await gql(client, "{ alertRules { name openAlerts lastFiredAt } }", headers=headers)

    by_name = {rule["name"]: rule for rule in found["data"]["alertRules"]}
    assert by_name["Checkout failing"]["openAlerts"] == 1 and by_name["Checkout failing"]["lastFiredAt"]
    assert by_name["Quiet"] == {"name": "Quiet", "openAlerts": 0, "lastFiredAt": None}


async def test_an_incidents_alerts_name_their_rule(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    await gql(client, SAVE, {"i": RULE}, headers)

    await _ingest(db, tenant, [1])
    found = await gql(client, "{ incidents(first: 5) { edges { node { alerts { ruleName status count } } } } }",
                      headers=headers)

    [edge] = found["data"]["incidents"]["edges"]
    assert edge["node"]["alerts"] == [{"ruleName": "Checkout failing", "status": "firing", "count": 1}]


async def test_a_dry_run_keeps_each_groups_latest_matches(client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    now = datetime.now(UTC)
    events = [{"source": "synthetic-monitor", "severity": "critical", "title": f"check {m}", "service": "payments",
               "time": (now - timedelta(minutes=m)).isoformat()} for m in (40, 30, 20, 10)]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await store_batch(tx, parse_envelope({"events": events}), now=now, retention_days=7)

    found = await gql(client, """query($i: AlertRuleInput!) { alertRuleDryRun(input: $i, hours: 1) {
        groups { matches samples { title value } } } }""", {"i": RULE}, headers)

    [group] = found["data"]["alertRuleDryRun"]["groups"]
    assert group["matches"] == 4
    assert group["samples"] == [{"title": f"check {m}", "value": None} for m in (30, 20, 10)]


async def test_a_refused_dry_run_names_the_field_in_the_error(client, make_tenant, sign_in):
    headers = auth_headers(await sign_in(await make_tenant()))

    found = await gql(client, """query($i: AlertRuleInput!) { alertRuleDryRun(input: $i, hours: 1) { scanned } }""",
                      {"i": {**RULE, "condition": "event.severity =="}}, headers)

    [error] = found["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "condition"}
    assert error["message"].startswith("The condition is not valid CEL")

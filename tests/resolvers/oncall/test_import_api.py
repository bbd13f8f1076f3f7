"""importOnCallSetup through GraphQL: a dry run, a real run, typed errors, and who may invite."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from domain.members.models import Invitation
from domain.oncall.models import OnCallSchedule
from tests.conftest import auth_headers, gql
from tests.domain.oncall.import_payloads import pagerduty

IMPORT = """mutation($i: ImportOnCallInput!) { importOnCallSetup(input: $i) {
  __typename ... on Error { code message field }
  ... on OnCallImported { dryRun created { kind names } invited invitations { email token } unmapped { path reason } }
} }"""


async def _count(db, tenant, model) -> int:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(func.count()).select_from(model))


async def test_a_dry_run_then_a_real_run_through_graphql(db, client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    emails = [await add_member(tenant, ["responder"]) for _ in range(4)] + ["newcomer@example.com"]
    headers = auth_headers(await sign_in(tenant))
    variables = {"i": {"source": "PAGERDUTY", "document": json.dumps(pagerduty(emails)), "dryRun": True}}

    dry = (await gql(client, IMPORT, variables, headers))["data"]["importOnCallSetup"]
    assert dry["dryRun"] is True and dry["invited"] == ["newcomer@example.com"] and dry["invitations"] == []
    assert {"kind": "schedules", "names": ["Payments primary"]} in dry["created"]
    assert await _count(db, tenant, OnCallSchedule) == 0 and await _count(db, tenant, Invitation) == 0

    variables["i"]["dryRun"] = False
    real = (await gql(client, IMPORT, variables, headers))["data"]["importOnCallSetup"]
    assert real["created"] == dry["created"] and [i["email"] for i in real["invitations"]] == real["invited"]
    assert await _count(db, tenant, OnCallSchedule) == 1 and await _count(db, tenant, Invitation) == 1


async def test_a_file_that_is_not_json_is_a_typed_error(client, make_tenant, sign_in):
    tenant = await make_tenant()
    body = await gql(client, IMPORT, {"i": {"source": "OPSGENIE", "document": "{nope"}},
                     auth_headers(await sign_in(tenant)))
    payload = body["data"]["importOnCallSetup"]
    assert payload["__typename"] == "ValidationError" and payload["field"] == "document"
    assert payload["message"].startswith("The export is not JSON: ")


async def test_without_member_manage_nobody_is_invited(db, client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    responder = await add_member(tenant, ["responder"])
    emails = [responder, *[f"new{i}@example.com" for i in range(4)]]
    headers = auth_headers(await sign_in(tenant, responder))

    body = await gql(client, IMPORT, {"i": {"source": "PAGERDUTY", "document": json.dumps(pagerduty(emails))}},
                     headers)

    payload = body["data"]["importOnCallSetup"]
    assert payload["invited"] == [] and await _count(db, tenant, Invitation) == 0
    assert any("inviting people needs the member.manage permission" in u["reason"] for u in payload["unmapped"])

"""The copilot over GraphQL: asked by mutation, answered on a per-user subscription, scoped to the asking
user's tenant and permissions, every kept sentence citing a source, conversations private to their owner."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy import func, select

from domain.copilot.models import CopilotConversation, CopilotMessage
from domain.copilot.service import bind_user
from domain.incidents.service import NewIncident, create_incident
from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from resolvers.shared_subscriptions import share_key
from tests.conftest import auth_headers, gql

ASK = """mutation($q: String!, $p: CopilotPersona, $i: ID) {
  askCopilot(question: $q, persona: $p, incidentId: $i) {
    __typename
    ... on CopilotAsked { conversationId answerId persona routed routing }
    ... on Error { code message field }
  }
}"""
ANSWER = ("subscription($m: ID!) { copilotAnswer(messageId: $m) { kind text persona routed grounded notes errorCode "
          "citations { id kind title } } }")
CONVERSATIONS = "{ copilotConversations { id title messages { role text status grounded citations { id } } } }"
DISK = "disk full on db-primary volume"


async def _incident_with_logs(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        incident = await create_incident(tx, new=NewIncident(
            title="Checkout errors after deploy", severity="SEV2", services=["checkout"],
            description="Checkout returns errors since the 14:00 deploy."), actor="test")
    batch = parse_envelope({"resource": {"service.name": "checkout"}, "logs": [
        {"body": f"ERROR {DISK}: writes failing", "severity": "ERROR", "severity_number": 17}]})
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await store_batch(tx, batch, now=datetime.now(UTC), retention_days=30)
    return incident


async def _ask(client, headers, question, *, persona=None, incident=None) -> dict:
    body = await gql(client, ASK, {"q": question, "p": persona, "i": str(incident.id) if incident else None},
                     headers)
    return body["data"]["askCopilot"]


async def _stream(app, headers, answer_id) -> list[dict]:
    """Subscribe to an answer; its events until the stream completes."""
    events = []
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://atlas.test") as http, \
            aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_json({"type": "connection_init", "payload": headers})
        assert (await ws.receive_json())["type"] == "connection_ack"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": ANSWER,
                                                                          "variables": {"m": answer_id}}})
        while True:
            message = await asyncio.wait_for(ws.receive_json(), 15)
            if message["type"] != "next":
                assert message["type"] == "complete", message
                return events
            events.append(message["payload"]["data"]["copilotAnswer"])


async def test_an_answer_streams_sentence_by_sentence_and_cites_its_sources(app, client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    incident = await _incident_with_logs(db, tenant)
    headers = auth_headers(await sign_in(tenant))

    asked = await _ask(client, headers, "What errors do the checkout logs show?", incident=incident)
    events = await _stream(app, headers, asked["answerId"])

    assert asked["persona"] == "SRE" and asked["routed"] is True
    assert asked["routing"].startswith("routed to SRE by: error")
    *chunks, done = events
    assert chunks and {c["kind"] for c in chunks} == {"chunk"}
    assert done["kind"] == "done" and done["grounded"] is True
    cited = {c["id"]: c["kind"] for c in done["citations"]}
    assert cited["telemetry:logs"] == "telemetry query"
    assert DISK in done["text"]
    assert done["text"] == " ".join(c["text"].strip() for c in chunks)


async def test_a_user_without_telemetry_read_gets_no_telemetry(app, client, db, make_tenant, add_member,
                                                               define_role, sign_in):
    tenant = await make_tenant()
    incident = await _incident_with_logs(db, tenant)
    await define_role(tenant, "ai-no-telemetry", ["ai.use", "incident.read", "knowledge.read"])
    email = await add_member(tenant, ["ai-no-telemetry"])
    headers = auth_headers(await sign_in(tenant, email))

    asked = await _ask(client, headers, "What errors do the checkout logs show?", incident=incident)
    events = await _stream(app, headers, asked["answerId"])

    done = events[-1]
    assert done["kind"] == "done"
    assert DISK not in str(events)
    assert all(not c["id"].startswith("telemetry:") for c in done["citations"])
    assert "logs: not used: You need the 'telemetry.read' permission." in done["notes"]


async def test_a_question_nothing_grounds_says_so(app, client, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))

    asked = await _ask(client, headers, "What is the airspeed velocity of an unladen swallow?", persona="SECOPS")
    events = await _stream(app, headers, asked["answerId"])

    assert asked["routed"] is False and asked["persona"] == "SECOPS"
    assert events == [{**events[-1], "kind": "done", "grounded": False, "citations": [],
                       "text": events[-1]["text"]}]
    assert events[0]["text"].startswith("No source you can see grounds an answer to this question")


async def test_another_tenants_incident_is_not_found(client, db, make_tenant, sign_in):
    mine, theirs = await make_tenant(), await make_tenant()
    incident = await _incident_with_logs(db, theirs)

    asked = await _ask(client, auth_headers(await sign_in(mine)), "what broke?", incident=incident)

    assert asked == {"__typename": "NotFoundError", "code": "NOT_FOUND", "message": "No such incident.",
                     "field": "incidentId"}


async def test_conversations_are_private_to_their_owner(app, client, db, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    incident = await _incident_with_logs(db, tenant)
    owner = auth_headers(await sign_in(tenant))
    colleague = auth_headers(await sign_in(tenant, await add_member(tenant, ["admin"])))
    asked = await _ask(client, owner, "Summarize the checkout errors", incident=incident)

    stolen = await _stream(app, colleague, asked["answerId"])  # same tenant, wider permissions: still not theirs
    mine = await _stream(app, owner, asked["answerId"])
    theirs = (await gql(client, CONVERSATIONS, headers=colleague))["data"]["copilotConversations"]
    own = (await gql(client, CONVERSATIONS, headers=owner))["data"]["copilotConversations"]

    assert stolen == [{**stolen[0], "kind": "error", "errorCode": "NOT_FOUND",
                       "text": "No such copilot answer of yours."}]
    assert mine[-1]["kind"] == "done"
    assert theirs == []
    assert [m["role"] for m in own[0]["messages"]] == ["user", "assistant"]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # no user bound: row-level security shows nothing
        assert await tx.session.scalar(select(func.count()).select_from(CopilotMessage)) == 0


async def test_identical_per_user_subscriptions_of_two_users_never_share_one_execution(app, make_tenant, sign_in,
                                                                                       add_member, runtime):
    from domain.auth.principals import authenticate

    tenant = await make_tenant()
    one = await sign_in(tenant, await add_member(tenant, ["responder"]))
    two = await sign_in(tenant, await add_member(tenant, ["responder"]))
    first = await authenticate(runtime, one.access_token, str(tenant.tenant_id))
    second = await authenticate(runtime, two.access_token, str(tenant.tenant_id))

    def key(principal, document):
        context = type("C", (), {"principal": principal, "long_lived": True})()
        return share_key(document, {"m": "x"}, None, context)

    assert first.permissions == second.permissions
    for document in (ANSWER, "subscription { youArePaged { incidentId } }",
                     "subscription { ...F } fragment F on Subscription { youArePaged { incidentId } }"):
        assert key(first, document) != key(second, document)
    assert key(first, "subscription { incidentChanged { seq } }") == key(second, "subscription { incidentChanged { seq } }")


async def test_the_retention_job_prunes_every_users_old_conversations(client, db, runtime, make_tenant, add_member,
                                                                      sign_in):
    from workers.jobs.copilot import prune_copilot_conversations

    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    other = auth_headers(await sign_in(tenant, await add_member(tenant, ["responder"])))
    old = await _ask(client, owner, "old question about errors")
    await _ask(client, other, "another old question")
    fresh = await _ask(client, owner, "fresh question")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await bind_user(tx, tenant.admin_user_id)
        await tx.session.execute(CopilotConversation.__table__.update().where(
            CopilotConversation.id == uuid.UUID(old["conversationId"])).values(
            updated_at=datetime.now(UTC) - timedelta(days=400)))
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await tx.session.execute(CopilotConversation.__table__.update().values(
            updated_at=datetime.now(UTC) - timedelta(days=400)).where(
            CopilotConversation.title == "another old question"))  # invisible without its owner bound: no-op

    pruned = await prune_copilot_conversations({"runtime": runtime}, tenant_id=str(tenant.tenant_id))

    assert pruned == 1
    left = (await gql(client, CONVERSATIONS, headers=owner))["data"]["copilotConversations"]
    assert [c["id"] for c in left] == [fresh["conversationId"]]


async def test_an_answer_abandoned_mid_way_is_produced_again(app, client, db, make_tenant, sign_in):
    tenant = await make_tenant()
    headers = auth_headers(await sign_in(tenant))
    asked = await _ask(client, headers, "How many AI credits did we spend?")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:  # a listener took it, then vanished
        await bind_user(tx, tenant.admin_user_id)
        await tx.session.execute(CopilotMessage.__table__.update().where(
            CopilotMessage.id == uuid.UUID(asked["answerId"])).values(
            status="answering", created_at=datetime.now(UTC) - timedelta(minutes=5)))

    events = await _stream(app, headers, asked["answerId"])

    assert asked["persona"] == "FINOPS"
    assert events[-1]["kind"] == "done" and events[-1]["grounded"] is True
    assert [c["id"] for c in events[-1]["citations"]] == ["ai:usage"]

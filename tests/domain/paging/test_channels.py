"""Chat and webhook channels against a local HTTP receiver; retries with backoff, then failed, in the delivery log."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field

import pytest
from standardwebhooks import Webhook

from domain.alerting.targets import create_target
from domain.paging.channels import PageMessage, SendFailed, SlackChannel, TeamsChannel, WebhookChannel
from domain.paging.delivery import RetryLater, deliver_page
from domain.paging.models import Page
from domain.paging.policies import add_notification_rule
from tests.workers.paging_setup import add_people, open_incident, policy_for

MESSAGE = PageMessage(id=str(uuid.uuid4()), tenant_id="", subject="[SEV1] INC-7: Checkout is down",
                      text="INC-7 is triggered (checkout).", links={"acknowledge": "http://atlas.test/page/x/acknowledge"},
                      incident={"reference": "INC-7"})


@dataclass
class Receiver:
    """A local HTTP server that records requests and answers ``status``."""

    status: int = 200
    requests: list[tuple[dict, bytes]] = field(default_factory=list)
    port: int = 0

    async def serve(self, reader, writer) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        self.requests.append((headers, body))
        writer.write(f"HTTP/1.1 {self.status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".encode())
        await writer.drain()
        writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
async def receiver():
    found = Receiver()
    server = await asyncio.start_server(found.serve, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    yield found
    server.close()


async def test_slack_and_teams_post_the_page_with_its_links(receiver):
    # when a page goes to a Slack and a Teams incoming webhook
    slack = await SlackChannel().send(receiver.url, MESSAGE)
    await TeamsChannel().send(receiver.url, MESSAGE)
    # then Slack got blocks with an Acknowledge button, Teams a card with the same link
    (_, slack_body), (_, teams_body) = receiver.requests
    blocks = json.loads(slack_body)["blocks"]
    assert slack.startswith("200") and blocks[1]["elements"][0]["url"] == MESSAGE.links["acknowledge"]
    assert json.loads(teams_body)["potentialAction"][0]["targets"][0]["uri"] == MESSAGE.links["acknowledge"]


async def test_a_failing_chat_webhook_is_worth_retrying_and_a_refusal_is_not(receiver):
    receiver.status = 503
    with pytest.raises(SendFailed) as unavailable:
        await SlackChannel().send(receiver.url, MESSAGE)
    receiver.status = 404
    with pytest.raises(SendFailed) as refused:
        await TeamsChannel().send(receiver.url, MESSAGE)
    assert (unavailable.value.retry, refused.value.retry) == (True, False)


async def test_a_webhook_page_is_signed_with_the_targets_secret(runtime, db, make_tenant, receiver):
    # given a signed webhook target of the tenant
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        created = await create_target(tx, name="pager", url=receiver.url, seal=runtime.sealer.seal, actor="t",
                                      event_types=["incident.closed"])
    # when a page is sent to it
    message = PageMessage(**{**MESSAGE.__dict__, "tenant_id": str(tenant.tenant_id)})
    await WebhookChannel(runtime).send(str(created.target.id), message)
    # then the reference Standard Webhooks verifier accepts it
    headers, body = receiver.requests[0]
    assert Webhook(created.secret).verify(body, headers)["type"] == "incident.paged"


async def test_a_failing_page_is_retried_with_backoff_then_marked_failed(runtime, db, make_tenant, receiver):
    # given ana's only rule pages a chat webhook that keeps failing
    receiver.status = 500
    tenant = await make_tenant()
    [(ana, _)] = await add_people(db, tenant, 1)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await add_notification_rule(tx, user_id=ana, urgency="high", channel="slack", address=receiver.url)
    await policy_for(db, tenant, [[ana]], timeout=60)
    incident = await open_incident(db, tenant)
    from domain.paging.escalation import run_step
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await run_step(tx, incident_id=incident.id, generation=1, level=0, round_=0)
        page = (await tx.session.execute(Page.__table__.select().where(Page.incident_id == incident.id))).one()
    # when it is tried, and tried again, up to the last try
    with pytest.raises(RetryLater) as first:
        await deliver_page(runtime, tenant_id=tenant.tenant_id, page_id=page.id, attempt=1)
    with pytest.raises(RetryLater) as second:
        await deliver_page(runtime, tenant_id=tenant.tenant_id, page_id=page.id, attempt=2)
    last = await deliver_page(runtime, tenant_id=tenant.tenant_id, page_id=page.id, attempt=5)
    # then the waits grow, it ends failed, and the log keeps the tries and the provider's answer
    assert (first.value.seconds, second.value.seconds, last) == (5, 15, "failed")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        stored = await tx.session.get(Page, page.id)
    assert (stored.status, stored.attempts, stored.provider_answer) == ("failed", 5, "500 ok")
    assert len(receiver.requests) == 3

"""SMS pages through Twilio's official client against a local fake answering with Twilio's recorded responses."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from domain.paging.channels import PageMessage, SendFailed
from domain.paging.sms import SmsChannel

RECORDED = Path(__file__).parent / "recorded"
SID = "AC" + "0" * 32
MESSAGE = PageMessage(id="p1", tenant_id="t", subject="[SEV1] INC-7: Checkout is down", text="",
                      links={"acknowledge": "http://atlas.test/page/i/acknowledge?token=abc"}, incident={})


class FakeTwilio:
    """Answers Messages.json like Twilio: 201 with the recorded message, or a recorded error."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, dict]] = []
        self.answer = (201, (RECORDED / "twilio_message_created.json").read_bytes())
        self.port = 0

    async def serve(self, reader, writer) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        request_line, *lines = head.split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        self.requests.append((request_line, headers, parse_qs(body.decode())))
        status, payload = self.answer
        writer.write(f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len(payload)}\r\n"
                     f"connection: close\r\n\r\n".encode() + payload)
        await writer.drain()
        writer.close()


@pytest.fixture
async def twilio():
    fake = FakeTwilio()
    server = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    yield fake
    server.close()


def channel(port: int) -> SmsChannel:
    return SmsChannel(SID, "secret-token", "+14155550000", api_base=f"http://127.0.0.1:{port}")


async def test_an_sms_page_is_sent_through_twilios_client_with_the_ack_link(twilio):
    # when a page goes out by SMS
    answer = await channel(twilio.port).send("+447700900123", MESSAGE)
    # then Twilio's Messages API got the number, the sender and a body with the acknowledge link, with basic auth
    request_line, headers, form = twilio.requests[0]
    assert request_line.startswith(f"POST /2010-04-01/Accounts/{SID}/Messages.json")
    assert headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:secret-token".encode()).decode()
    assert (form["To"], form["From"]) == (["+447700900123"], ["+14155550000"])
    assert form["Body"][0] == f"{MESSAGE.subject} Ack: {MESSAGE.links['acknowledge']}"
    assert answer == "SM" + "X" * 32 + " queued"


async def test_twilios_refusal_is_not_retried_and_its_outage_is(twilio):
    twilio.answer = (400, (RECORDED / "twilio_invalid_to.json").read_bytes())
    with pytest.raises(SendFailed) as refused:
        await channel(twilio.port).send("+15550000000", MESSAGE)
    twilio.answer = (503, json.dumps({"code": 20503, "message": "Service unavailable", "status": 503}).encode())
    with pytest.raises(SendFailed) as unavailable:
        await channel(twilio.port).send("+15550000000", MESSAGE)
    assert (refused.value.retry, unavailable.value.retry) == (False, True)
    assert refused.value.answer.startswith("400 21211: ")


async def test_without_an_account_sms_is_refused_plainly():
    with pytest.raises(SendFailed) as refused:
        await SmsChannel(None, None, None).send("+447700900123", MESSAGE)
    assert (refused.value.answer, refused.value.retry) == (
        "refused: no SMS provider is configured (ATLAS_TWILIO_*)", False)


async def test_a_voice_page_calls_and_reads_the_page_out(twilio):
    # given Twilio answers a call request with its recorded call
    twilio.answer = (201, (RECORDED / "twilio_call_created.json").read_bytes())
    voice = SmsChannel(SID, "secret-token", "+14155550000", api_base=f"http://127.0.0.1:{twilio.port}", voice=True)
    # when a page goes out by voice
    answer = await voice.send("+447700900123", PageMessage(**{**MESSAGE.__dict__, "text": "A & B <down>"}))
    # then Calls.json got TwiML that says the page, escaped
    request_line, _, form = twilio.requests[0]
    assert request_line.startswith(f"POST /2010-04-01/Accounts/{SID}/Calls.json")
    assert form["Twiml"] == ["<Response><Say>[SEV1] INC-7: Checkout is down</Say><Say>A &amp; B &lt;down&gt;</Say>"
                             "</Response>"]
    assert answer == "CA" + "X" * 32 + " queued"

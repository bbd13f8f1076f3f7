"""The channels a page goes out on, behind one interface: email (SMTP), Slack, Microsoft Teams, signed webhooks
and SMS (Twilio, domain/paging/sms.py).

Each channel sends one :class:`PageMessage` to an address and returns the provider's answer, or
raises :class:`SendFailed` (``retry``: worth trying again). Email goes through ``aiosmtplib`` to
the configured SMTP server; Slack through ``slack_sdk``'s incoming-webhook client; Teams through
its incoming-webhook URL; a webhook rule names one of the tenant's signed webhook targets.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

import aiosmtplib
import httpx
from slack_sdk.webhook import WebhookClient

from domain.alerting.delivery import _public_address as public_address
from domain.alerting.models import NotificationTarget
from domain.alerting.notify import signature, standard_headers
from domain.errors import SecretUnreadable

if TYPE_CHECKING:
    from domain.ports import Runtime

TIMEOUT = 10.0


@dataclass(frozen=True)
class PageMessage:
    """What a page says, whatever the channel."""

    id: str
    tenant_id: str
    subject: str
    text: str
    links: dict[str, str]  # action -> one-click URL (acknowledge, resolve)
    incident: dict[str, str]


class SendFailed(Exception):
    def __init__(self, answer: str, *, retry: bool = True) -> None:
        super().__init__(answer)
        self.answer, self.retry = answer[:1000], retry


class Channel(Protocol):
    async def send(self, address: str, message: PageMessage) -> str: ...


def _body(message: PageMessage) -> str:
    actions = "\n".join(f"{action.capitalize()}: {url}" for action, url in message.links.items())
    return f"{message.text}\n\n{actions}\n"


@dataclass
class EmailChannel:
    """SMTP via aiosmtplib."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    tls: bool = False

    async def send(self, address: str, message: PageMessage) -> str:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, address, message.subject
        mail["X-Atlas-Page"] = message.id
        mail.set_content(_body(message))
        try:
            _, answer = await aiosmtplib.send(mail, hostname=self.host, port=self.port, username=self.username,
                                              password=self.password, start_tls=self.tls, timeout=TIMEOUT)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            raise SendFailed(f"refused: {refused}", retry=False) from None
        except (aiosmtplib.SMTPException, OSError) as failed:
            raise SendFailed(f"{type(failed).__name__}: {failed}") from None
        return answer


class SlackChannel:
    """A Slack incoming webhook, through the official slack_sdk client."""

    async def send(self, address: str, message: PageMessage) -> str:
        buttons = [{"type": "button", "text": {"type": "plain_text", "text": action.capitalize()}, "url": url}
                   for action, url in message.links.items()]
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{message.subject}*\n{message.text}"}},
                  {"type": "actions", "elements": buttons}]
        client = WebhookClient(address, timeout=int(TIMEOUT))
        try:
            response = await asyncio.to_thread(client.send, text=message.subject, blocks=blocks)
        except OSError as failed:
            raise SendFailed(f"{type(failed).__name__}: {failed}") from None
        answer = f"{response.status_code} {response.body}"
        if not 200 <= response.status_code < 300:
            raise SendFailed(answer, retry=response.status_code >= 500 or response.status_code == 429)
        return answer


async def _post(url: str, body: bytes, headers: dict[str, str]) -> str:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
            response = await http.post(url, content=body, headers={"Content-Type": "application/json", **headers})
    except httpx.HTTPError as failed:
        raise SendFailed(f"{type(failed).__name__}: {failed}") from None
    answer = f"{response.status_code} {response.text[:200]}"
    if not 200 <= response.status_code < 300:
        raise SendFailed(answer, retry=response.status_code >= 500 or response.status_code == 429)
    return answer


class TeamsChannel:
    """A Microsoft Teams incoming webhook (a message card with action links)."""

    async def send(self, address: str, message: PageMessage) -> str:
        card = {"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": message.subject,
                "title": message.subject, "text": message.text,
                "potentialAction": [{"@type": "OpenUri", "name": action.capitalize(), "targets": [
                    {"os": "default", "uri": url}]} for action, url in message.links.items()]}
        return await _post(address, json.dumps(card).encode(), {})


@dataclass
class WebhookChannel:
    """One of the tenant's signed webhook targets (the same signatures as alerting's deliveries)."""

    runtime: Runtime

    async def send(self, address: str, message: PageMessage) -> str:
        async with self.runtime.db.transaction(tenant_id=uuid.UUID(message.tenant_id)) as tx:
            target = await tx.session.get(NotificationTarget, uuid.UUID(address))
            if target is None or not target.enabled:
                raise SendFailed("refused: the webhook target is gone or disabled", retry=False)
            url, sealed = target.url, target.secret_sealed
        try:
            secret = self.runtime.sealer.open(sealed)
        except SecretUnreadable:
            raise SendFailed("refused: the target's signing secret no longer opens; set it again",
                             retry=False) from None
        if self.runtime.settings.is_production and not await public_address(url):
            raise SendFailed("refused: the URL resolves to a private or local address", retry=False)
        body = json.dumps({"type": "incident.paged", "page_id": message.id, "incident": message.incident,
                           "links": message.links}, separators=(",", ":")).encode()
        now = int(time.time())
        headers = {"X-Atlas-Event": "incident.paged", "X-Atlas-Signature": signature(secret, now, body),
                   **standard_headers(secret, message_id=message.id, timestamp=now, body=body)}
        return await _post(url, body, headers)


def channels(runtime: Runtime) -> dict[str, Channel]:
    """The channels of this process, by name (settings from atlas/settings.py)."""
    s = runtime.settings
    from domain.paging.sms import SmsChannel  # it imports this module's PageMessage

    email = EmailChannel(s.smtp_host, s.smtp_port, s.smtp_from, s.smtp_username, s.smtp_password, s.smtp_tls)
    sms = SmsChannel(s.twilio_account_sid, s.twilio_auth_token, s.twilio_from, s.twilio_api_base)
    voice = SmsChannel(s.twilio_account_sid, s.twilio_auth_token, s.twilio_from, s.twilio_api_base, voice=True)
    return {"email": email, "sms": sms, "voice": voice,
            "slack": SlackChannel(), "teams": TeamsChannel(), "webhook": WebhookChannel(runtime)}

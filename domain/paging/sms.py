"""SMS and voice pages through Twilio's official client, for tenants whose operators configure an account.

``api_base`` (``ATLAS_TWILIO_API_BASE``) sends the client's requests to another base URL (a regional
proxy, or a local fake that answers with Twilio's recorded responses in tests); unset, it talks to
https://api.twilio.com. Without an account the channel refuses (no retry) with a clear answer.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from domain.paging.channels import PageMessage, SendFailed

PHONE = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164
MAX_SMS = 320


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sending every request to ``base`` instead of Twilio's own host."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        return super().request(method, f"{self.base}{parts.path}", *args, **kwargs)


@dataclass
class SmsChannel:
    account_sid: str | None
    auth_token: str | None
    sender: str | None
    api_base: str | None = None
    voice: bool = False  # call and read the page out instead of texting it

    def _client(self) -> Client:
        http = RebasedHttpClient(self.api_base) if self.api_base else TwilioHttpClient(timeout=10)
        return Client(self.account_sid, self.auth_token, http_client=http)

    async def send(self, address: str, message: PageMessage) -> str:
        if not (self.account_sid and self.auth_token and self.sender):
            raise SendFailed("refused: no SMS provider is configured (ATLAS_TWILIO_*)", retry=False)
        client = self._client()
        if self.voice:
            twiml = f"<Response><Say>{escape(message.subject)}</Say><Say>{escape(message.text)}</Say></Response>"
            return await self._call(client.calls.create, to=address, from_=self.sender, twiml=twiml)
        body = f"{message.subject} Ack: {message.links.get('acknowledge', '')}"[:MAX_SMS]
        return await self._call(client.messages.create, to=address, from_=self.sender, body=body)

    @staticmethod
    async def _call(create, **arguments) -> str:
        try:
            sent = await asyncio.to_thread(create, **arguments)
        except TwilioRestException as refused:
            raise SendFailed(f"{refused.status} {refused.code}: {refused.msg}",
                             retry=refused.status >= 500 or refused.status == 429) from None
        except (TwilioException, OSError) as failed:
            raise SendFailed(f"{type(failed).__name__}: {failed}") from None
        return f"{sent.sid} {sent.status}"

"""GraphQL types of integrations and heartbeats."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import strawberry

from domain.integrations.models import Heartbeat as HeartbeatModel
from domain.integrations.models import Integration as IntegrationModel
from domain.integrations.models import IntegrationPayload as PayloadModel
from domain.integrations.queries import recent_payloads
from resolvers.loaders import loader

ENDPOINTS = {"pagerduty": "/api/integrations/pagerduty/enqueue", "alertmanager": "/api/integrations/alertmanager",
             "opsgenie": "/api/integrations/opsgenie/v2/alerts", "heartbeat": "/api/heartbeats/{name}/ping"}


@strawberry.type(description="A payload an integration received and what became of it.")
class IntegrationPayload:
    received_at: datetime
    action: str
    outcome: str = strawberry.field(description="`accepted` or `rejected`.")
    status_code: int
    detail: str
    body: str = strawberry.field(description="The payload as sent (JSON).")

    @classmethod
    def from_model(cls, row: PayloadModel) -> IntegrationPayload:
        return cls(received_at=row.received_at, action=row.action, outcome=row.outcome, status_code=row.status_code,
                   detail=row.detail, body=json.dumps(row.body, indent=2, sort_keys=True))


@strawberry.type(description="An inbound alert source: repoint a PagerDuty, Alertmanager or Opsgenie sender here.")
class Integration:
    id: strawberry.ID
    name: str
    kind: str
    service: str | None
    rule_id: strawberry.ID = strawberry.field(description="The alert rule its alerts go through.")
    endpoint: str = strawberry.field(description="The path to send to (on this server's public URL).")
    key_id: str = strawberry.field(description="Public part of the key; the secret was shown once.")
    created_by: str
    created_at: datetime
    last_received_at: datetime | None

    @strawberry.field(description="The newest payloads received (at most 10).")
    async def recent_payloads(self, info: strawberry.Info) -> list[IntegrationPayload]:
        rows = await loader(info, recent_payloads).load(uuid.UUID(self.id))
        return [IntegrationPayload.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: IntegrationModel) -> Integration:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, kind=row.kind, service=row.service,
                   rule_id=strawberry.ID(str(row.rule_id)), endpoint=ENDPOINTS[row.kind], key_id=f"aik_{row.id.hex}",
                   created_by=row.created_by, created_at=row.created_at, last_received_at=row.last_received_at)


@strawberry.type(description="A new integration with its key: store the key now, it is never shown again.")
class IntegrationCreated:
    integration: Integration
    key: str


@strawberry.type(description="A check that expects a ping every interval; a missed ping raises an incident.")
class Heartbeat:
    id: strawberry.ID
    name: str
    interval_seconds: int
    grace_seconds: int
    state: str = strawberry.field(description="`waiting` (never pinged), `up` or `down`.")
    last_ping_at: datetime | None
    ping_path: str
    integration_id: strawberry.ID

    @classmethod
    def from_model(cls, row: HeartbeatModel) -> Heartbeat:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, interval_seconds=row.interval_seconds,
                   grace_seconds=row.grace_seconds, state=row.state, last_ping_at=row.last_ping_at,
                   ping_path=f"/api/heartbeats/{row.name}/ping", integration_id=strawberry.ID(str(row.integration_id)))


@strawberry.type(description="A new heartbeat with its key: store the key now, it is never shown again.")
class HeartbeatCreated:
    heartbeat: Heartbeat
    key: str


@strawberry.type
class IntegrationDeleted:
    id: strawberry.ID


@strawberry.input
class CreateIntegrationInput:
    name: str
    kind: str = strawberry.field(description="`pagerduty`, `alertmanager` or `opsgenie`.")
    service: str | None = None
    severity: str = strawberry.field(default="SEV2", description="Used when the sender gives none.")


@strawberry.input
class CreateHeartbeatInput:
    name: str
    interval_seconds: int
    grace_seconds: int = 0
    service: str | None = None

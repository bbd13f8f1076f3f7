"""Helpers for the telemetry explorer's tests: store telemetry for a tenant, link events to incidents."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.telemetry.envelope import parse_envelope
from domain.telemetry.ingest import store_batch
from domain.telemetry.models import EventIncident
from tests.console.html import select, text


def ago(**delta: float) -> str:
    """An ISO time that long before now (UTC)."""
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def store(db, tenant, envelope: dict):
    """Store an ingest envelope for ``tenant`` as the ingest endpoint does; the StoredBatch."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        stored = await store_batch(tx, parse_envelope(envelope), now=datetime.now(UTC), retention_days=30)
    assert not stored.rejected, stored.rejected
    return stored


async def link_event(db, tenant, event_id: uuid.UUID, incident_id: str) -> None:
    """Record that an event raised an incident (what alert evaluation writes)."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.session.add(EventIncident(tenant_id=tenant.tenant_id, event_id=event_id,
                                     incident_id=uuid.UUID(incident_id), rule="test"))


def log_bodies(html: str) -> list[str]:
    """The bodies of the log lines on a page, top to bottom."""
    return [text(line.select_one("span.body > span.text")) for line in select(html, "li.log-line")]


def log_levels(html: str) -> list[str]:
    """The severity classes of the log lines on a page, top to bottom."""
    return [name.removeprefix("level-") for line in select(html, "li.log-line") for name in line["class"]
            if name.startswith("level-")]


def trace_id() -> str:
    """A fresh trace id."""
    return uuid.uuid4().hex

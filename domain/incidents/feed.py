"""The live feed of a tenant's incident changes, in commit order, shared by all local subscribers.

Per process and tenant one task follows the tenant's pub/sub channel, puts messages in
``stream_seq`` order (filling any gap, and recovering lost messages, from the timeline), loads each
changed incident once, and hands the same :class:`IncidentChangeEvent` to every subscriber, so
identical subscriptions share the work instead of repeating it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, select

from domain.incidents.models import Incident, TimelineEntry
from domain.incidents.queries import entries_between, incidents_by_ids, users_by_ids
from domain.incidents.timeline import channel_for
from domain.members.models import User

if TYPE_CHECKING:
    from domain.uow import UnitOfWork

log = logging.getLogger("atlas.incidents.feed")
SUBSCRIBER_QUEUE = 500
RECHECK_AFTER = 5.0


class Hub(Protocol):
    async def subscribe(self, channel: str): ...


@dataclass(frozen=True)
class IncidentChangeEvent:
    """One committed change: the timeline entry and the incident as it is after the change."""

    seq: int
    entry: TimelineEntry
    incident: Incident
    assignee: User | None = None


class SubscriberTooSlow(Exception):
    """A subscriber did not keep up with the feed and was disconnected."""


class _TenantFeed:
    """Follows one tenant's channel and fans ordered events out to local subscribers."""

    def __init__(self, hub: Hub, db: UnitOfWork, tenant_id: uuid.UUID) -> None:
        self.hub, self.db, self.tenant_id = hub, db, tenant_id
        self.subscribers: set[asyncio.Queue] = set()
        self.last_seq = 0
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name=f"incident-feed-{tenant_id}")

    async def _run(self) -> None:
        subscription = await self.hub.subscribe(channel_for(self.tenant_id))
        try:
            self.last_seq = await self._current_seq()
            self.ready.set()
            while True:
                message = await subscription.get(timeout=RECHECK_AFTER)
                # a quiet channel is re-checked against the timeline, so a lost message is recovered
                seq = int(message["seq"]) if message else await self._current_seq()
                await self._deliver_up_to(seq)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("incident feed of tenant %s stopped", self.tenant_id)
            self._fail_all(SubscriberTooSlow("the live feed stopped; reconnect"))
        finally:
            await subscription.close()

    async def _current_seq(self) -> int:
        async with self.db.transaction(tenant_id=self.tenant_id) as tx:
            return await tx.session.scalar(select(func.coalesce(func.max(TimelineEntry.stream_seq), 0)).where(
                TimelineEntry.tenant_id == self.tenant_id)) or 0

    async def _deliver_up_to(self, seq: int) -> None:
        if seq <= self.last_seq:
            return
        async with self.db.transaction(tenant_id=self.tenant_id) as tx:
            entries = await entries_between(tx, after_seq=self.last_seq, up_to_seq=seq)
            incidents = await incidents_by_ids(tx, list(dict.fromkeys(e.incident_id for e in entries)))
            by_id = {i.id: i for i in incidents if i is not None}
            assignee_ids = list({i.assignee_id for i in by_id.values() if i.assignee_id})
            people = {u.id: u for u in await users_by_ids(tx, assignee_ids) if u} if assignee_ids else {}
        for entry in entries:
            incident = by_id.get(entry.incident_id)
            if incident is not None:
                self._broadcast(IncidentChangeEvent(entry.stream_seq, entry, incident,
                                                    people.get(incident.assignee_id)))
            self.last_seq = entry.stream_seq

    def _broadcast(self, event: IncidentChangeEvent) -> None:
        for queue in list(self.subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self.subscribers.discard(queue)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(SubscriberTooSlow("too many undelivered incident changes"))

    def _fail_all(self, error: Exception) -> None:
        for queue in list(self.subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(error)


class IncidentFeed:
    """Entry point: ``async for event in feed.subscribe(tenant_id)``."""

    def __init__(self, hub: Hub, db: UnitOfWork) -> None:
        self.hub, self.db = hub, db
        self._tenants: dict[uuid.UUID, _TenantFeed] = {}

    async def subscribe(self, tenant_id: uuid.UUID) -> AsyncIterator[IncidentChangeEvent]:
        """Every change of the tenant's incidents committed from now on, in commit order."""
        feed = self._tenants.get(tenant_id)
        if feed is None or feed.task.done():
            feed = self._tenants[tenant_id] = _TenantFeed(self.hub, self.db, tenant_id)
        queue: asyncio.Queue = asyncio.Queue(SUBSCRIBER_QUEUE)
        feed.subscribers.add(queue)
        try:
            await feed.ready.wait()
            while True:
                item = await queue.get()
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            feed.subscribers.discard(queue)
            if not feed.subscribers:
                feed.task.cancel()
                self._tenants.pop(tenant_id, None)

    async def close(self) -> None:
        for feed in list(self._tenants.values()):
            feed.task.cancel()
        self._tenants.clear()

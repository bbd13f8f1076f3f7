"""Replaying telemetry through the real ingest and alerting path at a simulated time.

Telemetry is stored as the ingest endpoint stores it and handed to the ingest consumers as the
worker does (event rules run there), in small batches; the worker's once-a-minute alerting tick
(windowed rules, then quiet event alerts) runs on time between them. The domain clock is set to
each moment, so alerts, incidents and timelines carry the simulated times. The ground-truth tests,
the simulator's test and ``bench/noise.py`` drive the engine through this.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from atlas.db import Database
from domain import clock
from domain.alerting.evaluation import evaluate_ingested, resolve_quiet_alerts
from domain.alerting.windows import evaluate_windowed_rules
from domain.telemetry.envelope import KINDS, parse_envelope
from domain.telemetry.ingest import store_batch

TICK = timedelta(minutes=1)


@dataclass
class Replay:
    """Feeds envelopes second by second from ``start``; ticks fall ``tick_phase`` seconds past each minute."""

    db: Database
    tenant_id: uuid.UUID
    start: datetime
    tick_phase: float = 0.0
    batch_seconds: float = 10.0
    after_tick: Callable[[float], Awaitable[None]] | None = None  # e.g. a test checking invariants
    _buffer: dict[str, list] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    _buffered_since: float | None = None
    _buffered_until: float | None = None
    _next_tick: float = 0.0

    def __post_init__(self) -> None:
        self._next_tick = self.tick_phase

    def at(self, second: float) -> datetime:
        """The moment ``second`` seconds after the start."""
        return self.start + timedelta(seconds=second)

    async def feed(self, second: float, envelope: dict) -> None:
        """Telemetry of the moment ``second``: buffered, stored at the next batch boundary or tick."""
        await self.advance_to(second)
        for kind in KINDS:
            self._buffer[kind] += envelope.get(kind) or []
        self._buffered_since = second if self._buffered_since is None else self._buffered_since
        self._buffered_until = second

    async def advance_to(self, second: float) -> None:
        """Store what is due and run every tick up to ``second``."""
        while self._next_tick <= second:
            await self.flush()
            await self.tick(self._next_tick)
            self._next_tick += TICK.total_seconds()
        if self._buffered_since is not None and second - self._buffered_since >= self.batch_seconds:
            await self.flush()

    async def flush(self) -> None:
        """Store the buffered telemetry and deliver it to the consumers, at the time of its last item."""
        if self._buffered_until is None:
            return
        body, moment = self._buffer, self.at(self._buffered_until)
        self._buffer, self._buffered_since, self._buffered_until = {kind: [] for kind in KINDS}, None, None
        with clock.clock_at(moment):
            async with self.db.transaction(tenant_id=self.tenant_id) as tx:
                stored = await store_batch(tx, parse_envelope(body), now=datetime.now(UTC), retention_days=30)
            await evaluate_ingested(self.db, tenant_id=self.tenant_id, keys=stored.events)

    async def tick(self, second: float) -> None:
        """The worker's alerting tick at ``second``."""
        with clock.clock_at(self.at(second)):
            async with self.db.transaction(tenant_id=self.tenant_id) as tx:
                await evaluate_windowed_rules(tx)
            async with self.db.transaction(tenant_id=self.tenant_id) as tx:
                await resolve_quiet_alerts(tx)
        if self.after_tick is not None:
            await self.after_tick(second)

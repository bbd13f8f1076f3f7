"""Redis pub/sub: publish events after commit, and fan channel messages out inside one process.

Each process holds at most one Redis subscription per channel, however many local listeners
(GraphQL subscriptions, console live views) follow it; a change committed on any instance reaches
the listeners of every instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from domain.outages import OutageLog

log = logging.getLogger("atlas.pubsub")
LISTENER_QUEUE = 1000


class RedisEventSink:
    """Publishes the events of a committed transaction, in order, in one round trip."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def publish(self, events: list[tuple[str, dict]]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for channel, payload in events:
                pipe.publish(channel, json.dumps(payload, separators=(",", ":")))
            await pipe.execute()


class Overflow(Exception):
    """A listener fell too far behind and was dropped."""


class Subscription:
    """One local listener of a channel."""

    def __init__(self, hub: PubSubHub, channel: str, queue: asyncio.Queue) -> None:
        self.hub, self.channel, self.queue = hub, channel, queue

    async def get(self, timeout: float | None = None) -> dict | None:
        """The next message; None if ``timeout`` seconds pass first."""
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None
        if isinstance(item, Overflow):
            raise item
        return item

    async def close(self) -> None:
        await self.hub._remove(self.channel, self.queue)


class PubSubHub:
    """One Redis connection in subscribe mode per process, shared by every local listener."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._listeners: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._lock = asyncio.Lock()

    async def subscribe(self, channel: str) -> Subscription:
        """Start receiving ``channel``'s messages; they queue up until read. Close it when done."""
        queue: asyncio.Queue = asyncio.Queue(LISTENER_QUEUE)
        await self._add(channel, queue)
        return Subscription(self, channel, queue)

    async def listen(self, channel: str) -> AsyncIterator[dict]:
        """Yield the messages published on ``channel`` from now on."""
        subscription = await self.subscribe(channel)
        try:
            while True:
                yield await subscription.get()
        finally:
            await subscription.close()

    @property
    def channels(self) -> list[str]:
        """Channels this process is subscribed to (one Redis subscription each)."""
        return sorted(self._listeners)

    async def _add(self, channel: str, queue: asyncio.Queue) -> None:
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            if not self._listeners.get(channel):
                await self._pubsub.subscribe(channel)
            self._listeners[channel].add(queue)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(), name="atlas-pubsub-reader")

    async def _remove(self, channel: str, queue: asyncio.Queue) -> None:
        async with self._lock:
            listeners = self._listeners.get(channel)
            if listeners is None:
                return
            listeners.discard(queue)
            if not listeners:
                del self._listeners[channel]
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        outage = OutageLog(log, "pub/sub reads fail (listeners are kept; retrying every 0.5 s)")
        while self._listeners:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except Exception as exc:  # noqa: BLE001 - connection trouble: keep listeners, retry (it resubscribes)
                outage.failed(exc)
                await asyncio.sleep(0.5)
                continue
            outage.recovered()
            if message is not None and message.get("type") == "message":
                self._dispatch(_text(message["channel"]), message["data"])

    def _dispatch(self, channel: str, data: bytes | str) -> None:
        try:
            payload = json.loads(data)
        except ValueError:
            log.warning("dropping a non-JSON message on %s", channel)
            return
        for queue in list(self._listeners.get(channel, ())):
            try:
                queue.put_nowait(payload)
            except asyncio.QueueFull:
                _drain_and_fail(queue)

    async def close(self) -> None:
        self._listeners.clear()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _drain_and_fail(queue: asyncio.Queue) -> None:
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(Overflow(f"listener fell behind by more than {LISTENER_QUEUE} messages"))

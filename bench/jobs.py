"""Job pickup latency and throughput of our arq worker against a raw Redis ``BLMOVE`` loop.

Ours: the worker `atlas worker` runs (AtlasWorker, our ``job`` wrapper, observed like every job (duration
metric, span, log context), outbox settlement on return, ``poll_delay`` 10 ms) running a no-op job, enqueued
by the same kind of client (``AtlasRedis``) the outbox relay uses. Peer: the simplest reliable Redis queue a
user could write instead, one consumer doing ``BLMOVE queue processing`` then ``LREM processing`` (ack) per
item, ``max_jobs`` of them concurrently. Both run in this process against the same Redis.

- throughput: enqueue ``BATCH`` no-op jobs while the consumer runs; jobs per second until the last ran.
- pickup: enqueue one job at a time and time enqueue -> the job function starting (p50/p99, ms).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

from harness import alternate, live_servers, median, report
from redis.asyncio import Redis

from atlas.worker import create_worker
from workers.resilience import job

BATCH = 2000
PICKUPS = 300
ROUNDS = 5
CONSUMERS = 10
_started: dict[str, float] = {}
_done = asyncio.Event()
_expected = {"n": 0, "seen": 0}


async def noop(ctx: dict, *, tag: str) -> None:
    """The no-op job: note when it started."""
    _started[tag] = time.perf_counter()
    _expected["seen"] += 1
    if _expected["seen"] >= _expected["n"]:
        _done.set()


def _arm(n: int) -> None:
    _expected.update(n=n, seen=0)
    _done.clear()


async def ours_throughput(pool) -> float:
    _arm(BATCH)
    started = time.perf_counter()
    for index in range(BATCH):
        await pool.enqueue_job("noop", tag=f"t{index}")
    await asyncio.wait_for(_done.wait(), 120)
    return BATCH / (time.perf_counter() - started)


class RawQueue:
    """The peer: LPUSH to enqueue; CONSUMERS loops of BLMOVE + LREM (ack) per item."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.tasks = [asyncio.create_task(self._consume()) for _ in range(CONSUMERS)]

    async def _consume(self) -> None:
        while True:
            item = await self.redis.blmove("raw:queue", "raw:processing", 1.0, "RIGHT", "LEFT")
            if item is None:
                continue
            await noop({}, tag=item.decode())
            await self.redis.lrem("raw:processing", 1, item)

    async def throughput(self) -> float:
        _arm(BATCH)
        started = time.perf_counter()
        for index in range(BATCH):
            await self.redis.lpush("raw:queue", f"r{index}")
        await asyncio.wait_for(_done.wait(), 120)
        return BATCH / (time.perf_counter() - started)


async def pickups(enqueue) -> list[float]:
    """Milliseconds from enqueue to start, one job at a time."""
    latencies = []
    for index in range(PICKUPS):
        tag = f"p{uuid.uuid4().hex}"
        _arm(1)
        started = time.perf_counter()
        await enqueue(tag)
        await asyncio.wait_for(_done.wait(), 10)
        latencies.append((_started.pop(tag) - started) * 1000)
        await asyncio.sleep(0.003 * (index % 7))  # land at different points of the poll cycle
    return latencies


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def main(settings) -> None:
    worker = create_worker(settings, functions=[job(noop, timeout=5)], cron_jobs=[], handle_signals=False,
                           max_jobs=CONSUMERS)
    running = asyncio.create_task(worker.async_run())
    redis = Redis.from_url(settings.redis_url)
    raw = RawQueue(redis)
    try:
        while worker.ctx.get("runtime") is None:
            await asyncio.sleep(0.05)
        pool = worker.pool
        ours, peer = await alternate(lambda: ours_throughput(pool), raw.throughput, rounds=ROUNDS, warmup=1)
        ours_pick = await pickups(lambda tag: pool.enqueue_job("noop", tag=tag))
        peer_pick = await pickups(lambda tag: redis.lpush("raw:queue", tag))
    finally:
        for task in (*raw.tasks, running):
            task.cancel()
        await asyncio.gather(*raw.tasks, running, return_exceptions=True)
        await worker.close()
        await redis.aclose()
    print(f"ours {[round(x) for x in ours]} jobs/s, peer {[round(x) for x in peer]} jobs/s")
    print(f"pickup ours p50 {statistics.median(ours_pick):.2f} ms p99 {p99(ours_pick):.2f} ms; "
          f"peer p50 {statistics.median(peer_pick):.2f} ms p99 {p99(peer_pick):.2f} ms")
    report(bench="jobs", metric="no-op job throughput", unit="jobs/s", ours=median(ours), peer=median(peer),
           peer_is=f"raw Redis BLMOVE+LREM loop, {CONSUMERS} consumers", better="higher",
           p50_ms=round(statistics.median(ours_pick), 2), p99_ms=round(p99(ours_pick), 2),
           peer_p99_ms=round(p99(peer_pick), 2))


if __name__ == "__main__":
    with live_servers() as live:
        asyncio.run(main(live))

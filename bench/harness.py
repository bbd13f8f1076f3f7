"""Shared benchmark plumbing: real servers in a scratch data dir, alternating timed runs, the JSON line.

Every benchmark measures our figure and a peer's in the same run, on the same data, alternating
after a warm-up, reports medians, and prints one JSON object as its last line (DESIGN.md section 9).
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from atlas.migrate import run_migrations  # noqa: E402
from atlas.services import provide_services  # noqa: E402
from atlas.settings import Settings, load_settings  # noqa: E402


@contextlib.contextmanager
def live_servers() -> Iterator[Settings]:
    """Migrated PostgreSQL and Redis: external ones if configured, else embedded in a scratch dir."""
    with tempfile.TemporaryDirectory(prefix="atlas-bench-", dir="/tmp") as scratch:
        settings = replace(load_settings(), data_dir=Path(scratch), env="production")
        with provide_services(settings) as live:
            run_migrations(live)
            yield live


async def alternate(ours: Callable[[], Awaitable[float | None]], peer: Callable[[], Awaitable[float | None]],
                    *, rounds: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    """Run both ``rounds`` times, alternating; each returns its own measurement or None (wall time)."""

    async def timed(run) -> float:
        started = time.perf_counter()
        measured = await run()
        return measured if measured is not None else time.perf_counter() - started

    for _ in range(warmup):
        await ours()
        await peer()
    ours_times, peer_times = [], []
    for index in range(rounds):
        pair = (ours, peer) if index % 2 == 0 else (peer, ours)
        first, second = await timed(pair[0]), await timed(pair[1])
        (ours_times, peer_times)[0 if pair[0] is ours else 1].append(first)
        (ours_times, peer_times)[1 if pair[0] is ours else 0].append(second)
    return ours_times, peer_times


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(*, bench: str, metric: str, unit: str, ours: float, peer: float, peer_is: str, better: str,
           **extra) -> None:
    """Print the result line (the last line of output)."""
    print(json.dumps({"bench": bench, "metric": metric, "unit": unit, "ours": round(ours, 4),
                      "peer": round(peer, 4), "peer_is": peer_is, "ratio": round(ours / peer, 4),
                      "better": better, **extra}))

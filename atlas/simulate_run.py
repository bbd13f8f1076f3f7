"""Sending simulated telemetry to a running AtlasAI, with a live progress line."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.live import Live

from atlas.simulate import Simulator, utcnow

KEY_FILE = "simulate-key.txt"


@dataclass
class Totals:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    throttled: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self, elapsed: float) -> str:
        rate = self.sent / elapsed if elapsed else 0.0
        problem = f"  last error: {self.failures[-1]}" if self.failures else ""
        return (f"[bold]{self.sent}[/] items sent ({rate:.0f}/s): {self.accepted} accepted, {self.rejected} rejected, "
                f"{self.throttled} throttled{problem}")


def remembered_key(data_dir: Path) -> str | None:
    try:
        return (data_dir / KEY_FILE).read_text().strip() or None
    except OSError:
        return None


def remember_key(data_dir: Path, key: str) -> None:
    fd = os.open(data_dir / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")


async def _send(http: httpx.AsyncClient, key: str, envelope: dict, totals: Totals) -> None:
    items = sum(len(envelope[kind]) for kind in ("events", "logs", "metrics", "spans"))
    response = await http.post("/api/ingest/events", json=envelope, headers={"X-Api-Key": key})
    totals.sent += items
    if response.status_code == 202:
        body = response.json()
        totals.accepted += sum(body["accepted"].values())
        totals.rejected += len(body["rejected"])
    elif response.status_code == 429:
        totals.throttled += items
        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
    else:
        totals.failures.append(f"HTTP {response.status_code}: {response.text[:120]}")
        if response.status_code in (401, 403):
            raise PermissionError(response.json().get("error", "refused"))


PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when the output is a file or a pipe


class _Progress:
    """A live line on a terminal; elsewhere (a file, a pipe, a log) a plain line every few seconds."""

    def __init__(self, console: Console) -> None:
        self.console, self.live, self.printed_at = console, None, time.monotonic()

    def __enter__(self) -> _Progress:
        if self.console.is_terminal:
            self.live = Live(console=self.console, refresh_per_second=4).__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def update(self, line) -> None:
        if self.live is not None:
            self.live.update(line)
        elif time.monotonic() - self.printed_at >= PLAIN_PROGRESS_EVERY:
            self.printed_at = time.monotonic()
            self.console.print(line)


async def run(url: str, key: str, *, rate: int, duration: float, seed: int | None, console: Console) -> Totals:
    """Send one envelope per second until ``duration`` seconds pass (0: until interrupted)."""
    simulator, totals, started = Simulator(rate=rate, seed=seed), Totals(), time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        with _Progress(console) as live:
            while duration <= 0 or time.monotonic() - started < duration:
                tick = time.monotonic()
                envelope = simulator.second(utcnow(), tick - started)
                try:
                    await _send(http, key, envelope, totals)
                except httpx.HTTPError as exc:
                    totals.failures.append(f"{type(exc).__name__}: {exc}")
                live.update(totals.line(time.monotonic() - started))
                await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    return totals

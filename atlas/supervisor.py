"""`atlas up`'s process manager: whatever stops is started again, with backoff; crash loops are reported.

The supervised parts are the web and worker processes and the embedded Valkey and PostgreSQL.
A part that exits is restarted after a delay that doubles from ``FIRST_DELAY`` up to
``LONGEST_DELAY`` and falls back to the first once the part has run ``HEALTHY_AFTER`` seconds.
``CRASH_LOOP_EXITS`` exits within ``CRASH_LOOP_WINDOW`` seconds are reported as a crash loop (once
per loop, with the last exit); restarts go on. Only Ctrl-C or a signal stops everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_DELAY = 0.5
LONGEST_DELAY = 30.0
HEALTHY_AFTER = 60.0
CRASH_LOOP_EXITS = 5
CRASH_LOOP_WINDOW = 120.0


@dataclass
class Part:
    """Something to keep running: how to tell it runs, start it, and say why it stopped."""

    name: str
    alive: Callable[[], bool]
    start: Callable[[], None]
    exit_detail: Callable[[], str]


def exit_detail(returncode: int | None) -> str:
    """'exit code 1', 'killed by SIGKILL', or 'stopped'."""
    if returncode is None:
        return "stopped"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class ChildProcess:
    """``atlas <args>`` run as a child process with this interpreter."""

    def __init__(self, name: str, *args: str) -> None:
        self.name, self.args = name, args
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "atlas", *self.args],
                                        env={**os.environ, "ATLAS_SUPERVISED": "1"})

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_detail(self) -> str:
        return exit_detail(self.process.poll() if self.process is not None else None)

    def interrupt(self) -> None:
        """Ask it to stop, as Ctrl-C would (SIGINT)."""
        if self.alive():
            self.process.send_signal(signal.SIGINT)

    def reap(self, timeout: float = 15.0) -> None:
        """Wait for it to exit; kill it after ``timeout`` seconds."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def as_part(self) -> Part:
        return Part(self.name, self.alive, self.start, self.exit_detail)


@dataclass
class _Watch:
    part: Part
    delay: float = FIRST_DELAY
    started_at: float = 0.0
    restart_at: float | None = None
    exits: deque = field(default_factory=deque)
    looping: bool = False


class Supervisor:
    """Checks its parts when asked (``check``) and restarts those that stopped."""

    def __init__(self, parts: list[Part], *, say: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.say, self.clock = say, clock
        self.watches = [_Watch(part, started_at=clock()) for part in parts]

    def check(self) -> None:
        """One look at every part: note exits, start what is due, reset the backoff of healthy parts."""
        now = self.clock()
        for watch in self.watches:
            if watch.restart_at is None:
                self._look(watch, now)
            elif now >= watch.restart_at:
                self._restart(watch, now)

    def _look(self, watch: _Watch, now: float) -> None:
        if watch.part.alive():
            if now - watch.started_at >= HEALTHY_AFTER:
                watch.delay, watch.looping = FIRST_DELAY, False
            return
        watch.exits.append(now)
        while watch.exits and watch.exits[0] < now - CRASH_LOOP_WINDOW:
            watch.exits.popleft()
        detail = watch.part.exit_detail()
        if len(watch.exits) >= CRASH_LOOP_EXITS and not watch.looping:
            watch.looping = True
            self.say(f"[red]{watch.part.name} is crash-looping: {len(watch.exits)} exits in the last "
                     f"{CRASH_LOOP_WINDOW / 60:.0f} minutes (last: {detail}). Still restarting it, at most every "
                     f"{LONGEST_DELAY:.0f} s; see its messages above, or press Ctrl-C to stop.[/]")
        elif not watch.looping:
            self.say(f"[yellow]{watch.part.name} stopped ({detail}); restarting it in {watch.delay:.1f} s[/]")
        self._schedule(watch, now)

    def _restart(self, watch: _Watch, now: float) -> None:
        try:
            watch.part.start()
        except Exception as exc:  # noqa: BLE001 - any failure to start is reported and retried
            self.say(f"[red]{watch.part.name} could not be started: {exc}; trying again in {watch.delay:.1f} s[/]")
            self._schedule(watch, now)
            return
        watch.started_at, watch.restart_at = now, None
        if not watch.looping:
            self.say(f"[green]{watch.part.name} restarted[/]")

    @staticmethod
    def _schedule(watch: _Watch, now: float) -> None:
        watch.restart_at = now + watch.delay
        watch.delay = min(watch.delay * 2, LONGEST_DELAY)

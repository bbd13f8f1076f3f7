"""The domain's clock: real time, unless a caller (demo seeding, tests) sets it for a block."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

_fixed: ContextVar[datetime | None] = ContextVar("atlas_clock", default=None)


def now() -> datetime:
    """The current time (timezone-aware, UTC)."""
    return _fixed.get() or datetime.now(UTC)


@contextlib.contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Make :func:`now` return ``moment`` inside the block."""
    token = _fixed.set(moment)
    try:
        yield
    finally:
        _fixed.reset(token)

"""Anomaly onset on one metric series: a robust baseline (median, MAD) and a sustained rise above it.

Every metric the pipeline watches is "higher is worse" (CPU, memory, latency, error rate), so only
rises count. A rise must last ``persist`` points to be an onset: one-point spikes are noise.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

THRESHOLD = 4.0   # robust z-score a point must exceed
PERSIST = 3       # consecutive points above it that make an onset


@dataclass(frozen=True)
class Anomaly:
    """A sustained rise: when it began, how strong it is (median robust z after onset) and its peak."""

    onset: float
    strength: float
    peak: float
    baseline: float
    level: float  # median value after onset


def robust_z(value: float, median: float, mad: float) -> float:
    """How many robust standard deviations ``value`` lies above ``median``."""
    scale = 1.4826 * mad + 0.01 * abs(median) + 1e-9
    return (value - median) / scale


def detect(points: list[tuple[float, float]], *, baseline_until: float) -> Anomaly | None:
    """The first sustained rise after ``baseline_until`` in time-ordered ``(t, value)`` points, or None."""
    base = [v for t, v in points if t <= baseline_until]
    after = [(t, v) for t, v in points if t > baseline_until]
    if len(base) < 5 or len(after) < PERSIST:
        return None
    median = statistics.median(base)
    mad = statistics.median(abs(v - median) for v in base)
    scores = [robust_z(v, median, mad) for _, v in after]
    for i in range(len(after) - PERSIST + 1):
        if all(s > THRESHOLD for s in scores[i:i + PERSIST]):
            tail = scores[i:]
            return Anomaly(onset=after[i][0], strength=statistics.median(tail), peak=max(tail), baseline=median,
                           level=statistics.median(v for _, v in after[i:]))
    return None

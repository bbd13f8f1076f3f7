"""A trace as a tree: its spans depth-first from their roots, each with its depth and start offset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PlacedSpan:
    """One span's stored row, where it sits in the tree and when it started after the trace did."""

    row: Mapping[str, Any]
    depth: int
    offset_ms: float


@dataclass(frozen=True)
class SpanTree:
    """The spans of one trace in reading order (parents before children, siblings by start)."""

    trace_id: str
    start_time: datetime
    duration_ms: float
    spans: list[PlacedSpan]


def span_tree(trace_id: str, rows: Sequence[Mapping[str, Any]]) -> SpanTree | None:
    """Order span rows depth-first from their roots (a span whose parent is missing is a root)."""
    if not rows:
        return None
    ids = {row["span_id"] for row in rows}
    children: dict[str | None, list] = {}
    for row in sorted(rows, key=lambda r: r["start_time"], reverse=True):  # reversed: popped in start order
        children.setdefault(row["parent_span_id"] if row["parent_span_id"] in ids else None, []).append(row)
    start = min(row["start_time"] for row in rows)
    end = max(row["end_time"] for row in rows)
    placed, stack = [], [(row, 0) for row in children.get(None, [])]
    while stack:  # iterative: a trace thousands of spans deep must not exhaust the recursion limit
        row, depth = stack.pop()
        placed.append(PlacedSpan(row, depth, (row["start_time"] - start).total_seconds() * 1000))
        stack.extend((child, depth + 1) for child in children.get(row["span_id"], []))
    return SpanTree(trace_id, start, (end - start).total_seconds() * 1000, placed)

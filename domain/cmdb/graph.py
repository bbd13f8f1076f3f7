"""A per-process copy of each tenant's relationship graph, so graph walks run in memory.

PostgreSQL stays the source of truth. Every walk first reads the tenant's graph version (one row
that a trigger bumps when a transaction that changed relationships commits, on whatever instance
it ran) and uses this process's copy only while that version is current. Otherwise the copy is
rebuilt from one statement that reads the version and every edge in the same snapshot. Copies are
keyed by tenant and built inside the tenant's own transaction (row-level security applies), so
one tenant's copy can never answer for another. A transaction that has changed relationships
itself (not yet visible to anyone else) walks in PostgreSQL instead and never stores a copy.

The copy holds edges only: the CIs a walk reaches are read from PostgreSQL by the caller, and a CI
without relationships is simply absent (it reaches nothing).
"""

from __future__ import annotations

import struct
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

from domain.cmdb import topology
from domain.cmdb.topology import ALL_TYPES, MODES, Reached, check_depth
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_CACHED_EDGES = 1_000_000  # across tenants, least recently used first out (~100 bytes per edge per mode)
_CODES = {key: code for code, key in enumerate(ALL_TYPES)}
_EDGE = struct.Struct(">iih")  # source index, target index, type code

VERSION_SQL = ("SELECT coalesce((SELECT version FROM cmdb_graph_versions WHERE tenant_id = $1), 0), "
               "current_setting('atlas.cmdb_graph_dirty', true) = 'on'")

SNAPSHOT_SQL = """
WITH edges AS MATERIALIZED (
    SELECT source_id, target_id, array_position($2::text[], type::text) - 1 AS code
    FROM ci_relationships WHERE tenant_id = $1
), ends AS MATERIALIZED (
    SELECT id, (row_number() OVER () - 1)::int AS k
    FROM (SELECT source_id AS id FROM edges UNION SELECT target_id FROM edges) AS u
)
SELECT version, ARRAY(SELECT id FROM ends ORDER BY k) AS ids,
       (SELECT string_agg(int4send(s.k) || int4send(t.k) || int2send(e.code::int2), ''::bytea)
          FROM edges e JOIN ends s ON s.id = e.source_id JOIN ends t ON t.id = e.target_id) AS packed
FROM (SELECT coalesce((SELECT version FROM cmdb_graph_versions WHERE tenant_id = $1), 0) AS version,
             (SELECT count(*) FROM edges) AS size) AS graph
WHERE size <= $3
"""


class Snapshot:
    """One tenant's edges at one graph version, with an adjacency list per walk mode built on first use."""

    def __init__(self, version: int, ids: list[uuid.UUID], packed: bytes) -> None:
        self.version = version
        self.ids = ids
        self.index = {ci_id: k for k, ci_id in enumerate(ids)}
        self.packed = packed
        self.edges = len(packed) // _EDGE.size
        self._adjacency: dict[str, list[tuple[int, ...]]] = {}

    def adjacency(self, mode: str) -> list[tuple[int, ...]]:
        """Per CI index, the steps a walk in ``mode`` takes: ``neighbour << 4 | type << 1 | forward``."""
        built = self._adjacency.get(mode)
        if built is None:
            backwards, forwards = ({_CODES[t] for t in types} for types in MODES[mode])
            steps: list[list[int]] = [[] for _ in self.ids]
            for source, target, code in _EDGE.iter_unpack(self.packed):
                if code in forwards:
                    steps[source].append(target << 4 | code << 1 | 1)
                if code in backwards:
                    steps[target].append(source << 4 | code << 1)
            built = self._adjacency[mode] = [tuple(s) for s in steps]
        return built

    def walk(self, seeds: list[uuid.UUID], mode: str, depth: int) -> dict[uuid.UUID, Reached]:
        """Breadth first from the seeds: each CI once, at its least depth, with the step that reached it."""
        adjacency, ids = self.adjacency(mode), self.ids
        frontier = [self.index[ci_id] for ci_id in seeds if ci_id in self.index]
        seen, found = set(frontier), []
        for level in range(1, depth + 1):
            following = []
            for here in frontier:
                for step in adjacency[here]:
                    there = step >> 4
                    if there not in seen:
                        seen.add(there)
                        following.append(there)
                        found.append((there, here, step, level))
            frontier = following
        reached = {ci_id: Reached(ci_id, None, None, None, 0) for ci_id in seeds}
        for there, here, step, level in found:
            reached[ids[there]] = Reached(ids[there], ids[here], ALL_TYPES[step >> 1 & 7], bool(step & 1), level)
        return reached


_snapshots: OrderedDict[uuid.UUID, Snapshot] = OrderedDict()
_too_large: dict[uuid.UUID, int] = {}  # tenant -> the version at which its graph was over the budget


async def walk(tx: Transaction, *, seeds: list[uuid.UUID], mode: str, depth: int) -> dict[uuid.UUID, Reached]:
    """``topology.walk``'s answer, from this process's copy of the tenant's graph when it is current."""
    check_depth(depth)
    snapshot = await current_snapshot(tx)
    if snapshot is None:
        return await topology.walk(tx, seeds=seeds, mode=mode, depth=depth)
    return snapshot.walk(list(seeds), mode, depth)


async def current_snapshot(tx: Transaction) -> Snapshot | None:
    """The tenant's graph at its committed version (None inside a transaction that changed relationships)."""
    [(version, dirty)] = await fetch_sql(tx.session, VERSION_SQL, tx.tenant_id)
    if dirty:
        return None
    cached = _snapshots.get(tx.tenant_id)
    if cached is not None and cached.version == version:
        _snapshots.move_to_end(tx.tenant_id)
        return cached
    if _too_large.get(tx.tenant_id) == version:
        return None
    rows = await fetch_sql(tx.session, SNAPSHOT_SQL, tx.tenant_id, list(ALL_TYPES), MAX_CACHED_EDGES)
    if not rows:  # more edges than the whole budget: this tenant walks in PostgreSQL
        _too_large[tx.tenant_id] = version
        return None
    snapshot = Snapshot(rows[0]["version"], rows[0]["ids"], rows[0]["packed"] or b"")
    _remember(tx.tenant_id, snapshot)
    return snapshot


def _remember(tenant_id: uuid.UUID, snapshot: Snapshot) -> None:
    """Keep the snapshot (unless an even newer one is kept), within the edge budget."""
    kept = _snapshots.get(tenant_id)
    if kept is not None and kept.version > snapshot.version:
        return
    _snapshots[tenant_id] = snapshot
    _snapshots.move_to_end(tenant_id)
    while sum(s.edges for s in _snapshots.values()) > MAX_CACHED_EDGES and _snapshots:
        _snapshots.popitem(last=False)


def forget_all() -> None:
    """Drop every copy (tests, and a process that wants its memory back)."""
    _snapshots.clear()
    _too_large.clear()

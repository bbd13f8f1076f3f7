"""Graph walks over CI relationships, in PostgreSQL: neighbourhoods, impact and dependencies.

One recursive CTE walks from seed CIs; each row is (ci, reached from, relationship, direction,
depth). ``UNION`` keeps each row once and the depth bound stops cycles, so a walk does at most
(relationships x depth) steps however tangled the graph. The shortest way to each CI is then read
back through the ``via`` pointers: that is the path that explains why it is there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from domain.cmdb.catalog import IMPACT_DOWN, IMPACT_UP, RELATIONSHIP_TYPES
from domain.cmdb.queries import load_cis
from domain.errors import NotFound, ValidationFailed
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_DEPTH = 10
MAX_ROWS = 200_000
ALL_TYPES = tuple(RELATIONSHIP_TYPES)
# Which edges a walk follows: (types followed from target to source, types followed from source to target).
MODES = {
    "impact": (IMPACT_UP, IMPACT_DOWN),          # who is hurt when the seeds fail
    "dependencies": (IMPACT_DOWN, IMPACT_UP),    # what the seeds need in order to work
    "downstream": ((), ALL_TYPES),               # along relationship direction
    "upstream": (ALL_TYPES, ()),                 # against relationship direction
    "both": (ALL_TYPES, ALL_TYPES),
}

WALK_SQL = """
WITH RECURSIVE walk(ci, via, rel, forward, depth) AS (
    SELECT s, NULL::uuid, NULL::text, NULL::boolean, 0 FROM unnest($2::uuid[]) AS s
  UNION
    SELECT n.ci, w.ci, n.rel, n.forward, w.depth + 1
    FROM walk w CROSS JOIN LATERAL (
        SELECT r.source_id, r.type, false FROM ci_relationships r
         WHERE r.tenant_id = $1 AND r.target_id = w.ci AND r.type = ANY($3::text[])
      UNION ALL
        SELECT r.target_id, r.type, true FROM ci_relationships r
         WHERE r.tenant_id = $1 AND r.source_id = w.ci AND r.type = ANY($4::text[])
    ) AS n(ci, rel, forward)
    WHERE w.depth < $5
)
SELECT ci, via, rel, forward, depth FROM walk LIMIT $6
"""


class Reached(NamedTuple):
    """How a walk first reached a CI: from ``via`` over ``relation`` (``forward``: along its direction)."""

    ci_id: uuid.UUID
    via: uuid.UUID | None
    relation: str | None
    forward: bool | None
    depth: int


def check_depth(depth: int, *, field: str = "depth") -> int:
    if not 1 <= depth <= MAX_DEPTH:
        raise ValidationFailed(f"Depth must be between 1 and {MAX_DEPTH}.", field=field)
    return depth


async def walk(tx: Transaction, *, seeds: list[uuid.UUID], mode: str, depth: int) -> dict[uuid.UUID, Reached]:
    """Every CI within ``depth`` steps of the seeds in ``mode``, each with its shortest way there."""
    backwards, forwards = MODES[mode]
    rows = await fetch_sql(tx.session, WALK_SQL, tx.tenant_id, list(seeds), list(backwards), list(forwards),
                           check_depth(depth), MAX_ROWS)
    best: dict[uuid.UUID, Reached] = {}
    for ci, via, rel, forward, level in rows:
        known = best.get(ci)
        if known is None or level < known.depth:
            best[ci] = Reached(ci, via, rel, forward, level)
    return best


def path_to(reached: dict[uuid.UUID, Reached], ci_id: uuid.UUID) -> list[Reached]:
    """The steps from a seed to ``ci_id`` (seed first)."""
    steps, current = [], reached.get(ci_id)
    while current is not None:
        steps.append(current)
        current = reached.get(current.via) if current.via is not None else None
        if len(steps) > MAX_DEPTH + 1:
            break
    return steps[::-1]


def statement(step: Reached, names: dict[uuid.UUID, str]) -> str | None:
    """The relationship that led to ``step``, as a sentence in its own direction ("checkout depends on db")."""
    if step.via is None:
        return None
    label = RELATIONSHIP_TYPES[step.relation].label
    here, there = names[step.ci_id], names[step.via]
    return f"{there} {label} {here}" if step.forward else f"{here} {label} {there}"


async def edges_among(tx: Transaction, ids: list[uuid.UUID]) -> list:
    """The relationships whose two ends are both in ``ids``."""
    return await fetch_sql(tx.session, (
        "SELECT id, type, source_id, target_id, origin FROM ci_relationships "
        "WHERE tenant_id = $1 AND source_id = ANY($2::uuid[]) AND target_id = ANY($2::uuid[]) "
        "ORDER BY type, source_id, target_id"), tx.tenant_id, ids)


@dataclass
class Neighbourhood:
    center: Any
    nodes: list[tuple[Any, int, str]]  # (CI row, depth, side)
    edges: list
    truncated: bool


async def neighbourhood(tx: Transaction, *, ci_id: uuid.UUID, depth: int, direction: str,
                        max_nodes: int = 150) -> Neighbourhood:
    """The CIs within ``depth`` of a CI (nearest first, at most ``max_nodes``) and the edges among them."""
    if direction not in ("upstream", "downstream", "both"):
        raise ValidationFailed("Direction must be upstream, downstream or both.", field="direction")
    center = (await load_cis(tx, [ci_id])).get(ci_id)
    if center is None:
        raise NotFound("No such configuration item.", field="ciId")
    reached = sorted((await walk(tx, seeds=[ci_id], mode=direction, depth=depth)).values(),
                     key=lambda r: (r.depth, str(r.ci_id)))
    kept = reached[:max_nodes]
    rows = await load_cis(tx, [r.ci_id for r in kept])
    by_id = {r.ci_id: r for r in reached}
    return Neighbourhood(center=center, nodes=[(rows[r.ci_id], r.depth, side(by_id, r.ci_id)) for r in kept],
                         edges=await edges_among(tx, [r.ci_id for r in kept]), truncated=len(reached) > max_nodes)


def side(reached: dict[uuid.UUID, Reached], ci_id: uuid.UUID) -> str:
    """``center``, or the direction of the first step from the centre towards the CI."""
    path = path_to(reached, ci_id)
    if len(path) < 2:
        return "center"
    return "downstream" if path[1].forward else "upstream"

"""The CMDB's answer to the correlation engine: what these services depend on, and what depends on them.

Only dependency direction counts (the walks ``dependencies`` and ``impact`` of domain/cmdb/topology.py):
two services that a third depends on are not related through it. Each answer carries the path as
sentences read from the dependent to what it depends on ("web depends on checkout; checkout depends
on payments"), the direction a failure travels back up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.cmdb.impact import cis_named
from domain.cmdb.queries import load_cis
from domain.cmdb.topology import Reached, path_to, statement, walk

if TYPE_CHECKING:
    import uuid

    from domain.uow import Transaction


@dataclass(frozen=True)
class Neighbour:
    """A CI reached from the seeds: how many hops away, and the path from the dependent to the dependency."""

    name: str
    depth: int
    path: str


@dataclass
class DependencyView:
    """Around some services: the CIs they depend on (their possible causes) and those depending on them
    (their possible effects), by lower-case CI name."""

    causes: dict[str, Neighbour] = field(default_factory=dict)
    effects: dict[str, Neighbour] = field(default_factory=dict)


def _neighbours(reached: dict[uuid.UUID, Reached], names: dict[uuid.UUID, str], *,
                reverse: bool) -> dict[str, Neighbour]:
    found: dict[str, Neighbour] = {}
    for step in sorted(reached.values(), key=lambda r: (r.depth, str(r.ci_id))):
        name = names.get(step.ci_id)
        if step.depth == 0 or name is None or name.lower() in found:
            continue
        sentences = [s for s in (statement(p, names) for p in path_to(reached, step.ci_id)) if s]
        found[name.lower()] = Neighbour(name, step.depth, "; ".join(reversed(sentences) if reverse else sentences))
    return found


async def dependency_view(tx: Transaction, services: list[str], hops: int) -> DependencyView:
    """What the CIs named like ``services`` depend on, and what depends on them, within ``hops``."""
    seeds = await cis_named(tx, services)
    if not seeds:
        return DependencyView()
    needs = await walk(tx, seeds=seeds, mode="dependencies", depth=hops)
    hurts = await walk(tx, seeds=seeds, mode="impact", depth=hops)
    names = {ci_id: row["name"] for ci_id, row in (await load_cis(tx, list({*needs, *hurts}))).items()}
    return DependencyView(causes=_neighbours(needs, names, reverse=False),
                          effects=_neighbours(hurts, names, reverse=True))

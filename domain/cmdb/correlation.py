"""The CMDB's answer to the correlation engine: which services are near these ones in the topology."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.cmdb.impact import cis_named
from domain.cmdb.queries import load_cis
from domain.cmdb.topology import path_to, statement, walk

if TYPE_CHECKING:
    from atlas.db import Transaction


async def related_services(tx: Transaction, services: list[str], hops: int) -> dict[str, str]:
    """CIs within ``hops`` of the CIs named like ``services`` (either direction): name -> why."""
    seeds = await cis_named(tx, services)
    if not seeds:
        return {}
    reached = await walk(tx, seeds=seeds, mode="both", depth=hops)
    names = {ci_id: row["name"] for ci_id, row in (await load_cis(tx, list(reached))).items()}
    related: dict[str, str] = {}
    for step in sorted(reached.values(), key=lambda r: (r.depth, str(r.ci_id))):
        name = names[step.ci_id]
        if step.depth == 0 or name in services or name in related:
            continue
        related[name] = "; ".join(s for s in (statement(p, names) for p in path_to(reached, step.ci_id)) if s)
    return related

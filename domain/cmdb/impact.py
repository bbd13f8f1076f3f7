"""Impact analysis: who is hurt when CIs fail (and the reverse: what a CI needs), with the reasons."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from domain.cmdb import graph
from domain.cmdb.catalog import BUILTIN_CLASSES, BUSINESS_CLASSES, CiClass
from domain.cmdb.classes import all_classes, lineage
from domain.cmdb.queries import load_cis
from domain.cmdb.topology import statement
from domain.errors import ValidationFailed
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_SEEDS = 100
DEFAULT_DEPTH = 6


class PathStep(NamedTuple):
    """One CI on the way, and the relationship statement that led to it."""

    ci: Any
    statement: str | None
    relation: str | None


class Impacted(NamedTuple):
    ci: Any
    depth: int
    path: list[PathStep]

    @property
    def explanation(self) -> str:
        return "; ".join(step.statement for step in self.path if step.statement)


@dataclass
class ImpactReport:
    """Everything reached from the seeds, and the business services and customers among it."""

    seeds: list[Any]
    affected: list[Impacted] = field(default_factory=list)
    business_services: list[Impacted] = field(default_factory=list)
    customers: list[Impacted] = field(default_factory=list)
    truncated: bool = False


async def impact_analysis(tx: Transaction, *, ci_ids: list[uuid.UUID], direction: str = "impact",
                          depth: int = DEFAULT_DEPTH, limit: int = 1000) -> ImpactReport:
    """What failing ``ci_ids`` hurts (``impact``) or what they need (``dependencies``), nearest first."""
    if not 1 <= len(ci_ids) <= MAX_SEEDS:
        raise ValidationFailed(f"Give 1-{MAX_SEEDS} CI ids.", field="ciIds")
    seed_ids = list(dict.fromkeys(ci_ids))
    reached = await graph.walk(tx, seeds=seed_ids, mode=direction, depth=depth)
    order = sorted((r for r in reached.values() if r.depth > 0), key=lambda r: (r.depth, str(r.ci_id)))
    cis = await load_cis(tx, [*seed_ids, *(r.ci_id for r in order)])
    if any(seed not in cis for seed in seed_ids):
        raise ValidationFailed("Some CI ids are not configuration items of this tenant.", field="ciIds")
    seeds = {seed: cis[seed] for seed in seed_ids}
    names = {ci_id: row["name"] for ci_id, row in cis.items()}
    business_of = _business_classes(await _classes_of(tx, {row["class_key"] for row in cis.values()}))
    report = ImpactReport(seeds=list(seeds.values()), truncated=len(order) > limit)
    # Nearest first, so the way to a CI's predecessor is known before the CI: each path is its
    # predecessor's path plus one step (the same shortest paths ``path_to`` follows).
    paths = {seed: [PathStep(ci=cis[seed], statement=None, relation=reached[seed].relation)] for seed in seeds}
    for step in order:
        if step.ci_id not in cis or step.via not in paths:  # deleted since the walk
            continue
        path = paths[step.ci_id] = [*paths[step.via], PathStep(ci=cis[step.ci_id], statement=statement(step, names),
                                                              relation=step.relation)]
        impacted = Impacted(ci=cis[step.ci_id], depth=step.depth, path=path)
        business = business_of(impacted.ci["class_key"])
        if "customer" in business:
            report.customers.append(impacted)
        elif business:
            report.business_services.append(impacted)
        if len(report.affected) < limit:
            report.affected.append(impacted)
    return report


async def _classes_of(tx: Transaction, keys: set[str]) -> Mapping[str, CiClass]:
    """The class catalogue these keys need: the built-in one unless a tenant class is among them."""
    return BUILTIN_CLASSES if keys <= BUILTIN_CLASSES.keys() else await all_classes(tx)


def _business_classes(classes: Mapping[str, CiClass]) -> Callable[[str], frozenset[str]]:
    """The business classes (customer, business service) a class key is or descends from, cached per key."""
    @functools.cache
    def business_of(class_key: str) -> frozenset[str]:
        return frozenset(lineage(classes, class_key) & set(BUSINESS_CLASSES))
    return business_of


async def cis_named(tx: Transaction, names: list[str]) -> list[uuid.UUID]:
    """The CIs whose name is one of ``names`` (case-insensitive), e.g. an incident's services."""
    if not names:
        return []
    rows = await fetch_sql(tx.session, "SELECT id FROM configuration_items WHERE tenant_id = $1 "
                                       "AND lower(name) = ANY($2::text[]) ORDER BY name, class_key LIMIT $3",
                           tx.tenant_id, [n.lower() for n in names], MAX_SEEDS)
    return [row["id"] for row in rows]

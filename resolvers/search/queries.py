"""globalSearch: one query behind the console's search box; each kind only for callers who may read it."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.search.queries import global_search

# kind -> (the permission to read it, the plan feature it belongs to)
READ_NEEDS = {"incident": ("incident.read", "incidents"), "ci": ("cmdb.read", "cmdb"),
              "alert_rule": ("alert.read", "alerting"), "change": ("change.read", "changes"),
              "problem": ("incident.read", "incidents"), "kb_article": ("knowledge.read", "knowledge"),
              "runbook": ("automation.read", "automation")}


@strawberry.enum(description="What a search hit is.")
class SearchKind(Enum):
    INCIDENT = "incident"
    CI = "ci"
    ALERT_RULE = "alert_rule"
    CHANGE = "change"
    PROBLEM = "problem"
    KB_ARTICLE = "kb_article"
    RUNBOOK = "runbook"


@strawberry.type(description="One thing the global search found.")
class GlobalSearchHit:
    kind: SearchKind
    id: strawberry.ID
    title: str = strawberry.field(description="What people call it, e.g. `INC-42 Checkout is down`.")
    detail: str = strawberry.field(description="A short line of context (severity and state, class...).")


def readable_kinds(principal) -> tuple[str, ...]:
    """The kinds this principal may read (permission held and feature in the plan)."""
    return tuple(kind for kind, (permission, feature) in READ_NEEDS.items()
                 if principal.can(permission) and feature in principal.features)


async def resolve_global_search(info: strawberry.Info, query: str, per_kind: int = 5) -> list[GlobalSearchHit]:
    """Incidents, CIs, alert rules, changes, problems, KB articles and runbooks matching ``query``."""
    kinds = readable_kinds(info.context.actor)
    async with info.context.transaction() as tx:
        hits = await global_search(tx, text=query, kinds=kinds, per_kind=per_kind)
    return [GlobalSearchHit(kind=SearchKind(h.kind), id=strawberry.ID(str(h.id)), title=h.title, detail=h.detail)
            for h in hits]

"""The statements of a set-based import: a few reads before the plan, four writes after it.

Each statement takes whole columns as arrays (``unnest``), so the work per row is PostgreSQL's,
not a round trip and a statement build per row. All run in the caller's tenant-bound transaction
(row-level security applies to every read and write).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from asyncpg.exceptions import ForeignKeyViolationError, UniqueViolationError

from domain import clock
from domain.cmdb.importing import ACYCLIC, Key, Plan
from domain.errors import Conflict
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

FOLD_SQL = "SELECT array(SELECT lower(n) FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i)"

EXISTING_CIS_SQL = """
SELECT u.c AS key_class, u.f AS key_name, ci.id, ci.class_key, ci.name, ci.description, ci.environment,
       ci.lifecycle_status, ci.owner_team, ci.source, ci.attributes, ci.stale, ci.version
FROM unnest($2::text[], $3::text[]) AS u(c, f)
JOIN configuration_items ci ON ci.tenant_id = $1 AND ci.class_key = u.c AND lower(ci.name) = u.f
"""

EXISTING_RELATIONSHIPS_SQL = """
SELECT r.source_id, r.type, r.target_id FROM unnest($2::uuid[], $3::text[], $4::uuid[]) AS u(s, t, d)
JOIN ci_relationships r ON r.tenant_id = $1 AND r.source_id = u.s AND r.type = u.t AND r.target_id = u.d
"""

# The relationships of cycle-free types reachable from where the file's new ones lead: all a cycle
# check of those new relationships can pass through.
NEAR_EDGES_SQL = """
WITH RECURSIVE reach(ci, type) AS (
    SELECT d, t FROM unnest($2::uuid[], $3::text[]) AS u(d, t)
  UNION
    SELECT r.target_id, r.type FROM reach
    JOIN ci_relationships r ON r.tenant_id = $1 AND r.source_id = reach.ci AND r.type = reach.type
)
SELECT r.type, r.source_id, r.target_id FROM reach
JOIN ci_relationships r ON r.tenant_id = $1 AND r.source_id = reach.ci AND r.type = reach.type
"""

INSERT_CIS_SQL = """
INSERT INTO configuration_items (id, tenant_id, class_key, name, description, environment, lifecycle_status,
                                 owner_team, source, attributes, version)
SELECT i, $1, c, n, d, e, l, o, 'import', a::jsonb, v
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::int[]) AS u(i, c, n, d, e, l, o, a, v)
"""

UPDATE_CIS_SQL = """
UPDATE configuration_items ci SET name = u.n, description = u.d, environment = u.e, lifecycle_status = u.l,
       owner_team = u.o, attributes = u.a::jsonb, version = u.v, updated_at = $2
FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[],
            $11::int[]) AS u(i, n, d, e, l, o, a, v, w)
WHERE ci.tenant_id = $1 AND ci.id = u.i AND ci.version = u.w
RETURNING ci.id
"""

INSERT_RELATIONSHIPS_SQL = """
INSERT INTO ci_relationships (id, tenant_id, type, source_id, target_id, origin, created_by)
SELECT i, $1, t, s, d, 'import', $2 FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::uuid[]) AS u(i, t, s, d)
"""

INSERT_HISTORY_SQL = """
INSERT INTO ci_history (id, tenant_id, ci_id, actor, action, relationship_id, before, after)
SELECT gen_random_uuid(), $1, c, $2, a, r, b::jsonb, f::jsonb
FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[]) WITH ORDINALITY AS u(c, a, r, b, f, n)
ORDER BY n
"""


async def fold_names(tx: Transaction, names: set[str]) -> dict[str, str]:
    """Each name as PostgreSQL's ``lower()`` folds it (the CI uniqueness rule), so matching agrees with it."""
    ordered = sorted(names)
    [(folded,)] = await fetch_sql(tx.session, FOLD_SQL, ordered)
    return dict(zip(ordered, folded, strict=True))


async def existing_cis(tx: Transaction, keys: set[Key]) -> dict[Key, Mapping[str, Any]]:
    """The tenant's CIs with these (class, folded name) keys (an update later checks each is unchanged)."""
    classes, names = zip(*keys, strict=True) if keys else ((), ())
    rows = await fetch_sql(tx.session, EXISTING_CIS_SQL, tx.tenant_id, list(classes), list(names))
    return {(row["key_class"], row["key_name"]): row for row in rows}


async def existing_relationships(tx: Transaction, triples: set[tuple[uuid.UUID, str, uuid.UUID]]
                                 ) -> set[tuple[uuid.UUID, str, uuid.UUID]]:
    """Which of these (source, type, target) relationships exist already."""
    if not triples:
        return set()
    sources, types, targets = zip(*triples, strict=True)
    rows = await fetch_sql(tx.session, EXISTING_RELATIONSHIPS_SQL, tx.tenant_id, list(sources), list(types),
                           list(targets))
    return {(row["source_id"], row["type"], row["target_id"]) for row in rows}


async def near_edges(tx: Transaction, starts: set[tuple[uuid.UUID, str]]) -> list[tuple[str, uuid.UUID, uuid.UUID]]:
    """Existing relationships of cycle-free types reachable from these (CI, type) starts."""
    starts = {(ci, type) for ci, type in starts if type in ACYCLIC}
    if not starts:
        return []
    cis, types = zip(*starts, strict=True)
    rows = await fetch_sql(tx.session, NEAR_EDGES_SQL, tx.tenant_id, list(cis), list(types))
    return [(row["type"], row["source_id"], row["target_id"]) for row in rows]


def _ci_columns(cis: list, *, with_class: bool) -> list[list]:
    return [[ci.id for ci in cis], *([[ci.class_key for ci in cis]] if with_class else []),
            *([ci.values[k] for ci in cis] for k in ("name", "description", "environment", "lifecycle_status",
                                                       "owner_team")),
            [json.dumps(ci.values["attributes"]) for ci in cis], [ci.version for ci in cis]]


def _jsonb(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value)


async def write_plan(tx: Transaction, plan: Plan, *, actor: str) -> None:
    """Insert the new CIs, update the changed ones, insert the relationships and the history."""
    created = [ci for ci in plan.cis.values() if ci.new]
    changed = [ci for ci in plan.cis.values() if ci.changed and not ci.new]
    try:
        if created:
            await fetch_sql(tx.session, INSERT_CIS_SQL, tx.tenant_id, *_ci_columns(created, with_class=True))
        if changed and len(await fetch_sql(tx.session, UPDATE_CIS_SQL, tx.tenant_id, clock.now(),
                                           *_ci_columns(changed, with_class=False),
                                           [ci.loaded_version for ci in changed])) != len(changed):
            raise Conflict("Some CIs changed while the import ran; nothing was imported, run it again.",
                           field="cis")
        if plan.relationships:
            await fetch_sql(tx.session, INSERT_RELATIONSHIPS_SQL, tx.tenant_id, actor,
                            *(list(column) for column in zip(*plan.relationships, strict=True)))
    except (UniqueViolationError, ForeignKeyViolationError):
        raise Conflict("Other changes created or removed some of these CIs or relationships while the import "
                       "ran; nothing was imported, run it again.", field="cis") from None
    if plan.history:
        ci_ids, actions, relationship_ids, befores, afters = zip(*plan.history, strict=True)
        await fetch_sql(tx.session, INSERT_HISTORY_SQL, tx.tenant_id, actor, list(ci_ids), list(actions),
                        list(relationship_ids), [_jsonb(b) for b in befores], [_jsonb(a) for a in afters])

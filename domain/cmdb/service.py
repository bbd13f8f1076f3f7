"""CI and relationship use cases: validated, unique, cycle-checked, and recorded in the CI history."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, text

from domain import clock
from domain.cmdb import history
from domain.cmdb.catalog import ENVIRONMENTS, LIFECYCLE, RELATIONSHIP_TYPES, SOURCES, RelationshipType
from domain.cmdb.classes import all_classes, check_attributes, check_class, lineage
from domain.cmdb.models import CiRelationship, ConfigurationItem
from domain.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

EDITABLE = ("name", "description", "environment", "lifecycle_status", "owner_team", "attributes")


@dataclass
class CiDraft:
    """What a person (or an import) says a CI is."""

    class_key: str
    name: str
    description: str = ""
    environment: str = "production"
    lifecycle_status: str = "active"
    owner_team: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("The name must be 1-200 characters.", field="name")
    return name


def check_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Validate the plain fields present in ``values`` (attributes are checked against the class)."""
    if "name" in values:
        values["name"] = _clean_name(values["name"])
    if "environment" in values and values["environment"] not in ENVIRONMENTS:
        raise ValidationFailed(f"Environment must be one of {', '.join(ENVIRONMENTS)}.", field="environment")
    if "lifecycle_status" in values and values["lifecycle_status"] not in LIFECYCLE:
        raise ValidationFailed(f"Lifecycle status must be one of {', '.join(LIFECYCLE)}.", field="lifecycleStatus")
    if values.get("owner_team") is not None:
        values["owner_team"] = values["owner_team"].strip() or None
        if len(values["owner_team"] or "") > 200:
            raise ValidationFailed("The owner team is at most 200 characters.", field="ownerTeam")
    if len(values.get("description") or "") > 5000:
        raise ValidationFailed("The description is at most 5000 characters.", field="description")
    return values


async def get_ci(tx: Transaction, ci_id: uuid.UUID, *, field: str = "id", lock: bool = False) -> ConfigurationItem:
    """The tenant's CI, or NotFound naming ``field``."""
    query = select(ConfigurationItem).where(ConfigurationItem.tenant_id == tx.tenant_id,
                                            ConfigurationItem.id == ci_id)
    ci = await tx.session.scalar(query.with_for_update() if lock else query)
    if ci is None:
        raise NotFound("No such configuration item.", field=field)
    return ci


async def _check_unique(tx: Transaction, class_key: str, name: str, *, except_id: uuid.UUID | None = None) -> None:
    clash = await tx.session.scalar(select(ConfigurationItem.id).where(
        ConfigurationItem.tenant_id == tx.tenant_id, ConfigurationItem.class_key == class_key,
        func.lower(ConfigurationItem.name) == name.lower()))
    if clash is not None and clash != except_id:
        raise Conflict(f"A {class_key} named {name!r} already exists.", field="name")


async def create_ci(tx: Transaction, *, draft: CiDraft, actor: str, source: str = "manual") -> ConfigurationItem:
    """Add a CI after checking its class, fields, attributes and uniqueness."""
    assert source in SOURCES
    values = check_fields({name: getattr(draft, name) for name in EDITABLE})
    chain = check_class(await all_classes(tx), draft.class_key)
    check_attributes(chain, values["attributes"])
    await _check_unique(tx, draft.class_key, values["name"])
    ci = ConfigurationItem(tenant_id=tx.tenant_id, class_key=draft.class_key, source=source, **values)
    tx.session.add(ci)
    await tx.session.flush()
    await history.record_ci(tx, ci_id=ci.id, actor=actor, action="created", before=None,
                            after=history.ci_snapshot(ci))
    return ci


async def update_ci(tx: Transaction, *, ci_id: uuid.UUID, changes: dict[str, Any], actor: str,
                    expected_version: int | None = None) -> ConfigurationItem:
    """Change the given fields of a CI (its class stays); refuses stale versions."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    ci = await get_ci(tx, ci_id, lock=True)
    if expected_version is not None and expected_version != ci.version:
        raise Conflict(f"The CI changed since version {expected_version} (now {ci.version}); reload and retry.",
                       field="expectedVersion")
    values = check_fields(dict(changes))
    if "attributes" in values:
        check_attributes(check_class(await all_classes(tx), ci.class_key), values["attributes"])
    if "name" in values:
        await _check_unique(tx, ci.class_key, values["name"], except_id=ci.id)
    before = history.ci_snapshot(ci)
    for name, value in values.items():
        setattr(ci, name, value)
    after = history.ci_snapshot(ci)
    if after != before:
        ci.version += 1
        ci.updated_at = clock.now()
        await history.record_ci(tx, ci_id=ci.id, actor=actor, action="updated",
                                before={k: v for k, v in before.items() if after[k] != v},
                                after={k: v for k, v in after.items() if before[k] != v})
    await tx.session.flush()
    return ci


async def delete_ci(tx: Transaction, *, ci_id: uuid.UUID, actor: str) -> None:
    """Remove a CI and its relationships; the history of both ends keeps the record."""
    ci = await get_ci(tx, ci_id, lock=True)
    rels = list(await tx.session.scalars(select(CiRelationship).where(
        CiRelationship.tenant_id == tx.tenant_id,
        or_(CiRelationship.source_id == ci.id, CiRelationship.target_id == ci.id))))
    names = await _names(tx, {r.source_id for r in rels} | {r.target_id for r in rels})
    for rel in rels:
        await history.record_relationship_change(tx, rel=rel, actor=actor, action="relationship_removed",
                                                 source_name=names[rel.source_id], target_name=names[rel.target_id])
    await history.record_ci(tx, ci_id=ci.id, actor=actor, action="deleted", before=history.ci_snapshot(ci), after=None)
    await tx.session.delete(ci)
    await tx.session.flush()


async def _names(tx: Transaction, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await tx.session.execute(select(ConfigurationItem.id, ConfigurationItem.name).where(
        ConfigurationItem.tenant_id == tx.tenant_id, ConfigurationItem.id.in_(ids)))
    return dict(rows.all())


def allowed_pair(classes: dict, type: str, source_class: str, target_class: str) -> bool:
    """Whether ``type`` may join these classes (directly or through their ancestors)."""
    kind = RELATIONSHIP_TYPES.get(type)
    return kind is not None and bool(lineage(classes, source_class) & set(kind.sources)) \
        and bool(lineage(classes, target_class) & set(kind.targets))


def check_relationship_shape(classes: Mapping[str, Any], *, type: str, source: Any, target: Any) -> RelationshipType:
    """Refuse unknown types, self-links and class pairs the type does not allow (ends have id, class_key)."""
    kind = RELATIONSHIP_TYPES.get(type)
    if kind is None:
        raise ValidationFailed(f"Relationship type must be one of {', '.join(RELATIONSHIP_TYPES)}.", field="type")
    if source.id == target.id:
        raise ValidationFailed("A CI cannot be related to itself.", field="targetId")
    if not lineage(classes, source.class_key) & set(kind.sources):
        raise ValidationFailed(f"A {source.class_key} cannot be the source of {type} "
                               f"(allowed: {', '.join(kind.sources)}).", field="sourceId")
    if not lineage(classes, target.class_key) & set(kind.targets):
        raise ValidationFailed(f"A {target.class_key} cannot be the target of {type} "
                               f"(allowed: {', '.join(kind.targets)}).", field="targetId")
    return kind


def cycle_refused(type: str, *, source_name: str, target_name: str) -> ValidationFailed:
    """The error for a relationship that would close a cycle of a type that forbids them."""
    return ValidationFailed(f"{target_name} already leads to {source_name} through {type}; "
                            f"{type} relationships cannot form a cycle.", field="targetId")


async def lock_cycle_checks(tx: Transaction, types: list[str]) -> None:
    """Serialise cycle checks of these relationship types in the tenant until the transaction ends."""
    for type in sorted(types):
        await tx.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                                 {"k": f"cmdb-cycle:{tx.tenant_id}:{type}"})


async def check_relationship(tx: Transaction, *, type: str, source: ConfigurationItem,
                             target: ConfigurationItem, classes: dict | None = None) -> None:
    """Refuse unknown types, self-links, class pairs the type does not allow, and forbidden cycles."""
    kind = check_relationship_shape(classes or await all_classes(tx), type=type, source=source, target=target)
    if not kind.allows_cycles:
        await lock_cycle_checks(tx, [type])
        if await _reaches(tx, type=type, start=target.id, goal=source.id):
            raise cycle_refused(type, source_name=source.name, target_name=target.name)


async def _reaches(tx: Transaction, *, type: str, start: uuid.UUID, goal: uuid.UUID) -> bool:
    """Whether ``goal`` can be reached from ``start`` following ``type`` edges forwards."""
    return bool(await tx.session.scalar(text(
        "WITH RECURSIVE reach(ci) AS (SELECT CAST(:start AS uuid) UNION "
        "SELECT r.target_id FROM ci_relationships r JOIN reach ON r.source_id = reach.ci "
        "WHERE r.tenant_id = :tenant AND r.type = :type) "
        "SELECT EXISTS (SELECT 1 FROM reach WHERE ci = :goal)"),
        {"start": start, "goal": goal, "tenant": tx.tenant_id, "type": type}))


async def find_relationship(tx: Transaction, *, type: str, source_id: uuid.UUID,
                            target_id: uuid.UUID) -> CiRelationship | None:
    return await tx.session.scalar(select(CiRelationship).where(
        CiRelationship.tenant_id == tx.tenant_id, CiRelationship.source_id == source_id,
        CiRelationship.type == type, CiRelationship.target_id == target_id))


async def create_relationship(tx: Transaction, *, type: str, source_id: uuid.UUID, target_id: uuid.UUID,
                              actor: str, origin: str = "manual") -> CiRelationship:
    """Relate two CIs (``source <type> target``) after validating the pair; duplicates are refused."""
    source = await get_ci(tx, source_id, field="sourceId")
    target = await get_ci(tx, target_id, field="targetId")
    await check_relationship(tx, type=type, source=source, target=target)
    if await find_relationship(tx, type=type, source_id=source.id, target_id=target.id) is not None:
        raise Conflict(f"{source.name} already {RELATIONSHIP_TYPES[type].label} {target.name}.", field="targetId")
    rel = CiRelationship(tenant_id=tx.tenant_id, type=type, source_id=source.id, target_id=target.id,
                         origin=origin, created_by=actor,
                         last_seen_at=clock.now() if origin == "discovered" else None)
    tx.session.add(rel)
    await tx.session.flush()
    await history.record_relationship_change(tx, rel=rel, actor=actor, action="relationship_added",
                                             source_name=source.name, target_name=target.name)
    return rel


async def delete_relationship(tx: Transaction, *, relationship_id: uuid.UUID, actor: str) -> None:
    """Remove one relationship; both CIs' history records it."""
    rel = await tx.session.scalar(select(CiRelationship).where(CiRelationship.tenant_id == tx.tenant_id,
                                                               CiRelationship.id == relationship_id))
    if rel is None:
        raise NotFound("No such relationship.", field="id")
    names = await _names(tx, {rel.source_id, rel.target_id})
    await history.record_relationship_change(tx, rel=rel, actor=actor, action="relationship_removed",
                                             source_name=names[rel.source_id], target_name=names[rel.target_id])
    await tx.session.delete(rel)
    await tx.session.flush()

"""CI history: every change to a CI, or to a relationship touching it, with before and after."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from domain.cmdb.models import CiChange, CiRelationship, ConfigurationItem

if TYPE_CHECKING:
    from domain.uow import Transaction

CI_FIELDS = ("class_key", "name", "description", "environment", "lifecycle_status", "owner_team", "source",
             "attributes", "stale")


def ci_snapshot(ci: ConfigurationItem) -> dict[str, Any]:
    """The recorded state of a CI."""
    return {name: getattr(ci, name) for name in CI_FIELDS}


def relationship_snapshot(rel: CiRelationship, *, source_name: str, target_name: str) -> dict[str, Any]:
    return {"type": rel.type, "source_id": str(rel.source_id), "target_id": str(rel.target_id),
            "source": source_name, "target": target_name, "origin": rel.origin}


async def record_relationship_change(tx: Transaction, *, rel: CiRelationship, actor: str, action: str,
                                     source_name: str, target_name: str) -> None:
    """History rows for a change to ``rel`` (both ends)."""
    await record_relationship(tx, relationship_id=rel.id, source_id=rel.source_id, target_id=rel.target_id,
                              actor=actor, action=action,
                              snapshot=relationship_snapshot(rel, source_name=source_name, target_name=target_name))


async def record_ci(tx: Transaction, *, ci_id: uuid.UUID, actor: str, action: str,
                    before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """One history row for a CI change."""
    await tx.session.execute(insert(CiChange).values(
        tenant_id=tx.tenant_id, ci_id=ci_id, actor=actor, action=action, before=before, after=after))


async def record_relationship(tx: Transaction, *, relationship_id: uuid.UUID, source_id: uuid.UUID,
                              target_id: uuid.UUID, actor: str, action: str, snapshot: dict[str, Any]) -> None:
    """A history row on both ends of a relationship."""
    before, after = (snapshot, None) if action == "relationship_removed" else (None, snapshot)
    await tx.session.execute(insert(CiChange), [
        {"tenant_id": tx.tenant_id, "ci_id": ci_id, "actor": actor, "action": action,
         "relationship_id": relationship_id, "before": before, "after": after}
        for ci_id in dict.fromkeys((source_id, target_id))])

"""CMDB read side: CI lists with filters, a CI's relationships and history, the class list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from domain.cmdb.classes import all_classes, check_class, lineage
from domain.cmdb.models import CiChange, CiRelationship, ConfigurationItem
from domain.pagination import Page, paginate
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction

ROW_COLUMNS = ("id, class_key, name, description, environment, lifecycle_status, owner_team, source, attributes, "
               "last_seen_at, stale, version, created_at, updated_at")


@dataclass(frozen=True)
class CiFilter:
    class_key: str | None = None        # this class and its subclasses
    environment: str | None = None
    lifecycle_status: str | None = None
    source: str | None = None
    owner_team: str | None = None
    stale: bool | None = None
    search: str | None = None           # part of the name, case-insensitive


async def list_cis(tx: Transaction, *, filter: CiFilter, first: int | None, after: str | None) -> Page:
    """CIs by name (ignoring case), filtered."""
    query = select(ConfigurationItem).where(ConfigurationItem.tenant_id == tx.tenant_id)
    if filter.class_key:
        classes = await all_classes(tx)
        check_class(classes, filter.class_key)
        keys = [key for key in classes if filter.class_key in lineage(classes, key)]
        query = query.where(ConfigurationItem.class_key.in_(keys))
    for column, value in ((ConfigurationItem.environment, filter.environment),
                          (ConfigurationItem.lifecycle_status, filter.lifecycle_status),
                          (ConfigurationItem.source, filter.source), (ConfigurationItem.owner_team, filter.owner_team),
                          (ConfigurationItem.stale, filter.stale)):
        if value is not None:
            query = query.where(column == value)
    if filter.search:
        query = query.where(ConfigurationItem.name.ilike(_containing(filter.search)))
    return await paginate(tx.session, query, order=[func.lower(ConfigurationItem.name), ConfigurationItem.id],
                          first=first, after=after)


def _containing(search: str) -> str:
    """An ILIKE pattern for text containing ``search`` literally."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def relationships_of(tx: Transaction, ci_id: uuid.UUID) -> list[CiRelationship]:
    """Every relationship a CI takes part in, as source or target."""
    return list(await tx.session.scalars(select(CiRelationship).where(
        CiRelationship.tenant_id == tx.tenant_id,
        or_(CiRelationship.source_id == ci_id, CiRelationship.target_id == ci_id),
    ).order_by(CiRelationship.type, CiRelationship.created_at)))


async def history_of(tx: Transaction, ci_id: uuid.UUID, *, first: int | None, after: str | None) -> Page:
    """A CI's changes, newest first: while it exists and after it was deleted (history is never deleted)."""
    query = select(CiChange).where(CiChange.tenant_id == tx.tenant_id, CiChange.ci_id == ci_id)
    return await paginate(tx.session, query, order=[CiChange.seq], first=first, after=after, descending=True)


async def deleted_cis(tx: Transaction, *, first: int | None, after: str | None, search: str | None = None) -> Page:
    """The changes that deleted CIs, latest first; each keeps the CI's last state in ``before``."""
    query = select(CiChange).where(CiChange.tenant_id == tx.tenant_id, CiChange.action == "deleted")
    if search:
        query = query.where(CiChange.before["name"].astext.ilike(_containing(search)))
    return await paginate(tx.session, query, order=[CiChange.seq], first=first, after=after, descending=True)


async def cis_by_ids(tx: Transaction, ids: list[uuid.UUID]) -> list[ConfigurationItem | None]:
    """Loader batch: CIs by id, in the order asked (None for ids the tenant does not have)."""
    rows = await tx.session.scalars(select(ConfigurationItem).where(ConfigurationItem.tenant_id == tx.tenant_id,
                                                                   ConfigurationItem.id.in_(ids)))
    found = {ci.id: ci for ci in rows}
    return [found.get(i) for i in ids]


async def load_cis(tx: Transaction, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """CI rows by id, as plain records (the fast path for graph results)."""
    rows = await fetch_sql(tx.session, f"SELECT {ROW_COLUMNS} FROM configuration_items "
                                       "WHERE tenant_id = $1 AND id = ANY($2::uuid[])", tx.tenant_id, ids)
    return {row["id"]: row for row in rows}


async def count_by_class(tx: Transaction) -> dict[str, int]:
    rows = await tx.session.execute(select(ConfigurationItem.class_key, func.count()).where(
        ConfigurationItem.tenant_id == tx.tenant_id).group_by(ConfigurationItem.class_key))
    return dict(rows.all())

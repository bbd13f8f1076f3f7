"""Read side of alerting used by other views (loader batch functions)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.alerting.models import Alert

if TYPE_CHECKING:
    from atlas.db import Transaction


async def alerts_by_incident(tx: Transaction, ids: Sequence[uuid.UUID]) -> list[list[Alert]]:
    """The alerts each incident grouped, first seen first."""
    rows = await tx.session.scalars(select(Alert).where(Alert.tenant_id == tx.tenant_id, Alert.incident_id.in_(ids))
                                    .order_by(Alert.first_seen))
    grouped: dict[uuid.UUID, list[Alert]] = defaultdict(list)
    for row in rows:
        grouped[row.incident_id].append(row)
    return [grouped.get(i, []) for i in ids]

"""changeChanged: the tenant's change events (moves, votes, lapses), live."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry

from domain.changes import queries
from domain.changes.service import channel_for
from domain.errors import NotFound
from resolvers.changes.types import Change, ChangeEvent


async def change_changed(info: strawberry.Info, kinds: list[str] | None = None) -> AsyncGenerator[ChangeEvent, None]:
    """Every change event committed after subscribing (``kinds``: only these, e.g. ``voted``)."""
    context = info.context
    async for message in context.runtime.hub.listen(channel_for(context.tenant_id)):
        if message.get("tenant_id") != str(context.tenant_id) or (kinds and message.get("kind") not in kinds):
            continue
        async with context.transaction() as tx:
            try:
                change = await queries.get_change(tx, uuid.UUID(message["change_id"]))
            except NotFound:
                continue
        yield ChangeEvent(kind=message["kind"], change=Change.from_model(change))

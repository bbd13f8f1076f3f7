"""Per-request DataLoaders: one query per batch, each batch in its own short tenant transaction.

One AsyncSession is not safe across concurrent resolvers, so loaders never share the request's
session; ``loader(info, batch)`` returns the request's loader for a domain batch function.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from domain.uow import Transaction

Batch = Callable[[Transaction, Sequence[Any]], Awaitable[list[Any]]]


def loader(info: strawberry.Info, batch: Batch) -> DataLoader:
    """The DataLoader of this request for ``batch`` (created on first use)."""
    return _request_loader(info, batch, platform=False)


def platform_loader(info: strawberry.Info, batch: Batch) -> DataLoader:
    """Like :func:`loader`, for platform tables read in a platform operator's field (no tenant bound)."""
    return _request_loader(info, batch, platform=True)


def _request_loader(info: strawberry.Info, batch: Batch, *, platform: bool) -> DataLoader:
    context = info.context
    key = f"{'platform:' if platform else ''}{batch.__module__}.{batch.__qualname__}"
    found = context.loaders.get(key)
    if found is None:
        transaction = context.platform_transaction if platform else context.transaction

        async def load(keys: Sequence[Any]) -> list[Any]:
            async with transaction() as tx:
                return await batch(tx, list(keys))

        found = context.loaders[key] = DataLoader(load_fn=load, cache=not context.long_lived)
    return found

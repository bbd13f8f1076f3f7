"""Identical subscriptions share one execution.

Subscribers of the same tenant with the same permissions and plan features who send the same
subscription document and variables would get byte-identical results, so within a process they
join one group: the operation runs once per event and every member receives the same result.
Guards still run: the group's single execution runs them with the first member's principal, and
members only share with principals whose permissions and features are identical.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from graphql import OperationType, get_operation_ast, parse
from graphql.error import GraphQLError

MEMBER_QUEUE = 500
_END = object()


@functools.lru_cache(maxsize=512)
def _is_subscription(query: str, operation_name: str | None) -> bool:
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.SUBSCRIPTION


def share_key(query: str | None, variables: dict | None, operation_name: str | None, context: Any) -> tuple | None:
    """The group a subscription can join, or None when it must run on its own."""
    principal = getattr(context, "principal", None)
    if not query or principal is None or not getattr(context, "long_lived", False):
        return None
    if not _is_subscription(query, operation_name):
        return None
    return (str(principal.tenant_id), principal.permissions, principal.features, principal.is_platform_admin,
            query, json.dumps(variables or {}, sort_keys=True, default=str), operation_name)


class _Group:
    """One running execution and the queues of the members it feeds."""

    def __init__(self, source: AsyncIterator) -> None:
        self.source = source
        self.members: set[asyncio.Queue] = set()
        self.task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for result in self.source:
                for queue in list(self.members):
                    if queue.full():
                        self.members.discard(queue)
                        queue.put_nowait(_END)
                    else:
                        queue.put_nowait(result)
        finally:
            for queue in list(self.members):
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(_END)
            with contextlib.suppress(Exception):
                await self.source.aclose()


class SharedSubscriptions:
    """The groups of one process."""

    def __init__(self) -> None:
        self._groups: dict[tuple, _Group] = {}

    @property
    def group_count(self) -> int:
        return len(self._groups)

    async def join(self, key: tuple, start: Callable[[], Awaitable[AsyncIterator]]) -> AsyncIterator:
        """An iterator over the group's results from now on (starting the group if needed)."""
        group = self._groups.get(key)
        if group is None or group.task.done():
            group = self._groups[key] = _Group(await start())
        queue: asyncio.Queue = asyncio.Queue(MEMBER_QUEUE)
        group.members.add(queue)
        return self._member(key, group, queue)

    async def _member(self, key: tuple, group: _Group, queue: asyncio.Queue) -> AsyncIterator:
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                yield item
        finally:
            group.members.discard(queue)
            if not group.members:
                group.task.cancel()
                if self._groups.get(key) is group:
                    del self._groups[key]

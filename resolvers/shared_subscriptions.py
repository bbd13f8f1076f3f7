"""Identical subscriptions share one execution.

Subscribers of the same tenant with the same permissions and plan features who send the same
subscription document and variables would get byte-identical results, so within a process they
join one group: the operation runs once per event and every member receives the same result.
Guards still run: the group's single execution runs them with the first member's principal, and
members only share with principals whose permissions and features are identical.

A subscription whose events depend on WHO asks (the person paged, the owner of a copilot answer) would
hand the first member's private events to every other member: those fields are listed in
PER_USER_FIELDS and their groups are keyed by the principal's subject too, so they are per user.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from graphql import FieldNode, OperationType, get_operation_ast, parse
from graphql.error import GraphQLError

MEMBER_QUEUE = 500
PER_USER_FIELDS = frozenset({"youArePaged", "copilotAnswer"})  # events differ by who subscribes
_END = object()


@functools.lru_cache(maxsize=512)
def _subscription_fields(query: str, operation_name: str | None) -> frozenset[str] | None:
    """The root fields of the subscription operation, or None when it is not a (valid) subscription."""
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return None
    if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
        return None
    return frozenset(s.name.value if isinstance(s, FieldNode) else None for s in operation.selection_set.selections)


def _is_subscription(query: str, operation_name: str | None) -> bool:
    return _subscription_fields(query, operation_name) is not None


def share_key(query: str | None, variables: dict | None, operation_name: str | None, context: Any) -> tuple | None:
    """The group a subscription can join, or None when it must run on its own."""
    principal = getattr(context, "principal", None)
    if not query or principal is None or not getattr(context, "long_lived", False):
        return None
    fields = _subscription_fields(query, operation_name)
    if fields is None:
        return None
    # a fragment spread at the root hides the field's name: treat it as per user too (never share blindly)
    private = bool(fields & PER_USER_FIELDS) or None in fields
    return (str(principal.tenant_id), principal.permissions, principal.features, principal.is_platform_admin,
            query, json.dumps(variables or {}, sort_keys=True, default=str), operation_name,
            principal.subject if private else None)


class _Inbox:
    """A member's undelivered results: a list, and a future only while the member waits.

    Lighter than an asyncio.Queue (three deques and an Event), which matters when thousands of
    idle subscribers each hold one.
    """

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list = []
        self.waiter: asyncio.Future | None = None

    def full(self) -> bool:
        return len(self.items) >= MEMBER_QUEUE

    def put(self, item: object) -> None:
        self.items.append(item)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def get(self) -> object:
        while not self.items:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.items.pop(0)


class _Group:
    """One running execution and the inboxes of the members it feeds."""

    def __init__(self, key: tuple, source: AsyncIterator) -> None:
        self.key, self.source = key, source
        self.members: set[_Inbox] = set()
        self.task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            async for result in self.source:
                for inbox in list(self.members):
                    if inbox.full():  # too far behind: this member ends, the others go on
                        self.members.discard(inbox)
                        inbox.put(_END)
                    else:
                        inbox.put(result)
        finally:
            for inbox in list(self.members):
                inbox.put(_END)
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
            group = self._groups[key] = _Group(key, await start())
        inbox = _Inbox()
        group.members.add(inbox)
        return self._member(group, inbox)

    async def _member(self, group: _Group, inbox: _Inbox) -> AsyncIterator:
        try:
            while True:
                item = await inbox.get()
                if item is _END:
                    return
                yield item
        finally:
            group.members.discard(inbox)
            if not group.members:
                group.task.cancel()
                if self._groups.get(group.key) is group:
                    del self._groups[group.key]

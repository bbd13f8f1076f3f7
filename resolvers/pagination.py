"""Cursor connections: ``edges { cursor node }`` and ``pageInfo``, for every list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from domain.pagination import Page
from resolvers.selection import selected_names

T = TypeVar("T")
S = TypeVar("S")


def edge_cursors_selected(info: strawberry.Info) -> bool:
    """Whether the query may read ``edges.cursor`` (True when fragments make it unclear)."""
    names = selected_names(info, "edges")
    return names is None or "cursor" in names


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(page: Page[S], convert: Callable[[S], T], *, edge_cursors: bool = True) -> Connection[T]:
    """Map a domain page to a connection of GraphQL nodes.

    ``edge_cursors=False`` (for a query that selects no ``edges.cursor``, see :func:`edge_cursors_selected`)
    leaves every edge's cursor empty instead of encoding one per row; ``pageInfo.endCursor`` is always set.
    """
    cursors = page.cursors if edge_cursors else [""] * len(page.items)
    edges = [Edge(cursor=cursor, node=convert(item)) for item, cursor in zip(page.items, cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.cursors[-1] if page.cursors else None),
    )

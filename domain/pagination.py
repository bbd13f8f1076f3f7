"""Keyset pagination: stable order, opaque cursors, no OFFSET."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, Integer, Select, Uuid, tuple_
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import ValidationFailed
from domain.text import all_storable
from domain.uow import fetch_plain

T = TypeVar("T")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results, each with the cursor that resumes after it."""

    items: list[T]
    cursors: Sequence[str]
    has_next: bool


class LazyCursors(Sequence[str]):
    """A page's cursors, each encoded only when asked for (a long list rarely needs more than the last)."""

    def __init__(self, keys: list[tuple]) -> None:
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_encode(key) for key in self.keys[index]]
        return _encode(self.keys[index])


SEPARATOR = "\x1f"  # a control character that never appears in the key values


def _encode(values: tuple) -> str:
    plain = SEPARATOR.join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def encode_cursor(values: tuple) -> str:
    """An opaque cursor for a sort key."""
    return _encode(values)


def decode_cursor(cursor: str, types: tuple[type, ...]) -> tuple:
    """The sort key of a cursor, as values of ``types`` (datetime, uuid.UUID, int or str)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(SEPARATOR)
        if len(raw) != len(types) or not all_storable(raw):
            raise ValueError
        return tuple(_typed(value, kind) for value, kind in zip(raw, types, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationFailed("Invalid cursor.", field="after") from None


def _typed(value: str, kind: type) -> Any:
    if kind is datetime:
        return datetime.fromisoformat(value)
    return kind(value)


def _python_type(column: ColumnElement) -> type:
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime
    if isinstance(kind, Uuid):
        return uuid.UUID
    if isinstance(kind, Integer):
        return int
    return str


def _positions(query: Select, order: list[ColumnElement]) -> list[int] | None:
    """Where the sort key's columns already are among the selected ones (a plain row needs them once)."""
    selected = list(query.selected_columns)
    found = []
    for column in order:
        target = column.__clause_element__() if hasattr(column, "__clause_element__") else column
        index = next((i for i, candidate in enumerate(selected) if candidate.compare(target)), None)
        if index is None:
            return None
        found.append(index)
    return found


def check_page_size(first: int | None) -> int:
    """The page size to use, refusing sizes outside 1..MAX_PAGE_SIZE."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}.", field="first")
    return size


async def paginate(
    session, query: Select, *, order: list[ColumnElement], first: int | None, after: str | None,
    descending: bool = False, plain: bool = False,
) -> Page:
    """Run ``query`` in ``order`` (one direction), resuming after cursor ``after``, ``first`` rows.

    Items are the query's single entity, or the row (attribute access by column name) when it
    selects several columns. ``plain`` runs a column query straight through asyncpg and yields its
    records (index or key access): the fast path for long read-side lists.
    """
    size = check_page_size(first)
    if after:
        bound = decode_cursor(after, tuple(_python_type(column) for column in order))
        query = query.where(tuple_(*order) < bound if descending else tuple_(*order) > bound)
    ordering = [column.desc() for column in order] if descending else list(order)
    width = len(order)
    positions = _positions(query, order) if plain else None
    if positions is None:  # the sort key comes as extra columns at the end of each row
        query = query.add_columns(*(column.label(f"_cursor_{index}") for index, column in enumerate(order)))
        positions = list(range(-width, 0))
    query = query.order_by(*ordering).limit(size + 1)
    rows = await fetch_plain(session, query) if plain else list((await session.execute(query)).all())
    page, extra, key = rows[:size], width if positions[0] < 0 else 0, itemgetter(*positions)
    return Page(
        items=[row[0] if len(row) - extra == 1 else row for row in page],
        cursors=LazyCursors([key(row) if width > 1 else (key(row),) for row in page]),
        has_next=len(rows) > size,
    )

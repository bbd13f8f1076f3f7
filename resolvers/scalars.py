"""The DateTime scalar: ISO 8601, naive times taken as UTC, within years the database and Python share.

Strawberry's default accepts any ISO time. A naive one then failed comparisons with stored
(aware) times, and times at the edges of the calendar (0001-01-01, 9999-12-31, or pushed past them by
an offset) came back from PostgreSQL in forms Python cannot compare or shift: all of those were
server errors. Here they are input errors, before anything runs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dateutil.parser
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def parse_datetime(value: object) -> datetime:
    """An aware datetime from ISO 8601 text (UTC when it names no offset), between 1900 and 2200."""
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        parsed = dateutil.parser.isoparse(value)
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Use ISO 8601, '
                                           'e.g. 2026-11-27T09:30:00Z.') from None
    if not EARLIEST <= parsed < LATEST:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Times must be from '
                                           f'{EARLIEST.year} to {LATEST.year - 1}.')
    return parsed


DATETIME = ScalarDefinition(
    name="DateTime", description="Date with time (isoformat)", specified_by_url=None,
    serialize=lambda value: value.isoformat(), parse_value=parse_datetime, parse_literal=None, origin=datetime)

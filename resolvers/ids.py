"""Opaque IDs: strings on the wire, UUIDs inside."""

from __future__ import annotations

import uuid

from domain.errors import ValidationFailed


def parse_id(value: str, *, field: str = "id") -> uuid.UUID:
    """The UUID behind an ID argument, or a validation error naming the field."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed(f"{value!r} is not a valid ID.", field=field) from None

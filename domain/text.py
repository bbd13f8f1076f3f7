"""Rules for text that every input shares."""

from __future__ import annotations

from typing import Any

NUL_MESSAGE = "Text must not contain the NUL character (\\u0000)."


def nul_path(value: Any, path: tuple = ()) -> tuple | None:
    """Where in ``value`` (keys and indexes) the first text holding U+0000 is, or None.

    PostgreSQL's text and jsonb cannot store U+0000, so such input must be refused up front
    with a clear error instead of failing in the database.
    """
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = nul_path(key, (*path, key)) or nul_path(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = nul_path(item, (*path, index))
            if found is not None:
                return found
    return None


def contains_nul(value: Any) -> bool:
    """Whether any text in ``value`` (strings, keys, nested lists and objects) holds U+0000."""
    return nul_path(value) is not None

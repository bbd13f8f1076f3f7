"""Rules for text that every input shares."""

from __future__ import annotations

from typing import Any

UNSTORABLE_MESSAGE = "Text must not contain NUL characters (\\u0000) or unpaired surrogates."


def storable(text: str) -> bool:
    """Whether PostgreSQL can store ``text``: its text and jsonb refuse U+0000, and UTF-8 has no
    unpaired surrogates (JSON can carry both, as ``\\u0000`` and ``\\ud800``)."""
    if "\x00" in text:
        return False
    if text.isascii():  # the common case, without encoding a copy
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_path(value: Any, path: tuple = ()) -> tuple | None:
    """Where in ``value`` (keys and indexes) the first text that is not :func:`storable` is, or None.

    Such input must be refused up front with a clear error instead of failing in the database.
    """
    if isinstance(value, str):
        return None if storable(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable_path(key, (*path, key)) or unstorable_path(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = unstorable_path(item, (*path, index))
            if found is not None:
                return found
    return None


def all_storable(value: Any) -> bool:
    """Whether every text in ``value`` (strings, keys, nested lists and objects) is storable."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not storable(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return True

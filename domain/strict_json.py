"""The one way JSON from outside is read: UTF-8 only, nesting bounded, every failure a ``BadJSON``.

Python's ``json`` raises ``UnicodeDecodeError`` on invalid UTF-8 and ``RecursionError`` on deeply
nested input (and code that walks a decoded document recurses too), so every JSON body, parameter
and form field goes through :func:`loads`, which refuses both with a reason a sender can act on::

    try:
        body = strict_json.loads(raw)
    except strict_json.BadJSON as bad:
        return 400, f"Body is {bad}."   # e.g. "Body is not valid UTF-8 (byte 0xff at offset 7)."
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
_STRUCTURE = b'"[]{}'
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STRUCTURE)
_STRING = re.compile(rb'"[^"]*"')


def _balanced(levels: int) -> re.Pattern[bytes]:
    """Matches a bracket skeleton nested at most ``levels`` deep (possessive: no backtracking)."""
    pattern = rb"\[\]|\{\}"
    for _ in range(levels - 1):
        pattern = rb"\[(?:" + pattern + rb")*+\]|\{(?:" + pattern + rb")*+\}"
    return re.compile(pattern)


_SUBTREES = {levels: _balanced(levels) for levels in range(1, 9)}


class BadJSON(ValueError):
    """Text that is not acceptable JSON; ``str()`` says why."""


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, **options: Any) -> Any:
    """Decode ``data`` (UTF-8 bytes or text) nested at most ``max_depth`` arrays/objects deep.

    ``options`` go to :func:`json.loads` (e.g. ``parse_constant``). Raises :class:`BadJSON`.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    text = _utf8(raw) if isinstance(data, bytes) else data
    if nested_deeper_than(raw, max_depth):
        raise BadJSON(f"nested too deeply (more than {max_depth} levels)")
    try:
        return json.loads(text, **options)
    except json.JSONDecodeError as bad:
        raise BadJSON(f"not valid JSON: {bad.msg} at line {bad.lineno} column {bad.colno}") from None
    except (ValueError, RecursionError) as bad:  # e.g. an integer of more than 4300 digits
        raise BadJSON(f"not valid JSON: {bad}") from None


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise BadJSON(f"not valid UTF-8 (byte 0x{raw[bad.start]:02x} at offset {bad.start})") from None


def nested_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether the arrays and objects of JSON text ``raw`` nest more than ``limit`` deep.

    Works on the brackets alone, in C-speed passes: escaped quotes and backslashes go, then strings;
    a run of more than ``limit`` openers is too deep at once; otherwise each pass removes every
    subtree up to a few levels high (one level first, which turns combs into runs), so a document at
    most ``limit`` deep is gone after passes totalling ``limit`` levels. Malformed text is left for the
    decoder to report.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    skeleton = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    skeleton = _STRING.sub(b"", skeleton)
    too_long_a_run = re.compile(rb"[\[{]{%d}" % (limit + 1))
    left = limit
    while skeleton and left:
        if too_long_a_run.search(skeleton):
            return True
        levels = 1 if left == limit else min(len(_SUBTREES), left)
        shorter = _SUBTREES[levels].sub(b"", skeleton)
        if shorter == skeleton:
            return False
        skeleton, left = shorter, left - levels
    return bool(skeleton)

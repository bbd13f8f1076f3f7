"""The step template language: ``{{ inputs.host }}``, ``{{ subject.title }}``, ``{{ steps.check.outputs.code }}``.

Only dotted lookups into the run's context; nothing is evaluated. A string that is exactly one
placeholder takes the value itself (a number stays a number); otherwise values are inserted as text.
A missing name is an error (the step fails saying which), never an empty string.
"""

from __future__ import annotations

import json
import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")
ROOTS = ("inputs", "subject", "steps")


class TemplateError(Exception):
    """A placeholder names something the run does not have."""


def lookup(context: dict, path: str) -> Any:
    """The value at ``path`` (``a.b.c``) in ``context``."""
    parts = path.split(".")
    if parts[0] not in ROOTS:
        raise TemplateError(f"{{{{ {path} }}}}: templates read {', '.join(ROOTS)}")
    value: Any = context
    for part in parts:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise TemplateError(f"{{{{ {path} }}}}: no {part!r} there")
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def render(value: Any, context: dict) -> Any:
    """``value`` with every placeholder in its strings (at any depth) replaced from ``context``."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole:
            return lookup(context, whole.group(1))
        return PLACEHOLDER.sub(lambda m: _text(lookup(context, m.group(1))), value)
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value

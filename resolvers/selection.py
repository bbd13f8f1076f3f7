"""What the operation selects below the current field, to prefetch only what will be read."""

from __future__ import annotations

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField


def _children(selections: list, name: str) -> list:
    found = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                found.extend(selection.selections)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            found.extend(_children(selection.selections, name))
    return found


def selects(info: strawberry.Info, path: str) -> bool:
    """True if ``path`` (dotted GraphQL field names, e.g. ``edges.node.assignee``) is selected here."""
    level: list = [s for field in info.selected_fields for s in field.selections]
    *parents, leaf = path.split(".")
    for name in parents:
        level = _children(level, name)
    return _has(level, leaf)


def _has(selections: list, name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        if isinstance(selection, FragmentSpread | InlineFragment) and _has(selection.selections, name):
            return True
    return False


def selected_names(info: strawberry.Info, path: str) -> set[str] | None:
    """GraphQL field names selected at ``path`` below this field; None if fragments make it unclear."""
    level: list = [s for field in info.selected_fields for s in field.selections]
    for name in path.split("."):
        level = _children(level, name)
    names = set()
    for selection in level:
        if not isinstance(selection, SelectedField):
            return None
        names.add(selection.name)
    return names

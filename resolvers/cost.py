"""A query cost limit: refuse operations that would fan out into too many resolved fields.

Every field costs 1; a field with a ``first`` argument (a connection) multiplies the cost of what
it selects by that page size (its default when omitted). ``incidents(first: 1000)`` with 15
fields costs about 15,000; nesting ``timeline(first: 100)`` inside it would cost over 100,000.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

MAX_COST = 50_000
DEFAULT_PAGE = 50


def _page_size(field: FieldNode, variables: dict) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return given if isinstance(given, int) else DEFAULT_PAGE
        return DEFAULT_PAGE
    return None


def selection_cost(selection_set, fragments: dict[str, FragmentDefinitionNode], variables: dict,
                   seen: frozenset[str] = frozenset()) -> int:
    """The cost of a selection set (fragments expanded once per path)."""
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = selection_cost(selection.selection_set, fragments, variables, seen)
            size = _page_size(selection, variables)
            total += 1 + inner * (size if size is not None else 1)
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(selection.selection_set, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                total += selection_cost(fragment.selection_set, fragments, variables, seen | {fragment.name.value})
    return total


class CostLimiter(SchemaExtension):
    """Refuses an operation whose estimated cost exceeds MAX_COST, before anything resolves."""

    def on_execute(self):
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            variables = context.variables or {}
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                if context.operation_name and definition.name and definition.name.value != context.operation_name:
                    continue
                cost = selection_cost(definition.selection_set, fragments, variables)
                if cost > MAX_COST:
                    raise GraphQLError(f"Query is too expensive: estimated cost {cost} exceeds {MAX_COST}; "
                                       "ask for smaller pages or fewer nested lists.",
                                       extensions={"code": "QUERY_TOO_COSTLY"})
        yield

"""Plain attribute fields resolved by graphql-core directly, without strawberry's per-field wrapper.

Strawberry resolves a field that has no resolver and no extensions ("basic") through a generic
wrapper that looks up the field's Python name on every call. For large lists that wrapper costs
more than the rest of the execution, so after building the schema each basic field gets a
resolver that reads its attribute directly. Behaviour is identical: it is the same ``getattr``.
"""

from __future__ import annotations

import strawberry
from strawberry.types.base import StrawberryObjectDefinition


def _reader(python_name: str):
    def read(source, info, **_):
        return getattr(source, python_name)

    return read


def direct_attribute_resolvers(schema: strawberry.Schema) -> int:
    """Swap the resolver of every basic object field for a direct attribute read; return how many."""
    swapped = 0
    for name, graphql_type in schema._schema.type_map.items():
        definition = schema.get_type_by_name(name)
        if not isinstance(definition, StrawberryObjectDefinition) or not hasattr(graphql_type, "fields"):
            continue
        for field in definition.fields:
            graphql_name = schema.config.name_converter.from_field(field)
            resolver = getattr(graphql_type.fields.get(graphql_name), "resolve", None)
            if field.is_basic_field and getattr(resolver, "_is_default", False):
                graphql_type.fields[graphql_name].resolve = _reader(field.python_name)
                swapped += 1
    return swapped

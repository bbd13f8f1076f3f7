"""Named GraphQL operations from graphql/operations/, executed in-process for the console.

Each screen runs exactly one named operation through ``schema.execute`` with the signed-in user's
context, so the console has the API's permissions, tenancy and limits, and nothing more. Live views
stream a named subscription through ``schema.subscribe`` the same way (see console/sse.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import strawberry
from graphql import OperationDefinitionNode, OperationType, parse
from strawberry.types import ExecutionResult

from domain.outages import DEPENDENCY_DOWN


class OperationError(LookupError):
    """An operation is unknown, duplicated, or not allowed for the request method."""


@dataclass(frozen=True)
class NamedOperation:
    """One operation of a document: its name, kind and the document text that holds it."""

    name: str
    kind: OperationType
    document: str
    path: Path


def load_operations(directory: Path) -> dict[str, NamedOperation]:
    """Read every ``*.graphql`` document below ``directory``, keyed by operation name."""
    operations: dict[str, NamedOperation] = {}
    for path in sorted(directory.rglob("*.graphql")):
        text = path.read_text()
        for definition in parse(text).definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if definition.name is None:
                raise OperationError(f"{path}: every console operation needs a name")
            name = definition.name.value
            if name in operations:
                raise OperationError(f"{path}: operation {name} is also defined in {operations[name].path}")
            operations[name] = NamedOperation(name, definition.operation, text, path)
    return operations


def _raise_outage(result: ExecutionResult) -> None:
    """A screen that failed because PostgreSQL or Redis is down answers 503 (atlas.outages), not an error page."""
    for error in result.errors or ():
        if isinstance(error.original_error, DEPENDENCY_DOWN):
            raise error.original_error


class OperationRunner:
    """Runs named operations against the schema with a given context."""

    def __init__(self, schema: strawberry.Schema, directory: Path) -> None:
        self.schema = schema
        self.operations = load_operations(directory)

    def _named(self, name: str) -> NamedOperation:
        operation = self.operations.get(name)
        if operation is None:
            raise OperationError(f"unknown operation {name!r}")
        return operation

    async def run(
        self, name: str, *, context: Any, variables: dict[str, Any] | None = None, method: str = "GET"
    ) -> ExecutionResult:
        """Execute operation ``name``; mutations only for POST, as over HTTP; never a subscription."""
        operation = self._named(name)
        if operation.kind is OperationType.SUBSCRIPTION:
            raise OperationError(f"{name} is a subscription: stream it with subscribe()")
        if operation.kind is OperationType.MUTATION and method.upper() != "POST":
            raise OperationError(f"mutation {name} needs a POST request")
        _note_operation(context, name)
        result = await self.schema.execute(
            operation.document, variable_values=variables, context_value=context, operation_name=name
        )
        _raise_outage(result)
        return result

    async def subscribe(
        self, name: str, *, context: Any, variables: dict[str, Any] | None = None
    ) -> AsyncIterator[ExecutionResult]:
        """Start subscription ``name``: its results, one per event, until the iterator is closed."""
        operation = self._named(name)
        if operation.kind is not OperationType.SUBSCRIPTION:
            raise OperationError(f"{name} is not a subscription")
        results = await self.schema.subscribe(
            operation.document, variable_values=variables, context_value=context, operation_name=name
        )
        return _single(results) if isinstance(results, ExecutionResult) else results


async def _single(result: ExecutionResult) -> AsyncIterator[ExecutionResult]:
    """An iterator over one result (a subscription refused before it started)."""
    yield result


def _note_operation(context: Any, name: str) -> None:
    """Name the screen's operation on its request, for the request's log line and latency metric."""
    request = getattr(context, "request", None)
    if request is not None and hasattr(request, "scope"):
        request.scope.setdefault("state", {})["graphql_operation"] = name

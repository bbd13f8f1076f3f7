"""Errors a caller may see, and the one way a mutation runs. Anything else is masked as "Unexpected error."."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar, Union

import strawberry
from graphql import GraphQLError

from domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from domain.outages import DEPENDENCY_DOWN

if TYPE_CHECKING:
    from domain.uow import Transaction

T = TypeVar("T")
P = TypeVar("P")
Special = dict[type[DomainError], Callable[[DomainError], "Error"]]

UNEXPECTED_ERROR_MESSAGE = "Unexpected error."


class PublicError(Exception):
    """An expected failure whose message and ``code`` are safe to show to the caller.

    Raised from a resolver it becomes a GraphQL error with ``extensions.code``::

        raise PublicError("Incident not found", code="NOT_FOUND")
    """

    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extensions = {"code": self.code}


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors to mask: caused by an exception that is neither a PublicError nor a DomainError
    nor an outage of PostgreSQL or Redis (those answer ``UNAVAILABLE``)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not isinstance(original, (PublicError, DomainError, *DEPENDENCY_DOWN))


def is_outage(error: GraphQLError) -> bool:
    """True for an error caused by PostgreSQL or Redis being unavailable."""
    return isinstance(error.original_error, DEPENDENCY_DOWN)


@strawberry.interface(description="A typed, expected failure of a mutation; nothing was changed.")
class Error:
    code: str = strawberry.field(description="Stable machine-readable code, e.g. `VALIDATION`.")
    message: str = strawberry.field(description="What went wrong, for people.")
    field: str | None = strawberry.field(description="The input field at fault, if any.")


@strawberry.type(description="Input broke a rule.")
class ValidationError(Error):
    pass


@strawberry.type(description="The object does not exist in this tenant.")
class NotFoundError(Error):
    pass


@strawberry.type(description="The change clashes with the current state.")
class ConflictError(Error):
    pass


@strawberry.type(description="The caller may not make this change.")
class ForbiddenError(Error):
    pass


MUTATION_ERRORS = (ValidationError, NotFoundError, ConflictError, ForbiddenError)
_ERROR_TYPES = {ValidationFailed: ValidationError, NotFound: NotFoundError, Conflict: ConflictError,
                Forbidden: ForbiddenError}


def error_payload(exc: DomainError) -> Error:
    """The payload error type for a domain error (others become top-level GraphQL errors)."""
    for kind, payload in _ERROR_TYPES.items():
        if isinstance(exc, kind):
            return payload(code=exc.code, message=exc.message, field=exc.field)
    raise PublicError(exc.message, code=exc.code) from exc


def payload_union(name: str, success: type, *extra_errors: type) -> object:
    """``<name> = <success> | <extra errors> | ValidationError | NotFoundError | ConflictError | ForbiddenError``."""
    return Annotated[Union[success, *extra_errors, *MUTATION_ERRORS], strawberry.union(name)]


@strawberry.type
class Deleted:
    id: strawberry.ID


DeletePayload = payload_union("DeletePayload", Deleted)


def _same(result):
    return result


async def mutate(info: strawberry.Info, change: Callable[[Transaction], Awaitable[T]],
                 present: Callable[[T], P] = _same, *, special: Special | None = None,
                 platform: bool = False) -> P | Error:
    """The one shape of a mutation: run ``change(tx)`` in the request's tenant transaction (the
    platform's with ``platform``) and answer ``present(result)``; a domain error rolls the transaction
    back and becomes its typed payload error (``special`` maps some to richer ones)::

        return await mutate(info, lambda tx: rules.create_rule(tx, definition=..., actor=...),
                            lambda rule: AlertRuleSaved(rule=AlertRule.from_model(rule)))
    """
    async def work() -> P:
        opened = info.context.platform_transaction() if platform else info.context.transaction()
        async with opened as tx:
            return present(await change(tx))

    return await run_mutation(work, special=special)


async def run_mutation(work: Callable[[], Awaitable[T]], *, special: Special | None = None) -> T | Error:
    """Await ``work``; a domain error becomes its typed payload (the transaction rolled back).

    ``special`` maps domain error classes to richer payload errors (checked first).
    """
    try:
        return await work()
    except DomainError as exc:
        for kind, make in (special or {}).items():
            if isinstance(exc, kind):
                return make(exc)
        return error_payload(exc)

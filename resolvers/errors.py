"""Errors a caller may see. Anything else is masked as "Unexpected error."."""

from __future__ import annotations

from graphql import GraphQLError

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
    """True for errors to mask: those caused by an exception that is not a PublicError."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not isinstance(original, PublicError)

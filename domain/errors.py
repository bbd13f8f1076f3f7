"""Errors the domain raises for expected failures. Adapters map them to HTTP or GraphQL errors."""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure with a stable ``code``, a message for people and the ``field`` at fault."""

    code = "INVALID"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    """Input that breaks a rule; nothing was changed."""

    code = "VALIDATION"


class NotFound(DomainError):
    """The object does not exist in this tenant (or the caller may not know it exists)."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    """The change clashes with the current state (duplicate, concurrent update, wrong state)."""

    code = "CONFLICT"


class Forbidden(DomainError):
    """The caller may not do this."""

    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    """No valid credentials: missing, malformed, expired, revoked or forged."""

    code = "UNAUTHENTICATED"


class SecretUnreadable(DomainError):
    """A sealed secret does not open with the current sealing key (the key was replaced): enter the secret again."""

    code = "SECRET_UNREADABLE"


class TooManyAttempts(DomainError):
    """Throttled: too many failures; retry after ``retry_after`` seconds."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

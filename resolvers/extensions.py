"""Schema extensions that harden the API: size limits, error masking, introspection in dev only."""

from __future__ import annotations

import logging

from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from domain.errors import DomainError
from resolvers.cost import CostLimiter
from resolvers.errors import UNEXPECTED_ERROR_MESSAGE, is_unexpected

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000

log = logging.getLogger("atlas.graphql")


class ReportErrors(SchemaExtension):
    """Give domain errors their ``extensions.code`` (and ``field``); log errors that will be masked, once."""

    def on_execute(self):
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            if isinstance(error.original_error, DomainError):
                field = {"field": error.original_error.field} if error.original_error.field else {}
                error.extensions = {**(error.extensions or {}), "code": error.original_error.code, **field}
            elif is_unexpected(error):
                log.error("unexpected GraphQL error at %s", error.path, exc_info=error.original_error)


def hardening_extensions(*, production: bool) -> list:
    """The extensions every schema runs with (factories: a fresh instance per request)."""
    extensions = [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        CostLimiter,
        ReportErrors,
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR_MESSAGE),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions

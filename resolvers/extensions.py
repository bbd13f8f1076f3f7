"""Schema extensions that harden the API: size limits, error masking, introspection in dev only."""

from __future__ import annotations

import contextlib
import functools
import logging
import re

from graphql import (
    BREAK,
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    ObjectFieldNode,
    StringValueNode,
    Visitor,
    parse,
    visit,
)
from starlette.responses import Response
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

from domain.errors import DomainError
from domain.outages import RETRY_AFTER, outage_message
from domain.text import UNSTORABLE_MESSAGE, storable, unstorable_path
from resolvers.cost import CostLimiter
from resolvers.errors import UNEXPECTED_ERROR_MESSAGE, is_outage, is_unexpected

SUGGESTION = re.compile(r" Did you mean [^?]*\?")
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000

log = logging.getLogger("atlas.graphql")


class ReportErrors(SchemaExtension):
    """Give domain errors their ``extensions.code`` (and ``field``); log errors that will be masked, once.

    An outage of PostgreSQL or Redis is an ``UNAVAILABLE`` error saying which, and the HTTP answer
    is 503 with Retry-After (never a masked "Unexpected error." with 200).
    """

    def on_execute(self):
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            if isinstance(error.original_error, DomainError):
                field = {"field": error.original_error.field} if error.original_error.field else {}
                error.extensions = {**(error.extensions or {}), "code": error.original_error.code, **field}
            elif is_outage(error):
                error.message = outage_message(error.original_error)
                error.extensions = {**(error.extensions or {}), "code": "UNAVAILABLE"}
                _answer_unavailable(self.execution_context.context)
            elif is_unexpected(error):
                log.error("unexpected GraphQL error at %s", error.path, exc_info=error.original_error)


def _answer_unavailable(context) -> None:
    response = getattr(context, "response", None)
    if isinstance(response, Response):
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER)


class _UnstorableLiteral(Visitor):
    """Finds the first string literal PostgreSQL cannot store and the argument or input field it is given to."""

    def __init__(self) -> None:
        super().__init__()
        self.field: str | None = None
        self.found = False

    def enter_string_value(self, node: StringValueNode, _key, parent, _path, ancestors):
        if storable(node.value):
            return None
        self.found = True
        named = [a for a in (*ancestors, parent) if isinstance(a, ArgumentNode | ObjectFieldNode)]
        self.field = named[-1].name.value if named else None
        return BREAK


def _unstorable_field(document: DocumentNode | None, query: str | None, variables: dict) -> tuple[bool, str | None]:
    """Whether the variables or the document's literals hold unstorable text, and the input field at fault."""
    path = unstorable_path(variables)
    if path is not None:
        names = [step for step in path if isinstance(step, str)]
        return True, names[-1] if names else None
    if document is None or "\\u" not in (query or ""):  # a literal can only carry it as an escape
        return False, None
    literal = _UnstorableLiteral()
    visit(document, literal)
    return literal.found, literal.field


class RefuseUnstorableText(SchemaExtension):
    """Refuses an operation whose text input PostgreSQL cannot store (U+0000, unpaired surrogates) before
    anything resolves: one VALIDATION error naming the input field, instead of a database failure."""

    def on_execute(self):
        context = self.execution_context
        found, field = _unstorable_field(context.graphql_document, context.query, context.variables or {})
        if found:
            named = {"field": field} if field else {}
            raise GraphQLError(UNSTORABLE_MESSAGE, extensions={"code": "VALIDATION", **named})
        yield


def without_suggestions(message: str) -> str:
    """``message`` without graphql-core's " Did you mean 'x' or 'y'?" hints (GraphQL names hold no '?')."""
    return SUGGESTION.sub("", message)


MAX_CACHED_DOCUMENT = 16 * 1024  # characters: larger documents are parsed and validated every time


@functools.lru_cache(maxsize=256)
def _parsed(query: str, options: tuple) -> DocumentNode:
    return parse(query, **dict(options))


@functools.lru_cache(maxsize=256)
def _validated(schema: GraphQLSchema, document: DocumentNode, rules: tuple) -> list[GraphQLError]:
    return validate_document(schema, document, rules)


class DocumentCache(SchemaExtension):
    """Parse and validate each distinct small document once: clients and the console send the same few
    operations again and again. The parse options (token limit) and the validation rules (depth,
    aliases, introspection) are part of the key, so every limit still applies; a document that does
    not parse is left to the normal path, which reports the error."""

    _cached = False

    def on_parse(self):
        context = self.execution_context
        if context.graphql_document is None and context.query and len(context.query) <= MAX_CACHED_DOCUMENT:
            with contextlib.suppress(GraphQLError):
                context.graphql_document = _parsed(context.query, tuple(sorted(context.parse_options.items())))
                self._cached = True
        yield

    def on_validate(self):
        context = self.execution_context
        if self._cached and context.pre_execution_errors is None and context.validation_rules:
            context.pre_execution_errors = _validated(context.schema._schema, context.graphql_document,
                                                      tuple(context.validation_rules))
        yield


# Built once: the same rule classes on every request (the validation cache keys on them).
LIMIT_RULES = [*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
               *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules]


def hardening_extensions(*, production: bool) -> list:
    """The extensions every schema runs with (factories: a fresh instance per request)."""
    extensions = [
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        DocumentCache,
        CostLimiter,
        RefuseUnstorableText,
        ReportErrors,
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR_MESSAGE),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions

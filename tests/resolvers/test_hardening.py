"""GraphQL hardening: size limits, masked errors, introspection and GraphiQL only in development."""

import strawberry

from resolvers.errors import PublicError
from resolvers.extensions import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, hardening_extensions


@strawberry.type
class Node:
    name: str = "n"

    @strawberry.field
    def child(self) -> "Node":
        return Node()


@strawberry.type
class Query:
    @strawberry.field
    def node(self) -> Node:
        return Node()

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("password=hunter2 leaked in a stack trace")

    @strawberry.field
    def refused(self) -> str:
        raise PublicError("Incident not found", code="NOT_FOUND")


TINY = strawberry.Schema(query=Query, extensions=hardening_extensions(production=False))


async def test_queries_deeper_than_the_limit_are_refused():
    query = "{ node " + "{ child " * MAX_DEPTH + "{ name }" + " }" * (MAX_DEPTH + 1)

    result = await TINY.execute(query)

    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message


async def test_too_many_aliases_are_refused():
    aliases = " ".join(f"a{i}: node {{ name }}" for i in range(MAX_ALIASES + 1))

    result = await TINY.execute("{ " + aliases + " }")

    assert result.errors and "aliases found" in result.errors[0].message


async def test_too_many_tokens_are_refused():
    result = await TINY.execute("{ " + "node { name } " * 800 + " }")

    assert result.errors and f"Document contains more than {MAX_TOKENS} tokens" in result.errors[0].message


async def test_a_document_sent_again_meets_every_limit_again_and_a_good_one_still_runs():
    deep = "{ node " + "{ child " * MAX_DEPTH + "{ name }" + " }" * (MAX_DEPTH + 1)
    broken = "{ node { name }"

    refused = [await TINY.execute(deep) for _ in range(3)]
    unparsed = [await TINY.execute(broken) for _ in range(2)]
    answered = [await TINY.execute("{ node { child { name } } }") for _ in range(2)]

    assert all(r.errors and "exceeds maximum operation depth" in r.errors[0].message for r in refused)
    assert all(r.errors and r.errors[0].message.startswith("Syntax Error: Expected Name") for r in unparsed)
    assert [r.data for r in answered] == [{"node": {"child": {"name": "n"}}}] * 2


async def test_unexpected_errors_are_masked():
    result = await TINY.execute("{ broken }")

    assert [e.message for e in result.errors] == ["Unexpected error."]


async def test_public_errors_keep_their_message_and_code():
    result = await TINY.execute("{ refused }")

    assert result.errors[0].message == "Incident not found"
    assert result.errors[0].extensions == {"code": "NOT_FOUND"}


async def test_production_schema_refuses_introspection():
    production = strawberry.Schema(query=Query, extensions=hardening_extensions(production=True))

    result = await production.execute("{ __schema { queryType { name } } }")

    assert result.errors and "introspection" in result.errors[0].message.lower()


@strawberry.type
class Page:
    @strawberry.field
    def items(self, first: int = 10) -> list["Page"]:
        return [Page() for _ in range(min(first, 3))]

    name: str = "p"


@strawberry.type
class CostQuery:
    @strawberry.field
    def pages(self, first: int = 10) -> list[Page]:
        return [Page() for _ in range(min(first, 3))]


COSTED = strawberry.Schema(query=CostQuery, extensions=hardening_extensions(production=False))


async def test_nested_large_pages_are_refused_by_cost_before_resolving():
    result = await COSTED.execute("query($n: Int!) { pages(first: $n) { items(first: 1000) { name } } }",
                                  variable_values={"n": 100})

    assert result.errors[0].extensions == {"code": "QUERY_TOO_COSTLY"}
    assert "estimated cost 100101 exceeds 50000" in result.errors[0].message
    assert result.data is None


async def test_a_large_flat_page_is_within_budget():
    result = await COSTED.execute("{ pages(first: 1000) { name } }")

    assert result.errors is None


MISSPELLED = [
    ("field", "{ incidnts { id } }", None),
    ("argument", "{ incidents(frist: 2) { edges { cursor } } }", None),
    ("enum literal", '{ incidents(filter: {severities: [SEV0]}) { edges { cursor } } }', None),
    ("enum variable", "query($s: [Severity!]) { incidents(filter: {severities: $s}) { edges { cursor } } }",
     {"s": ["SEV11"]}),
    ("input field", "{ incidents(filter: {severty: [SEV1]}) { edges { cursor } } }", None),
    ("type name", "query($f: IncidentFiltr) { incidents(filter: $f) { edges { cursor } } }", None),
    ("fragment type", "{ viewer { ... on Viewr { email } } }", None),
]


async def _messages(http, query: str, variables: dict | None) -> list[str]:
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}})
    return [error["message"] for error in response.json()["errors"]]


async def test_production_errors_carry_no_suggestions_that_map_the_schema(production_client):
    for name, query, variables in MISSPELLED:
        messages = await _messages(production_client, query, variables)
        assert messages and not [m for m in messages if "Did you mean" in m], (name, messages)


async def test_development_keeps_the_suggestions(client):
    messages = await _messages(client, "{ incidnts { id } }", None)

    assert messages == ["Cannot query field 'incidnts' on type 'Query'. Did you mean 'incidents' or 'incident'?"]

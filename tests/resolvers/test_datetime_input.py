"""DateTime inputs: ISO 8601, naive times are UTC, and times beyond 1900-2199 are input errors."""

import pytest

from tests.conftest import auth_headers, gql

CREATE_KEY = """mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { __typename
  ... on ApiKeyCreated { apiKey { expiresAt } } } }"""


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z",
                                   "2199-12-31T23:59:59-01:00", "next tuesday", "2030-13-01T00:00:00Z"])
async def test_times_outside_the_calendar_we_keep_are_input_errors_and_create_nothing(
        client, make_tenant, sign_in, value):
    headers = auth_headers(await sign_in(await make_tenant()))

    result = await gql(client, CREATE_KEY, {"i": {"name": "k", "expiresAt": value}}, headers)

    assert result.get("data") is None
    assert f'at .expiresAt: Value cannot represent a DateTime: "{value}".' in result["errors"][0]["message"]
    listed = await gql(client, "{ apiKeys { edges { node { id } } } }", headers=headers)
    assert listed["data"]["apiKeys"]["edges"] == []


async def test_a_time_without_an_offset_is_utc(client, make_tenant, sign_in):
    headers = auth_headers(await sign_in(await make_tenant()))

    result = await gql(client, CREATE_KEY, {"i": {"name": "k", "expiresAt": "2030-01-01T08:00:00"}}, headers)

    assert result["data"]["createApiKey"]["apiKey"]["expiresAt"] == "2030-01-01T08:00:00+00:00"

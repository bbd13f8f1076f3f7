"""API keys through GraphQL."""


from tests.conftest import auth_headers, gql

ERROR = "... on Error { code message field }"


CREATE_KEY = f"""mutation($i: CreateApiKeyInput!) {{ createApiKey(input: $i) {{ __typename
  ... on ApiKeyCreated {{ clientSecret key apiKey {{ id clientId kind roles }} }} {ERROR} }} }}"""


async def test_api_keys_show_their_secret_once_and_revoke_at_once(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))

    created = (await gql(client, CREATE_KEY, {"i": {"name": "otel", "roles": ["agent"]}}, owner))["data"]["createApiKey"]
    listed = await client.post("/graphql", json={"query": "{ apiKeys { edges { node { id clientId lastUsedAt } } } }"},
                               headers=owner)
    token = await client.post("/api/auth/token", data={"grant_type": "client_credentials",
                                                        "client_id": created["apiKey"]["clientId"],
                                                        "client_secret": created["clientSecret"]})
    revoked = await gql(client, f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ __typename {ERROR} }} }}",
                        {"id": created["apiKey"]["id"]}, owner)
    after = await client.post("/graphql", json={"query": "{ viewer { subject } }"},
                              headers=auth_headers(token.json()["access_token"], tenant.tenant_id))

    assert created["key"] == f"{created['apiKey']['clientId']}_{created['clientSecret']}"
    assert created["clientSecret"] not in listed.text
    assert token.status_code == 200
    assert revoked["data"]["revokeApiKey"]["__typename"] == "ApiKeyRevoked"
    assert after.status_code == 401 and after.json()["message"] == "This API key was revoked."


async def test_api_key_input_is_validated(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    cases = [
        ({"name": "", "roles": ["agent"]}, "VALIDATION", "name"),
        ({"name": "k", "kind": "admin", "roles": ["agent"]}, "VALIDATION", "kind"),
        ({"name": "k", "roles": ["nope"]}, "VALIDATION", "roles"),
        ({"name": "k", "roles": ["agent"], "expiresAt": "2001-01-01T00:00:00Z"}, "VALIDATION", "expiresAt"),
    ]
    for payload, code, field in cases:
        result = (await gql(client, CREATE_KEY, {"i": payload}, owner))["data"]["createApiKey"]
        assert (result["code"], result["field"]) == (code, field), payload
    ingest = (await gql(client, CREATE_KEY, {"i": {"name": "edge", "kind": "ingest", "roles": ["owner"]}}, owner))
    assert ingest["data"]["createApiKey"]["apiKey"]["roles"] == ["agent"]

"""Secrets providers (local files, AWS Secrets Manager through boto3's Stubber) and the signing key ring."""

import json
import stat

import boto3
import jwt
import pytest
from botocore.stub import ANY, Stubber

from atlas.keys import SECRET_NAME, KeyRing
from atlas.secrets import AwsSecrets, LocalSecrets, SecretsError


def test_local_secrets_are_private_files(tmp_path):
    secrets = LocalSecrets(tmp_path / "secrets")

    secrets.put("api-token", "s3cret")

    path = tmp_path / "secrets" / "api-token"
    assert secrets.get("api-token") == "s3cret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    assert secrets.get("missing") is None


def test_secret_names_cannot_escape_the_folder(tmp_path):
    with pytest.raises(SecretsError, match="invalid secret name"):
        LocalSecrets(tmp_path).put("../../etc/passwd", "x")


@pytest.fixture
def secretsmanager():
    client = boto3.client("secretsmanager", region_name="eu-west-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _not_found(stubber, method, params):
    stubber.add_client_error(method, service_error_code="ResourceNotFoundException", http_status_code=400,
                             expected_params=params)


def test_aws_secrets_reads_and_creates_through_secrets_manager(secretsmanager):
    client, stubber = secretsmanager
    secrets = AwsSecrets(client, "atlasai/")
    stubber.add_response("get_secret_value", {"Name": "atlasai/db", "SecretString": "pw"},
                         {"SecretId": "atlasai/db"})
    _not_found(stubber, "get_secret_value", {"SecretId": "atlasai/nothing"})
    _not_found(stubber, "put_secret_value", {"SecretId": "atlasai/new", "SecretString": "v1"})
    stubber.add_response("create_secret", {"Name": "atlasai/new"}, {"Name": "atlasai/new", "SecretString": "v1"})

    assert secrets.get("db") == "pw"
    assert secrets.get("nothing") is None
    secrets.put("new", "v1")


def test_the_key_ring_is_created_in_secrets_manager_on_first_start(secretsmanager):
    client, stubber = secretsmanager
    _not_found(stubber, "get_secret_value", {"SecretId": f"atlasai/{SECRET_NAME}"})
    _not_found(stubber, "put_secret_value", {"SecretId": f"atlasai/{SECRET_NAME}", "SecretString": ANY})
    stubber.add_response("create_secret", {"Name": f"atlasai/{SECRET_NAME}"},
                         {"Name": f"atlasai/{SECRET_NAME}", "SecretString": ANY})

    ring = KeyRing(AwsSecrets(client, "atlasai/"), keep_retired_for=3600)
    ring.ensure()

    assert ring.signing_key.kid in {k["kid"] for k in ring.jwks()["keys"]}


def test_processes_sharing_a_provider_share_the_ring(tmp_path):
    provider = LocalSecrets(tmp_path)
    first, second = KeyRing(provider, keep_retired_for=3600), KeyRing(provider, keep_retired_for=3600)

    first.ensure()
    second.ensure()

    assert first.signing_key.kid == second.signing_key.kid


def test_rotation_keeps_old_tokens_verifiable_until_retention_ends(tmp_path):
    ring = KeyRing(LocalSecrets(tmp_path), keep_retired_for=3600)
    ring.ensure()
    old = ring.signing_key
    token = jwt.encode({"sub": "x"}, old.private_key, algorithm="EdDSA", headers={"kid": old.kid})

    new = ring.rotate()

    assert ring.signing_key.kid == new.kid != old.kid
    assert ring.verification_key(old.kid) is not None
    assert jwt.decode(token, ring.verification_key(old.kid).public_key, algorithms=["EdDSA"])["sub"] == "x"
    assert {k["kid"] for k in ring.jwks()["keys"]} == {old.kid, new.kid}


def test_keys_retired_longer_than_any_token_lives_are_dropped(tmp_path):
    ring = KeyRing(LocalSecrets(tmp_path), keep_retired_for=0)
    ring.ensure()
    oldest = ring.signing_key.kid
    ring.rotate()

    newest = ring.rotate()

    assert {k["kid"] for k in ring.jwks()["keys"]} == {newest.kid}
    assert ring.verification_key(oldest) is None


def test_the_jwks_never_contains_private_material(tmp_path):
    ring = KeyRing(LocalSecrets(tmp_path), keep_retired_for=3600)
    ring.ensure()

    for key in ring.jwks()["keys"]:
        assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}
    stored = json.loads((tmp_path / SECRET_NAME).read_text())
    assert "PRIVATE KEY" in stored["keys"][0]["private_key"]

"""Opaque credentials (API keys, invitations, refresh tokens): shown once, stored hashed, parsed strictly."""

import uuid

from domain.credentials import API_KEY, INVITATION, hash_secret, new_credential, parse_credential, secret_matches


def test_a_credential_round_trips_and_only_its_secret_matches_its_hash():
    row = uuid.uuid4()
    made = new_credential(API_KEY, row)

    parsed = parse_credential(str(made), API_KEY)

    assert parsed is not None and parsed.id == row and parsed.secret == made.secret
    assert secret_matches(hash_secret(made.secret), made.secret)
    assert not secret_matches(hash_secret(made.secret), made.secret + "x")


def test_a_credential_of_another_kind_or_garbled_is_not_one():
    made = new_credential(API_KEY, uuid.uuid4())

    assert parse_credential(str(made), INVITATION) is None
    assert parse_credential("atk_not-a-credential", API_KEY) is None
    assert parse_credential("", API_KEY) is None

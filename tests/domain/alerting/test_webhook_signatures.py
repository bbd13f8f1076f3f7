"""Webhook signatures: Standard Webhooks headers any reference library verifies, and X-Atlas-Signature."""

import base64
import hashlib
import hmac
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from domain.alerting.notify import new_secret, signature, signing_key, standard_headers

BODY = b'{"type":"incident.triggered","incident":{"id":"42"}}'


def test_a_new_secret_is_a_standard_webhooks_secret_that_the_reference_library_verifies():
    secret, now = new_secret(), int(time.time())

    headers = standard_headers(secret, message_id="d-1", timestamp=now, body=BODY)

    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert headers["webhook-id"] == "d-1" and headers["webhook-timestamp"] == str(now)
    assert Webhook(secret).verify(BODY, headers) == {"type": "incident.triggered", "incident": {"id": "42"}}


def test_a_changed_body_or_another_secret_fails_verification():
    secret = new_secret()
    headers = standard_headers(secret, message_id="d-1", timestamp=int(time.time()), body=BODY)

    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook(secret).verify(BODY.replace(b"42", b"43"), headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook(new_secret()).verify(BODY, headers)


def test_x_atlas_signature_is_the_hex_hmac_of_time_and_body_with_the_secret_text():
    secret = new_secret()

    value = signature(secret, 1700000000, BODY)

    expected = hmac.new(secret.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert value == f"t=1700000000,v1={expected}"


def test_secrets_made_before_standard_base64_still_sign_as_the_reference_library_reads_them():
    readable = "whsec_tbw58T6w6zP7rVEPfyB4WTWe7S4cVR3tzGi7vuiw_QQ"  # URL-safe text, as targets once got
    unreadable = "whsec_9qXnESu0xaJgFtU6xevutkZa0F8Q1ursM8vlA-nzA-k"  # the library cannot decode this one
    now = int(time.time())

    headers = standard_headers(readable, message_id="d-2", timestamp=now, body=BODY)
    fallback = standard_headers(unreadable, message_id="d-3", timestamp=now, body=BODY)

    assert Webhook(readable).verify(BODY, headers)["incident"] == {"id": "42"}
    with pytest.raises(ValueError):
        Webhook(unreadable)
    assert signing_key(unreadable) == base64.urlsafe_b64decode("9qXnESu0xaJgFtU6xevutkZa0F8Q1ursM8vlA-nzA-k=")
    assert fallback["webhook-signature"].startswith("v1,")

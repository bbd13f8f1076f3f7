"""Deliveries travel as EdDSA JWTs signed with the control plane's token key and verified by the tenant
plane with its cached copy of the control plane's JWKS: audience = the receiving plane's name."""

from __future__ import annotations

import time
from typing import Any

import jwt

from domain.auth.tokens import ALGORITHMS, LEEWAY_SECONDS, KeySource
from domain.errors import Unauthenticated

DELIVERY_TTL = 300
REQUIRED = ["iss", "aud", "iat", "exp", "key", "kind", "payload"]


def sign_delivery(keys: KeySource, *, issuer: str, plane: str, key: str, kind: str, payload: dict[str, Any]) -> str:
    """The signed form of one delivery to ``plane``."""
    now = int(time.time())
    claims = {"iss": issuer, "aud": plane, "iat": now, "exp": now + DELIVERY_TTL, "key": key, "kind": kind,
              "payload": payload}
    signing = keys.signing_key
    return jwt.encode(claims, signing.private_key, algorithm=ALGORITHMS[0], headers={"kid": signing.kid})


def verify_delivery(keys: KeySource, *, issuer: str, plane: str, signed: str) -> dict[str, Any]:
    """The claims of a delivery signed by the control plane for ``plane``, or Unauthenticated."""
    try:
        header = jwt.get_unverified_header(signed)
    except jwt.DecodeError:
        raise Unauthenticated("The delivery is not a signed JWT.") from None
    kid = header.get("kid")
    key = keys.verification_key(kid) if isinstance(kid, str) and header.get("alg") in ALGORITHMS else None
    if key is None:
        raise Unauthenticated("The delivery is signed by an unknown key.")
    try:
        return jwt.decode(signed, key.public_key, algorithms=ALGORITHMS, audience=plane, issuer=issuer,
                          leeway=LEEWAY_SECONDS, options={"require": REQUIRED})
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"The delivery's signature or claims are not valid ({type(exc).__name__}).") from None

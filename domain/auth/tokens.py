"""Access tokens: short-lived EdDSA JWTs the control plane signs and the tenant plane verifies.

Verification pins the algorithm list, requires a known ``kid``, and checks issuer, audience,
expiry and every required claim. Each failure has its own message.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from domain.errors import Unauthenticated

ALGORITHMS = ["EdDSA"]
REQUIRED_CLAIMS = ["iss", "aud", "sub", "tid", "roles", "ent", "region", "iat", "exp", "jti"]
LEEWAY_SECONDS = 5


class KeySource(Protocol):
    """What signing and verification need from the key ring."""

    @property
    def signing_key(self) -> Any: ...

    def verification_key(self, kid: str) -> Any | None: ...


@dataclass(frozen=True)
class TokenPolicy:
    """Who issues tokens, for whom, and for how long."""

    issuer: str
    audience: str
    access_ttl: int
    region: str
    # Set on a tenant plane deployed apart (ATLAS_PLANE_NAME): it accepts only tokens whose audience is
    # its own name, i.e. of the tenants it hosts.
    plane: str | None = None


def issue_access_token(
    keys: KeySource, policy: TokenPolicy, *, subject: str, tenant_id: uuid.UUID, roles: list[str],
    entitlements: dict[str, Any], extra: dict[str, Any] | None = None, audience: str | None = None,
) -> tuple[str, int]:
    """Sign an access token (for ``audience``: the tenant's home plane, else the policy's); return it and its
    lifetime in seconds."""
    issued = round(time.time(), 3)  # sub-second iat: revocation cut-offs are exact
    now = int(issued)
    claims = {
        "iss": policy.issuer, "aud": audience or policy.audience, "sub": subject, "tid": str(tenant_id),
        "roles": sorted(roles), "ent": entitlements, "region": policy.region,
        "iat": issued, "nbf": now, "exp": now + policy.access_ttl, "jti": uuid.uuid4().hex,
        **(extra or {}),
    }
    key = keys.signing_key
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHMS[0], headers={"kid": key.kid})
    return token, policy.access_ttl


def _verification_key(keys: KeySource, token: str):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise Unauthenticated("Malformed access token.") from None
    if header.get("alg") not in ALGORITHMS:
        raise Unauthenticated(f"Token algorithm {header.get('alg')!r} is not accepted.")
    kid = header.get("kid")
    key = keys.verification_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise Unauthenticated("Token signed by an unknown key.")
    return key


_FAILURES: list[tuple[type[Exception], str]] = [
    (jwt.ExpiredSignatureError, "Access token expired."),
    (jwt.InvalidAudienceError, "Token is not meant for this audience."),
    (jwt.InvalidIssuerError, "Token was issued by an unknown issuer."),
    (jwt.InvalidSignatureError, "Token signature is invalid."),
    (jwt.ImmatureSignatureError, "Token is not valid yet."),
]


def verify_access_token(keys: KeySource, policy: TokenPolicy, token: str) -> dict[str, Any]:
    """Return the claims of a valid token, or raise Unauthenticated saying what is wrong.

    The audience is checked against the token's tenant afterwards (domain.auth.principals): it is the
    tenant's home plane, or the policy's audience for a tenant this deployment hosts itself.
    """
    key = _verification_key(keys, token)
    try:
        claims = jwt.decode(
            token, key.public_key, algorithms=ALGORITHMS, issuer=policy.issuer, leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "verify_aud": False},
        )
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthenticated(f"Token lacks the required claim {exc.claim!r}.") from None
    except jwt.InvalidTokenError as exc:
        for kind, message in _FAILURES:
            if isinstance(exc, kind):
                raise Unauthenticated(message) from None
        raise Unauthenticated("Malformed access token.") from None
    if not isinstance(claims.get("aud"), str):
        raise Unauthenticated("Token is not meant for this audience.")
    return claims


def key_id(token: str) -> str | None:
    """The ``kid`` of a token's header (None when unreadable)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.DecodeError:
        return None
    return kid if isinstance(kid, str) else None

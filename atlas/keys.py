"""The JWT signing key ring: Ed25519 keys with a ``kid``, kept in the secrets provider.

The newest key signs. Rotation adds a key and retires the previous one; retired keys stay in the
JWKS (so tokens they signed still verify) until every token they could have signed has expired.
Processes reload the ring periodically and when they meet an unknown ``kid`` (at most once a
second), so a key rotated by one process is accepted by the others within about a second.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from atlas.secrets import SecretsProvider

SECRET_NAME = "jwt-signing-keys"
ALGORITHM = "EdDSA"
RELOAD_EVERY = 60.0
MISS_RELOAD_MIN_INTERVAL = 1.0  # an unknown kid re-reads the ring at most once a second


class KeyRingError(RuntimeError):
    """The key ring is missing or unreadable."""


@dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key pair with its id and lifetime."""

    kid: str
    private_key: Ed25519PrivateKey
    created_at: float
    retired_at: float | None = None

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict:
        jwk = json.loads(OKPAlgorithm.to_jwk(self.public_key))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def to_record(self) -> dict:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {"kid": self.kid, "private_key": pem, "created_at": self.created_at,
                "retired_at": self.retired_at}

    @classmethod
    def from_record(cls, record: dict) -> SigningKey:
        key = serialization.load_pem_private_key(record["private_key"].encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyRingError(f"key {record.get('kid')} is not an Ed25519 key")
        return cls(record["kid"], key, record["created_at"], record.get("retired_at"))

    @classmethod
    def generate(cls) -> SigningKey:
        kid = time.strftime("%Y%m%d") + "-" + secrets.token_hex(4)
        return cls(kid, Ed25519PrivateKey.generate(), time.time())


class KeyRing:
    """The signing keys, loaded from (and rotated in) a secrets provider."""

    def __init__(self, provider: SecretsProvider, *, keep_retired_for: float) -> None:
        self.provider = provider
        self.keep_retired_for = keep_retired_for
        self._keys: dict[str, SigningKey] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def ensure(self) -> None:
        """Load the ring, creating the first key if there is none."""
        with self.provider.locked(SECRET_NAME):
            keys = self._read()
            if not keys:
                keys = [SigningKey.generate()]
                self._write(keys)
        self._install(keys)

    def rotate(self) -> SigningKey:
        """Add a new signing key, retire the current one and drop keys no token can need."""
        with self.provider.locked(SECRET_NAME):
            now = time.time()
            keys = [k if k.retired_at else SigningKey(k.kid, k.private_key, k.created_at, now)
                    for k in self._read()]
            keys = [k for k in keys if now - k.retired_at < self.keep_retired_for]
            fresh = SigningKey.generate()
            keys.append(fresh)
            self._write(keys)
        self._install(keys)
        return fresh

    @property
    def signing_key(self) -> SigningKey:
        """The key new tokens are signed with."""
        self._reload_if_stale()
        active = [k for k in self._keys.values() if k.retired_at is None]
        if not active:
            raise KeyRingError("no active signing key: run `atlas keys rotate`")
        return max(active, key=lambda k: k.created_at)

    def verification_key(self, kid: str) -> SigningKey | None:
        """The key with ``kid`` if tokens signed by it may still be valid."""
        self._reload_if_stale()
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._loaded_at > MISS_RELOAD_MIN_INTERVAL:
            self._install(self._read())
            key = self._keys.get(kid)
        return key

    def jwks(self) -> dict:
        """The public keys as a JSON Web Key Set."""
        self._reload_if_stale()
        ordered = sorted(self._keys.values(), key=lambda k: k.created_at, reverse=True)
        return {"keys": [k.public_jwk() for k in ordered]}

    def _reload_if_stale(self) -> None:
        if time.monotonic() - self._loaded_at > RELOAD_EVERY:
            self._install(self._read() or list(self._keys.values()))

    def _install(self, keys: list[SigningKey]) -> None:
        with self._lock:
            self._keys = {k.kid: k for k in keys}
            self._loaded_at = time.monotonic()

    def _read(self) -> list[SigningKey]:
        raw = self.provider.get(SECRET_NAME)
        if not raw:
            return []
        try:
            return [SigningKey.from_record(r) for r in json.loads(raw)["keys"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"the signing key ring is unreadable: {exc}") from None

    def _write(self, keys: list[SigningKey]) -> None:
        self.provider.put(SECRET_NAME, json.dumps({"keys": [k.to_record() for k in keys]}))

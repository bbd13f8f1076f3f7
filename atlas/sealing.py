"""Sealing secrets the application must read back (webhook signing secrets) with Fernet.

The key lives in the secrets provider (``sealing-key``), created on first use; sealed values are
stored in the database. Losing the key means re-entering those secrets, not losing data.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from atlas.secrets import SecretsProvider
from domain.errors import SecretUnreadable

SECRET_NAME = "sealing-key"


class SealingError(SecretUnreadable):
    """A sealed value cannot be opened with the current key."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_provider(cls, provider: SecretsProvider) -> Sealer:
        with provider.locked(SECRET_NAME):
            key = provider.get(SECRET_NAME)
            if not key:
                key = Fernet.generate_key().decode()
                provider.put(SECRET_NAME, key)
        return cls(key.strip().encode())

    def seal(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode())

    def open(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(sealed)).decode()
        except InvalidToken:
            raise SealingError("the sealed value does not open with this key; enter the secret again") from None

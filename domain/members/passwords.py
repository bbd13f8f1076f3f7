"""Password hashing with argon2id (argon2-cffi) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def check_policy(password: str, *, field: str = "password") -> None:
    """Raise ValidationFailed unless ``password`` is acceptable."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"Password must be at least {MIN_LENGTH} characters.", field=field)
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"Password must be at most {MAX_LENGTH} characters.", field=field)


def hash_password(password: str) -> str:
    """Hash a password that passed the policy."""
    check_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; takes as long for a missing user as for a wrong password."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)

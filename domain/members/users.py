"""User use cases: look up, create, normalise emails."""

from __future__ import annotations

from typing import TYPE_CHECKING

import email_validator
from sqlalchemy import func, select

from domain.errors import ValidationFailed
from domain.members.models import User
from domain.members.passwords import hash_password

if TYPE_CHECKING:
    from domain.uow import Transaction

# On-premises teams sign in with internal domains such as corp.local: allow those.
for _internal in ("local", "localhost", "test"):
    if _internal in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(_internal)


def normalize_email(raw: str, *, field: str = "email") -> str:
    """Validate an email address's syntax and return it normalised (lower case)."""
    try:
        result = email_validator.validate_email(raw.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValidationFailed(f"Invalid email address: {exc}", field=field) from None
    return result.normalized.lower()


async def user_by_email(tx: Transaction, email: str) -> User | None:
    """The user with this email (case-insensitive), or None."""
    return await tx.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


async def create_user(
    tx: Transaction, *, email: str, password: str | None, display_name: str | None = None
) -> User:
    """Create a user with a hashed password (None: cannot sign in with a password yet)."""
    address = normalize_email(email)
    if display_name is not None and len(display_name.strip()) > 200:
        raise ValidationFailed("The display name is at most 200 characters.", field="displayName")
    user = User(
        email=address,
        display_name=(display_name or address.split("@")[0]).strip()[:200],
        password_hash=hash_password(password) if password is not None else None,
    )
    tx.session.add(user)
    await tx.session.flush()
    return user

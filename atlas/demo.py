"""The demo tenant: slug `demo`, admin `admin@demo.local`, so a new user sees a living product."""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update

from atlas.db import Database
from domain.members.models import User
from domain.members.passwords import hash_password
from domain.members.users import user_by_email
from domain.tenants.queries import tenant_by_slug
from domain.tenants.service import provision_tenant

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Org"
DEMO_ADMIN = "admin@demo.local"
CREDENTIALS_FILE = "demo-credentials.txt"


@dataclass(frozen=True)
class DemoAccount:
    """How to sign in to the demo tenant."""

    tenant_slug: str
    email: str
    password: str | None
    created: bool
    tenant_id: uuid.UUID | None = None


def _remembered_password(data_dir: Path | None) -> str | None:
    try:
        return (data_dir / CREDENTIALS_FILE).read_text().strip() if data_dir else None
    except OSError:
        return None


def _remember_password(data_dir: Path | None, password: str) -> None:
    if data_dir is None:
        return
    path = data_dir / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")


async def ensure_demo_tenant(db: Database, *, password: str | None, data_dir: Path | None) -> DemoAccount:
    """Create the demo tenant and admin once; apply ``password`` (ATLAS_DEMO_PASSWORD) when given.

    Without a password a random one is generated on first creation and remembered in the data
    directory (0600), so restarts can print it again.
    """
    async with db.transaction(tenant_id=None) as tx:
        existing = await tenant_by_slug(tx, DEMO_SLUG)
        if existing is None:
            chosen = password or secrets.token_urlsafe(12)
            made = await provision_tenant(tx, name=DEMO_NAME, slug=DEMO_SLUG, admin_email=DEMO_ADMIN,
                                          admin_password=chosen, plan="enterprise", actor="atlas seed-demo")
            # a local install's operator is its platform admin
            (await tx.session.get(User, made.admin_user_id)).is_platform_admin = True
            if password is None:
                _remember_password(data_dir, chosen)
            return DemoAccount(DEMO_SLUG, DEMO_ADMIN, chosen, created=True, tenant_id=made.tenant_id)
        if password is not None:
            admin = await user_by_email(tx, DEMO_ADMIN)
            if admin is not None:
                await tx.session.execute(
                    update(User).where(User.id == admin.id).values(password_hash=hash_password(password))
                )
        return DemoAccount(DEMO_SLUG, DEMO_ADMIN, password or _remembered_password(data_dir), created=False,
                           tenant_id=existing.id)

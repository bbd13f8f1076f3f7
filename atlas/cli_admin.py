"""Admin commands: `atlas tenant ...` and `atlas keys ...`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy import select

from atlas.clitools import data_dir_option, friendly_errors, settings_from
from atlas.db import Database
from atlas.settings import Settings

T = TypeVar("T")
ACTOR = "atlas-cli"


def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Resolve the servers, run ``work`` with a database, clean up."""
    from atlas.services import provide_services

    async def run(live: Settings) -> T:
        db = Database.from_settings(live)
        try:
            return await work(db)
        finally:
            await db.dispose()

    with provide_services(settings) as live:
        return asyncio.run(run(live))


@click.group()
@data_dir_option
@click.pass_context
def tenant(ctx: click.Context, data_dir: str | None) -> None:
    """Provision and manage tenants."""
    ctx.obj = lambda: settings_from(data_dir)


@tenant.command("create")
@click.option("--name", required=True, help="Display name of the organisation.")
@click.option("--slug", required=True, help="URL-safe id: 2-63 lower-case letters, digits, hyphens.")
@click.option("--admin-email", required=True, help="The first admin (created if new).")
@click.option("--admin-password", default=None, help="Password for a new admin user.")
@click.option("--plan", default="free", show_default=True, help="free, pro or enterprise.")
@click.option("--region", default="local", show_default=True, help="Home region of the tenant.")
@click.option("--placement", type=click.Choice(["pooled", "database"]), default="pooled", show_default=True,
              help="pooled: the shared database (RLS); database: a database of its own (plans with "
                   "dedicated_placement).")
@click.option("--dedicated", is_flag=True, help="Place it on a dedicated tenant plane of its region.")
@click.option("--platform-admin", is_flag=True, help="Also make the admin a platform operator.")
@click.pass_obj
@friendly_errors
def tenant_create(settings_for, name, slug, admin_email, admin_password, plan, region, placement, dedicated,
                  platform_admin) -> None:
    """Create a tenant and its first admin, placed by region, plan and capacity; print one JSON object."""
    from domain.members.models import User
    from domain.planes.placement import PlacementRequest
    from domain.tenants.service import provision_tenant

    async def work(db: Database):
        async with db.transaction(tenant_id=None) as tx:
            made = await provision_tenant(tx, name=name, slug=slug, admin_email=admin_email,
                                          admin_password=admin_password, plan=plan, region=region, actor=ACTOR,
                                          placement=PlacementRequest(placement, dedicated))
            if platform_admin:
                (await tx.session.get(User, made.admin_user_id)).is_platform_admin = True
        return made

    made = _with_database(settings_for(), work)
    click.echo(json.dumps({"tenant_id": str(made.tenant_id), "slug": made.slug,
                           "admin_user_id": str(made.admin_user_id), "admin_is_new": made.admin_is_new,
                           "placement": made.placement}))


@tenant.command("list")
@click.pass_obj
@friendly_errors
def tenant_list(settings_for) -> None:
    """List tenants as JSON lines."""
    from domain.tenants.queries import list_tenants

    async def work(db: Database):
        async with db.transaction(tenant_id=None) as tx:
            return (await list_tenants(tx, first=1000)).items

    for row in _with_database(settings_for(), work):
        click.echo(json.dumps({"tenant_id": str(row.id), "slug": row.slug, "name": row.name,
                               "status": row.status, "plan": row.plan}))


def _set_status(settings: Settings, slug: str, status: str, reason: str) -> None:
    from domain.errors import NotFound
    from domain.tenants.queries import tenant_by_slug
    from domain.tenants.service import set_tenant_status

    async def work(db: Database):
        async with db.transaction(tenant_id=None) as tx:
            found = await tenant_by_slug(tx, slug)
            if found is None:
                raise NotFound(f"No tenant with slug {slug!r}.")
            await set_tenant_status(tx, tenant_id=found.id, status=status, reason=reason, actor=ACTOR,
                                    confirm_slug=slug)  # the operator typed it on the command line

    _with_database(settings, work)
    click.echo(f"tenant {slug} is now {status}")


@tenant.command("move")
@click.argument("slug")
@click.option("--to", "to_plane", default=None, help="The tenant plane (registry name) to host it; default: its "
              "current home plane.")
@click.option("--placement", type=click.Choice(["database"]), default="database", show_default=True,
              help="Where its data goes on that plane: a database of its own.")
@click.option("--rollback", is_flag=True, help="End a move that has not switched yet: drop the copy, writable again.")
@click.option("--settle-seconds", type=float, default=None, help="How long the read-only window and the switch wait "
              "for every process to see them (default: the placement cache's lifetime).")
@click.pass_obj
@friendly_errors
def tenant_move(settings_for, slug: str, to_plane: str | None, placement: str, rollback: bool,
                settle_seconds: float | None) -> None:
    """Move a pooled tenant into a database of its own (resumable; --rollback before the switch)."""
    from atlas.services import provide_services
    from atlas.tenant_databases import LOOKUP_TTL
    from atlas.tenant_move import move_tenant, rollback_move

    with provide_services(settings_for(), redis=False) as live:
        if rollback:
            done = asyncio.run(rollback_move(live, slug=slug))
            click.echo("rolled back: the tenant is writable where it was" if done else "no move to roll back")
            return
        moved = asyncio.run(move_tenant(live, slug=slug, to_plane=to_plane, progress=click.echo,
                                        settle_seconds=LOOKUP_TTL if settle_seconds is None else settle_seconds))
    if moved is not None:
        click.echo(json.dumps({"slug": moved.slug, "database": moved.database, "plane": moved.plane,
                               "tables": len(moved.tables), "rows": moved.rows}))


@tenant.command("suspend")
@click.argument("slug")
@click.option("--reason", default="", help="Recorded in the audit log.")
@click.pass_obj
@friendly_errors
def tenant_suspend(settings_for, slug: str, reason: str) -> None:
    """Suspend a tenant: its tokens and API calls stop working at once."""
    _set_status(settings_for(), slug, "suspended", reason)


@tenant.command("resume")
@click.argument("slug")
@click.option("--reason", default="", help="Recorded in the audit log.")
@click.pass_obj
@friendly_errors
def tenant_resume(settings_for, slug: str, reason: str) -> None:
    """Lift a tenant's suspension."""
    _set_status(settings_for(), slug, "active", reason)


@click.group()
@data_dir_option
@click.pass_context
def keys(ctx: click.Context, data_dir: str | None) -> None:
    """Manage the JWT signing keys."""
    ctx.obj = lambda: settings_from(data_dir)


@keys.command("rotate")
@click.pass_obj
@friendly_errors
def keys_rotate(settings_for) -> None:
    """Start signing with a new key; tokens signed by the old one stay valid until they expire."""
    from atlas.runtime import open_key_ring

    fresh = open_key_ring(settings_for()).rotate()
    click.echo(f"now signing with key {fresh.kid}")


@keys.command("list")
@click.pass_obj
@friendly_errors
def keys_list(settings_for) -> None:
    """Print the public JWKS."""
    from atlas.runtime import open_key_ring

    click.echo(json.dumps(open_key_ring(settings_for()).jwks(), indent=2))


def simulator_key(settings: Settings, tenant_slug: str) -> str:
    """The ingest key `atlas simulate` uses: remembered in the data dir, created for the tenant once."""
    from atlas.simulate_run import remember_key, remembered_key
    from domain.apikeys.service import create_api_key
    from domain.auth.principals import user_principal
    from domain.errors import NotFound
    from domain.members.models import Membership
    from domain.tenants.queries import tenant_by_slug

    data_dir = settings.data_dir.resolve()
    known = remembered_key(data_dir)
    if known:
        return known

    async def work(db: Database) -> str:
        async with db.transaction(tenant_id=None) as tx:
            tenant = await tenant_by_slug(tx, tenant_slug)
            if tenant is None:
                raise NotFound(f"No tenant with slug {tenant_slug!r} (run `atlas up` or pass --api-key).")
            await tx.enter_tenant(tenant.id)
            owner_id = await tx.session.scalar(select(Membership.user_id).where(
                Membership.tenant_id == tenant.id, Membership.roles.contains(["owner"])).limit(1))
            owner = await user_principal(tx, user_id=owner_id, entitlements={})
            issued = await create_api_key(tx, name="atlas simulate", kind="ingest", roles=["agent"],
                                          expires_at=None, actor=owner)
            return str(issued.credential)

    key = _with_database(settings, work)
    remember_key(data_dir, key)
    return key

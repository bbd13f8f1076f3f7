"""`atlas import pagerduty|opsgenie|grafana-oncall --file EXPORT.json`: bring an on-call setup over."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from atlas.cli_admin import _with_database
from atlas.clitools import data_dir_option, friendly_errors, settings_from
from atlas.db import Database

SOURCES = ("pagerduty", "opsgenie", "grafana-oncall")


def read_export(path: Path) -> object:
    """The export file's JSON, or one clear error."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        raise click.ClickException(f"{path} is not a JSON file: {bad}") from None


@click.command("import")
@click.argument("source", type=click.Choice(SOURCES))
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The export: one JSON object of the product's API responses (see the README).")
@click.option("--tenant", "slug", default="demo", show_default=True, help="Slug of the tenant to import into.")
@click.option("--dry-run", is_flag=True, help="Report what would be created and what cannot be mapped; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@data_dir_option
@friendly_errors
def import_setup(source: str, path: Path, slug: str, dry_run: bool, as_json: bool, data_dir: str | None) -> None:
    """Import users, schedules, overrides, escalation policies and services from another on-call tool."""
    from domain.auth.principals import user_principal
    from domain.errors import NotFound
    from domain.members.models import Membership
    from domain.oncall.imports.service import import_setup as run_import
    from domain.tenants.queries import tenant_by_slug

    document = read_export(path)

    async def work(db: Database):
        async with db.transaction(tenant_id=None) as tx:
            tenant = await tenant_by_slug(tx, slug)
            if tenant is None:
                raise NotFound(f"No tenant with slug {slug!r}.")
            await tx.enter_tenant(tenant.id)
            owner_id = await tx.session.scalar(select(Membership.user_id).where(
                Membership.tenant_id == tenant.id, Membership.roles.contains(["owner"])).limit(1))
            owner = await user_principal(tx, user_id=owner_id, entitlements={})
            return await run_import(tx, source=source, document=document, dry_run=dry_run, actor=owner)

    report = _with_database(settings_from(data_dir), work)
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    _print(report)


def _print(report) -> None:
    verb = "would create" if report.dry_run else "created"
    for kind, names in report.created.items():
        click.echo(f"{verb} {len(names)} {kind}: {', '.join(names)}")
    for kind, names in report.updated.items():
        click.echo(f"{'would update' if report.dry_run else 'updated'} {len(names)} {kind}: {', '.join(names)}")
    click.echo(f"matched {len(report.matched_users)} people by email; "
               f"{'would invite' if report.dry_run else 'invited'} {len(report.invited)}")
    for email, token in report.invitation_tokens.items():
        click.echo(f"  invitation for {email}: {token}")
    click.echo(f"{len(report.unmapped)} fields not mapped:")
    for item in report.unmapped:
        click.echo(f"  {item.path}: {item.reason}")

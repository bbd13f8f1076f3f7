"""The `atlas` command line: run the platform, its parts, and admin tasks."""

from __future__ import annotations

import os
from pathlib import Path

import click

from atlas.cli_admin import keys, tenant
from atlas.cli_import import import_setup
from atlas.clitools import (
    Step,
    console,
    data_dir_option,
    ensure_port_free,
    friendly_errors,
    settings_from,
)
from atlas.logs import configure_logging

plane_option = click.option(
    "--plane", type=click.Choice(["all", "cp", "tp"]), default=None,
    help="Which plane: all (default: both in one deployment), cp (control plane) or tp (a tenant plane) "
         "[env ATLAS_PLANE].")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="atlasai", prog_name="atlas")
def main() -> None:
    """AtlasAI: multi-tenant, AI-native IT operations."""


@main.command()
@data_dir_option
@click.option("--host", default=None, help="Interface to listen on [env ATLAS_HOST; default 127.0.0.1].")
@click.option("--port", type=int, default=None, help="HTTP port [env ATLAS_PORT; default 8000].")
@click.option("--no-worker", is_flag=True, help="Do not start a background worker.")
@friendly_errors
def up(data_dir: str | None, host: str | None, port: int | None, no_worker: bool) -> None:
    """Start everything: embedded servers, migrations, demo tenant, web app and worker."""
    from atlas.runner import run_platform

    settings = settings_from(data_dir, host=host, port=port)
    ensure_port_free(settings.host, settings.port)
    run_platform(settings, step=Step(), console=console, with_worker=not no_worker)


@main.command()
@click.option("--url", required=True, help="The AtlasAI base URL, e.g. https://atlas.example.com.")
@click.option("--key", envvar="ATLAS_AGENT_KEY", required=True, help="The agent's key [env ATLAS_AGENT_KEY].")
@click.option("--allow", multiple=True, required=True,
              help="A command this agent may run (repeat); anything else is refused.")
@click.option("--max-timeout", type=float, default=300.0, show_default=True, help="Longest a command may run, s.")
@click.option("--wait", type=click.FloatRange(0, 25), default=20.0, show_default=True, help="Long-poll wait, s.")
def agent(url: str, key: str, allow: tuple[str, ...], max_timeout: float, wait: float) -> None:
    """Run an edge agent: execute allowed commands of automation runs addressed to it."""
    import asyncio

    from atlas.edge_agent import EdgeAgent, ServerRefused

    configure_logging("info")
    console.print(f"atlas agent polling {url} (allowed: {', '.join(sorted(allow))})")
    try:
        asyncio.run(EdgeAgent(url=url.rstrip("/"), key=key, allow=frozenset(allow), max_timeout=max_timeout,
                              wait=wait).run_forever())
    except KeyboardInterrupt:
        pass
    except ServerRefused as refused:
        raise click.ClickException(f"the server refused this agent: {refused}") from None


@main.command()
@data_dir_option
@click.option("--host", default=None, help="Interface to listen on [env ATLAS_HOST].")
@click.option("--port", type=int, default=None, help="HTTP port [env ATLAS_PORT].")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Web processes sharing the port (each with its own database pool).")
@plane_option
@friendly_errors
def serve(data_dir: str | None, host: str | None, port: int | None, workers: int, plane: str | None) -> None:
    """Serve the web app (GraphQL, console, REST shims); attaches to `atlas up`'s servers."""
    import uvicorn

    from atlas.asgi import create_app
    from atlas.services import provide_services
    from resolvers.ws_limits import MAX_MESSAGE_BYTES

    settings = settings_from(data_dir, host=host, port=port, plane=plane)
    ensure_port_free(settings.host, settings.port)
    configure_logging(settings.log_level, settings.log_format)
    with provide_services(settings, progress=console.print) as live:
        options = dict(host=live.host, port=live.port, log_level=live.log_level, log_config=None, proxy_headers=True,
                       lifespan="on",
                       ws_per_message_deflate=False, ws_max_size=MAX_MESSAGE_BYTES, timeout_graceful_shutdown=5,
                       ssl_certfile=live.tls_cert_file, ssl_keyfile=live.tls_key_file)
        if workers == 1:
            uvicorn.Server(uvicorn.Config(create_app(live), **options)).run()
            return
        # Each worker process builds its app from the environment: point it at the servers resolved here.
        os.environ.update(ATLAS_DATA_DIR=str(live.data_dir), DATABASE_URL=live.database_url,
                          REDIS_URL=live.redis_url, ATLAS_PLANE=live.plane)
        uvicorn.run("atlas.asgi:app_from_environment", factory=True, workers=workers, **options)


@main.command()
@data_dir_option
@click.option("--burst", is_flag=True, help="Run queued jobs, then exit.")
@click.option("--queue", type=click.Choice(["default", "ai"]), default="default", show_default=True,
              help="Which queue: the default one, or the AI pipeline's (atlas:ai).")
@plane_option
@friendly_errors
def worker(data_dir: str | None, burst: bool, queue: str, plane: str | None) -> None:
    """Run a background worker (arq); attaches to `atlas up`'s servers."""
    from atlas.services import provide_services
    from atlas.worker import create_worker

    settings = settings_from(data_dir, plane=plane)
    configure_logging(settings.log_level, settings.log_format)
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, addr=settings.host)
    with provide_services(settings, progress=console.print) as live:
        create_worker(live, burst=burst, **_queue(queue)).run()


def _queue(queue: str) -> dict:
    from domain.uow import AI_QUEUE

    return {"queue_name": AI_QUEUE, "cron_jobs": []} if queue == "ai" else {}


@main.group()
def ai() -> None:
    """The AI pipeline's queue."""


@ai.command("drain")
@data_dir_option
@friendly_errors
def ai_drain(data_dir: str | None) -> None:
    """Run every queued AI pipeline job (RCA, runbook, remediation, verification), then exit."""
    from atlas.services import provide_services
    from atlas.worker import create_worker

    settings = settings_from(data_dir)
    configure_logging(settings.log_level, settings.log_format)
    with provide_services(settings, progress=console.print) as live:
        drainer = create_worker(live, burst=True, **_queue("ai"))
        drainer.run()
        click.echo(f"AI queue drained: {drainer.jobs_complete} done, {drainer.jobs_failed} failed, "
                   f"{drainer.jobs_retried} retried")


@main.command()
@data_dir_option
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@friendly_errors
def migrate(data_dir: str | None, revision: str) -> None:
    """Apply database migrations (as the owner role): the main database, then the tenant template and every
    tenant's own database, one line each; failures are listed and a re-run resumes where it stopped."""
    from atlas.migrate import migrate_tenant_databases, run_migrations
    from atlas.services import provide_services

    step = Step()
    with provide_services(settings_from(data_dir), progress=step, redis=False) as live:
        step(f"Migrating the database to {revision}")
        run_migrations(live, revision=revision)
        step.done()
        if revision != "head":
            return
        failed = [one for one in migrate_tenant_databases(live, progress=click.echo) if one.outcome == "failed"]
    if failed:
        raise click.ClickException(f"{len(failed)} tenant database(s) not migrated "
                                   f"({', '.join(one.database for one in failed)}): fix and run `atlas migrate` again")


@main.command("seed-demo")
@data_dir_option
@friendly_errors
def seed_demo(data_dir: str | None) -> None:
    """Create (or refresh) the demo tenant and its data."""
    from atlas.runner import seed_demo_data
    from atlas.services import provide_services

    step = Step()
    with provide_services(settings_from(data_dir), progress=step) as live:
        account = seed_demo_data(live, step=step)
        step.done()
    click.echo(f"demo tenant: {account.tenant_slug}  admin: {account.email}  "
               f"password: {account.password or '(unchanged; set ATLAS_DEMO_PASSWORD)'}")


@main.command()
@data_dir_option
@click.option("--url", default=None, help="AtlasAI base URL [default http://ATLAS_HOST:ATLAS_PORT].")
@click.option("--api-key", envvar="ATLAS_SIMULATE_KEY", default=None,
              help="An ingest key [env ATLAS_SIMULATE_KEY; default: create one for --tenant].")
@click.option("--tenant", default="demo", show_default=True, help="Tenant slug to create the ingest key in.")
@click.option("--rate", type=click.IntRange(1, 100_000), default=200, show_default=True, help="Items per second.")
@click.option("--duration", type=float, default=0, show_default=True, help="Seconds to run; 0 runs until Ctrl-C.")
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable traffic.")
@friendly_errors
def simulate(data_dir, url, api_key, tenant, rate, duration, seed) -> None:
    """Send realistic telemetry (traces, logs, metrics, events with outages) through the ingest API.

    Trouble repeats every 4 minutes: payments fails from 1:00 to 1:40 and search slows from 2:30 to
    3:00, so run it for at least 2 minutes to see alerts and incidents.
    """
    import asyncio

    from atlas.cli_admin import simulator_key
    from atlas.simulate_run import run

    settings = settings_from(data_dir)
    url = (url or f"http://{settings.host}:{settings.port}").rstrip("/")
    key = api_key or simulator_key(settings, tenant)
    console.print(f"Sending about {rate} items/s to {url} (Ctrl-C to stop)")
    try:
        totals = asyncio.run(run(url, key, rate=rate, duration=duration, seed=seed, console=console))
    except KeyboardInterrupt:
        return
    except PermissionError as refused:
        raise click.ClickException(f"the ingest key was refused: {refused}") from None
    console.print(f"done: {totals.accepted} items accepted, {totals.rejected} rejected")


@main.command("export-schema")
@click.option("--check", is_flag=True, help="Exit non-zero if graphql/schema.graphql is stale.")
def export_schema(check: bool) -> None:
    """Write the GraphQL SDL to graphql/schema.graphql."""
    from atlas.paths import SCHEMA_FILE
    from resolvers.schema import schema_sdl

    sdl = schema_sdl()
    if check:
        current = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
        if current != sdl:
            raise click.ClickException(f"{SCHEMA_FILE} is stale: run `atlas export-schema`")
        click.echo("schema is current")
        return
    SCHEMA_FILE.write_text(sdl)
    click.echo(f"wrote {SCHEMA_FILE}")


@main.command()
@data_dir_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write [default: <data dir>/backups/atlas-<UTC time>.dump].")
@friendly_errors
def backup(data_dir: str | None, output: Path | None) -> None:
    """Write the whole database (every tenant) to a pg_dump archive."""
    from atlas.backup import backup as write_backup
    from atlas.backup import default_archive
    from atlas.services import provide_services

    with provide_services(settings_from(data_dir), progress=console.print, redis=False) as live:
        archive = write_backup(live, output or default_archive(live))
    console.print(f"backup written to {archive} ({archive.stat().st_size:,} bytes)")


@main.command()
@data_dir_option
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@friendly_errors
def restore(data_dir: str | None, archive: Path, yes: bool) -> None:
    """Replace the database with an archive from `atlas backup` (stop web and workers first)."""
    from atlas.backup import check_archive
    from atlas.backup import restore as load_backup
    from atlas.services import provide_services

    check_archive(archive)
    if not yes:
        click.confirm(f"Replace the database with {archive}? The current one is kept under another name", abort=True)
    with provide_services(settings_from(data_dir), progress=console.print, redis=False) as live:
        restored = load_backup(live, archive)
    console.print(f"restored {archive} into {restored.database}; the previous database is kept as "
                  f"{restored.previous} (drop it when satisfied)")


@main.command("config-reference")
@click.option("--check", is_flag=True, help="Exit non-zero if the README's configuration table is stale.")
def config_reference(check: bool) -> None:
    """Write the README's configuration table from the settings declared in atlas/settings.py."""
    from atlas.paths import README
    from atlas.readme import README_STALE, with_configuration_reference

    current = README.read_text()
    wanted = with_configuration_reference(current)
    if check:
        if current != wanted:
            raise click.ClickException(README_STALE)
        click.echo("configuration reference is current")
        return
    README.write_text(wanted)
    click.echo(f"wrote the configuration reference in {README}")


main.add_command(tenant)
main.add_command(keys)
main.add_command(import_setup)

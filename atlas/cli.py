"""The `atlas` command line: run the platform, its parts, and admin tasks."""

from __future__ import annotations

import functools
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console

from atlas.dbadmin import DatabaseSetupError
from atlas.embedded import DataDirError, StartupError
from atlas.settings import Settings, SettingsError, load_settings
from domain.errors import DomainError

console = Console(stderr=True, highlight=False, soft_wrap=True)
EXPECTED_ERRORS = (DataDirError, DatabaseSetupError, SettingsError, DomainError, StartupError, OSError)


class Step:
    """Prints one line per step of long work, with a spinner while it runs."""

    def __init__(self) -> None:
        self._status = None
        self._started = 0.0
        self._label = ""

    def __call__(self, label: str) -> None:
        self.done()
        self._label, self._started = label, time.monotonic()
        self._status = console.status(label + " ...")
        self._status.start()

    def done(self) -> None:
        if self._status is not None:
            self._status.stop()
            console.print(f"[green]✓[/] {self._label} ({time.monotonic() - self._started:.1f} s)")
            self._status = None


def friendly_errors(command: Callable) -> Callable:
    """Turn expected failures into one clear line and a non-zero exit, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except EXPECTED_ERRORS as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise click.ClickException(message) from None

    return wrapper


def configure_logging(level: str) -> None:
    """Plain timestamped log lines on stderr for long-running processes."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def settings_from(data_dir: str | None, **overrides) -> Settings:
    """Settings from the environment, with command-line overrides applied."""
    settings = load_settings()
    if data_dir:
        settings = replace(settings, data_dir=Path(data_dir))
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def ensure_port_free(host: str, port: int) -> None:
    """Fail with a clear message if ``host:port`` is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise click.ClickException(
                f"port {port} on {host} is already in use: pass --port or set ATLAS_PORT"
            ) from None


data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Data directory of the embedded servers [env ATLAS_DATA_DIR; default ./.atlas].",
)


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
@data_dir_option
@click.option("--host", default=None, help="Interface to listen on [env ATLAS_HOST].")
@click.option("--port", type=int, default=None, help="HTTP port [env ATLAS_PORT].")
@friendly_errors
def serve(data_dir: str | None, host: str | None, port: int | None) -> None:
    """Serve the web app (GraphQL, console, REST shims); attaches to `atlas up`'s servers."""
    import uvicorn

    from atlas.asgi import create_app
    from atlas.services import provide_services

    settings = settings_from(data_dir, host=host, port=port)
    ensure_port_free(settings.host, settings.port)
    with provide_services(settings, progress=console.print) as live:
        config = uvicorn.Config(create_app(live), host=live.host, port=live.port,
                                log_level=live.log_level, proxy_headers=True, lifespan="on")
        uvicorn.Server(config).run()


@main.command()
@data_dir_option
@click.option("--burst", is_flag=True, help="Run queued jobs, then exit.")
@friendly_errors
def worker(data_dir: str | None, burst: bool) -> None:
    """Run a background worker (arq); attaches to `atlas up`'s servers."""
    from atlas.services import provide_services
    from workers.main import create_worker

    settings = settings_from(data_dir)
    configure_logging(settings.log_level)
    with provide_services(settings, progress=console.print) as live:
        create_worker(live, burst=burst).run()


@main.command()
@data_dir_option
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@friendly_errors
def migrate(data_dir: str | None, revision: str) -> None:
    """Apply database migrations (as the owner role)."""
    from atlas.migrate import run_migrations
    from atlas.services import provide_services

    step = Step()
    with provide_services(settings_from(data_dir), progress=step) as live:
        step(f"Migrating the database to {revision}")
        run_migrations(live, revision=revision)
        step.done()


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


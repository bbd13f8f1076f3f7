"""Shared pieces of the `atlas` commands: settings, progress lines, friendly errors."""

from __future__ import annotations

import functools
import os
import socket
import sys
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
SUPERVISED_ENV = "ATLAS_SUPERVISED"  # set for the web and worker that `atlas up` runs: it says "stopped" once
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
        except KeyboardInterrupt:  # Ctrl-C: the command has shut down cleanly; no traceback, no "Aborted!"
            if not os.environ.get(SUPERVISED_ENV):
                click.echo("stopped", err=True)
            sys.exit(0)
        except EXPECTED_ERRORS as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise click.ClickException(message) from None

    return wrapper


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



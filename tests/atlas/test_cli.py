"""The `atlas` command: help everywhere, one clear line for expected failures, attaching to servers."""

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import select

from domain.members.models import User
from domain.members.passwords import verify_password

COMMANDS = ["up", "serve", "worker", "migrate", "seed-demo", "export-schema", "tenant create", "tenant list",
            "tenant suspend", "tenant resume", "tenant move", "keys rotate", "keys list", "ai drain", "import"]


def atlas(*args, env=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "atlas", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = atlas(*command.split(), "--help")

    assert result.returncode == 0
    assert "Usage: atlas " + command in result.stdout


def _assert_one_clear_line(result, expected):
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == expected


def test_a_taken_port_is_reported_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = atlas("up", "--port", str(port), "--data-dir", str(tmp_path))

    _assert_one_clear_line(
        result, f"Error: port {port} on 127.0.0.1 is already in use: pass --port or set ATLAS_PORT"
    )


def test_an_unusable_data_dir_is_reported_in_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    result = atlas("migrate", "--data-dir", str(blocker / "data"))

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Error: data directory {blocker / 'data'} is not writable" in result.stderr


def test_an_unreachable_database_is_reported_in_one_line(tmp_path):
    result = atlas("migrate", env={
        "DATABASE_URL": "postgresql://atlas_owner@127.0.0.1:1/atlas", "REDIS_URL": "redis://127.0.0.1:1/0",
    })

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot reach PostgreSQL at 127.0.0.1")


def test_commands_attach_to_the_servers_of_a_running_data_dir(live_settings):
    result = atlas("migrate", "--data-dir", str(live_settings.data_dir))

    assert result.returncode == 0, result.stderr
    assert "Attaching to the embedded servers" in result.stderr
    assert "Starting embedded PostgreSQL" not in result.stderr


async def test_seed_demo_creates_the_demo_admin_with_a_working_password(live_settings, db):
    result = atlas("seed-demo", "--data-dir", str(live_settings.data_dir), env={"ATLAS_DEMO_PASSWORD": ""})
    again = atlas("seed-demo", "--data-dir", str(live_settings.data_dir), env={"ATLAS_DEMO_PASSWORD": ""})

    assert result.returncode == 0, result.stderr
    password = result.stdout.split("password: ")[1].strip()
    async with db.transaction(tenant_id=None) as tx:
        admin = await tx.session.scalar(select(User).where(User.email == "admin@demo.local"))
    assert verify_password(admin.password_hash, password)
    assert f"password: {password}" in again.stdout
    assert oct((live_settings.data_dir / "demo-credentials.txt").stat().st_mode & 0o777) == "0o600"


def test_tenant_create_prints_one_json_object_and_refuses_duplicates(live_settings):
    import json

    from tests.conftest import unique_slug

    slug = unique_slug("cli")
    args = ["tenant", "--data-dir", str(live_settings.data_dir), "create", "--name", "CLI Co", "--slug", slug,
            "--admin-email", f"ops@{slug}.example.com", "--admin-password", "long-enough-password"]

    created = atlas(*args)
    duplicate = atlas(*args)

    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert body["slug"] == slug and body["admin_is_new"] is True and len(body["tenant_id"]) == 36
    _assert_one_clear_line(duplicate, f"Error: A tenant with slug {slug!r} already exists.")


def test_tenant_suspend_of_an_unknown_slug_is_one_line(live_settings):
    result = atlas("tenant", "--data-dir", str(live_settings.data_dir), "suspend", "no-such-tenant")

    _assert_one_clear_line(result, "Error: No tenant with slug 'no-such-tenant'.")


async def test_import_dry_runs_then_imports_an_export_and_refuses_a_bad_file(live_settings, make_tenant, add_member,
                                                                            tmp_path):
    import asyncio
    import json

    from tests.domain.oncall.import_payloads import opsgenie

    tenant = await make_tenant()
    emails = [await add_member(tenant, ["responder"]) for _ in range(5)]
    export = tmp_path / "opsgenie.json"
    export.write_text(json.dumps(opsgenie(emails)))
    args = ["import", "opsgenie", "--file", str(export), "--tenant", tenant.slug, "--data-dir",
            str(live_settings.data_dir)]

    dry = await asyncio.to_thread(atlas, *args, "--dry-run", "--json")
    real = await asyncio.to_thread(atlas, *args)
    (tmp_path / "bad.json").write_text("{not json")
    bad = await asyncio.to_thread(atlas, "import", "opsgenie", "--file", str(tmp_path / "bad.json"), "--tenant",
                                  tenant.slug, "--data-dir", str(live_settings.data_dir))

    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["dry_run"] is True and report["created"]["schedules"] == ["Platform on call"]
    assert {"path": "teams", "reason": "no teams here: 1 teams not imported (their people are)"} in report["unmapped"]
    assert real.returncode == 0, real.stderr
    assert "created 1 schedules: Platform on call" in real.stdout and "fields not mapped:" in real.stdout
    assert bad.returncode == 1 and "is not a JSON file" in bad.stderr and "Traceback" not in bad.stderr

"""Ctrl-C on an `atlas` command: one line "stopped" and exit 0, no traceback and no "Aborted!"."""

import click
from click.testing import CliRunner

from atlas.clitools import friendly_errors


@click.command()
@friendly_errors
def interrupted() -> None:
    raise KeyboardInterrupt


def test_ctrl_c_prints_one_line_and_exits_cleanly():
    result = CliRunner().invoke(interrupted, [])

    assert (result.exit_code, result.output) == (0, "stopped\n")


def test_the_web_and_worker_under_atlas_up_stop_silently(monkeypatch):
    monkeypatch.setenv("ATLAS_SUPERVISED", "1")

    result = CliRunner().invoke(interrupted, [])

    assert (result.exit_code, result.output) == (0, "")

"""The `crmkit` command assembles every part's subcommands."""

from __future__ import annotations

import argparse
import subprocess
import sys

from crmkit.cli import build_parser

COMMANDS = {
    "sandbox", "sample-data", "auth", "fetch", "rates", "predict", "neardup", "plan", "convert",
    "history", "console", "report", "demo",
}  # fmt: skip


def test_every_subcommand_is_registered_with_a_handler() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == COMMANDS
    for name, command in sub.choices.items():
        assert callable(command.get_default("handler")), name


def test_python_dash_m_runs_the_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "crmkit", "--help"], capture_output=True, text=True, check=True
    )
    assert all(name in out.stdout for name in COMMANDS)

"""Every subcommand's --help opens with one line saying what it does (issue 16)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from crmkit.cli import build_parser

# The commands this check was written for; a command added later keeps the rule by joining.
COMMANDS = (
    "sandbox", "sample-data", "auth", "fetch", "rates", "predict", "plan", "convert", "history",
    "report", "demo",
)  # fmt: skip


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_opens_with_one_line_saying_what_the_command_does(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # a plain terminal: argparse wraps to this width
    command = _subcommands()[name]
    summary = command.description
    assert summary, f"crmkit {name} --help has no description"
    assert "\n" not in summary and len(summary) <= 78, summary
    assert summary[0].isupper() and summary.endswith("."), summary
    assert summary.count(". ") == 0, f"one sentence: {summary}"
    assert "`crmkit" not in summary  # says what it does, not which module it comes from
    paragraphs = command.format_help().split("\n\n")
    assert paragraphs[0].startswith("usage: crmkit " + name)
    assert paragraphs[1] == summary  # the first thing after the usage, on one line


def test_help_from_a_shell() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "crmkit", "history", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert out.stdout.split("\n\n")[1] == (
        "List the conversion runs a journal recorded, or what one run did."
    )

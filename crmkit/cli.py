"""The ``crmkit`` command.

Each part of crmkit owns its subcommands in a small ``*cli`` module exposing
``add_parser(subparsers)``; this module only assembles them, so a part's command
line lives next to the code it drives.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute subcommands, in the order ``crmkit --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "crmkit.sandbox.cli",
    "crmkit.sampledata.cli",
    "crmkit.api.cli",
    "crmkit.frames_cli",
    "crmkit.matching_cli",
    "crmkit.conversion.cli",
    "crmkit.report_cli",
    "crmkit.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmkit",
        description="Find the leads that already exist in Zoho CRM, and convert them safely.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``crmkit``; each subcommand's handler is stored as ``args.handler``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

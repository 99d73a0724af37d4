"""The ``crmkit`` command.

One module of this package per group of subcommands, each exposing ``add_parser(subparsers)``
and the handlers it registers; this module only assembles them. The command line is a front end:
the parts it drives (sandbox, client, frames, conversion, report) know nothing of it. Every
handler runs inside ``guard.run_command``: user errors are one line and exit code 2, ``--debug``
(anywhere on the line, or ``CRMKIT_DEBUG=1``) shows the traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from types import ModuleType

from crmkit.cli import (
    auth,
    console,
    convert,
    demo,
    fetch,
    neardup,
    plan,
    predict,
    report,
    sample_data,
    sandbox,
)
from crmkit.cli.guard import add_debug_flag, run_command

# Modules that contribute subcommands, in the order ``crmkit --help`` lists them (`fetch` also
# registers `rates`, `convert` also `history`; `sample_data` registers `sample-data`).
COMMAND_MODULES: tuple[ModuleType, ...] = (
    sandbox,
    sample_data,
    auth,
    fetch,
    predict,
    neardup,
    plan,
    convert,
    console,
    report,
    demo,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmkit",
        description="Find the leads that already exist in Zoho CRM, and convert them safely.",
    )
    add_debug_flag(parser, top=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_parser(subparsers)
    for command in subparsers.choices.values():
        add_debug_flag(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``crmkit``; each subcommand's handler is stored as ``args.handler``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_command(args.handler, args)

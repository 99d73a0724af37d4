"""The ``crmkit`` command.

One module of this package per group of subcommands, each exposing ``add_parser(subparsers)``
and the handlers it registers; this module only assembles them. The command line is a front end:
the parts it drives (sandbox, client, frames, conversion, report) know nothing of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from types import ModuleType

from crmkit.cli import auth, convert, demo, fetch, predict, report, sample_data, sandbox

# Modules that contribute subcommands, in the order ``crmkit --help`` lists them (`fetch` also
# registers `rates`, `convert` also `history`; `sample_data` registers `sample-data`).
COMMAND_MODULES: tuple[ModuleType, ...] = (
    sandbox,
    sample_data,
    auth,
    fetch,
    predict,
    convert,
    report,
    demo,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmkit",
        description="Find the leads that already exist in Zoho CRM, and convert them safely.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``crmkit``; each subcommand's handler is stored as ``args.handler``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result

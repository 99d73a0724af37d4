"""`crmkit sandbox`: serve the local Zoho CRM in the foreground until Ctrl-C.

Loading the org takes seconds (the bundled one: 7-16 s on a small machine), so the command says
what it loads before it starts, and once up prints the `export ZOHO_…` lines that point
`crmkit.connect()` (and so every other command, and a notebook started from that shell) at it.
`--print-env` keeps stdout to those lines alone, for a script: the rest goes to stderr.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
import time
from typing import TextIO

from crmkit.sandbox.catalog import EDITIONS


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "sandbox",
        help="serve a local Zoho CRM emulator",
        description="Serve a local Zoho CRM (default: the bundled sample org) until interrupted.",
        epilog=(
            "Once up it prints the export ZOHO_... lines that point crmkit at it: paste them "
            "into another shell, or write them to a file with --print-env > sandbox.env."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--data", default=None, help="data directory (default: bundled sample data)")
    p.add_argument("--db", default=None, help="SQLite file keeping the state across restarts")
    p.add_argument("--edition", choices=EDITIONS, default=None, help="Zoho edition (limits)")
    p.add_argument("--latency-ms", type=int, default=0, help="added latency per API call")
    p.add_argument("--admin-key", default=None, help="control-surface key (default: random)")
    p.add_argument(
        "--print-env",
        action="store_true",
        help="print only the export ZOHO_... lines on stdout (everything else on stderr)",
    )
    p.set_defaults(handler=run)


def export_lines(environ: dict[str, str]) -> list[str]:
    """`export NAME=value` lines for a POSIX shell, values quoted as the shell needs."""
    return [f"export {name}={shlex.quote(value)}" for name, value in sorted(environ.items())]


def run(args: argparse.Namespace) -> int:
    from crmkit.sandbox.server import Sandbox

    sb = Sandbox(
        args.data,
        edition=args.edition,
        db=args.db,
        latency_ms=args.latency_ms,
        host=args.host,
        port=args.port,
        admin_key=args.admin_key,
    )
    info: TextIO = sys.stderr if args.print_env else sys.stdout
    what = "the bundled sample org" if args.data is None else f"the data in {args.data}"
    # on stderr, as progress is: stdout's first line stays the URL scripts read
    print(f"crmkit sandbox: loading {what}...", file=sys.stderr, flush=True)
    try:
        sb.start()  # a bad data directory raises DataDirError: one line, exit 2 (cli.guard)
    except OSError as exc:
        print(f"crmkit sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"crmkit sandbox listening on {sb.url}", file=info, flush=True)
    creds = sb.credentials
    print(f"  token URL {sb.token_url}  client id {creds.client_id}", file=info, flush=True)
    print(
        f"  control surface {sb.url}/__sandbox__/  X-Sandbox-Admin-Key: {sb.admin_key}",
        file=info,
        flush=True,
    )
    if not args.print_env:
        print("To point crmkit at this sandbox, run in another shell:", flush=True)
    for line in export_lines(sb.environ()):
        print(line if args.print_env else f"  {line}", flush=True)
    print("Ctrl-C stops it.", file=info, flush=True)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does: files cleaned
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt

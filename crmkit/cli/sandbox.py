"""`crmkit sandbox`: serve the local Zoho CRM in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from crmkit.sandbox.catalog import EDITIONS


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "sandbox",
        help="serve a local Zoho CRM emulator",
        description="Serve a local Zoho CRM (default: the bundled sample org) until interrupted.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--data", default=None, help="data directory (default: bundled sample data)")
    p.add_argument("--db", default=None, help="SQLite file keeping the state across restarts")
    p.add_argument("--edition", choices=EDITIONS, default=None, help="Zoho edition (limits)")
    p.add_argument("--latency-ms", type=int, default=0, help="added latency per API call")
    p.add_argument("--admin-key", default=None, help="control-surface key (default: random)")
    p.set_defaults(handler=run)


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
    try:
        sb.start()  # a bad data directory raises DataDirError: one line, exit 2 (cli.guard)
    except OSError as exc:
        print(f"crmkit sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"crmkit sandbox listening on {sb.url}", flush=True)
    creds = sb.credentials
    print(f"  token URL {sb.token_url}  client id {creds.client_id}", flush=True)
    print(
        f"  control surface {sb.url}/__sandbox__/  X-Sandbox-Admin-Key: {sb.admin_key}", flush=True
    )
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

"""`crmkit console`: the conversion console as a web page, for admins who never open Jupyter.

    crmkit console [--port N] [--journal J] [--no-browser]

Serves the console of notebook 02 with Voila on 127.0.0.1 only. A random token is made at each
start and printed in the URL (`http://127.0.0.1:PORT/?token=…`); without it the page shows a
token prompt and never the console. The connection rules are `crmkit.connect()`'s: the org the
`ZOHO_*` environment or the config file names, else the embedded sandbox on the bundled sample
org, started once here and shared by every page (a rehearsal: nothing reaches Zoho). The page's
header names the org and says REHEARSAL or LIVE. The journal is --journal, else $CRMKIT_JOURNAL,
else the org's own file, as for `crmkit convert`.

Ctrl-C or SIGTERM stops the server, its kernels and the sandbox. Exit codes: 0 stopped, 2 a user
error (a bad or busy port, refused credentials, a journal that is not one, Voila missing).
"""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import signal
import socket
import tempfile
import threading
import webbrowser
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from crmkit.cli.guard import UsageError
from crmkit.connection import configured, connect
from crmkit.conversion.journal import Journal
from crmkit.conversion.journal_path import JOURNAL_ENV, journals_dir
from crmkit.sandbox import Sandbox
from crmkit.widgets.console_header import org_banner

__all__ = ["add_parser", "parse_port", "run"]

HOST = "127.0.0.1"  # never another interface: the console converts leads
PAGE = "crmkit-console.ipynb"
CELL = "from crmkit.widgets.console_page import console_page\n\nconsole_page()"
CELL_TIMEOUT_S = 1800  # loading leads and their options on a large org, on a busy machine


def add_parser(subparsers: Any) -> None:
    """Register `crmkit console`."""
    p = subparsers.add_parser(
        "console",
        help="serve the conversion console as a web page on 127.0.0.1 (token in the URL)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", default="0", help="port on 127.0.0.1 (default: a free one)")
    p.add_argument(
        "--journal",
        type=Path,
        default=None,
        help=f"journal file (default ${JOURNAL_ENV}, else {journals_dir()}/<org id>.sqlite)",
    )
    p.add_argument("--no-browser", action="store_true", help="print the URL only, open nothing")
    p.set_defaults(handler=run)


def parse_port(text: str) -> int:
    """`--port` as a number 0-65535 (0: any free port); UsageError saying the fix otherwise."""
    value = text.strip()
    if not value.isdigit() or int(value) > 65535:
        raise UsageError(f"--port {text!r}: give a port number from 1 to 65535 (0: any free one)")
    return int(value)


def _free_port(port: int) -> int:
    """Check that `port` can be listened on at 127.0.0.1 (a free one for 0) and return it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado binds
        try:
            probe.bind((HOST, port))
            probe.listen(1)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"port {port} is in use on {HOST}: pass another --port N (0: any free one)"
                ) from None
            raise UsageError(
                f"cannot listen on {HOST}:{port} ({exc.strerror}): pass another --port N"
            ) from None
        return int(probe.getsockname()[1])


def _check_journal(path: Path | None) -> Path | None:
    """The journal as an absolute path the kernels can open; opened once here so a file that is
    not a journal is one line before anything starts."""
    if path is None:
        return None
    path = path.expanduser().resolve()
    with Journal(path):
        pass
    return path


def _stop_on_sigterm() -> None:
    """SIGTERM stops the command as Ctrl-C does (until Voila takes the signal over)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def _say(text: str) -> None:
    print(f"crmkit console: {text}", flush=True)


def run(args: argparse.Namespace) -> int:
    port = parse_port(str(args.port))
    journal = _check_journal(args.journal)
    try:
        from crmkit.cli.console_server import serve
    except ImportError as exc:
        raise UsageError(
            f"the console page needs Voila ({exc.name} is missing): pip install 'crmkit[console]'"
        ) from None
    port = _free_port(port)
    _stop_on_sigterm()
    with ExitStack() as stack:
        sandbox: Sandbox | None = None
        if not configured():
            _say("no Zoho credentials configured: starting the embedded sandbox (sample org)…")
            sandbox = Sandbox().start()
            stack.callback(sandbox.stop)
        client = connect(sandbox=sandbox, progress=False) if sandbox else connect(progress=False)
        with client:
            client.org()  # refused credentials or a dead network: one line now, not on the page
            banner = org_banner(client)
        env = dict(sandbox.environ()) if sandbox else {}
        if journal is not None:
            env[JOURNAL_ENV] = str(journal)
        os.environ.update(env)  # the kernels Voila starts inherit this environment
        _say(banner.text)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crmkit-console-")))
        token = secrets.token_urlsafe(24)
        url = f"http://{HOST}:{port}/?token={token}"

        def announce() -> None:
            _say(f"open {url}  (Ctrl-C to stop)")
            if not args.no_browser:
                webbrowser.open(url)

        code = serve(folder / PAGE, CELL, host=HOST, port=port, token=token, ready=announce)
        if code:
            raise UsageError(f"cannot listen on {HOST}:{port}: pass another --port N")
    _say("stopped")
    return 0

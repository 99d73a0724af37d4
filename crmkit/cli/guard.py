"""Every `crmkit` command's errors as one line and an exit code; `--debug` shows the traceback.

Why one wrapper: each command used to catch its own few exceptions, so one mistake (a bad path,
a CSV from a spreadsheet, a journal that is not a database) read as a clean line in one command
and a traceback in another. `run_command` wraps every handler:

- a user error — any `CrmkitError` about the input (a CSV, a plan, a snapshot, a data directory,
  a journal, the configuration or refused credentials, a `UsageError` from a handler) — and an
  `OSError` naming a path the user gave: one line `crmkit COMMAND: message`, exit 2;
- an error answer from the CRM or the network after every retry (`CRMError`): one line, exit 1
  (or the command's own code for it: `set_defaults(crm_error_exit=3)` — `crmkit convert` says
  "outcomes still open, run again");
- `JournalBusyError`: one line, exit 4 (`crmkit convert`'s documented code);
- `BrokenPipeError` (`crmkit rates … | head`): quiet, as Python's documentation on SIGPIPE
  recommends (stdout pointed at devnull so the interpreter's last flush cannot fail again), exit 1;
- Ctrl-C: one line, exit 130;
- anything else is a bug in crmkit: its traceback is shown, to be reported.
`DataWarning` and `CreditWarning` print as one line `crmkit COMMAND: warning: …` too.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from crmkit.api.errors import AuthError, ConfigurationError, CRMError
from crmkit.conversion.journal import JournalBusyError
from crmkit.errors import CrmkitError

__all__ = [
    "EXIT_CRM",
    "EXIT_USER",
    "UsageError",
    "add_debug_flag",
    "check_output_file",
    "one_line",
    "run_command",
]

EXIT_USER = 2  # the input is wrong: the message says what to fix
EXIT_CRM = 1  # the CRM or the network refused after every retry
EXIT_BUSY = 4
EXIT_INTERRUPTED = 130

# First match wins: the subclasses that are the user's to fix come before their CRMError family.
_EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (JournalBusyError, EXIT_BUSY),
    (ConfigurationError, EXIT_USER),
    (AuthError, EXIT_USER),
    (CRMError, EXIT_CRM),
    (CrmkitError, EXIT_USER),
)


class UsageError(CrmkitError, ValueError):
    """A command line that cannot run as given (an option missing, a path that cannot be used)."""


def one_line(exc: BaseException) -> str:
    """The error's message on one line (a multi-line message joined with `; `)."""
    parts = [part.strip() for part in str(exc).splitlines() if part.strip()]
    return "; ".join(parts) or type(exc).__name__


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename is not None else ""
    if exc.filename2 is not None:
        where = f"{exc.filename} -> {exc.filename2}: "
    return f"{where}{exc.strerror or one_line(exc)}"


def check_output_file(path: Path, option: str) -> Path:
    """Refuse an output file that cannot be written, before the command spends anything."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{option} {path}: the directory {parent} is not writable")
    return path


def add_debug_flag(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """`--debug` on the command and on each subcommand (so it may come anywhere on the line)."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="show the traceback of an error (for a bug report)",
    )


@contextmanager
def _one_line_warnings(prefix: str, stream: TextIO) -> Iterator[None]:
    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        text = " ".join(str(message).split())
        print(f"{prefix}: warning: {text}", file=stream)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _quiet_broken_pipe() -> int:
    # https://docs.python.org/3/library/signal.html#note-on-sigpipe
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured): nothing to redirect
        pass
    finally:
        os.close(devnull)
    return 1


def run_command(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one subcommand's handler with crmkit's error rules (see the module docstring)."""
    prefix = f"crmkit {getattr(args, 'command', '') or ''}".rstrip()
    debug = bool(getattr(args, "debug", False)) or os.environ.get("CRMKIT_DEBUG") == "1"
    stderr = sys.stderr
    try:
        with _one_line_warnings(prefix, stderr):
            code: int = handler(args)
            sys.stdout.flush()  # a closed pipe shows here, inside the handling below
            return code
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc(file=stderr)
        print(f"{prefix}: interrupted", file=stderr)
        return EXIT_INTERRUPTED
    except CrmkitError as exc:
        code = _exit_code(exc)
        if code == EXIT_CRM:
            code = int(getattr(args, "crm_error_exit", EXIT_CRM))
        return _report(prefix, one_line(exc), code, debug, stderr)
    except OSError as exc:
        code = EXIT_USER if exc.filename is not None else EXIT_CRM
        return _report(prefix, _os_message(exc), code, debug, stderr)


def _exit_code(exc: BaseException) -> int:
    return next(code for kind, code in _EXIT_CODES if isinstance(exc, kind))


def _report(prefix: str, message: str, code: int, debug: bool, stream: TextIO) -> int:
    if debug:
        traceback.print_exc(file=stream)
    print(f"{prefix}: {message}", file=stream)
    return code

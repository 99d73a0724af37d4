"""The one wrapper every `crmkit` command runs in: which error gives which line and exit code."""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable

import pytest

from crmkit.api.errors import AuthError, ConfigurationError, NetworkError
from crmkit.cli.guard import UsageError, run_command
from crmkit.conversion.journal import JournalBusyError
from crmkit.frames import DataWarning


def raising(exc: BaseException) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        raise exc

    return handler


def args(**extra: object) -> argparse.Namespace:
    return argparse.Namespace(command="demo", debug=False, **extra)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageError("--run 9: no such run"), 2),
        (ConfigurationError("no ZOHO_CLIENT_ID set"), 2),
        (AuthError("refresh token refused"), 2),
        (NetworkError("connection refused"), 1),
        (JournalBusyError("in use by process 12"), 4),
        (FileNotFoundError(2, "No such file or directory", "/tmp/x/plan.csv"), 2),
        (KeyboardInterrupt(), 130),
    ],
    ids=["usage", "config", "auth", "network", "busy", "path", "ctrl-c"],
)
def test_each_error_is_one_line_with_its_code(
    exc: BaseException, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_command(raising(exc), args()) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("crmkit demo: ")
    assert "Traceback" not in err
    if isinstance(exc, FileNotFoundError):
        assert err.strip() == "crmkit demo: /tmp/x/plan.csv: No such file or directory"


def test_a_command_may_give_crm_failures_its_own_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(raising(NetworkError("gone")), args(crm_error_exit=3)) == 3
    assert run_command(raising(UsageError("x")), args(crm_error_exit=3)) == 2


def test_a_multi_line_message_is_joined(capsys: pytest.CaptureFixture[str]) -> None:
    run_command(raising(UsageError("first\n  second\n")), args())
    assert capsys.readouterr().err == "crmkit demo: first; second\n"


def test_debug_adds_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = args()
    namespace.debug = True
    assert run_command(raising(UsageError("bad")), namespace) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().endswith("crmkit demo: bad")


def test_a_bug_is_not_hidden() -> None:
    with pytest.raises(ZeroDivisionError):
        run_command(raising(ZeroDivisionError("bug")), args())


def test_warnings_print_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def handler(namespace: argparse.Namespace) -> int:
        warnings.warn("no 'Company'\ncolumn", DataWarning, stacklevel=1)
        return 0

    assert run_command(handler, args()) == 0
    assert capsys.readouterr().err == "crmkit demo: warning: no 'Company' column\n"

"""A journal is the audit of an org's conversions: only its owner may read it (mode 0600).

Checked after a real run against a sandbox, under the common umask 022 that would otherwise leave
the database and its WAL siblings readable by every user of the machine.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conversion_support import L_FRESH

from crmkit.api import CRMClient
from crmkit.conversion import Journal, execute, make_plan

SIBLINGS = ("", "-wal", "-shm")


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _run(client: CRMClient, path: Path) -> None:
    plan = make_plan([{"lead_id": L_FRESH, "contact_action": "create", "account_action": "create"}])
    report = execute(client, plan, journal=path, mode="single", recheck=False, progress=False)
    assert report.results["outcome"].tolist() == ["converted"], report.results.to_dict("records")


def test_a_new_journal_and_its_siblings_are_private(client: CRMClient, tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    _run(client, path)
    with Journal(path) as jr:  # open: the WAL siblings exist while a connection holds them
        assert len(jr.attempts()) == 1
        for suffix in SIBLINGS:
            sibling = Path(f"{path}{suffix}")
            assert _mode(sibling) == 0o600, (sibling, oct(_mode(sibling)))
    assert _mode(Path(f"{path}.lock")) == 0o600


def test_an_existing_journal_is_tightened(client: CRMClient, tmp_path: Path) -> None:
    """A journal left 0644 by an older crmkit, its WAL still live (another process has it open)."""
    path = tmp_path / "j.sqlite"
    with Journal(path):
        for suffix in SIBLINGS:
            os.chmod(f"{path}{suffix}", 0o644)
        _run(client, path)
        for suffix in SIBLINGS:
            assert _mode(Path(f"{path}{suffix}")) == 0o600, suffix


def test_new_journal_directories_are_private(client: CRMClient, tmp_path: Path) -> None:
    """The per-org default journals are named by org id: a directory crmkit creates lists them to
    nobody else; a directory that already existed keeps its mode."""
    os.chmod(tmp_path, 0o755)
    path = tmp_path / "data" / "journals" / "j.sqlite"
    _run(client, path)
    assert _mode(tmp_path / "data") == 0o700
    assert _mode(tmp_path / "data" / "journals") == 0o700
    assert _mode(tmp_path) == 0o755

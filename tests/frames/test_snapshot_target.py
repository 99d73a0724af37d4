"""A snapshot target that cannot be written is refused before anything is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmkit.snapshot import SnapshotError, check_snapshot_target


def test_a_file_or_a_path_under_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "taken"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(SnapshotError, match="is not a directory"):
        check_snapshot_target(file)
    with pytest.raises(SnapshotError, match="is a file"):
        check_snapshot_target(file / "snap")
    assert not (file / "snap").exists()


def test_a_new_or_existing_directory_is_accepted_and_nothing_is_created(tmp_path: Path) -> None:
    assert check_snapshot_target(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()
    assert check_snapshot_target(tmp_path) == tmp_path

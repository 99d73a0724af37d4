"""`crmkit fetch` names the org and what it talked to; `crmkit rates --freq` alone is honoured."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit.cli import main
from crmkit.sandbox import Sandbox

OWNER = {"id": "4876876000000225001", "name": "Ava Raman"}


def _lead(i: int, email: str, created: str) -> dict[str, object]:
    return {
        "id": f"90000000000000000{i}",
        "Last_Name": f"Lead{i}",
        "Email": email,
        "Company": f"Company {i}",
        "Lead_Source": "Web",
        "Owner": OWNER,
        "Created_Time": created,
        "Modified_Time": created,
    }


@pytest.fixture
def snap(
    small_sandbox: Callable[..., Sandbox],
    use_sandbox_environ: Callable[[Sandbox], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Path:
    sb = small_sandbox(
        leads=[
            _lead(1, "c1@example.com", "2024-01-05T00:00:00+00:00"),
            _lead(2, "x2@example.com", "2024-01-20T00:00:00+00:00"),
            _lead(3, "x3@example.com", "2024-02-03T00:00:00+00:00"),
        ],
        contacts=[{"id": "800000000000000001", "Last_Name": "C1", "Email": "c1@example.com"}],
    )
    use_sandbox_environ(sb)
    out = tmp_path / "snap"
    assert main(["fetch", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    # configured by ZOHO_* variables, yet on this machine: the sandbox, by its URL
    assert f"3 leads from {sb.control.state()['org']['org_name']} (the sandbox at {sb.url}): " in (
        printed
    )
    assert "with 1 contact and 0 accounts" in printed
    return out


def test_freq_without_by_buckets_the_creation_time(
    snap: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rates", str(snap), "--freq", "M"]) == 0
    alone = capsys.readouterr().out
    assert main(["rates", str(snap), "--by", "Created_Time", "--freq", "M"]) == 0
    assert alone == capsys.readouterr().out
    assert "2024-01" in alone and "2024-02" in alone
    assert main(["rates", str(snap)]) == 0
    assert "2024-01" not in capsys.readouterr().out  # without --freq: no months

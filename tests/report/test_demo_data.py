"""`crmkit demo --data DIR` says whose data it runs on (not "the bundled sample org")."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit.cli import main

pytestmark = pytest.mark.slow

OWNER = {"id": "4876876000000225001", "name": "Ava Raman"}


def test_demo_on_a_data_directory_names_it(
    make_org: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_org(
        leads=[
            {
                "id": "900000000000000001",
                "Last_Name": "Lead1",
                "Email": "c1@example.com",
                "Company": "Acme",
                "Owner": OWNER,
                "Created_Time": "2024-01-05T00:00:00+00:00",
            }
        ],
        contacts=[{"id": "800000000000000001", "Last_Name": "C1", "Email": "c1@example.com"}],
        org={"org_name": "Data Dir Org"},
    )
    out = tmp_path / "out"
    assert main(["demo", "--data", str(data), "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == f"Starting the embedded sandbox (the data in {data})..."
    assert "bundled sample org" not in printed
    assert "Accounts from the embedded sandbox at http://127.0.0.1:" in printed
    assert re.search(r"^Org: Data Dir Org \(", printed, re.M)
    assert "Leads: 1 (1 answered, 0 answered with an error)" in printed
    assert "  Email (Contacts): 1 lead (100.0%)" in printed  # "1 lead", not "1 leads"
    assert (out / "report.html").is_file()

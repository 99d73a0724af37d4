"""Every user error of the `crmkit` command is one line on stderr, exit code 2, no traceback.

Most cases run `crmkit.cli.main` in-process; the ones about the process itself (a closed pipe,
`--debug`, credits not spent before a cheap check) run the real command in a subprocess.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crmkit.cli import main
from crmkit.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
LEAD = "4876876000100000001"


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = dict(env or os.environ)
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
        check=False,
    )


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def user_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    return one_line(capsys.readouterr().err)


def data_dir(tmp_path: Path, leads: str, *, encoding: str = "utf-8") -> Path:
    root = tmp_path / "data"
    root.mkdir(exist_ok=True)
    (root / "Leads.csv").write_bytes(leads.encode(encoding))
    (root / "Contacts.csv").write_text("id,Last_Name,Email\n", encoding="utf-8")
    (root / "Accounts.csv").write_text("id,Account_Name\n", encoding="utf-8")
    return root


def test_predict_on_a_missing_directory(tmp_path: Path) -> None:
    proc = run(["predict", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert proc.returncode == 2
    assert "no such data directory" in one_line(proc.stderr)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    args = ["predict", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    for argv in (["--debug", *args], [*args, "--debug"]):
        proc = run(argv)
        assert proc.returncode == 2
        assert "Traceback" in proc.stderr and "PredictionError" in proc.stderr
        assert proc.stderr.strip().splitlines()[-1].startswith("crmkit predict: ")


@pytest.mark.parametrize(
    ("leads", "expected"),
    [
        ("", "the file is empty"),
        ("Last_Name,Company\nBoyle,Zylker\n", "missing required column(s) ['id']"),
        (f"id,Last_Name,Company\n{LEAD},Boyle,Zylker,\n", "row 2: malformed CSV: 4 cells"),
        (f"id,Last_Name,Company\n{LEAD},Boyle\n", "row 2: malformed CSV: 2 cells"),
        ("id,Last_Name,Company\n4.87688E+18,Boyle,Zylker\n", "scientific notation"),
        (
            f"id,Last_Name,Company,Created_Time\n{LEAD},Boyle,Zylker,9999-12-31T00:00:00+00:00\n",
            "row 2, column 'Created_Time': '9999-12-31T00:00:00+00:00' is outside the dates",
        ),
    ],
    ids=["empty", "no-id", "trailing-comma", "short-row", "excel-id", "far-date"],
)
def test_predict_on_a_bad_leads_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], leads: str, expected: str
) -> None:
    root = data_dir(tmp_path, leads)
    line = user_error(["predict", "--data", str(root), "--out", str(tmp_path / "o")], capsys)
    assert line.startswith("crmkit predict: ") and expected in line
    if "scientific" in expected:
        assert "spreadsheet" in line and "export again" in line


def test_predict_reads_an_excel_semicolon_cp1252_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = data_dir(tmp_path, f"id;Last_Name;Email\n{LEAD};Müller;m@x.de\n", encoding="cp1252")
    assert main(["predict", "--data", str(root), "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert "predicted 1 lead in " in captured.out  # "1 lead", never "1 leads"
    warnings = [w for w in captured.err.splitlines() if w]
    assert any("warning:" in w and "Windows-1252" in w for w in warnings)
    company = [w for w in warnings if "'Company'" in w]
    assert company and "Accounts matching by Company" in company[0]
    assert all(w.startswith("crmkit predict: warning: ") for w in warnings)


def test_demo_on_a_missing_or_bad_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "o")
    assert "no such directory" in user_error(
        ["demo", "--data", str(tmp_path / "x"), "--out", out], capsys
    )
    root = data_dir(tmp_path, "Last_Name\nBoyle\n")
    line = user_error(["demo", "--data", str(root), "--out", out, "--no-progress"], capsys)
    assert "Leads.csv" in line and "'id'" in line


def test_convert_on_an_empty_or_ragged_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("", encoding="utf-8")
    assert "the file is empty" in user_error(["convert", "--plan", str(plan)], capsys)
    plan.write_text(
        f"lead_id,contact_action,contact_id,account_action\n{LEAD},merge,,create,\n",
        encoding="utf-8",
    )
    line = user_error(["convert", "--plan", str(plan)], capsys)
    assert "row 2: malformed CSV: 5 cells where the header has 4" in line


@pytest.mark.parametrize("damage", ["not-a-database", "truncated"])
def test_journal_that_is_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    journal = tmp_path / "journal.sqlite"
    if damage == "not-a-database":
        journal.write_text("lead_id,outcome\n1,converted\n", encoding="utf-8")
    else:
        with sqlite3.connect(journal) as db:
            db.execute("CREATE TABLE t (x TEXT)")
            db.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 2000)
        journal.write_bytes(journal.read_bytes()[: journal.stat().st_size // 2])
    plan = tmp_path / "plan.csv"
    plan.write_text(
        f"lead_id,contact_action,account_action\n{LEAD},create,create\n", encoding="utf-8"
    )
    for args in (
        ["convert", "--plan", str(plan), "--journal", str(journal)],
        ["history", "--journal", str(journal)],
    ):
        line = user_error(args, capsys)
        assert str(journal) in line and "not a readable crmkit journal" in line


def test_history_export_needs_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = user_error(["history", "--export", str(tmp_path / "x.csv")], capsys)
    assert "--export needs --run N" in line


def test_rates_errors_name_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "not a crmkit snapshot" in user_error(["rates", str(tmp_path)], capsys)


def test_fetch_onto_a_file_fails_before_spending_credits(
    small_sandbox: Callable[..., Sandbox],
    sandbox_environ: Callable[[Sandbox], dict[str, str]],
    tmp_path: Path,
) -> None:
    sb = small_sandbox(leads=[{"id": LEAD, "Last_Name": "Boyle", "Company": "Zylker"}])
    taken = tmp_path / "snap"
    taken.write_text("keep me", encoding="utf-8")
    proc = run(["fetch", "--out", str(taken), "--quiet"], env=sandbox_environ(sb))
    assert proc.returncode == 2
    assert "exists and is not a directory" in one_line(proc.stderr)
    assert sb.control.state()["limits"]["credits_used"] == 0
    assert taken.read_text(encoding="utf-8") == "keep me"


def test_rates_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    root = data_dir(tmp_path, f"id,Last_Name,Company,Email\n{LEAD},Boyle,Zylker,p@z.com\n")
    snap = tmp_path / "snap"
    assert run(["predict", "--data", str(root), "--out", str(snap)]).returncode == 0
    environ = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmkit", "rates", str(snap)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # what `| head` does once it has its lines
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert err == ""  # no BrokenPipeError, no "Exception ignored"

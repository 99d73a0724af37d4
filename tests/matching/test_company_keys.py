"""Company keys computed in two processes are the keys one process computes, and a helper that
cannot start or answers badly costs time, never a key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crmkit.neardup import company_keys
from crmkit.sampledata import bundled_path


def _names() -> list[str]:
    accounts = pd.read_csv(bundled_path() / "Accounts.csv", dtype=str, keep_default_na=False)
    leads = pd.read_csv(bundled_path() / "Leads.csv", dtype=str, keep_default_na=False)
    names = sorted(set(accounts["Account_Name"]) | set(leads["Company"]) - {""})
    return [*names, "Müller GmbH & Co. KG", "Ромашка ООО", 'The "Best" Co.\nLtd']


@pytest.fixture()
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(company_keys, "_KNOWN", {})
    monkeypatch.setattr(company_keys, "_PENDING", [])
    monkeypatch.setattr(company_keys, "PARALLEL_FROM", 10)


def test_two_processes_give_one_process_keys(fresh: None) -> None:
    names = _names()
    known = company_keys.remember(names)
    assert [known[n] for n in names] == company_keys.keys_of(names)
    assert known["Müller GmbH & Co. KG"] == "muller"


def test_a_helper_that_cannot_start_is_replaced_by_this_process(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    names = _names()
    known = company_keys.remember(names)
    assert [known[n] for n in names] == company_keys.keys_of(names)


def test_a_helper_answering_badly_is_replaced_by_this_process(
    fresh: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    liar = tmp_path / "liar.py"
    liar.write_text("import sys; sys.stdin.read(); print('[1, 2]')\n", encoding="utf-8")
    real = subprocess.Popen

    def popen(cmd: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real([sys.executable, str(liar)], **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(company_keys.subprocess, "Popen", popen)
    names = _names()
    known = company_keys.remember(names)
    assert [known[n] for n in names] == company_keys.keys_of(names)


def test_the_helper_speaks_json_on_its_pipes() -> None:
    names = ["Acme Ltd", "Zoë Ltd.", "Plain"]
    done = subprocess.run(
        [sys.executable, "-m", "crmkit.neardup.company_keys"],
        input='["Acme Ltd", "Zoë Ltd.", "Plain"]'.encode(),
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert json.loads(done.stdout) == company_keys.keys_of(names) == ["acme", "zoe", "plain"]


def test_keys_started_early_are_collected_when_asked(fresh: None) -> None:
    names = _names()
    company_keys.prefetch(names)
    assert company_keys._PENDING and not company_keys._KNOWN  # keyed in the helper meanwhile
    known = company_keys.remember(names[:3])
    assert not company_keys._PENDING
    assert [known[n] for n in names] == company_keys.keys_of(names)

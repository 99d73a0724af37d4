"""crmkit.legal_forms answers exactly what cleanco's basename answers, on every company name
the two labelled orgs hold and on the cases where cleanco's walk order matters."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from cleanco import basename

from crmkit.legal_forms import strip_legal_suffix
from crmkit.sampledata import bundled_path

BENCH = Path(__file__).resolve().parents[2] / "bench"

ORDER_CASES = [
    "Acme Co Ltd",  # two forms: cleanco removes one per walk
    "X Ltd Ltd",  # a repeated term
    "Müller GmbH & Co. KG",  # the four-word form
    "Bar S. de R.L.",
    "Foo, Inc.",
    "Ltd",  # the whole name is a form
    "A & Co",
    "Ромашка ООО",
    "Acme AG AG",
    "Acme, LLC.",
    "a s de rl s de rl",
    "Sociedad Anónima S.A.",
    "Nordic Oy Ab",
    "Plain Name",
    "Trailing dots...",
]


def _names_of(root: Path) -> list[str]:
    accounts = pd.read_csv(root / "Accounts.csv", dtype=str, keep_default_na=False)
    leads = pd.read_csv(root / "Leads.csv", dtype=str, keep_default_na=False)
    names = set(accounts["Account_Name"]) | set(leads["Company"])
    return sorted(n for n in names if n.strip())


@pytest.mark.parametrize("name", ORDER_CASES)
def test_the_walk_order_is_cleancos(name: str) -> None:
    assert strip_legal_suffix(name) == basename(name)


def test_every_sample_company_name(tmp_path: Path) -> None:
    names = _names_of(bundled_path())
    assert len(names) > 1000
    differ = [(n, basename(n), strip_legal_suffix(n)) for n in names]
    differ = [d for d in differ if d[1] != d[2]]
    assert differ == []


@pytest.mark.slow
def test_every_independent_company_name(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from independent_org import build
    finally:
        sys.path.remove(str(BENCH))
    root = build(tmp_path / "org", leads=3_000, contacts=8_000, accounts=4_000)
    names = _names_of(root)
    assert len(names) > 3000
    stripped = sum(basename(n) != n for n in names)
    assert stripped > 1000  # most names end in a legal form: the lookup is exercised
    differ = [(n, basename(n), strip_legal_suffix(n)) for n in names]
    assert [d for d in differ if d[1] != d[2]] == []

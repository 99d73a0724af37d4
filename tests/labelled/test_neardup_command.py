"""`crmkit neardup` end to end: a data directory in, one CSV row per proposed pair out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from labelled_org import build

from crmkit.cli.neardup import PAIR_COLUMNS, best_pairs
from crmkit.matching import predict, read_module_csv
from crmkit.neardup import near_duplicates
from crmkit.orgconfig import OrgConfig

ROOT = Path(__file__).resolve().parents[2]


def crmkit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "crmkit", "neardup", *args], capture_output=True, text=True, env=env
    )


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("nd") / "org", leads=400, contacts=800, accounts=250)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype="string", keep_default_na=False)


def test_pairs_are_near_duplicates_of_the_directory_best_first(org: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    done = crmkit("--data", str(org), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "pairs written to" in done.stderr and done.stdout == ""
    pairs = read(out)
    assert tuple(pairs.columns) == PAIR_COLUMNS
    assert not pairs.duplicated(["lead_id", "module", "record_id"]).any()
    scores = pairs["score"].astype(float)
    assert (scores.diff().dropna() <= 0).all()  # best first
    # The same pairs as crmkit.neardup.near_duplicates, the report's function, gives in-process.
    leads, contacts, accounts = (read_module_csv(org / f"{m}.csv") for m in
                                 ("Leads", "Contacts", "Accounts"))  # fmt: skip
    exact = predict(leads, contacts, accounts, OrgConfig.from_data_dir(org)).matches
    expected = best_pairs(near_duplicates(leads, contacts, accounts, exact=exact))
    key = ["lead_id", "module", "record_id", "route"]
    assert set(map(tuple, pairs[key].to_numpy())) == set(map(tuple, expected[key].to_numpy()))
    assert len(pairs) > 100
    # Labelled true pairs are among them (the org plants exact e-mail duplicates, for one).
    truth = read(org / "near_duplicates_truth.csv")
    planted = truth[(truth["variant"] == "email_exact")][["lead_id", "record_id"]]
    found = planted.merge(pairs, on=["lead_id", "record_id"])
    assert len(found) == len(planted) > 0
    assert set(found["zoho_exact"]) == {"True"}  # Zoho matches equal addresses itself


def test_routes_filter_and_among_leads(org: Path, tmp_path: Path) -> None:
    out = tmp_path / "phone.csv"
    assert crmkit("--data", str(org), "--out", str(out), "--routes", "phone").returncode == 0
    assert set(read(out)["route"]) == {"phone"}
    leads_out = tmp_path / "leads.csv"
    done = crmkit("--data", str(org), "--out", str(leads_out), "--among-leads")
    assert done.returncode == 0, done.stderr
    pairs = read(leads_out)
    assert set(pairs["module"]) == {"Leads"}
    assert (pairs["lead_id"] < pairs["record_id"]).all()  # each unordered pair once, no self
    assert not pairs.duplicated(["lead_id", "record_id"]).any()
    leads = read(org / "Leads.csv").set_index("id")
    # Every email pair shares an address, whatever its case and spaces.
    email = pairs[pairs["method"] == "exact_key"]
    email = email[email["route"] == "email"]
    for a, b in zip(email["lead_id"], email["record_id"], strict=True):
        assert leads.loc[a, "Email"].strip().lower() == leads.loc[b, "Email"].strip().lower()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--routes", "phone,fax"], "unknown route fax; choose from phone,email,name,company"),
        (["--data", "/no/such/dir"], "/no/such/dir: no such data directory"),
        (["--out", "/no/such/dir/pairs.csv"], "the directory /no/such/dir does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    org: Path, tmp_path: Path, args: list[str], says: str
) -> None:
    base = {"--data": str(org), "--out": str(tmp_path / "p.csv")}
    line = list(sum(base.items(), ()))
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag in base:
            line[line.index(flag) + 1] = value
        else:
            line += [flag, value]
    done = crmkit(*line)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_module_file_is_named(org: Path, tmp_path: Path) -> None:
    data = tmp_path / "partial"
    data.mkdir()
    (data / "Leads.csv").write_bytes((org / "Leads.csv").read_bytes())
    done = crmkit("--data", str(data), "--out", str(tmp_path / "p.csv"))
    assert done.returncode == 2
    assert f"{data / 'Contacts.csv'}: the data directory has no Contacts.csv" in done.stderr

"""The independent labelled org: deterministic, loadable, built without crmkit, labels that hold."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import phonenumbers
import pytest
from labelled_org import BENCH, build

from crmkit.sandbox.loader import load_data_dir

SIZES = {"leads": 1_500, "contacts": 3_000, "accounts": 1_000}


@pytest.fixture(scope="module")
def org_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("independent") / "org", **SIZES, seed=7)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype="string", keep_default_na=False)


def test_builder_imports_nothing_from_crmkit() -> None:
    for path in sorted(BENCH.glob("independent_*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] == "crmkit"], path.name
        assert "crmkit." not in re.sub(r'""".*?"""', "", path.read_text("utf-8"), flags=re.S)


def test_same_seed_same_files_and_sizes(org_dir: Path, tmp_path: Path) -> None:
    again = build(tmp_path / "again", **SIZES, seed=7)
    for name in ("Leads.csv", "Contacts.csv", "Accounts.csv", "near_duplicates_truth.csv"):
        assert (again / name).read_bytes() == (org_dir / name).read_bytes(), name
    other = build(tmp_path / "other", **SIZES, seed=8)
    assert (other / "Leads.csv").read_bytes() != (org_dir / "Leads.csv").read_bytes()
    assert len(read(org_dir / "Leads.csv")) == SIZES["leads"]
    assert len(read(org_dir / "Contacts.csv")) == SIZES["contacts"]
    assert len(read(org_dir / "Accounts.csv")) == SIZES["accounts"]


def test_the_sandbox_loads_it(org_dir: Path) -> None:
    data = load_data_dir(org_dir)
    assert len(data.records["Leads"]) == SIZES["leads"]


def test_every_kind_is_planted_and_labels_point_at_records(org_dir: Path) -> None:
    truth = read(org_dir / "near_duplicates_truth.csv")
    assert list(truth.columns) == ["lead_id", "module", "record_id", "route", "variant", "is_match"]
    leads = set(read(org_dir / "Leads.csv")["id"])
    ids = {"Contacts": set(read(org_dir / "Contacts.csv")["id"]),
           "Accounts": set(read(org_dir / "Accounts.csv")["id"])}  # fmt: skip
    assert truth["lead_id"].isin(leads).all()
    for module, known in ids.items():
        assert truth.loc[truth["module"] == module, "record_id"].isin(known).all()
    seen = set(zip(truth["variant"], truth["is_match"], strict=True))
    positives = {"email_case", "email_spaces", "phone_format", "phone_no_cc", "nickname",
                 "spelling", "initial", "swap", "accents", "typo", "legal_form", "case_punct",
                 "website_domain", "account_phone"}  # fmt: skip
    negatives = {"switchboard", "family_phone", "role_mailbox", "namesake", "lookalike",
                 "similar_local"}  # fmt: skip
    assert {(v, "true") for v in positives} <= seen
    assert {(v, "false") for v in negatives} <= seen
    assert not truth.duplicated(["lead_id", "module", "record_id"]).any()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_labels_say_what_the_records_hold(org_dir: Path) -> None:
    """Each label is checked against the written files, not against the builder's memory."""
    truth = read(org_dir / "near_duplicates_truth.csv")
    leads = read(org_dir / "Leads.csv").set_index("id")
    contacts = read(org_dir / "Contacts.csv").set_index("id")
    accounts = read(org_dir / "Accounts.csv").set_index("id")
    for row in truth.itertuples():
        lead = leads.loc[row.lead_id]
        if row.module == "Contacts":
            rec = contacts.loc[row.record_id]
            if row.route == "phone":  # the same subscriber number, however written
                lead_phones = {_digits(lead["Phone"])[-7:], _digits(lead["Mobile"])[-7:]}
                assert {_digits(rec["Phone"])[-7:], _digits(rec["Mobile"])[-7:]} & lead_phones
            if row.variant in ("email_exact", "email_case", "email_spaces", "role_mailbox"):
                assert lead["Email"].strip().lower() == rec["Email"].lower()
            if row.variant == "namesake":
                assert lead["Last_Name"] == rec["Last_Name"]
                assert not lead["Company"] or lead["Company"] != rec["Account_Name.name"]
            if row.variant == "family_phone":
                assert lead["Last_Name"] == rec["Last_Name"] and not lead["Company"]
        else:
            acc = accounts.loc[row.record_id]
            if row.variant == "website_domain":
                assert not lead["Company"] and lead["Email"].split("@")[1] in acc["Website"]
            if row.variant == "account_phone":
                assert not lead["Company"]
                assert _digits(lead["Phone"])[-7:] == _digits(acc["Phone"])[-7:]
            if row.variant == "exact":
                assert lead["Company"] == acc["Account_Name"]
            if row.variant in ("typo", "legal_form", "case_punct", "lookalike"):
                assert lead["Company"] and lead["Company"] != acc["Account_Name"]


def test_phone_numbers_are_real_numbers(org_dir: Path) -> None:
    """The number plans are the builder's own; libphonenumber's metadata confirms them."""
    phones = pd.concat([read(org_dir / "Contacts.csv")[c] for c in ("Phone", "Mobile")])
    phones = phones[phones.str.startswith("+") | phones.str.startswith("00")]
    assert len(phones) > 500
    valid = sum(
        phonenumbers.is_valid_number(phonenumbers.parse("+" + p.lstrip("+0") if p.startswith(
            "00") else p)) for p in phones)  # fmt: skip
    assert valid / len(phones) > 0.98


def test_names_are_skewed_and_namesakes_exist(org_dir: Path) -> None:
    contacts = read(org_dir / "Contacts.csv")
    counts = contacts["Last_Name"].value_counts()
    assert counts.iloc[0] >= 10 * counts.median()  # a few surnames are common
    assert contacts.duplicated(["First_Name", "Last_Name"]).sum() >= 10  # namesakes by chance
    # Many cultures: names from at least 15 of the builder's 24 countries' locales.
    assert contacts["Mailing_Country"].replace("", pd.NA).dropna().nunique() >= 15

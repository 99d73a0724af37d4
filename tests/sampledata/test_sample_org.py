"""The sample-org generator: determinism, shape, planted routes and states, exact truth."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crmkit.cli.sample_data import add_parser
from crmkit.sampledata import bundled_path, exact_matches, generate

FILES = (
    "Leads.csv",
    "Contacts.csv",
    "Accounts.csv",
    "Deals.csv",
    "org.json",
    "ground_truth.csv",
    "near_duplicates_truth.csv",
    "lead_duplicates_truth.csv",
    "manifest.json",
)


def read(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sample() -> Path:
    return bundled_path()


@pytest.fixture(scope="module")
def frames(sample: Path) -> dict[str, pd.DataFrame]:
    names = (
        "Leads",
        "Contacts",
        "Accounts",
        "Deals",
        "ground_truth",
        "near_duplicates_truth",
        "lead_duplicates_truth",
    )
    return {n: read(sample, n) for n in names}


def test_committed_sample_is_what_the_generator_writes(tmp_path: Path, sample: Path) -> None:
    generate(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (sample / name).read_bytes(), name


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    kw = {"leads": 400, "contacts": 300, "accounts": 150}
    generate(tmp_path / "a", seed=7, **kw)
    generate(tmp_path / "b", seed=7, **kw)
    generate(tmp_path / "c", seed=8, **kw)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a/Leads.csv").read_bytes() != (tmp_path / "c/Leads.csv").read_bytes()


def test_sizes_and_ids(frames: dict[str, pd.DataFrame]) -> None:
    sizes = {m: len(frames[m]) for m in ("Leads", "Contacts", "Accounts", "Deals")}
    dup = frames["lead_duplicates_truth"]
    batch = dup.loc[dup["variant"] != "background", "lead_id"].nunique()
    # the open-lead duplicates, appended on top of --leads: 8%, the last group may overshoot
    assert 400 <= batch < 400 + 5
    assert sizes == {"Leads": 5000 + batch, "Contacts": 3000, "Accounts": 1200, "Deals": 400}
    all_ids = pd.concat([frames[m]["id"] for m in sizes])
    assert all_ids.str.fullmatch(r"[1-9]\d{18}").all()
    assert int(all_ids.astype("int64").min()) > 2**53  # would lose digits as floats
    assert not all_ids.duplicated().any()
    owners = {u["id"] for u in json.loads((bundled_path() / "org.json").read_text())["users"]}
    assert 6 <= len(owners) <= 10
    for m in sizes:
        assert set(frames[m]["Owner.id"]) <= owners


def test_lookups_resolve(frames: dict[str, pd.DataFrame]) -> None:
    acc = frames["Accounts"].set_index("id")["Account_Name"]
    con = frames["Contacts"]
    linked = con[con["Account_Name.id"] != ""]
    assert len(linked) > 0.7 * len(con)
    assert (linked["Account_Name.name"] == acc.reindex(linked["Account_Name.id"]).values).all()
    deals = frames["Deals"]
    assert deals["Account_Name.id"].isin(acc.index).all()
    with_contact = deals[deals["Contact_Name.id"] != ""]
    assert with_contact["Contact_Name.id"].isin(con["id"]).all()
    # A deal's contact belongs to the deal's account.
    con_acc = con.set_index("id")["Account_Name.id"]
    assert (
        con_acc.reindex(with_contact["Contact_Name.id"]).values
        == with_contact["Account_Name.id"].values
    ).all()


def test_org_json_and_deal_stages(frames: dict[str, pd.DataFrame], sample: Path) -> None:
    org = json.loads((sample / "org.json").read_text())
    assert org["edition"] == "enterprise"
    assert org["unique_fields"] == {
        "Contacts": [{"api_name": "Phone", "casesensitive": False}],
        "Accounts": [],
    }
    assert org["layouts"] == {"Accounts": ["Standard", "Partner"]}
    assert org["removed_modules"] == [] and org["removed_fields"] == {}
    pipelines = org["pipelines"]
    assert len(pipelines) == 2
    # Zoho's standard pipeline, as every new org has it (the Kaizen 137 article's Deal names it)
    assert pipelines["Standard (Standard)"] == [
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
        "Closed-Lost to Competition",
    ]
    deals = frames["Deals"]
    assert set(deals["Pipeline"]) == set(pipelines)
    for pipeline, stages in pipelines.items():
        assert set(deals.loc[deals["Pipeline"] == pipeline, "Stage"]) <= set(stages)
    assert set(frames["Accounts"]["Layout"]) == {"Standard", "Partner"}
    assert (
        frames["Leads"]["Created_Time"]
        .str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30")
        .all()
    )
    assert (frames["Leads"]["Modified_Time"] >= frames["Leads"]["Created_Time"]).all()


def test_contacts_phone_is_unique_as_the_org_says(frames: dict[str, pd.DataFrame]) -> None:
    phones = frames["Contacts"]["Phone"].str.strip().str.lower()
    phones = phones[phones != ""]
    assert not phones.duplicated().any()


def test_pat_boyle_is_zohos_documented_example(frames: dict[str, pd.DataFrame]) -> None:
    leads, contacts, accounts = frames["Leads"], frames["Contacts"], frames["Accounts"]
    pat = leads[(leads["First_Name"] == "Pat") & (leads["Last_Name"] == "Boyle")]
    assert len(pat) == 1
    lead = pat.iloc[0]
    assert (lead["Company"], lead["Phone"], lead["Email"]) == (
        "Zylker Biotech",
        "9844444444",
        "pat.boyle@zylker.com",
    )
    c = contacts.set_index("id")
    boyle = c.loc["4876876000007437017"]
    assert (boyle["First_Name"], boyle["Last_Name"], boyle["Full_Name"]) == ("", "Boyle", "Boyle")
    assert (boyle["Email"], boyle["Phone"], boyle["Account_Name.id"]) == (
        "pat.boyle@zylker.com",
        "",
        "",
    )
    pb = c.loc["4876876000007421001"]
    assert (pb["Full_Name"], pb["Phone"], pb["Email"]) == ("Pat Boyle", "9844444444", "")
    assert (pb["Account_Name.id"], pb["Account_Name.name"]) == (
        "4876876000007421010",
        "Zylker Biotech",
    )
    z = accounts.set_index("id").loc["4876876000007421010"]
    assert (z["Account_Name"], z["Layout"], z["Phone"]) == ("Zylker Biotech", "Standard", "")
    truth = frames["ground_truth"]
    rows = truth[truth["lead_id"] == lead["id"]]
    got = set(rows[["module", "record_id", "field", "route"]].itertuples(index=False, name=None))
    assert got == {
        ("Contacts", "4876876000007421001", "Phone", "unique"),
        ("Contacts", "4876876000007437017", "Email", "email"),
        ("Accounts", "4876876000007421010", "Account_Name", "company"),
    }


def test_ground_truth_equals_an_independent_check(frames: dict[str, pd.DataFrame]) -> None:
    truth = frames["ground_truth"]
    expected = exact_matches(frames["Leads"], frames["Contacts"], frames["Accounts"])
    assert set(truth.itertuples(index=False, name=None)) == expected
    assert not truth.duplicated().any()


def _norm(s: pd.Series) -> pd.Series:
    return s.str.strip().str.lower()


def test_every_route_and_messy_variant_is_planted(frames: dict[str, pd.DataFrame]) -> None:
    leads = frames["Leads"].set_index("id")
    contacts = frames["Contacts"].set_index("id")
    accounts = frames["Accounts"].set_index("id")
    truth = frames["ground_truth"]
    counts = truth["route"].value_counts()
    assert counts["unique"] >= 300 and counts["email"] >= 300
    assert counts["company"] >= 500 and counts["name"] >= 100
    assert set(truth["field"]) == {"Phone", "Email", "Account_Name", "Full_Name"}
    # Email matches include case and surrounding-space variants.
    em = truth[truth["route"] == "email"]
    lead_email = leads.loc[em["lead_id"], "Email"].to_numpy()
    con_email = contacts.loc[em["record_id"], "Email"].to_numpy()
    assert (lead_email != con_email).sum() >= 50
    assert any(v != v.strip() for v in lead_email)
    # Company matches include case/space variants too.
    co = truth[truth["route"] == "company"]
    lead_co = leads.loc[co["lead_id"], "Company"].to_numpy()
    acc_name = accounts.loc[co["record_id"], "Account_Name"].to_numpy()
    assert (lead_co != acc_name).sum() >= 50
    # Names: matched despite case differences; some contacts have no first name.
    nm = truth[truth["route"] == "name"]
    assert (
        leads.loc[nm["lead_id"], "Full_Name"].to_numpy()
        != contacts.loc[nm["record_id"], "Full_Name"].to_numpy()
    ).sum() >= 20
    # Union: one lead, two contacts, by different fields; several contacts by one field.
    per_lead = truth[truth["module"] == "Contacts"].groupby("lead_id")
    fields = per_lead["field"].nunique()
    records = per_lead["record_id"].nunique()
    assert ((fields == 2) & (records == 2)).sum() >= 20
    assert ((fields == 1) & (records == 2)).sum() >= 10
    # Both Phone and Email on the same contact: two rows for one record.
    pairs = truth[truth["module"] == "Contacts"].groupby(["lead_id", "record_id"]).size()
    assert (pairs == 2).sum() >= 50
    # Leads matching accounts only; leads matching two accounts.
    modules = truth.groupby("lead_id")["module"].agg(set)
    assert (modules == {"Accounts"}).sum() >= 300
    acc_rows = truth[truth["module"] == "Accounts"].groupby("lead_id").size()
    assert (acc_rows == 2).sum() >= 3


def test_name_rule_only_when_phone_and_email_find_nothing(
    frames: dict[str, pd.DataFrame],
) -> None:
    leads, contacts, truth = frames["Leads"], frames["Contacts"], frames["ground_truth"]
    name_leads = set(truth.loc[truth["route"] == "name", "lead_id"])
    other = set(truth.loc[truth["route"].isin(["unique", "email"]), "lead_id"])
    assert not name_leads & other
    # Some leads share a contact's name but also an email: the name rule is suppressed.
    names = set(_norm(contacts["Full_Name"]))
    shares_name = set(leads.loc[_norm(leads["Full_Name"]).isin(names), "id"])
    assert len((shares_name & other) - name_leads) >= 10


def test_phone_format_variants_do_not_match_exactly(frames: dict[str, pd.DataFrame]) -> None:
    near = frames["near_duplicates_truth"]
    leads = frames["Leads"].set_index("id")
    contacts = frames["Contacts"].set_index("id")
    ph = near[near["variant"] == "phone_format"]
    assert len(ph) >= 30
    lead_phone = leads.loc[ph["lead_id"], "Phone"]
    con_phone = contacts.loc[ph["record_id"], "Phone"]
    digits = lead_phone.str.replace(r"\D", "", regex=True).str[-10:].to_numpy()
    assert (digits == con_phone.str.replace(r"\D", "", regex=True).str[-10:].to_numpy()).all()
    assert (lead_phone.to_numpy() != con_phone.to_numpy()).all()


def test_special_states_present_and_absent_from_truth(frames: dict[str, pd.DataFrame]) -> None:
    leads, contacts, accounts = frames["Leads"], frames["Contacts"], frames["Accounts"]
    truth = frames["ground_truth"]
    converted = leads["Converted__s"] == "true"
    locked = leads["Locked__s"] == "true"
    unapproved = leads["$approval_state"] != "approved"
    assert converted.sum() >= 100 and locked.sum() >= 20 and unapproved.sum() >= 20
    assert {"pending", "rejected"} <= set(leads["$approval_state"])
    assert not (converted & locked).any() and not (converted & unapproved).any()
    closed = set(leads.loc[converted | locked | unapproved, "id"])
    assert not closed & set(truth["lead_id"])
    # Each special state includes leads that would otherwise match something.
    expected_if_open = exact_matches(
        leads.assign(Converted__s="false", Locked__s="false", **{"$approval_state": "approved"}),
        contacts,
        accounts,
    )
    would_match = {lead for lead, *_ in expected_if_open}
    for mask in (converted, locked, unapproved):
        assert len(set(leads.loc[mask, "id"]) & would_match) >= 5
    # Locked and unapproved targets are among the matches.
    for module, frame in (("Contacts", contacts), ("Accounts", accounts)):
        hit = set(truth.loc[truth["module"] == module, "record_id"])
        assert len(hit & set(frame.loc[frame["Locked__s"] == "true", "id"])) >= 3
        assert len(hit & set(frame.loc[frame["$approval_state"] != "approved", "id"])) >= 1


def test_near_duplicates_labelled_and_missed_by_zoho(frames: dict[str, pd.DataFrame]) -> None:
    near, truth = frames["near_duplicates_truth"], frames["ground_truth"]
    assert list(near.columns) == ["lead_id", "module", "record_id", "route", "variant", "is_match"]
    assert set(near["is_match"]) == {"true", "false"}
    positives = near[near["is_match"] == "true"]
    assert set(positives["route"]) == {"phone", "email", "company", "name"}
    assert {"typo", "nickname", "phone_format", "company_suffix", "gmail_dots_plus"} <= set(
        positives["variant"]
    )
    for route in ("phone", "email", "company", "name"):
        assert (positives["route"] == route).sum() >= 30, route
    exact_pairs = set(zip(truth["lead_id"], truth["record_id"], strict=True))
    assert not exact_pairs & set(zip(positives["lead_id"], positives["record_id"], strict=True))
    negatives = near[near["is_match"] == "false"]
    assert set(negatives["variant"]) == {
        "role_address", "free_mail_domain", "namesake", "lookalike", "similar_local",
    }  # fmt: skip
    assert not exact_pairs & set(
        zip(*(negatives.loc[negatives["variant"] != "role_address", c] for c in
              ("lead_id", "record_id")), strict=True)
    )  # fmt: skip
    # Role addresses: Zoho links them exactly, yet they are different people.
    role = negatives[negatives["variant"] == "role_address"]
    assert set(zip(role["lead_id"], role["record_id"], strict=True)) <= exact_pairs
    leads = frames["Leads"].set_index("id")
    contacts = frames["Contacts"].set_index("id")
    assert (
        _norm(leads.loc[role["lead_id"], "Full_Name"]).to_numpy()
        != _norm(contacts.loc[role["record_id"], "Full_Name"]).to_numpy()
    ).all()
    assert leads.loc[role["lead_id"], "Email"].str.strip().str.match(r"(?i)[a-z]+@").all()
    # Namesakes: the contact's last name, a nickname of its first name, another company.
    twin = negatives[negatives["variant"] == "namesake"]
    lead, con = leads.loc[twin["lead_id"]], contacts.loc[twin["record_id"]]
    assert (lead["Last_Name"].to_numpy() == con["Last_Name"].to_numpy()).all()
    assert (lead["First_Name"].to_numpy() != con["First_Name"].to_numpy()).all()
    assert not set(lead["Company"].dropna()) & set(frames["Accounts"]["Account_Name"])
    # Look-alike companies: one word from an account's name, and not that name.
    look = negatives[negatives["variant"] == "lookalike"]
    accounts = frames["Accounts"].set_index("id")
    mine = leads.loc[look["lead_id"], "Company"].to_numpy()
    theirs = accounts.loc[look["record_id"], "Account_Name"].to_numpy()
    assert all(a != b and a.split()[0] == b.split()[0] for a, b in zip(mine, theirs, strict=True))
    # One-letter mailboxes: the same domain, local parts one letter apart.
    near_mail = negatives[negatives["variant"] == "similar_local"]
    mine = leads.loc[near_mail["lead_id"], "Email"].to_numpy()
    theirs = contacts.loc[near_mail["record_id"], "Email"].to_numpy()
    for a, b in zip(mine, theirs, strict=True):
        assert a != b and a.split("@")[1] == b.split("@")[1] and a[:-1].split("@")[0] != ""
        assert sum(x != y for x, y in zip(a, b, strict=False)) == 1 and len(a) == len(b)


def test_csvs_parse_with_pandas_as_strings(sample: Path) -> None:
    for name in ("Leads", "Contacts", "Accounts", "Deals"):
        frame = pd.read_csv(sample / f"{name}.csv", dtype=str)
        assert frame["id"].notna().all()
        assert "Owner.id" in frame.columns and "Tag" in frame.columns


def test_rejects_too_small_orgs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 100"):
        generate(tmp_path, leads=50)


def test_cli_writes_a_small_org(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    out = tmp_path / "org"
    args = parser.parse_args(
        ["sample-data", "--out", str(out), "--leads", "300", "--contacts", "200",
         "--accounts", "120", "--seed", "3"]
    )  # fmt: skip
    assert args.handler(args) == 0
    assert "verified: yes" in capsys.readouterr().out
    assert len(read(out, "Leads")) == 300 + len(
        set(read(out, "lead_duplicates_truth").query("variant != 'background'")["lead_id"])
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["sample-data", "--out", str(out), "--leads", "0"])


def test_larger_org_verifies_with_compound_names(tmp_path: Path) -> None:
    report = generate(tmp_path, leads=30_000, contacts=25_000, accounts=8_000, seed=11)
    assert report.verified  # generate() raises if the independent check disagrees
    batch = report.planted["open_duplicate_leads"]
    assert batch >= 30_000 * 0.08
    assert report.sizes == {
        "Leads": 30_000 + batch,
        "Contacts": 25_000,
        "Accounts": 8_000,
        "Deals": 2666,
    }
    contacts = read(tmp_path, "Contacts")
    assert contacts["Last_Name"].str.contains("-").mean() > 0.5
    assert set(report.truth_rows_by_route) == {"unique", "email", "company", "name"}

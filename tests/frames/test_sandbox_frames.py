"""Frames and snapshots against the sandbox over real HTTP (sample_data/ and small orgs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmkit import connect
from crmkit.agreement import compare
from crmkit.analysis import module_rates, rate_table, summary
from crmkit.api import CRMClient
from crmkit.api.models import ConvertRequest
from crmkit.frames import fetch_leads, read_leads_csv
from crmkit.matching import predict
from crmkit.sandbox import Sandbox
from crmkit.snapshot import Snapshot, fetch_snapshot, load_snapshot, refresh_snapshot, save_snapshot

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
MODULES = ("Contacts", "Accounts")


def client_for(sb: Sandbox) -> CRMClient:
    return connect(sandbox=sb, progress=False)


@pytest.fixture(scope="module")
def sample_snapshot(sandbox: Sandbox) -> Iterator[tuple[Snapshot, CRMClient]]:
    sandbox.control.reset()
    client = client_for(sandbox)
    try:
        yield fetch_snapshot(client), client
    finally:
        client.close()


def listed_leads() -> int:
    """Leads the sample org lists (converted ones are not), from its manifest."""
    manifest = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    return int(manifest["sizes"]["Leads"]) - int(manifest["lead_states"]["converted"])


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "ground_truth.csv", dtype="string", keep_default_na=False)


@pytest.mark.slow
def test_matches_equal_ground_truth_row_for_row(
    sample_snapshot: tuple[Snapshot, CRMClient], truth: pd.DataFrame
) -> None:
    snap, _ = sample_snapshot
    m = snap.matches
    assert m["explained"].all(), m[~m["explained"]]  # every hit explained by a returned record
    cols = ["lead_id", "module", "record_id", "field", "route"]
    got = m[cols].sort_values(cols).reset_index(drop=True)
    want = truth[cols].astype("string").sort_values(cols).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.slow
def test_rates_equal_ground_truth_per_route_and_module(
    sample_snapshot: tuple[Snapshot, CRMClient], truth: pd.DataFrame
) -> None:
    snap, _ = sample_snapshot
    s = summary(snap.options)
    # converted leads are not listed; locked and unapproved ones are answered with an error
    manifest = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    states = manifest["lead_states"]
    assert s["n_leads"] == manifest["sizes"]["Leads"] - states["converted"]
    assert s["n_errors"] == states["locked"] + states["unapproved"]
    assert set(snap.options.loc[snap.options["outcome"] == "error", "error_code"]) == {
        "RECORD_LOCKED",
        "NOT_APPROVED",
    }
    n = s["n_answered"]
    assert s["n_matched"] == truth["lead_id"].nunique()
    by_route = rate_table(snap.options, snap.matches, level="route").set_index(["module", "field"])
    want_route = truth.groupby(["module", "route"])["lead_id"].nunique()
    assert by_route["leads_any"].astype(int).to_dict() == want_route.to_dict()
    for key, leads in want_route.items():
        assert by_route.loc[key, "rate_any"] == leads / n
    by_module = module_rates(snap.options).set_index("module")["leads"]
    want_module = truth.groupby("module")["lead_id"].nunique()
    for module, leads in want_module.items():
        assert by_module[module] == leads
    assert by_module["any"] == truth["lead_id"].nunique()
    by_field = rate_table(snap.options, snap.matches).set_index(["module", "field"])
    want_field = truth.groupby(["module", "field"])["lead_id"].nunique()
    assert by_field["leads_any"].astype(int).to_dict() == want_field.to_dict()
    assert by_field["leads_first"].sum() == s["n_matched"]


def expected_first(truth: pd.DataFrame, org: dict[str, Any]) -> pd.DataFrame:
    """(lead_id, first_module, first_field) from the ground truth and Zoho's preference order.

    zoho-api.md §4: Contacts by unique fields in order, then Email, then the name fallback
    (Full_Name); Accounts by unique fields, then Account_Name. ``module_preference`` is Contacts
    when any contact matched, else Accounts — except that an org whose Contacts have no unique
    field while Accounts do puts Accounts first (docs/matching.md). Plain pandas, on purpose.
    """
    unique = {m: [f["api_name"] for f in org["unique_fields"].get(m, [])] for m in MODULES}
    order = {
        "Contacts": [*unique["Contacts"], "Email", "Full_Name"],
        "Accounts": [*unique["Accounts"], "Account_Name"],
    }
    accounts_first = not unique["Contacts"] and bool(unique["Accounts"])
    rank = {(m, f): i for m, fields in order.items() for i, f in enumerate(fields)}
    hits = truth[["lead_id", "module", "field"]].drop_duplicates()
    unknown = set(zip(hits["module"], hits["field"], strict=True)) - set(rank)
    assert not unknown, f"ground truth names fields outside the preference order: {unknown}"
    module_rank = (
        {"Accounts": 0, "Contacts": 1} if accounts_first else {"Contacts": 0, "Accounts": 1}
    )
    hits = hits.assign(
        m_rank=hits["module"].map(module_rank),
        f_rank=[rank[k] for k in zip(hits["module"], hits["field"], strict=True)],
    )
    best = hits.sort_values(["lead_id", "m_rank", "f_rank"]).drop_duplicates("lead_id")
    return best.rename(columns={"module": "first_module", "field": "first_field"})[
        ["lead_id", "first_module", "first_field"]
    ].reset_index(drop=True)


@pytest.mark.slow
def test_first_attribution_equals_ground_truth_preference_order(
    sample_snapshot: tuple[Snapshot, CRMClient], truth: pd.DataFrame
) -> None:
    snap, _ = sample_snapshot
    org = json.loads((SAMPLE / "org.json").read_text(encoding="utf-8"))
    # The sample org has a unique Contacts field (Phone), so the "Accounts first" exception
    # is not in play and every lead with a contact is attributed to Contacts.
    assert [f["api_name"] for f in org["unique_fields"]["Contacts"]] == ["Phone"]
    want = expected_first(truth, org)
    # Every field and module of the order is exercised, so a reordering would show.
    assert set(want["first_field"]) == {"Phone", "Email", "Full_Name", "Account_Name"}
    assert (want["first_module"] == "Contacts").sum() == truth.loc[
        truth["module"] == "Contacts", "lead_id"
    ].nunique()

    # Per lead: options.first_module / first_field of every matched lead.
    opts = snap.options
    matched = opts.loc[opts["outcome"] == "matched", ["lead_id", "first_module", "first_field"]]
    got = matched.astype("string").sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want.astype("string"))
    # Leads without a match carry no first attribution.
    unmatched = opts.loc[opts["outcome"] != "matched"]
    assert unmatched["first_field"].isna().all() and unmatched["first_module"].isna().all()

    # Per (module, field): leads_first counts, exactly, and none left unattributed.
    by_field = rate_table(opts, snap.matches).set_index(["module", "field"])["leads_first"]
    got_counts = {k: int(v) for k, v in by_field.items() if v > 0}
    want_counts = want.groupby(["first_module", "first_field"]).size().to_dict()
    assert got_counts == want_counts
    # And per route (unique/email/name/company) too.
    route_of = truth.drop_duplicates(["module", "field"]).set_index(["module", "field"])["route"]
    want_route = (
        want.assign(
            route=[route_of[k] for k in zip(want["first_module"], want["first_field"], strict=True)]
        )
        .groupby(["first_module", "route"])
        .size()
        .to_dict()
    )
    by_route = rate_table(opts, snap.matches, level="route").set_index(["module", "field"])
    assert {k: int(v) for k, v in by_route["leads_first"].items() if v > 0} == want_route


@pytest.mark.slow
def test_documented_example_lead(sample_snapshot: tuple[Snapshot, CRMClient]) -> None:
    snap, client = sample_snapshot
    pat = snap.options.set_index("lead_id").loc["4876876000007445001"]
    # Zylker Biotech matched by name, and by Phone through its contact (Zoho's article)
    assert (pat["contact_fields"], pat["account_fields"]) == ("Phone;Email", "Account_Name;Phone")
    assert (pat["first_module"], pat["first_field"]) == ("Contacts", "Phone")
    assert snap.meta.org_name == "Zylker Corp"
    assert (
        snap.meta.credits_spent == client.usage.credits_used
    )  # the fixture's client did only this
    usage = client.usage.credits
    # 200 records a page: the unconverted leads, 3,000 contacts, 1,200 accounts
    n = listed_leads()
    pages = -(-n // 200)
    assert usage["conversion_options"] == n and usage["records"] == pages + 15 + 6
    assert snap.meta.credits["leads"] == pages and snap.meta.credits["options"] == n
    assert (snap.meta.credits["contacts"], snap.meta.credits["accounts"]) == (15, 6)
    assert (snap.meta.n_contacts, snap.meta.n_accounts) == (3000, 1200)


@pytest.mark.slow
def test_prediction_from_the_sample_snapshot_agrees_with_zoho(
    sample_snapshot: tuple[Snapshot, CRMClient],
) -> None:
    snap, _ = sample_snapshot
    assert snap.contacts is not None and snap.accounts is not None
    prediction = predict(snap.leads, snap.contacts, snap.accounts, snap.org_config)
    differences = compare(snap, prediction)
    assert differences.empty, differences.head(20)


@pytest.mark.slow
def test_snapshot_round_trip(sample_snapshot: tuple[Snapshot, CRMClient], tmp_path: Path) -> None:
    snap, _ = sample_snapshot
    save_snapshot(snap, tmp_path / "snap")
    back = load_snapshot(tmp_path / "snap")
    assert back.meta == snap.meta
    for name in ("leads", "options", "matches", "matched_fields", "contacts", "accounts"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(snap, name))


def test_frames_from_api_equal_frames_from_csv_export(sandbox: Sandbox) -> None:
    sandbox.control.reset()
    from_csv = read_leads_csv(SAMPLE / "Leads.csv")
    columns = (c.split(".", 1)[0] for c in from_csv.columns if c != "id")
    fields = [c for c in dict.fromkeys(columns) if not c.startswith("$")]  # $ keys come unasked
    with client_for(sandbox) as client:
        types = {f["api_name"]: f["data_type"] for f in client.fields("Leads")}
        from_api = fetch_leads(client, fields, converted="both", field_types=types)
    from_csv_typed = read_leads_csv(SAMPLE / "Leads.csv", field_types=types)
    pd.testing.assert_frame_equal(from_csv_typed, from_csv)  # metadata changes nothing here
    got = from_api[list(from_csv.columns)].sort_values("id").reset_index(drop=True)
    want = from_csv.sort_values("id").reset_index(drop=True)
    # The sandbox trims every cell when it loads a data directory (docs/sandbox.md, "Cells are
    # trimmed", as Zoho trims input); the export keeps the planted surrounding spaces, and crmkit
    # never trims what it reads. So the API shows exactly the export's values, trimmed.
    text = [c for c in want.columns if str(want[c].dtype) == "string"]
    padded = sum(int((want[c].notna() & (want[c] != want[c].str.strip())).sum()) for c in text)
    assert padded > 0  # the sample plants such values
    for c in text:
        want[c] = want[c].str.strip()
    pd.testing.assert_frame_equal(got, want)


def test_refresh_asks_only_for_changed_leads(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    old, future = "2024-01-01T00:00:00+00:00", "2099-01-01T00:00:00+00:00"
    owner = {"id": "4876876000000225001", "name": "Ava Raman"}

    def lead(i: int, modified: str, **extra: object) -> dict[str, object]:
        return {
            "id": f"90000000000000000{i}",
            "Last_Name": f"Lead{i}",
            "Email": f"lead{i}@example.com",
            "Owner": owner,
            "Created_Time": old,
            "Modified_Time": modified,
            **extra,
        }

    sb = small_sandbox(
        leads=[
            lead(1, old, Email="c1@example.com"),
            lead(2, future),
            lead(3, old, Locked__s=True),
            lead(4, old),
        ],
        contacts=[
            {
                "id": "800000000000000001",
                "Last_Name": "C1",
                "Email": "c1@example.com",
                "Owner": owner,
            }
        ],
    )
    with client_for(sb) as client:
        snap = fetch_snapshot(client)
        outcomes = snap.options.set_index("lead_id")["outcome"].sort_index()
        assert outcomes.tolist() == ["matched", "no_match", "error", "no_match"]
        save_snapshot(snap, tmp_path / "s")
        client.convert_lead("900000000000000004", ConvertRequest())
        refreshed, report = refresh_snapshot(client, tmp_path / "s")
    assert report.modified == ("900000000000000002",)
    assert report.retried == ("900000000000000003",)
    assert report.added == ()
    assert report.removed == ("900000000000000004",)
    assert report.refetched == ("900000000000000002", "900000000000000003")
    assert refreshed.options["lead_id"].tolist() == refreshed.leads["id"].tolist()
    # one leads page + two leads asked again + one page each of Contacts and Accounts
    assert report.credits_spent == 5
    # the conversion made a contact (no Company: no account); the snapshot lists it
    assert (report.contacts, report.accounts) == (2, 0)
    assert refreshed.contacts is not None and len(refreshed.contacts) == 2
    assert "re-fetched 2 lead(s)" in str(report)
    assert sorted(refreshed.options["lead_id"]) == [f"90000000000000000{i}" for i in (1, 2, 3)]
    pd.testing.assert_frame_equal(refreshed.matches, snap.matches)  # lead 1 kept as it was
    back = load_snapshot(tmp_path / "s")  # written back
    assert back.meta.n_leads == 3 and len(back.meta.refreshes) == 1
    assert back.meta.credits_spent == snap.meta.credits_spent + 5
    pd.testing.assert_frame_equal(back.options, refreshed.options)

"""The merge policy applied after the convert, over a real sandbox: records read back from it.

Each policy on Contacts and on Accounts (`merge_org`: a lead merging into Contact Pat and her
Account Acme, whose curated values the lead disagrees with), a record changed by someone else
between the convert and the update (conflict: not overwritten), a picklist value Contacts do not
allow (answered for that record only), lost answers (settled by reading back, resent once), the
estimate and the audit export.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conversion_support import client_for
from merge_org import A_ACME, C_PAT, L_MATE, L_PAT, records

from crmkit.api import CRMClient
from crmkit.conversion import Journal, execute, make_plan
from crmkit.conversion.estimate import estimate
from crmkit.conversion.journal_updates import UpdateJournal
from crmkit.sandbox import Sandbox
from crmkit.sandbox.loader import write_data_dir

PUT = "PUT /crm/v8/{module}"
CONVERT = "POST /crm/v8/Leads/{lead_id}/actions/convert"
PAT_ROW = {
    "lead_id": L_PAT,
    "contact_action": "merge",
    "contact_id": C_PAT,
    "account_action": "merge",
    "account_id": A_ACME,
}
# Before: Contact Pat Phone 555-0100, Lead_Source Partner, Title empty, Mobile 555-7777;
# Account Acme Phone 555-0000, Annual_Revenue 5000, Website empty. The lead: Phone 555-0199,
# Designation (-> Title) CTO, Lead_Source Trade Show, Website acme.example, Annual_Revenue 7000.
# Zoho's merge (the sandbox's default, non-empty lead values win) leaves the lead's values.
CONTACT_FIELDS = ("Phone", "Title", "Lead_Source", "Mobile")
ACCOUNT_FIELDS = ("Phone", "Website", "Annual_Revenue")


@pytest.fixture(scope="module")
def merge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_data_dir(tmp_path_factory.mktemp("merge_apply") / "org", **records())


@pytest.fixture
def sb(merge_dir: Path) -> Iterator[Sandbox]:
    with Sandbox(merge_dir) as s:
        yield s


@pytest.fixture
def client(sb: Sandbox) -> Iterator[CRMClient]:
    c = client_for(sb)
    yield c
    c.close()


def _values(sb: Sandbox, module: str, rid: str, names: tuple[str, ...]) -> dict[str, Any]:
    rec = sb.control.record(module, rid)
    out = {}
    for n in names:
        v = rec.get(n)
        out[n] = int(float(v)) if n == "Annual_Revenue" and v is not None else v
    return out


def _run(client: CRMClient, policy: str, tmp_path: Path, **kw: Any) -> Any:
    plan = make_plan([{**PAT_ROW, "merge_policy": policy}])
    return execute(client, plan, journal=tmp_path / "j.sqlite", progress=False, **kw)


def _calls(sb: Sandbox) -> dict[str, int]:
    return dict(sb.control.state()["calls"])


@pytest.mark.parametrize(
    ("policy", "overwrites", "contact", "account"),
    [
        (
            "Contacts=keep;Accounts=keep",
            None,
            {"Phone": "555-0100", "Title": "CTO", "Lead_Source": "Partner", "Mobile": "555-7777"},
            {"Phone": "555-0000", "Website": "acme.example", "Annual_Revenue": 5000},
        ),
        (
            "Contacts=fill_blanks;Accounts=fill_blanks",
            "non_empty_lead_values",
            {"Phone": "555-0100", "Title": "CTO", "Lead_Source": "Partner", "Mobile": "555-7777"},
            {"Phone": "555-0000", "Website": "acme.example", "Annual_Revenue": 5000},
        ),
        (
            # Zoho copies nothing: the lead's values come from crmkit (Lead_Source left to Zoho,
            # the Contacts picklist lacks the lead's Trade Show)
            "Contacts=prefer_lead;Accounts=prefer_lead;Contacts.Lead_Source=zoho",
            "none",
            {"Phone": "555-0199", "Title": "CTO", "Lead_Source": "Partner", "Mobile": "555-7777"},
            {"Phone": "555-0199", "Website": "acme.example", "Annual_Revenue": 7000},
        ),
    ],
)
def test_each_policy_on_contacts_and_accounts(
    sb: Sandbox,
    client: CRMClient,
    tmp_path: Path,
    policy: str,
    overwrites: str | None,
    contact: dict[str, Any],
    account: dict[str, Any],
) -> None:
    if overwrites is not None:
        sb.control.configure(merge_overwrites=overwrites)
    report = _run(client, policy, tmp_path)
    row = report.results.set_index("lead_id").loc[L_PAT]
    assert row["outcome"] == "converted"
    assert _values(sb, "Contacts", C_PAT, CONTACT_FIELDS) == contact
    assert _values(sb, "Accounts", A_ACME, ACCOUNT_FIELDS) == account
    assert f"Contacts {C_PAT} applied" in row["merge_update"]
    assert f"Accounts {A_ACME} applied" in row["merge_update"]
    calls = _calls(sb)
    assert calls[CONVERT] == 1 and calls[PUT] == 2  # one call per module
    promised = estimate(make_plan([{**PAT_ROW, "merge_policy": policy}]))
    assert client.usage.calls["update"] == promised.calls["update"] == 2
    assert client.usage.credits["update"] == promised.credits["update"] == 2
    with Journal(tmp_path / "j.sqlite") as jr:
        changes = UpdateJournal(jr).changes(report.run.run_id)
    assert set(changes["status"]) == {"applied"}
    assert set(changes["module"]) == {"Contacts", "Accounts"}


def test_zoho_policy_or_nothing_to_restore_sends_no_update(
    sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    # prefer_lead where Zoho already took the lead's values: nothing differs, nothing is sent
    report = _run(client, "Contacts=prefer_lead;Contacts.Lead_Source=zoho", tmp_path)
    assert report.results.loc[0, "outcome"] == "converted"
    assert pd.isna(report.results.loc[0, "merge_update"])
    assert PUT not in _calls(sb)
    with Journal(tmp_path / "j.sqlite") as jr:
        latest = UpdateJournal(jr).latest(report.run.run_id)
    assert [u.outcome for u in latest.values()] == ["unchanged"]


def test_a_record_changed_between_convert_and_update_is_not_overwritten(
    sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    other = client_for(sb)  # someone else, through the API, the moment the convert is journaled

    def meddle(kind: str, lead_id: str, outcome: str) -> None:
        if kind == "answered" and outcome == "converted":
            [answer] = other.update_records("Contacts", [{"id": C_PAT, "Phone": "555-4242"}])
            assert answer.ok

    try:
        report = _run(client, "Contacts=keep;Accounts=keep", tmp_path, on_event=meddle)
    finally:
        other.close()
    row = report.results.set_index("lead_id").loc[L_PAT]
    assert row["outcome"] == "converted"  # still converted; the conflict is reported
    assert f"Contacts {C_PAT} conflict" in row["merge_update"]
    assert "CONFLICT" in row["merge_update"]
    assert "merge policy updates: 1 applied, 1 conflict" in report.message
    assert _values(sb, "Contacts", C_PAT, ("Phone", "Lead_Source")) == {
        "Phone": "555-4242",  # the other user's edit stands
        "Lead_Source": "Trade Show",  # and crmkit wrote nothing else on that record
    }
    assert _values(sb, "Accounts", A_ACME, ("Phone",)) == {"Phone": "555-0000"}  # applied
    assert _calls(sb)[PUT] == 2  # the meddler's and crmkit's for Accounts, none for Contacts
    with Journal(tmp_path / "j.sqlite") as jr:
        changes = UpdateJournal(jr).changes(report.run.run_id)
        before = jr.snapshots(run_id=report.run.run_id)
    conflict = changes[changes["module"] == "Contacts"]
    assert set(conflict["status"]) == {"conflict"}
    assert dict(zip(conflict["field"], conflict["old"], strict=True))["Phone"] == "555-4242"
    kept = before[(before["phase"] == "before") & (before["module"] == "Contacts")]
    assert len(kept) == 1  # nothing is lost: the copy from before the convert stays


def test_a_picklist_value_the_contact_does_not_allow_is_refused_for_that_record(
    sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """Validation refuses such a policy when it re-checks live (`merge_policy_picklist`); without
    the re-check, or when an admin edits the picklist after it, Zoho's answer is the guard."""
    sb.control.configure(merge_overwrites="none")
    report = _run(client, "Contacts=prefer_lead;Accounts=prefer_lead", tmp_path, recheck=False)
    row = report.results.set_index("lead_id").loc[L_PAT]
    assert row["outcome"] == "converted"
    assert f"Contacts {C_PAT} failed" in row["merge_update"]
    assert "INVALID_DATA" in row["merge_update"] and "Lead_Source" in row["merge_update"]
    # The refused record is untouched (a record is written whole or not at all) …
    assert _values(sb, "Contacts", C_PAT, ("Phone", "Lead_Source")) == {
        "Phone": "555-0100",
        "Lead_Source": "Partner",
    }
    # … and the Account, in its own answer, is written.
    assert _values(sb, "Accounts", A_ACME, ("Phone",)) == {"Phone": "555-0199"}
    with Journal(tmp_path / "j.sqlite") as jr:
        changes = UpdateJournal(jr).changes(report.run.run_id)
    contacts = changes[changes["module"] == "Contacts"]
    assert set(contacts["status"]) == {"failed"} and set(contacts["code"]) == {"INVALID_DATA"}


@pytest.mark.parametrize(("kind", "tries"), [("drop_after", 1), ("drop_before", 2)])
def test_a_lost_update_answer_is_settled_by_reading_back(
    sb: Sandbox, client: CRMClient, tmp_path: Path, kind: str, tries: int
) -> None:
    """drop_after: the update happened, the answer is lost -> read back, applied, not resent.
    drop_before: it never reached Zoho -> read back, not there -> sent once more.
    Either way Zoho served exactly one update (a dropped-before request is never served)."""
    sb.control.add_fault(kind, "/crm/v8/Contacts", method="PUT")
    report = _run(client, "Contacts=keep", tmp_path)
    assert _values(sb, "Contacts", C_PAT, ("Phone",)) == {"Phone": "555-0100"}
    assert _calls(sb)[PUT] == 1
    assert _calls(sb)[CONVERT] == 1
    with Journal(tmp_path / "j.sqlite") as jr:
        latest = list(UpdateJournal(jr).latest(report.run.run_id).values())
    assert [u.outcome for u in latest] == ["applied"]
    assert latest[0].tries == tries  # calls crmkit sent
    # Running the plan again changes nothing: both steps are settled.
    again = _run(client, "Contacts=keep", tmp_path)
    assert again.converted_now == 0
    assert _calls(sb)[PUT] == 1


def test_the_estimate_counts_the_update_calls_and_credits() -> None:
    plan = make_plan(
        [{**PAT_ROW, "lead_id": f"40000000000000{i:05d}", "merge_policy": "Contacts=keep"}
         for i in range(150)]
    )  # fmt: skip
    with_policy = estimate(plan)
    without = estimate(make_plan([{**r, "merge_policy": None} for r in plan.to_dict("records")]))
    assert with_policy.calls["update"] == 2  # 150 Contacts: 100 + 50
    assert with_policy.credits["update"] == 10 + 5
    assert with_policy.calls["read"] - without.calls["read"] == 150  # each record read first
    assert "update" not in without.calls


def test_history_export_lists_every_field_crmkit_changed(
    sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    report = _run(client, "Contacts=keep;Accounts=keep", tmp_path)
    out = tmp_path / "created.csv"
    done = subprocess.run(
        [sys.executable, "-m", "crmkit", "history", "--journal", str(tmp_path / "j.sqlite"),
         "--run", str(report.run.run_id), "--export", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    changes = pd.read_csv(tmp_path / "created.field_changes.csv", dtype=str)
    assert list(changes.columns) == [
        "run_id", "lead_id", "module", "record_id", "field", "old", "new", "status", "code",
        "changed_at",
    ]  # fmt: skip
    got = {
        (m, f): (o, n, s)
        for m, f, o, n, s in zip(
            changes["module"], changes["field"], changes["old"], changes["new"],
            changes["status"], strict=True,
        )
    }  # fmt: skip
    assert got == {
        ("Contacts", "Phone"): ("555-0199", "555-0100", "applied"),
        ("Contacts", "Lead_Source"): ("Trade Show", "Partner", "applied"),
        ("Accounts", "Phone"): ("555-0199", "555-0000", "applied"),
        ("Accounts", "Annual_Revenue"): ("7000.0", "5000.0", "applied"),  # a currency: a double
    }
    assert set(changes["lead_id"]) == {L_PAT}
    assert set(changes["record_id"]) == {C_PAT, A_ACME}
    assert "field change(s)" in done.stdout


def test_an_update_zoho_did_not_take_yet_leaves_the_run_open_for_a_rerun(
    sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """429 on every update (after the client's retries): nothing changed, the lead stays
    converted, the run is incomplete; the rerun sends the update and converts nothing."""
    sb.control.add_fault("429", "/crm/v8/Contacts", method="PUT", count=None)
    first = _run(client, "Contacts=keep", tmp_path)
    row = first.results.set_index("lead_id").loc[L_PAT]
    assert row["outcome"] == "converted"
    assert f"Contacts {C_PAT} not_sent" in row["merge_update"]
    assert not first.finished and first.run.status == "incomplete"
    assert first.merge_updates == {"not_sent": 1}
    assert _values(sb, "Contacts", C_PAT, ("Phone",)) == {"Phone": "555-0199"}  # Zoho's merge
    sb.control.clear_faults()
    again = _run(client, "Contacts=keep", tmp_path)
    assert again.finished and again.run.status == "done"
    assert again.converted_now == 0 and _calls(sb)[CONVERT] == 1
    assert _values(sb, "Contacts", C_PAT, ("Phone",)) == {"Phone": "555-0100"}
    assert again.merge_updates == {"applied": 1}


def test_two_leads_merged_into_one_contact_restore_what_it_held_before_both(
    tmp_path: Path,
) -> None:
    """Each convert moves the record (crmkit's own writes, no conflict): the last converted
    lead's policy is applied over the record as it was before the first, the other is skipped."""
    org = records()
    mate = next(x for x in org["leads"] if x["id"] == L_MATE)
    mate.update(Phone="555-0400", Email="pat@acme.com", Lead_Source="Cold Call")  # Pat again
    second = {**PAT_ROW, "lead_id": L_MATE, "merge_policy": "Contacts=keep"}
    plan = make_plan([{**PAT_ROW, "merge_policy": "Contacts=keep"}, second])
    with Sandbox(write_data_dir(tmp_path / "org", **org)) as sb, client_for(sb) as client:
        report = execute(
            client, plan, journal=tmp_path / "j.sqlite", progress=False, recheck=False, workers=1
        )
        contact = _values(sb, "Contacts", C_PAT, ("Phone", "Email", "Lead_Source"))
    assert set(report.results["outcome"]) == {"converted"}, report.results
    assert contact == {"Phone": "555-0100", "Email": "pat@acme.com", "Lead_Source": "Partner"}
    assert report.merge_updates == {"applied": 1, "skipped": 1}
    notes = report.results.set_index("lead_id")["merge_update"]
    assert "MERGED_AGAIN" in notes[L_PAT]  # converted first: the later lead's policy applies
    assert f"Contacts {C_PAT} applied" in notes[L_MATE]

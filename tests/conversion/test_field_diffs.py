"""field_diffs over a real sandbox: each policy on Contacts and Accounts, and Zoho's own merge
predicted as the sandbox performs it (the preview's `after` under `zoho` is what a convert leaves).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conversion_support import client_for
from merge_org import A_ACME, A_SOLO, C_PAT, L_MATE, L_NEW, L_PAT, L_SOLO, records

from crmkit.api import CRMClient
from crmkit.conversion import make_plan, request_for
from crmkit.conversion.field_diffs import FIELD_DIFFS_SCHEMA, field_diffs
from crmkit.conversion.merge_policy import MergePolicy, same_value, updates_after_convert
from crmkit.conversion.plan import rows_of
from crmkit.mapping import ConversionMapping
from crmkit.sandbox import Sandbox
from crmkit.sandbox.loader import write_data_dir
from crmkit.snapshot import fetch_snapshot

PAT_ROW = {
    "lead_id": L_PAT,
    "contact_action": "merge",
    "contact_id": C_PAT,
    "account_action": "merge",
    "account_id": A_ACME,
}
SOLO_ROW = {
    "lead_id": L_SOLO,
    "contact_action": "create",
    "account_action": "merge",
    "account_id": A_SOLO,
}
NEW_ROW = {"lead_id": L_NEW, "contact_action": "create", "account_action": "create"}
MATE_ROW = {
    "lead_id": L_MATE,
    "contact_action": "create",
    "account_action": "merge",
    "account_id": f"lead:{L_NEW}",
}


@pytest.fixture(scope="module")
def merge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_data_dir(tmp_path_factory.mktemp("merge") / "org", **records())


@pytest.fixture(scope="module")
def merge_client(merge_dir: Path) -> Iterator[CRMClient]:
    with Sandbox(merge_dir) as sb:
        c = client_for(sb)
        yield c
        c.close()


def _cells(diffs: pd.DataFrame, module: str) -> dict[str, tuple[Any, Any, Any, str]]:
    part = diffs[diffs["module"] == module]
    return {
        str(r["field"]): (r["existing"], r["lead"], r["after"], str(r["source"]))
        for r in part.to_dict("records")
    }


def test_schema_and_which_rows_give_diffs(merge_client: CRMClient) -> None:
    plan = make_plan([PAT_ROW, SOLO_ROW, NEW_ROW, MATE_ROW])
    diffs = field_diffs(plan, client=merge_client)
    assert list(diffs.columns) == list(FIELD_DIFFS_SCHEMA)
    assert {c: str(t) for c, t in diffs.dtypes.items()} == {
        "lead_id": "string",
        "module": "string",
        "record_id": "string",
        "field": "string",
        "existing": "object",
        "lead": "object",
        "after": "object",
        "source": "string",
    }
    # Creates and references give no rows; Pat merges into both her Contact and its Account.
    targets = set(zip(diffs["lead_id"], diffs["module"], diffs["record_id"], strict=True))
    assert targets == {
        (L_PAT, "Contacts", C_PAT),
        (L_PAT, "Accounts", A_ACME),
        (L_SOLO, "Accounts", A_SOLO),
    }
    # One row per mapped field: the standard map's target fields.
    mapping = ConversionMapping.from_client(merge_client).for_layout()
    pat_contact = diffs[(diffs["lead_id"] == L_PAT) & (diffs["module"] == "Contacts")]
    assert sorted(pat_contact["field"]) == sorted(set(mapping["Contacts"].values()))
    assert not diffs.duplicated(["lead_id", "module", "record_id", "field"]).any()


def test_zoho_policy_predicts_zoho_merge(merge_client: CRMClient) -> None:
    contacts = _cells(field_diffs(make_plan([PAT_ROW]), client=merge_client), "Contacts")
    assert contacts["Phone"] == ("555-0100", "555-0199", "555-0199", "zoho")  # lead replaces
    assert contacts["Mobile"] == ("555-7777", None, "555-7777", "zoho")  # empty lead: kept
    assert contacts["Title"] == (None, "CTO", "CTO", "zoho")  # Designation -> Title fills
    assert contacts["First_Name"] == ("Pat", "Patricia", "Pat", "zoho")  # names stay


def test_keep_on_contacts_and_fill_blanks_on_accounts(merge_client: CRMClient) -> None:
    plan = make_plan([{**PAT_ROW, "merge_policy": "Contacts=keep;Accounts=fill_blanks"}])
    diffs = field_diffs(plan, client=merge_client)
    contacts, accounts = _cells(diffs, "Contacts"), _cells(diffs, "Accounts")
    assert contacts["Phone"] == ("555-0100", "555-0199", "555-0100", "existing")
    assert contacts["Title"] == (None, "CTO", "CTO", "zoho")  # empty before: Zoho's fill stays
    assert contacts["Email"] == ("pat@acme.com", "pat@acme.com", "pat@acme.com", "existing")
    assert accounts["Phone"] == ("555-0000", "555-0199", "555-0000", "existing")
    assert accounts["Website"] == (None, "acme.example", "acme.example", "lead")
    # Numbers compare as Zoho returns them: the record's 5000.0 stays.
    existing, lead, after, source = accounts["Annual_Revenue"]
    assert same_value(existing, 5000) and same_value(lead, 7000)
    assert same_value(after, 5000) and source == "existing"
    assert accounts["Account_Name"][2:] == ("Acme Corp", "zoho")


def test_prefer_lead_with_a_field_override(merge_client: CRMClient) -> None:
    policy = "Contacts=prefer_lead;Contacts.Phone=keep;Accounts=prefer_lead"
    diffs = field_diffs(make_plan([PAT_ROW, SOLO_ROW]), client=merge_client, policy=policy)
    contacts = _cells(diffs[diffs["lead_id"] == L_PAT], "Contacts")
    assert contacts["Phone"] == ("555-0100", "555-0199", "555-0100", "existing")
    assert contacts["Title"] == (None, "CTO", "CTO", "lead")
    assert contacts["Mobile"] == ("555-7777", None, "555-7777", "zoho")
    solo = _cells(diffs[diffs["lead_id"] == L_SOLO], "Accounts")
    assert solo["Phone"] == (None, "555-0300", "555-0300", "lead")
    assert solo["Industry"] == (None, "Retail", "Retail", "lead")
    assert solo["Website"] == ("solo.example", None, "solo.example", "zoho")


def test_fill_blanks_on_contacts_and_keep_on_accounts(merge_client: CRMClient) -> None:
    policy = MergePolicy.parse("Contacts=fill_blanks;Accounts=keep")
    diffs = field_diffs(make_plan([PAT_ROW, SOLO_ROW]), client=merge_client, policy=policy)
    contacts = _cells(diffs[diffs["lead_id"] == L_PAT], "Contacts")
    assert contacts["Phone"] == ("555-0100", "555-0199", "555-0100", "existing")
    assert contacts["Title"] == (None, "CTO", "CTO", "lead")
    solo = _cells(diffs[diffs["lead_id"] == L_SOLO], "Accounts")
    assert solo["Website"] == ("solo.example", None, "solo.example", "existing")
    assert solo["Phone"] == (None, "555-0300", "555-0300", "zoho")


def test_lead_ids_limit_the_diff(merge_client: CRMClient) -> None:
    diffs = field_diffs(make_plan([PAT_ROW, SOLO_ROW]), client=merge_client, lead_ids=[L_SOLO])
    assert set(diffs["lead_id"]) == {L_SOLO}


def test_offline_from_frames_matches_connected(merge_client: CRMClient, merge_dir: Path) -> None:
    plan = make_plan([{**PAT_ROW, "merge_policy": "Contacts=keep;Accounts=prefer_lead"}])
    online = field_diffs(plan, client=merge_client)
    org = records()
    offline = field_diffs(
        plan,
        leads=pd.DataFrame(org["leads"]),
        records={
            "Contacts": [merge_client.get_record("Contacts", C_PAT)],
            "Accounts": [merge_client.get_record("Accounts", A_ACME)],
        },
        mapping=ConversionMapping.from_data_dir(merge_dir),
    )
    key = ["module", "field"]
    a = online.sort_values(key, ignore_index=True)
    b = offline.sort_values(key, ignore_index=True)
    assert a[[*key, "source"]].equals(b[[*key, "source"]])
    assert all(same_value(x, y) for x, y in zip(a["after"], b["after"], strict=True))


def test_zoho_after_is_what_the_sandbox_convert_leaves(merge_dir: Path, tmp_path: Path) -> None:
    """The preview's prediction against the real thing: convert, read back, compare each field;
    then the policy's updates are exactly the fields where the read-back differs from `after`."""
    with Sandbox(merge_dir) as sb:
        c = client_for(sb)
        try:
            plan = make_plan([PAT_ROW])
            predicted = field_diffs(plan, client=c)
            policy = MergePolicy.parse("Contacts=keep;Accounts=fill_blanks")
            with_policy = field_diffs(plan, client=c, policy=policy)
            before = {
                m: c.get_record(m, r) or {} for m, r in (("Contacts", C_PAT), ("Accounts", A_ACME))
            }
            lead = c.get_record("Leads", L_PAT) or {}
            c.convert_lead(L_PAT, request_for(rows_of(plan)[0]))
            for module, rid in (("Contacts", C_PAT), ("Accounts", A_ACME)):
                got = c.get_record(module, rid) or {}
                part = predicted[predicted["module"] == module]
                for name, after in zip(part["field"], part["after"], strict=True):
                    assert same_value(got.get(name), after), (module, name, got.get(name), after)
                wanted = with_policy[with_policy["module"] == module]
                fields = list(wanted["field"])
                mapped = dict(zip(wanted["field"], wanted["lead"], strict=True))
                updates = updates_after_convert(policy, module, before[module], mapped, got, fields)
                expected = {
                    f: a
                    for f, a in zip(wanted["field"], wanted["after"], strict=True)
                    if not same_value(a, got.get(f))
                }
                assert updates.keys() == expected.keys()
                assert updates  # Zoho replaced values the policy restores
            assert lead  # the lead was read before its conversion
        finally:
            c.close()


def test_offline_from_a_snapshot_diffs_the_fields_it_holds(merge_client: CRMClient) -> None:
    snap = fetch_snapshot(merge_client)
    assert snap.org_config is not None and snap.contacts is not None and snap.accounts is not None
    plan = make_plan([{**PAT_ROW, "merge_policy": "Contacts=keep;Accounts=fill_blanks"}])
    offline = field_diffs(
        plan,
        leads=snap.leads,
        records={"Contacts": snap.contacts, "Accounts": snap.accounts},
        mapping=snap.org_config.conversion_mapping,
    )
    online = field_diffs(plan, client=merge_client)
    # Only the fields a snapshot's record frames hold (matching's), each as the connected diff.
    assert set(offline.loc[offline["module"] == "Accounts", "field"]) == {
        "Account_Name",
        "Website",
        "Phone",
    }
    assert "Title" not in set(offline["field"]) and "Phone" in set(offline["field"])
    key = ["module", "field"]
    both = offline.merge(online, on=key, suffixes=("_off", "_on"))
    assert len(both) == len(offline)
    for column in ("existing", "lead", "after"):
        pairs = zip(both[f"{column}_off"], both[f"{column}_on"], strict=True)
        assert all(same_value(a, b) for a, b in pairs), column
    assert both["source_off"].equals(both["source_on"])

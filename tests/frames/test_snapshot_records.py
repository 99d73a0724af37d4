"""Snapshots keep the org's Contacts, Accounts and matching configuration (format 2).

A small sandbox org over real HTTP: a case-sensitive custom unique field on Contacts and a unique
Website on Accounts, so the prediction from the snapshot only agrees with Zoho when the snapshot
holds those fields and the configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from crmkit import connect
from crmkit.agreement import compare
from crmkit.matching import predict
from crmkit.orgconfig import OrgConfig, UniqueField
from crmkit.sandbox import Sandbox
from crmkit.snapshot import (
    NO_RECORDS_NOTE,
    SnapshotError,
    fetch_snapshot,
    load_snapshot,
    refresh_snapshot,
    save_snapshot,
)

OWNER = {"id": "4876876000000225001", "name": "Ava Raman"}
T0 = "2024-01-01T00:00:00+00:00"
ACME = {"id": "700000000000000001", "name": "Acme"}
ORG = {
    "unique_fields": {
        "Contacts": [{"api_name": "Code__c", "casesensitive": True}],
        "Accounts": [{"api_name": "Website", "casesensitive": False}],
    },
    # a custom field converts (and matches) only where the admin mapped it
    "convert_mapping": {"Contacts": {"Code__c": "Code__c"}},
}


def _lead(i: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"90000000000000000{i}",
        "Last_Name": f"Lead{i}",
        "Owner": OWNER,
        "Created_Time": T0,
        "Modified_Time": T0,
        **extra,
    }


LEADS = [
    _lead(1, Code__c="AbC", Company="Other"),  # Code__c is case-sensitive: no contact
    _lead(2, Code__c="abc", Company="Other"),  # the contact, by Code__c
    _lead(3, Website="WWW.ACME.COM", Company="Elsewhere"),  # the account, by Website
    _lead(4, Email="ann@acme.com", First_Name="Ann"),
    _lead(5, Phone="+1 212 555 0142", Last_Name="Hayes", First_Name="Robert"),
]
CONTACTS = [
    {
        "id": "800000000000000001",
        "Last_Name": "C1",
        "Code__c": "abc",
        "Owner": OWNER,
        "Account_Name": ACME,
    },
    {
        "id": "800000000000000002",
        "First_Name": "Ann",
        "Last_Name": "Lee",
        "Email": "ANN@acme.com",
        "Owner": OWNER,
        "Locked__s": True,
    },
    {
        "id": "800000000000000003",
        "First_Name": "Bob",
        "Last_Name": "Hayes",
        "Phone": "(212) 555-0142",
        "Owner": OWNER,
    },
]
ACCOUNTS = [{"id": ACME["id"], "Account_Name": "Acme", "Website": "www.acme.com", "Owner": OWNER}]


@pytest.fixture
def org_sandbox(small_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return small_sandbox(leads=LEADS, contacts=CONTACTS, accounts=ACCOUNTS, org=ORG)


def test_fetch_keeps_contacts_accounts_and_the_org_configuration(org_sandbox: Sandbox) -> None:
    with connect(sandbox=org_sandbox, progress=False) as client:
        snap = fetch_snapshot(client)
        used = client.usage.credits_used
    assert snap.has_records and snap.note is None
    contacts, accounts = snap.contacts, snap.accounts
    assert contacts is not None and accounts is not None
    assert sorted(contacts["id"]) == [c["id"] for c in CONTACTS]
    assert accounts["id"].tolist() == [ACME["id"]]
    # What the predictor and the near-duplicate finder read, typed like the leads frame.
    for column in ("First_Name", "Last_Name", "Full_Name", "Email", "Phone", "Code__c"):
        assert column in contacts.columns, column
    assert {"Account_Name.id", "Account_Name.name", "$approval_state"} <= set(contacts.columns)
    assert {"Account_Name", "Website", "Locked__s"} <= set(accounts.columns)
    by_id = contacts.set_index("id")
    assert by_id.loc["800000000000000001", "Account_Name.id"] == ACME["id"]
    assert by_id["Locked__s"].dtype == "boolean"
    assert bool(by_id.loc["800000000000000002", "Locked__s"])
    assert isinstance(contacts["id"].dtype, pd.StringDtype)
    # The configuration the prediction needs, read from the org's metadata.
    config = snap.org_config
    assert config is not None
    assert config.unique("Contacts") == (UniqueField("Code__c", casesensitive=True),)
    assert config.unique("Accounts") == (UniqueField("Website", casesensitive=False),)
    # Credits per step; the extra listings cost one page each.
    meta = snap.meta
    assert (meta.n_contacts, meta.n_accounts) == (3, 1)
    assert meta.credits["contacts"] == 1 and meta.credits["accounts"] == 1
    assert meta.credits["options"] == 5 and meta.credits["leads"] == 1
    assert sum(meta.credits.values()) == meta.credits_spent == used


def test_prediction_from_the_snapshot_agrees_with_zoho(org_sandbox: Sandbox) -> None:
    with connect(sandbox=org_sandbox, progress=False) as client:
        snap = fetch_snapshot(client)
    assert snap.contacts is not None and snap.accounts is not None
    prediction = predict(snap.leads, snap.contacts, snap.accounts, snap.org_config)
    assert compare(snap, prediction).empty
    fields = snap.options.set_index("lead_id")["contact_fields"]
    assert fields["900000000000000002"] == "Code__c" and pd.isna(fields["900000000000000001"])
    # Without the configuration the unique fields are unknown and the prediction differs.
    plain = predict(snap.leads, snap.contacts, snap.accounts, OrgConfig())
    assert not compare(snap, plain).empty


def test_round_trip_and_records_false(org_sandbox: Sandbox, tmp_path: Path) -> None:
    with connect(sandbox=org_sandbox, progress=False) as client:
        snap = fetch_snapshot(client)
        bare = fetch_snapshot(client, records=False)
    save_snapshot(snap, tmp_path / "s")
    assert {p.name for p in (tmp_path / "s").iterdir()} >= {"contacts.parquet", "accounts.parquet"}
    back = load_snapshot(tmp_path / "s")
    assert back.meta == snap.meta and back.org_config == snap.org_config
    assert back.contacts is not None and back.accounts is not None
    assert snap.contacts is not None and snap.accounts is not None
    pd.testing.assert_frame_equal(back.contacts, snap.contacts)
    pd.testing.assert_frame_equal(back.accounts, snap.accounts)
    meta = json.loads((tmp_path / "s" / "snapshot.json").read_text())
    assert meta["format_version"] == 2 and meta["org_config"]["unique_fields"]["Contacts"]

    assert bare.contacts is None and bare.accounts is None and bare.org_config is None
    assert "contacts" not in bare.meta.credits and bare.note == NO_RECORDS_NOTE
    save_snapshot(bare, tmp_path / "s")  # over the full one: no stale record files stay
    assert not (tmp_path / "s" / "contacts.parquet").exists()
    assert load_snapshot(tmp_path / "s").contacts is None


def test_missing_record_file_is_a_clear_error(org_sandbox: Sandbox, tmp_path: Path) -> None:
    with connect(sandbox=org_sandbox, progress=False) as client:
        save_snapshot(fetch_snapshot(client), tmp_path / "s")
    (tmp_path / "s" / "accounts.parquet").unlink()
    with pytest.raises(SnapshotError, match=r"accounts\.parquet is missing; fetch the snapshot"):
        load_snapshot(tmp_path / "s")


def write_format_1(snapshot_dir: Path) -> None:
    """Turn a snapshot directory into what crmkit wrote before format 2."""
    path = snapshot_dir / "snapshot.json"
    meta = json.loads(path.read_text())
    for key in ("n_contacts", "n_accounts", "org_config", "credits"):
        del meta[key]
    meta["format_version"] = 1
    path.write_text(json.dumps(meta))
    for name in ("contacts", "accounts"):
        (snapshot_dir / f"{name}.parquet").unlink()


def test_format_1_snapshot_loads_with_a_note_and_refresh_adds_the_records(
    org_sandbox: Sandbox, tmp_path: Path
) -> None:
    with connect(sandbox=org_sandbox, progress=False) as client:
        snap = fetch_snapshot(client)
        save_snapshot(snap, tmp_path / "s")
        write_format_1(tmp_path / "s")
        old = load_snapshot(tmp_path / "s")
        assert old.contacts is None and old.accounts is None and old.org_config is None
        assert old.meta.format_version == 1 and not old.has_records
        assert old.note is not None and "no Contacts or Accounts" in old.note
        pd.testing.assert_frame_equal(old.options, snap.options)

        refreshed, report = refresh_snapshot(client, tmp_path / "s")
    assert (report.contacts, report.accounts) == (3, 1)
    assert "listed 3 contacts and 1 accounts again" in str(report)
    assert refreshed.has_records and refreshed.org_config == snap.org_config
    back = load_snapshot(tmp_path / "s")  # written back as format 2
    assert back.meta.format_version == 2 and back.contacts is not None
    assert back.meta.refreshes[-1]["contacts"] == 3
    assert back.meta.credits["contacts"] == 1  # the refresh's listing (format 1 had no record)


def test_refresh_lists_contacts_again_and_counts_their_credits(
    org_sandbox: Sandbox, tmp_path: Path
) -> None:
    with connect(sandbox=org_sandbox, progress=False) as client:
        snap = fetch_snapshot(client)
        save_snapshot(snap, tmp_path / "s")
        refreshed, report = refresh_snapshot(client, tmp_path / "s")
    assert report.refetched == ()
    assert report.credits_spent == 3  # leads, contacts, accounts: one page each
    assert refreshed.meta.credits["contacts"] == snap.meta.credits["contacts"] + 1
    assert refreshed.meta.credits_spent == snap.meta.credits_spent + 3
    assert sum(refreshed.meta.credits.values()) == refreshed.meta.credits_spent
    assert refreshed.contacts is not None and snap.contacts is not None
    pd.testing.assert_frame_equal(refreshed.contacts, snap.contacts)


def test_org_config_round_trips_through_its_dict() -> None:
    config = OrgConfig(
        unique_fields={
            "Contacts": (UniqueField("Code__c", True), UniqueField("Phone")),
            "Accounts": (UniqueField("Website"),),
        },
        removed_modules=frozenset({"Deals"}),
        removed_fields={"Leads": frozenset({"Company"})},
        layouts={"Contacts": ("Standard", "Partner")},
        phone_fields={"Contacts": frozenset({"Phone", "Mobile"})},
        edition="professional",
        convert_mapping={"Contacts": {"Code__c": "Code__c"}},
        phone_region="DE",
    )
    data = json.loads(json.dumps(config.to_dict()))  # JSON-ready
    assert OrgConfig.from_dict(data) == config
    assert OrgConfig.from_dict(OrgConfig().to_dict()) == OrgConfig()

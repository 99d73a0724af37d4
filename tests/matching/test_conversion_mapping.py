"""`crmkit.mapping.ConversionMapping`: read from the org's metadata over HTTP, or from org.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from matching_orgs import write_org

from crmkit import connect
from crmkit.mapping import ConversionMapping, ConversionMappingError
from crmkit.orgconfig import OrgConfig
from crmkit.sandbox import Sandbox

ORG: dict[str, Any] = {
    "layouts": {"Leads": ["Standard", "Partner"], "Accounts": ["Standard", "Partner"]},
    "convert_mapping": {"Contacts": {"Region__c": "Region__c"}},
    "layout_convert_mapping": {
        "Partner": {
            "Contacts": {"fields": {"Tier__c": "Partner_Tier__c"}},
            "Accounts": {"layout": "Partner", "fields": {"Tier__c": "Partner_Level__c"}},
        }
    },
}
LEADS = [
    {"id": "1", "Last_Name": "A", "Region__c": "APAC", "Tier__c": "Gold", "Lead_Status": "New"},
    {"id": "2", "Last_Name": "B", "Tier__c": "Silver", "Layout": "Partner", "Notes__c": " "},
]
CONTACTS = [{"id": "10", "Last_Name": "C", "Region__c": "", "Partner_Tier__c": ""}]
ACCOUNTS = [{"id": "20", "Account_Name": "D", "Partner_Level__c": ""}]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_org(tmp_path / "org", LEADS, CONTACTS, ACCOUNTS, ORG)


def test_metadata_and_org_json_give_the_same_mapping(data: Path) -> None:
    with Sandbox(data=data) as sb, connect(sandbox=sb, progress=False) as client:
        online = ConversionMapping.from_client(client)
    offline = ConversionMapping.from_data_dir(data)
    assert list(online.layouts) == ["Standard", "Partner"]
    for layout in ("Standard", "Partner"):
        for target in ("Contacts", "Accounts", "Deals"):
            assert online.for_layout(layout)[target] == offline.for_layout(layout)[target], (
                layout,
                target,
            )
    assert online.target_layouts["Partner"]["Accounts"] == "Partner"
    assert offline.target_layouts["Partner"] == {"Accounts": "Partner"}


def test_questions_a_mapping_answers(data: Path) -> None:
    m = ConversionMapping.from_data_dir(data)
    assert m.default_layout == "Standard"
    assert m.targets("Company") == {"Accounts": "Account_Name"}
    assert m.targets("Lead_Source") == {"Contacts": "Lead_Source", "Deals": "Lead_Source"}
    assert m.targets("Tier__c") == {}
    assert m.targets("Tier__c", "Partner") == {
        "Contacts": "Partner_Tier__c",
        "Accounts": "Partner_Level__c",
    }
    assert m.lead_field_for("Contacts", "Title") == "Designation"
    assert m.lead_field_for("Contacts", "Partner_Tier__c") is None
    assert m.lead_field_for("Contacts", "Partner_Tier__c", "Partner") == "Tier__c"
    assert "Region__c" in m.carried() and "Lead_Status" not in m.carried()
    assert m.for_layout("no such layout") == m.for_layout()


def test_dropped_fields_counts_leads_per_their_layout(data: Path) -> None:
    m = ConversionMapping.from_data_dir(data)
    leads = pd.read_csv(data / "Leads.csv", dtype="string", keep_default_na=False)
    dropped = m.dropped_fields(leads)
    assert list(dropped.columns) == ["field", "leads_with_value", "share"]
    # Tier__c: lead 1 (Standard) loses it, lead 2 (Partner) carries it; Lead_Status is never
    # carried; Notes__c holds only blanks; Region__c is mapped; id/Layout are no values to carry
    got = dict(zip(dropped["field"], dropped["leads_with_value"], strict=True))
    assert got == {"Lead_Status": 1, "Tier__c": 1}
    assert dropped["share"].tolist() == [0.5, 0.5]
    # lookups given as {"name", "id"} and NA cells work the same
    frame = pd.DataFrame(
        {"Layout": [{"name": "Partner", "id": "9"}, None], "Tier__c": ["x", pd.NA]}
    )
    assert m.dropped_fields(frame).empty


def test_org_config_uses_the_mapping_and_keeps_it_through_its_dict(data: Path) -> None:
    with Sandbox(data=data) as sb, connect(sandbox=sb, progress=False) as client:
        config = OrgConfig.from_client(client)
    assert config.mapping is not None
    assert config.lead_field_for("Contacts", "Region__c") == "Region__c"
    assert config.lead_field_for("Contacts", "Partner_Tier__c") is None  # not the default layout
    assert OrgConfig.from_dict(config.to_dict()) == config
    plain = OrgConfig()
    assert plain.lead_field_for("Accounts", "Account_Name") == "Company"
    assert plain.lead_field_for("Contacts", "Code__c") is None  # no same-name guess


def test_unreadable_mappings_name_where(tmp_path: Path) -> None:
    with pytest.raises(ConversionMappingError, match=r"convert_mapping\.Contacts"):
        ConversionMapping.from_org_json({"convert_mapping": {"Contacts": {"Email": 3}}})
    (tmp_path / "org.json").write_text("{nope", encoding="utf-8")
    with pytest.raises(ConversionMappingError, match=r"org\.json: not valid JSON"):
        ConversionMapping.from_data_dir(tmp_path)
    assert ConversionMapping.from_data_dir(tmp_path / "absent") == ConversionMapping.standard()

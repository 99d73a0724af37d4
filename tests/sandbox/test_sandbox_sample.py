"""The bundled sample org served by the sandbox: Zoho's example and the generator's ground truth."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sandbox_helpers import PAT_EMAIL_CONTACT, PAT_LEAD, PAT_PHONE_CONTACT, ZYLKER, Api

from crmkit.sandbox import Sandbox

ROUTES = {"Phone": "unique", "Email": "email", "Account_Name": "company", "Full_Name": "name"}


def test_documented_example_on_sample_data(sandbox: Sandbox) -> None:
    r = Api(sandbox).options(PAT_LEAD)
    assert r.status_code == 200
    o = r.json()["__conversion_options"]
    assert o["module_preference"]["api_name"] == "Contacts"
    assert [c["id"] for c in o["Contacts"]] == [PAT_EMAIL_CONTACT, PAT_PHONE_CONTACT]
    assert [a["id"] for a in o["Accounts"]] == [ZYLKER]
    pf = o["preference_field_matched_value"]
    assert [(x["field"]["api_name"], x["matched_lead_value"]) for x in pf["Contacts"]] == [
        ("Phone", "9844444444"),
        ("Email", "pat.boyle@zylker.com"),
    ]
    assert [(x["field"]["api_name"], x["matched_lead_value"]) for x in pf["Accounts"]] == [
        ("Account_Name", "Zylker Biotech"),
        ("Phone", "9844444444"),  # through the contact Pat Boyle, as in Zoho's article
    ]
    assert [m["api_name"] for m in o["modules_with_multiple_layouts"]] == ["Accounts"]


@pytest.mark.slow
def test_answers_equal_ground_truth(sandbox: Sandbox) -> None:
    """Every lead's answer, flattened to (lead, module, record, field, route), equals the truth."""
    api = Api(sandbox)
    leads: list[str] = []
    with open(sandbox.data / "Leads.csv", newline="", encoding="utf-8") as fh:
        leads = [row["id"] for row in csv.DictReader(fh)]
    rows: set[tuple[str, ...]] = set()

    def one(lead_id: str) -> set[tuple[str, ...]]:
        r = api.options(lead_id)
        if r.status_code != 200:
            return set()
        o = r.json()["__conversion_options"]
        out: set[tuple[str, ...]] = set()
        for module in ("Contacts", "Accounts"):
            fields = o["preference_field_matched_value"][module] or []
            for rec in o[module] or []:
                for f in fields:
                    name, value = f["field"]["api_name"], f["matched_lead_value"]
                    if _explains(rec, name, value):
                        out.add((lead_id, module, rec["id"], name, ROUTES[name]))
        return out

    with ThreadPoolExecutor(4) as pool:
        for part in pool.map(one, leads):
            rows |= part
    truth_path = Path(sandbox.data) / "ground_truth.csv"
    with truth_path.open(newline="", encoding="utf-8") as fh:
        truth = {
            tuple(r[k] for k in ("lead_id", "module", "record_id", "field", "route"))
            for r in csv.DictReader(fh)
        }
    assert rows == truth


def _explains(rec: dict[str, object], field: str, value: str) -> bool:
    have = rec.get(field)
    if field == "Account_Name" and isinstance(have, dict):
        have = have.get("name")
    return isinstance(have, str) and have.strip().casefold() == value.strip().casefold()


def test_clean_sandbox_resets_after_a_conversion(clean_sandbox: Sandbox) -> None:
    api = Api(clean_sandbox)
    r = api.convert(PAT_LEAD, Contacts={"id": PAT_PHONE_CONTACT})
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["details"]["Accounts"]["id"] == ZYLKER
    assert api.options(PAT_LEAD).json()["code"] == "ID_ALREADY_CONVERTED"
    clean_sandbox.control.reset()
    assert api.options(PAT_LEAD).status_code == 200  # tokens survive reset; data is back
    rec = clean_sandbox.control.record("Leads", PAT_LEAD)
    assert rec is not None and rec["Converted__s"] is False

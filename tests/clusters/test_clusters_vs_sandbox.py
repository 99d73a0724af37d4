"""The strong tier is what Zoho does: convert one lead of a pair, ask about the other.

Over a real sandbox (uvicorn on loopback, the real client): after the first lead of each pair is
converted, the second lead's Lead Conversion Options list the new Contact by a unique field or
Email exactly when crmkit put the two in one strong person cluster, list it by name only when
crmkit made them a name-only review pair, and list the new Account exactly when crmkit put the
two in one strong company cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cluster_cases import groups, pairs

from crmkit import connect
from crmkit.api import ConvertRequest
from crmkit.clusters import lead_clusters
from crmkit.frames import read_leads_csv
from crmkit.orgconfig import OrgConfig
from crmkit.sandbox import Sandbox

ORG = {"unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]}}
# (first lead, second lead): the first is converted, the second asked about.
PAIRS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "email": (
        {"First_Name": "Pat", "Last_Name": "Boyle", "Email": "pat@zylker.com"},
        {"First_Name": "Patricia", "Last_Name": "Boyle", "Email": " PAT@Zylker.com "},
    ),
    "unique phone": (
        {"First_Name": "Ann", "Last_Name": "Lee", "Phone": "9844444444"},
        {"First_Name": "Annie", "Last_Name": "Li", "Phone": "9844444444"},
    ),
    "phone format": (
        {"First_Name": "Cy", "Last_Name": "Ray", "Phone": "(212) 555-0142"},
        {"First_Name": "Cyrus", "Last_Name": "Rae", "Phone": "+1 212 555 0142"},
    ),
    "name only": (
        {"First_Name": "Maria", "Last_Name": "Garcia", "Email": "maria@one.com"},
        {"First_Name": "Maria", "Last_Name": "Garcia", "Email": "mg@two.com"},
    ),
    "company": (
        {"First_Name": "Bo", "Last_Name": "Kim", "Company": "Zylker Biotech"},
        {"First_Name": "Di", "Last_Name": "Fox", "Company": " zylker BIOTECH"},
    ),
    "company spelling": (
        {"First_Name": "Ed", "Last_Name": "Wu", "Company": "Acme Ltd"},
        {"First_Name": "Flo", "Last_Name": "Oh", "Company": "Acme Limited"},
    ),
}


def _ids(i: int) -> tuple[str, str]:
    return f"48768760001{i:04d}0001", f"48768760001{i:04d}0002"


def test_strong_clusters_are_the_matches_zoho_offers_after_the_first_converts(
    small_sandbox: Callable[..., Sandbox], make_org: Callable[..., Path]
) -> None:
    leads: list[dict[str, Any]] = []
    for i, (first, second) in enumerate(PAIRS.values()):
        a, b = _ids(i)
        leads += [{"id": a, **first}, {"id": b, **second}]
    path = make_org(leads=leads, org=ORG)
    result = lead_clusters(read_leads_csv(path / "Leads.csv"), OrgConfig.from_data_dir(path))
    person = groups(result, "person", "strong").values()
    company = groups(result, "company", "strong").values()
    review = pairs(result, "person")

    seen: dict[str, dict[str, bool]] = {}
    with connect(sandbox=small_sandbox(path), progress=False) as client:
        for i, name in enumerate(PAIRS):
            a, b = _ids(i)
            made = client.convert_lead(a, ConvertRequest())
            options = client.conversion_options(b)
            fields = {f.field for f in options.matched_fields.get("Contacts", [])}
            contact = made.contact_id in {c["id"] for c in options.contacts}
            seen[name] = {
                "zoho person": contact and bool(fields - {"Full_Name"}),
                "zoho name only": contact and fields == {"Full_Name"},
                "zoho company": made.account_id is not None
                and made.account_id in {x["id"] for x in options.accounts},
                "crmkit person": any({a, b} <= g for g in person),
                "crmkit name only": "Full_Name" in review.get(frozenset({a, b}), "").split(";"),
                "crmkit company": any({a, b} <= g for g in company),
            }
    for name, got in seen.items():
        assert got["zoho person"] == got["crmkit person"], (name, got)
        assert got["zoho name only"] == got["crmkit name only"], (name, got)
        assert got["zoho company"] == got["crmkit company"], (name, got)
    # The cases are not vacuous: each kind of agreement happens at least once.
    assert [n for n, g in seen.items() if g["zoho person"]] == ["email", "unique phone"]
    assert [n for n, g in seen.items() if g["zoho name only"]] == ["name only"]
    assert [n for n, g in seen.items() if g["zoho company"]] == ["company"]

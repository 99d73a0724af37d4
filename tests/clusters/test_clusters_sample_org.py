"""crmkit.clusters on the bundled sample org, re-checked value by value in plain Python.

The sample org's own leads hold colleagues (one Company, several leads) and spelling variants of
companies; person twins are planted here by copying leads under new ids with the Email re-cased
and padded, the same unique Phone, or the Phone in another format.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from cluster_cases import plain_components, zoho_key

from crmkit.clusters import FULL_PAIRS_UP_TO, LeadClusters, lead_clusters
from crmkit.frames import read_leads_csv
from crmkit.normalize import company_key, phone_key
from crmkit.orgconfig import OrgConfig
from crmkit.sampledata import bundled_path

# The sample org's strong fields: Phone is unique in Contacts (case flag false).
FIELDS = {"person": ("Phone", "Email"), "company": ("Company",)}


def _digits_only(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


@pytest.fixture(scope="module")
def org() -> tuple[pd.DataFrame, OrgConfig]:
    path = bundled_path()
    leads = read_leads_csv(path / "Leads.csv")
    config = OrgConfig.from_data_dir(path)
    open_ = leads[~leads["Converted__s"].fillna(False).to_numpy(dtype=bool)]
    with_email = open_[open_["Email"].notna()].head(6)
    with_phone = open_[open_["Phone"].notna() & open_["Email"].isna()].head(6)
    planted = []
    for i, rec in enumerate(with_email.to_dict("records")):
        planted.append(
            {**rec, "id": f"4876876000900000{i:03d}", "Email": f"  {rec['Email'].upper()} "}
        )
    for i, rec in enumerate(with_phone.to_dict("records")):
        phone = rec["Phone"] if i % 2 else _digits_only(rec["Phone"])  # same / another format
        planted.append({**rec, "id": f"4876876000900100{i:03d}", "Phone": phone})
    twins = pd.DataFrame(planted).astype(leads.dtypes.to_dict())
    return pd.concat([leads, twins], ignore_index=True), config


@pytest.fixture(scope="module")
def result(org: tuple[pd.DataFrame, OrgConfig]) -> LeadClusters:
    leads, config = org
    return lead_clusters(leads, config)


def _open_records(leads: pd.DataFrame) -> list[dict[str, Any]]:
    converted = leads["Converted__s"].fillna(False).to_numpy(dtype=bool)
    records: list[dict[str, Any]] = leads[~converted].astype(object).to_dict("records")
    return [{k: (None if v is pd.NA else v) for k, v in r.items()} for r in records]


def _strong_groups(result: LeadClusters, kind: str) -> set[frozenset[str]]:
    c = result.clusters
    sub = c[(c["tier"] == "strong") & (c["kind"] == kind)]
    return {frozenset(map(str, g["lead_id"])) for _, g in sub.groupby("cluster_id")}


def test_strong_person_clusters_are_exactly_the_shared_values(
    org: tuple[pd.DataFrame, OrgConfig], result: LeadClusters
) -> None:
    leads, config = org
    assert [u.api_name for u in config.unique("Contacts")] == ["Phone"]
    records = _open_records(leads)
    expected = plain_components(records, [("Phone", False), ("Email", False)])
    assert len(expected) >= 9  # the planted twins (6 by Email, 3 by the same Phone), at least
    assert _strong_groups(result, "person") == expected


def test_strong_company_clusters_are_exactly_the_shared_companies(
    org: tuple[pd.DataFrame, OrgConfig], result: LeadClusters
) -> None:
    records = _open_records(org[0])
    expected = plain_components(records, [("Company", False)])
    assert len(expected) > 100
    assert _strong_groups(result, "company") == expected


def test_every_strong_member_shares_each_listed_field_with_a_mate(
    org: tuple[pd.DataFrame, OrgConfig], result: LeadClusters
) -> None:
    by_id = {str(r["id"]): r for r in _open_records(org[0])}
    strong = result.clusters[result.clusters["tier"] == "strong"]
    checked = 0
    for _, cluster in strong.groupby("cluster_id"):
        ids = list(map(str, cluster["lead_id"]))
        assert str(cluster["cluster_id"].iloc[0]).endswith(min(ids, key=lambda i: (len(i), i)))
        assert set(cluster["size"]) == {len(ids)}
        assert (
            set(cluster["anchor_lead_id"]) <= set(ids) and cluster["anchor_lead_id"].nunique() == 1
        )
        names = FIELDS[str(cluster["kind"].iloc[0])]
        for lead, fields in zip(ids, cluster["field"], strict=True):
            listed = set(str(fields).split(";"))
            assert listed <= set(names)
            for name in names:
                mine = zoho_key(by_id[lead].get(name))
                shared = mine is not None and any(
                    zoho_key(by_id[o].get(name)) == mine for o in ids if o != lead
                )
                assert (name in listed) == shared, (lead, name, fields)
                checked += 1
    assert checked > 1000


def _brute_pairs(
    records: list[dict[str, Any]], columns: tuple[str, ...], key: Callable[[str], str | None]
) -> tuple[set[frozenset[str]], int]:
    """Pairs of leads sharing a normalised key (any of ``columns``), and the largest group."""
    by_key: dict[str, set[str]] = {}
    for rec in records:
        for column in columns:
            value = rec.get(column)
            if isinstance(value, str) and value.strip():
                k = key(value.strip())
                if k:
                    by_key.setdefault(k, set()).add(str(rec["id"]))
    found = {frozenset(p) for g in by_key.values() for p in itertools.combinations(g, 2)}
    return found, max((len(g) for g in by_key.values()), default=0)


def _review_pairs(result: LeadClusters, kind: str, field: str) -> set[frozenset[str]]:
    p = result.cluster_pairs
    sub = p[(p["kind"] == kind) & p["field"].str.split(";").map(lambda f: field in f)]
    ends = zip(sub["lead_id"], sub["other_lead_id"], strict=True)
    return {frozenset((str(a), str(b))) for a, b in ends}


def _joined(groups: set[frozenset[str]]) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}


def test_review_keys_miss_no_pair_the_normalisers_find_one_by_one(
    org: tuple[pd.DataFrame, OrgConfig], result: LeadClusters
) -> None:
    """The block keys that spare most normaliser calls lose no pair on this org."""
    records = _open_records(org[0])
    companies, largest = _brute_pairs(records, ("Company",), company_key)
    assert largest <= FULL_PAIRS_UP_TO  # so every pair is listed, none starred
    expected = companies - _joined(_strong_groups(result, "company"))
    assert len(expected) > 100
    assert _review_pairs(result, "company", "Company:normalised") == expected
    phones, largest = _brute_pairs(records, ("Phone", "Mobile"), lambda v: phone_key(v, "US"))
    assert largest <= FULL_PAIRS_UP_TO
    expected = phones - _joined(_strong_groups(result, "person"))
    assert len(expected) >= 3  # the planted twins with the Phone in another format
    assert _review_pairs(result, "person", "Phone:normalised") == expected

"""Lead-to-lead duplicates crmkit.clusters finds on the sample org equal the generator's truth.

``sample_data/lead_duplicates_truth.csv`` lists every strong group (the planted twins, chains and
colleagues, and the groups the older plantings form by the way, variant ``background``) and the
planted review pairs. Strong tier: exactly the truth's groups with exactly its fields, and the
summary's counts are the truth's. Review tier: every planted pair is found under its label.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.clusters import ANY_FIELD, LeadClusters, cluster_summary, lead_clusters
from crmkit.frames import read_leads_csv
from crmkit.orgconfig import OrgConfig
from crmkit.sampledata import bundled_path

Groups = set[tuple[str, frozenset[tuple[str, str]]]]


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(
        bundled_path() / "lead_duplicates_truth.csv", dtype=str, keep_default_na=False
    )


@pytest.fixture(scope="module")
def result() -> LeadClusters:
    path = bundled_path()
    return lead_clusters(read_leads_csv(path / "Leads.csv"), OrgConfig.from_data_dir(path))


def _groups(frame: pd.DataFrame, by: str) -> Groups:
    strong = frame[frame["tier"] == "strong"]
    return {
        (str(kind), frozenset(zip(map(str, g["lead_id"]), map(str, g["field"]), strict=True)))
        for (kind, _), g in strong.groupby(["kind", by])
    }


def test_truth_plants_every_variant_the_issue_names(truth: pd.DataFrame) -> None:
    variants = set(truth["variant"])
    assert {
        "twin_email",
        "twin_email_case",
        "twin_phone",
        "chain_email_phone",
        "colleagues",
        "name_only",
        "near_phone_format",
        "near_gmail",
        "near_company_suffix",
    } <= variants
    colleagues = truth[truth["variant"] == "colleagues"].groupby("group_id")["lead_id"].size()
    assert colleagues.min() >= 2 and colleagues.max() <= 5 and colleagues.nunique() > 1


def test_strong_clusters_are_exactly_the_truth(truth: pd.DataFrame, result: LeadClusters) -> None:
    expected = _groups(truth, "group_id")
    found = _groups(result.clusters, "cluster_id")
    assert len(expected) > 100
    assert found - expected == set()  # nothing joined that the truth does not explain
    assert expected - found == set()  # every planted twin / colleague group found, fields too


def test_strong_summary_counts_are_the_truths(truth: pd.DataFrame, result: LeadClusters) -> None:
    summary = cluster_summary(result)
    got = summary[summary["tier"] == "strong"]
    strong = truth[truth["tier"] == "strong"]
    per_field = strong.assign(field=strong["field"].str.split(";")).explode("field")
    expected = {
        (kind, field): (g["lead_id"].nunique(), g["group_id"].nunique())
        for (kind, field), g in per_field.groupby(["kind", "field"])
    }
    for kind, g in strong.groupby("kind"):
        expected[kind, ANY_FIELD] = (g["lead_id"].nunique(), g["group_id"].nunique())
    actual = {
        (k, f): (int(n), int(c))
        for k, f, n, c in zip(got["kind"], got["field"], got["leads"], got["clusters"], strict=True)
    }
    assert actual == expected
    open_leads = result.n_leads
    leads = pd.read_csv(bundled_path() / "Leads.csv", dtype=str, keep_default_na=False)
    assert open_leads == int((leads["Converted__s"] != "true").sum())
    share = got.set_index(["kind", "field"])["share"]
    assert share["person", ANY_FIELD] == pytest.approx(
        expected["person", ANY_FIELD][0] / open_leads
    )


def test_every_planted_review_pair_is_found_with_its_label(
    truth: pd.DataFrame, result: LeadClusters
) -> None:
    pairs = result.cluster_pairs
    found = {
        (kind, frozenset((str(a), str(b)))): set(str(f).split(";"))
        for kind, a, b, f in zip(
            pairs["kind"], pairs["lead_id"], pairs["other_lead_id"], pairs["field"], strict=True
        )
    }
    review = truth[truth["tier"] == "review"]
    assert review["group_id"].nunique() >= 20
    for group, g in review.groupby("group_id"):
        key = (str(g["kind"].iloc[0]), frozenset(map(str, g["lead_id"])))
        assert key in found, group
        assert str(g["field"].iloc[0]) in found[key], (group, found[key])
    strong_ids = set(result.clusters.loc[result.clusters["tier"] == "strong", "lead_id"])
    person_review = review[review["kind"] == "person"]
    near = person_review[person_review["variant"] != "name_only"]
    # Near twins share a Company (a strong company group) but no person value Zoho compares.
    person_strong = result.clusters[
        (result.clusters["tier"] == "strong") & (result.clusters["kind"] == "person")
    ]
    assert not set(person_review["lead_id"]) & set(person_strong["lead_id"])
    assert set(near["lead_id"]) <= strong_ids

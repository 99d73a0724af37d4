"""crmkit.clusters on hand-built open leads: Zoho's rules lead to lead, and the review tier."""

from __future__ import annotations

import pandas as pd
import pytest
from cluster_cases import groups, lead_frame, member, pairs

from crmkit.clusters import (
    CLUSTER_PAIRS_SCHEMA,
    CLUSTER_SUMMARY_SCHEMA,
    CLUSTERS_SCHEMA,
    FULL_PAIRS_UP_TO,
    cluster_summary,
    lead_clusters,
)
from crmkit.frames import FramesError
from crmkit.orgconfig import OrgConfig, UniqueField

PLAIN = OrgConfig()
PHONE_UNIQUE = OrgConfig(unique_fields={"Contacts": (UniqueField("Phone"),)})


def unique(field: str, *, case_sensitive: bool, module: str = "Contacts") -> OrgConfig:
    """`field` unique in `module`; a custom one also mapped from the lead field of its name (a
    custom field converts, and matches, only where the admin mapped it)."""
    mapping = {module: {field: field}} if field.endswith("__c") else {}
    return OrgConfig(
        unique_fields={module: (UniqueField(field, case_sensitive),)}, convert_mapping=mapping
    )


# ---------------------------------------------------------------------------- person, strong
def test_twins_by_exact_email_form_one_person_cluster() -> None:
    leads = lead_frame(
        {"id": "102", "Last_Name": "Boyle", "Email": "pat.boyle@zylker.com"},
        {"id": "101", "Last_Name": "Boyle", "Email": "pat.boyle@zylker.com"},
        {"id": "103", "Last_Name": "Other", "Email": "someone@zylker.com"},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "person", "strong") == {"P-101": {"101", "102"}}
    row = member(result, "102", "person", "strong")
    assert row["field"] == "Email" and row["size"] == 2
    assert "same Email" in str(row["reason"])
    assert result.n_leads == 3


def test_email_differing_in_case_and_spaces_is_the_same_person() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "Boyle", "Email": "Pat.Boyle@Zylker.com"},
        {"id": "2", "Last_Name": "Boyle", "Email": "  pat.boyle@zylker.COM "},
    )
    assert groups(lead_clusters(leads, PLAIN), "person", "strong") == {"P-1": {"1", "2"}}


@pytest.mark.parametrize(
    ("case_sensitive", "expected"),
    [(False, {"P-1": {"1", "2", "3"}}), (True, {"P-1": {"1", "3"}})],
)
def test_unique_field_honours_its_case_flag(
    case_sensitive: bool, expected: dict[str, set[str]]
) -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Passport__c": "AB-12"},
        {"id": "2", "Last_Name": "B", "Passport__c": "ab-12"},
        {"id": "3", "Last_Name": "C", "Passport__c": " AB-12 "},  # trimmed either way
        {"id": "4", "Last_Name": "D", "Passport__c": "AB-13"},
    )
    result = lead_clusters(leads, unique("Passport__c", case_sensitive=case_sensitive))
    assert groups(result, "person", "strong") == expected
    assert member(result, "1", "person", "strong")["field"] == "Passport__c"


def test_unique_field_links_only_when_the_org_makes_it_unique() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Passport__c": "AB-12"},
        {"id": "2", "Last_Name": "B", "Passport__c": "AB-12"},
    )
    assert groups(lead_clusters(leads, PLAIN), "person", "strong") == {}


def test_unique_phone_written_identically_links_another_format_only_for_review() -> None:
    leads = lead_frame(
        {"id": "1", "First_Name": "Ann", "Last_Name": "Lee", "Phone": "9844444444"},
        {"id": "2", "First_Name": "Bo", "Last_Name": "Kim", "Phone": "9844444444"},
        {"id": "3", "First_Name": "Cy", "Last_Name": "Ray", "Phone": "(212) 555-0142"},
        {"id": "4", "First_Name": "Di", "Last_Name": "Fox", "Phone": "+1 212 555 0142"},
    )
    result = lead_clusters(leads, PHONE_UNIQUE)
    assert groups(result, "person", "strong") == {"P-1": {"1", "2"}}
    assert pairs(result, "person") == {frozenset({"3", "4"}): "Phone:normalised"}
    # Not unique: equal phones are only a review agreement.
    plain = lead_clusters(leads, PLAIN)
    assert groups(plain, "person", "strong") == {}
    assert pairs(plain, "person") == {
        frozenset({"1", "2"}): "Phone:normalised",
        frozenset({"3", "4"}): "Phone:normalised",
    }


def test_a_unique_field_matches_the_lead_field_of_the_conversion_mapping() -> None:
    # Contacts Title is filled from the lead's Designation (zoho-api.md §5).
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Designation": "Badge 7"},
        {"id": "2", "Last_Name": "B", "Designation": "badge 7"},
        {"id": "3", "Last_Name": "C", "Title": "Badge 7"},
    )
    result = lead_clusters(leads, unique("Title", case_sensitive=False))
    assert groups(result, "person", "strong") == {"P-1": {"1", "2"}}
    assert member(result, "1", "person", "strong")["field"] == "Designation"


def test_transitive_chain_is_one_cluster_with_each_members_fields() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Email": "a@x.com", "Passport__c": "P1"},
        {"id": "2", "Last_Name": "B", "Email": "A@X.com", "Passport__c": "P2"},
        {"id": "3", "Last_Name": "C", "Email": "c@x.com", "Passport__c": "p2"},
        {"id": "4", "Last_Name": "D", "Email": "d@x.com", "Passport__c": "P4"},
    )
    result = lead_clusters(leads, unique("Passport__c", case_sensitive=False))
    assert groups(result, "person", "strong") == {"P-1": {"1", "2", "3"}}
    fields = {i: member(result, i, "person", "strong")["field"] for i in ("1", "2", "3")}
    # Unique fields come first, as in Zoho's preference order.
    assert fields == {"1": "Email", "2": "Passport__c;Email", "3": "Passport__c"}
    assert {member(result, i, "person", "strong")["size"] for i in ("1", "2", "3")} == {3}


def test_empty_values_never_link() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Email": "", "Company": "", "Passport__c": ""},
        {"id": "2", "Last_Name": "B", "Email": "   ", "Company": "  ", "Passport__c": " "},
        {"id": "3", "Last_Name": "C", "Email": None, "Company": None, "Passport__c": None},
        {"id": "4", "Last_Name": "D", "Email": None, "Company": None},
    )
    result = lead_clusters(leads, unique("Passport__c", case_sensitive=True))
    strong = result.clusters[result.clusters["tier"] == "strong"]
    assert strong.empty
    assert result.cluster_pairs.empty  # four different names: nothing for review either


def test_name_only_twins_are_review_tier_only() -> None:
    leads = lead_frame(
        {"id": "1", "First_Name": "Maria", "Last_Name": "Garcia", "Email": "maria@a.com"},
        {"id": "2", "First_Name": "maria", "Last_Name": "GARCIA", "Email": "mg@b.com"},
        {"id": "3", "First_Name": "Mario", "Last_Name": "Garcia", "Email": "mario@c.com"},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "person", "strong") == {}
    assert groups(result, "person", "review") == {"PR-1": {"1", "2"}}
    assert pairs(result, "person") == {frozenset({"1", "2"}): "Full_Name;Full_Name:normalised"}
    row = member(result, "2", "person", "review")
    assert pd.isna(row["anchor_lead_id"])
    assert "full name" in str(row["reason"])


def test_nickname_and_gmail_variants_are_review_pairs() -> None:
    leads = lead_frame(
        {"id": "5", "First_Name": "Cy", "Last_Name": "Ray", "Email": "cy@x.com"},
        {"id": "6", "First_Name": "Di", "Last_Name": "Fox", "Email": None},
        {"id": "1", "First_Name": "Bob", "Last_Name": "Stone", "Email": "r.stone@gmail.com"},
        {"id": "7", "First_Name": "Ed", "Last_Name": "Wu", "Email": "ed@y.com"},
        {"id": "2", "First_Name": "Robert", "Last_Name": "Stone", "Email": "rstone+crm@gmail.com"},
        {"id": "3", "First_Name": "Al", "Last_Name": "Kim", "Email": "al.kim@googlemail.com"},
        {"id": "4", "First_Name": "Bo", "Last_Name": "Li", "Email": "AlKim@gmail.com"},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "person", "strong") == {}
    assert pairs(result, "person") == {
        frozenset({"1", "2"}): "Email:normalised;Full_Name:normalised",
        frozenset({"3", "4"}): "Email:normalised",
    }


def test_review_pairs_leave_out_leads_the_strong_tier_joined() -> None:
    leads = lead_frame(
        {"id": "1", "First_Name": "Ann", "Last_Name": "Lee", "Email": "ann@x.com"},
        {"id": "2", "First_Name": "Ann", "Last_Name": "Lee", "Email": "ANN@x.com"},
        {"id": "3", "First_Name": "Ann", "Last_Name": "Lee", "Email": "other@y.com"},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "person", "strong") == {"P-1": {"1", "2"}}
    assert set(pairs(result, "person")) == {frozenset({"1", "3"}), frozenset({"2", "3"})}
    assert groups(result, "person", "review") == {"PR-1": {"1", "2", "3"}}


def test_a_common_name_gives_a_star_of_pairs_not_all_of_them() -> None:
    n = FULL_PAIRS_UP_TO + 3
    leads = lead_frame(
        *({"id": str(100 + i), "First_Name": "John", "Last_Name": "Smith"} for i in range(n))
    )
    result = lead_clusters(leads, PLAIN)
    found = pairs(result, "person")
    assert set(found) == {frozenset({"100", str(100 + i)}) for i in range(1, n)}
    assert groups(result, "person", "review") == {"PR-100": {str(100 + i) for i in range(n)}}


# ---------------------------------------------------------------------------- company
def test_colleagues_of_one_company_form_one_company_cluster() -> None:
    names = [
        "Zylker Biotech",
        "zylker biotech",
        " Zylker Biotech",
        "ZYLKER BIOTECH",
        "Zylker Biotech",
    ]
    leads = lead_frame(
        *(
            {"id": str(i), "Last_Name": f"P{i}", "Email": f"p{i}@zylker.com", "Company": c}
            for i, c in enumerate(names, start=1)
        ),
        {"id": "6", "Last_Name": "Q", "Email": "q@zoho.com", "Company": "Zoho"},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "company", "strong") == {"C-1": {"1", "2", "3", "4", "5"}}
    assert groups(result, "person", "strong") == {}
    assert {member(result, str(i), "company", "strong")["size"] for i in range(1, 6)} == {5}
    assert member(result, "3", "company", "strong")["field"] == "Company"


@pytest.mark.parametrize(
    ("one", "other"),
    [("Acme Ltd", "Acme Limited"), ("Acme, Inc.", "Acme Inc"), ("The Acme Co", "Acme Co")],
)
def test_company_zoho_treats_as_different_is_review_only(one: str, other: str) -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Company": one},
        {"id": "2", "Last_Name": "B", "Company": other},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "company", "strong") == {}
    assert pairs(result, "company") == {frozenset({"1", "2"}): "Company:normalised"}
    assert groups(result, "company", "review") == {"CR-1": {"1", "2"}}


def test_accounts_unique_field_links_companies_but_only_leads_with_a_company() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Company": "Zylker", "Website": "zylker.com"},
        {"id": "2", "Last_Name": "B", "Company": "Zylker Inc", "Website": "ZYLKER.com"},
        {"id": "3", "Last_Name": "C", "Company": None, "Website": "zylker.com"},
    )
    result = lead_clusters(leads, unique("Website", case_sensitive=False, module="Accounts"))
    assert groups(result, "company", "strong") == {"C-1": {"1", "2"}}
    assert member(result, "1", "company", "strong")["field"] == "Website"


def test_a_lead_in_a_person_and_a_company_cluster() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "Boyle", "Email": "pat@zylker.com", "Company": "Zylker"},
        {"id": "2", "Last_Name": "Boyle", "Email": "PAT@zylker.com", "Company": "Other"},
        {"id": "3", "Last_Name": "Chan", "Email": "chan@zylker.com", "Company": "zylker"},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "person", "strong") == {"P-1": {"1", "2"}}
    assert groups(result, "company", "strong") == {"C-1": {"1", "3"}}
    rows = result.clusters[result.clusters["lead_id"] == "1"]
    assert sorted(rows["cluster_id"]) == ["C-1", "P-1"]


def test_no_company_clusters_when_conversion_creates_no_accounts() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Company": "Zylker"},
        {"id": "2", "Last_Name": "B", "Company": "Zylker"},
        {"id": "3", "Last_Name": "C", "Company": "Zylker Ltd"},
    )
    for config in (
        OrgConfig(removed_modules=frozenset({"Accounts"})),
        OrgConfig(removed_fields={"Leads": frozenset({"Company"})}),
    ):
        result = lead_clusters(leads, config)
        assert (result.clusters["kind"] == "company").sum() == 0
        assert (result.cluster_pairs["kind"] == "company").sum() == 0
    # Contacts removed: Zoho refuses every conversion, so nothing is a cluster.
    gone = lead_clusters(leads, OrgConfig(removed_modules=frozenset({"Contacts"})))
    assert gone.clusters.empty and gone.cluster_pairs.empty


# ---------------------------------------------------------------------------- ids and anchors
def test_cluster_ids_use_the_numerically_smallest_id_and_ignore_row_order() -> None:
    rows = [
        {"id": "10", "Last_Name": "A", "Email": "a@x.com", "Company": "Zylker"},
        {"id": "9", "Last_Name": "A", "Email": "a@x.com", "Company": "Zylker"},
        {"id": "100", "Last_Name": "A", "Email": "a@x.com", "Company": "zylker"},
    ]
    result = lead_clusters(lead_frame(*rows), PLAIN)
    assert groups(result, "person", "strong") == {"P-9": {"9", "10", "100"}}
    assert groups(result, "company", "strong") == {"C-9": {"9", "10", "100"}}
    again = lead_clusters(lead_frame(*reversed(rows)), PLAIN)
    pd.testing.assert_frame_equal(result.clusters, again.clusters)
    assert list(result.clusters["lead_id"][:3]) == ["9", "10", "100"]


def test_anchor_is_most_complete_then_oldest_then_smallest_id() -> None:
    base = {"Last_Name": "Boyle", "Email": "pat@zylker.com", "Company": "Zylker"}
    leads = lead_frame(
        {"id": "1", **base, "Created_Time": "2024-03-01T00:00:00Z"},
        {"id": "2", **base, "Phone": "555", "Created_Time": "2024-05-01T00:00:00Z"},
        {"id": "3", **base, "Mobile": "556", "Created_Time": "2024-04-01T00:00:00Z"},
        {"id": "4", **base, "Created_Time": "2024-01-01T00:00:00Z"},
    )
    result = lead_clusters(leads, PLAIN)
    person = result.clusters[result.clusters["kind"] == "person"]
    # 2 and 3 fill one more mapped field; 3 is older.
    assert set(person["anchor_lead_id"]) == {"3"}
    # Mobile is not carried to the Account: 2 (Phone) is more complete there.
    company = result.clusters[result.clusters["kind"] == "company"]
    assert set(company["anchor_lead_id"]) == {"2"}
    ties = lead_frame({"id": "8", **base}, {"id": "7", **base})
    assert set(lead_clusters(ties, PLAIN).clusters["anchor_lead_id"]) == {"7"}


def test_converted_leads_are_not_open_and_bad_ids_are_refused() -> None:
    leads = lead_frame(
        {"id": "1", "Last_Name": "A", "Email": "a@x.com", "Converted__s": "true"},
        {"id": "2", "Last_Name": "A", "Email": "a@x.com", "Converted__s": "false"},
        {"id": "3", "Last_Name": "A", "Email": "a@x.com", "Converted__s": None},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "person", "strong") == {"P-2": {"2", "3"}}
    assert result.n_leads == 2
    with pytest.raises(FramesError, match="id '2' appears more than once"):
        lead_clusters(lead_frame({"id": "2"}, {"id": "2"}), PLAIN)
    with pytest.raises(FramesError, match="row 1 has an empty id"):
        lead_clusters(lead_frame({"id": "2"}, {"id": " "}), PLAIN)
    with pytest.raises(FramesError, match="no 'id' column"):
        lead_clusters(pd.DataFrame({"Email": ["a"]}), PLAIN)


# ---------------------------------------------------------------------------- frames
def test_frames_have_the_documented_schemas_even_when_empty() -> None:
    full = lead_clusters(
        lead_frame(
            {"id": "1", "First_Name": "Ann", "Last_Name": "Lee", "Email": "a@x.com"},
            {"id": "2", "First_Name": "Ann", "Last_Name": "Lee", "Email": "a@x.com"},
            {"id": "3", "First_Name": "Ann", "Last_Name": "Lee"},
        ),
        PLAIN,
    )
    empty = lead_clusters(lead_frame({"id": "1", "Last_Name": "A"}), PLAIN)
    for result in (full, empty):
        assert dict(result.clusters.dtypes.astype(str)) == {
            c: str(pd.Series(dtype=d).dtype) for c, d in CLUSTERS_SCHEMA.items()
        }
        assert list(result.cluster_pairs.columns) == list(CLUSTER_PAIRS_SCHEMA)
        assert list(cluster_summary(result).columns) == list(CLUSTER_SUMMARY_SCHEMA)
    assert full.cluster_pairs["lead_id"].dtype == "string"
    assert not full.clusters.empty and empty.clusters.empty


def test_review_can_be_left_out_or_narrowed() -> None:
    leads = lead_frame(
        {"id": "1", "First_Name": "Ann", "Last_Name": "Lee", "Email": "a@x.com"},
        {"id": "2", "First_Name": "Ann", "Last_Name": "Lee", "Email": "b@x.com"},
    )
    result = lead_clusters(leads, PLAIN, review=False)
    assert result.clusters.empty and result.cluster_pairs.empty
    narrowed = lead_clusters(leads, PLAIN, review=["Full_Name"])
    assert pairs(narrowed, "person") == {frozenset({"1", "2"}): "Full_Name"}
    with pytest.raises(ValueError, match=r"unknown review labels \['Fullname'\]"):
        lead_clusters(leads, PLAIN, review=["Fullname"])


def test_ids_that_are_not_zoho_digits_order_by_length_then_text() -> None:
    leads = lead_frame(
        {"id": "L10", "Last_Name": "A", "Email": "a@x.com"},
        {"id": "L9", "Last_Name": "B", "Email": "a@x.com"},
        {"id": "007", "Last_Name": "C", "Email": "A@x.com"},
    )
    result = lead_clusters(leads, PLAIN)
    assert groups(result, "person", "strong") == {"P-L9": {"L9", "L10", "007"}}
    assert list(result.clusters["lead_id"]) == ["L9", "007", "L10"]


def test_summary_counts_leads_duplicating_another_open_lead() -> None:
    leads = lead_frame(
        {"id": "1", "First_Name": "Pat", "Last_Name": "Boyle", "Email": "p@z.com", "Company": "Z"},
        {"id": "2", "First_Name": "Pat", "Last_Name": "Boyle", "Email": "P@z.com", "Company": "z"},
        {"id": "3", "First_Name": "Ann", "Last_Name": "Lee", "Email": "a@z.com", "Company": "Z"},
        {"id": "4", "First_Name": "Ann", "Last_Name": "Lee", "Email": "l@q.com", "Company": "Q"},
        {"id": "5", "First_Name": "Cy", "Last_Name": "Ray", "Email": "c@q.com", "Company": "Q Ltd"},
    )
    summary = cluster_summary(lead_clusters(leads, PLAIN))
    got = {
        (r.tier, r.kind, r.field): (r.leads, r.clusters) for r in summary.itertuples(index=False)
    }
    assert got == {
        ("strong", "person", "(any)"): (2, 1),
        ("strong", "person", "Email"): (2, 1),
        ("strong", "company", "(any)"): (3, 1),
        ("strong", "company", "Company"): (3, 1),
        ("review", "person", "(any)"): (2, 1),
        ("review", "person", "Full_Name"): (2, 1),
        ("review", "person", "Full_Name:normalised"): (2, 1),
        ("review", "company", "(any)"): (2, 1),
        ("review", "company", "Company:normalised"): (2, 1),
    }
    share = summary.set_index(["tier", "kind", "field"]).loc[("strong", "company", "(any)")]
    assert share["share"] == pytest.approx(3 / 5)
    assert list(summary["tier"]) == ["strong"] * 4 + ["review"] * 5

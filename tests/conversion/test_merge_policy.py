"""MergePolicy: the text form, its canonical round trip, and the rules per policy."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.conversion.merge_policy import (
    MergePolicy,
    MergePolicyError,
    is_empty,
    same_value,
    updates_after_convert,
    wanted_values,
)
from crmkit.errors import CrmkitError

FIELDS = ["Phone", "Email", "Title", "Mobile"]
EXISTING = {"Phone": "555-0100", "Email": "old@example.com", "Title": "", "Mobile": None}
LEAD = {"Phone": "555-0199", "Email": None, "Title": "CTO", "Mobile": None}
# Zoho's default merge: every non-empty mapped lead value replaces the record's.
ZOHO_AFTER = {"Phone": "555-0199", "Email": "old@example.com", "Title": "CTO", "Mobile": None}


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Contacts=fill_blanks;Accounts=keep;Contacts.Phone=prefer_lead",) * 2,
        ("Accounts=keep ; contacts=FILL_BLANKS", "Contacts=fill_blanks;Accounts=keep"),
        (
            "Contacts.Phone=keep;Accounts.Website=prefer_lead;Contacts.Email=keep",
            "Contacts.Email=keep;Contacts.Phone=keep;Accounts.Website=prefer_lead",
        ),
        ("", ""),
        (None, ""),
        ("Contacts=zoho;Accounts.Phone=zoho", ""),
        ("Contacts=keep;Contacts.Phone=keep", "Contacts=keep"),
        ("Contacts=keep;Contacts.Phone=zoho", "Contacts=keep;Contacts.Phone=zoho"),
    ],
)
def test_parse_and_canonical_text_round_trip(text: str | None, canonical: str) -> None:
    policy = MergePolicy.parse(text)
    assert str(policy) == canonical
    assert MergePolicy.parse(str(policy)) == policy
    assert hash(MergePolicy.parse(str(policy))) == hash(policy)
    assert policy.is_zoho == (canonical == "")


def test_parsed_parts() -> None:
    policy = MergePolicy.parse("Contacts=fill_blanks;Accounts=keep;Contacts.Phone=prefer_lead")
    assert dict(policy.defaults) == {"Contacts": "fill_blanks", "Accounts": "keep"}
    assert dict(policy.overrides) == {("Contacts", "Phone"): "prefer_lead"}
    assert policy.for_field("Contacts", "Phone") == "prefer_lead"
    assert policy.for_field("Contacts", "Email") == "fill_blanks"
    assert policy.for_field("Accounts", "Phone") == "keep"
    assert policy.for_field("Contacts", "Last_Name") == "zoho"  # names are never governed
    assert policy.for_field("Accounts", "Account_Name") == "zoho"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Deals=keep", ["'Deals'", "Contacts, Accounts"]),
        ("Contacts=merge", ["'merge'", "zoho, keep, fill_blanks, prefer_lead"]),
        ("Contacts", ["'Contacts'", "Module=policy"]),
        ("Contacts=", ["'Contacts='", "Module=policy"]),
        ("Contacts.Ph one=keep", ["'Ph one'", "field API name"]),
        ("Contacts.=keep", ["field API name"]),
        ("Contacts=keep;contacts=zoho", ["twice"]),
        ("Contacts.Phone=keep;Contacts.Phone=zoho", ["Contacts.Phone", "twice"]),
    ],
)
def test_parse_errors_name_the_part_and_the_fix(text: str, names: list[str]) -> None:
    with pytest.raises(MergePolicyError) as info:
        MergePolicy.parse(text)
    assert isinstance(info.value, CrmkitError) and isinstance(info.value, ValueError)
    for name in names:
        assert name in str(info.value)


def test_constructor_validates_and_normalises() -> None:
    assert MergePolicy({"contacts": "KEEP"}) == MergePolicy.parse("Contacts=keep")
    with pytest.raises(MergePolicyError, match="'Leads'"):
        MergePolicy({"Leads": "keep"})
    with pytest.raises(MergePolicyError, match="'always'"):
        MergePolicy({}, {("Contacts", "Phone"): "always"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "",
            {
                "Phone": ("555-0199", "zoho"),
                "Email": ("old@example.com", "zoho"),
                "Title": ("CTO", "zoho"),
                "Mobile": (None, "zoho"),
            },
        ),
        (
            "Contacts=keep",
            {
                "Phone": ("555-0100", "existing"),
                "Email": ("old@example.com", "existing"),
                "Title": ("CTO", "zoho"),
                "Mobile": (None, "zoho"),
            },
        ),
        (
            "Contacts=fill_blanks",
            {
                "Phone": ("555-0100", "existing"),
                "Email": ("old@example.com", "existing"),
                "Title": ("CTO", "lead"),
                "Mobile": (None, "zoho"),
            },
        ),
        (
            "Contacts=prefer_lead",
            {
                "Phone": ("555-0199", "lead"),
                "Email": ("old@example.com", "zoho"),
                "Title": ("CTO", "lead"),
                "Mobile": (None, "zoho"),
            },
        ),
        (
            "Contacts=prefer_lead;Contacts.Phone=keep",
            {
                "Phone": ("555-0100", "existing"),
                "Email": ("old@example.com", "zoho"),
                "Title": ("CTO", "lead"),
                "Mobile": (None, "zoho"),
            },
        ),
    ],
)
def test_wanted_values_per_policy(text: str, expected: dict[str, tuple[object, str]]) -> None:
    got = wanted_values(MergePolicy.parse(text), "Contacts", EXISTING, LEAD, ZOHO_AFTER, FIELDS)
    assert got == expected


def test_updates_are_where_wanted_differs_from_what_zoho_left() -> None:
    keep = MergePolicy.parse("Contacts=keep")
    assert updates_after_convert(keep, "Contacts", EXISTING, LEAD, ZOHO_AFTER, FIELDS) == {
        "Phone": "555-0100"
    }
    # Another module's policy does not govern this one.
    assert updates_after_convert(keep, "Accounts", EXISTING, LEAD, ZOHO_AFTER, FIELDS) == {}
    assert (
        updates_after_convert(MergePolicy.parse(""), "Contacts", EXISTING, LEAD, {}, FIELDS) == {}
    )


def test_fill_blanks_after_a_zoho_that_copied_nothing() -> None:
    # Read back in execution, the record may hold less than the preview predicted.
    after = dict(EXISTING)
    fill = MergePolicy.parse("Contacts=fill_blanks")
    assert updates_after_convert(fill, "Contacts", EXISTING, LEAD, after, FIELDS) == {
        "Title": "CTO"
    }


def test_names_and_lookups_are_left_to_zoho() -> None:
    policy = MergePolicy.parse("Contacts=keep;Accounts=keep")
    existing = {"Last_Name": "Boyle", "Account_Name": {"id": "1", "name": "Old"}}
    lead = {"Last_Name": "Boyle-Smith", "Account_Name": {"id": "2", "name": "New"}}
    after = {"Last_Name": "Boyle", "Account_Name": {"id": "2", "name": "New"}}
    assert updates_after_convert(policy, "Contacts", existing, lead, after, list(existing)) == {}
    accounts = {"Account_Name": "Old Co"}
    assert (
        updates_after_convert(
            policy,
            "Accounts",
            accounts,
            {"Account_Name": "New Co"},
            {"Account_Name": "New Co"},
            ["Account_Name"],
        )
        == {}
    )


def test_numbers_compare_as_zoho_returns_them() -> None:
    keep = MergePolicy.parse("Accounts=keep")
    # Zoho answers Annual_Revenue as a number; a CSV snapshot may hold it as text.
    assert (
        updates_after_convert(
            keep,
            "Accounts",
            {"Annual_Revenue": "5000"},
            {"Annual_Revenue": 7000},
            {"Annual_Revenue": 5000.0},
            ["Annual_Revenue"],
        )
        == {}
    )
    assert updates_after_convert(
        keep,
        "Accounts",
        {"Annual_Revenue": "5000"},
        {"Annual_Revenue": 7000},
        {"Annual_Revenue": 7000},
        ["Annual_Revenue"],
    ) == {"Annual_Revenue": "5000"}
    assert same_value("5000", 5000.0) and same_value(12, "12.00")
    assert not same_value("0123", "123")  # two texts stay text (a phone keeps its 0)
    assert not same_value("5000", 5001)
    assert same_value(" a ", "a") and not same_value("a", "A")
    assert same_value(["x", "y"], ["x", "y"]) and not same_value(["x"], ["x", "y"])
    assert same_value(True, "true")


@pytest.mark.parametrize("value", [None, "", "   ", [], float("nan"), pd.NA])
def test_empty_values(value: object) -> None:
    assert is_empty(value)
    assert same_value(value, None)


@pytest.mark.parametrize("value", [0, "0", False, ["a"], "x"])
def test_values_that_are_not_empty(value: object) -> None:
    assert not is_empty(value)

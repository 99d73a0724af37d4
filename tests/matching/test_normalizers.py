"""Normalisers: phones, emails, companies (incl. cleanco's bracket bug), person names."""

from __future__ import annotations

import pandas as pd
from cleanco import basename

from crmkit.normalize import (
    company_key,
    first_name_forms,
    is_free_mail,
    is_role_address,
    normalize_companies,
    normalize_emails,
    normalize_person_names,
    normalize_phones,
)


def s(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def test_phone_formats_share_one_e164_key() -> None:
    keys = normalize_phones(
        s("(212) 555-0142", "+1 212 555 0142", "212.555.0142", "1-212-555-0142")
    )
    assert keys.tolist() == ["+12125550142"] * 4


def test_phone_default_region_is_configurable() -> None:
    assert normalize_phones(s("020 7946 0018"), region="GB").tolist() == ["+442079460018"]
    assert normalize_phones(s("98444 44444"), region="IN").tolist() == ["+919844444444"]


def test_phone_without_digits_or_blank_is_na() -> None:
    assert normalize_phones(s("n/a", "", None, "  ")).isna().all()


def test_email_case_and_gmail_rules_only_for_gmail() -> None:
    keys = normalize_emails(
        s(" Pat.Boyle+news@GoogleMail.com", "PATBOYLE@gmail.com", "pat.boyle+x@zylker.com")
    )
    assert keys.tolist() == ["patboyle@gmail.com", "patboyle@gmail.com", "pat.boyle+x@zylker.com"]


def test_malformed_email_is_na() -> None:
    assert normalize_emails(s("no-at-sign", "a@b@c", "@x.com", "x@", None)).isna().all()


def test_role_and_free_mail_flags() -> None:
    assert is_role_address(s("info@acme.com", "Sales@acme.com", "pat@acme.com", None)).tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert is_free_mail(s("a@gmail.com", "a@yahoo.com", "a@acme.com", None)).tolist() == [
        True,
        True,
        False,
        False,
    ]


def test_cleanco_bracket_bug_is_real_and_worked_around() -> None:
    # cleanco treats ")" as trailing punctuation and cuts the bracket in half.
    assert basename("Acme (UK) Ltd") == "Acme (UK"
    assert basename("Acme Ltd (UK)") == "Acme Ltd (UK"
    # crmkit drops the bracketed qualifier before cleanco sees it.
    assert company_key("Acme (UK) Ltd") == "acme"
    assert company_key("Acme Ltd (UK)") == "acme"
    # A leading bracket holds the name itself: keep its words.
    assert company_key("(Acme) Ltd") == "acme"


def test_company_suffixes_punctuation_and_the() -> None:
    variants = [
        "Zylker Biotech Inc",
        "Zylker Biotech, Inc.",
        "ZYLKER BIOTECH Incorporated",
        "The Zylker Biotech L.L.C.",
        "Zylker Biotech Pvt. Ltd.",
        "Zylker Biotech G.m.b.H.",
        "zylker biotech plc",
        "Zylker Biotech Grp",
        "  Zylker   Biotech  ",
    ]
    assert set(normalize_companies(pd.Series(variants)).tolist()) == {"zylker biotech"}
    assert company_key("Acme & Sons") == company_key("Acme and Sons")
    assert normalize_companies(s("", None, "()")).isna().all()


def test_person_names_parse_titles_order_and_nicknames() -> None:
    out = normalize_person_names(
        full=s("Dr. Bob Smith Jr.", "Smith, Robert", "ROBERT  SMITH", None)
    )
    assert out["name_key"].tolist()[:3] == ["robert smith"] * 3
    assert out["name_key"].isna().tolist() == [False, False, False, True]
    split = normalize_person_names(first=s("Bill", None), last=s("Gates", "Lee"))
    assert split["name_key"].tolist() == ["william gates", "lee"]


def test_ambiguous_nicknames_keep_every_form() -> None:
    assert set(first_name_forms("Sam")) == {"sam", "samuel", "samantha"}
    assert first_name_forms("Robert") == ("robert",)
    assert first_name_forms("  ") == ()

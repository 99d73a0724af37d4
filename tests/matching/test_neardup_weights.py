"""Near-duplicate weights on hand-built hard cases: what a field's agreement is worth depends
on how common the agreeing value is, and on what the other fields say.

The background org is made of syllables (no crmkit word list): a few thousand people with
distinct names, phones and addresses, so term frequencies are those of a real-sized org.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from crmkit.neardup import NearDupSettings, near_duplicates

SYLLABLES = ["ka", "lo", "mi", "ru", "te", "va", "zo", "ni", "pe", "sa", "do", "gu", "ha", "ji"]


def _word(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(SYLLABLES, n)).capitalize()


def background(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    seen: set[tuple[str, str]] = set()
    while len(rows) < n:
        first, last = _word(rng, 2), _word(rng, 3)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        k = len(rows)
        rows.append(
            {
                "id": f"bg{k}",
                "First_Name": first,
                "Last_Name": last,
                "Email": f"{first}.{last}{k}@mail{k % 97}.example".lower(),
                "Phone": f"+1 415 {200 + k // 10000:03d} {k % 10000:04d}",
                "Account_Name.name": f"{_word(rng, 2)} {_word(rng, 2)} Ltd",
            }
        )
    return pd.DataFrame(rows, dtype="string")


def frame(**cols: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


def contacts_with(*extra: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([background(), *extra], ignore_index=True).astype("string")


def pairs(c: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(c["lead_id"], c["record_id"], strict=True))


NO_ACCOUNTS = frame(id=[], Account_Name=[])


def test_a_shared_switchboard_alone_links_nobody() -> None:
    """Forty colleagues on one switchboard: a lead calling from it is none of them."""
    colleagues = frame(
        id=[f"s{k}" for k in range(40)],
        First_Name=[f"Pal{k}" for k in range(40)],
        Last_Name=[f"Ostrov{k}" for k in range(40)],
        Phone=["+44 20 7946 0000"] * 40,
        **{"Account_Name.name": ["Brightwater Survey Ltd"] * 40},
    )
    lead = frame(
        id=["L1"], First_Name=["Imre"], Last_Name=["Vaszary"], Phone=["+44 (0)20 7946 0000"]
    )
    c = near_duplicates(lead, contacts_with(colleagues), NO_ACCOUNTS)
    assert c.empty, c.to_string()


def test_a_rare_surname_and_the_same_mobile_link_and_say_why() -> None:
    person = frame(
        id=["m1"],
        First_Name=["Oluwaseun"],
        Last_Name=["Adeyemi-Quist"],
        Mobile=["+44 7700 900123"],
    )
    lead = frame(id=["L1"], First_Name=["O."], Last_Name=["Adeyemi-Quist"], Phone=["07700900123"])
    c = near_duplicates(
        lead, contacts_with(person), NO_ACCOUNTS, settings=NearDupSettings(region="GB")
    )
    assert pairs(c) == {("L1", "m1")}
    row = c.iloc[0]
    assert row["route"] == "phone" and row["method"] == "exact_key"
    assert "name initial +" in row["explanation"] and "phone exact_key +" in row["explanation"]
    assert 0.9 < row["score"] <= 1.0 and row["match_weight"] > 5


def test_a_family_on_one_home_phone_is_not_one_person() -> None:
    family = frame(
        id=["f1", "f2"],
        First_Name=["Piotr", "Agnieszka"],
        Last_Name=["Wroblewski", "Wroblewski"],
        Phone=["+48 22 555 0199", "+48 22 555 0199"],
    )
    lead = frame(id=["L1"], First_Name=["Marta"], Last_Name=["Wróblewski"], Phone=["+48225550199"])
    c = near_duplicates(lead, contacts_with(family), NO_ACCOUNTS)
    assert c.empty, c.to_string()


def test_the_same_common_name_alone_is_a_namesake() -> None:
    """Same first and last name, nothing else in common: two people (Zoho's name rule)."""
    namesake = frame(
        id=["n1"], First_Name=["Kalo"], Last_Name=["Mirute"], Phone=["+1 212 555 0100"]
    )
    lead = frame(id=["L1"], First_Name=["Kalo"], Last_Name=["Mirute"], Phone=["+1 646 555 0199"])
    c = near_duplicates(lead, contacts_with(namesake), NO_ACCOUNTS)
    assert c.empty, c.to_string()
    # The same name and the same company: one person.
    same = namesake.assign(**{"Account_Name.name": "Zorunel Optics"})
    lead2 = lead.assign(Company="Zorunel Optics GmbH")
    c = near_duplicates(lead2, contacts_with(same), NO_ACCOUNTS)
    assert pairs(c) == {("L1", "n1")}


def test_swaps_accents_and_numbers_without_country_code() -> None:
    people = frame(
        id=["p1", "p2", "p3"],
        First_Name=["Hiroko", "José", "Anneliese"],
        Last_Name=["Tanabe", "Nuñez-Ortega", "Brückner"],
        Email=["h.tanabe@kirinoa.jp", None, None],
        Phone=[None, "+34 912 345 678", "+49 30 1234 5678"],
        **{"Account_Name.name": [None, "Ortega Hermanos S.L.", None]},
    )
    leads = frame(
        id=["L1", "L2", "L3"],
        First_Name=["Tanabe", "Jose", "Anneliese"],
        Last_Name=["Hiroko", "Nunez-Ortega", "Bruckner"],
        Email=["h.tanabe@kirinoa.jp ", None, None],
        Company=[None, "Ortega Hermanos SL", None],
        Phone=[None, None, "030 1234 5678"],  # German number written without +49
    )
    c = near_duplicates(leads, contacts_with(people), NO_ACCOUNTS).set_index("lead_id")
    assert set(c.index) == {"L1", "L2", "L3"}
    assert "name swap" in c.loc["L1", "explanation"]
    assert "name exact_key" in c.loc["L2", "explanation"]  # accents folded
    assert c.loc["L3", "route"] == "phone" and c.loc["L3", "method"] == "national"


def test_accounts_found_by_website_domain_or_phone_when_no_company_is_given() -> None:
    rng = np.random.default_rng(3)
    filler = [f"{_word(rng, 2)} {_word(rng, 3)} Holdings" for _ in range(500)]
    accounts = frame(
        id=["a1", "a2", "a3", *[f"x{k}" for k in range(500)]],
        Account_Name=["Kestrel Fjord AS", "Mirovan Brothers", "Lumo Freight", *filler],
        Website=["https://www.kestrelfjord.no/", None, None, *[None] * 500],
        Phone=[None, "+1 303 555 0144", None, *[None] * 500],
    )
    leads = frame(
        id=["L1", "L2", "L3", "L4"],
        Last_Name=["Berg", "Ruiz", "Okafor", "Ng"],
        Email=["ib@kestrelfjord.no", None, "okafor@gmail.com", "ng@kestrelfjord.no"],
        Phone=[None, "303-555-0144", None, None],
        Company=[None, None, None, "Lumo Freight"],
    )
    c = near_duplicates(leads, frame(id=[], Last_Name=[]), accounts, routes=["company"])
    assert pairs(c) == {("L1", "a1"), ("L2", "a2"), ("L4", "a3")}
    methods = dict(zip(c["lead_id"], c["method"], strict=True))
    assert methods == {"L1": "email_domain", "L2": "phone", "L4": "exact_key"}


def test_a_block_past_the_size_limit_is_split_or_reported(caplog: pytest.LogCaptureFixture) -> None:
    """A tiny limit: the phone block of 40 colleagues is split by surname sound, and what no
    finer key can split is reported (attrs and a warning), never dropped silently."""
    rng = np.random.default_rng(3)
    surnames = ["Lukavetz", *sorted({_word(rng, 3) for _ in range(80)} - {"Lukavetz"})[:39]]
    colleagues = frame(
        id=[f"s{k}" for k in range(40)],
        First_Name=["Teodor"] * 40,
        Last_Name=surnames,
        Phone=["+1 415 555 0000"] * 40,
    )
    lead = frame(id=["L1"], First_Name=["Teodor"], Last_Name=["Lukavetz"], Phone=["415 555 0000"])
    tiny = NearDupSettings(max_block_pairs=10)
    with caplog.at_level(logging.WARNING, logger="crmkit.neardup"):
        c = near_duplicates(lead, contacts_with(colleagues), NO_ACCOUNTS, settings=tiny)
    stats = pd.DataFrame(c.attrs["blocking"]).set_index("rule")
    assert stats.loc["phone tail 00", "split_blocks"] >= 1  # split, and the pair still found
    assert ("L1", "s0") in pairs(c)
    # One slip from "teodor" on one domain (every colleague's address, and the lead's): no
    # finer key splits that block, so it is reported.
    marks = "abcdefghijklmnopqrstuvwxyz0123456789"
    mails = colleagues.assign(
        Email=[f"teodor{marks[k % 36]}{k // 36 or ''}@lukavetz.example" for k in range(40)]
    )
    lead_mail = lead.assign(Email=["teodor_@lukavetz.example"])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="crmkit.neardup"):
        c = near_duplicates(lead_mail, contacts_with(mails), NO_ACCOUNTS, settings=tiny)
    stats = pd.DataFrame(c.attrs["blocking"])
    skipped = stats[stats["skipped_blocks"] > 0]
    assert len(skipped) and int(skipped["skipped_pairs"].sum()) > 10
    assert any("left out" in r.getMessage() for r in caplog.records)

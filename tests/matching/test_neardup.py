"""Near-duplicates: routes on hand-built pairs, quality on the planted sample set, shadow view."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.matching import predict, predict_data_dir, read_module_csv
from crmkit.neardup import NearDupSettings, near_duplicates, quality, shadow
from crmkit.normalize import first_name_links
from crmkit.sampledata import bundled_path


def frame(**cols: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


def pairs(c: pd.DataFrame, route: str) -> set[tuple[str, str]]:
    r = c[c["route"] == route]
    return set(zip(r["lead_id"], r["record_id"], strict=True))


def test_routes_find_variants_and_refuse_traps() -> None:
    leads = frame(
        id=["1", "2", "3", "4", "5", "6"],
        First_Name=["Bob", "Ann", None, "Sam", "Eve", "Max"],
        Last_Name=["Smith", "Lee", "Hayes", "Cox", "Ray", "Ito"],
        Phone=["(212) 555-0142", None, None, None, None, None],
        Email=[None, "a.n.n+crm@googlemail.com", None, "info@coxco.com", "eve@gmail.com", None],
        Company=["Acme (UK) Ltd", None, "Red Motos Ltd", None, "Solar Pharma", "The Beta Co."],
    )
    contacts = frame(
        id=["c1", "c2", "c3", "c4"],
        First_Name=["Robert", "Ann", "Samantha", "Zed"],
        Last_Name=["Smith", "Lee", "Cox", "Zed"],
        Phone=["+1 212 555 0142", None, None, None],
        Email=[None, "ann@gmail.com", "sam@other.com", "info@coxco.com"],
    )
    accounts = frame(
        id=["a1", "a2", "a3", "a4", "a5"],
        Account_Name=["ACME Limited", "Red Motors Ltd", "Polar Pharma", "Solar Energy", "Beta"],
        Website=[None, None, None, None, "www.beta.com"],
    )
    c = near_duplicates(leads, contacts, accounts)
    assert pairs(c, "phone") == {("1", "c1")}
    assert pairs(c, "email") == {("2", "c2")}  # role address info@ links nobody
    # One row per pair, its route the contact field that weighs most; the name still counts.
    # Sam = Samantha, but nothing else agrees (info@ is a role address): a namesake until
    # something does.
    assert pairs(c, "name") == set()
    bob = c[(c["lead_id"] == "1") & (c["module"] == "Contacts")].iloc[0]
    assert "name nickname +" in bob["explanation"] and "phone exact_key +" in bob["explanation"]
    # Suffix/brackets, a typo; "Solar" vs "Polar" are two established words, not a slip.
    assert pairs(c, "company") == {("1", "a1"), ("3", "a2"), ("6", "a5")}
    row = c[(c["route"] == "company") & (c["lead_id"] == "3")].iloc[0]
    assert (row["method"], row["lead_key"], row["record_key"]) == (
        "typo",
        "red motos",
        "red motors",
    )
    assert 0.89 < row["score"] < 1


def test_free_mail_domain_never_links_a_company() -> None:
    leads = frame(id=["1", "2"], Last_Name=["A", "B"], Email=["x@gmail.com", "y@beta.com"])
    accounts = frame(id=["a1", "a2"], Account_Name=["G", "Beta"], Website=["gmail.com", "beta.com"])
    c = near_duplicates(leads, frame(id=[], Last_Name=[]), accounts, routes=["company"])
    assert pairs(c, "company") == {("2", "a2")}


def test_exact_pairs_are_flagged_and_shadow_flags_new_duplicates() -> None:
    leads = frame(
        id=["1", "2"],
        First_Name=[None, "Al"],
        Last_Name=["Smith", "Jones"],
        Email=["bob@acme.com", None],
        Phone=[None, "212-555-0199"],
        Company=["Acme", None],
    )
    contacts = frame(
        id=["c1", "c2"],
        Last_Name=["Smith", "Jones"],
        Email=["BOB@acme.com", None],
        Phone=[None, "+12125550199"],
    )
    accounts = frame(id=["a1"], Account_Name=["Acme Inc"])
    pred = predict(leads, contacts, accounts)
    c = near_duplicates(leads, contacts, accounts, exact=pred.matches)
    email = c[c["route"] == "email"].iloc[0]
    assert bool(email["zoho_exact"]) is True  # Zoho already offers c1
    sh = shadow(pred.options, c, leads).set_index("lead_id")
    # Lead 1: Zoho offers c1 but no account; crmkit sees Acme Inc.
    assert bool(sh.loc["1", "new_duplicate_contact"]) is False
    assert bool(sh.loc["1", "new_duplicate_account"]) is True
    # Lead 2: Zoho offers nothing (phones compare as stored); crmkit finds c2 by phone.
    assert bool(sh.loc["2", "new_duplicate_contact"]) is True
    assert bool(sh.loc["2", "new_duplicate_account"]) is False  # no Company: no new Account
    assert sh.loc["2", "crmkit_routes"] == "phone"


def test_quality_recall_counts_only_the_pairs_own_route() -> None:
    """A pair planted under one route and found only by another is a miss of its route."""
    leads = frame(
        id=["1", "2"],
        First_Name=["Bob", "Ann"],
        Last_Name=["Smith", "Lee"],
        Email=["bob.smith1@acme.com", "ann.lee@beta.com"],
    )
    contacts = frame(
        id=["c1", "c2"],
        First_Name=["Robert", "Ann"],
        Last_Name=["Smith", "Lee"],
        Email=["bob.smith2@acme.com", "ann.leee@beta.com"],
    )
    c = near_duplicates(leads, contacts, frame(id=[], Account_Name=[]))
    # The email route refuses 1/c1 (the digits differ); the name route finds it (Bob = Robert).
    # One row per pair: 2/c2 is the email's (a slip of the same mailbox), though names agree too.
    assert pairs(c, "email") == {("2", "c2")}
    assert pairs(c, "name") == {("1", "c1")}
    truth = pd.DataFrame(
        {
            "lead_id": ["1", "2"],
            "module": ["Contacts", "Contacts"],
            "record_id": ["c1", "c2"],
            "route": ["email", "email"],
            "variant": ["typo", "typo"],
            "is_match": ["true", "true"],
        }
    )
    q = quality(c, truth).set_index("route")
    email = q.loc["email"]
    assert (email["planted"], email["found"], email["found_any"]) == (2, 1, 2)
    assert (email["recall"], email["recall_any"]) == (0.5, 1.0)
    assert email["precision"] == 1.0
    # Name proposes a true pair, though none was planted under it: no recall to speak of.
    name = q.loc["name"]
    assert (name["proposed"], name["true_pos"], name["planted"]) == (1, 1, 0)
    assert name["precision"] == 1.0 and pd.isna(name["recall"])


@pytest.mark.slow
def test_quality_on_the_planted_sample_set() -> None:
    root = bundled_path()
    leads, contacts, accounts = (
        read_module_csv(root / f"{m}.csv") for m in ("Leads", "Contacts", "Accounts")
    )
    pred = predict_data_dir(root)
    answered = pred.options.loc[pred.options["outcome"] != "error", "lead_id"]
    scope = leads[leads["id"].isin(answered)]
    cand = near_duplicates(scope, contacts, accounts, exact=pred.matches)
    truth = pd.read_csv(root / "near_duplicates_truth.csv", dtype="string")
    q = quality(cand, truth).set_index("route")
    assert set(q.index) == {"phone", "email", "name", "company"}
    for route, r in q.iterrows():
        assert r["precision"] >= 0.95, (route, r.to_dict())
        # Strict: the planted pairs of this route found by this route itself.
        assert r["recall"] >= 0.90, (route, r.to_dict())
        assert r["found"] <= r["found_any"] <= r["planted"], (route, r.to_dict())
    # Every labelled pair's lead is one Zoho answers (no pair falls outside the scope).
    assert truth["lead_id"].isin(answered).all()
    assert len(truth) == 522 and int(q["planted"].sum()) == (truth["is_match"] == "true").sum()
    # Role addresses shared by different people, namesakes, look-alike companies and one-letter
    # mailboxes are never proposed as the same person or company.
    negatives = truth[truth["is_match"] == "false"]
    proposed = cand.merge(negatives, on=["lead_id", "module", "record_id"])
    assert proposed.empty, proposed.to_string()


@pytest.mark.slow
def test_sample_quality_holds_what_it_reaches() -> None:
    """The figures the evidence-weighing matcher reaches on the bundled sample (docs/matching.md),
    computed from the truth file: precision per route, strict recall per route, no trap."""
    root = bundled_path()
    leads, contacts, accounts = (
        read_module_csv(root / f"{m}.csv") for m in ("Leads", "Contacts", "Accounts")
    )
    pred = predict_data_dir(root)
    answered = pred.options.loc[pred.options["outcome"] != "error", "lead_id"]
    cand = near_duplicates(
        leads[leads["id"].isin(answered)], contacts, accounts, exact=pred.matches
    )
    truth = pd.read_csv(root / "near_duplicates_truth.csv", dtype="string")
    q = quality(cand, truth).set_index("route")
    floors = {"company": 1.0, "email": 0.98, "phone": 0.92, "name": 0.93}
    for route, floor in floors.items():
        r = q.loc[route]
        assert r["precision"] == 1.0, (route, r.to_dict())
        assert r["recall"] >= floor, (route, r.to_dict())
    negatives = truth[truth["is_match"] == "false"]
    proposed = cand.merge(negatives, on=["lead_id", "module", "record_id"])
    assert proposed.empty, proposed.to_string()
    # Every pair says why: each field's level and weight, and a score that discriminates.
    assert cand["explanation"].str.contains(r"[+-]\d", regex=True).all()
    assert cand["score"].nunique() > 20 and cand["score"].between(0.5, 1.0).all()


def test_a_shared_switchboard_does_not_name_the_route_a_unique_phone_does() -> None:
    """Twelve colleagues on one switchboard: the lead who shares it and the name of one of them
    is found by the name (the phone agrees for all twelve); a lead whose phone is that contact's
    own is found by the phone."""
    switchboard = "+44 20 7946 0000"
    firsts = ["Ann", "Ben", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kim", "Lou"]
    contacts = frame(
        id=[f"c{k}" for k in range(len(firsts))] + ["own"],
        First_Name=[*firsts, "Nadia"],
        Last_Name=["Okafor", *[f"Person{k}" for k in range(1, len(firsts))], "Petrova"],
        Phone=[switchboard] * len(firsts) + ["+44 20 7946 0999"],
        Account_Name__name=["Harbour Freight Ltd"] * len(firsts) + [None],
    ).rename(columns={"Account_Name__name": "Account_Name.name"})
    leads = frame(
        id=["at_switchboard", "own_phone"],
        First_Name=["Ann", "Nadja"],
        Last_Name=["Okafor", "Petrova"],
        Phone=["020 7946 0000", "020 7946 0999"],
        Company=["Harbour Freight", None],
    )
    accounts = frame(id=["a1"], Account_Name=["Harbour Freight Ltd"])
    c = near_duplicates(leads, contacts, accounts, settings=NearDupSettings(region="GB"))
    people = c[c["module"] == "Contacts"]
    assert pairs(people, "name") == {("at_switchboard", "c0")}
    assert pairs(people, "phone") == {("own_phone", "own")}


def test_first_names_link_through_the_nicknames_package_not_through_a_third_name() -> None:
    links = first_name_links()
    assert "edward" in links.direct["ned"] and "alice" in links.direct["allie"]
    assert links.first_form("ned") == "edward"
    assert links.first_form("robert") == "robert"  # a formal name stays itself
    # names.csv lists some rows both ways (robert/bob, bob/robert) and ann as short for
    # roseann: a formal name takes no formal forms from it, so no third name joins two people.
    assert not {"robert", "william"} & set(links.formal.get("bill", ())) - {"william"}
    assert "roseann" not in links.formal.get("ann", ())


def test_a_nickname_the_list_knows_links_at_the_contacts_account_only() -> None:
    leads = frame(
        id=["1", "2"],
        First_Name=["Ned", "Allie"],
        Last_Name=["Ross", "Holmes"],
        Email=["ned_ross684@gmail.com", None],
        Company=["Acme Brewing Corp", "Zenith Studios"],
    )
    contacts = frame(
        id=["c1", "c2"],
        First_Name=["Edward", "Alice"],
        Last_Name=["Ross", "Holmes"],
        Email=["edward.ross@acmebrewing.com", "alice.holmes@onyxlogistics.com"],
        **{"Account_Name.name": ["Acme Brewing Corp", "Onyx Logistics Corp"]},
    )
    c = near_duplicates(leads, contacts, frame(id=[], Account_Name=[]))
    # Ned = Edward at his own company; Allie = Alice by name alone, elsewhere: a namesake.
    assert pairs(c, "name") == {("1", "c1")}
    assert "name nickname +" in c.iloc[0]["explanation"]


def test_an_own_address_outweighs_a_first_name_no_list_knows() -> None:
    leads = frame(
        id=["1", "2"],
        First_Name=["Izzy", "Frederikke"],
        Last_Name=["Sanchez", "Dahl"],
        Email=["isabella.sanchez102+crm@gmail.com", "Ventas@bechinstallatie.dk"],
    )
    contacts = frame(
        id=["c1", "c2", "c3"],
        First_Name=["Isabella", "Jack", "Mia"],
        Last_Name=["Sanchez", "Dahl", "Holm"],
        Email=[
            "isabella.sanchez102@gmail.com",
            "ventas@bechinstallatie.dk",
            "ventas@bechinstallatie.dk",
        ],
    )
    c = near_duplicates(leads, contacts, frame(id=[], Account_Name=[]))
    # One personal address and the surname: the first-name difference weighs, it does not veto.
    # A mailbox three records use is shared: Frederikke and Jack Dahl stay two people.
    assert pairs(c, "email") == {("1", "c1")}
    assert "name first_name_differs -" in c.iloc[0]["explanation"]
    assert set(c["lead_id"]) == {"1"}


def background(prefix: str, firsts: list[str], lasts: list[str]) -> pd.DataFrame:
    """People who match nobody: an org's bulk, so chance agreement is estimated on more than
    the pairs under test (u of a level that is rare among real candidates)."""
    people = [(f, last) for f in firsts for last in lasts]
    return frame(
        id=[f"{prefix}{k}" for k in range(len(people))],
        First_Name=[f for f, _ in people],
        Last_Name=[last for _, last in people],
        Email=[f"{f}.{last}@{last}{k}.com".lower() for k, (f, last) in enumerate(people)],
    )


def test_an_email_slip_weighs_beside_similar_first_names_two_own_mailboxes_do_not() -> None:
    leads = frame(
        id=["1", "2", "3"],
        First_Name=["Jonty", "Eric", "Albina"],
        Last_Name=["Long", "Hartman", "Rey"],
        Email=["jonathn.long@outlook.com", "ehartman@alturapharma.com", "arey@sevillabouw.es"],
        Company=[None, "Altura Pharma", "Sevilla Bouw S.L."],
    )
    contacts = frame(
        id=["c1", "c2", "c3"],
        First_Name=["Jonathan", "Jessica", "Olalla"],
        Last_Name=["Long", "Hartman", "Rey"],
        Email=["jonathan.long@outlook.com", "jhartman@alturapharma.com", "orey@sevillabouw.es"],
        **{"Account_Name.name": ["Nova Systems PLC", "Altura Pharma", "Sevilla Bouw S.L."]},
    )
    firsts = ["Amy", "Ben", "Cleo", "Dov", "Eli", "Fay", "Gus", "Hal"]
    leads = pd.concat([leads, background("l", firsts, ["Abbott", "Baird", "Cole"])])
    contacts = pd.concat([contacts, background("b", firsts, ["Drake", "Ennis", "Frost"])])
    c = near_duplicates(leads, contacts, frame(id=[], Account_Name=[]))
    # Jonty/Jonathan: "jonathn.long" spells neither own name, a slip of Jonathan's mailbox.
    # ehartman@ beside jhartman@ (arey@ beside orey@, too short to be a slip) spell their
    # owners' own initials: two colleagues' mailboxes at one company, whatever it says.
    assert pairs(c, "email") == {("1", "c1")}
    assert "name first_name_similar" in c.iloc[0]["explanation"]
    assert set(c["lead_id"]) == {"1"}


def test_a_switchboard_says_where_someone_works_not_who_they_are() -> None:
    board = "+1 212 555 0100"
    leads = frame(
        id=["1"], First_Name=["Bob"], Last_Name=["Smith"], Phone=[board], Company=["Acme Inc"]
    )
    contacts = frame(
        id=["c1", "c2", "c3"],
        First_Name=["Robert", "Jane", "Omar"],
        Last_Name=["Smith", "Doe", "Haddad"],
        Phone=["(212) 555-0100", "212.555.0100", "212-555-0100"],
        **{"Account_Name.name": ["Acme Inc"] * 3},
    )
    c = near_duplicates(leads, contacts, frame(id=[], Account_Name=[]))
    # The number and the company agree with every colleague; the name tells which one.
    assert pairs(c, "name") == {("1", "c1")} and pairs(c, "phone") == set()
    assert set(c["record_id"]) == {"c1"}

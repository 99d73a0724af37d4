"""The leads of the independent labelled org, one kind at a time (bench/independent_org.py).

Each planter adds one lead and its labels, or returns False when the org holds nothing it can
use (then a newcomer takes its place). Variants are the ways people really re-enter themselves:
their address in another case, their number in another format or without the country code, a
nickname, a spelling, an initial, swapped name fields, accents added or dropped; their company
with a typo or another spelling of its legal form, or only its domain or switchboard.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from independent_lists import NICKNAMES, SECTORS, SPELLINGS
from independent_people import fold, other_style, slug, transliterate, typo, written

if TYPE_CHECKING:
    from independent_org import Org

Record = dict[str, Any]
_SPELLING_OF = {name: group for group in SPELLINGS for name in group}


# ---------------------------------------------------------------------------------- companies
def company_as(org: Org, account: Record, kind: str) -> tuple[str, str]:
    """How a person writes the account's name: (text, the variant it really is)."""
    name, base, form = account["Account_Name"], account["_base"], account["_form"]
    forms = account["_country"].legal_forms
    suffix = f" {forms[form][0]}" if form >= 0 else ""
    if kind == "legal_form":
        if form < 0:
            return f"{base} {org.rng.choice(forms)[0]}", kind
        spelling = org.rng.choice([*forms[form][1:], ""])
        return (f"{base} {spelling}" if spelling else base), kind
    if kind == "typo":
        return typo(base, org.rng) + suffix, kind
    if kind == "accents" and fold(name) != name:
        return org.rng.choice((fold, transliterate))(name), kind
    choices = [name.upper(), name.lower()]
    if "&" in name:
        choices.append(name.replace("&", org.rng.choice(("and", "und", "et", "y"))))
    if "." in name:
        choices.append(name.replace(".", ""))
    if kind in ("case_punct", "accents"):
        return org.rng.choice(choices), "case_punct"
    return name, "exact"


def _company_kind(org: Org) -> str:
    return org.rng.choices(("exact", "legal_form", "typo", "case_punct", "accents"),
                           weights=(40, 20, 20, 12, 8))[0]  # fmt: skip


def _give_company(org: Org, lead: Record, account: Record | None) -> None:
    if account is None:
        return
    lead["Company"], variant = company_as(org, account, _company_kind(org))
    org.label(lead, "Accounts", account["id"], "company", variant, True)


def _switchboard_negatives(org: Org, lead: Record, account: Record, skip: str = "") -> None:
    """Colleagues recorded with the account's switchboard are not the lead's person."""
    sharing = [c for c in account["_contacts"] if c["Phone"] == account["Phone"]]
    for c in sharing[:30]:
        if c["id"] != skip:
            org.label(lead, "Contacts", c["id"], "phone", "switchboard", False)


def _switchboard(org: Org, account: Record) -> str:
    country = account["_country"]
    return written(country, account["_nsn"], other_style(country, account["_style"], org.rng))


# ------------------------------------------------------------------------------------ people
def name_variant(org: Org, c: Record, kind: str) -> tuple[str, str] | None:
    """The contact's name as the person typed it this time, or None if `kind` cannot apply."""
    first, last = c["First_Name"], c["Last_Name"]
    if kind == "nickname":
        nicks = NICKNAMES.get(first) or NICKNAMES.get(c["_first"])
        return (org.rng.choice(nicks), last) if nicks else None
    if kind == "spelling":
        if first in _SPELLING_OF:
            return org.rng.choice([s for s in _SPELLING_OF[first] if s != first]), last
        if last in _SPELLING_OF:
            return first, org.rng.choice([s for s in _SPELLING_OF[last] if s != last])
        return None
    if kind == "initial":
        return (f"{first[0]}." if org.rng.random() < 0.7 else first[0], last) if first else None
    if kind == "swap":
        return (last, first) if first and last and first != last else None
    if kind == "accents":
        original = f"{c['_first']} {c['_last']}"
        if fold(original) == original:
            return None
        if f"{first} {last}" != original:  # the CRM holds it without accents: the lead adds them
            return c["_first"], c["_last"]
        strip = org.rng.choice((fold, transliterate))
        return strip(first), strip(last)
    if kind == "case":
        return (first.upper(), last.upper()) if org.rng.random() < 0.5 else (
            first.lower(), last.lower())  # fmt: skip
    if kind == "typo":
        return (first, typo(last, org.rng)) if len(last) >= 4 else None
    raise ValueError(kind)


def _dup_name_as_given(org: Org, c: Record) -> tuple[str, str]:
    """A duplicate's name when the name is not the point: mostly as recorded, sometimes cased."""
    if org.rng.random() < 0.8:
        return c["First_Name"], c["Last_Name"]
    return name_variant(org, c, "case") or (c["First_Name"], c["Last_Name"])


def _new_mobile(org: Org, lead: Record, country: Any) -> None:
    nsn = org.phones.new(country, "mobile")
    lead["Mobile"] = written(country, nsn, other_style(country, "", org.rng))


# ----------------------------------------------------------------------------------- planters
class Planters:
    """One method per lead kind; eligible records are listed once, lazily."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.rng = org.rng
        self._cache: dict[str, list[Any]] = {}
        self._name_kinds = itertools.cycle(
            ("nickname", "spelling", "initial", "swap", "accents", "case", "typo")
        )

    def eligible(self, key: str, make: Callable[[], list[Any]]) -> list[Any]:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def pick(self, key: str, make: Callable[[], list[Any]]) -> Any | None:
        pool = self.eligible(key, make)
        return self.rng.choice(pool) if pool else None

    def dup_email(self) -> bool:
        c = self.pick("email", lambda: [c for c in self.org.contacts if c["Email"] and
                                        not c["_role"]])  # fmt: skip
        if c is None:
            return False
        lead = self.org.new_lead(c["_country"], *_dup_name_as_given(self.org, c))
        local, domain = c["Email"].split("@")
        variant = self.rng.choices(("email_exact", "email_case", "email_spaces"), (2, 5, 3))[0]
        if variant == "email_case":
            lead["Email"] = self.rng.choice((
                f"{'.'.join(p.capitalize() for p in local.split('.'))}@{domain.capitalize()}",
                c["Email"].upper(), f"{local}@{domain.upper()}"))  # fmt: skip
        elif variant == "email_spaces":
            lead["Email"] = f" {local}@{domain.upper()} "
        else:
            lead["Email"] = c["Email"]
        if self.rng.random() < 0.5:
            _new_mobile(self.org, lead, c["_country"])
        self.org.label(lead, "Contacts", c["id"], "email", variant, True)
        _give_company(self.org, lead, c["_account"])
        return True

    def dup_phone(self) -> bool:
        c = self.pick("phone", lambda: [c for c in self.org.contacts if c["_direct"] or
                                        c["_mobile"]])  # fmt: skip
        if c is None:
            return False
        country = c["_country"]
        lead = self.org.new_lead(country, *_dup_name_as_given(self.org, c))
        nsn = c["_direct"] if c["_direct"] and (not c["_mobile"] or self.rng.random() < 0.5) else (
            c["_mobile"])  # fmt: skip
        foreign = country.calling != "1"
        variant = "phone_no_cc" if foreign and self.rng.random() < 0.5 else "phone_format"
        style = "national" if variant == "phone_no_cc" else other_style(country, "", self.rng)
        lead["Phone" if self.rng.random() < 0.5 else "Mobile"] = written(country, nsn, style)
        if self.rng.random() < 0.5:
            lead["Email"] = self.org.free_email(c["_first"], c["_last"], country)
        self.org.label(lead, "Contacts", c["id"], "phone", variant, True)
        _give_company(self.org, lead, c["_account"])
        return True

    def dup_name(self) -> bool:
        kind = next(self._name_kinds)
        pool = self.eligible("at_account", lambda: [c for c in self.org.contacts if c["_account"]])
        for c in (self.rng.choice(pool) for _ in range(60 if pool else 0)):
            given = name_variant(self.org, c, kind)
            if given is not None:
                break
        else:
            return False
        account, country = c["_account"], c["_country"]
        lead = self.org.new_lead(country, *given)
        roll = self.rng.random()
        if roll < 0.3 and account["_nsn"]:
            lead["Phone"] = _switchboard(self.org, account)
            _switchboard_negatives(self.org, lead, account, skip=c["id"])
        elif roll < 0.5:
            _new_mobile(self.org, lead, country)
        if self.rng.random() < 0.4:
            lead["Email"] = self.org.free_email(c["_first"], c["_last"], country)
        self.org.label(lead, "Contacts", c["id"], "name", kind, True)
        _give_company(self.org, lead, account)
        return True

    def colleague(self) -> bool:
        """Someone new at an existing account: the company pair is the only true one."""
        org, account = self.org, self.rng.choice(self.org.accounts)
        kind = self.rng.choices(
            ("exact", "legal_form", "typo", "case_punct", "accents", "website_domain",
             "account_phone"), weights=(25, 15, 15, 10, 5, 15, 15))[0]  # fmt: skip
        if (kind == "website_domain" and not account["_domain"]) or (
            kind == "account_phone" and not account["_nsn"]
        ):
            kind = "exact"
        country = account["_country"]
        first, last = org.fresh_name(country, account)
        org.names_at.add((id(account), first.lower(), last.lower()))
        lead = org.new_lead(country, first, last)
        if kind == "account_phone":
            lead["Phone"] = _switchboard(org, account)
            if self.rng.random() < 0.5:
                lead["Email"] = org.free_email(first, last, country)
            variant = kind
        elif kind == "website_domain":
            lead["Email"] = org.work_email(first, last, account["_pattern"], account["_domain"])
            variant = kind
        else:
            lead["Company"], variant = company_as(org, account, kind)
            if account["_domain"] and self.rng.random() < 0.7:
                lead["Email"] = org.work_email(first, last, account["_pattern"], account["_domain"])
            if account["_nsn"] and self.rng.random() < 0.35:
                lead["Phone"] = _switchboard(org, account)
        if lead["Phone"]:
            _switchboard_negatives(org, lead, account)
        org.label(lead, "Accounts", account["id"], "company", variant, True)
        return True

    def similar_local(self) -> bool:
        """A colleague whose address is one letter from a contact's (andreash@, andreasm@)."""
        org = self.org

        def make() -> list[Any]:
            return [c for c in org.contacts if c["_account"] and c["_account"]["_pattern"] in
                    ("firstl", "flast") and c["Email"].endswith("@" + c["_account"]["_domain"])
                    and not c["_role"]]  # fmt: skip

        c = self.pick("similar", make)
        if c is None:
            return False
        account, country = c["_account"], c["_country"]
        for _ in range(30):
            first, last = org.person(country)
            if account["_pattern"] == "firstl":
                first = c["_first"]
                ok = slug(last)[:1] != slug(c["_last"])[:1]
            else:
                last = c["_last"]
                ok = slug(first)[:1] != slug(c["_first"])[:1]
            if ok and (id(account), first.lower(), last.lower()) not in org.names_at:
                break
        else:
            return False
        org.names_at.add((id(account), first.lower(), last.lower()))
        lead = org.new_lead(country, first, last)
        lead["Email"] = org.work_email(first, last, account["_pattern"], account["_domain"])
        lead["Company"] = account["Account_Name"]
        org.label(lead, "Accounts", account["id"], "company", "exact", True)
        org.label(lead, "Contacts", c["id"], "email", "similar_local", False)
        return True

    def family(self) -> bool:
        """A family member on the home phone another member's contact record holds."""
        org = self.org

        def make() -> list[Any]:
            homes: dict[str, list[Record]] = {}
            for c in org.contacts:
                if c["_home"]:
                    homes.setdefault(c["_home"], []).append(c)
            return list(homes.values())

        members = self.pick("families", make)
        if members is None:
            return False
        country, last = members[0]["_country"], members[0]["_last"]
        taken = {m["_first"] for m in members}
        first = next((f for f, _ in (org.person(country) for _ in range(20)) if f not in taken),
                     None)  # fmt: skip
        if first is None:
            return False
        lead = org.new_lead(country, first, last)
        style = "national" if self.rng.random() < 0.3 else other_style(country, "", self.rng)
        lead["Phone"] = written(country, members[0]["_home"], style)
        if self.rng.random() < 0.5:
            lead["Email"] = org.free_email(first, last, country)
        for m in members:
            org.label(lead, "Contacts", m["id"], "phone", "family_phone", False)
        return True

    def namesake(self) -> bool:
        """Someone with a contact's name (or its nickname) at another company."""
        org = self.org
        c = self.rng.choice(org.contacts) if org.contacts else None
        if c is None:
            return False
        first = c["First_Name"]
        if c["First_Name"] in NICKNAMES and self.rng.random() < 0.3:
            first = self.rng.choice(NICKNAMES[c["First_Name"]])
        country, last = c["_country"], c["Last_Name"]
        other = self.rng.choice(org.accounts)
        clash = (id(other), first.lower(), last.lower()) in org.names_at
        if other is c["_account"] or clash or self.rng.random() < 0.4:
            other = None
        lead = org.new_lead(country, first, last)
        if other is not None:
            org.names_at.add((id(other), first.lower(), last.lower()))
            if other["_domain"]:
                lead["Email"] = org.work_email(first, last, other["_pattern"], other["_domain"])
            lead["Company"] = other["Account_Name"]
            org.label(lead, "Accounts", other["id"], "company", "exact", True)
        else:
            lead["Email"] = org.free_email(first, last, country)
        if self.rng.random() < 0.5:
            _new_mobile(org, lead, country)
        org.label(lead, "Contacts", c["id"], "name", "namesake", False)
        return True

    def role_mailbox(self) -> bool:
        """A new person writing from the role address colleagues share (sales@, info@ …)."""
        org = self.org
        account = self.pick("roles", lambda: [a for a in org.accounts if a["_roles"]])
        if account is None:
            return False
        address, holders = self.rng.choice(account["_roles"])
        country = account["_country"]
        first, last = org.fresh_name(country, account)
        org.names_at.add((id(account), first.lower(), last.lower()))
        lead = org.new_lead(country, first, last)
        lead["Email"] = address if self.rng.random() < 0.7 else address.capitalize()
        _give_company(org, lead, account)
        for c in holders:
            org.label(lead, "Contacts", c["id"], "email", "role_mailbox", False)
        return True

    def lookalike(self) -> bool:
        """A different company whose name differs from an account's by one word."""
        org = self.org
        account = self.rng.choice(org.accounts) if org.accounts else None
        if account is None:
            return False
        words = account["_base"].split(" ")
        spots = [i for i, w in enumerate(words) if w in SECTORS]
        for _ in range(10):
            other = self.rng.choice(SECTORS)
            new = list(words)
            if spots:
                new[self.rng.choice(spots)] = other
            else:
                new.append(other)
            base = " ".join(new)
            if slug(base) not in org.bases:
                break
        else:
            return False
        org.bases.add(slug(base))
        country = account["_country"]
        form = account["_form"]
        first, last = org.person(country)
        lead = org.new_lead(country, first, last)
        lead["Company"] = f"{base} {country.legal_forms[form][0]}" if form >= 0 else base
        lead["Email"] = org.work_email(first, last, "first.last", f"{slug(base)}.{country.tld}")
        org.label(lead, "Accounts", account["id"], "company", "lookalike", False)
        return True

    def newcomer(self) -> bool:
        org = self.org
        country = org.country()
        first, last = org.person(country)
        lead = org.new_lead(country, first, last)
        if self.rng.random() < 0.5:
            base = org.new_base(country)
            lead["Company"] = base
            lead["Email"] = org.work_email(first, last, "first.last", f"{slug(base)}.{country.tld}")
        else:
            lead["Email"] = org.free_email(first, last, country)
        if self.rng.random() < 0.5:
            _new_mobile(org, lead, country)
        return True


def plant_leads(org: Org, n: int) -> None:
    """`n` leads: each kind's share of LEAD_SHARES, the rest newcomers."""
    from independent_org import LEAD_SHARES

    planters = Planters(org)
    for kind, share in LEAD_SHARES.items():
        plant = getattr(planters, kind)
        for _ in range(round(share * n)):
            if len(org.leads) < n and not plant():
                planters.newcomer()
    while len(org.leads) < n:
        planters.newcomer()

"""A labelled org built independently of crmkit, to measure near-duplicate matching honestly.

crmkit's sample generator plants its near-duplicates with rules written beside crmkit's matcher;
scores on those labels flatter the matcher. This builder shares no code or word lists with crmkit
(it imports nothing from crmkit): names come from Faker's per-locale data with a frequency skew,
countries' legal forms, number plans and mail habits from bench/independent_lists.py. It writes
a data directory in the sandbox's format (Leads.csv, Contacts.csv, Accounts.csv, org.json) and
`near_duplicates_truth.csv` (`lead_id, module, record_id, route, variant, is_match`), the same
columns as the sample's truth, so `crmkit.neardup.quality` reads both.

Every lead is planted as one kind (docs/labelled-data.md): a duplicate of a contact by email,
phone or name (with the variants people produce), a colleague at an existing account (company
written with typos, legal-form variants, or only the account's domain or phone), or a hard
negative (a colleague on the switchboard, a family member on the home phone, a namesake, a shared
role mailbox, a look-alike company) or a newcomer. True pairs are `is_match=true`; the hard
negatives' tempting pairs are listed with `is_match=false`; anything else a matcher proposes is
false by construction (contacts are distinct people, accounts distinct companies).

    python bench/independent_org.py DIR --leads 20000 --contacts 200000 --accounts 60000
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from independent_lists import (
    BRANDS,
    COUNTRIES,
    EMAIL_PATTERNS,
    INDUSTRIES,
    ROLE_MAILBOXES,
    SECTORS,
    TITLES,
    Country,
)
from independent_people import (
    NamePool,
    PhoneBook,
    fold,
    name_pool,
    slug,
    stored_style,
    written,
)

LEAD_BASE = 5_510_000_001_000_000_000
CONTACT_BASE = 5_510_000_002_000_000_000
ACCOUNT_BASE = 5_510_000_003_000_000_000
USER_BASE = 5_510_000_000_000_000_001
TRUTH_COLUMNS = ("lead_id", "module", "record_id", "route", "variant", "is_match")
LEAD_COLUMNS = ("id", "First_Name", "Last_Name", "Full_Name", "Email", "Phone", "Mobile",
                "Company", "Designation", "Lead_Source", "Country", "City", "Owner.id",
                "Owner.name", "Created_Time")  # fmt: skip
CONTACT_COLUMNS = ("id", "First_Name", "Last_Name", "Full_Name", "Email", "Phone", "Mobile",
                   "Title", "Account_Name.id", "Account_Name.name", "Mailing_Country",
                   "Mailing_City", "Owner.id", "Owner.name", "Created_Time")  # fmt: skip
ACCOUNT_COLUMNS = ("id", "Account_Name", "Phone", "Website", "Industry", "Billing_Country",
                   "Billing_City", "Owner.id", "Owner.name", "Created_Time")  # fmt: skip
# Share of leads planted as each kind; the rest are newcomers. Order is the planting order.
LEAD_SHARES = {
    "dup_email": 0.07, "dup_phone": 0.07, "dup_name": 0.09, "colleague": 0.15,
    "similar_local": 0.02, "family": 0.03, "namesake": 0.05, "role_mailbox": 0.02,
    "lookalike": 0.03,
}  # fmt: skip
NAME_VARIANTS = ("nickname", "spelling", "initial", "swap", "accents", "case", "typo")
COMPANY_VARIANTS = ("exact", "legal_form", "typo", "case_punct", "accents")
BLANK_COMPANY_VARIANTS = ("website_domain", "account_phone")


class Org:
    """The org while it is built: column lists per module, the truth, and what was handed out."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.phones = PhoneBook(self.rng)
        self.pools = {c.code: name_pool(c.locale, seed) for c in COUNTRIES}
        self.by_code = {c.code: c for c in COUNTRIES}
        self.emails: set[str] = set()
        self.accounts: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.leads: list[dict[str, Any]] = []
        self.truth: list[tuple[str, str, str, str, str, bool]] = []
        self.bases: set[str] = set()
        self.names_at: set[tuple[int, str, str]] = set()  # (account, first, last) in use
        self._drawn: dict[str, list[tuple[str, str]]] = {}
        self.users = self._users()

    # ------------------------------------------------------------------------ small helpers
    def _users(self) -> list[dict[str, str]]:
        pool = self.pools["US"]
        out = []
        for i in range(8):
            first, last = str(pool.first[i * 7 % len(pool.first)]), str(pool.last[i * 11])
            out.append({"id": str(USER_BASE + i), "first_name": first, "last_name": last,
                        "full_name": f"{first} {last}", "email": f"{slug(first)}@crmorg.test",
                        "role": "Sales Representative", "profile": "Standard",
                        "status": "active"})  # fmt: skip
        return out

    def country(self) -> Country:
        weights = [c.weight for c in COUNTRIES]
        return self.rng.choices(COUNTRIES, weights=weights)[0]

    def person(self, country: Country) -> tuple[str, str]:
        """A first and last name of the country, drawn by frequency (in batches: numpy is
        slow one draw at a time)."""
        buffer = self._drawn.get(country.code)
        if not buffer:
            pool: NamePool = self.pools[country.code]
            firsts = self.np.choice(pool.first, size=2048, p=pool.first_p)
            lasts = self.np.choice(pool.last, size=2048, p=pool.last_p)
            buffer = self._drawn[country.code] = [
                (str(f), str(s)) for f, s in zip(firsts, lasts, strict=True)
            ]
        return buffer.pop()

    def unique_email(self, local: str, domain: str) -> str:
        candidate, n = f"{local}@{domain}", 1
        while candidate.lower() in self.emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.emails.add(candidate.lower())
        return candidate

    def work_email(self, first: str, last: str, pattern: str, domain: str) -> str:
        f, s = slug(first) or "x", slug(last) or "x"
        local = {
            "first.last": f"{f}.{s}", "flast": f"{f[0]}{s}", "first": f, "firstl": f"{f}{s[0]}",
            "first_last": f"{f}_{s}",
        }[pattern]  # fmt: skip
        return self.unique_email(local, domain)

    def free_email(self, first: str, last: str, country: Country) -> str:
        f, s = slug(first) or "x", slug(last) or "x"
        local = self.rng.choice((f"{f}.{s}", f"{f}{s}", f"{f}_{s}", f"{s}.{f}", f"{f[0]}{s}"))
        if self.rng.random() < 0.4:
            local += str(self.rng.randint(1, 99))
        return self.unique_email(local, self.rng.choice(country.free_mail))

    def owner(self, i: int) -> dict[str, str]:
        u = self.users[i % len(self.users)]
        return {"Owner.id": u["id"], "Owner.name": u["full_name"]}

    def label(self, lead: dict[str, Any], module: str, record: str, route: str, variant: str,
              is_match: bool) -> None:  # fmt: skip
        self.truth.append((lead["id"], module, record, route, variant, is_match))

    # ------------------------------------------------------------------------------ accounts
    def new_base(self, country: Country) -> str:
        while True:
            last = self.person(country)[1]
            form = self.rng.random()
            if form < 0.4:
                base = f"{last} {self.rng.choice(SECTORS)}"
            elif form < 0.7:
                base = f"{self.rng.choice(BRANDS)} {self.rng.choice(SECTORS)}"
            elif form < 0.85:
                base = f"{last} & {self.person(country)[1]}"
            else:
                base = f"{self.rng.choice(BRANDS)} {last} {self.rng.choice(SECTORS)}"
            if slug(base) not in self.bases:
                self.bases.add(slug(base))
                return base

    def add_accounts(self, n: int) -> None:
        for i in range(n):
            country = self.country()
            base = self.new_base(country)
            form = self.rng.randrange(len(country.legal_forms)) if self.rng.random() < 0.8 else -1
            name = f"{base} {country.legal_forms[form][0]}" if form >= 0 else base
            domain = f"{slug(base)}.{country.tld}"
            site = self.rng.random() < 0.85
            nsn = self.phones.new(country, "fixed") if self.rng.random() < 0.85 else ""
            style = stored_style(country, self.rng)
            self.accounts.append({
                "id": str(ACCOUNT_BASE + i), "Account_Name": name,
                "Phone": written(country, nsn, style) if nsn else "",
                "Website": self.rng.choice((f"www.{domain}", f"https://{domain}", domain))
                if site else "",
                "Industry": self.rng.choice(INDUSTRIES), "Billing_Country": country.code,
                "Billing_City": self.rng.choice(country.cities), **self.owner(i),
                "Created_Time": _time(i),
                # builder-only facts, not written
                "_country": country, "_base": base, "_form": form,
                "_domain": domain if site else "",
                "_nsn": nsn, "_style": style, "_pattern": self.rng.choice(EMAIL_PATTERNS),
                "_contacts": [], "_roles": [],
            })  # fmt: skip

    # ------------------------------------------------------------------------------ contacts
    def add_contact(self, account: dict[str, Any] | None, country: Country, first: str,
                    last: str, **fields: Any) -> dict[str, Any]:  # fmt: skip
        i = len(self.contacts)
        legacy = self.rng.random() < 0.08  # an older system stored names without accents
        shown_first, shown_last = (fold(first), fold(last)) if legacy else (first, last)
        rec = {
            "id": str(CONTACT_BASE + i), "First_Name": shown_first, "Last_Name": shown_last,
            "Full_Name": f"{shown_first} {shown_last}".strip(), "Email": "", "Phone": "",
            "Mobile": "", "Title": self.rng.choice(TITLES),
            "Account_Name.id": account["id"] if account else "",
            "Account_Name.name": account["Account_Name"] if account else "",
            "Mailing_Country": country.code if self.rng.random() < 0.6 else "",
            "Mailing_City": self.rng.choice(country.cities), **self.owner(i),
            "Created_Time": _time(i), "_country": country, "_first": first, "_last": last,
            "_account": account, "_direct": "", "_mobile": "", "_home": "", "_role": "",
        }  # fmt: skip
        rec.update(fields)
        self.contacts.append(rec)
        if account is not None:
            account["_contacts"].append(rec)
            self.names_at.add((id(account), first.lower(), last.lower()))
        return rec

    def fresh_name(self, country: Country, account: dict[str, Any] | None) -> tuple[str, str]:
        """A person not already at this account under the same name."""
        for _ in range(20):
            first, last = self.person(country)
            if account is None or (id(account), first.lower(), last.lower()) not in self.names_at:
                return first, last
        return first, f"{last}-{self.person(country)[1]}"

    def add_contacts(self, n: int) -> None:
        n_family = max(1, n // 40)  # contacts in families, sharing a home phone
        sizes = 1.0 / (np.arange(len(self.accounts)) + 3.0) ** 0.9
        order = self.np.permutation(len(self.accounts))
        weights = np.empty(len(self.accounts))
        weights[order] = sizes
        n_work = n - n_family
        picks = self.np.choice(len(self.accounts), size=n_work, p=weights / weights.sum())
        for k in picks[: int(n_work * 0.88)]:
            self._work_contact(self.accounts[int(k)])
        for _ in range(n_work - int(n_work * 0.88)):
            country = self.country()
            first, last = self.fresh_name(country, None)
            c = self.add_contact(None, country, first, last)
            self._personal_channels(c, country)
        target = len(self.contacts) + n_family
        while len(self.contacts) < target:
            self._family(min(target - len(self.contacts), self.rng.randint(2, 4)))
        self._role_mailboxes()

    def _work_contact(self, account: dict[str, Any]) -> None:
        country = account["_country"] if self.rng.random() < 0.92 else self.country()
        first, last = self.fresh_name(country, account)
        c = self.add_contact(account, country, first, last)
        roll = self.rng.random()
        if account["_domain"] and roll < 0.8:
            c["Email"] = self.work_email(first, last, account["_pattern"], account["_domain"])
        elif roll < 0.9:
            c["Email"] = self.free_email(first, last, country)
        roll = self.rng.random()
        if account["_nsn"] and roll < 0.45:
            c["Phone"] = account["Phone"]  # the switchboard, shared with colleagues
        elif roll < 0.75:
            c["_direct"] = self.phones.new(country, "fixed")
            c["Phone"] = written(country, c["_direct"], stored_style(country, self.rng))
        if self.rng.random() < 0.55:
            c["_mobile"] = self.phones.new(country, "mobile")
            c["Mobile"] = written(country, c["_mobile"], stored_style(country, self.rng))

    def _personal_channels(self, c: dict[str, Any], country: Country) -> None:
        if self.rng.random() < 0.7:
            c["Email"] = self.free_email(c["_first"], c["_last"], country)
        if self.rng.random() < 0.6:
            c["_mobile"] = self.phones.new(country, "mobile")
            c["Mobile"] = written(country, c["_mobile"], stored_style(country, self.rng))

    def _family(self, size: int) -> None:
        country = self.country()
        last = self.person(country)[1]
        home = self.phones.new(country, "fixed")
        phone = written(country, home, stored_style(country, self.rng))
        seen: set[str] = set()
        for _ in range(size):
            first = self.person(country)[0]
            if first in seen:
                continue
            seen.add(first)
            c = self.add_contact(None, country, first, last, Phone=phone, _home=home)
            if self.rng.random() < 0.6:
                c["Email"] = self.free_email(first, last, country)

    def _role_mailboxes(self) -> None:
        """Colleagues recorded with one shared address (sales@, info@ …) instead of their own."""
        big = [a for a in self.accounts if a["_domain"] and len(a["_contacts"]) >= 3]
        for a in self.rng.sample(big, k=min(len(big), max(1, len(self.accounts) // 50))):
            role = self.rng.choice(ROLE_MAILBOXES)
            address = f"{role}@{a['_domain']}"
            if address in self.emails:
                continue
            self.emails.add(address)
            holders = self.rng.sample(a["_contacts"], k=2)
            for c in holders:
                c["Email"], c["_role"] = address, address
            a["_roles"].append((address, holders))

    # --------------------------------------------------------------------------------- leads
    def new_lead(self, country: Country, first: str, last: str) -> dict[str, Any]:
        i = len(self.leads)
        rec = {
            "id": str(LEAD_BASE + i), "First_Name": first, "Last_Name": last, "Email": "",
            "Phone": "", "Mobile": "", "Company": "", "Designation": self.rng.choice(TITLES),
            "Lead_Source": self.rng.choice(("Web Form", "Trade Show", "Referral", "Cold Call")),
            "Country": country.code if self.rng.random() < 0.5 else "",
            "City": self.rng.choice(country.cities), **self.owner(i), "Created_Time": _time(i),
        }  # fmt: skip
        self.leads.append(rec)
        return rec


def _time(i: int) -> str:
    return f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00"


def build(out: Path, *, leads: int, contacts: int, accounts: int, seed: int = 15) -> Path:
    """Write the labelled org to `out` (created); returns `out`."""
    from independent_leads import plant_leads  # the lead kinds, in their own module

    org = Org(seed)
    org.add_accounts(accounts)
    org.add_contacts(contacts)
    plant_leads(org, leads)
    _write(out, org, seed)
    return out


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])


def _write(out: Path, org: Org, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for lead in org.leads:
        lead["Full_Name"] = f"{lead['First_Name']} {lead['Last_Name']}".strip()
    _write_csv(out / "Leads.csv", LEAD_COLUMNS, org.leads)
    _write_csv(out / "Contacts.csv", CONTACT_COLUMNS, org.contacts)
    _write_csv(out / "Accounts.csv", ACCOUNT_COLUMNS, org.accounts)
    with (out / "near_duplicates_truth.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(TRUTH_COLUMNS)
        for lead_id, module, record, route, variant, ok in org.truth:
            writer.writerow([lead_id, module, record, route, variant, "true" if ok else "false"])
    meta = {
        "org": {"id": "95510000000000000001", "name": "Independent Labels Org",
                "company_name": "Independent Labels Org", "country_code": "US",
                "currency": "USD", "time_zone": "UTC", "phone_region": "US"},
        "edition": "enterprise", "users": org.users,
        "unique_fields": {"Contacts": [], "Accounts": []},
    }  # fmt: skip
    (out / "org.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), "utf-8")
    variants = Counter(
        f"{m}:{r}:{v}:{'true' if ok else 'false'}" for _, m, _, r, v, ok in org.truth
    )
    manifest = {
        "builder": "bench/independent_org.py", "seed": seed, "leads": len(org.leads),
        "contacts": len(org.contacts), "accounts": len(org.accounts),
        "truth_pairs": len(org.truth), "variants": dict(sorted(variants.items())),
        "names": "Faker per-locale name data, frequency-skewed; see docs/labelled-data.md",
    }  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--leads", type=int, default=5_000)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=6_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    build(args.out, leads=args.leads, contacts=args.contacts, accounts=args.accounts,
          seed=args.seed)  # fmt: skip
    print(json.dumps(json.loads((args.out / "manifest.json").read_text())["variants"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Deterministic sample-org generator.

Writes a Zoho-export-shaped data directory (``Leads.csv``, ``Contacts.csv``,
``Accounts.csv``, ``Deals.csv``, ``org.json``) plus the answers:

- ``ground_truth.csv`` — every exact match Zoho's Lead Conversion Options would
  report (zoho-api.md §4 with the org's configuration: Phone unique in Contacts,
  case-insensitive; no unique field in Accounts). One row per
  ``(lead_id, module, record_id, field)`` with ``route`` in
  ``unique | email | company | name``. Only leads whose conversion options Zoho
  answers with matches are listed: converted, locked (``RECORD_LOCKED``) and
  unapproved (``NOT_APPROVED``) leads get no rows, although many of them were
  planted with duplicates so the error paths have something to refuse.
- ``near_duplicates_truth.csv`` — planted pairs Zoho's exact matching misses
  (typos, nicknames, phone formats, company suffixes, Gmail dots/plus…), and
  hard negatives (role addresses shared by different people, free-mail domains
  shared by unrelated companies) with ``is_match=false``. Same lead states as
  above: only leads Zoho would answer for.
- ``manifest.json`` — seed, sizes and counts per route.

Everything derives from ``numpy.random.default_rng(seed)``: no wall clock, so the
same arguments give byte-identical files. Word pools are partitioned (see
``names``) so random records never collide by accident; when ``verify`` is on,
an independent, deliberately plain dictionary check recomputes the exact matches
over all records and must agree with what was planted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmkit.sampledata import names as W

Arr = np.ndarray[Any, np.dtype[Any]]

DEFAULT_SEED = 20260301
VERIFY_MAX_LEADS = 200_000
COMPOUND_NAMES_ABOVE = 20_000
ORG_ID = "4876876000000017001"
TZ_OFFSET = "+05:30"
_SECONDS_FROM = int(np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64))
_SECONDS_TO = int(np.datetime64("2026-02-28T00:00:00", "s").astype(np.int64))

# Zoho's documented example (zoho-api.md §4), with its ids.
PAT_LEAD_ID = "4876876000007445001"
BOYLE_CONTACT_ID = "4876876000007437017"
PAT_CONTACT_ID = "4876876000007421001"
ZYLKER_ACCOUNT_ID = "4876876000007421010"

_ID_BASE = {
    "Leads": 4876876000100000000,
    "Contacts": 4876876000200000000,
    "Accounts": 4876876000300000000,
    "Deals": 4876876000400000000,
}

PIPELINES: dict[str, list[str]] = {
    "Standard": [
        "Qualification",
        "Needs Analysis",
        "Proposal",
        "Negotiation",
        "Closed Won",
        "Closed Lost",
    ],
    "Partner Channel": [
        "Registration",
        "Partner Qualified",
        "Joint Proposal",
        "Commit",
        "Closed Won",
        "Closed Lost",
    ],
}

LEAD_COLUMNS = [
    "id",
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Email",
    "Phone",
    "Mobile",
    "Company",
    "Designation",
    "Lead_Source",
    "Lead_Status",
    "Industry",
    "Region__c",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
    "Converted__s",
]
CONTACT_COLUMNS = [
    "id",
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Email",
    "Phone",
    "Mobile",
    "Title",
    "Lead_Source",
    "Account_Name.id",
    "Account_Name.name",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
]
ACCOUNT_COLUMNS = [
    "id",
    "Account_Name",
    "Phone",
    "Website",
    "Industry",
    "Layout",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
]
DEAL_COLUMNS = [
    "id",
    "Deal_Name",
    "Account_Name.id",
    "Account_Name.name",
    "Contact_Name.id",
    "Contact_Name.name",
    "Pipeline",
    "Stage",
    "Closing_Date",
    "Amount",
    "Lead_Source",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
]
TRUTH_COLUMNS = ["lead_id", "module", "record_id", "field", "route"]
NEAR_COLUMNS = ["lead_id", "module", "record_id", "route", "variant", "is_match"]

# Share of leads planted per kind (person kinds are scaled down when contacts are scarce).
PERSON_SHARES: dict[str, float] = {
    "phone": 0.07,
    "email": 0.09,
    "phone_email": 0.03,
    "union": 0.01,
    "name": 0.04,
    "name_suppressed": 0.005,
    "role": 0.004,
    "nd_phone": 0.015,
    "nd_email": 0.015,
    "nd_name": 0.02,
}
CONTACTS_PER_LEAD = {"union": 2, "name_suppressed": 2, "role": 2}
COMPANY_SHARES: dict[str, float] = {
    "company": 0.10,
    "nd_company": 0.02,
    "nd_domain": 0.005,
    "neg_freemail": 0.005,
}
SPECIAL_SHARES: dict[str, float] = {"converted": 0.05, "locked": 0.01, "unapproved": 0.01}


@dataclass
class GenerationReport:
    """What ``generate`` wrote: sizes, ground-truth rows per route, planted near-duplicates."""

    out_dir: Path
    seed: int
    sizes: dict[str, int]
    truth_rows_by_route: dict[str, int]
    leads_by_route: dict[str, int]
    near_duplicates: dict[str, int]
    lead_states: dict[str, int]
    verified: bool
    planted: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "sizes": self.sizes,
            "truth_rows_by_route": self.truth_rows_by_route,
            "leads_by_route": self.leads_by_route,
            "near_duplicates": self.near_duplicates,
            "lead_states": self.lead_states,
            "planted": self.planted,
            "verified": self.verified,
        }


# --------------------------------------------------------------------------- helpers


def _obj(values: Iterable[Any] | Arr) -> Arr:
    return np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)


def _pick(rng: np.random.Generator, pool: Sequence[str], n: int) -> Arr:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def _isin(a: Arr, values: Iterable[Any] | Arr) -> Arr:
    """Hash-based membership (``np.isin`` is slow on strings)."""
    return pd.Series(a, dtype=object).isin(pd.Series(list(values), dtype=object)).to_numpy()


def _lower(a: Arr) -> Arr:
    return pd.Series(a, dtype="str").str.lower().to_numpy(dtype=object)


def _upper(a: Arr) -> Arr:
    return pd.Series(a, dtype="str").str.upper().to_numpy(dtype=object)


def _ids(module: str, n: int, rng: np.random.Generator) -> Arr:
    """Increasing 19-digit ids with irregular gaps, as Zoho hands them out."""
    steps = rng.integers(1, 24, n, dtype=np.int64)
    return _obj((_ID_BASE[module] + np.cumsum(steps)).astype(str))


def _full_name(first: Arr, last: Arr) -> Arr:
    joined = first + " " + last
    return np.where(first == "", last, joined)


def _times(rng: np.random.Generator, n: int) -> tuple[Arr, Arr]:
    created = rng.integers(_SECONDS_FROM, _SECONDS_TO, n, dtype=np.int64)
    modified = np.minimum(created + rng.integers(0, 60 * 86400, n, dtype=np.int64), _SECONDS_TO)
    fmt = [
        np.datetime_as_string(t.astype("datetime64[s]"), unit="s").astype(object) + TZ_OFFSET
        for t in (created, modified)
    ]
    return fmt[0], fmt[1]


class _Phones:
    """Unique phone numbers from a bijection over a counter, in several display formats."""

    _LINES = 8_000_000  # exchange 200-999 x line 0000-9999

    def __init__(self, rng: np.random.Generator) -> None:
        self.size = len(W.AREA_CODES) * self._LINES
        self.mult = 2654435761 % self.size
        self.offset = int(rng.integers(0, self.size))
        self.next = 0

    def digits(self, n: int) -> tuple[Arr, Arr, Arr]:
        if self.next + n > self.size:
            raise ValueError(f"cannot make {n} more unique phone numbers")
        if n == 0:
            empty = np.empty(0, dtype=object)
            return empty, empty, empty
        k = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        m = (k * self.mult + self.offset) % self.size
        area = np.asarray(W.AREA_CODES, dtype=np.int64)[m // self._LINES]
        rest = m % self._LINES
        exch = 200 + rest // 10_000
        line = rest % 10_000
        return (
            _obj(area.astype(str)),
            _obj(exch.astype(str)),
            _obj(np.char.zfill(line.astype(str), 4)),
        )

    @staticmethod
    def render(a: Arr, e: Arr, l: Arr, style: Arr) -> Arr:  # noqa: E741
        options = [
            a + e + l,
            a + "-" + e + "-" + l,
            "(" + a + ") " + e + "-" + l,
            "+1 " + a + " " + e + " " + l,
            a + "." + e + "." + l,
            "+1" + a + e + l,
        ]
        return np.select([style == i for i in range(len(options))], options, default="")

    def make(self, rng: np.random.Generator, n: int) -> tuple[Arr, Arr]:
        """``n`` fresh numbers: (display strings, 10-digit keys)."""
        a, e, l = self.digits(n)  # noqa: E741
        style = rng.integers(0, 6, n)
        return self.render(a, e, l, style), a + e + l


def _reformat(rng: np.random.Generator, phone: str) -> str:
    """The same number in another display format (a different string for Zoho)."""
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    a, e, l = digits[:3], digits[3:6], digits[6:]  # noqa: E741
    options = [
        a + e + l,
        f"{a}-{e}-{l}",
        f"({a}) {e}-{l}",
        f"+1 {a} {e} {l}",
        f"{a}.{e}.{l}",
        f"+1{a}{e}{l}",
        f"1-{a}-{e}-{l}",
        f"{a} {e} {l}",
    ]
    choices = [o for o in options if o != phone]
    return choices[int(rng.integers(0, len(choices)))]


def _typo(rng: np.random.Generator, word: str, forbidden: frozenset[str]) -> str:
    """Swap two adjacent letters or drop one, avoiding words in ``forbidden``."""
    for _ in range(20):
        if len(word) < 3:
            out = word + word[-1]
        else:
            i = int(rng.integers(1, len(word) - 1))
            if rng.random() < 0.5 and word[i] != word[i + 1]:
                out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            else:
                out = word[:i] + word[i + 1 :]
        if out.lower() != word.lower() and out.lower() not in forbidden:
            return out
    return word + "x"


def _case_space(rng: np.random.Generator, values: Arr, share_plain: float = 0.5) -> Arr:
    """Messy variants Zoho still matches: original, UPPER, lower, surrounding spaces."""
    n = len(values)
    kind = rng.choice(
        4, n, p=[share_plain, (1 - share_plain) / 3, (1 - share_plain) / 3, (1 - share_plain) / 3]
    )
    return np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [values, _upper(values), _lower(values), " " + values + " "],
        default=values,
    )


def _with_extra(
    columns: list[str], extra: Sequence[dict[str, Any]], bulk: dict[str, Arr]
) -> pd.DataFrame:
    """The hand-planted records (row dicts) first, then the vectorised bulk of the module."""
    planted = _frame(columns, {c: _obj([r[c] for r in extra]) for c in columns})
    return pd.concat([planted, _frame(columns, bulk)], ignore_index=True)


def _frame(columns: list[str], data: dict[str, Arr]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(data[c], dtype="str") for c in columns})


# --------------------------------------------------------------------------- generator


class _Builder:
    def __init__(self, leads: int, contacts: int, accounts: int, deals: int, seed: int) -> None:
        self.n_leads, self.n_contacts, self.n_accounts, self.n_deals = (
            leads,
            contacts,
            accounts,
            deals,
        )
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.phones = _Phones(self.rng)
        self.truth: list[tuple[str, str, str, str, str]] = []
        self.near: list[tuple[str, str, str, str, str, str]] = []
        self.planted: dict[str, int] = {}
        self.users = [
            {
                "id": str(4876876000000225001 + 17 * i),
                "first_name": f,
                "last_name": last,
                "full_name": f"{f} {last}",
                "email": f"{f.lower()}.{last.lower()}@zylkercorp.com",
                "role": "CEO" if i == 0 else "Sales Representative",
                "profile": "Administrator" if i == 0 else "Standard",
                "status": "active",
            }
            for i, (f, last) in enumerate(W.OWNERS)
        ]

    # ----------------------------------------------------------------- common columns
    def _common(self, d: dict[str, Arr], n: int, locked: float, pending: float) -> None:
        rng = self.rng
        owner = rng.integers(0, len(self.users), n)
        d["Owner.id"] = _obj([u["id"] for u in self.users])[owner]
        d["Owner.name"] = _obj([u["full_name"] for u in self.users])[owner]
        d["Created_Time"], d["Modified_Time"] = _times(rng, n)
        t1 = _pick(rng, W.TAGS, n)
        t2 = _pick(rng, W.TAGS, n)
        r = rng.random(n)
        d["Tag"] = np.where(r < 0.22, t1, np.where((r < 0.30) & (t1 != t2), t1 + ";" + t2, ""))
        r = rng.random(n)
        d["Locked__s"] = np.where(r < locked, "true", "false").astype(object)
        r2 = rng.random(n)
        d["$approval_state"] = np.where(
            r2 < pending / 2, "pending", np.where(r2 < pending, "rejected", "approved")
        ).astype(object)

    # ----------------------------------------------------------------- accounts
    def accounts(self) -> None:
        rng, n = self.rng, self.n_accounts - 1  # Zylker Biotech is added by hand
        adj, noun = len(W.ADJECTIVES), len(W.ACCOUNT_NOUNS)
        capacity = max(adj * noun, 2 * n)
        core_idx = np.sort(rng.choice(capacity, n, replace=False))
        rng.shuffle(core_idx)
        a1 = np.asarray(W.ADJECTIVES, dtype=object)[core_idx % adj]
        nn = np.asarray(W.ACCOUNT_NOUNS, dtype=object)[(core_idx // adj) % noun]
        tier = core_idx // (adj * noun)
        a2 = np.asarray(W.ADJECTIVES, dtype=object)[(tier - 1) % adj]
        core = np.where(tier == 0, a1 + " " + nn, a1 + " " + a2 + " " + nn)
        big = tier > adj
        core = np.where(big, core + " " + _obj((tier // adj).astype(str)), core)
        suffix = _pick(rng, W.SUFFIXES, n)
        has_suffix = rng.random(n) < 0.7
        name = np.where(has_suffix, core + " " + suffix, core)
        domain = (
            _lower(
                pd.Series(core, dtype="str")
                .str.replace(" ", "", regex=False)
                .to_numpy(dtype=object)
            )
            + ".com"
        )
        has_site = rng.random(n) < 0.8
        phone, _ = self.phones.make(rng, n)
        d: dict[str, Arr] = {
            "id": _ids("Accounts", n, rng),
            "Account_Name": name,
            "Phone": np.where(rng.random(n) < 0.7, phone, ""),
            "Website": np.where(has_site, "www." + domain, ""),
            "Industry": _pick(rng, W.INDUSTRIES, n),
            "Layout": np.where(rng.random(n) < 0.85, "Standard", "Partner").astype(object),
        }
        self._common(d, n, locked=0.03, pending=0.02)
        # A few accounts duplicated under a case variant of the same name: a lead whose
        # Company matches one matches both (Account_Name is not unique in this org).
        n_dup = max(2, n // 200)
        src = np.arange(n_dup)
        dup_rows = np.arange(n - n_dup, n)
        d["Account_Name"][dup_rows] = _upper(d["Account_Name"][src])
        d["Locked__s"][src] = "false"
        d["$approval_state"][src] = "approved"
        self.dup_accounts = np.stack([src, dup_rows], axis=1)
        self.planted["duplicate_account_pairs"] = n_dup
        self.acc = d
        self.acc_core = core
        self.acc_suffix = np.where(has_suffix, suffix, "")
        self.acc_domain = np.where(has_site, domain, "")
        self.acc_domain[dup_rows] = ""
        d["Website"][dup_rows] = ""

    # ----------------------------------------------------------------- contacts
    def contacts(self) -> None:
        rng, n = self.rng, self.n_contacts
        first = _pick(rng, W.FIRST_NAMES, n)
        first = np.where(rng.random(n) < 0.03, "", first)
        last = _pick(rng, W.CONTACT_LAST_NAMES, n)
        if n > COMPOUND_NAMES_ABOVE:
            # Large orgs: double-barrelled names keep most people's names distinct.
            compound = rng.random(n) < 0.8
            last = np.where(compound, last + "-" + _pick(rng, W.CONTACT_LAST_NAMES, n), last)
        n_acc = len(self.acc["id"])
        acc = rng.integers(0, n_acc, n)
        acc = np.where(rng.random(n) < 0.8, acc, -1)
        acc_domain = np.where(acc >= 0, self.acc_domain[np.maximum(acc, 0)], "")
        fl = np.where(first == "", last, first + "." + last)
        nn = _obj(rng.integers(10, 100, n).astype(str))
        free = _pick(rng, W.FREE_MAIL, n)
        email = _lower(np.where(acc_domain != "", fl + "@" + acc_domain, fl + nn + "@" + free))
        phone, _ = self.phones.make(rng, n)
        mobile, _ = self.phones.make(rng, n)
        d: dict[str, Arr] = {
            "id": _ids("Contacts", n, rng),
            "First_Name": first,
            "Last_Name": last,
            "Email": np.where(rng.random(n) < 0.9, email, ""),
            "Phone": np.where(rng.random(n) < 0.85, phone, ""),
            "Mobile": np.where(rng.random(n) < 0.4, mobile, ""),
            "Title": _pick(rng, W.TITLES, n),
            "Lead_Source": _pick(rng, W.LEAD_SOURCES, n),
        }
        self._common(d, n, locked=0.03, pending=0.02)
        self.con = d
        self.con_acc = acc

    def _dedupe_contact_emails(self) -> None:
        """Make contact emails unique (role addresses excepted) by numbering repeats."""
        email = pd.Series(self.con["Email"], dtype="str")
        role = pd.Series(self.con_role, dtype=bool)
        nonempty = (email != "") & ~role
        rank = email.where(nonempty).groupby(email.where(nonempty)).cumcount()
        bump = nonempty & (rank > 0)
        if not bump.any():
            return
        parts = email[bump].str.split("@", n=1, expand=True)
        email.loc[bump] = parts[0] + "." + (rank[bump] + 1).astype("str") + "@" + parts[1]
        self.con["Email"] = email.to_numpy(dtype=object)

    def _finish_contacts(self) -> None:
        d, acc = self.con, self.con_acc
        d["Full_Name"] = _full_name(d["First_Name"], d["Last_Name"])
        has = acc >= 0
        d["Account_Name.id"] = np.where(has, self.acc["id"][np.maximum(acc, 0)], "")
        d["Account_Name.name"] = np.where(has, self.acc["Account_Name"][np.maximum(acc, 0)], "")

    # ----------------------------------------------------------------- leads
    def _lead_background(self) -> None:
        rng, n = self.rng, self.n_leads
        first = _pick(rng, W.FIRST_NAMES, n)
        first = np.where(rng.random(n) < 0.03, "", first)
        last = _pick(rng, _LEAD_LAST, n)
        company = (
            _pick(rng, W.ADJECTIVES, n)
            + " "
            + _pick(rng, W.LEAD_NOUNS, n)
            + np.where(rng.random(n) < 0.6, " " + _pick(rng, W.SUFFIXES, n), "")
        )
        cdomain = (
            _lower(
                pd.Series(company, dtype="str")
                .str.replace(r"[^A-Za-z]", "", regex=True)
                .to_numpy(dtype=object)
            )
            + ".net"
        )
        seq = _obj(np.arange(n).astype(str))
        fl = np.where(first == "", last, first + "_" + last)
        work = _lower(fl + "@" + cdomain)
        free = _lower(fl + seq + "@" + _pick(rng, W.FREE_MAIL, n))
        r = rng.random(n)
        email = np.where(r < 0.55, work, np.where(r < 0.85, free, ""))
        phone, _ = self.phones.make(rng, n)
        mobile, _ = self.phones.make(rng, n)
        self.lead: dict[str, Arr] = {
            "id": _ids("Leads", n, rng),
            "First_Name": first,
            "Last_Name": last,
            "Email": email,
            "Phone": np.where(rng.random(n) < 0.8, phone, ""),
            "Mobile": np.where(rng.random(n) < 0.35, mobile, ""),
            "Company": np.where(rng.random(n) < 0.95, company, ""),
            "Designation": _pick(rng, W.TITLES, n),
            "Lead_Source": _pick(rng, W.LEAD_SOURCES, n),
            "Lead_Status": _pick(rng, W.LEAD_STATUSES, n),
            "Industry": _pick(rng, W.INDUSTRIES, n),
            "Region__c": _pick(rng, W.REGIONS, n),
        }
        self._common(self.lead, n, locked=0.0, pending=0.0)
        self.lead["Converted__s"] = np.full(n, "false", dtype=object)
        self.fresh_email = free  # a per-lead address no contact has

    def _plan_counts(self) -> dict[str, int]:
        n = self.n_leads
        counts = {k: max(2, round(s * n)) for k, s in PERSON_SHARES.items()}
        need = sum(c * CONTACTS_PER_LEAD.get(k, 1) for k, c in counts.items())
        budget = int(0.75 * self.n_contacts)
        if need > budget:
            scale = budget / need
            counts = {k: max(2, int(c * scale)) for k, c in counts.items()}
        counts.update({k: max(2, round(s * n)) for k, s in COMPANY_SHARES.items()})
        counts["company_multi"] = len(self.dup_accounts)
        if sum(counts.values()) > 0.8 * n:
            raise ValueError("too few leads for the planted duplicates; use at least 100")
        return counts

    def plant(self) -> None:
        rng = self.rng
        counts = self._plan_counts()
        self.planted.update({f"leads_{k}": v for k, v in counts.items()})
        order = rng.permutation(self.n_leads)
        slots: dict[str, Arr] = {}
        at = 0
        for k, c in counts.items():
            slots[k] = order[at : at + c]
            at += c
        self.lead_kind = np.full(self.n_leads, "background", dtype=object)
        for k, idx in slots.items():
            self.lead_kind[idx] = k

        # Contacts for person plants: disjoint blocks of a shuffled pool; name targets
        # need a Full_Name no other contact has.
        con_first, con_last = self.con["First_Name"], self.con["Last_Name"]
        full_key = _lower(_full_name(con_first, con_last))
        unique_name = pd.Series(full_key).map(pd.Series(full_key).value_counts()).to_numpy() == 1
        pool = rng.permutation(self.n_contacts)
        pool_unique = [i for i in pool if unique_name[i]]
        pool_rest = [i for i in pool if not unique_name[i]]
        # Prefer unique names; a large org runs out of them, and then a lead matches every
        # contact sharing the name (all recorded below).
        take_unique = counts["name"] + counts["name_suppressed"]
        ordered = pool_unique + pool_rest
        name_targets = np.asarray(ordered[:take_unique], dtype=np.int64)
        rest = np.asarray(ordered[take_unique:], dtype=np.int64)
        rest = rest[rng.permutation(len(rest))]
        self.con_role = np.zeros(self.n_contacts, dtype=bool)
        cur = 0

        def take(k: int) -> Arr:
            nonlocal cur
            out = rest[cur : cur + k]
            cur += k
            return out

        blocks = {
            "phone": take(counts["phone"]),
            "email": take(counts["email"]),
            "phone_email": take(counts["phone_email"]),
            "union_phone": take(counts["union"]),
            "union_email": take(counts["union"]),
            "name": name_targets[: counts["name"]],
            "sup_name": name_targets[counts["name"] :],
            "sup_email": take(counts["name_suppressed"]),
            "role": take(2 * counts["role"]),
        }
        # Near-duplicate people: mostly people whose first name has a nickname.
        left = rest[cur:]
        nickable = _isin(con_first[left], _NICKABLE)
        left = np.concatenate([left[nickable], left[~nickable]])
        for k in ("nd_phone", "nd_email", "nd_name"):
            n_nick = int(counts[k] * 0.7)
            blocks[k] = np.concatenate([left[:n_nick], left[len(left) - (counts[k] - n_nick) :]])
            left = left[n_nick : len(left) - (counts[k] - n_nick)]
        self._ensure_contact_fields(blocks)
        self._dedupe_contact_emails()
        self._finish_contacts()
        L = self.lead
        C = self.con
        A = self.acc
        lid, cid, aid = L["id"], C["id"], A["id"]

        def copy_person(li: Arr, ci: Arr) -> None:
            L["First_Name"][li] = C["First_Name"][ci]
            L["Last_Name"][li] = C["Last_Name"][ci]

        def blank_identity(li: Arr, phone: bool, email: bool) -> None:
            if phone:
                L["Phone"][li] = np.where(rng.random(len(li)) < 0.5, "", L["Phone"][li])
            if email:
                L["Email"][li] = np.where(rng.random(len(li)) < 0.4, "", self.fresh_email[li])

        def company_of(li: Arr, ci: Arr, share: float) -> None:
            """Lead Company = the contact's account (case/space variants) for a share."""
            acc = self.con_acc[ci]
            use = (acc >= 0) & (rng.random(len(li)) < share)
            use &= ~np.isin(acc, self.dup_accounts.ravel())
            names = A["Account_Name"][np.maximum(acc, 0)]
            L["Company"][li] = np.where(use, _case_space(rng, names), L["Company"][li])
            for lead_i, acc_i in zip(li[use], acc[use], strict=True):
                self._truth(lid[lead_i], "Accounts", aid[acc_i], "Account_Name", "company")

        # -- exact: unique field (Phone), email, both, union
        li, ci = slots["phone"], blocks["phone"]
        copy_person(li, ci)
        L["Phone"][li] = C["Phone"][ci]
        blank_identity(li, phone=False, email=True)
        company_of(li, ci, 0.6)
        self._truth_many(lid[li], "Contacts", cid[ci], "Phone", "unique")

        li, ci = slots["email"], blocks["email"]
        copy_person(li, ci)
        L["Email"][li] = _case_space(rng, C["Email"][ci], 0.4)
        blank_identity(li, phone=True, email=False)
        company_of(li, ci, 0.6)
        self._truth_many(lid[li], "Contacts", cid[ci], "Email", "email")

        li, ci = slots["phone_email"], blocks["phone_email"]
        copy_person(li, ci)
        L["Phone"][li] = C["Phone"][ci]
        L["Email"][li] = _case_space(rng, C["Email"][ci], 0.6)
        company_of(li, ci, 0.6)
        self._truth_many(lid[li], "Contacts", cid[ci], "Phone", "unique")
        self._truth_many(lid[li], "Contacts", cid[ci], "Email", "email")

        li, cp, ce = slots["union"], blocks["union_phone"], blocks["union_email"]
        copy_person(li, cp)
        L["Phone"][li] = C["Phone"][cp]
        L["Email"][li] = _case_space(rng, C["Email"][ce], 0.6)
        company_of(li, cp, 0.5)
        self._truth_many(lid[li], "Contacts", cid[cp], "Phone", "unique")
        self._truth_many(lid[li], "Contacts", cid[ce], "Email", "email")

        # -- name fallback, and the name rule suppressed by an email match
        li, ci = slots["name"], blocks["name"]
        copy_person(li, ci)
        self._name_variants(li)
        blank_identity(li, phone=True, email=True)
        company_of(li, ci, 0.4)
        wanted = np.flatnonzero(_isin(full_key, full_key[ci]))
        by_name = pd.Series(wanted).groupby(full_key[wanted]).agg(list)
        for lead_i, ci_one in zip(li, ci, strict=True):
            for other in by_name[full_key[ci_one]]:
                self._truth(lid[lead_i], "Contacts", cid[other], "Full_Name", "name")

        li, cn, ce = slots["name_suppressed"], blocks["sup_name"], blocks["sup_email"]
        copy_person(li, cn)
        L["Email"][li] = C["Email"][ce]
        blank_identity(li, phone=True, email=False)
        self._truth_many(lid[li], "Contacts", cid[ce], "Email", "email")

        # -- role addresses: two different people share info@…; a third asks as a lead
        li = slots["role"]
        pairs = blocks["role"].reshape(-1, 2)
        for lead_i, (c1, c2) in zip(li, pairs, strict=True):
            for c in (c1, c2):
                self._truth(lid[lead_i], "Contacts", cid[c], "Email", "email")
                self._near(lid[lead_i], "Contacts", cid[c], "email", "role_address", False)
        # (contact emails were set in _ensure_contact_fields; the lead copies the address)
        L["Email"][li] = _case_space(rng, C["Email"][pairs[:, 0]], 0.5)
        L["Phone"][li] = ""
        acc = self.con_acc[pairs[:, 0]]
        L["Company"][li] = A["Account_Name"][acc]
        for lead_i, acc_i in zip(li, acc, strict=True):
            self._truth(lid[lead_i], "Accounts", aid[acc_i], "Account_Name", "company")

        # -- near-duplicates of people that Zoho's exact matching misses
        self._near_people(slots, blocks)

        # -- companies
        self._companies(slots)

        L["Full_Name"] = _full_name(L["First_Name"], L["Last_Name"])
        self._special_states(slots)

    def _ensure_contact_fields(self, blocks: dict[str, Arr]) -> None:
        """Give every planted target the field its route needs."""
        C, rng = self.con, self.rng
        for key in ("phone", "phone_email", "union_phone", "nd_phone"):
            ci = blocks[key]
            missing = ci[C["Phone"][ci] == ""]
            C["Phone"][missing], _ = self.phones.make(rng, len(missing))
        for key in ("email", "phone_email", "union_email", "sup_email", "nd_email"):
            ci = blocks[key]
            missing = ci[C["Email"][ci] == ""]
            first, last = C["First_Name"][missing], C["Last_Name"][missing]
            fl = np.where(first == "", last, first + "." + last)
            C["Email"][missing] = _lower(fl + "@" + _pick(rng, W.FREE_MAIL, len(missing)))
        # Gmail targets for the dots/plus variants: distinct three-digit tags.
        nd = blocks["nd_email"]
        gmail = nd[: int(len(nd) * 0.6)]
        first, last = C["First_Name"][gmail], C["Last_Name"][gmail]
        fl = np.where(first == "", last, first + "." + last)
        tag = _obj((100 + np.arange(len(gmail))).astype(str))
        C["Email"][gmail] = _lower(fl + tag + "@gmail.com")
        self.nd_gmail = set(gmail.tolist())
        # Role-address pairs: two people at one account with a website share info@domain.
        with_site = np.setdiff1d(np.flatnonzero(self.acc_domain != ""), self.dup_accounts.ravel())
        pairs = blocks["role"].reshape(-1, 2)
        accs = self.rng.choice(with_site, len(pairs), replace=False)
        roles = _pick(rng, W.ROLE_LOCALS, len(pairs))
        for (c1, c2), a, role in zip(pairs, accs, roles, strict=True):
            for c in (c1, c2):
                self.con_acc[c] = a
                C["Email"][c] = f"{role}@{self.acc_domain[a]}"
                self.con_role[c] = True

    def _name_variants(self, li: Arr) -> None:
        """Case and surrounding-space variants on the lead's name parts (still exact)."""
        L, rng = self.lead, self.rng
        kind = rng.integers(0, 4, len(li))
        f, la = L["First_Name"][li], L["Last_Name"][li]
        L["First_Name"][li] = np.select(
            [kind == 1, kind == 2, kind == 3],
            [_upper(f), _lower(f), np.where(f == "", f, " " + f)],
            f,
        )
        L["Last_Name"][li] = np.select(
            [kind == 1, kind == 2, kind == 3], [_upper(la), _lower(la), la + " "], la
        )

    def _near_name(self, ci: int) -> tuple[str, str, str]:
        """A first/last name Zoho would not match to the contact's: nickname, else typo."""
        C, rng = self.con, self.rng
        first, last = str(C["First_Name"][ci]), str(C["Last_Name"][ci])
        nicks = [x for x in W.NICKNAMES.get(first, ()) if x not in _FIRST_SET]
        if nicks and rng.random() < 0.9:
            return nicks[int(rng.integers(0, len(nicks)))], last, "nickname"
        return first, _typo(rng, last, _CONTACT_LAST_LOWER), "typo"

    def _near_people(self, slots: dict[str, Arr], blocks: dict[str, Arr]) -> None:
        L, C, rng = self.lead, self.con, self.rng
        lid, cid = L["id"], C["id"]
        for kind in ("nd_phone", "nd_email", "nd_name"):
            for lead_i, ci in zip(slots[kind], blocks[kind], strict=True):
                first, last, name_variant = self._near_name(int(ci))
                L["First_Name"][lead_i], L["Last_Name"][lead_i] = first, last
                L["Phone"][lead_i] = ""
                L["Email"][lead_i] = self.fresh_email[lead_i] if rng.random() < 0.5 else ""
                acc = self.con_acc[ci]
                if acc >= 0 and acc not in self.dup_accounts and rng.random() < 0.5:
                    L["Company"][lead_i] = self.acc["Account_Name"][acc]
                    self._truth(
                        lid[lead_i], "Accounts", self.acc["id"][acc], "Account_Name", "company"
                    )
                if kind == "nd_phone":
                    L["Phone"][lead_i] = _reformat(rng, str(C["Phone"][ci]))
                    self._near(lid[lead_i], "Contacts", cid[ci], "phone", "phone_format", True)
                elif kind == "nd_email":
                    email = str(C["Email"][ci])
                    if int(ci) in self.nd_gmail:
                        local, _ = email.split("@")
                        pick = int(rng.integers(0, 4))
                        local_variants = [
                            local.replace(".", ""),
                            local + "+crm",
                            local[0] + "." + local[1:],
                            local,
                        ]
                        domain = "googlemail.com" if pick == 3 else "gmail.com"
                        L["Email"][lead_i] = local_variants[pick] + "@" + domain
                        variant = "gmail_dots_plus"
                    else:
                        local, domain = email.split("@")
                        L["Email"][lead_i] = _typo(rng, local, frozenset()) + "@" + domain
                        variant = "typo"
                    self._near(lid[lead_i], "Contacts", cid[ci], "email", variant, True)
                else:
                    self._near(lid[lead_i], "Contacts", cid[ci], "name", name_variant, True)

    def _companies(self, slots: dict[str, Arr]) -> None:
        L, A, rng = self.lead, self.acc, self.rng
        lid, aid = L["id"], A["id"]
        n_acc = len(aid)
        plain = np.setdiff1d(np.arange(n_acc), self.dup_accounts.ravel())

        li = slots["company"]
        acc = rng.choice(plain, len(li))
        L["Company"][li] = _case_space(rng, A["Account_Name"][acc], 0.4)
        dom = self.acc_domain[acc]
        first, last = L["First_Name"][li], L["Last_Name"][li]
        fl = np.where(first == "", last, first + "_" + last)
        L["Email"][li] = np.where(dom != "", _lower(fl + "@" + dom), L["Email"][li])
        self._truth_many(lid[li], "Accounts", aid[acc], "Account_Name", "company")

        li = slots["company_multi"]
        for lead_i, (a1, a2) in zip(li, self.dup_accounts, strict=True):
            L["Company"][lead_i] = str(A["Account_Name"][a1]).lower()
            self._truth(lid[lead_i], "Accounts", aid[a1], "Account_Name", "company")
            self._truth(lid[lead_i], "Accounts", aid[a2], "Account_Name", "company")

        li = slots["nd_company"]
        acc = rng.choice(plain, len(li), replace=False)
        for lead_i, a in zip(li, acc, strict=True):
            name, variant = self._company_variant(int(a))
            L["Company"][lead_i] = name
            self._near(lid[lead_i], "Accounts", aid[a], "company", variant, True)

        # Work email at the account's domain, Company left empty.
        li = slots["nd_domain"]
        with_site = np.setdiff1d(np.flatnonzero(self.acc_domain != ""), self.dup_accounts.ravel())
        acc = rng.choice(with_site, len(li), replace=False)
        first, last = L["First_Name"][li], L["Last_Name"][li]
        fl = np.where(first == "", last, first + "_" + last)
        L["Email"][li] = _lower(fl + "@" + self.acc_domain[acc])
        L["Company"][li] = ""
        for lead_i, a in zip(li, acc, strict=True):
            self._near(lid[lead_i], "Accounts", aid[a], "company", "email_domain", True)

        # Hard negative: a free-mail lead from an unrelated company vs an account whose
        # people use the same free-mail domain.
        li = slots["neg_freemail"]
        con_dom = pd.Series(self.con["Email"], dtype="str").str.split("@").str[-1]
        ok = (self.con_acc >= 0) & _isin(con_dom.to_numpy(dtype=object), W.FREE_MAIL)
        ok &= ~np.isin(self.con_acc, self.dup_accounts.ravel())
        cands = np.flatnonzero(ok)
        chosen = rng.choice(cands, len(li), replace=False)
        for lead_i, c in zip(li, chosen, strict=True):
            local = str(self.fresh_email[lead_i]).split("@")[0]
            L["Email"][lead_i] = local + "@" + str(con_dom.iat[int(c)])
            a = self.con_acc[c]
            self._near(lid[lead_i], "Accounts", aid[a], "company", "free_mail_domain", False)

    def _company_variant(self, a: int) -> tuple[str, str]:
        """A company name meaning account ``a`` that is a different string for Zoho."""
        rng = self.rng
        core, suffix = str(self.acc_core[a]), str(self.acc_suffix[a])
        kind = rng.choice(5, p=[0.4, 0.15, 0.15, 0.15, 0.15])
        if kind == 0:
            if suffix and rng.random() < 0.7:
                alts = W.SUFFIX_VARIANTS[suffix]
                alt = alts[int(rng.integers(0, len(alts)))]
                return (core + alt if alt.startswith(",") else f"{core} {alt}"), "company_suffix"
            if suffix:
                return core, "company_suffix"
            return f"{core} {W.SUFFIXES[int(rng.integers(0, 4))]}", "company_suffix"
        full = f"{core} {suffix}" if suffix else core
        if kind == 1:
            return f"The {full}", "the_prefix"
        if kind == 2:
            region = ("India", "UK", "US", "Europe")[int(rng.integers(0, 4))]
            return f"{full} ({region})", "brackets"
        if kind == 3:
            return full.replace(" ", "-", 1) if " " in core else full + ".", "punctuation"
        words = core.split(" ")
        words[-1] = _typo(rng, words[-1], _ACCOUNT_NOUN_LOWER)
        out = " ".join(words)
        return (f"{out} {suffix}" if suffix else out), "typo"

    def _special_states(self, slots: dict[str, Arr]) -> None:
        """Converted, locked and unapproved leads, drawn across all kinds of lead."""
        L, rng, n = self.lead, self.rng, self.n_leads
        counts = {k: max(3, round(s * n)) for k, s in SPECIAL_SHARES.items()}
        idx = rng.permutation(n)
        at = 0
        self.lead_state = np.full(n, "open", dtype=object)
        for k, c in counts.items():
            chosen = idx[at : at + c]
            at += c
            self.lead_state[chosen] = k
        L["Converted__s"][self.lead_state == "converted"] = "true"
        L["Locked__s"][self.lead_state == "locked"] = "true"
        unap = np.flatnonzero(self.lead_state == "unapproved")
        L["$approval_state"][unap] = np.where(np.arange(len(unap)) % 2 == 0, "pending", "rejected")

    # ----------------------------------------------------------------- truth rows
    def _truth(self, lead: str, module: str, record: str, fld: str, route: str) -> None:
        self.truth.append((str(lead), module, str(record), fld, route))

    def _truth_many(self, leads: Arr, module: str, records: Arr, fld: str, route: str) -> None:
        self.truth.extend(
            (str(lead), module, str(r), fld, route) for lead, r in zip(leads, records, strict=True)
        )

    def _near(
        self, lead: str, module: str, record: str, route: str, variant: str, is_match: bool
    ) -> None:
        self.near.append(
            (str(lead), module, str(record), route, variant, "true" if is_match else "false")
        )

    # ----------------------------------------------------------------- Zoho's example
    def pat_boyle(self) -> None:
        """Zoho's documented conversion-options example, verbatim (zoho-api.md §4)."""
        u = self.users[0]
        t0, t1 = "2026-01-12T10:15:00" + TZ_OFFSET, "2026-01-12T10:15:00" + TZ_OFFSET
        common = {
            "Owner.id": u["id"],
            "Owner.name": u["full_name"],
            "Created_Time": t0,
            "Modified_Time": t1,
            "Tag": "",
            "Locked__s": "false",
            "$approval_state": "approved",
        }
        self.extra_accounts = [
            {
                **common,
                "id": ZYLKER_ACCOUNT_ID,
                "Account_Name": "Zylker Biotech",
                "Phone": "",
                "Website": "www.zylker.com",
                "Industry": "Healthcare",
                "Layout": "Standard",
            }
        ]
        self.extra_contacts = [
            {
                **common,
                "id": BOYLE_CONTACT_ID,
                "First_Name": "",
                "Last_Name": "Boyle",
                "Full_Name": "Boyle",
                "Email": "pat.boyle@zylker.com",
                "Phone": "",
                "Mobile": "",
                "Title": "",
                "Lead_Source": "Trade Show",
                "Account_Name.id": "",
                "Account_Name.name": "",
            },
            {
                **common,
                "id": PAT_CONTACT_ID,
                "First_Name": "Pat",
                "Last_Name": "Boyle",
                "Full_Name": "Pat Boyle",
                "Email": "",
                "Phone": "9844444444",
                "Mobile": "",
                "Title": "Lab Director",
                "Lead_Source": "Cold Call",
                "Account_Name.id": ZYLKER_ACCOUNT_ID,
                "Account_Name.name": "Zylker Biotech",
            },
        ]
        self.extra_leads = [
            {
                **common,
                "id": PAT_LEAD_ID,
                "First_Name": "Pat",
                "Last_Name": "Boyle",
                "Full_Name": "Pat Boyle",
                "Email": "pat.boyle@zylker.com",
                "Phone": "9844444444",
                "Mobile": "",
                "Company": "Zylker Biotech",
                "Designation": "Lab Director",
                "Lead_Source": "Trade Show",
                "Lead_Status": "Contacted",
                "Industry": "Healthcare",
                "Region__c": "APAC",
                "Converted__s": "false",
            },
        ]
        self._truth(PAT_LEAD_ID, "Contacts", PAT_CONTACT_ID, "Phone", "unique")
        self._truth(PAT_LEAD_ID, "Contacts", BOYLE_CONTACT_ID, "Email", "email")
        self._truth(PAT_LEAD_ID, "Accounts", ZYLKER_ACCOUNT_ID, "Account_Name", "company")

    # ----------------------------------------------------------------- deals
    def deals(self) -> dict[str, Arr]:
        rng, n = self.rng, self.n_deals
        A, C = self.acc, self.con
        has_contact = np.flatnonzero(self.con_acc >= 0)
        ci = rng.choice(has_contact, n)
        acc = self.con_acc[ci]
        with_contact = rng.random(n) < 0.8
        pipeline = np.where(rng.random(n) < 0.7, "Standard", "Partner Channel").astype(object)
        stage_i = rng.integers(0, 6, n)
        stage = np.where(
            pipeline == "Standard",
            np.asarray(PIPELINES["Standard"], dtype=object)[stage_i],
            np.asarray(PIPELINES["Partner Channel"], dtype=object)[stage_i],
        )
        close = rng.integers(_SECONDS_FROM, _SECONDS_TO + 180 * 86400, n).astype("datetime64[s]")
        d: dict[str, Arr] = {
            "id": _ids("Deals", n, rng),
            "Deal_Name": A["Account_Name"][acc] + " - " + _pick(rng, W.PRODUCTS, n),
            "Account_Name.id": A["id"][acc],
            "Account_Name.name": A["Account_Name"][acc],
            "Contact_Name.id": np.where(with_contact, C["id"][ci], ""),
            "Contact_Name.name": np.where(with_contact, C["Full_Name"][ci], ""),
            "Pipeline": pipeline,
            "Stage": stage,
            "Closing_Date": _obj(np.datetime_as_string(close, unit="D")),
            "Amount": _obj((rng.integers(10, 2000, n) * 500).astype(str)),
            "Lead_Source": _pick(rng, W.LEAD_SOURCES, n),
        }
        self._common(d, n, locked=0.01, pending=0.0)
        return d

    # ----------------------------------------------------------------- org.json
    def org(self) -> dict[str, Any]:
        return {
            "org": {
                "id": ORG_ID,
                "name": "Zylker Corp",
                "company_name": "Zylker Corp",
                "primary_email": self.users[0]["email"],
                "country_code": "US",
                "currency": "USD",
                "time_zone": "Asia/Kolkata",
                "phone_region": "US",
            },
            "edition": "enterprise",
            "users": self.users,
            "unique_fields": {
                "Contacts": [{"api_name": "Phone", "casesensitive": False}],
                "Accounts": [],
            },
            "layouts": {"Accounts": ["Standard", "Partner"]},
            "pipelines": PIPELINES,
            "tags": list(W.TAGS),
            "removed_modules": [],
            "removed_fields": {},
        }


_FIRST_SET = frozenset(W.FIRST_NAMES)
_CONTACT_LAST_LOWER = frozenset(x.lower() for x in W.CONTACT_LAST_NAMES)
_NICKABLE = [f for f, nicks in W.NICKNAMES.items() if any(x not in _FIRST_SET for x in nicks)]
_ACCOUNT_NOUN_LOWER = frozenset(x.lower() for x in W.ACCOUNT_NOUNS)
_LEAD_LAST = tuple(
    dict.fromkeys(x for x in W.LEAD_LAST_NAMES if x.lower() not in _CONTACT_LAST_LOWER)
)


# --------------------------------------------------------------------------- checks


def exact_matches(
    leads: pd.DataFrame, contacts: pd.DataFrame, accounts: pd.DataFrame
) -> set[tuple[str, str, str, str, str]]:
    """Zoho's exact matches for this org, recomputed plainly (zoho-api.md §4).

    Contacts: Phone (unique, case-insensitive, as stored) ∪ Email (case and
    surrounding whitespace ignored); only when both find nothing, Full_Name.
    Accounts: Account_Name vs Company. Leads that are converted, locked or not
    approved are skipped: Zoho answers them with an error, not with matches.
    """

    def key(v: object) -> str:
        return v.strip().lower() if isinstance(v, str) else ""

    def index(frame: pd.DataFrame, col: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rid, v in zip(frame["id"], frame[col], strict=True):
            k = key(v)
            if k:
                out.setdefault(k, []).append(str(rid))
        return out

    by_phone, by_email = index(contacts, "Phone"), index(contacts, "Email")
    by_name, by_account = index(contacts, "Full_Name"), index(accounts, "Account_Name")
    found: set[tuple[str, str, str, str, str]] = set()
    cols = [
        "id",
        "Converted__s",
        "Locked__s",
        "$approval_state",
        "Phone",
        "Email",
        "Full_Name",
        "Company",
    ]
    for values in zip(*(leads[c] for c in cols), strict=True):
        lead = dict(zip(cols, values, strict=True))
        if (
            key(lead["Converted__s"]) == "true"
            or key(lead["Locked__s"]) == "true"
            or key(lead["$approval_state"]) != "approved"
        ):
            continue
        lid = str(lead["id"])
        hits = [(c, "Phone", "unique") for c in by_phone.get(key(lead["Phone"]), [])]
        hits += [(c, "Email", "email") for c in by_email.get(key(lead["Email"]), [])]
        if not hits:
            hits = [(c, "Full_Name", "name") for c in by_name.get(key(lead["Full_Name"]), [])]
        found.update((lid, "Contacts", c, f, r2) for c, f, r2 in hits)
        found.update(
            (lid, "Accounts", a, "Account_Name", "company")
            for a in by_account.get(key(lead["Company"]), [])
        )
    return found


# --------------------------------------------------------------------------- entry point


def generate(
    out_dir: str | Path,
    *,
    leads: int = 5000,
    contacts: int = 3000,
    accounts: int = 1200,
    deals: int | None = None,
    seed: int = DEFAULT_SEED,
    verify: bool | None = None,
) -> GenerationReport:
    """Write a deterministic sample org to ``out_dir`` and return what was planted.

    ``deals`` defaults to a third of ``accounts``. ``verify`` (default: on up to
    200,000 leads) recomputes every exact match with :func:`exact_matches` and
    raises if it differs from the planted ground truth in any row.
    """
    if min(leads, contacts, accounts) < 100:
        raise ValueError(
            f"leads, contacts and accounts must each be at least 100 "
            f"(got {leads}, {contacts}, {accounts})"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_deals = deals if deals is not None else max(1, accounts // 3)
    b = _Builder(leads - 1, contacts - 2, accounts, n_deals, seed)
    b.accounts()
    b.contacts()
    b._lead_background()
    b.plant()
    b.pat_boyle()
    deal_data = b.deals()

    lead_df = _with_extra(LEAD_COLUMNS, b.extra_leads, b.lead)
    contact_df = _with_extra(CONTACT_COLUMNS, b.extra_contacts, b.con)
    account_df = _with_extra(ACCOUNT_COLUMNS, b.extra_accounts, b.acc)
    deal_df = _frame(DEAL_COLUMNS, deal_data)

    open_ids = set(lead_df["id"][_open_mask(lead_df)].tolist())
    truth = pd.DataFrame(b.truth, columns=TRUTH_COLUMNS, dtype="str")
    truth = truth[_isin(truth["lead_id"].to_numpy(dtype=object), open_ids)].drop_duplicates()
    near = pd.DataFrame(b.near, columns=NEAR_COLUMNS, dtype="str")
    near = near[_isin(near["lead_id"].to_numpy(dtype=object), open_ids)]
    truth = truth.sort_values(["lead_id", "module", "record_id", "field"], ignore_index=True)
    near = near.sort_values(["lead_id", "module", "record_id", "route"], ignore_index=True)

    verified = verify if verify is not None else leads <= VERIFY_MAX_LEADS
    if verified:
        _verify(lead_df, contact_df, account_df, truth, near)

    for name, frame in (
        ("Leads", lead_df),
        ("Contacts", contact_df),
        ("Accounts", account_df),
        ("Deals", deal_df),
    ):
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    truth.to_csv(out / "ground_truth.csv", index=False, lineterminator="\n")
    near.to_csv(out / "near_duplicates_truth.csv", index=False, lineterminator="\n")
    (out / "org.json").write_text(json.dumps(b.org(), indent=2) + "\n", encoding="utf-8")

    states = {
        "open": int(_open_mask(lead_df).sum()),
        "converted": int((lead_df["Converted__s"] == "true").sum()),
        "locked": int((lead_df["Locked__s"] == "true").sum()),
        "unapproved": int((lead_df["$approval_state"] != "approved").sum()),
    }
    report = GenerationReport(
        out_dir=out,
        seed=seed,
        sizes={
            "Leads": len(lead_df),
            "Contacts": len(contact_df),
            "Accounts": len(account_df),
            "Deals": len(deal_df),
        },
        truth_rows_by_route=_counts(truth["route"]),
        leads_by_route=_counts(truth.drop_duplicates(["lead_id", "route"])["route"]),
        near_duplicates=_counts(near["route"] + "/" + near["variant"] + "/" + near["is_match"]),
        lead_states=states,
        verified=verified,
        planted=b.planted,
    )
    (out / "manifest.json").write_text(
        json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8"
    )
    return report


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def _open_mask(leads: pd.DataFrame) -> pd.Series:
    return (
        (leads["Converted__s"] != "true")
        & (leads["Locked__s"] != "true")
        & (leads["$approval_state"] == "approved")
    )


def _verify(
    leads: pd.DataFrame,
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    truth: pd.DataFrame,
    near: pd.DataFrame,
) -> None:
    """Raise if the planted truth differs from an independent recomputation."""
    phones = contacts["Phone"].str.strip().str.lower()
    dup_phone = phones[(phones != "") & phones.duplicated()]
    if len(dup_phone):
        raise AssertionError(f"Contacts Phone is unique but repeats: {dup_phone.iloc[:3].tolist()}")
    ids = pd.concat([leads["id"], contacts["id"], accounts["id"]])
    if ids.duplicated().any() or not ids.str.fullmatch(r"[1-9]\d{18}").all():
        raise AssertionError("record ids must be unique 19-digit strings")
    planted = set(truth.itertuples(index=False, name=None))
    actual = exact_matches(leads, contacts, accounts)
    if planted != actual:
        extra = sorted(actual - planted)[:5]
        missing = sorted(planted - actual)[:5]
        raise AssertionError(
            f"ground truth disagrees with the exact-match check: "
            f"{len(actual - planted)} unplanted matches (e.g. {extra}), "
            f"{len(planted - actual)} planted rows not matched (e.g. {missing})"
        )
    exact_pairs = {(lead, rec) for lead, _, rec, _, _ in actual}
    missed = near[near["is_match"] == "true"]
    overlap = [
        p for p in zip(missed["lead_id"], missed["record_id"], strict=True) if p in exact_pairs
    ]
    if overlap:
        raise AssertionError(f"near-duplicates Zoho already matches exactly: {overlap[:5]}")

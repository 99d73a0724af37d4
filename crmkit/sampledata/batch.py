"""Open leads planted as duplicates of one another: the duplicates a conversion batch creates.

Zoho's Lead Conversion Options compare a lead with Contacts and Accounts only, so two open leads of
one person, or colleagues of one company, each create their own record when converted together.
These leads are appended after every other record, with ids above every other lead's and their own
random generator, so the rest of the org stays byte-identical. They share no value with any other
record: names come from the leads' own last-name pool (never a contact's), companies from their own
noun pool (``names.BATCH_NOUNS``), phones from the org's unique-number counter, and personal
addresses carry a counter. Each group records what it plants as it is built (``DupRow``).

Strong groups (Zoho's own rules applied lead to lead, safe to merge): person twins by the same
Email (as stored, or a case/space variant), by the same unique Phone string, chains of three
(Email then Phone), and colleague groups of 2-5 leads with the same Company (case/space variants).
Review pairs (never merged automatically): name-only twins (two people, one name), and near twins
Zoho's comparison misses: the same phone number in another format, the same Gmail address with
dots or a ``+tag``, a Company with and without its legal form.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit.sampledata import names as W
from crmkit.sampledata.checks import strong_lead_groups
from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.layout import (
    BATCH_SEED_SALT,
    BATCH_VARIANTS,
    DUP_TRUTH_COLUMNS,
    SECONDS_TO,
)
from crmkit.sampledata.values import Arr, full_name, obj, pick, reformat_phone, times

__all__ = ["DupRow", "open_duplicates_truth", "plant_open_duplicates"]

# Review labels as crmkit documents them (docs/frames.md "Lead clusters"): the truth names the
# signal a near twin was planted through in the words an analyst reads.
NAME_ONLY, PHONE_NORMALISED = "Full_Name", "Phone:normalised"
EMAIL_NORMALISED, COMPANY_NORMALISED = "Email:normalised", "Company:normalised"


@dataclass(frozen=True)
class DupRow:
    """One member of a planted group (a ``lead_duplicates_truth.csv`` row before ids are final).

    ``lead``: position among the batch leads; ``field``: what links it to another member.
    """

    group: str
    kind: str
    tier: str
    lead: int
    field: str
    variant: str


@dataclass
class _Person:
    first: str
    last: str
    email: str
    phone: str
    company: str


class _Batch:
    """The batch leads while they are planted: people in order, and the truth rows."""

    def __init__(self, draft: OrgDraft, rng: np.random.Generator) -> None:
        self.draft, self.rng = draft, rng
        self.people: list[_Person] = []
        self.rows: list[DupRow] = []
        self.companies = 0
        self.mailboxes = 0

    # ------------------------------------------------------------------ fresh values
    def company(self) -> tuple[str, str]:
        """A company no other record has, and its domain."""
        k = self.companies
        self.companies += 1
        a, n = len(W.ADJECTIVES), len(W.BATCH_NOUNS)
        core = f"{W.ADJECTIVES[k % a]} {W.BATCH_NOUNS[(k // a) % n]}"
        if k >= a * n:
            core += f" {k // (a * n) + 1}"
        domain = "".join(ch for ch in core.lower() if ch.isalnum()) + ".org"
        return core, domain

    def name(self, taken: Collection[tuple[str, str]] = ()) -> tuple[str, str]:
        for _ in range(50):
            first = W.FIRST_NAMES[int(self.rng.integers(0, len(W.FIRST_NAMES)))]
            last = W.LEAD_LAST[int(self.rng.integers(0, len(W.LEAD_LAST)))]
            if (first, last) not in taken:
                return first, last
        raise ValueError("cannot draw a fresh name")  # pragma: no cover - pools are large

    def personal(self, first: str, last: str, domain: str = "") -> str:
        """A personal address no other record has (a counter in the local part)."""
        self.mailboxes += 1
        host = domain or W.FREE_MAIL[int(self.rng.integers(0, len(W.FREE_MAIL)))]
        return f"{first}.{last}.{self.mailboxes}@{host}".lower()

    def phone(self) -> str:
        shown, _ = self.draft.phones.make(self.rng, 1)
        return str(shown[0])

    def variant(self, value: str) -> str:
        """The same value as Zoho compares it (case, surrounding spaces), another string."""
        options = [value.upper(), f" {value} ", value.lower(), value.title()]
        order = self.rng.permutation(len(options))
        return str(next(options[i] for i in order if options[i] != value))

    # ------------------------------------------------------------------ recording
    def add(self, person: _Person) -> int:
        self.people.append(person)
        return len(self.people) - 1

    def record(
        self, group: str, kind: str, tier: str, variant: str, fields: dict[int, str]
    ) -> None:
        self.rows.extend(DupRow(group, kind, tier, i, f, variant) for i, f in fields.items())

    def same_company(self, group: str, variant: str, members: list[int]) -> None:
        self.record(group, "company", "strong", variant, dict.fromkeys(members, "Company"))


# ---------------------------------------------------------------------------- the variants
def _twins(b: _Batch, group: str, variant: str) -> None:
    """Two leads of one person: the same Email (as stored or a case variant) or Phone."""
    company, domain = b.company()
    first, last = b.name()
    work = f"{first}.{last}@{domain}".lower()
    phone = b.phone()
    if variant == "twin_phone":
        one = b.add(_Person(first, last, b.personal(first, last), phone, company))
        two = b.add(_Person(first, last, b.personal(first, last), phone, b.variant(company)))
        person = {one: "Phone", two: "Phone"}
    else:
        second = work if variant == "twin_email" else b.variant(work)
        one = b.add(_Person(first, last, work, phone, company))
        two = b.add(_Person(first, last, second, "", company))
        person = {one: "Email", two: "Email"}
    b.record(group, "person", "strong", variant, person)
    b.same_company(group, variant, [one, two])


def _chain(b: _Batch, group: str, variant: str) -> None:
    """Three leads of one person: A~B by Email, B~C by Phone, so A and C are one person too."""
    company, domain = b.company()
    first, last = b.name()
    work = f"{first}.{last}@{domain}".lower()
    phone = b.phone()
    one = b.add(_Person(first, last, work, b.phone(), company))
    two = b.add(_Person(first, last, b.variant(work), phone, company))
    three = b.add(_Person(first, last, b.personal(first, last), phone, b.variant(company)))
    b.record(group, "person", "strong", variant, {one: "Email", two: "Phone;Email", three: "Phone"})
    b.same_company(group, variant, [one, two, three])


def _colleagues(b: _Batch, group: str, variant: str) -> None:
    """Two to five people of one company: each its own Contact, one Account between them."""
    company, domain = b.company()
    size = int(b.rng.integers(2, 6))
    taken: set[tuple[str, str]] = set()
    members = []
    for i in range(size):
        first, last = b.name(taken)
        taken.add((first, last))
        shown = company if i == 0 or b.rng.random() < 0.5 else b.variant(company)
        email = f"{first}.{last}@{domain}".lower() if b.rng.random() < 0.8 else ""
        phone = b.phone() if b.rng.random() < 0.8 else ""
        members.append(b.add(_Person(first, last, email, phone, shown)))
    b.same_company(group, variant, members)


def _name_only(b: _Batch, group: str, variant: str) -> None:
    """Two people of one name: different addresses, phones and companies (namesakes)."""
    first, last = b.name()
    pair = []
    for _ in range(2):
        company, _ = b.company()
        pair.append(b.add(_Person(first, last, b.personal(first, last), b.phone(), company)))
    b.record(group, "person", "review", variant, dict.fromkeys(pair, NAME_ONLY))


def _near_person(b: _Batch, group: str, variant: str) -> None:
    """One person twice, in values Zoho compares as different: phone format or Gmail spelling."""
    company, _ = b.company()
    first, last = b.name()
    if variant == "near_phone_format":
        phone = b.phone()
        one = b.add(_Person(first, last, b.personal(first, last), phone, company))
        two = b.add(_Person(first, last, "", reformat_phone(b.rng, phone), company))
        label = PHONE_NORMALISED
    else:
        b.mailboxes += 1
        local, tag = f"{first}.{last}.{b.mailboxes}".lower(), int(b.rng.integers(0, 2))
        other = local.replace(".", "") if tag == 0 else f"{local}+web"
        one = b.add(_Person(first, last, f"{local}@gmail.com", b.phone(), company))
        two = b.add(_Person(first, last, f"{other}@gmail.com", "", company))
        label = EMAIL_NORMALISED
    b.record(group, "person", "review", variant, {one: label, two: label})
    b.same_company(group, variant, [one, two])


def _near_company(b: _Batch, group: str, variant: str) -> None:
    """Two colleagues whose Company differs by its legal form only (``Inc`` written or not)."""
    company, domain = b.company()
    suffix = W.BATCH_SUFFIXES[int(b.rng.integers(0, len(W.BATCH_SUFFIXES)))]
    taken: set[tuple[str, str]] = set()
    pair = []
    for shown in (f"{company} {suffix}", company):
        first, last = b.name(taken)
        taken.add((first, last))
        pair.append(b.add(_Person(first, last, f"{first}.{last}@{domain}".lower(), "", shown)))
    b.record(group, "company", "review", variant, dict.fromkeys(pair, COMPANY_NORMALISED))


_PLANTERS = {
    "twin_email": _twins,
    "twin_email_case": _twins,
    "twin_phone": _twins,
    "chain_email_phone": _chain,
    "colleagues": _colleagues,
    "name_only": _name_only,
    "near_phone_format": _near_person,
    "near_gmail": _near_person,
    "near_company_suffix": _near_company,
}


# ---------------------------------------------------------------------------- entry point
def plant_open_duplicates(draft: OrgDraft, n_leads: int) -> None:
    """Append about ``n_leads`` open leads in planted groups; set ``draft.batch_leads`` and
    ``draft.dup_rows`` (lead positions replaced by ids)."""
    rng = np.random.default_rng([draft.seed, BATCH_SEED_SALT])
    b = _Batch(draft, rng)
    variants = list(BATCH_VARIANTS)
    weights = np.array(list(BATCH_VARIANTS.values()), dtype=float)
    counts: dict[str, int] = {}
    while len(b.people) < n_leads:
        variant = variants[int(rng.choice(len(variants), p=weights / weights.sum()))]
        counts[variant] = counts.get(variant, 0) + 1
        _PLANTERS[variant](b, f"{variant}-{counts[variant]:04d}", variant)
    draft.batch_leads = _columns(draft, b.people, rng)
    lead_ids = draft.batch_leads["id"]
    draft.dup_rows = [
        (r.group, r.kind, r.tier, str(lead_ids[r.lead]), r.field, r.variant) for r in b.rows
    ]
    draft.planted["open_duplicate_leads"] = len(b.people)
    for variant in variants:
        draft.planted[f"open_duplicate_groups_{variant}"] = counts.get(variant, 0)


def _columns(draft: OrgDraft, people: list[_Person], rng: np.random.Generator) -> dict[str, Arr]:
    """The batch leads' columns: ids above every lead's, created in the org's last 45 days."""
    n = len(people)
    last_id = max(int(i) for i in draft.lead["id"])
    first = obj([p.first for p in people])
    last = obj([p.last for p in people])
    cols: dict[str, Arr] = {
        "id": obj((last_id + np.cumsum(rng.integers(1, 24, n, dtype=np.int64))).astype(str)),
        "First_Name": first,
        "Last_Name": last,
        "Full_Name": full_name(first, last),
        "Email": obj([p.email for p in people]),
        "Phone": obj([p.phone for p in people]),
        "Mobile": np.full(n, "", dtype=object),
        "Company": obj([p.company for p in people]),
        "Designation": pick(rng, W.TITLES, n),
        "Lead_Source": pick(rng, W.LEAD_SOURCES, n),
        "Lead_Status": pick(rng, W.LEAD_STATUSES, n),
        "Industry": pick(rng, W.INDUSTRIES, n),
        "Region__c": pick(rng, W.REGIONS, n),
    }
    owner = rng.integers(0, len(draft.users), n)
    cols["Owner.id"] = obj([u["id"] for u in draft.users])[owner]
    cols["Owner.name"] = obj([u["full_name"] for u in draft.users])[owner]
    cols["Created_Time"], cols["Modified_Time"] = times(
        rng, n, since=SECONDS_TO - 45 * 86400, edits_days=5
    )
    cols["Tag"] = np.where(rng.random(n) < 0.2, pick(rng, W.TAGS, n), "").astype(object)
    for name, value in (("Locked__s", "false"), ("$approval_state", "approved")):
        cols[name] = np.full(n, value, dtype=object)
    cols["Converted__s"] = np.full(n, "false", dtype=object)
    return cols


# ---------------------------------------------------------------------------- the truth file
def open_duplicates_truth(
    leads: pd.DataFrame, planted: list[tuple[str, str, str, str, str, str]]
) -> pd.DataFrame:
    """``lead_duplicates_truth.csv``: the planted groups, and every other strong group.

    The strong tier must be complete, so the groups the older plantings form by the way (two
    leads planted on one contact share its Email; background leads of one Company) are found by
    ``checks.strong_lead_groups`` and written as variant ``background``. Raises when a planted
    group is not exactly one such group (it joined something, or its fields differ): the
    planting, not the check, is the truth of the planted groups.
    """
    frame = pd.DataFrame(planted, columns=DUP_TRUTH_COLUMNS, dtype="str")
    strong = frame[frame["tier"] == "strong"]
    expected = {
        (str(kind), frozenset(zip(g["lead_id"], g["field"], strict=True))): (str(group), str(kind))
        for (group, kind), g in strong.groupby(["group_id", "kind"])
    }
    batch = set(frame["lead_id"])
    found: set[tuple[str, str]] = set()
    rows: list[tuple[str, str, str, str, str, str]] = []
    count = {"person": 0, "company": 0}
    for kind, fields in strong_lead_groups(leads):
        group = expected.get((kind, frozenset(fields.items())))
        if group is not None:
            found.add(group)
            continue
        if batch & set(fields):
            raise AssertionError(f"planted leads joined an unplanted {kind} group: {fields}")
        count[kind] += 1
        name = f"background-{kind}-{count[kind]:04d}"
        rows += [(name, kind, "strong", lead, f, "background") for lead, f in fields.items()]
    missing = sorted(set(expected.values()) - found)
    if missing:
        raise AssertionError(f"planted groups Zoho's rules do not form as planted: {missing[:5]}")
    out = pd.concat([frame, pd.DataFrame(rows, columns=DUP_TRUTH_COLUMNS, dtype="str")])
    rank = {"strong": 0, "review": 1, "person": 0, "company": 1}
    out = out.assign(
        _t=out["tier"].map(rank), _k=out["kind"].map(rank), _b=out["variant"] == "background"
    )
    out = out.sort_values(["_t", "_k", "_b", "group_id", "lead_id"], kind="stable")
    return out[DUP_TRUTH_COLUMNS].reset_index(drop=True)

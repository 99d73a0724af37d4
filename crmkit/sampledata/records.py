"""The sample org's records before any match is planted: accounts, contacts, leads, deals, org.json.

Unplanted leads draw names and companies from pools disjoint from the contacts' and accounts'
(``names``), so no lead matches a record by accident; every match is planted later (``exact``,
``near``) and recorded as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmkit.sampledata import names as W
from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.layout import (
    COMPOUND_NAMES_ABOVE,
    ORG_ID,
    PARTNER_PIPELINE,
    PIPELINES,
    SECONDS_FROM,
    SECONDS_TO,
    STANDARD_PIPELINE,
)
from crmkit.sampledata.values import Arr, full_name, ids, lower, obj, pick, upper

__all__ = [
    "build_accounts",
    "build_contacts",
    "build_deals",
    "build_lead_background",
    "dedupe_contact_emails",
    "finish_contacts",
    "org_json",
]


def build_accounts(draft: OrgDraft) -> None:
    """The accounts, with a few duplicated under a case variant of one name."""
    rng, n = draft.rng, draft.n_accounts - 1  # Zylker Biotech is added by hand
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
    core = np.where(big, core + " " + obj((tier // adj).astype(str)), core)
    suffix = pick(rng, W.SUFFIXES, n)
    has_suffix = rng.random(n) < 0.7
    name = np.where(has_suffix, core + " " + suffix, core)
    domain = (
        lower(pd.Series(core, dtype="str").str.replace(" ", "", regex=False).to_numpy(dtype=object))
        + ".com"
    )
    has_site = rng.random(n) < 0.8
    phone, _ = draft.phones.make(rng, n)
    d: dict[str, Arr] = {
        "id": ids("Accounts", n, rng),
        "Account_Name": name,
        "Phone": np.where(rng.random(n) < 0.7, phone, ""),
        "Website": np.where(has_site, "www." + domain, ""),
        "Industry": pick(rng, W.INDUSTRIES, n),
        "Layout": np.where(rng.random(n) < 0.85, "Standard", "Partner").astype(object),
    }
    draft.common(d, n, locked=0.03, pending=0.02)
    # A few accounts duplicated under a case variant of the same name: a lead whose
    # Company matches one matches both (Account_Name is not unique in this org).
    n_dup = max(2, n // 200)
    src = np.arange(n_dup)
    dup_rows = np.arange(n - n_dup, n)
    d["Account_Name"][dup_rows] = upper(d["Account_Name"][src])
    d["Locked__s"][src] = "false"
    d["$approval_state"][src] = "approved"
    draft.dup_accounts = np.stack([src, dup_rows], axis=1)
    draft.planted["duplicate_account_pairs"] = n_dup
    draft.acc = d
    draft.acc_core = core
    draft.acc_suffix = np.where(has_suffix, suffix, "")
    draft.acc_domain = np.where(has_site, domain, "")
    draft.acc_domain[dup_rows] = ""
    d["Website"][dup_rows] = ""


def build_contacts(draft: OrgDraft) -> None:
    """The contacts: most at an account, mailing from its domain when it has a website."""
    rng, n = draft.rng, draft.n_contacts
    first = pick(rng, W.FIRST_NAMES, n)
    first = np.where(rng.random(n) < 0.03, "", first)
    last = pick(rng, W.CONTACT_LAST_NAMES, n)
    if n > COMPOUND_NAMES_ABOVE:
        # Large orgs: double-barrelled names keep most people's names distinct.
        compound = rng.random(n) < 0.8
        last = np.where(compound, last + "-" + pick(rng, W.CONTACT_LAST_NAMES, n), last)
    n_acc = len(draft.acc["id"])
    acc = rng.integers(0, n_acc, n)
    acc = np.where(rng.random(n) < 0.8, acc, -1)
    acc_domain = np.where(acc >= 0, draft.acc_domain[np.maximum(acc, 0)], "")
    fl = np.where(first == "", last, first + "." + last)
    nn = obj(rng.integers(10, 100, n).astype(str))
    free = pick(rng, W.FREE_MAIL, n)
    email = lower(np.where(acc_domain != "", fl + "@" + acc_domain, fl + nn + "@" + free))
    phone, _ = draft.phones.make(rng, n)
    mobile, _ = draft.phones.make(rng, n)
    d: dict[str, Arr] = {
        "id": ids("Contacts", n, rng),
        "First_Name": first,
        "Last_Name": last,
        "Email": np.where(rng.random(n) < 0.9, email, ""),
        "Phone": np.where(rng.random(n) < 0.85, phone, ""),
        "Mobile": np.where(rng.random(n) < 0.4, mobile, ""),
        "Title": pick(rng, W.TITLES, n),
        "Lead_Source": pick(rng, W.LEAD_SOURCES, n),
    }
    draft.common(d, n, locked=0.03, pending=0.02)
    draft.con = d
    draft.con_acc = acc


def dedupe_contact_emails(draft: OrgDraft) -> None:
    """Make contact emails unique (role addresses excepted) by numbering repeats."""
    email = pd.Series(draft.con["Email"], dtype="str")
    role = pd.Series(draft.con_role, dtype=bool)
    nonempty = (email != "") & ~role
    rank = email.where(nonempty).groupby(email.where(nonempty)).cumcount()
    bump = nonempty & (rank > 0)
    if not bump.any():
        return
    parts = email[bump].str.split("@", n=1, expand=True)
    email.loc[bump] = parts[0] + "." + (rank[bump] + 1).astype("str") + "@" + parts[1]
    draft.con["Email"] = email.to_numpy(dtype=object)


def finish_contacts(draft: OrgDraft) -> None:
    """Full_Name and the Account_Name lookup, once planting has set names and accounts."""
    d, acc = draft.con, draft.con_acc
    d["Full_Name"] = full_name(d["First_Name"], d["Last_Name"])
    has = acc >= 0
    d["Account_Name.id"] = np.where(has, draft.acc["id"][np.maximum(acc, 0)], "")
    d["Account_Name.name"] = np.where(has, draft.acc["Account_Name"][np.maximum(acc, 0)], "")


def build_lead_background(draft: OrgDraft) -> None:
    """Leads before planting: last names and company nouns no contact or account uses."""
    rng, n = draft.rng, draft.n_leads
    first = pick(rng, W.FIRST_NAMES, n)
    first = np.where(rng.random(n) < 0.03, "", first)
    last = pick(rng, W.LEAD_LAST, n)
    company = (
        pick(rng, W.ADJECTIVES, n)
        + " "
        + pick(rng, W.LEAD_NOUNS, n)
        + np.where(rng.random(n) < 0.6, " " + pick(rng, W.SUFFIXES, n), "")
    )
    cdomain = (
        lower(
            pd.Series(company, dtype="str")
            .str.replace(r"[^A-Za-z]", "", regex=True)
            .to_numpy(dtype=object)
        )
        + ".net"
    )
    seq = obj(np.arange(n).astype(str))
    fl = np.where(first == "", last, first + "_" + last)
    work = lower(fl + "@" + cdomain)
    free = lower(fl + seq + "@" + pick(rng, W.FREE_MAIL, n))
    r = rng.random(n)
    email = np.where(r < 0.55, work, np.where(r < 0.85, free, ""))
    phone, _ = draft.phones.make(rng, n)
    mobile, _ = draft.phones.make(rng, n)
    draft.lead = {
        "id": ids("Leads", n, rng),
        "First_Name": first,
        "Last_Name": last,
        "Email": email,
        "Phone": np.where(rng.random(n) < 0.8, phone, ""),
        "Mobile": np.where(rng.random(n) < 0.35, mobile, ""),
        "Company": np.where(rng.random(n) < 0.95, company, ""),
        "Designation": pick(rng, W.TITLES, n),
        "Lead_Source": pick(rng, W.LEAD_SOURCES, n),
        "Lead_Status": pick(rng, W.LEAD_STATUSES, n),
        "Industry": pick(rng, W.INDUSTRIES, n),
        "Region__c": pick(rng, W.REGIONS, n),
    }
    draft.common(draft.lead, n, locked=0.0, pending=0.0)
    draft.lead["Converted__s"] = np.full(n, "false", dtype=object)
    draft.fresh_email = free  # a per-lead address no contact has


def build_deals(draft: OrgDraft) -> dict[str, Arr]:
    """The deals (returned, not kept: nothing is planted on them)."""
    rng, n = draft.rng, draft.n_deals
    A, C = draft.acc, draft.con
    has_contact = np.flatnonzero(draft.con_acc >= 0)
    ci = rng.choice(has_contact, n)
    acc = draft.con_acc[ci]
    with_contact = rng.random(n) < 0.8
    standard = np.asarray(PIPELINES[STANDARD_PIPELINE], dtype=object)
    partner = np.asarray(PIPELINES[PARTNER_PIPELINE], dtype=object)
    pipeline = np.where(rng.random(n) < 0.7, STANDARD_PIPELINE, PARTNER_PIPELINE).astype(object)
    stage_i = rng.integers(0, len(standard), n)
    stage = np.where(
        pipeline == STANDARD_PIPELINE, standard[stage_i], partner[stage_i % len(partner)]
    )
    close = rng.integers(SECONDS_FROM, SECONDS_TO + 180 * 86400, n).astype("datetime64[s]")
    d: dict[str, Arr] = {
        "id": ids("Deals", n, rng),
        "Deal_Name": A["Account_Name"][acc] + " - " + pick(rng, W.PRODUCTS, n),
        "Account_Name.id": A["id"][acc],
        "Account_Name.name": A["Account_Name"][acc],
        "Contact_Name.id": np.where(with_contact, C["id"][ci], ""),
        "Contact_Name.name": np.where(with_contact, C["Full_Name"][ci], ""),
        "Pipeline": pipeline,
        "Stage": stage,
        "Closing_Date": obj(np.datetime_as_string(close, unit="D")),
        "Amount": obj((rng.integers(10, 2000, n) * 500).astype(str)),
        "Lead_Source": pick(rng, W.LEAD_SOURCES, n),
    }
    draft.common(d, n, locked=0.01, pending=0.0)
    return d


def org_json(draft: OrgDraft) -> dict[str, Any]:
    """``org.json``: the org, its users and the matching configuration the truth assumes."""
    return {
        "org": {
            "id": ORG_ID,
            "name": "Zylker Corp",
            "company_name": "Zylker Corp",
            "primary_email": draft.users[0]["email"],
            "country_code": "US",
            "currency": "USD",
            "time_zone": "Asia/Kolkata",
            "phone_region": "US",
        },
        "edition": "enterprise",
        "users": draft.users,
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

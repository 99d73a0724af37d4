"""Planted exact matches, each recorded in the ground truth as it is planted (zoho-api.md §4).

The org's configuration decides what Zoho reports: Phone is unique in Contacts (case-insensitive),
Email is matched ignoring case and surrounding spaces, Full_Name only when both find nothing, and
Account_Name against the lead's Company. Converted, locked and unapproved leads (``plant_states``)
keep their plants but get no truth rows: Zoho answers them with an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.sampledata.allocate import Allocation
from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.layout import SPECIAL_SHARES
from crmkit.sampledata.values import Arr, case_space, isin, lower, upper

__all__ = ["plant_companies", "plant_people", "plant_states"]


def plant_people(draft: OrgDraft, alloc: Allocation) -> None:
    """Leads matching contacts exactly, one kind of plant per slot.

    By Phone (unique), Email, both, the union of the two, the Full_Name fallback, the name rule
    suppressed by an email hit, and role addresses two contacts share.
    """
    L, C, A, rng = draft.lead, draft.con, draft.acc, draft.rng
    lid, cid, aid = L["id"], C["id"], A["id"]
    slots, blocks, name_keys = alloc.slots, alloc.blocks, alloc.name_keys

    # -- exact: unique field (Phone), email, both, union
    li, ci = slots["phone"], blocks["phone"]
    _copy_person(draft, li, ci)
    L["Phone"][li] = C["Phone"][ci]
    _blank_identity(draft, li, phone=False, email=True)
    _company_of(draft, li, ci, 0.6)
    draft.add_truths(lid[li], "Contacts", cid[ci], "Phone", "unique")

    li, ci = slots["email"], blocks["email"]
    _copy_person(draft, li, ci)
    L["Email"][li] = case_space(rng, C["Email"][ci], 0.4)
    _blank_identity(draft, li, phone=True, email=False)
    _company_of(draft, li, ci, 0.6)
    draft.add_truths(lid[li], "Contacts", cid[ci], "Email", "email")

    li, ci = slots["phone_email"], blocks["phone_email"]
    _copy_person(draft, li, ci)
    L["Phone"][li] = C["Phone"][ci]
    L["Email"][li] = case_space(rng, C["Email"][ci], 0.6)
    _company_of(draft, li, ci, 0.6)
    draft.add_truths(lid[li], "Contacts", cid[ci], "Phone", "unique")
    draft.add_truths(lid[li], "Contacts", cid[ci], "Email", "email")

    li, cp, ce = slots["union"], blocks["union_phone"], blocks["union_email"]
    _copy_person(draft, li, cp)
    L["Phone"][li] = C["Phone"][cp]
    L["Email"][li] = case_space(rng, C["Email"][ce], 0.6)
    _company_of(draft, li, cp, 0.5)
    draft.add_truths(lid[li], "Contacts", cid[cp], "Phone", "unique")
    draft.add_truths(lid[li], "Contacts", cid[ce], "Email", "email")

    # -- name fallback, and the name rule suppressed by an email match
    li, ci = slots["name"], blocks["name"]
    _copy_person(draft, li, ci)
    _name_variants(draft, li)
    _blank_identity(draft, li, phone=True, email=True)
    _company_of(draft, li, ci, 0.4)
    wanted = np.flatnonzero(isin(name_keys, name_keys[ci]))
    by_name = pd.Series(wanted).groupby(name_keys[wanted]).agg(list)
    for lead_i, ci_one in zip(li, ci, strict=True):
        for other in by_name[name_keys[ci_one]]:
            draft.add_truth(lid[lead_i], "Contacts", cid[other], "Full_Name", "name")

    li, cn, ce = slots["name_suppressed"], blocks["sup_name"], blocks["sup_email"]
    _copy_person(draft, li, cn)
    L["Email"][li] = C["Email"][ce]
    _blank_identity(draft, li, phone=True, email=False)
    draft.add_truths(lid[li], "Contacts", cid[ce], "Email", "email")

    # -- role addresses: two different people share info@…; a third asks as a lead
    li = slots["role"]
    pairs = blocks["role"].reshape(-1, 2)
    for lead_i, (c1, c2) in zip(li, pairs, strict=True):
        for c in (c1, c2):
            draft.add_truth(lid[lead_i], "Contacts", cid[c], "Email", "email")
            draft.add_near(lid[lead_i], "Contacts", cid[c], "email", "role_address", False)
    # (contact emails were set in allocate; the lead copies the address)
    L["Email"][li] = case_space(rng, C["Email"][pairs[:, 0]], 0.5)
    L["Phone"][li] = ""
    acc = draft.con_acc[pairs[:, 0]]
    L["Company"][li] = A["Account_Name"][acc]
    for lead_i, acc_i in zip(li, acc, strict=True):
        draft.add_truth(lid[lead_i], "Accounts", aid[acc_i], "Account_Name", "company")


def plant_companies(draft: OrgDraft, slots: dict[str, Arr]) -> None:
    """Leads whose Company is an account's name (case and spaces aside), once or twice over."""
    L, A, rng = draft.lead, draft.acc, draft.rng
    lid, aid = L["id"], A["id"]
    n_acc = len(aid)
    plain = np.setdiff1d(np.arange(n_acc), draft.dup_accounts.ravel())

    li = slots["company"]
    acc = rng.choice(plain, len(li))
    L["Company"][li] = case_space(rng, A["Account_Name"][acc], 0.4)
    dom = draft.acc_domain[acc]
    first, last = L["First_Name"][li], L["Last_Name"][li]
    fl = np.where(first == "", last, first + "_" + last)
    L["Email"][li] = np.where(dom != "", lower(fl + "@" + dom), L["Email"][li])
    draft.add_truths(lid[li], "Accounts", aid[acc], "Account_Name", "company")

    li = slots["company_multi"]
    for lead_i, (a1, a2) in zip(li, draft.dup_accounts, strict=True):
        L["Company"][lead_i] = str(A["Account_Name"][a1]).lower()
        draft.add_truth(lid[lead_i], "Accounts", aid[a1], "Account_Name", "company")
        draft.add_truth(lid[lead_i], "Accounts", aid[a2], "Account_Name", "company")


def plant_states(draft: OrgDraft) -> None:
    """Converted, locked and unapproved leads, drawn across all kinds of lead."""
    L, rng, n = draft.lead, draft.rng, draft.n_leads
    counts = {k: max(3, round(s * n)) for k, s in SPECIAL_SHARES.items()}
    idx = rng.permutation(n)
    at = 0
    lead_state = np.full(n, "open", dtype=object)
    for k, c in counts.items():
        chosen = idx[at : at + c]
        at += c
        lead_state[chosen] = k
    L["Converted__s"][lead_state == "converted"] = "true"
    L["Locked__s"][lead_state == "locked"] = "true"
    unap = np.flatnonzero(lead_state == "unapproved")
    L["$approval_state"][unap] = np.where(np.arange(len(unap)) % 2 == 0, "pending", "rejected")


def _name_variants(draft: OrgDraft, li: Arr) -> None:
    """Case and surrounding-space variants on the lead's name parts (still exact)."""
    L, rng = draft.lead, draft.rng
    kind = rng.integers(0, 4, len(li))
    f, la = L["First_Name"][li], L["Last_Name"][li]
    L["First_Name"][li] = np.select(
        [kind == 1, kind == 2, kind == 3],
        [upper(f), lower(f), np.where(f == "", f, " " + f)],
        f,
    )
    L["Last_Name"][li] = np.select(
        [kind == 1, kind == 2, kind == 3], [upper(la), lower(la), la + " "], la
    )


def _copy_person(draft: OrgDraft, li: Arr, ci: Arr) -> None:
    draft.lead["First_Name"][li] = draft.con["First_Name"][ci]
    draft.lead["Last_Name"][li] = draft.con["Last_Name"][ci]


def _blank_identity(draft: OrgDraft, li: Arr, phone: bool, email: bool) -> None:
    """Blank the lead's other identifier, or give it one no record has: only the plant matches."""
    L, rng = draft.lead, draft.rng
    if phone:
        L["Phone"][li] = np.where(rng.random(len(li)) < 0.5, "", L["Phone"][li])
    if email:
        L["Email"][li] = np.where(rng.random(len(li)) < 0.4, "", draft.fresh_email[li])


def _company_of(draft: OrgDraft, li: Arr, ci: Arr, share: float) -> None:
    """Lead Company = the contact's account (case/space variants) for a share."""
    L, A, rng = draft.lead, draft.acc, draft.rng
    lid, aid = L["id"], A["id"]
    acc = draft.con_acc[ci]
    use = (acc >= 0) & (rng.random(len(li)) < share)
    use &= ~np.isin(acc, draft.dup_accounts.ravel())
    names = A["Account_Name"][np.maximum(acc, 0)]
    L["Company"][li] = np.where(use, case_space(rng, names), L["Company"][li])
    for lead_i, acc_i in zip(li[use], acc[use], strict=True):
        draft.add_truth(lid[lead_i], "Accounts", aid[acc_i], "Account_Name", "company")

"""Planted near-duplicates: pairs Zoho's exact matching misses, and hard negatives.

Written to ``near_duplicates_truth.csv`` with ``is_match``: true for the same person or company
under a variant (typo, nickname, phone format, company suffix, Gmail dots/plus, …), false for
records that only share a free-mail domain or a role address. ``checks.verify`` makes sure no
positive pair is one Zoho already matches exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.sampledata import names as W
from crmkit.sampledata.allocate import Allocation
from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.layout import NEAR_NAME_SALT
from crmkit.sampledata.values import Arr, isin, lower, reformat_phone, typo

__all__ = ["plant_near_companies", "plant_near_people"]


def plant_near_people(draft: OrgDraft, alloc: Allocation) -> None:
    """Leads naming a contact in a way Zoho does not match, each recorded as a positive pair.

    Another phone format, an email typo or Gmail dots/plus variant, a nickname or a name typo.
    Each lead is one person someone could recognise as the contact: it gives the contact's
    account as Company or none (never an unrelated one), and an email that is blank or the
    person's own personal address. A name-only plant is always at the contact's account (as
    people are met: the same name alone, elsewhere, is a namesake, see ``negatives``). Name
    plants draw from their own generator (``NEAR_NAME_SALT``) so the rest keeps its bytes.
    """
    slots, blocks = alloc.slots, alloc.blocks
    L, C = draft.lead, draft.con
    lid, cid = L["id"], C["id"]
    for kind in ("nd_phone", "nd_email", "nd_name"):
        rng = draft.rng
        if kind == "nd_name":
            _replay_name_draws(draft, blocks["nd_name_replayed"])
            rng = np.random.default_rng([draft.seed, NEAR_NAME_SALT])
        for lead_i, ci in zip(slots[kind], blocks[kind], strict=True):
            first, last, name_variant = _near_name(rng, C, int(ci))
            L["First_Name"][lead_i], L["Last_Name"][lead_i] = first, last
            L["Phone"][lead_i] = ""
            own = _own_email(draft, int(lead_i), first, last)
            L["Email"][lead_i] = own if rng.random() < 0.5 else ""
            acc = draft.con_acc[ci]
            L["Company"][lead_i] = ""
            if (
                acc >= 0
                and acc not in draft.dup_accounts
                and (rng.random() < 0.5 or kind == "nd_name")
            ):
                L["Company"][lead_i] = draft.acc["Account_Name"][acc]
                draft.add_truth(
                    lid[lead_i], "Accounts", draft.acc["id"][acc], "Account_Name", "company"
                )
            if kind == "nd_phone":
                L["Phone"][lead_i] = reformat_phone(rng, str(C["Phone"][ci]))
                draft.add_near(lid[lead_i], "Contacts", cid[ci], "phone", "phone_format", True)
            elif kind == "nd_email":
                email = str(C["Email"][ci])
                if int(ci) in draft.nd_gmail:
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
                    L["Email"][lead_i] = typo(rng, local, frozenset()) + "@" + domain
                    variant = "typo"
                    if not L["Company"][lead_i] and acc >= 0 and domain == draft.acc_domain[acc]:
                        # No Company, a work address at the account's domain: the account too.
                        aid = draft.acc["id"][acc]
                        draft.add_near(
                            lid[lead_i], "Accounts", aid, "company", "email_domain", True
                        )
                draft.add_near(lid[lead_i], "Contacts", cid[ci], "email", variant, True)
            else:
                draft.add_near(lid[lead_i], "Contacts", cid[ci], "name", name_variant, True)


def _replay_name_draws(draft: OrgDraft, targets: Arr) -> None:
    """Take from the shared generator the draws the name plants took when they drew from it
    (name variant, email coin, company coin), so every later plant keeps its values."""
    rng = draft.rng
    for ci in targets:
        _near_name(rng, draft.con, int(ci))
        rng.random()
        acc = draft.con_acc[ci]
        if acc >= 0 and acc not in draft.dup_accounts:
            rng.random()


def _own_email(draft: OrgDraft, lead_i: int, first: str, last: str) -> str:
    """The lead's personal address from its own name as written: ``first_last<n>@`` the
    free-mail domain of the lead's background address (leads use ``_``, contacts ``.``, and
    ``<n>`` is the lead's row, so no record holds it)."""
    domain = str(draft.fresh_email[lead_i]).split("@")[1]
    local = f"{first}_{last}" if first else last
    return f"{local}{lead_i}@{domain}".lower()


def plant_near_companies(draft: OrgDraft, slots: dict[str, Arr]) -> None:
    """Leads naming an account in a way Zoho does not match, and free-mail hard negatives.

    A suffix variant, "The", brackets, punctuation, a typo, or only the work-email domain.
    """
    L, A, rng = draft.lead, draft.acc, draft.rng
    lid, aid = L["id"], A["id"]
    n_acc = len(aid)
    plain = np.setdiff1d(np.arange(n_acc), draft.dup_accounts.ravel())

    li = slots["nd_company"]
    acc = rng.choice(plain, len(li), replace=False)
    for lead_i, a in zip(li, acc, strict=True):
        name, variant = _company_variant(draft, int(a))
        L["Company"][lead_i] = name
        draft.add_near(lid[lead_i], "Accounts", aid[a], "company", variant, True)

    # Work email at the account's domain, Company left empty.
    li = slots["nd_domain"]
    with_site = np.setdiff1d(np.flatnonzero(draft.acc_domain != ""), draft.dup_accounts.ravel())
    acc = rng.choice(with_site, len(li), replace=False)
    first, last = L["First_Name"][li], L["Last_Name"][li]
    fl = np.where(first == "", last, first + "_" + last)
    L["Email"][li] = lower(fl + "@" + draft.acc_domain[acc])
    L["Company"][li] = ""
    for lead_i, a in zip(li, acc, strict=True):
        draft.add_near(lid[lead_i], "Accounts", aid[a], "company", "email_domain", True)

    # Hard negative: a free-mail lead from an unrelated company vs an account whose
    # people use the same free-mail domain.
    li = slots["neg_freemail"]
    con_dom = pd.Series(draft.con["Email"], dtype="str").str.split("@").str[-1]
    ok = (draft.con_acc >= 0) & isin(con_dom.to_numpy(dtype=object), W.FREE_MAIL)
    ok &= ~np.isin(draft.con_acc, draft.dup_accounts.ravel())
    cands = np.flatnonzero(ok)
    chosen = rng.choice(cands, len(li), replace=False)
    for lead_i, c in zip(li, chosen, strict=True):
        local = str(draft.fresh_email[lead_i]).split("@")[0]
        L["Email"][lead_i] = local + "@" + str(con_dom.iat[int(c)])
        a = draft.con_acc[c]
        draft.add_near(lid[lead_i], "Accounts", aid[a], "company", "free_mail_domain", False)


def _near_name(rng: np.random.Generator, C: dict[str, Arr], ci: int) -> tuple[str, str, str]:
    """A first/last name Zoho would not match to the contact's: nickname, else typo."""
    first, last = str(C["First_Name"][ci]), str(C["Last_Name"][ci])
    nicks = [x for x in W.NICKNAMES.get(first, ()) if x not in W.FIRST_SET]
    if nicks and rng.random() < 0.9:
        return nicks[int(rng.integers(0, len(nicks)))], last, "nickname"
    return first, typo(rng, last, W.CONTACT_LAST_LOWER), "typo"


def _company_variant(draft: OrgDraft, a: int) -> tuple[str, str]:
    """A company name meaning account ``a`` that is a different string for Zoho."""
    rng = draft.rng
    core, suffix = str(draft.acc_core[a]), str(draft.acc_suffix[a])
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
    words[-1] = typo(rng, words[-1], W.ACCOUNT_NOUN_LOWER)
    out = " ".join(words)
    return (f"{out} {suffix}" if suffix else out), "typo"

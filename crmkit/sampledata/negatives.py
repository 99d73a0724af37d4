"""Hard negatives real orgs hold: records that look alike but are other people or companies.

Planted on leads no other plant uses, from their own generator (seed and ``NEGATIVES_SALT``), so
the rest of the sample keeps its bytes. Each is a ``near_duplicates_truth.csv`` row with
``is_match=false``:

- ``namesake`` (route name): a lead going by a nickname of a contact's first name, with the
  contact's last name, at another company: someone else with the same name.
- ``lookalike`` (route company): a company whose name is an account's with its last word
  swapped ("Sapphire Instruments" beside "Sapphire Analytics"): another company.
- ``similar_local`` (route email): a new colleague at an account's domain whose address is one
  letter from a contact's (andreash@ / andreasm@); the account pair is true (``email_domain``).

Shared switchboards and family phones are not planted here: the sample org makes Contacts' Phone
a unique field (org.json), as many orgs do, so no two contacts can hold one number; the
independent labelled org (bench/independent_org.py) plants both.
"""

from __future__ import annotations

import numpy as np

from crmkit.sampledata import names as W
from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.layout import NEGATIVE_SHARES, NEGATIVES_SALT
from crmkit.sampledata.values import Arr

__all__ = ["plant_hard_negatives"]


def plant_hard_negatives(draft: OrgDraft, slots: dict[str, Arr]) -> None:
    """Turn unplanted leads into the hard negatives above, recorded as false pairs."""
    rng = np.random.default_rng([draft.seed, NEGATIVES_SALT])
    used = np.concatenate([np.asarray(s, dtype=np.int64) for s in slots.values()])
    free = rng.permutation(np.setdiff1d(np.arange(draft.n_leads), used))
    counts = {k: max(2, round(s * draft.n_leads)) for k, s in NEGATIVE_SHARES.items()}
    at = 0
    for kind, plant in (
        ("namesake", _namesakes),
        ("lookalike", _lookalikes),
        ("similar_local", _similar_locals),
    ):
        leads = free[at : at + counts[kind]]
        at += len(leads)
        draft.planted[f"leads_neg_{kind}"] = plant(draft, rng, leads)


def _namesakes(draft: OrgDraft, rng: np.random.Generator, leads: Arr) -> int:
    L, C = draft.lead, draft.con
    nickable = set(W.NICKABLE)
    targets = [i for i in rng.permutation(draft.n_contacts) if C["First_Name"][i] in nickable]
    for lead_i, ci in zip(leads, targets, strict=False):
        nicks = [x for x in W.NICKNAMES[str(C["First_Name"][ci])] if x not in W.FIRST_SET]
        L["First_Name"][lead_i] = nicks[int(rng.integers(0, len(nicks)))]
        L["Last_Name"][lead_i] = C["Last_Name"][ci]
        L["Phone"][lead_i] = ""
        draft.add_near(L["id"][lead_i], "Contacts", C["id"][ci], "name", "namesake", False)
    return min(len(leads), len(targets))


def _lookalikes(draft: OrgDraft, rng: np.random.Generator, leads: Arr) -> int:
    L, A = draft.lead, draft.acc
    taken = {str(x).lower() for x in draft.acc_core} | {str(x).lower() for x in A["Account_Name"]}
    plain = np.setdiff1d(np.arange(draft.n_accounts), draft.dup_accounts.ravel())
    nouns = W.ACCOUNT_NOUNS
    done = 0
    for a in rng.permutation(plain):
        if done == len(leads):
            break
        words = str(draft.acc_core[a]).split(" ")
        if words[-1] not in nouns:
            continue
        other = nouns[int(rng.integers(0, len(nouns)))]
        core = " ".join([*words[:-1], other])
        suffix = str(draft.acc_suffix[a])
        name = f"{core} {suffix}" if suffix else core
        if core.lower() in taken or name.lower() in taken:
            continue
        taken |= {core.lower(), name.lower()}
        lead_i = leads[done]
        L["Company"][lead_i] = name
        draft.add_near(L["id"][lead_i], "Accounts", A["id"][a], "company", "lookalike", False)
        done += 1
    return done


def _similar_locals(draft: OrgDraft, rng: np.random.Generator, leads: Arr) -> int:
    L, C, A = draft.lead, draft.con, draft.acc
    emails = {str(e).lower() for e in C["Email"]} | {str(e).lower() for e in L["Email"]}
    done = 0
    for ci in rng.permutation(draft.n_contacts):
        if done == len(leads):
            break
        a = int(draft.con_acc[ci])
        domain = str(draft.acc_domain[a]) if a >= 0 else ""
        email = str(C["Email"][ci])
        if not domain or draft.con_role[ci] or not email.endswith("@" + domain):
            continue
        local = email.split("@")[0]
        if len(local) < 6 or not local[-1].isalpha():
            continue
        letter = "abcdefghijklmnopqrstuvwxyz".replace(local[-1], "")
        twin = f"{local[:-1]}{letter[int(rng.integers(0, len(letter)))]}@{domain}"
        if twin in emails:
            continue
        emails.add(twin)
        lead_i = leads[done]
        L["Email"][lead_i], L["Company"][lead_i] = twin, ""
        lid = L["id"][lead_i]
        draft.add_near(lid, "Contacts", C["id"][ci], "email", "similar_local", False)
        draft.add_near(lid, "Accounts", A["id"][a], "company", "email_domain", True)
        done += 1
    return done

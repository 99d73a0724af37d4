"""Which leads and contacts are planted as what, before any value is copied.

Leads are dealt into disjoint slots per kind of plant (``phone``, ``email``, ``nd_name``, …) and
contacts into disjoint blocks of targets, so no two plants touch the same record and the truth
recorded for one plant is never disturbed by another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmkit.sampledata import names as W
from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.layout import COMPANY_SHARES, CONTACTS_PER_LEAD, PERSON_SHARES
from crmkit.sampledata.values import Arr, full_name, isin, lower, obj, pick

__all__ = ["Allocation", "allocate"]


@dataclass(frozen=True)
class Allocation:
    """Lead rows per kind of plant, contact rows per target block, contacts' name keys."""

    slots: dict[str, Arr]
    blocks: dict[str, Arr]
    name_keys: Arr  # lower-cased Full_Name per contact, for the name route


def allocate(draft: OrgDraft) -> Allocation:
    """Deal leads into slots and contacts into blocks, and give each target the field it needs."""
    rng = draft.rng
    counts = _plan_counts(draft)
    draft.planted.update({f"leads_{k}": v for k, v in counts.items()})
    order = rng.permutation(draft.n_leads)
    slots: dict[str, Arr] = {}
    at = 0
    for k, c in counts.items():
        slots[k] = order[at : at + c]
        at += c

    # Contacts for person plants: disjoint blocks of a shuffled pool; name targets
    # need a Full_Name no other contact has.
    con_first, con_last = draft.con["First_Name"], draft.con["Last_Name"]
    full_key = lower(full_name(con_first, con_last))
    unique_name = pd.Series(full_key).map(pd.Series(full_key).value_counts()).to_numpy() == 1
    pool = rng.permutation(draft.n_contacts)
    pool_unique = [i for i in pool if unique_name[i]]
    pool_rest = [i for i in pool if not unique_name[i]]
    # Prefer unique names; a large org runs out of them, and then a lead matches every
    # contact sharing the name (all recorded by exact.plant_people).
    take_unique = counts["name"] + counts["name_suppressed"]
    ordered = pool_unique + pool_rest
    name_targets = np.asarray(ordered[:take_unique], dtype=np.int64)
    rest = np.asarray(ordered[take_unique:], dtype=np.int64)
    rest = rest[rng.permutation(len(rest))]
    draft.con_role = np.zeros(draft.n_contacts, dtype=bool)
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
    nickable = isin(con_first[left], W.NICKABLE)
    left = np.concatenate([left[nickable], left[~nickable]])
    for k in ("nd_phone", "nd_email", "nd_name"):
        n_nick = int(counts[k] * 0.7)
        if k == "nd_name":
            # The targets name plants had before they were held to an account: their draws are
            # replayed (near.plant_near_people) so the rest of the sample keeps its bytes.
            blocks["nd_name_replayed"] = np.concatenate(
                [left[:n_nick], left[len(left) - (counts[k] - n_nick) :]]
            )
            # A name alone names a person where they are met: at the contact's own account
            # (one Zoho matches by name alone, not one of the case-variant duplicate accounts).
            acc = draft.con_acc[left]
            left = left[(acc >= 0) & ~np.isin(acc, draft.dup_accounts.ravel())]
        blocks[k] = np.concatenate([left[:n_nick], left[len(left) - (counts[k] - n_nick) :]])
        left = left[n_nick : len(left) - (counts[k] - n_nick)]
    _ensure_contact_fields(draft, blocks)
    return Allocation(slots, blocks, full_key)


def _plan_counts(draft: OrgDraft) -> dict[str, int]:
    """Leads per kind of plant (person kinds scaled down when contacts are scarce)."""
    n = draft.n_leads
    counts = {k: max(2, round(s * n)) for k, s in PERSON_SHARES.items()}
    need = sum(c * CONTACTS_PER_LEAD.get(k, 1) for k, c in counts.items())
    budget = int(0.75 * draft.n_contacts)
    if need > budget:
        scale = budget / need
        counts = {k: max(2, int(c * scale)) for k, c in counts.items()}
    counts.update({k: max(2, round(s * n)) for k, s in COMPANY_SHARES.items()})
    counts["company_multi"] = len(draft.dup_accounts)
    if sum(counts.values()) > 0.8 * n:
        raise ValueError("too few leads for the planted duplicates; use at least 100")
    return counts


def _ensure_contact_fields(draft: OrgDraft, blocks: dict[str, Arr]) -> None:
    """Give every planted target the field its route needs."""
    C, rng = draft.con, draft.rng
    for key in ("phone", "phone_email", "union_phone", "nd_phone"):
        ci = blocks[key]
        missing = ci[C["Phone"][ci] == ""]
        C["Phone"][missing], _ = draft.phones.make(rng, len(missing))
    for key in ("email", "phone_email", "union_email", "sup_email", "nd_email"):
        ci = blocks[key]
        missing = ci[C["Email"][ci] == ""]
        first, last = C["First_Name"][missing], C["Last_Name"][missing]
        fl = np.where(first == "", last, first + "." + last)
        C["Email"][missing] = lower(fl + "@" + pick(rng, W.FREE_MAIL, len(missing)))
    # Gmail targets for the dots/plus variants: distinct three-digit tags.
    nd = blocks["nd_email"]
    gmail = nd[: int(len(nd) * 0.6)]
    first, last = C["First_Name"][gmail], C["Last_Name"][gmail]
    fl = np.where(first == "", last, first + "." + last)
    tag = obj((100 + np.arange(len(gmail))).astype(str))
    C["Email"][gmail] = lower(fl + tag + "@gmail.com")
    draft.nd_gmail = set(gmail.tolist())
    # Role-address pairs: two people at one account with a website share info@domain.
    with_site = np.setdiff1d(np.flatnonzero(draft.acc_domain != ""), draft.dup_accounts.ravel())
    pairs = blocks["role"].reshape(-1, 2)
    accs = draft.rng.choice(with_site, len(pairs), replace=False)
    roles = pick(rng, W.ROLE_LOCALS, len(pairs))
    for (c1, c2), a, role in zip(pairs, accs, roles, strict=True):
        for c in (c1, c2):
            draft.con_acc[c] = a
            C["Email"][c] = f"{role}@{draft.acc_domain[a]}"
            draft.con_role[c] = True

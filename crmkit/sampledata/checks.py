"""Independent checks of what was planted: Zoho's exact matches recomputed plainly.

Deliberately simple dictionaries over every record, sharing no code with the planting, so a
planting bug cannot hide itself: ``verify`` raises when the two disagree in any row.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["exact_matches", "open_mask", "strong_lead_groups", "verify"]


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


def open_mask(leads: pd.DataFrame) -> pd.Series:
    """Leads Zoho answers with their matches: not converted, not locked, approved."""
    return (
        (leads["Converted__s"] != "true")
        & (leads["Locked__s"] != "true")
        & (leads["$approval_state"] == "approved")
    )


def verify(
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


def strong_lead_groups(leads: pd.DataFrame) -> list[tuple[str, dict[str, str]]]:
    """Open leads Zoho's rules join lead to lead, recomputed plainly: (kind, {lead: fields}).

    Person: the same Phone (Contacts' unique field, case-insensitive, as stored) or Email (case
    and surrounding whitespace ignored); company: the same Company. Groups are connected
    components (A~B by Email, B~C by Phone: one person). ``fields``: what links that lead to
    another member, ``;``-joined (Phone before Email). Converted leads are not open.
    """

    def key(v: object) -> str:
        return v.strip().lower() if isinstance(v, str) else ""

    open_ = leads[leads["Converted__s"] != "true"]
    out: list[tuple[str, dict[str, str]]] = []
    for kind, columns in (("person", ("Phone", "Email")), ("company", ("Company",))):
        parent: dict[str, str] = {}
        holders: dict[tuple[str, str], list[str]] = {}
        for column in columns:
            for lid, value in zip(open_["id"], open_[column], strict=True):
                if key(value):
                    holders.setdefault((column, key(value)), []).append(str(lid))
        for group in holders.values():
            for lid in group:
                parent.setdefault(lid, lid)
            for lid in group[1:]:
                parent[_root(parent, lid)] = _root(parent, group[0])
        shared: dict[str, list[str]] = {}
        for (column, _), group in holders.items():
            if len(group) > 1:
                for lid in group:
                    shared.setdefault(lid, []).append(column)
        members: dict[str, list[str]] = {}
        for lid in shared:
            members.setdefault(_root(parent, lid), []).append(lid)
        for group_members in members.values():
            fields = {
                lid: ";".join(c for c in columns if c in shared[lid]) for lid in group_members
            }
            out.append((kind, fields))
    return out


def _root(parent: dict[str, str], x: str) -> str:
    """Union-find root, halving the path on the way."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x

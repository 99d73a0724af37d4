"""Independent checks of what was planted: Zoho's exact matches recomputed plainly.

Deliberately simple dictionaries over every record, sharing no code with the planting, so a
planting bug cannot hide itself: ``verify`` raises when the two disagree in any row.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["exact_matches", "open_mask", "verify"]


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

"""Leads whose conversion options came back as an error, per Zoho error code, with what it means.

"100 answered with an error" tells an analyst nothing to do; "50 RECORD_LOCKED (the lead is
locked …), 50 NOT_APPROVED (…)" does. The report, the demo and `crmkit rates` read this one table.
"""

from __future__ import annotations

import pandas as pd

from crmkit.wording import plural

__all__ = ["MEANINGS", "error_breakdown", "error_counts", "error_sentence"]

# What each code Zoho answers the conversion-options call with means for the lead (zoho-api.md).
MEANINGS: dict[str, str] = {
    "RECORD_LOCKED": "the lead is locked (an approval or review is under way): Zoho converts it "
    "once it is unlocked",
    "NOT_APPROVED": "the lead awaits approval (an approval process or Zia's review): Zoho "
    "converts it once it is approved",
    "INVALID_DATA": "Zoho does not know the lead id (deleted, or never existed)",
    "NO_PERMISSION": "the user crmkit connects as may not read or convert this lead",
    "ID_ALREADY_CONVERTED": "the lead was converted already",
    "INTERNAL_ERROR": "Zoho failed on its side: ask again later",
}
_UNKNOWN = "no code in the answer"


def error_counts(options: pd.DataFrame) -> pd.DataFrame:
    """`code, leads, meaning`: the leads answered with an error, per code, most frequent first."""
    errors = options.loc[(options["outcome"] == "error").fillna(False).to_numpy(dtype=bool)]
    if "error_code" in errors.columns:
        codes = errors["error_code"].astype("string").fillna(_UNKNOWN)
    else:
        codes = pd.Series(_UNKNOWN, index=errors.index, dtype="string")
    counts = codes.value_counts()
    table = pd.DataFrame(
        {
            "code": pd.array(list(counts.index), dtype="string"),
            "leads": pd.array([int(n) for n in counts.to_numpy()], dtype="Int64"),
        }
    )
    table = table.sort_values(["leads", "code"], ascending=[False, True], kind="stable")
    messages = _first_messages(errors, codes)
    table["meaning"] = pd.array(
        [MEANINGS.get(str(c)) or messages.get(str(c), "see Zoho's message") for c in table["code"]],
        dtype="string",
    )
    return table.reset_index(drop=True)


def _first_messages(errors: pd.DataFrame, codes: pd.Series) -> dict[str, str]:
    """Zoho's own message for each code crmkit has no meaning for (the first one seen)."""
    if "error_message" not in errors.columns:
        return {}
    messages = errors["error_message"].astype("string")
    seen = pd.DataFrame({"code": codes, "message": messages}).dropna().drop_duplicates("code")
    return {str(c): f"Zoho says: {m}" for c, m in zip(seen["code"], seen["message"], strict=True)}


def error_breakdown(counts: pd.DataFrame) -> str:
    """ "50 RECORD_LOCKED, 50 NOT_APPROVED": `error_counts` in one line (blank when none)."""
    pairs = zip(counts["code"], counts["leads"], strict=True)
    return ", ".join(f"{int(n):,} {code}" for code, n in pairs)


def error_sentence(counts: pd.DataFrame) -> str:
    """Each code with its meaning, for a page or a terminal: "50 leads RECORD_LOCKED: …"."""
    return "; ".join(
        f"{plural(int(n), 'lead')} {code}: {meaning}"
        for code, n, meaning in zip(counts["code"], counts["leads"], counts["meaning"], strict=True)
    )

"""Browsing every open lead of the org in the console: search, filters, pages, counts.

Decision (for a 100,000-lead org): the open leads are listed ONCE (Zoho's records listing with the
console's few fields: 200 per call, so 500 calls, about 500 credits) and kept as a frame; search,
filters and paging then run in memory, instantly and without credits, and every count is exact.
Paging through Zoho instead would spend a call per page shown and per filter change, could not
count a filter's hits, and could not search name, email and company at once (`word` search looks
at some fields only, 2,000 results at most). What costs a call per lead — the Lead Conversion
Options — is asked only for the leads shown (the page) or, on request, for the filtered leads not
asked yet; filters that need them (matched or not, matching field, module) apply to the leads
whose options are known, and the counts say how many are not known yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["ANY", "MATCHED", "NOT_MATCHED", "BrowseCounts", "LeadFilter", "LeadIndex"]

ANY = "any"
MATCHED = "matched"
NOT_MATCHED = "not matched"


@dataclass(frozen=True)
class LeadFilter:
    """What the leads table shows: a search text and filters (None/`any` = no filter).

    `search` looks in the name, email and company (case-insensitive, every word must appear);
    `owner` is a user id, `source` a Lead_Source value, `module` `Contacts` or `Accounts` (the
    lead matches records there), `field` a matching field Zoho reported (Email, Phone, …).
    """

    search: str = ""
    matched: str = ANY  # any / matched / not matched
    field: str | None = None
    module: str | None = None
    owner: str | None = None
    source: str | None = None

    @property
    def needs_options(self) -> bool:
        """Whether the filter reads the conversion options (unknown leads are then left out)."""
        return self.matched != ANY or self.field is not None or self.module is not None


@dataclass(frozen=True)
class BrowseCounts:
    """The numbers the console shows above the table."""

    total: int  # open leads listed
    shown: int  # leads the filter keeps
    unknown: int  # leads the filter would look at whose options are not asked yet
    page: int  # 0-based
    pages: int
    page_size: int

    def sentence(self) -> str:
        """`Leads 26–50 of 1,234 (filtered from 100,000) · page 2 of 50` and the unknown ones."""
        first = self.page * self.page_size + 1 if self.shown else 0
        last = min(self.shown, (self.page + 1) * self.page_size)
        noun = "lead" if self.shown == 1 else "leads"
        text = f"{noun.capitalize()} {first:,}–{last:,} of {self.shown:,}"
        if self.shown != self.total:
            text += f" (filtered from {self.total:,} open leads)"
        text += f" · page {self.page + 1:,} of {max(1, self.pages):,}"
        if self.unknown:
            text += (
                f" · {self.unknown:,} lead{'s' if self.unknown != 1 else ''} not shown: their "
                "conversion options are not asked yet"
            )
        return text


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype("string").fillna("").str.strip()
    return pd.Series("", index=frame.index, dtype="string")


class LeadIndex:
    """The listed leads with a lowercase search text, and the filters over them."""

    def __init__(self, leads: pd.DataFrame) -> None:
        ids = (
            leads["id"].astype("string") if "id" in leads.columns else pd.Series([], dtype="string")
        )
        full = _col(leads, "Full_Name")
        joined = (_col(leads, "First_Name") + " " + _col(leads, "Last_Name")).str.strip()
        name = full.where(full != "", joined)
        self.frame = pd.DataFrame(
            {
                "id": ids.to_numpy(),
                "search": (name + " " + _col(leads, "Email") + " " + _col(leads, "Company"))
                .str.lower()
                .to_numpy(),
                "owner": _col(leads, "Owner.id").to_numpy(),
                "owner_name": _col(leads, "Owner.name").to_numpy(),
                "source": _col(leads, "Lead_Source").to_numpy(),
            }
        ).astype("string")

    def owners(self) -> list[tuple[str, str]]:
        """(name, id) of every owner of a listed lead, by name."""
        pairs = self.frame.loc[self.frame["owner"] != "", ["owner_name", "owner"]].drop_duplicates()
        return sorted(
            ((str(n) or str(i), str(i)) for n, i in pairs.itertuples(index=False)),
            key=lambda p: p[0].lower(),
        )

    def sources(self) -> list[str]:
        """Every Lead_Source value of the listed leads."""
        return sorted(str(s) for s in self.frame["source"].unique() if s)

    def select(self, flt: LeadFilter, options: pd.DataFrame) -> tuple[list[str], int]:
        """The ids the filter keeps (listing order) and how many it left out as unknown."""
        f = self.frame
        keep = pd.Series(True, index=f.index)
        for word in flt.search.lower().split():
            keep &= f["search"].str.contains(word, regex=False)
        if flt.owner:
            keep &= f["owner"] == flt.owner
        if flt.source:
            keep &= f["source"] == flt.source
        if not flt.needs_options:
            return f.loc[keep, "id"].tolist(), 0
        opts = options.drop_duplicates("lead_id", keep="last").set_index("lead_id")
        known = f["id"].isin(opts.index)
        unknown = int((keep & ~known).sum())
        keep &= known
        o = opts.reindex(f["id"])
        o.index = f.index
        matched = (o["outcome"] == "matched").fillna(False).astype(bool)
        contacts = o["n_contacts"].fillna(0).astype(int) > 0
        accounts = o["n_accounts"].fillna(0).astype(int) > 0
        if flt.matched == MATCHED:
            keep &= matched
        elif flt.matched == NOT_MATCHED:
            keep &= ~matched & (o["outcome"] != "error").fillna(False).astype(bool)
        if flt.module == "Contacts":
            keep &= contacts
        elif flt.module == "Accounts":
            keep &= accounts
        if flt.field:
            fields = (
                ";" + o["contact_fields"].fillna("") + ";" + o["account_fields"].fillna("") + ";"
            )
            keep &= fields.str.contains(f";{flt.field};", regex=False).fillna(False).astype(bool)
        return f.loc[keep, "id"].tolist(), unknown


def matching_fields(options: pd.DataFrame) -> list[str]:
    """Every matching field Zoho reported for the leads asked so far."""
    out: set[str] = set()
    for col in ("contact_fields", "account_fields"):
        for cell in options[col].dropna().tolist():
            out.update(x for x in str(cell).split(";") if x)
    return sorted(out)

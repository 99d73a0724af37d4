"""Per-record comparison keys, computed once per distinct value of each column.

Every column a comparison reads is normalised here, once: names folded to ASCII letters (accents
removed with ``unicodedata``), nicknames mapped to a formal name, emails normalised, company keys
from cleanco, phones to E.164 with ``phonenumbers`` — but only the phones whose last seven digits
also occur on the other side, since no other phone can agree with anything (the prefilter turns a
million parses into the few thousand that matter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jellyfish
import numpy as np
import pandas as pd
import pyarrow as pa

from crmkit.neardup import company_keys
from crmkit.neardup.folding import fold_one
from crmkit.normalize import (
    FREE_MAIL_DOMAINS,
    ROLE_LOCAL_PARTS,
    first_name_links,
    normalize_emails,
    normalize_phones,
)


def text(frame: pd.DataFrame, col: str) -> pd.Series:
    """The column as trimmed string dtype (NA for blanks); all-NA when the frame lacks it."""
    if col not in frame.columns:
        return pd.Series(pd.NA, index=range(len(frame)), dtype="string")
    s = frame[col].astype("string").str.strip().reset_index(drop=True)
    return s.mask(s == "")


def ids(frame: pd.DataFrame) -> pd.Series:
    return frame["id"].astype("string").str.strip().reset_index(drop=True)


def fold(values: pd.Series) -> pd.Series:
    """Lower-case ASCII letters, digits, spaces, apostrophes and hyphens; accents removed.

    "José Müller" and "Jose Muller" are the same key; computed once per distinct value.
    """
    return per_distinct(values, fold_one)


def per_distinct(values: pd.Series, fn: Callable[[str], str | None]) -> pd.Series:
    """``fn`` once per distinct non-NA value, broadcast back; an empty answer is NA.

    Broadcast by the values' codes (pyarrow ``take``): mapping a million values back through a
    dict costs more than computing the few hundred thousand distinct answers.
    """
    s = values.astype("string").reset_index(drop=True)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    answers = pa.array([fn(str(v)) or None for v in uniques], type=pa.string())
    taken = answers.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index)


def _first_form(token: str) -> str:
    return first_name_links().first_form(token)


def _phonetic(token: str) -> str:
    return str(jellyfish.metaphone(token)) or token


@dataclass
class People:
    """Comparison keys of Leads or Contacts, one row per record (positional)."""

    frame: pd.DataFrame  # id, first, last, form, full, phon, email, local, domain, org_domain…
    raw_phones: list[pd.Series]  # Phone, Mobile as written (keyed later: see phone_keys)


def people(frame: pd.DataFrame, company_col: str) -> People:
    """Keys of a person-like module (Leads: Company; Contacts: Account_Name.name)."""
    if "First_Name" in frame.columns or "Last_Name" in frame.columns:
        first, last = fold(text(frame, "First_Name")), fold(text(frame, "Last_Name"))
        # A multi-word first name ("Mary Ann") keeps its first word for comparisons.
        first = first_word(first)
    else:
        full = fold(text(frame, "Full_Name"))
        first = first_word(full)
        last = full.str.replace(r"^.* ", "", regex=True).where(full.str.contains(" "))
        last = last.fillna(full)
    form = per_distinct(first, _first_form)
    full_name = (first.fillna("") + " " + last.fillna("")).str.strip().astype("string")
    raw = text(frame, "Email")
    email = normalize_emails(raw)
    local = email.str.replace(r"@.*$", "", regex=True)  # normalised: exactly one "@"
    domain = email.str.replace(r"^[^@]*@", "", regex=True)
    box = local.str.replace(r"\+.*$", "", regex=True)
    role = box.isin(list(ROLE_LOCAL_PARTS)).fillna(False).astype(bool)
    email = email.mask(role)
    local = local.mask(role)
    free = domain.isin(list(FREE_MAIL_DOMAINS)).fillna(False).astype(bool)
    table = pd.DataFrame(
        {
            "id": ids(frame),
            "first": first,
            "last": last,
            "form": form,
            "full": full_name.mask(full_name == ""),
            "phon": per_distinct(last, _phonetic),
            "phon_first": per_distinct(first, _phonetic),
            "email": email,
            "local": local,
            "domain": domain.mask(role),
            "org_domain": domain.mask(free),
            "company": companies(text(frame, company_col)),
        }
    )
    return People(table, [text(frame, c) for c in ("Phone", "Mobile")])


def companies(values: pd.Series) -> pd.Series:
    """Company keys (``crmkit.normalize.company_key``) with accents folded: "Müller" = "Muller".

    Keyed once per distinct name and process (``company_keys.remember``), in two processes
    when there are many.
    """
    trimmed = values.astype("string").str.strip()
    trimmed = trimmed.mask(trimmed == "")
    known = company_keys.remember(str(v) for v in trimmed.dropna().unique())
    return per_distinct(trimmed, known.__getitem__)


# An organisation's domain is written from by its own accounts' contacts: one account, a few
# for a group of companies. The contacts of more accounts than this share a mail provider.
PROVIDER_ACCOUNTS = 5


def provider_domains(domains: pd.Series, companies: pd.Series) -> list[str]:
    """Domains the contacts of more than PROVIDER_ACCOUNTS different companies write from."""
    known = pd.DataFrame({"domain": domains, "company": companies}).dropna()
    spread = known.drop_duplicates().groupby("domain", sort=False).size()
    return [str(d) for d in spread.index[spread > PROVIDER_ACCOUNTS]]


def company_names(leads: pd.DataFrame, contacts: pd.DataFrame, accounts: pd.DataFrame) -> list[str]:
    """Every distinct company name the three modules hold (trimmed), for one batch of keys."""
    cols = ((leads, "Company"), (contacts, "Account_Name.name"), (accounts, "Account_Name"))
    names = (str(v) for frame, col in cols for v in text(frame, col).dropna().unique())
    return list(dict.fromkeys(names))


def first_word(values: pd.Series) -> pd.Series:
    """The first space-separated word ("Mary Ann" -> "Mary"), by pyarrow, not a Python split."""
    return values.astype("string").str.replace(r" .*$", "", regex=True)


def website_domain(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip().str.lower()
    s = s.str.replace(r"^[a-z]+://", "", regex=True).str.replace(r"^www\d?\.", "", regex=True)
    s = s.str.split("/").str[0].str.split(":").str[0]
    return s.mask(s == "").astype("string")


def digits_of(values: pd.Series) -> pd.Series:
    """Digits only, leading zeros (trunk and international prefixes) dropped; NA under 7."""
    d = values.astype("string").str.replace(r"\D", "", regex=True).str.lstrip("0")
    return d.where(d.str.len() >= 7).astype("string")


def phone_keys(
    sides: list[list[pd.Series]], region: str
) -> tuple[list[list[tuple[pd.Series, pd.Series]]], list[list[pd.Series]]]:
    """(E.164, national digits) per phone column of each side, parsed only where needed; and
    every column's digits (``digits_of``), which the caller reuses rather than recomputes.

    A phone can agree with another only if their last seven digits are equal, so values whose
    last seven digits occur on one side only are never parsed (their keys stay NA).
    """
    digits = [[digits_of(col) for col in side] for side in sides]
    tails = [
        set(pd.concat([d.str[-7:] for d in side]).dropna().unique()) if side else set()
        for side in digits
    ]
    shared = set.intersection(*tails) if tails else set()
    out = []
    for side, side_digits in zip(sides, digits, strict=True):
        cols = []
        for col, d in zip(side, side_digits, strict=True):
            needed = d.str[-7:].isin(shared).fillna(False).to_numpy(dtype=bool)
            e164 = pd.Series(pd.NA, index=col.index, dtype="string")
            if needed.any():
                e164[needed] = normalize_phones(col[needed], region).to_numpy()
            cols.append((e164.reset_index(drop=True), d.where(needed).reset_index(drop=True)))
        out.append(cols)
    return out, [[d.reset_index(drop=True) for d in side] for side in digits]


def codes(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Shared integer codes of two string columns (NA -> -1): equality becomes int compares."""
    both = pd.concat([left.astype("string"), right.astype("string")], ignore_index=True)
    c, _ = pd.factorize(both, use_na_sentinel=True)
    return c[: len(left)], c[len(left) :]

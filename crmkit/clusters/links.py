"""The ways two open leads can be linked, each turned into one comparison key per lead.

Strong links are Zoho's own matching rules (zoho-api.md §4) applied lead to lead: the lead that
converts second would be offered the Contact/Account the first one created. The field lists, the
lead field each record field is compared with and the comparison itself come from
``crmkit.matching`` (``match_fields``, ``match_key``, ``full_name``), so a rule lives once.

Review links are agreements Zoho does not act on: the name rule (Zoho applies it only when nothing
else matched, so two namesakes may be two people) and crmkit's normalised keys
(``crmkit.normalize``). The normalisers call a library once per distinct value, too slow for a
million values, so each runs only on the values that could share a key with another lead's
(a cheap vectorised block key says which); docs/frames.md "Lead clusters" lists the blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from cleanco.clean import prepare_default_terms

from crmkit.matching import MatchField, full_name, match_fields, match_key
from crmkit.normalize import (
    normalize_companies,
    normalize_emails,
    normalize_person_names,
    normalize_phones,
)
from crmkit.orgconfig import OrgConfig

PERSON, COMPANY = "person", "company"
STRONG, REVIEW = "strong", "review"
KINDS = (PERSON, COMPANY)
TIERS = (STRONG, REVIEW)

# Review-tier field labels (strong links are labelled with the lead field they compare).
ZOHO_NAME = "Full_Name"
EMAIL_KEY = "Email:normalised"
PHONE_KEY = "Phone:normalised"
NAME_KEY = "Full_Name:normalised"
COMPANY_KEY = "Company:normalised"
PHONE_COLUMNS = ("Phone", "Mobile")
REVIEW_LABELS = (ZOHO_NAME, EMAIL_KEY, PHONE_KEY, NAME_KEY, COMPANY_KEY)


@dataclass(frozen=True)
class Link:
    """One way two leads agree: its kind, tier, label (the ``field`` column) and reason."""

    kind: str
    tier: str
    field: str
    reason: str


@dataclass(frozen=True)
class Keyed:
    """A link's keys: lead nodes (id order) and integer key codes; equal codes are equal keys.

    Leads without a key (empty value) are absent. A lead may appear more than once when the
    link reads several columns (Phone and Mobile), never twice with the same code.
    """

    link: Link
    nodes: np.ndarray
    codes: np.ndarray


def keyed(link: Link, keys: pd.Series, rank: np.ndarray) -> Keyed:
    """One key per row (NA: no key) -> a :class:`Keyed`; ``rank``: the node of each row."""
    codes, _ = pd.factorize(keys.reset_index(drop=True), use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    rows = np.flatnonzero(codes >= 0)
    return Keyed(link, rank[rows], codes[rows])


def keyed_columns(link: Link, columns: list[pd.Series], rank: np.ndarray) -> Keyed:
    """Several key columns pooled: two leads agree when any of their keys are equal."""
    n = max(len(rank), 1)
    stacked = pd.concat([c.reset_index(drop=True) for c in columns], ignore_index=True)
    codes, _ = pd.factorize(stacked, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    nodes = np.tile(rank, len(columns))
    valid = codes >= 0
    pairs = np.unique(codes[valid] * n + nodes[valid])  # each (code, lead) once
    return Keyed(link, pairs % n, pairs // n)


def normalise_where(
    values: pd.Series, keep: np.ndarray, normalise: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """``normalise`` on the kept values only (NA elsewhere): the normalisers map per distinct
    value but their broadcast still walks every row handed to them."""
    out = np.full(len(values), None, dtype=object)
    if keep.any():
        keys = normalise(values[keep].reset_index(drop=True))
        out[keep] = keys.astype(object).where(keys.notna(), None).to_numpy()
    return pd.Series(out, dtype="string")


def _text(leads: pd.DataFrame, name: str) -> pd.Series:
    if name in leads.columns:
        return leads[name].astype("string").reset_index(drop=True)
    return pd.Series(pd.NA, index=range(len(leads)), dtype="string")


# ---------------------------------------------------------------------------- strong (Zoho)
def _strong_reason(f: MatchField) -> str:
    if f.route == "email":
        return "same Email (Zoho's rule: case and surrounding spaces ignored)"
    if f.route == "company":
        return "same Company (Zoho compares it with Account_Name: case and spaces ignored)"
    target = f" as {f.field}" if f.field != f.lead_field else ""
    case = "case must match" if f.kind == "exact" else "case ignored"
    return f"same {f.lead_field} (unique in {f.module}{target}; {case})"


def company_allowed(leads: pd.DataFrame, config: OrgConfig) -> bool:
    """Whether converting creates Accounts at all: Accounts and the lead's Company present."""
    return bool(match_fields("Accounts", config)) and "Company" in leads.columns


def strong_links(leads: pd.DataFrame, config: OrgConfig, rank: np.ndarray) -> list[Keyed]:
    """Zoho's Contacts list (unique fields, Email) and Accounts list (unique fields, Company).

    Company links join only leads that have a Company: Zoho creates an Account only for them
    (zoho-api.md §5).
    """
    out: list[Keyed] = []
    cache: dict[tuple[str, str], pd.Series] = {}

    def key(name: str, kind: str) -> pd.Series:
        if (name, kind) not in cache:
            cache[name, kind] = match_key(_text(leads, name), kind)
        return cache[name, kind]

    for f in match_fields("Contacts", config):
        if f.lead_field in leads.columns:
            link = Link(PERSON, STRONG, f.lead_field, _strong_reason(f))
            out.append(keyed(link, key(f.lead_field, f.kind), rank))
    if company_allowed(leads, config):
        with_company = key("Company", "text").notna().to_numpy()
        for f in match_fields("Accounts", config):
            if f.lead_field in leads.columns:
                link = Link(COMPANY, STRONG, f.lead_field, _strong_reason(f))
                out.append(keyed(link, key(f.lead_field, f.kind).where(with_company), rank))
    return out


# ---------------------------------------------------------------------------- review (crmkit)
_REVIEW_REASONS = {
    ZOHO_NAME: "same full name only (Zoho's name rule): namesakes may be two people",
    EMAIL_KEY: "same email once normalised (case; Gmail dots, +tags, googlemail)",
    PHONE_KEY: "same phone number once normalised (E.164; Phone or Mobile)",
    NAME_KEY: "same first and last name once normalised (nicknames, punctuation)",
    COMPANY_KEY: "same company once normalised (legal form, punctuation, brackets, The)",
}


def review_link(kind: str, label: str) -> Link:
    return Link(kind, REVIEW, label, _REVIEW_REASONS[label])


def review_links(
    leads: pd.DataFrame,
    config: OrgConfig,
    rank: np.ndarray,
    row_labels: Mapping[str, np.ndarray],
    *,
    wanted: Collection[str] = REVIEW_LABELS,
    email_is_strong: bool,
    region: str,
) -> list[Keyed]:
    """Name-only agreement and crmkit's near-duplicate keys (email, phone, name, company).

    ``row_labels``: each row's strong component, per kind (see :func:`spans_clusters`);
    ``wanted``: the review labels to compute.
    """
    out: list[Keyed] = []
    names = [c for c in ("Full_Name", "First_Name", "Last_Name") if c in leads.columns]
    if names and ZOHO_NAME in wanted:
        zoho_name = match_key(full_name(leads).reset_index(drop=True), "text")
        out.append(keyed(review_link(PERSON, ZOHO_NAME), zoho_name, rank))
    if "Email" in leads.columns and EMAIL_KEY in wanted:
        email = email_keys(leads, row_labels[PERSON], email_is_strong)
        out.append(keyed(review_link(PERSON, EMAIL_KEY), email, rank))
    phones = [_text(leads, c) for c in PHONE_COLUMNS if c in leads.columns]
    if phones and PHONE_KEY in wanted:
        phone = phone_keys(phones, region, row_labels[PERSON])
        out.append(keyed_columns(review_link(PERSON, PHONE_KEY), phone, rank))
    if ("Last_Name" in leads.columns or "Full_Name" in leads.columns) and NAME_KEY in wanted:
        out.append(keyed(review_link(PERSON, NAME_KEY), person_name_keys(leads), rank))
    if company_allowed(leads, config) and COMPANY_KEY in wanted:
        company = company_keys(leads, row_labels[COMPANY])
        out.append(keyed(review_link(COMPANY, COMPANY_KEY), company, rank))
    return out


def email_block(values: pd.Series) -> pd.Series:
    """Lower case, ``+tags`` and every dot dropped: equal normalised addresses share it."""
    arr = pa.array(values.astype("string"), type=pa.large_string())
    arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    arr = pc.replace_substring_regex(arr, r"@googlemail\.com$", "@gmail.com")
    arr = pc.replace_substring_regex(arr, r"\+[^@]*@", "@")
    arr = pc.replace_substring_regex(arr, r"\.", "")
    block = pd.Series(pd.arrays.ArrowStringArray(arr), index=values.index, dtype="string")
    return block.mask(block == "")


def email_keys(leads: pd.DataFrame, labels: np.ndarray, email_is_strong: bool) -> pd.Series:
    """``normalize_emails`` keys for the addresses whose block spans strong person clusters.

    Beyond Zoho's comparison (trimmed, case-folded) the normaliser changes only Gmail addresses,
    and a Gmail key never equals another domain's, so while Email is a strong link only Gmail
    addresses can pair.
    """
    email = _text(leads, "Email")
    if email_is_strong:
        low = email.str.strip().str.lower()
        gmail = low.str.endswith("@gmail.com") | low.str.endswith("@googlemail.com")
        email = email.where(gmail.fillna(False).to_numpy(dtype=bool))
    keep = spans_clusters(email_block(email.dropna()).reindex(email.index), labels)
    return normalise_where(email, keep, normalize_emails)


_EXTENSION = r"(?i)\s*(?:;\s*ext=|ext(?:ension|n)?\.?|x|#)\s*\d{1,7}\s*$"


def phone_block(values: pd.Series) -> pd.Series:
    """The last 8 digits (extension dropped): equal E.164 numbers always share them."""
    arr = pa.array(values.astype("string"), type=pa.large_string())
    arr = pc.replace_substring_regex(arr, pattern=_EXTENSION, replacement="")
    digits = pc.replace_substring_regex(arr, pattern=r"\D", replacement="")
    enough = pc.greater_equal(pc.utf8_length(digits), 7)
    block = pc.if_else(enough, pc.utf8_slice_codeunits(digits, start=-8), None)
    return pd.Series(pd.arrays.ArrowStringArray(block), index=values.index, dtype="string")


def spans_clusters(block: pd.Series, labels: np.ndarray) -> np.ndarray:
    """True where the value's block holds leads of two or more strong clusters.

    Only there can a normalised key add a review pair: the tier pairs leads the strong tier
    keeps apart, and a block holds every value that could share the value's key.
    """
    codes, _ = pd.factorize(block.reset_index(drop=True), use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    valid = codes >= 0
    if not valid.any():
        return valid
    width = int(labels.max()) + 1
    seen = np.unique(codes[valid] * width + labels[valid]) // width
    clusters = np.bincount(seen, minlength=int(codes.max()) + 1)
    return valid & (clusters[np.maximum(codes, 0)] >= 2)


def phone_keys(columns: list[pd.Series], region: str, labels: np.ndarray) -> list[pd.Series]:
    """``normalize_phones`` keys for the values whose block spans strong person clusters."""
    stacked = pd.concat(columns, ignore_index=True)
    keep = spans_clusters(phone_block(stacked), np.tile(labels, len(columns)))
    keys = normalise_where(stacked, keep, lambda v: normalize_phones(v, region))
    n = len(columns[0])
    return [keys.iloc[i * n : (i + 1) * n].reset_index(drop=True) for i in range(len(columns))]


def person_name_keys(leads: pd.DataFrame) -> pd.Series:
    """``normalize_person_names`` name keys; a first and a last name are both required."""
    if "Last_Name" in leads.columns:
        first, last = _text(leads, "First_Name"), _text(leads, "Last_Name")
        parts = normalize_person_names(first=first, last=last)
    else:
        parts = normalize_person_names(full=_text(leads, "Full_Name"))
    complete = (parts["first_key"].notna() & parts["last_key"].notna()).to_numpy()
    return parts["name_key"].where(complete).reset_index(drop=True)


def _term_pattern() -> str:
    """A regex for one trailing legal-form word of cleanco's lists (plus group/grp)."""
    tokens = {
        re.sub(r"[.,\-/:']", "", part) for _, parts in prepare_default_terms() for part in parts
    }
    words = sorted((t for t in tokens if t and re.fullmatch(r"\w+", t)), key=lambda t: (-len(t), t))
    words += ["group", "grp"]
    return r"(?:\s+(?:" + "|".join(re.escape(w) for w in words) + r"))+$"


_TERMS = _term_pattern()
_QUALIFIER = r"(\S)\s*(\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\})"
# Long legal forms ``company_key`` rewrites to the short form cleanco strips.
_LONG_FORMS = (
    (r"\bpublic limited company\b", "plc"),
    (r"\bpublic company limited\b", "pcl"),
    (r"\blimited liability company\b", "llc"),
    (r"\blimited liability partnership\b", "llp"),
)


def company_block(values: pd.Series) -> pd.Series:
    """A coarse company key: lower case, accents, brackets, punctuation, legal words all gone.

    ``company_key`` strips legal forms only from the end of the name and keeps its first word,
    so two names with equal keys share this block (it strips every trailing word that appears in
    any legal form: coarser, never finer).
    """
    arr = pa.array(values.astype("string"), type=pa.large_string())
    arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    arr = pc.replace_substring_regex(pc.utf8_normalize(arr, "NFKD"), r"\p{Mn}", "")
    for _ in range(2):  # "Acme (UK) (old)": a match cannot start inside the previous one
        arr = pc.replace_substring_regex(arr, _QUALIFIER, r"\1 ")
    arr = pc.replace_substring_regex(arr, "&", " and ")
    arr = pc.replace_substring_regex(arr, r"[.,\-/:']", "")
    arr = pc.replace_substring_regex(arr, r"[^\w\s]+", " ")
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"\s+", " "))
    for long_form, short in _LONG_FORMS:
        arr = pc.replace_substring_regex(arr, long_form, short)
    arr = pc.replace_substring_regex(arr, r"^the ", "")
    arr = pc.replace_substring_regex(arr, _TERMS, "")
    arr = pc.replace_substring_regex(arr, r"\s+", "")
    block = pd.Series(pd.arrays.ArrowStringArray(arr), index=values.index, dtype="string")
    return block.mask(block == "")


def company_keys(leads: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    """``normalize_companies`` keys for the leads whose block spans strong company clusters.

    Leads whose Company is equal as Zoho compares share a strong cluster already, so a block
    of one spelling costs no call: the normaliser runs once per spelling that could pair.
    """
    company = _text(leads, "Company")
    keep = spans_clusters(company_block(company), labels)
    return normalise_where(company, keep, normalize_companies)

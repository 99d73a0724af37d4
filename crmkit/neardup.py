"""Near-duplicates Zoho's exact matching misses, and a shadow view beside Zoho's answer.

Zoho links a lead to a Contact or Account only on equal strings (zoho-api.md §4). People type
"(212) 555-0142" and "+1 212 555 0142", "Acme Ltd" and "ACME Limited", "Bob" and "Robert".
This module normalises both sides (``crmkit.normalize``), joins on the normalised keys, and
scores blocked candidate pairs with rapidfuzz — all on *distinct* keys, then expanded to
records by merges, so no per-lead Python loop. Each candidate carries its route, score and the
two normalised keys that made it, so a person can see why.

Routes (module in brackets):
- ``phone`` [Contacts]: equal E.164 keys of Phone/Mobile.
- ``email`` [Contacts]: equal normalised addresses (case; Gmail dots and +tags), or the same
  domain with a local part one or two typing slips away. Role addresses (info@, sales@…) never
  link people.
- ``name`` [Contacts]: same last name and a first name that is equal or a nickname of it, or a
  one-slip typo in either when the company or email domain agrees too.
- ``company`` [Accounts]: equal company keys (legal suffixes, punctuation, brackets, "The"
  removed), a close typo, or the lead's email domain equal to the account's website domain.
  Free-mail domains never link companies.

This is crmkit's prediction, not Zoho's answer; the shadow view keeps the two apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from crmkit.normalize import (
    NICKNAMES,
    email_domains,
    is_free_mail,
    is_role_address,
    normalize_companies,
    normalize_emails,
    normalize_person_names,
    normalize_phones,
)

CANDIDATE_COLUMNS = (
    "lead_id",
    "module",
    "record_id",
    "route",
    "method",
    "score",
    "lead_key",
    "record_key",
    "zoho_exact",
)
ROUTES = ("phone", "email", "name", "company")
# quality(): recall/found are strict (by the pair's own route); *_any count any route.
QUALITY_COLUMNS = (
    "route",
    "proposed",
    "true_pos",
    "planted",
    "found",
    "found_any",
    "precision",
    "recall",
    "recall_any",
)


@dataclass(frozen=True)
class NearDupSettings:
    """Thresholds; the defaults are the ones measured in docs/matching.md."""

    region: str = "US"  # phones without +country are read as from here
    email_max_slips: int = 2  # OSA edits between local parts on the same domain
    email_min_similarity: float = 0.8
    name_max_slips: int = 1  # OSA edits in the first or last name
    company_min_similarity: float = 0.9  # normalised OSA similarity of company keys
    company_max_slips: int = 2


# ---------------------------------------------------------------------------------- helpers
def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col in frame.columns:
        return frame[col].astype("string").reset_index(drop=True)
    return pd.Series(pd.NA, index=range(len(frame)), dtype="string")


def _ids(frame: pd.DataFrame) -> pd.Series:
    return frame["id"].astype("string").str.strip().reset_index(drop=True)


def _keyed(ids: pd.Series, keys: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"id": ids.to_numpy(), "key": keys.astype("string").to_numpy()})
    return out.dropna(subset=["key"]).drop_duplicates()


# A block whose two sides multiply to more pairs than this says nothing (a shared "Inc", a
# common prefix); it is skipped, as record-linkage tools cap block sizes.
MAX_BLOCK_PAIRS = 2_500


def _blocked_pairs(
    left: pd.Series,
    right: pd.Series,
    blockers: Sequence[Callable[[pd.Series], pd.Series]],
    max_block_pairs: int = MAX_BLOCK_PAIRS,
) -> pd.DataFrame:
    """Distinct (lkey, rkey) pairs sharing at least one block key, excluding equal keys."""
    lk = pd.Series(left.dropna().unique(), dtype="string")
    rk = pd.Series(right.dropna().unique(), dtype="string")
    parts = []
    for block in blockers:
        lb = pd.DataFrame({"lkey": lk, "b": block(lk)}).dropna()
        rb = pd.DataFrame({"rkey": rk, "b": block(rk)}).dropna()
        sizes = lb["b"].value_counts().mul(rb["b"].value_counts(), fill_value=0)
        usable = sizes[(sizes > 0) & (sizes <= max_block_pairs)].index
        lb, rb = lb[lb["b"].isin(usable)], rb[rb["b"].isin(usable)]
        parts.append(lb.merge(rb, on="b")[["lkey", "rkey"]])
    if not parts:
        return pd.DataFrame({"lkey": pd.Series(dtype="string"), "rkey": pd.Series(dtype="string")})
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates()
    return pairs[pairs["lkey"] != pairs["rkey"]].reset_index(drop=True)


def _osa(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """OSA distance (a transposition is one slip) and normalised similarity, pair by pair."""
    la, lb = a.astype(str).tolist(), b.astype(str).tolist()
    if not la:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    dist = np.asarray(process.cpdist(la, lb, scorer=OSA.distance), dtype=np.int64)
    longest = np.maximum(a.str.len().to_numpy(dtype=np.int64), b.str.len().to_numpy(dtype=np.int64))
    sim = 1.0 - dist / np.maximum(longest, 1)  # float64: 0.9 stays 0.9
    return dist, sim


def _expand(
    key_pairs: pd.DataFrame,
    left: pd.DataFrame,
    right: pd.DataFrame,
    route: str,
    method: str,
    module: str,
) -> pd.DataFrame:
    """(lkey, rkey, score) -> (lead_id, record_id, …) through the keyed id tables."""
    out = key_pairs.merge(left.rename(columns={"id": "lead_id", "key": "lkey"}), on="lkey")
    out = out.merge(right.rename(columns={"id": "record_id", "key": "rkey"}), on="rkey")
    return pd.DataFrame(
        {
            "lead_id": out["lead_id"].to_numpy(),
            "module": module,
            "record_id": out["record_id"].to_numpy(),
            "route": route,
            "method": method,
            "score": out["score"].to_numpy(dtype=float),
            "lead_key": out["lkey"].to_numpy(),
            "record_key": out["rkey"].to_numpy(),
        }
    )


def _exact(left: pd.DataFrame, right: pd.DataFrame, route: str, module: str) -> pd.DataFrame:
    keys = pd.DataFrame({"lkey": left["key"].unique()})
    keys = keys[keys["lkey"].isin(right["key"])]
    keys = keys.assign(rkey=keys["lkey"], score=1.0)
    return _expand(keys, left, right, route, "exact_key", module)


def _prefix(n: int) -> Callable[[pd.Series], pd.Series]:
    return lambda s: s.str.replace(" ", "", regex=False).str[:n].where(s.str.len() >= n)


def _suffix(n: int) -> Callable[[pd.Series], pd.Series]:
    return lambda s: s.str.replace(" ", "", regex=False).str[-n:].where(s.str.len() >= n)


def _rare_slips(pairs: pd.DataFrame, vocabulary: pd.Series) -> np.ndarray:
    """True where every lead-side token that differs is a rare word (a slip, not a name).

    "solar pharma" vs "polar pharma" differ by one letter, but "solar" is an established word
    of the org (it appears in two or more names), so the two are different companies. A typo
    makes a token nobody else uses: "cosnulting". ``vocabulary``: token -> count over both sides.
    """
    if pairs.empty:
        return np.zeros(0, dtype=bool)
    frame = pairs[["lkey", "rkey"]].reset_index(drop=True)
    frame["pair"] = np.arange(len(frame))
    left = frame.assign(tok=frame["lkey"].str.split(" ")).explode("tok")[["pair", "tok"]]
    right = frame.assign(tok=frame["rkey"].str.split(" ")).explode("tok")[["pair", "tok"]]
    diff = left.merge(right.assign(shared=True), on=["pair", "tok"], how="left")
    diff = diff[diff["shared"].isna()]
    common = diff["tok"].map(vocabulary).fillna(0).to_numpy() >= 2
    blocked = np.zeros(len(frame), dtype=bool)
    blocked[diff["pair"].to_numpy()[common]] = True
    return ~blocked


def _vocabulary(*keys: pd.Series) -> pd.Series:
    """Token -> number of records using it, over all the given key columns."""
    tokens = pd.concat([k.dropna().astype("string").str.split(" ").explode() for k in keys])
    return tokens.value_counts()


def _digits(s: pd.Series) -> pd.Series:
    """The digits of each key, sorted."""
    only = s.astype("string").str.replace(r"\D", "", regex=True)
    return only.map(lambda v: "".join(sorted(str(v))), na_action="ignore").astype("string")


def _letters(s: pd.Series) -> pd.Series:
    """The key's letters in sorted order: a transposition ("haeys"/"hayes") keeps it."""
    return s.map(lambda v: "".join(sorted(str(v).replace(" ", ""))), na_action="ignore")


# ---------------------------------------------------------------------------------- routes
def phone_candidates(
    leads: pd.DataFrame, contacts: pd.DataFrame, settings: NearDupSettings
) -> pd.DataFrame:
    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        ids = _ids(frame)
        parts = [
            _keyed(ids, normalize_phones(_text(frame, c), settings.region))
            for c in ("Phone", "Mobile")
        ]
        return pd.concat(parts, ignore_index=True).drop_duplicates()

    return _exact(keyed(leads), keyed(contacts), "phone", "Contacts")


def email_candidates(
    leads: pd.DataFrame, contacts: pd.DataFrame, settings: NearDupSettings
) -> pd.DataFrame:
    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        raw = _text(frame, "Email")
        keys = normalize_emails(raw).mask(is_role_address(raw))
        return _keyed(_ids(frame), keys)

    left, right = keyed(leads), keyed(contacts)
    exact = _exact(left, right, "email", "Contacts")
    domain: Callable[[pd.Series], pd.Series] = lambda s: s.str.split("@").str[1]  # noqa: E731
    local: Callable[[pd.Series], pd.Series] = lambda s: s.str.split("@").str[0]  # noqa: E731
    pairs = _blocked_pairs(
        left["key"],
        right["key"],
        [
            lambda s: domain(s) + "|" + local(s).str[:3],
            lambda s: domain(s) + "|" + local(s).str[-3:],
        ],
    )
    pairs = pairs[domain(pairs["lkey"]).to_numpy() == domain(pairs["rkey"]).to_numpy()]
    dist, sim = _osa(local(pairs["lkey"]), local(pairs["rkey"]))
    keep = (dist <= settings.email_max_slips) & (sim >= settings.email_min_similarity)
    pairs = pairs[keep].assign(score=sim[keep])
    # "flores71" and "flores70" are two mailboxes: the digits must be the same (in any order).
    pairs = pairs[_digits(pairs["lkey"]).to_numpy() == _digits(pairs["rkey"]).to_numpy()]
    fuzzy = _expand(pairs, left, right, "email", "typo", "Contacts")
    return pd.concat([exact, fuzzy], ignore_index=True)


def _person_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per record: name keys, every first-name form, company key and non-free email domain."""
    if "First_Name" in frame.columns or "Last_Name" in frame.columns:
        names = normalize_person_names(
            first=_text(frame, "First_Name"), last=_text(frame, "Last_Name")
        )
    else:
        names = normalize_person_names(full=_text(frame, "Full_Name"))
    email = _text(frame, "Email")
    dom = email_domains(email).mask(is_free_mail(email))
    company_col = "Company" if "Company" in frame.columns else "Account_Name.name"
    table = pd.DataFrame(
        {
            "id": _ids(frame).to_numpy(),
            "first": names["first_token"].to_numpy(),
            "last": names["last_key"].to_numpy(),
            "name": names["name_key"].to_numpy(),
            "domain": dom.to_numpy(),
            "company": normalize_companies(_text(frame, company_col)).to_numpy(),
        }
    )
    return table.dropna(subset=["last"])


def _first_forms(first: pd.Series) -> pd.DataFrame:
    """(first, form): the name itself and the formal names a nickname stands for."""
    uniq = pd.Series(first.dropna().unique(), dtype="string")
    rows = [(f, f) for f in uniq] + [(f, g) for f in uniq for g in NICKNAMES.get(str(f), ())]
    return pd.DataFrame(rows, columns=["first", "form"], dtype="string")


def name_candidates(
    leads: pd.DataFrame, contacts: pd.DataFrame, settings: NearDupSettings
) -> pd.DataFrame:
    lt, ct = _person_table(leads), _person_table(contacts)
    # Exact last name, first names equal or sharing a formal form (nicknames).
    lf = lt.merge(_first_forms(lt["first"]), on="first", how="left")
    cf = ct.merge(_first_forms(ct["first"]), on="first", how="left")
    lf["form"] = lf["form"].fillna("")
    cf["form"] = cf["form"].fillna("")
    same = lf.merge(cf, on=["last", "form"], suffixes=("_l", "_r"))
    same = same.drop_duplicates(["id_l", "id_r"])
    nick = same["first_l"].fillna("") != same["first_r"].fillna("")
    exact = pd.DataFrame(
        {
            "lead_id": same["id_l"].to_numpy(),
            "module": "Contacts",
            "record_id": same["id_r"].to_numpy(),
            "route": "name",
            "method": np.where(nick, "nickname", "exact_key"),
            "score": np.where(nick, 0.95, 1.0),
            "lead_key": same["name_l"].to_numpy(),
            "record_key": same["name_r"].to_numpy(),
        }
    )
    # One slip in the full name key that makes a word nobody else in the org uses.
    pairs = _blocked_pairs(lt["name"], ct["name"], [_prefix(4), _suffix(4), _letters])
    dist, sim = _osa(pairs["lkey"], pairs["rkey"])
    slip = dist <= settings.name_max_slips
    pairs = pairs[slip].assign(score=sim[slip])
    pairs = pairs[_rare_slips(pairs, _vocabulary(lt["name"], ct["name"]))]
    cand = pairs.merge(lt.rename(columns={"name": "lkey"}), on="lkey").merge(
        ct.rename(columns={"name": "rkey"}), on="rkey", suffixes=("_l", "_r")
    )
    fuzzy = pd.DataFrame(
        {
            "lead_id": cand["id_l"].to_numpy(),
            "module": "Contacts",
            "record_id": cand["id_r"].to_numpy(),
            "route": "name",
            "method": "typo",
            "score": cand["score"].to_numpy(dtype=float),
            "lead_key": cand["lkey"].to_numpy(),
            "record_key": cand["rkey"].to_numpy(),
        }
    )
    both = pd.concat(
        [exact.assign(_ok=_agrees(same)), fuzzy.assign(_ok=_agrees(cand))], ignore_index=True
    )
    # Several namesakes for one lead: when the company or email domain picks some, keep those.
    picked = both.groupby("lead_id")["_ok"].transform("any").to_numpy()
    both = both[~picked | both["_ok"].to_numpy()]
    result: pd.DataFrame = both.drop(columns="_ok")
    return result


def _agrees(pairs: pd.DataFrame) -> np.ndarray:
    """Lead and contact share a company key or a (non-free) email domain."""
    company = (pairs["company_l"] == pairs["company_r"]).fillna(False).astype(bool)
    domain = (pairs["domain_l"] == pairs["domain_r"]).fillna(False).astype(bool)
    return (company | domain).to_numpy()


def _website_domain(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip().str.lower()
    s = s.str.replace(r"^[a-z]+://", "", regex=True).str.replace(r"^www\d?\.", "", regex=True)
    s = s.str.split("/").str[0].str.split(":").str[0]
    return s.mask(s == "").astype("string")


def company_candidates(
    leads: pd.DataFrame,
    accounts: pd.DataFrame,
    settings: NearDupSettings,
    linked: pd.Series | None = None,
) -> pd.DataFrame:
    """``linked``: lead ids Zoho ties to a contact; their account comes with the contact, so
    their email domain is not used to find one."""
    left = _keyed(_ids(leads), normalize_companies(_text(leads, "Company")))
    right = _keyed(_ids(accounts), normalize_companies(_text(accounts, "Account_Name")))
    exact = _exact(left, right, "company", "Accounts")
    pairs = _blocked_pairs(left["key"], right["key"], [_prefix(4), _suffix(4)])
    dist, sim = _osa(pairs["lkey"], pairs["rkey"])
    keep = (dist <= settings.company_max_slips) & (sim >= settings.company_min_similarity)
    pairs = pairs[keep].assign(score=sim[keep])
    pairs = pairs[_rare_slips(pairs, _vocabulary(left["key"], right["key"]))]
    fuzzy = _expand(pairs, left, right, "company", "typo", "Accounts")
    # The lead's (non-free) email domain is the account's website domain — only for leads
    # that name no company: a named company outweighs where the mailbox lives.
    email = _text(leads, "Email")
    named = _ids(leads).isin(left["id"]).to_numpy()
    if linked is not None:
        named = named | _ids(leads).isin(linked).to_numpy()
    domains = email_domains(email).mask(is_free_mail(email)).mask(named)
    dom = _keyed(_ids(leads), domains)
    site = _keyed(_ids(accounts), _website_domain(_text(accounts, "Website")))
    by_domain = _exact(dom, site, "company", "Accounts").assign(method="email_domain", score=0.9)
    return pd.concat([exact, fuzzy, by_domain], ignore_index=True)


def _name_as_fallback(out: pd.DataFrame) -> pd.DataFrame:
    """Drop name-only candidates of leads that phone or email already tie to a contact.

    Namesakes are common; when a phone or address points at one contact, another contact who
    merely shares the name is someone else. A contact found by name *and* phone/email stays.
    """
    if out.empty:
        return out
    strong = out[out["route"].isin(["phone", "email"])][["lead_id", "record_id"]]
    strong_leads = strong["lead_id"].drop_duplicates()
    is_name = (out["route"] == "name").to_numpy()
    lead_tied = out["lead_id"].isin(strong_leads).to_numpy()
    pair = out[["lead_id", "record_id"]].merge(
        strong.drop_duplicates().assign(tied=True), on=["lead_id", "record_id"], how="left"
    )
    same_record = pair["tied"].notna().to_numpy()
    return out[~(is_name & lead_tied & ~same_record)]


# ---------------------------------------------------------------------------------- public
def near_duplicates(
    leads: pd.DataFrame,
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    *,
    exact: pd.DataFrame | None = None,
    settings: NearDupSettings | None = None,
    routes: Sequence[str] = ROUTES,
) -> pd.DataFrame:
    """Candidate (lead, record) pairs per route, best method per pair and route.

    ``exact``: a ``matches`` frame (from Zoho or ``crmkit.matching.predict``); pairs in it get
    ``zoho_exact=True`` — Zoho already offers them. Columns: ``CANDIDATE_COLUMNS``.
    """
    settings = settings or NearDupSettings()
    runners = {
        "phone": lambda: phone_candidates(leads, contacts, settings),
        "email": lambda: email_candidates(leads, contacts, settings),
        "name": lambda: name_candidates(leads, contacts, settings),
        "company": lambda: company_candidates(leads, accounts, settings),
    }
    unknown = [r for r in routes if r not in runners]
    if unknown:
        raise ValueError(f"unknown near-duplicate routes {unknown}; choose from {list(ROUTES)}")
    if exact is not None and len(exact):
        # A lead Zoho already links to a contact (unique field, Email, name) is that person:
        # a namesake elsewhere is someone else, so the name route only serves the others.
        linked = exact.loc[exact["module"] == "Contacts", "lead_id"].astype("string")
        rest = leads[~leads["id"].astype("string").isin(linked).to_numpy()]
        runners["name"] = lambda: name_candidates(rest, contacts, settings)
        runners["company"] = lambda: company_candidates(leads, accounts, settings, linked)
    parts = [runners[r]() for r in routes]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if out.empty:
        out = pd.DataFrame({c: pd.Series(dtype="string") for c in CANDIDATE_COLUMNS})
    out = out.sort_values(["lead_id", "module", "record_id", "route", "score"], ascending=False)
    out = out.drop_duplicates(["lead_id", "module", "record_id", "route"])
    out = _name_as_fallback(out)
    if exact is not None and len(exact):
        known = exact[["lead_id", "module", "record_id"]].dropna().astype("string")
        known = known.drop_duplicates().assign(zoho_exact=True)
        out = out.astype({"lead_id": "string", "module": "string", "record_id": "string"})
        out = out.merge(known, on=["lead_id", "module", "record_id"], how="left")
        out["zoho_exact"] = out["zoho_exact"].astype("boolean").fillna(False)
    else:
        out["zoho_exact"] = pd.array([False] * len(out), dtype="boolean")
    out = out.reindex(columns=list(CANDIDATE_COLUMNS))
    for c in ("lead_id", "module", "record_id", "route", "method", "lead_key", "record_key"):
        out[c] = out[c].astype("string")
    out["score"] = out["score"].astype("Float64")
    return out.sort_values(["lead_id", "module", "route", "record_id"]).reset_index(drop=True)


def shadow(
    options: pd.DataFrame,
    candidates: pd.DataFrame,
    leads: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Zoho's answer and crmkit's near-duplicates side by side, one row per lead.

    ``options``: Zoho's (or the predicted) ``options`` frame. Flags:
    ``new_duplicate_contact`` — Zoho offers no contact, so converting creates a new Contact,
    yet crmkit sees an existing one; ``new_duplicate_account`` — likewise for the Account (only
    when the lead has a Company, since Zoho creates an Account only then; without ``leads``
    every lead is assumed to have one).
    """
    beyond = candidates[~candidates["zoho_exact"].astype("boolean").fillna(False).astype(bool)]
    per = (
        beyond.groupby(["lead_id", "module"])
        .agg(n=("record_id", "nunique"), best=("score", "max"))
        .unstack("module")
    )
    routes = beyond.groupby("lead_id")["route"].agg(lambda s: ";".join(sorted(set(s))))
    base = options[
        ["lead_id", "outcome", "error_code", "n_contacts", "n_accounts", "module_preference"]
    ].copy()
    base = base.rename(
        columns={
            "outcome": "zoho_outcome",
            "n_contacts": "zoho_contacts",
            "n_accounts": "zoho_accounts",
            "module_preference": "zoho_preference",
        }
    )
    base = base.set_index("lead_id")

    def col(stat: str, module: str) -> pd.Series:
        if (stat, module) in per.columns:
            return per[(stat, module)].reindex(base.index)
        return pd.Series(np.nan, index=base.index)

    base["crmkit_contacts"] = col("n", "Contacts").fillna(0).astype("Int64")
    base["crmkit_accounts"] = col("n", "Accounts").fillna(0).astype("Int64")
    base["crmkit_routes"] = routes.reindex(base.index).astype("string")
    base["best_score"] = (
        pd.concat([col("best", "Contacts"), col("best", "Accounts")], axis=1)
        .max(axis=1)
        .astype("Float64")
    )
    answered = base["zoho_outcome"].isin(["matched", "no_match"])
    has_company = pd.Series(True, index=base.index)
    if leads is not None and "Company" in leads.columns:
        comp = leads.assign(id=leads["id"].astype("string")).set_index("id")["Company"]
        comp = comp.astype("string").str.strip()
        has_company = (comp.notna() & (comp != "")).reindex(base.index).fillna(False)
    base["new_duplicate_contact"] = (
        answered & (base["zoho_contacts"].fillna(0) == 0) & (base["crmkit_contacts"] > 0)
    ).astype("boolean")
    base["new_duplicate_account"] = (
        answered
        & (base["zoho_accounts"].fillna(0) == 0)
        & (base["crmkit_accounts"] > 0)
        & has_company.astype(bool)
    ).astype("boolean")
    return base.reset_index()


def quality(candidates: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall per route against labelled pairs (``near_duplicates_truth.csv``).

    Scored candidates: those beyond Zoho's exact answer, plus any listed in ``truth`` (so a
    role-address pair Zoho matches exactly still counts against crmkit if crmkit proposes it).
    Precision of a route: share of its scored candidates that are labelled true pairs (under any
    route: a true pair is a true duplicate whichever variant planted it).
    Recall of a route is strict: share of the true pairs labelled with it that *that route*
    finds (``found``/``recall``), so one route cannot hide another's misses; ``found_any`` and
    ``recall_any`` count a pair found by any route, for comparison.
    """
    key = ["lead_id", "module", "record_id"]
    t = truth.astype({c: "string" for c in [*key, "route"]})
    t = t.assign(is_match=t["is_match"].astype("string").str.lower() == "true")
    c = candidates.astype({c: "string" for c in [*key, "route"]})
    labelled = c.merge(t[[*key, "is_match"]].drop_duplicates(key), on=key, how="left")
    scored = labelled[
        (~labelled["zoho_exact"].astype("boolean").fillna(False).astype(bool))
        | labelled["is_match"].notna()
    ]
    scored = scored.assign(tp=scored["is_match"].astype("boolean").fillna(False).astype(bool))
    prec = scored.groupby("route").agg(proposed=("tp", "size"), true_pos=("tp", "sum"))
    planted = t.loc[t["is_match"], [*key, "route"]].drop_duplicates()
    by_own = c[[*key, "route"]].drop_duplicates().assign(own=True)
    by_any = c[key].drop_duplicates().assign(any=True)
    found = planted.merge(by_own, on=[*key, "route"], how="left").merge(by_any, on=key, how="left")
    found = found.assign(
        own=found["own"].astype("boolean").fillna(False).astype(bool),
        any=found["any"].astype("boolean").fillna(False).astype(bool),
    )
    rec = found.groupby("route").agg(
        planted=("own", "size"), found=("own", "sum"), found_any=("any", "sum")
    )
    out = prec.join(rec, how="outer").fillna(0).astype("int64")
    out["precision"] = (out["true_pos"] / out["proposed"].where(out["proposed"] > 0)).round(4)
    planted_n = out["planted"].where(out["planted"] > 0)
    out["recall"] = (out["found"] / planted_n).round(4)
    out["recall_any"] = (out["found_any"] / planted_n).round(4)
    return out.reset_index()[list(QUALITY_COLUMNS)]

"""near_duplicates(): block, compare, weigh, propose — for contacts and for accounts."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np
import pandas as pd

from crmkit.neardup import companies, company_keys, keys, people
from crmkit.neardup.blocking import BlockStat
from crmkit.neardup.settings import CANDIDATE_COLUMNS, ROUTES, NearDupSettings
from crmkit.neardup.weights import (
    Compared,
    Level,
    candidate_u,
    estimate_m,
    estimate_prior,
    estimate_u,
    explain,
    field_weights,
)

LOG = logging.getLogger("crmkit.neardup")
# A phone or address held by more records than this is shared (a switchboard, a family line):
# it cannot name the route of a pair on its own.
SHARED_VALUE = 3


class Matcher(Protocol):
    n: tuple[int, int]
    total: int

    def candidates(self) -> tuple[np.ndarray, np.ndarray, list[BlockStat]]: ...
    def compare(self, i: np.ndarray, j: np.ndarray) -> Compared: ...
    def shown(self, field: str, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in CANDIDATE_COLUMNS})


def score(
    matcher: Matcher,
    comparisons: Mapping[str, tuple[Level, ...]],
    route_fields: Mapping[str, str],
    lead_ids: pd.Series,
    record_ids: pd.Series,
    module: str,
    settings: NearDupSettings,
    stats: list[BlockStat],
    weak_routes: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Every blocked pair weighed; the pairs at or above ``min_probability`` as candidates.

    ``route_fields``: field -> route name, for the fields a pair's route can be (the field with
    the largest positive weight among them; a field in ``weak_routes`` only when no other field
    agrees).
    """
    i, j, block_stats = matcher.candidates()
    stats.extend(block_stats)
    # A record is not its own duplicate: with the leads on both sides (lead-to-lead pairs) the
    # pair of a lead with itself would take all of its probability (one duplicate per lead).
    other = lead_ids.to_numpy()[i] != record_ids.to_numpy()[j]
    i, j = i[other], j[other]
    if not len(i):
        return _empty()
    got = matcher.compare(i, j)
    u = estimate_u(comparisons, matcher.compare, *matcher.n, settings.u_sample_pairs, settings.seed)
    u = candidate_u(comparisons, got, u)
    trained = None
    if settings.train_m:
        trained, _ = estimate_m(comparisons, got, u)
    w = field_weights(comparisons, got, u, matcher.total, trained)
    adjust = getattr(matcher, "adjust", None)
    no_route: dict[str, np.ndarray] = adjust(got, w) if adjust is not None else {}
    evidence = np.sum([w[f] for f in comparisons], axis=0)
    share = estimate_prior(evidence)
    prior = float(np.log2(share / (1 - share)))
    total = prior + evidence
    guard = getattr(matcher, "refuse", None)
    if guard is not None:
        total = np.where(guard(got, w), -np.inf, total)
    prob = _one_per_lead(i, total)
    keep = np.flatnonzero(prob >= settings.min_probability)
    if not len(keep):
        return _empty()
    fields = list(route_fields)
    stack = np.vstack(
        [_route_weight(comparisons[f], got.levels[f][keep], w[f][keep]) for f in fields]
    )
    for k, f in enumerate(fields):
        if f in no_route:
            stack[k] = np.where(no_route[f][keep], -np.inf, stack[k])
    # Names are the weakest identifier (namesakes): a contact channel that agrees is the route
    # — when its value identifies someone. A switchboard or a family phone that many records
    # share agrees for all of them; what tells the pair apart is then the name.
    channel = np.array([f not in weak_routes for f in fields])[:, None]
    if weak_routes:
        held_by = np.vstack([got.tf[f][keep] * matcher.total for f in fields])
        identifies = channel & ~(held_by > SHARED_VALUE)  # NaN (a slip, not a value): identifies
        for use in (identifies, channel):
            has_channel: np.ndarray = np.any((stack > 0) & use, axis=0)
            stack = np.where(~use & has_channel[None, :], -np.inf, stack)
            if use is identifies:
                # Beside a name that agrees, a shared value is not the route either.
                named: np.ndarray = np.any((stack > 0) & ~channel, axis=0)
                stack = np.where(channel & ~use & named[None, :], -np.inf, stack)
    best = np.argmax(stack, axis=0)
    best_field = np.array(fields, dtype=object)[best]
    ki, kj = i[keep], j[keep]
    method = np.empty(len(keep), dtype=object)
    lead_key = np.empty(len(keep), dtype=object)
    record_key = np.empty(len(keep), dtype=object)
    for f in fields:
        sel = np.flatnonzero(best_field == f)
        if not len(sel):
            continue
        names = np.array([x.name for x in comparisons[f]] + [""], dtype=object)
        method[sel] = names[got.levels[f][keep][sel].astype(np.int64)]
        lk, rk = matcher.shown(f, ki[sel], kj[sel])
        lead_key[sel], record_key[sel] = lk, rk
    levels_kept = {f: got.levels[f][keep] for f in comparisons}
    weights_kept = {f: w[f][keep] for f in comparisons}
    return pd.DataFrame(
        {
            "lead_id": lead_ids.to_numpy()[ki],
            "module": module,
            "record_id": record_ids.to_numpy()[kj],
            "route": np.array([route_fields[f] for f in best_field], dtype=object),
            "method": method,
            "score": np.round(prob[keep], 4),
            "lead_key": lead_key,
            "record_key": record_key,
            "match_weight": np.round(total[keep], 2),
            "explanation": explain(comparisons, levels_kept, weights_kept).to_numpy(),
        }
    )


def near_duplicates(
    leads: pd.DataFrame,
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    *,
    exact: pd.DataFrame | None = None,
    settings: NearDupSettings | None = None,
    routes: Sequence[str] = ROUTES,
) -> pd.DataFrame:
    """Proposed (lead, record) pairs, one row each, with the evidence that weighed.

    ``exact``: a ``matches`` frame (from Zoho or ``crmkit.matching.predict``); pairs in it get
    ``zoho_exact=True`` — Zoho already offers them. ``routes`` keeps the pairs whose route (the
    field that weighed most) is listed. Columns: ``CANDIDATE_COLUMNS``; ``attrs["blocking"]``
    lists what each blocking key produced, including any block too large to compare.
    """
    settings = settings or NearDupSettings()
    unknown = [r for r in routes if r not in ROUTES]
    if unknown:
        raise ValueError(f"unknown near-duplicate routes {unknown}; choose from {list(ROUTES)}")
    linked = None
    if exact is not None and len(exact):
        # Tied by Email or a unique field: Zoho's name rule alone ties namesakes too.
        by_name = exact["field"].astype("string").eq("Full_Name").fillna(False).astype(bool)
        contact = (exact["module"] == "Contacts").to_numpy(dtype=bool)
        linked = exact.loc[contact & ~by_name.to_numpy(), "lead_id"].astype("string")
    stats: list[BlockStat] = []
    parts = []
    # Every company name of the three modules keyed in one batch (two processes when many):
    # the lead, contact and account matchers then find them all known.
    company_keys.remember(keys.company_names(leads, contacts, accounts))
    lead_keys = keys.people(leads, "Company")
    account_stats: list[BlockStat] = []

    def account_part() -> pd.DataFrame:
        am = companies.AccountMatcher(leads, accounts, settings, linked, lead_keys)
        return score(
            am,
            companies.COMPARISONS,
            {"company": "company", "domain": "company", "phone": "company"},
            am.ids[0],
            am.ids[1],
            "Accounts",
            settings,
            account_stats,
        )

    # The account side runs on a thread beside the person side: much of both is numpy, Arrow
    # and rapidfuzz, which let go of the GIL, so the two cores share the work. Each side reads
    # the lead keys only; their results are joined in a fixed order.
    with ThreadPoolExecutor(max_workers=1) as pool:
        account_future = (
            pool.submit(account_part)
            if "company" in routes and len(leads) and len(accounts)
            else None
        )
        if set(routes) & {"phone", "email", "name"} and len(leads) and len(contacts):
            pm = people.PersonMatcher(leads, contacts, settings, lead_keys)
            person = score(
                pm,
                people.COMPARISONS,
                {"phone": "phone", "email": "email", "name": "name"},
                pm.frames[0]["id"],
                pm.frames[1]["id"],
                "Contacts",
                settings,
                stats,
                weak_routes=("name",),
            )
            if exact is not None and linked is not None and len(person):
                # A lead Zoho already links to a contact is that person: a namesake elsewhere
                # is someone else, so a pair that only the name carries is dropped for such
                # leads (unless it is the contact Zoho links).
                zoho = exact[["lead_id", "record_id"]].astype("string").drop_duplicates()
                own = person[["lead_id", "record_id"]].merge(zoho.assign(own=True), how="left")
                is_own = own["own"].notna().to_numpy(dtype=bool)
                named = (person["route"] == "name").to_numpy(dtype=bool)
                namesake = named & person["lead_id"].isin(linked).to_numpy(dtype=bool)
                person = person[~(namesake & ~is_own)]
            parts.append(person)
        if account_future is not None:
            parts.append(account_future.result())
    stats.extend(account_stats)
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else _empty()
    out = out[out["route"].isin(list(routes))]
    out = _flag_exact(out, exact)
    out = out.reindex(columns=list(CANDIDATE_COLUMNS))
    for c in (
        "lead_id",
        "module",
        "record_id",
        "route",
        "method",
        "lead_key",
        "record_key",
        "explanation",
    ):
        out[c] = out[c].astype("string")
    out["score"] = out["score"].astype("Float64")
    out["match_weight"] = out["match_weight"].astype("Float64")
    out = out.sort_values(["lead_id", "module", "route", "record_id"]).reset_index(drop=True)
    out.attrs["blocking"] = [s.as_dict() for s in stats]
    for s in stats:
        LOG.debug("near-duplicate blocking: %s", s)
    return out


def _flag_exact(out: pd.DataFrame, exact: pd.DataFrame | None) -> pd.DataFrame:
    if exact is not None and len(exact) and len(out):
        known = exact[["lead_id", "module", "record_id"]].dropna().astype("string")
        known = known.drop_duplicates().assign(zoho_exact=True)
        out = out.astype({"lead_id": "string", "module": "string", "record_id": "string"})
        out = out.merge(known, on=["lead_id", "module", "record_id"], how="left")
        out["zoho_exact"] = out["zoho_exact"].astype("boolean").fillna(False)
    else:
        out = out.assign(zoho_exact=pd.array([False] * len(out), dtype="boolean"))
    return out


def _one_per_lead(lead: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Match probability of each pair given that a lead has at most one duplicate per module.

    2^W_k / (1 + sum_j 2^W_j) over the lead's candidates j: a single candidate keeps its
    probability; two namesakes that fit equally well share it, so neither is proposed.
    """
    if not len(lead):
        return np.zeros(0)
    odds = np.exp2(np.clip(total, -60, 60))
    spread = pd.Series(odds).groupby(lead).transform("sum").to_numpy()
    prob: np.ndarray = odds / (1.0 + spread)
    return prob


def _route_weight(levels: tuple[Level, ...], level: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The field's weight where its level may name the route, else -inf."""
    allowed = np.array([x.names_route for x in levels] + [False])[level.astype(np.int64)]
    return np.where(allowed, weight, -np.inf)

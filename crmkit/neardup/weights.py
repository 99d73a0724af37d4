"""Fellegi-Sunter weights: per field, an agreement level, and log2(m/u) for that level.

``m`` is the chance a true duplicate shows the level, ``u`` the chance two unrelated records do.
``u`` comes from the data, as Splink does it (splink/internals/estimate_u.py, term_frequencies.py):
either the level's share among randomly drawn record pairs, or — for the levels marked ``tf`` —
the term frequency of the agreeing value itself, so a phone shared by 40 contacts or a common
surname agrees often by chance and weighs little, while a rare surname or a personal mobile weighs
a lot. ``m`` are priors (docs/matching.md gives each and why). A pair's match weight is the sum of
its fields' weights plus the prior log-odds; its ``score`` is the match probability.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

NULL = -1  # a field missing on either side: no evidence either way (weight 0)
# A small org says little about chance agreement: a phone held by 2 of 10 records is not a
# common phone. u estimates are blended with ``Level.u0`` as if from this many random pairs,
# and term frequencies are counted over at least this many records.
PSEUDO_PAIRS = 1_000
MIN_POPULATION = 1_000


@dataclass(frozen=True)
class Level:
    """One agreement level: its name (the candidate's ``method``), m, and where u comes from."""

    name: str
    m: float
    u0: float  # u before the data speaks: blended with the sample (PSEUDO_PAIRS) for small orgs
    tf: bool = False  # u is the agreeing value's term frequency
    u_from_candidates: bool = False  # u measured among blocked pairs (see docs/matching.md)
    names_route: bool = True  # False: weighs, but cannot be the pair's route (a shared domain)


@dataclass
class Compared:
    """Levels per field (int8 codes into that field's ``Level`` tuple) and term frequencies."""

    levels: dict[str, np.ndarray]
    tf: dict[str, np.ndarray]  # per field: the agreeing value's term frequency (NaN elsewhere)


Comparator = Callable[[np.ndarray, np.ndarray], Compared]


def estimate_u(
    comparisons: Mapping[str, tuple[Level, ...]],
    compare: Comparator,
    n_left: int,
    n_right: int,
    n_sample: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """u per field and level: the level's share among random (left, right) record pairs.

    Blended with each level's ``u0`` as if from ``PSEUDO_PAIRS`` pairs: a level no random pair
    reached stays finite, and a tiny org's few pairs do not decide alone.
    """
    rng = np.random.default_rng(seed)
    n = min(n_sample, n_left * n_right)
    prior = {f: np.array([x.u0 for x in lv]) for f, lv in comparisons.items()}
    if n == 0:
        return prior
    i = rng.integers(0, n_left, n)
    j = rng.integers(0, n_right, n)
    got = compare(i, j)
    out = {}
    for field, levels in comparisons.items():
        lv = got.levels[field]
        seen = lv[lv != NULL]
        hist = np.bincount(seen.astype(np.int64), minlength=len(levels)).astype(float)
        out[field] = (hist + PSEUDO_PAIRS * prior[field]) / (len(seen) + PSEUDO_PAIRS)
    return out


def field_weights(
    comparisons: Mapping[str, tuple[Level, ...]],
    got: Compared,
    u: Mapping[str, np.ndarray],
    n_records: int,
    trained: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """log2(m/u) per pair and field (0 where the field is missing on a side)."""
    out = {}
    floor = 1.0 / max(n_records, MIN_POPULATION)
    for field, levels in comparisons.items():
        lv = got.levels[field].astype(np.int64)
        m = np.array([x.m for x in levels]) if trained is None else trained[field]
        u_field = np.asarray(u[field], dtype=float)
        safe = np.where(lv == NULL, 0, lv)
        uu = u_field[safe]
        tf_level = np.array([x.tf for x in levels])[safe]
        tf = got.tf.get(field)
        if tf is not None:
            scaled = np.nan_to_num(tf) * n_records / max(n_records, MIN_POPULATION)
            uu = np.where(tf_level & ~np.isnan(tf), np.maximum(scaled, floor), uu)
        w = np.log2(m[safe] / uu)
        out[field] = np.where(lv == NULL, 0.0, w)
    return out


def candidate_u(
    comparisons: Mapping[str, tuple[Level, ...]], got: Compared, u: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Replace u of the levels marked ``u_from_candidates`` by their share among the candidates."""
    out = dict(u)
    for field, levels in comparisons.items():
        flags = [x.u_from_candidates for x in levels]
        if not any(flags):
            continue
        lv = got.levels[field]
        seen = lv[lv != NULL]
        if not len(seen):
            continue
        hist = np.bincount(seen.astype(np.int64), minlength=len(levels)).astype(float)
        share = (hist + 0.5) / (len(seen) + 0.5 * len(levels))
        out[field] = np.where(flags, share, out[field])
    return out


def explain(
    comparisons: Mapping[str, tuple[Level, ...]],
    levels: Mapping[str, np.ndarray],
    weights: Mapping[str, np.ndarray],
) -> pd.Series:
    """ "name nickname +9.2; phone exact_key +11.4; email different -2.1" per pair.

    Fields missing on a side are left out: they weigh nothing.
    """
    n = len(next(iter(levels.values()))) if levels else 0
    text = pd.Series([""] * n, dtype="string")
    for field, lv_tuple in comparisons.items():
        lv = np.asarray(levels[field], dtype=np.int64)
        names = np.array([x.name for x in lv_tuple] + [""], dtype=object)[lv]
        w = pd.Series(weights[field]).map("{:+.1f}".format).astype("string")
        part = (field + " " + pd.Series(names, dtype="string") + " " + w).where(lv != NULL, "")
        sep = pd.Series(np.where((text != "") & (part != ""), "; ", ""), dtype="string")
        text = text + sep + part
    return text


def estimate_prior(total_without_prior: np.ndarray, start: float = 0.05, rounds: int = 50) -> float:
    """The share of candidate pairs that are matches (lambda), by EM with m and u held fixed.

    Each round, lambda becomes the mean match probability of the candidate pairs under the
    current lambda; it converges to the maximum-likelihood share. The prior of a candidate pair
    is then this share — candidates are the blocked pairs, not all pairs, as in Splink's
    ``probability_two_random_records_match`` after blocking.
    """
    if not len(total_without_prior):
        return start
    lam = start
    ratio = np.exp2(np.clip(total_without_prior, -60, 60))
    for _ in range(rounds):
        p = lam * ratio / (lam * ratio + (1 - lam))
        new = float(np.clip(p.mean(), 1e-6, 0.5))
        if abs(new - lam) < 1e-6:
            return new
        lam = new
    return lam


def estimate_m(
    comparisons: Mapping[str, tuple[Level, ...]],
    got: Compared,
    u: Mapping[str, np.ndarray],
    rounds: int = 25,
    prior_pairs: float = 20.0,
) -> tuple[dict[str, np.ndarray], float]:
    """m per field and level, and lambda, by expectation-maximisation over the candidates.

    As Splink trains (splink/internals/expectation_maximisation.py): u held fixed, the pairs
    grouped by their pattern of levels (a few hundred patterns however many pairs), then each
    round weighs every pattern by its match probability and re-counts how often matches show
    each level. ``Level.m`` is the starting point and a prior worth ``prior_pairs`` pairs, so a
    level the org never shows keeps a sensible m. Term frequencies are left out here and
    applied when pairs are scored, as Splink does.
    """
    fields = list(comparisons)
    m = {f: np.array([x.m for x in comparisons[f]]) for f in fields}
    if not len(got.levels[fields[0]]):
        return m, 0.05
    matrix = np.vstack([got.levels[f].astype(np.int64) for f in fields]).T
    patterns, counts = np.unique(matrix, axis=0, return_counts=True)
    counts = counts.astype(float)
    lam = 0.05
    log_u = {f: np.log2(np.asarray(u[f], dtype=float)) for f in fields}
    for _ in range(rounds):
        bits = np.zeros(len(patterns))
        for k, f in enumerate(fields):
            lv = patterns[:, k]
            safe = np.where(lv == NULL, 0, lv)
            bits += np.where(lv == NULL, 0.0, np.log2(m[f][safe]) - log_u[f][safe])
        ratio = np.exp2(np.clip(bits, -60, 60))
        q = lam * ratio / (lam * ratio + (1 - lam))
        weight = q * counts
        lam = float(np.clip(weight.sum() / counts.sum(), 1e-6, 0.5))
        for k, f in enumerate(fields):
            lv = patterns[:, k]
            seen = lv != NULL
            hist = np.bincount(lv[seen], weights=weight[seen], minlength=len(m[f]))
            m0 = np.array([x.m for x in comparisons[f]])
            m0 = m0 / m0.sum()
            m[f] = (hist + prior_pairs * m0) / (hist.sum() + prior_pairs)
    return m, lam

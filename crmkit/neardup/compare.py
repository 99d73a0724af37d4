"""Vectorised comparisons of two records' keys, shared by the person and company matchers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from crmkit.neardup.settings import NearDupSettings


def osa(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OSA distance (a transposition is one slip) and normalised similarity, pair by pair."""
    if not len(a):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    la, lb = a.tolist(), b.tolist()  # str objects already (see strings())
    dist = np.asarray(process.cpdist(la, lb, scorer=OSA.distance, workers=-1), dtype=np.int64)
    longest = np.maximum(
        np.fromiter(map(len, la), np.int64, len(la)), np.fromiter(map(len, lb), np.int64, len(lb))
    )
    return dist, 1.0 - dist / np.maximum(longest, 1)


def strings(s: pd.Series) -> np.ndarray:
    """A string column as an object array with "" for NA (for rapidfuzz and slicing)."""
    return s.astype("string").fillna("").to_numpy(dtype=object)


def code_tf(codes: np.ndarray, total: int) -> np.ndarray:
    """Term frequency per record from shared integer codes (-1 for NA -> NaN): how many records
    hold the value, over ``total``. A bincount, not a map of a million strings."""
    counts = np.bincount(codes[codes >= 0], minlength=int(codes.max()) + 1 if len(codes) else 0)
    out = np.full(len(codes), np.nan)
    has = codes >= 0
    out[has] = counts[codes[has]] / max(total, 1)
    return out


def pair_tf(left: pd.Series, right: pd.Series, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Term frequencies of two sides' values counted over both (``code_tf``)."""
    lc, rc = _shared_codes(left, right)
    tf = code_tf(np.concatenate([lc, rc]), total)
    return tf[: len(lc)], tf[len(lc) :]


def _shared_codes(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    both = pd.concat([left.astype("string"), right.astype("string")], ignore_index=True)
    c, _ = pd.factorize(both, use_na_sentinel=True)
    return c[: len(left)], c[len(left) :]


SLIP_RATIO = 50  # a token this many times rarer than the one it resembles is a slip of it


def rare_slip(counts_a: np.ndarray, counts_b: np.ndarray) -> np.ndarray:
    """True where the differing token on one side is rare (a slip), not an established word.

    "solar pharma" vs "polar pharma" differ by one letter, but both words are used by other
    records too: two companies. A typo makes a token hardly anybody else uses (two records at
    most) and far rarer than the word it misspells (a third as common at most), or both are
    unique. In a large org one slip recurs ("Hlodings" three times beside 30,000 "Holdings"):
    a token at most a fiftieth as common as the other is a slip too.
    """
    lo = np.minimum(counts_a, counts_b)
    hi = np.maximum(counts_a, counts_b)
    slip: np.ndarray = (hi <= 1) | ((lo <= 2) & (hi >= 3 * lo)) | (hi >= SLIP_RATIO * lo)
    return slip


def take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return values[idx] if len(idx) else values[:0]


def token_slips(lkeys: pd.Series, rkeys: pd.Series, vocabulary: pd.Series) -> np.ndarray:
    """Per pair of keys: every token that differs is a slip (see :func:`rare_slip`).

    ``vocabulary``: token -> number of records using it. Computed on the (few) close pairs only.
    """
    n = len(lkeys)
    if n == 0:
        return np.zeros(0, dtype=bool)
    frame = pd.DataFrame(
        {
            "pair": np.arange(n),
            "l": lkeys.astype("string").to_numpy(),
            "r": rkeys.astype("string").to_numpy(),
        }
    )
    left = frame.assign(tok=frame["l"].str.split(" ")).explode("tok")[["pair", "tok"]]
    right = frame.assign(tok=frame["r"].str.split(" ")).explode("tok")[["pair", "tok"]]
    only_l = left.merge(right.assign(shared=True), on=["pair", "tok"], how="left")
    only_l = only_l[only_l["shared"].isna()]
    only_r = right.merge(left.assign(shared=True), on=["pair", "tok"], how="left")
    only_r = only_r[only_r["shared"].isna()]
    cl = only_l.groupby("pair")["tok"].first().map(vocabulary).reindex(range(n)).fillna(0)
    cr = only_r.groupby("pair")["tok"].first().map(vocabulary).reindex(range(n)).fillna(0)
    return rare_slip(cl.to_numpy(dtype=float), cr.to_numpy(dtype=float))


def vocabulary(*keys: pd.Series) -> pd.Series:
    """Token -> number of records using it, over all the given key columns."""
    tokens = pd.concat([k.dropna().astype("string").str.split(" ").explode() for k in keys])
    return tokens.value_counts()


def company_close(dist: np.ndarray, sim: np.ndarray, settings: NearDupSettings) -> np.ndarray:
    """Company keys a typo apart: one slip at ``company_min_similarity``, two only in a long
    name (``company_two_slip_similarity``): "mistral" and "misra" are two words, not a slip."""
    one = (dist <= 1) & (sim >= settings.company_min_similarity)
    two = (dist <= settings.company_max_slips) & (sim >= settings.company_two_slip_similarity)
    close: np.ndarray = one | two
    return close


def company_level(
    codes: tuple[np.ndarray, np.ndarray],
    texts: tuple[np.ndarray, np.ndarray],
    vocab: pd.Series,
    settings: NearDupSettings,
    null: int,
) -> np.ndarray:
    """Company agreement of aligned pairs: `null` (a side empty), 0 equal keys, 1 a typo apart
    (close by OSA and each slip in a rare token), 2 different. `codes` are the pairs' integer key
    codes, `texts` their key strings; one rule for the person and the company matcher."""
    cl, cr = codes
    missing = (cl == null) | (cr == null)
    exact = (cl == cr) & ~missing
    typo = np.zeros(len(cl), dtype=bool)
    todo = np.flatnonzero(~missing & ~exact)
    if len(todo):
        a, b = texts[0][todo], texts[1][todo]
        d, sim = osa(a, b)
        close = np.flatnonzero(company_close(d, sim, settings))
        if len(close):
            typo[todo[close]] = token_slips(pd.Series(a[close]), pd.Series(b[close]), vocab)
    level: np.ndarray = np.select([missing, exact, typo], [null, 0, 1], default=2).astype(np.int8)
    return level

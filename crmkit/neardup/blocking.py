"""Candidate pairs from blocking keys, with oversized blocks split instead of skipped.

A pair is compared only if the two records share a block key (an equal phone tail, address,
email domain and local-part prefix, phonetic surname and initial, company key prefix…). A key
shared by very many records on both sides (a switchboard, a common surname, a big company's
domain) would make a block of millions of pairs: such a block is split by the next, finer key
in its list; whatever is still too large after the last one is counted in the returned stats
(``BlockStat``), which ``near_duplicates`` logs and keeps in ``attrs["blocking"]`` — never
dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

LOG = logging.getLogger("crmkit.neardup")


@dataclass(frozen=True)
class BlockStat:
    """What one blocking key produced: pairs, blocks split by a finer key, blocks left out."""

    rule: str
    pairs: int
    split_blocks: int
    skipped_blocks: int
    skipped_pairs: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def block(
    rule: str,
    left: pd.Series,
    right: pd.Series,
    max_pairs: int,
    finer: Sequence[tuple[pd.Series, pd.Series]] = (),
) -> tuple[np.ndarray, np.ndarray, BlockStat]:
    """Positional (left, right) pairs of records with equal ``left``/``right`` keys.

    ``finer``: further (left, right) key columns, appended to the key of a block past
    ``max_pairs`` pairs, one after the other, until each part is small enough.
    """
    lb = pd.DataFrame({"i": np.arange(len(left)), "b": left.astype("string").to_numpy()})
    rb = pd.DataFrame({"j": np.arange(len(right)), "b": right.astype("string").to_numpy()})
    lb, rb = lb.dropna(), rb.dropna()
    parts_i, parts_j = [], []
    split = skipped = skipped_pairs = 0
    level = 0
    while len(lb) and len(rb):
        # Integer codes shared by both sides: block sizes by bincount, the join on integers.
        codes, _ = pd.factorize(pd.concat([lb["b"], rb["b"]], ignore_index=True))
        cl, cr = codes[: len(lb)], codes[len(lb) :]
        size = np.bincount(cl, minlength=codes.max() + 1) * np.bincount(
            cr, minlength=codes.max() + 1
        )
        big_code = size > max_pairs
        in_l, in_r = big_code[cl], big_code[cr]
        joined = pd.DataFrame({"i": lb["i"].to_numpy()[~in_l], "c": cl[~in_l]}).merge(
            pd.DataFrame({"j": rb["j"].to_numpy()[~in_r], "c": cr[~in_r]}), on="c"
        )
        parts_i.append(joined["i"].to_numpy())
        parts_j.append(joined["j"].to_numpy())
        if not big_code.any():
            break
        big_sizes = size[big_code]
        if level >= len(finer):
            skipped, skipped_pairs = len(big_sizes), int(big_sizes.sum())
            LOG.warning(
                "near-duplicate blocking %s: %d blocks of more than %d pairs left out (%d pairs)",
                rule,
                skipped,
                max_pairs,
                skipped_pairs,
            )
            break
        split += len(big_sizes)
        fl, fr = finer[level]
        lb, rb = lb[in_l], rb[in_r]
        lb = lb.assign(b=lb["b"] + "|" + _at(fl, lb["i"]))
        rb = rb.assign(b=rb["b"] + "|" + _at(fr, rb["j"]))
        lb, rb = lb.dropna(), rb.dropna()
        level += 1
    i = np.concatenate(parts_i) if parts_i else np.zeros(0, dtype=np.int64)
    j = np.concatenate(parts_j) if parts_j else np.zeros(0, dtype=np.int64)
    return i, j, BlockStat(rule, len(i), split, skipped, skipped_pairs)


def join_keys(
    left_pos: np.ndarray,
    left_key: np.ndarray,
    right_pos: np.ndarray,
    right_key: np.ndarray,
    max_pairs: int,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Pairs of positions with equal keys (any sortable dtype), leaving out the keys that
    would pair more than ``max_pairs``; answers the pairs, then how many keys were left out
    and the pairs they held. Sort-based: no hash table of millions of keys is built."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(left_key) or not len(right_key):
        return empty, empty, 0, 0
    order = np.argsort(right_key, kind="stable")
    rk, rp = right_key[order], right_pos[order]
    keys, inverse, left_count = np.unique(left_key, return_inverse=True, return_counts=True)
    start = np.searchsorted(rk, keys, side="left")
    right_count = np.searchsorted(rk, keys, side="right") - start
    size = left_count.astype(np.int64) * right_count
    big = size > max_pairs
    inverse = inverse.reshape(-1)
    take = ~big[inverse] & (right_count[inverse] > 0)
    lp, first, count = left_pos[take], start[inverse][take], right_count[inverse][take]
    i = np.repeat(lp, count)
    offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    j = rp[np.repeat(first, count) + offsets]
    return i, j, int(big.sum()), int(size[big].sum())


def _at(values: pd.Series, positions: pd.Series) -> pd.Series:
    """``values`` at the given positions, aligned to ``positions``' index (string dtype)."""
    taken = values.astype("string").reset_index(drop=True).take(positions.to_numpy())
    return pd.Series(taken.to_numpy(), index=positions.index, dtype="string")


def union(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], n_right: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs over several blocking rules (encoded as one int64 each)."""
    if not pairs or n_right == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    code = np.concatenate([i.astype(np.int64) * n_right + j for i, j in pairs])
    code.sort()
    code = code[np.r_[True, code[1:] != code[:-1]]] if len(code) else code
    return code // max(n_right, 1), code % max(n_right, 1)


def sorted_neighbourhood(
    left: pd.Series, right: pd.Series, window: int
) -> tuple[np.ndarray, np.ndarray, BlockStat]:
    """Pairs of a lead and a record at most ``window`` places apart when both sides' keys are
    sorted together: a slip early in a name ("Alvaez"/"Alvarez") breaks no prefix block."""
    keys_ = pd.concat([left.astype("string"), right.astype("string")], ignore_index=True)
    side = np.r_[np.zeros(len(left), dtype=bool), np.ones(len(right), dtype=bool)]
    pos = np.r_[np.arange(len(left)), np.arange(len(right))]
    valid = keys_.notna().to_numpy(dtype=bool)
    # pyarrow sorts the strings in C++ (numpy would compare Python objects); stable, as before.
    ranked = pc.sort_indices(pa.array(keys_[valid].reset_index(drop=True), type=pa.string()))
    order = np.flatnonzero(valid)[ranked.to_numpy()]
    s, p = side[order], pos[order]
    parts_i, parts_j = [], []
    for d in range(1, window + 1):
        a, b = s[:-d], s[d:]
        lr = ~a & b
        rl = a & ~b
        parts_i += [p[:-d][lr], p[d:][rl]]
        parts_j += [p[d:][lr], p[:-d][rl]]
    i = np.concatenate(parts_i) if parts_i else np.zeros(0, dtype=np.int64)
    j = np.concatenate(parts_j) if parts_j else np.zeros(0, dtype=np.int64)
    return i, j, BlockStat(f"sorted neighbourhood ({window})", len(i), 0, 0, 0)

"""Blocking on one slip: records whose keys are equal or one typing slip apart meet in a block.

A prefix block ("smi") misses a slip in the first letters and gathers every Smith with a
Smyth; sorting brings neighbours together only when nothing sorts between them. The deletion
neighbourhood (as in SymSpell) is exact for one slip: two strings one substitution, insertion,
deletion or transposition apart share the string with one letter deleted — so each record is
keyed by its value and by its value less each letter, and the pairs sharing any of those keys
are candidates. With a grouping column (the email domain, the first name) a block is a
(group, key) pair, small even in a million records.

Keys are 64-bit polynomial hashes of the UTF-8 bytes, computed for every deletion at once from
prefix sums (numpy, no Python loop per record): a collision only adds a candidate pair, which
the comparison then weighs like any other.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa

from crmkit.neardup.blocking import BlockStat, join_keys

LOG = logging.getLogger("crmkit.neardup")

_BASE = np.uint64(1_099_511_628_211)  # odd: invertible modulo 2**64
_BASE_INVERSE = np.uint64(pow(int(_BASE), -1, 1 << 64))
_GROUP_MIX = np.uint64(0x9E3779B97F4A7C15)
WIDTH = 24  # bytes of a value keyed; a slip past them is the same key


def slip_keys(
    values: pd.Series, group: np.ndarray | None, min_length: int
) -> tuple[np.ndarray, np.ndarray]:
    """(record position, key) for each record's value and its one-deletion variants.

    Values shorter than ``min_length`` keep only their own key (deleting a letter of "li"
    leaves a key half the org shares); NA values and NA groups (-1) get none.
    """
    text = values.astype("string")
    ok = text.notna().to_numpy(dtype=bool).copy()
    if group is not None:
        ok &= np.asarray(group) >= 0
    at = np.flatnonzero(ok)
    if not len(at):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    grid, length = _byte_grid(text.iloc[at], WIDTH + 1)
    width = grid.shape[1]
    powers = _BASE ** np.arange(width, dtype=np.uint64)
    with np.errstate(over="ignore"):
        weighted = grid.astype(np.uint64) * powers  # wraps modulo 2**64, as a hash should
        prefix = np.zeros((len(grid), width + 1), dtype=np.uint64)
        np.cumsum(weighted, axis=1, out=prefix[:, 1:])
        mix = (
            np.zeros(len(at), dtype=np.uint64)
            if group is None
            else (np.asarray(group)[at].astype(np.uint64) + np.uint64(1)) * _GROUP_MIX
        )
        positions = [at]
        keys = [prefix[:, min(WIDTH, width)] + mix]  # the value's own first WIDTH bytes
        for k in range(min(width, WIDTH)):
            has = np.flatnonzero((length > k) & (length >= min_length))
            if not len(has):
                break
            # Letter k deleted: the letters after it move one place down (to WIDTH bytes).
            tail = (prefix[has, width] - prefix[has, k + 1]) * _BASE_INVERSE
            keys.append(prefix[has, k] + tail + mix[has])
            positions.append(at[has])
    return np.concatenate(positions), np.concatenate(keys)


def _byte_grid(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Each value's first ``width`` UTF-8 bytes as a row of a zero-padded uint8 matrix, and
    the row lengths; read from the Arrow buffers, not encoded value by value. One byte past
    the keyed width: a value with a letter deleted early still has enough bytes to key."""
    arrow = pa.array(values.astype("string"), type=pa.large_string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    arrow = arrow.cast(pa.large_binary())
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64)[arrow.offset :][: len(arrow) + 1]
    data = np.frombuffer(arrow.buffers()[2], dtype=np.uint8)
    full = np.diff(offsets)
    length = np.minimum(full, width)
    cols = max(int(length.max()) if len(length) else 0, 1)
    grid = np.zeros((len(arrow), cols), dtype=np.uint8)
    rows = np.repeat(np.arange(len(arrow)), length)
    within = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    grid[rows, within] = data[np.repeat(offsets[:-1], length) + within]
    return grid, length


def one_slip(
    rule: str,
    left: pd.Series,
    right: pd.Series,
    max_pairs: int,
    *,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
    min_length: int = 4,
) -> tuple[np.ndarray, np.ndarray, BlockStat]:
    """Positional (left, right) pairs whose values (within one group) are at most one slip
    apart. A key shared by more than ``max_pairs`` pairs is left out and counted in the stat
    (one slip from a very common value says nothing)."""
    gl, gr = groups if groups is not None else (None, None)
    pl, kl = slip_keys(left, gl, min_length)
    pr, kr = slip_keys(right, gr, min_length)
    i, j, skipped, skipped_pairs = join_keys(pl, kl, pr, kr, max_pairs)
    if skipped:
        LOG.warning(
            "near-duplicate blocking %s: %d keys of more than %d pairs left out (%d pairs)",
            rule,
            skipped,
            max_pairs,
            skipped_pairs,
        )
    # One pair meets under several keys (equal values share all of them): counted once.
    code = np.unique(i.astype(np.int64) * max(len(right), 1) + j)
    i, j = code // max(len(right), 1), code % max(len(right), 1)
    return i, j, BlockStat(rule, len(i), 0, skipped, skipped_pairs)

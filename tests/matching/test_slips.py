"""One-slip blocking finds exactly the pairs one slip apart (and equal ones), within a group."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from crmkit.neardup.slips import WIDTH, one_slip


def _words(rng: np.random.Generator, n: int, alphabet: str, lo: int, hi: int) -> list[str]:
    letters = np.array(list(alphabet))
    return ["".join(rng.choice(letters, int(rng.integers(lo, hi)))) for _ in range(n)]


def _slipped(rng: np.random.Generator, word: str, alphabet: str) -> str:
    k = int(rng.integers(0, len(word)))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return word[:k] + word[k + 1 :]
    if kind == 1:
        return word[:k] + str(rng.choice(list(alphabet))) + word[k:]
    if kind == 2:
        return word[:k] + str(rng.choice(list(alphabet))) + word[k + 1 :]
    return word[:k] + word[k + 1 : k + 2] + word[k] + word[k + 2 :] if k + 1 < len(word) else word


def _variants(value: str, min_length: int) -> set[bytes]:
    """The value and, if long enough, the value less each byte (the deletion neighbourhood)."""
    raw = value.encode("utf-8")
    if len(value) < min_length:
        return {raw}
    return {raw} | {raw[:k] + raw[k + 1 :] for k in range(len(raw))}


def test_pairs_are_exactly_those_sharing_a_deletion_and_every_one_slip_pair() -> None:
    rng = np.random.default_rng(11)
    alphabet = "abcde"  # few letters: many near misses, two slips, equal values
    right = _words(rng, 400, alphabet, 4, 9)
    left = [_slipped(rng, w, alphabet) for w in right[:150]] + _words(rng, 150, alphabet, 4, 9)
    left += [w + "é" for w in right[150:170]]  # an added two-byte letter
    gl = rng.integers(0, 3, len(left))
    gr = rng.integers(0, 3, len(right))
    ls, rs = pd.Series(left, dtype="string"), pd.Series(right, dtype="string")
    i, j, stat = one_slip("t", ls, rs, 10**9, groups=(gl, gr), min_length=4)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    lv = [_variants(w, 4) for w in left]
    rv = [_variants(w, 4) for w in right]
    meet = {
        (a, b)
        for a in range(len(left))
        for b in range(len(right))
        if gl[a] == gr[b] and lv[a] & rv[b]
    }
    assert got == meet
    one_slip_apart = {
        (a, b)
        for a in range(len(left))
        for b in range(len(right))
        if gl[a] == gr[b] and OSA.distance(left[a], right[b]) <= 1 and "é" not in left[a]
    }
    assert one_slip_apart <= got  # every pair one slip apart (ASCII) is a candidate
    assert len(one_slip_apart) > 100  # and the data holds plenty of them
    assert stat.pairs == len(got) and stat.skipped_blocks == 0


def test_long_values_keep_a_slip_early_in_them() -> None:
    base = "abcdefghijklmnopqrstuvwxyz0123456789"
    assert len(base) > WIDTH
    left = pd.Series([base[:3] + base[4:], base[:30] + "X" + base[31:]], dtype="string")
    right = pd.Series([base, "zzzz" + base[4:]], dtype="string")
    i, j, _ = one_slip("t", left, right, 10**9)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == {(0, 0), (1, 0)}


def test_a_key_too_many_share_is_left_out_and_counted() -> None:
    right = pd.Series([f"anna{c}" for c in "bcdefghijk"], dtype="string")
    left = pd.Series(["annax"], dtype="string")
    i, _, stat = one_slip("t", left, right, 5)
    assert len(i) == 0 and stat.skipped_blocks == 1 and stat.skipped_pairs == 10

"""Phone agreement between two sides' phone columns: E.164 equal, or the same national number.

Keys are made once (``keys.phone_keys``: parsed only where the last seven digits recur on the
other side). A number written without its country code ("020 7946 0958" beside "+44 20 7946
0958") is the same national number: the shorter digit string (leading zeros dropped, at least
eight digits) ends the longer one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.neardup import keys
from crmkit.neardup.compare import code_tf, strings
from crmkit.neardup.weights import NULL


class PhoneTable:
    """Both sides' phone columns keyed; ``level(i, j)`` compares positional pairs."""

    def __init__(self, left: list[pd.Series], right: list[pd.Series], region: str, total: int):
        keyed, all_digits_of = keys.phone_keys([left, right], region)
        self.n_left_cols = len(left)
        e164 = [e for side in keyed for e, _ in side]
        both = pd.concat(e164, ignore_index=True).astype("string")
        codes, _ = pd.factorize(both, use_na_sentinel=True)
        tf = code_tf(codes, total)
        cuts = np.cumsum([len(e) for e in e164])[:-1]
        self.code = np.split(codes, cuts)
        self.tf = np.split(tf, cuts)
        digits = [d for side in keyed for _, d in side]
        all_digits = pd.concat(digits, ignore_index=True).astype("string")
        self.digits_tf = np.split(code_tf(pd.factorize(all_digits)[0], total), cuts)
        self.digits = [strings(d) for d in digits]
        self.e164 = [strings(e) for e in e164]
        self.has = [
            np.logical_or.reduce(
                [d.notna().to_numpy(dtype=bool) for d in side]
                + [np.zeros(len(raw[0]) if raw else 0, dtype=bool)]
            )
            for side, raw in zip(all_digits_of, (left, right), strict=True)
        ]
        self.tails = [[d.str[-7:].astype("string") for d in side] for side in all_digits_of]

    def level(
        self, i: np.ndarray, j: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Level (0 exact, 1 national, 2 different, NULL), term frequency, and the keys shown.

        The term frequency of a national match is that of the record's digits."""
        exact = np.zeros(len(i), dtype=bool)
        national = np.zeros(len(i), dtype=bool)
        tf = np.full(len(i), np.nan)
        shown_l = np.full(len(i), "", dtype=object)
        shown_r = np.full(len(i), "", dtype=object)
        nl = self.n_left_cols
        for a in range(nl):
            for b in range(nl, len(self.code)):
                pa, pb = self.code[a][i], self.code[b][j]
                da, db = self.digits[a][i], self.digits[b][j]
                # "0033 42 054 2840" and "+33 42 054 2840": the same digits are the same number.
                hit = ((pa == pb) & (pa != NULL)) | ((da == db) & (da != ""))
                fresh = hit & ~exact
                tf = np.where(fresh, self.tf[a][i], tf)
                ea, eb = self.e164[a][i], self.e164[b][j]
                shown_l = np.where(fresh, np.where(ea != "", ea, da), shown_l)
                shown_r = np.where(fresh, np.where(eb != "", eb, db), shown_r)
                exact |= hit
                near = np.flatnonzero(~exact & ~national & (da != "") & (db != ""))
                if len(near):
                    x, y = da[near].astype(str), db[near].astype(str)
                    x_long = np.char.str_len(x) >= np.char.str_len(y)
                    long_, short_ = np.where(x_long, x, y), np.where(x_long, y, x)
                    ok = np.char.endswith(long_, short_) & (np.char.str_len(short_) >= 8)
                    hit_n = near[ok]
                    national[hit_n] = True
                    tf[hit_n] = self.digits_tf[b][j[hit_n]]
                    shown_l[hit_n] = da[hit_n]
                    shown_r[hit_n] = db[hit_n]
        null = ~self.has[0][i] | ~self.has[1][j]
        level = np.select([null, exact, national], [NULL, 0, 1], default=2).astype(np.int8)
        return level, np.where(level <= 1, tf, np.nan), shown_l, shown_r

"""Vectorised value makers for the sample org: ids, times, unique phones, and the messy variants.

Each takes the org's one ``numpy`` generator explicitly, so every value derives from the seed and
the order of the calls fixes the bytes written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmkit.sampledata import names as W
from crmkit.sampledata.layout import ID_BASE, SECONDS_FROM, SECONDS_TO, TZ_OFFSET

__all__ = [
    "Arr",
    "Phones",
    "case_space",
    "full_name",
    "ids",
    "isin",
    "lower",
    "obj",
    "pick",
    "reformat_phone",
    "times",
    "typo",
    "upper",
]

Arr = np.ndarray[Any, np.dtype[Any]]


def obj(values: Iterable[Any] | Arr) -> Arr:
    return np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)


def pick(rng: np.random.Generator, pool: Sequence[str], n: int) -> Arr:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def isin(a: Arr, values: Iterable[Any] | Arr) -> Arr:
    """Hash-based membership (``np.isin`` is slow on strings)."""
    return pd.Series(a, dtype=object).isin(pd.Series(list(values), dtype=object)).to_numpy()


def lower(a: Arr) -> Arr:
    return pd.Series(a, dtype="str").str.lower().to_numpy(dtype=object)


def upper(a: Arr) -> Arr:
    return pd.Series(a, dtype="str").str.upper().to_numpy(dtype=object)


def ids(module: str, n: int, rng: np.random.Generator) -> Arr:
    """Increasing 19-digit ids with irregular gaps, as Zoho hands them out."""
    steps = rng.integers(1, 24, n, dtype=np.int64)
    return obj((ID_BASE[module] + np.cumsum(steps)).astype(str))


def full_name(first: Arr, last: Arr) -> Arr:
    joined = first + " " + last
    return np.where(first == "", last, joined)


def times(
    rng: np.random.Generator, n: int, since: int = SECONDS_FROM, edits_days: int = 60
) -> tuple[Arr, Arr]:
    """Created and modified times between ``since`` and the org's today, as Zoho writes them."""
    created = rng.integers(since, SECONDS_TO, n, dtype=np.int64)
    modified = np.minimum(
        created + rng.integers(0, edits_days * 86400, n, dtype=np.int64), SECONDS_TO
    )
    fmt = [
        np.datetime_as_string(t.astype("datetime64[s]"), unit="s").astype(object) + TZ_OFFSET
        for t in (created, modified)
    ]
    return fmt[0], fmt[1]


class Phones:
    """Unique phone numbers from a bijection over a counter, in several display formats."""

    _LINES = 8_000_000  # exchange 200-999 x line 0000-9999

    def __init__(self, rng: np.random.Generator) -> None:
        self.size = len(W.AREA_CODES) * self._LINES
        self.mult = 2654435761 % self.size
        self.offset = int(rng.integers(0, self.size))
        self.next = 0

    def digits(self, n: int) -> tuple[Arr, Arr, Arr]:
        if self.next + n > self.size:
            raise ValueError(f"cannot make {n} more unique phone numbers")
        if n == 0:
            empty = np.empty(0, dtype=object)
            return empty, empty, empty
        k = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        m = (k * self.mult + self.offset) % self.size
        area = np.asarray(W.AREA_CODES, dtype=np.int64)[m // self._LINES]
        rest = m % self._LINES
        exch = 200 + rest // 10_000
        line = rest % 10_000
        return (
            obj(area.astype(str)),
            obj(exch.astype(str)),
            obj(np.char.zfill(line.astype(str), 4)),
        )

    @staticmethod
    def render(a: Arr, e: Arr, l: Arr, style: Arr) -> Arr:  # noqa: E741
        options = [
            a + e + l,
            a + "-" + e + "-" + l,
            "(" + a + ") " + e + "-" + l,
            "+1 " + a + " " + e + " " + l,
            a + "." + e + "." + l,
            "+1" + a + e + l,
        ]
        return np.select([style == i for i in range(len(options))], options, default="")

    def make(self, rng: np.random.Generator, n: int) -> tuple[Arr, Arr]:
        """``n`` fresh numbers: (display strings, 10-digit keys)."""
        a, e, l = self.digits(n)  # noqa: E741
        style = rng.integers(0, 6, n)
        return self.render(a, e, l, style), a + e + l


def reformat_phone(rng: np.random.Generator, phone: str) -> str:
    """The same number in another display format (a different string for Zoho)."""
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    a, e, l = digits[:3], digits[3:6], digits[6:]  # noqa: E741
    options = [
        a + e + l,
        f"{a}-{e}-{l}",
        f"({a}) {e}-{l}",
        f"+1 {a} {e} {l}",
        f"{a}.{e}.{l}",
        f"+1{a}{e}{l}",
        f"1-{a}-{e}-{l}",
        f"{a} {e} {l}",
    ]
    choices = [o for o in options if o != phone]
    return choices[int(rng.integers(0, len(choices)))]


def typo(rng: np.random.Generator, word: str, forbidden: frozenset[str]) -> str:
    """Swap two adjacent letters or drop one, avoiding words in ``forbidden``."""
    for _ in range(20):
        if len(word) < 3:
            out = word + word[-1]
        else:
            i = int(rng.integers(1, len(word) - 1))
            if rng.random() < 0.5 and word[i] != word[i + 1]:
                out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            else:
                out = word[:i] + word[i + 1 :]
        if out.lower() != word.lower() and out.lower() not in forbidden:
            return out
    return word + "x"


def case_space(rng: np.random.Generator, values: Arr, share_plain: float = 0.5) -> Arr:
    """Messy variants Zoho still matches: original, UPPER, lower, surrounding spaces."""
    n = len(values)
    kind = rng.choice(
        4, n, p=[share_plain, (1 - share_plain) / 3, (1 - share_plain) / 3, (1 - share_plain) / 3]
    )
    return np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [values, upper(values), lower(values), " " + values + " "],
        default=values,
    )

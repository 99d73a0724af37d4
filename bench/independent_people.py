"""People, phone numbers and the ways people write them, for bench/independent_org.py.

Names are Faker's per-locale name data (the `faker` package), drawn with a frequency skew: where
Faker ships weights (en_US, sv_SE, fi_FI, hu_HU …) they are used; elsewhere the names are
shuffled once (seeded) and drawn with Zipf-like weights, so a few surnames are common and
namesakes appear as they do in real orgs. Nothing here comes from crmkit.
"""

from __future__ import annotations

import importlib
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from independent_lists import KEY_NEIGHBOURS, TRANSLITERATIONS, Country

_FIRST_ATTRS = ("first_romanized_names", "first_names")
_LAST_ATTRS = ("last_romanized_names", "last_names", "last_names_male", "male_last_names")


@dataclass(frozen=True)
class NamePool:
    """One locale's first and last names with the probability of drawing each."""

    first: np.ndarray
    first_p: np.ndarray
    last: np.ndarray
    last_p: np.ndarray


def _weighted(values: object, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(values, dict):
        names = [str(k) for k in values]
        weights = np.array([float(v) for v in values.values()])
    else:
        names = sorted({str(v) for v in values})  # type: ignore[attr-defined]
        rng.shuffle(names)
        weights = 1.0 / (np.arange(len(names)) + 8.0) ** 1.1
    return np.array(names, dtype=object), weights / weights.sum()


def _attr(provider: type, attrs: Sequence[str]) -> object:
    for a in attrs:
        values = getattr(provider, a, None)
        if values is not None and len(values) >= 20:
            return values
    raise LookupError(f"{provider.__module__} has none of {attrs} with 20 names or more")


def name_pool(locale: str, seed: int) -> NamePool:
    """The names of one Faker locale (`faker.providers.person.<locale>`), with weights."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    rng = random.Random(f"{seed}-{locale}")
    first, first_p = _weighted(_attr(provider, _FIRST_ATTRS), rng)
    last, last_p = _weighted(_attr(provider, _LAST_ATTRS), rng)
    return NamePool(first, first_p, last, last_p)


# ------------------------------------------------------------------------------------ phones
class PhoneBook:
    """Phone numbers, each handed out once: national significant numbers by country and kind."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def new(self, country: Country, kind: str) -> str:
        plans = country.fixed if kind == "fixed" else country.mobile
        while True:
            plan = self._rng.choice(plans)
            nsn = "".join(
                c if c.isdigit() else str(self._rng.randint(2 if c == "n" else 0, 9)) for c in plan
            )
            if (country.calling + nsn) not in self._used:
                self._used.add(country.calling + nsn)
                return nsn


def _groups(nsn: str) -> str:
    """A national significant number in groups of two to four digits, as people space them."""
    if len(nsn) <= 8:
        return f"{nsn[:-4]} {nsn[-4:]}".strip()
    return f"{nsn[:-7]} {nsn[-7:-4]} {nsn[-4:]}"


def written(country: Country, nsn: str, style: str) -> str:
    """A number as a person writes it. Styles: e164, intl, intl00, national, us_paren, us_dash,
    us_dots, us_one."""
    if style == "e164":
        return f"+{country.calling}{nsn}"
    if style == "intl":
        return f"+{country.calling} {_groups(nsn)}"
    if style == "intl00":
        return f"00{country.calling} {_groups(nsn)}"
    if country.calling == "1" and style.startswith("us_"):
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        return {
            "us_paren": f"({a}) {b}-{c}",
            "us_dash": f"{a}-{b}-{c}",
            "us_dots": f"{a}.{b}.{c}",
            "us_one": f"1-{a}-{b}-{c}",
        }[style]
    return f"{country.trunk}{_groups(nsn)}" if country.trunk else _groups(nsn)


def stored_style(country: Country, rng: random.Random) -> str:
    """How a CRM user records a number: a US number the US way, a foreign one with its code."""
    if country.calling == "1":
        return rng.choice(("us_paren", "us_dash", "intl", "us_dots"))
    return rng.choice(("intl", "intl", "e164", "intl00"))


def other_style(country: Country, was: str, rng: random.Random) -> str:
    """A different way of writing the same number (still with its country code if foreign)."""
    styles = ["us_paren", "us_dash", "us_dots", "us_one", "e164", "intl"]
    if country.calling != "1":
        styles = ["e164", "intl", "intl00"]
    return rng.choice([s for s in styles if s != was] or styles)


# ------------------------------------------------------------------------------------- text
def fold(text: str) -> str:
    """Accents removed: 'Müller' -> 'Muller', 'José' -> 'Jose' (decomposition, marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("ø", "o").replace("ł", "l").replace("ı", "i").replace("Ł", "L")


def transliterate(text: str) -> str:
    """German/Nordic letters spelt out ('Müller' -> 'Mueller'), the rest folded."""
    return fold("".join(TRANSLITERATIONS.get(c, c) for c in text))


def slug(text: str) -> str:
    """A name as a domain or mailbox part: folded, lower case, letters and digits only."""
    return "".join(c for c in transliterate(text).lower() if c.isascii() and c.isalnum())


def typo(word: str, rng: random.Random) -> str:
    """One slip of the finger: adjacent letters swapped, a letter dropped, doubled or hit beside."""
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if len(letters) < 4:
        return word + word[-1]
    i = rng.choice(letters[1:-1])
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    if kind == "swap" and word[i + 1].isalpha() and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "neighbour" and word[i].lower() in KEY_NEIGHBOURS:
        repl = rng.choice(KEY_NEIGHBOURS[word[i].lower()])
        return word[:i] + (repl.upper() if word[i].isupper() else repl) + word[i + 1 :]
    return word[:i] + word[i] + word[i:]

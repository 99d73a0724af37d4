"""Counts in words ("1 lead", "2 leads", "1,000 leads"), one rule for every message crmkit prints.

A leaf like `crmkit.errors`: it imports nothing from crmkit, so the command line, the demo, the
report and the widgets can all use it.
"""

from __future__ import annotations

__all__ = ["plural"]

# Nouns whose plural is not the noun plus "s", as crmkit's messages use them.
_IRREGULAR = {"entry": "entries", "company": "companies", "is": "are", "has": "have"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and `noun`, the noun in the plural unless the count is 1: "1 lead", "3 jobs".

    The last word of `noun` is the one inflected ("1 open lead", "2 open leads"); `many` gives
    the plural form outright when it is not regular."""
    number = f"{count:,}"
    if count == 1:
        return f"{number} {noun}"
    if many is None:
        head, _, last = noun.rpartition(" ")
        if last in _IRREGULAR:
            last = _IRREGULAR[last]
        elif last.endswith(("s", "x", "ch", "sh")):
            last += "es"
        else:
            last += "s"
        many = f"{head} {last}" if head else last
    return f"{number} {many}"

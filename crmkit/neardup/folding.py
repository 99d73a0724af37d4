"""Names and company keys folded to plain ASCII, one value at a time (callers do it per
distinct value): "José Müller" and "Jose Muller" are one key."""

from __future__ import annotations

import unicodedata

# Letters NFKD does not split into a base letter and an accent.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ı": "i"})


def fold_one(value: str) -> str:
    """Lower-case ASCII letters, digits, spaces and hyphens; accents and apostrophes removed."""
    text = value.casefold().translate(_LETTERS)  # casefold: ß -> ss
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    kept = "".join(c if c.isalnum() or c in " '-" else " " for c in plain.lower())
    return " ".join(kept.replace("'", "").split())

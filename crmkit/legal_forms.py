"""cleanco's legal-form suffix stripping, answered from an index of its terms.

cleanco's ``basename`` compares a name's last words with each of its 321 legal forms in turn:
about 0.15 ms a name, the slowest step of near-duplicate finding at a million records (most
company names do end in a form). ``strip_legal_suffix`` gives cleanco's answer for every name
(tests/matching holds it equal on every company name of both labelled orgs) by looking the
name's last one to four words up in a dict of cleanco's own terms instead. The terms stay
cleanco's: crmkit keeps no list of its own.
"""

from __future__ import annotations

import bisect

from cleanco.clean import normalized, prepare_default_terms, strip_punct, strip_tail

# cleanco's terms in its order (longest first, then by name; repeats kept): a term's place in
# that order decides which form goes first when several could.
_TERMS = [tuple(parts) for _, parts in prepare_default_terms()]
_PLACES: dict[tuple[str, ...], list[int]] = {}
for _place, _term in enumerate(_TERMS):
    _PLACES.setdefault(_term, []).append(_place)
_LONGEST = max(len(t) for t in _TERMS)
LAST_WORDS = frozenset(t[-1] for t in _TERMS)


def strip_legal_suffix(name: str) -> str:
    """``cleanco.basename(name)`` (suffixes only, as its default), without the scan.

    cleanco walks its terms once, in order, removing each that ends the name as it is at that
    moment ("Acme GmbH & Co KG" loses the four-word form); here the next term in that order that
    ends the current name is found by lookup, removed, and the walk goes on after it. A name
    whose last word ends no form is answered at once (most names: no lookup, no normalising).
    """
    name = strip_tail(name)
    parts = name.split()
    if not parts:
        return name
    last = parts[-1]
    last_word = last.casefold() if last.isascii() else normalized(last)
    if strip_punct(last_word) not in LAST_WORDS:
        return str(strip_tail(" ".join(parts)))  # no form ends the name: nothing to walk
    if name.isascii():  # normalising ASCII only lower-cases it, word by word
        folded = [strip_punct(p.casefold()) for p in parts]
    else:
        folded = [strip_punct(p) for p in normalized(name).split()]
    after = 0
    while folded:
        found: tuple[int, int] | None = None
        for size in range(1, min(_LONGEST, len(folded)) + 1):
            places = _PLACES.get(tuple(folded[-size:]))
            if not places:
                continue
            k = bisect.bisect_left(places, after)
            if k < len(places) and (found is None or places[k] < found[0]):
                found = (places[k], size)
        if found is None:
            break
        place, size = found
        del folded[-size:]
        del parts[-size:]
        after = place + 1
    return str(strip_tail(" ".join(parts)))

"""Near-duplicates Zoho's exact matching misses, and a shadow view beside Zoho's answer.

Zoho links a lead to a Contact or Account only on equal strings (zoho-api.md §4). People type
"(212) 555-0142" and "+1 212 555 0142", "Acme Ltd" and "ACME Limited", "Bob" and "Robert".
crmkit proposes a pair on the weight of *all* its fields, Fellegi-Sunter style (docs/matching.md):

- ``keys``: every column normalised once per distinct value (``crmkit.normalize``);
- ``blocking``: candidate pairs from blocking keys; oversized blocks split, never skipped silently;
- ``people`` / ``companies``: per field an agreement level (name, email, phone, company; for
  accounts the company name, website domain and phone), vectorised with NumPy and rapidfuzz;
- ``weights``: log2(m/u) per level, u from random pairs or the value's term frequency;
- ``pipeline``: ``near_duplicates`` — one row per proposed pair, ``score`` the match
  probability, ``route`` the field that weighed most, ``explanation`` every field's weight;
- ``evaluate``: ``shadow`` and ``quality``.

This is crmkit's prediction, not Zoho's answer; the shadow view keeps the two apart.
"""

from crmkit.neardup.evaluate import quality, shadow
from crmkit.neardup.pipeline import near_duplicates
from crmkit.neardup.settings import CANDIDATE_COLUMNS, QUALITY_COLUMNS, ROUTES, NearDupSettings

__all__ = [
    "CANDIDATE_COLUMNS",
    "QUALITY_COLUMNS",
    "ROUTES",
    "NearDupSettings",
    "near_duplicates",
    "quality",
    "shadow",
]

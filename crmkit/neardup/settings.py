"""The candidate frame's contract and the matcher's settings (docs/matching.md explains each)."""

from __future__ import annotations

from dataclasses import dataclass

CANDIDATE_COLUMNS = (
    "lead_id",
    "module",
    "record_id",
    "route",
    "method",
    "score",
    "lead_key",
    "record_key",
    "zoho_exact",
    "match_weight",
    "explanation",
)
ROUTES = ("phone", "email", "name", "company")
# quality(): recall/found are strict (by the pair's own route); *_any count any route.
QUALITY_COLUMNS = (
    "route",
    "proposed",
    "true_pos",
    "planted",
    "found",
    "found_any",
    "precision",
    "recall",
    "recall_any",
)


@dataclass(frozen=True)
class NearDupSettings:
    """Knobs of the matcher; the defaults are the ones measured in docs/matching.md."""

    region: str = "US"  # phones without +country are read as from here
    email_max_slips: int = 2  # OSA edits between local parts on the same domain
    email_min_similarity: float = 0.8
    name_max_slips: int = 1  # OSA edits in the full name
    company_min_similarity: float = 0.9  # normalised OSA similarity of company keys
    company_max_slips: int = 2
    company_two_slip_similarity: float = 0.92  # two slips only in keys of 25 letters or more
    min_probability: float = 0.5  # a pair is proposed from this match probability on
    # A block whose sides multiply past this many pairs is split by a finer key; what is still
    # too large after that is reported in the frame's attrs["blocking"] and logged, never lost
    # silently.
    max_block_pairs: int = 200_000
    window: int = 4  # sorted-neighbourhood window over names (records each side of a record)
    # m by EM over the candidates instead of the documented priors. Off: blocking on names
    # biases it (measured in docs/matching.md), as Splink's documentation warns.
    train_m: bool = False
    u_sample_pairs: int = 100_000  # random pairs drawn to estimate u (how often chance agrees)
    seed: int = 20261201

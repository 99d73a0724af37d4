"""Proof by sampling: ask Zoho about a few leads and compare its answers with the prediction.

A prediction from a Bulk Read export costs a few hundred credits for a whole org; asking Zoho
costs one credit per lead. Verifying a seeded random sample, stratified by predicted outcome
(so the rare outcomes — errors, matches — are drawn too), spends credits only where proof is
needed and says how far the prediction can be trusted: agreement lead by lead
(`crmkit.agreement.compare`) with a 95% lower bound (Wilson score interval).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crmkit.agreement import OptionsLike, compare
from crmkit.agreement import summary as diff_summary
from crmkit.frames import fetch_options

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

__all__ = [
    "Verification",
    "stratified_sample",
    "verification_of",
    "verify_sample",
    "wilson_lower",
]


def wilson_lower(agree: int, n: int, z: float = 1.96) -> float:
    """Lower end of the Wilson score interval for `agree` successes out of `n` (0 when n=0)."""
    if n <= 0:
        return 0.0
    p = agree / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / denom)


def _allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Proportional allocation by largest remainder, every non-empty stratum at least one."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    quota = {k: n * v / total for k, v in sizes.items()}
    out = {k: min(sizes[k], math.floor(q)) for k, q in quota.items()}
    order = sorted(sizes, key=lambda k: (-(quota[k] - math.floor(quota[k])), k))
    for k in order:
        if sum(out.values()) >= n:
            break
        if out[k] < sizes[k]:
            out[k] += 1
    if n >= len(sizes):  # a rare outcome gets a draw, taken from the largest allocation
        for k in sorted(sizes):
            if out[k] == 0 and sizes[k] > 0:
                donor = max(out, key=lambda d: (out[d], d))
                out[donor] -= 1
                out[k] = 1
    return out


def stratified_sample(
    options: pd.DataFrame, n: int, *, seed: int = 0, by: str = "outcome"
) -> list[str]:
    """`n` lead ids drawn at random (seeded), stratified by the `by` column of `options`.

    The same options and seed always draw the same leads. Every stratum gets its proportional
    share (largest remainder) and, when `n` allows, at least one lead.
    """
    if n < 0:
        raise ValueError(f"the sample size must be >= 0, got {n}")
    strata = options[by].astype("string").fillna("<NA>")
    ids = options["lead_id"].astype("string")
    groups = {str(k): sorted(ids[(strata == k).to_numpy()].tolist()) for k in strata.unique()}
    shares = _allocate({k: len(v) for k, v in groups.items()}, n)
    rng = np.random.default_rng(seed)
    out: list[str] = []
    for key in sorted(groups):
        pool = groups[key]
        take = shares.get(key, 0)
        if take:
            picks = rng.choice(len(pool), size=take, replace=False)
            out += [pool[i] for i in sorted(picks)]
    return out


@dataclass(frozen=True)
class Verification:
    """What a verified sample said: leads asked, how many agree, and every difference."""

    seed: int
    lead_ids: tuple[str, ...]
    agree: int
    strata: dict[str, int]  # predicted outcome -> leads drawn
    agree_by_stratum: dict[str, int]
    differences: pd.DataFrame = field(repr=False)
    credits: int = 0

    @property
    def n(self) -> int:
        return len(self.lead_ids)

    @property
    def rate(self) -> float | None:
        return self.agree / self.n if self.n else None

    @property
    def lower95(self) -> float:
        return wilson_lower(self.agree, self.n)

    def to_dict(self) -> dict[str, Any]:
        """The JSON kept in snapshot.json (`extra["verification"]`)."""
        disagreeing = sorted(set(self.differences["lead_id"].astype(str)))
        return {
            "n": self.n,
            "agree": self.agree,
            "rate": self.rate,
            "lower95": round(self.lower95, 4),
            "seed": self.seed,
            "strata": dict(self.strata),
            "agree_by_stratum": dict(self.agree_by_stratum),
            "lead_ids": list(self.lead_ids),
            "disagreeing": disagreeing,
            "differences_by_kind": {
                str(k): int(v) for k, v in diff_summary(self.differences).items()
            },
            "credits": self.credits,
        }

    def __str__(self) -> str:
        if not self.n:
            return "verified no leads (nothing to sample)"
        drawn = ", ".join(f"{k} {v}" for k, v in sorted(self.strata.items()))
        text = (
            f"verified {self.n} leads against Zoho's conversion options (seed {self.seed}; "
            f"{drawn}): {self.agree}/{self.n} agree ({self.agree / self.n:.1%}, "
            f"95% lower bound {self.lower95:.1%})"
        )
        kinds = diff_summary(self.differences)
        if len(kinds):
            text += "; differences: " + ", ".join(f"{k} {int(v)}" for k, v in kinds.items())
        return text


def verification_of(
    api: OptionsLike, predicted: OptionsLike, lead_ids: list[str], *, seed: int = 0
) -> Verification:
    """Compare Zoho's answers for `lead_ids` with the prediction, lead by lead."""
    diff = compare(api, predicted)
    bad = set(diff["lead_id"].astype(str))
    stratum = (
        predicted.options.assign(lead_id=predicted.options["lead_id"].astype(str))
        .set_index("lead_id")["outcome"]
        .astype("string")
        .fillna("<NA>")
    )
    strata: dict[str, int] = {}
    agree_by: dict[str, int] = {}
    for lead in lead_ids:
        key = str(stratum.get(lead, "<NA>"))
        strata[key] = strata.get(key, 0) + 1
        agree_by[key] = agree_by.get(key, 0) + int(lead not in bad)
    return Verification(
        seed=seed,
        lead_ids=tuple(lead_ids),
        agree=sum(agree_by.values()),
        strata=strata,
        agree_by_stratum=agree_by,
        differences=diff,
    )


def verify_sample(
    client: CRMClient, predicted: OptionsLike, n: int, *, seed: int = 0
) -> Verification:
    """Draw `n` leads (stratified by predicted outcome), ask Zoho, compare (n credits)."""
    ids = stratified_sample(predicted.options, n, seed=seed)
    before = int(client.usage.credits_used)
    api = fetch_options(client, ids)
    spent = int(client.usage.credits_used) - before
    return replace(verification_of(api, predicted, ids, seed=seed), credits=spent)

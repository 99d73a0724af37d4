"""Seeded, stratified verification samples and the agreement they report."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.frames import OPTIONS_SCHEMA, conform, options_frames
from crmkit.verify import stratified_sample, verification_of, wilson_lower


def options(counts: dict[str, int]) -> pd.DataFrame:
    rows = []
    for outcome, n in counts.items():
        rows += [{"lead_id": f"{outcome[0]}{i:04d}", "outcome": outcome} for i in range(n)]
    frame = pd.DataFrame(rows)
    for col in OPTIONS_SCHEMA:
        if col not in frame.columns:
            frame[col] = None
    return conform(frame, OPTIONS_SCHEMA)


def test_sample_is_seeded_proportional_and_keeps_rare_outcomes() -> None:
    opts = options({"matched": 30, "no_match": 65, "error": 5})
    first = stratified_sample(opts, 10, seed=7)
    assert first == stratified_sample(opts, 10, seed=7)
    assert first != stratified_sample(opts, 10, seed=8)
    by = opts.set_index("lead_id").loc[first, "outcome"].value_counts().to_dict()
    assert by == {"matched": 3, "no_match": 6, "error": 1}
    assert len(set(first)) == 10
    # the order of the frame's rows does not change the draw
    shuffled = opts.sample(frac=1, random_state=1).reset_index(drop=True)
    assert stratified_sample(shuffled, 10, seed=7) == first


def test_every_outcome_drawn_even_when_tiny() -> None:
    opts = options({"matched": 98, "error": 1, "no_match": 1})
    picked = stratified_sample(opts, 3, seed=0)
    outcomes = set(opts.set_index("lead_id").loc[picked, "outcome"])
    assert outcomes == {"matched", "error", "no_match"}


def test_sample_larger_than_the_org_takes_everyone() -> None:
    opts = options({"matched": 2, "no_match": 3})
    assert sorted(stratified_sample(opts, 50)) == sorted(opts["lead_id"])
    assert stratified_sample(opts, 0) == []
    with pytest.raises(ValueError, match=">= 0"):
        stratified_sample(opts, -1)


def body(contact_id: str, email: str) -> dict[str, object]:
    return {
        "__conversion_options": {
            "module_preference": {"api_name": "Contacts", "id": "1"},
            "Contacts": [{"id": contact_id, "Full_Name": "A", "Email": email}],
            "preference_field_matched_value": {
                "Contacts": [
                    {"field": {"api_name": "Email", "id": "2"}, "matched_lead_value": email}
                ]
            },
        }
    }


def test_verification_counts_agreement_per_stratum() -> None:
    predicted = options_frames(
        {"L1": body("C1", "a@x.com"), "L2": None, "L3": body("C3", "c@x.com")},
        source="predicted",
    )
    api = options_frames({"L1": body("C1", "a@x.com"), "L2": None, "L3": body("C9", "c@x.com")})
    result = verification_of(api, predicted, ["L1", "L2", "L3"], seed=3)
    assert (result.n, result.agree) == (3, 2)
    assert result.strata == {"matched": 2, "no_match": 1}
    assert result.agree_by_stratum == {"matched": 1, "no_match": 1}
    kept = result.to_dict()
    assert kept["disagreeing"] == ["L3"] and kept["seed"] == 3
    assert kept["differences_by_kind"] == {"extra_record": 1, "missing_record": 1}
    assert "2/3 agree" in str(result) and "missing_record 1" in str(result)


def test_wilson_lower_bound() -> None:
    assert wilson_lower(50, 50) == pytest.approx(0.9287, abs=1e-4)
    assert wilson_lower(0, 0) == 0.0
    assert wilson_lower(45, 50) < 0.9

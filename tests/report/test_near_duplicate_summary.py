"""crmkit.neardup_summary: one count and one ranking of near-duplicates; crmkit.wording.plural."""

from __future__ import annotations

import pandas as pd

from crmkit.neardup_summary import DEFINITION, near_duplicate_counts, rank_near_duplicates
from crmkit.wording import plural


def _s(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="string")


def candidates() -> pd.DataFrame:
    """L1~C1 by phone and email (two routes, 1.0); L2~C2 by name (1.0); L3~A3 company (0.9) and
    L3~C3 exact in Zoho; L4~C4 by email only, which Zoho offers already."""
    return pd.DataFrame(
        {
            "lead_id": _s(["L2", "L1", "L1", "L3", "L3", "L4"]),
            "module": _s(["Contacts", "Contacts", "Contacts", "Accounts", "Contacts", "Contacts"]),
            "record_id": _s(["C2", "C1", "C1", "A3", "C3", "C4"]),
            "route": _s(["name", "phone", "email", "company", "phone", "email"]),
            "method": _s(["exact", "e164", "exact", "typo", "e164", "exact"]),
            "score": pd.array([1.0, 1.0, 0.95, 0.9, 1.0, 1.0], dtype="Float64"),
            "zoho_exact": pd.array([False, False, False, False, True, True], dtype="boolean"),
        }
    )


def test_counts_leads_beyond_zohos_answer_once_and_by_module() -> None:
    counts = near_duplicate_counts(candidates())
    assert (counts.leads, counts.contacts, counts.accounts) == (3, 2, 1)
    assert counts.sentence() == (
        "3 leads have a near-duplicate Zoho's exact matching does not offer (2 in Contacts, "
        "1 in Accounts; a lead with both counts once)"
    )
    among = near_duplicate_counts(candidates(), ["L1", "L4", "L9"])
    assert (among.leads, among.contacts, among.accounts, among.population) == (1, 1, 0, 3)
    assert among.sentence().startswith("1 of 3 leads has a near-duplicate")
    assert "Zoho's exact matching does not offer" in DEFINITION


def test_ranking_breaks_equal_scores_by_agreeing_routes() -> None:
    ranked = rank_near_duplicates(candidates())
    # L1~C1 and L2~C2 both score 1.0: L1's record was found by two routes, so it comes first
    assert list(ranked["lead_id"]) == ["L1", "L2", "L3"]
    assert list(ranked["routes"]) == [2, 1, 1]
    assert ranked.loc[0, "route"] == "phone"  # the pair's best-scoring route is the row kept
    assert ranked.loc[0, "found_by"] == "email;phone"
    assert not ranked["zoho_exact"].any()
    shuffled = rank_near_duplicates(candidates().sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(ranked, shuffled)  # deterministic whatever the input order


def test_plural() -> None:
    assert plural(1, "lead") == "1 lead"
    assert plural(0, "lead") == "0 leads"
    assert plural(1_000, "open lead") == "1,000 open leads"
    assert plural(2, "match") == "2 matches"
    assert plural(3, "entry") == "3 entries"
    assert plural(2, "job", "jobs queued") == "2 jobs queued"

"""Quality overall and per variant (crmkit.neardup_eval) on hand-built candidates and labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmkit.neardup import quality
from crmkit.neardup_eval import by_variant, quality_table, read_truth


def frame(rows: list[tuple[object, ...]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).astype("string")


TRUTH = frame(
    [
        ("L1", "Contacts", "C1", "email", "email_case", "true"),
        ("L2", "Contacts", "C2", "phone", "phone_no_cc", "true"),
        ("L3", "Accounts", "A1", "company", "typo", "true"),
        ("L4", "Contacts", "C4", "phone", "switchboard", "false"),
        ("L5", "Contacts", "C5", "name", "namesake", "false"),
    ],
    ["lead_id", "module", "record_id", "route", "variant", "is_match"],
)
COLUMNS = ["lead_id", "module", "record_id", "route", "score", "zoho_exact"]


def candidates(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    c = pd.DataFrame(rows, columns=COLUMNS)
    return c.astype({"score": "Float64", "zoho_exact": "boolean"}).astype(
        {k: "string" for k in ("lead_id", "module", "record_id", "route")}
    )


def test_all_row_counts_each_pair_once() -> None:
    c = candidates(
        [
            ("L1", "Contacts", "C1", "email", 1.0, False),
            ("L1", "Contacts", "C1", "name", 0.9, False),  # the same pair by a second route
            ("L4", "Contacts", "C4", "phone", 1.0, False),  # a switchboard colleague
            ("L9", "Contacts", "C9", "name", 0.9, False),  # unlabelled: false by construction
            ("L3", "Accounts", "A1", "company", 0.95, False),
            ("L8", "Accounts", "A8", "company", 1.0, True),  # Zoho's own exact match: not scored
        ]
    )
    table = quality_table(c, TRUTH).set_index("route")
    assert list(table.index[:-1]) == list(quality(c, TRUTH)["route"])  # quality's rows first
    overall = table.loc["all"]
    assert (overall["proposed"], overall["true_pos"]) == (4, 2)  # L1 once; L8 not scored
    assert (overall["planted"], overall["found"]) == (3, 2)
    assert overall["precision"] == 0.5 and overall["recall"] == round(2 / 3, 4)


def test_by_variant_shows_recall_and_traps() -> None:
    c = candidates(
        [
            ("L1", "Contacts", "C1", "name", 0.9, False),
            ("L4", "Contacts", "C4", "phone", 1.0, False),
        ]
    )
    v = by_variant(c, TRUTH).set_index("variant")
    assert v.loc["email_case", "share"] == 1.0  # found, by any route
    assert v.loc["phone_no_cc", "share"] == 0.0
    assert v.loc["switchboard", "share"] == 1.0  # the trap caught it
    assert v.loc["namesake", "share"] == 0.0
    assert bool(v.loc["switchboard", "is_match"]) is False


def test_read_truth_types_labels_and_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    TRUTH.to_csv(path, index=False)
    assert read_truth(path)["is_match"].tolist() == [True, True, True, False, False]
    TRUTH.drop(columns=["variant"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"lacks the columns \['variant'\]"):
        read_truth(path)

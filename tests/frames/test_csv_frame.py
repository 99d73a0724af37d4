"""crmkit.frames.csvframe gives the strict reader's frame, faster, and its errors unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmkit.frames import csvframe
from crmkit.frames.csvfile import read_csv_file
from crmkit.frames.errors import CSVFormatError
from crmkit.sampledata import bundled_path

WELL_FORMED = {
    "plain": "id,Name,Email\n1,Ann,ann@x.com\n2,Bob,\n",
    "quoted commas and quotes": 'id,Company\n1,"Acme, Inc."\n2,"The ""Best"" Co"\n',
    "a line break in a cell": 'id,Note\n1,"two\nlines"\n2,x\n',
    "blank rows and a row of empty cells": "id,Name\n1,Ann\n\n,\n 2 , Bob \n",
    "spaces around cells": "id,Name\n 1 ,  Ann  \n2,\t\n",
    "accents and a BOM": "\ufeffid,Name\n1,José Müller\n2,Zoë\n",
    "CRLF line ends": "id,Name\r\n1,Ann\r\n2,Bob\r\n",
    "an empty quoted cell": 'id,Name\n1,""\n2,"Bob"\n',
}


def _both(path: Path, strip: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    return csvframe.read_csv_frame(path, strip=strip), read_csv_file(path).frame(strip=strip)


@pytest.mark.parametrize("strip", [True, False])
@pytest.mark.parametrize("case", sorted(WELL_FORMED))
def test_well_formed_files_read_alike_and_by_arrow(tmp_path: Path, case: str, strip: bool) -> None:
    path = tmp_path / "f.csv"
    path.write_text(WELL_FORMED[case], encoding="utf-8", newline="")
    assert csvframe._by_arrow(path.read_bytes(), str(path), strip) is not None
    fast, strict = _both(path, strip)
    pd.testing.assert_frame_equal(fast, strict)


@pytest.mark.parametrize("module", ["Leads", "Contacts", "Accounts"])
def test_the_sample_org_reads_alike(module: str) -> None:
    path = bundled_path() / f"{module}.csv"
    assert csvframe._by_arrow(path.read_bytes(), str(path), True) is not None
    fast, strict = _both(path, True)
    pd.testing.assert_frame_equal(fast, strict)


MALFORMED = {
    "closing quote then text": 'id,Name\n1,"Ann"x\n',
    "unterminated quote": 'id,Name\n1,"Ann\n',
    "too many cells": "id,Name\n1,Ann,extra\n",
    "too few cells": "id,Name\n1\n",
    "repeated header": "id,id\n1,2\n",
    "blank header": "id,\n1,2\n",
    "empty quoted part then text": 'id,Name\n1,""x"\n',
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_get_the_strict_readers_error(tmp_path: Path, case: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(MALFORMED[case], encoding="utf-8", newline="")
    with pytest.raises(CSVFormatError) as strict:
        read_csv_file(path).frame()
    with pytest.raises(CSVFormatError) as fast:
        csvframe.read_csv_frame(path)
    assert str(fast.value) == str(strict.value)


@pytest.mark.parametrize(
    "content",
    ["id;Name\n1;Ann\n", "id\tName\n1\tAnn\n", 'id,Name\n1,x"y\n'],
    ids=["semicolon", "tab", "quote inside unquoted text"],
)
def test_other_dialects_go_to_the_strict_reader(tmp_path: Path, content: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8", newline="")
    assert csvframe._by_arrow(path.read_bytes(), str(path), True) is None
    fast, strict = _both(path, True)
    pd.testing.assert_frame_equal(fast, strict)


def test_windows_1252_goes_to_the_strict_reader_and_warns(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("id,Name\n1,Jos\xe9\n".encode("cp1252"))
    with pytest.warns(Warning, match="not UTF-8"):
        fast = csvframe.read_csv_frame(path, strip=True)
    assert fast["Name"].tolist() == ["José"]


def test_a_missing_file_gets_the_readers_error(tmp_path: Path) -> None:
    with pytest.raises(CSVFormatError, match="cannot read the file"):
        csvframe.read_csv_frame(tmp_path / "absent.csv")

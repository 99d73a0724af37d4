"""Leads from a CSV export, a Bulk Read ZIP and API records: one typed frame, clear errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from crmkit.frames import (
    CSVFormatError,
    DataWarning,
    PayloadError,
    leads_from_records,
    read_leads_bulk_zip,
    read_leads_csv,
)

BIG_ID = "4876876000007421001"  # > 2**53: a float would change it
HEADER = (
    "id,First_Name,Last_Name,Email,Company,Owner.id,Owner.name,Created_Time,Modified_Time,"
    "Converted__s,Locked__s,Tag,Score__c"
)
ROWS = [
    f"{BIG_ID},Pat,Boyle,pat.boyle@zylker.com,Zylker Biotech,4876876000000333001,Ann Owner,"
    "2024-03-05T10:00:00+05:30,2024-03-06T09:00:00Z,false,false,vip;expo,17",
    "4876876000007421002,,Smith,,,4876876000000333001,Ann Owner,"
    "2024-04-01T00:00:00+00:00,2024-04-01T00:00:00+00:00,true,false,,",
]
RECORDS = [
    {
        "id": BIG_ID,
        "First_Name": "Pat",
        "Last_Name": "Boyle",
        "Email": "pat.boyle@zylker.com",
        "Company": "Zylker Biotech",
        "Owner": {"id": "4876876000000333001", "name": "Ann Owner"},
        "Created_Time": "2024-03-05T10:00:00+05:30",
        "Modified_Time": "2024-03-06T09:00:00Z",
        "Converted__s": False,
        "Locked__s": False,
        "Tag": [{"name": "vip", "id": "1"}, {"name": "expo", "id": "2"}],
        "Score__c": 17,
    },
    {
        "id": "4876876000007421002",
        "First_Name": None,
        "Last_Name": "Smith",
        "Email": None,
        "Company": None,
        "Owner": {"id": "4876876000000333001", "name": "Ann Owner"},
        "Created_Time": "2024-04-01T00:00:00+00:00",
        "Modified_Time": "2024-04-01T00:00:00+00:00",
        "Converted__s": True,
        "Locked__s": False,
        "Tag": [],
        "Score__c": None,
    },
]


def write(tmp_path: Path, text: str, name: str = "Leads.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def good_csv(tmp_path: Path, rows: list[str] | None = None, header: str = HEADER) -> Path:
    return write(tmp_path, "\n".join([header, *(ROWS if rows is None else rows)]) + "\n")


def test_typed_columns(tmp_path: Path) -> None:
    leads = read_leads_csv(good_csv(tmp_path))
    assert leads["id"].tolist() == [BIG_ID, "4876876000007421002"]
    assert str(leads["id"].dtype) == "string" and str(leads["Owner.id"].dtype) == "string"
    assert str(leads["Created_Time"].dtype) == "datetime64[ns, UTC]"
    assert leads["Created_Time"].iloc[0] == pd.Timestamp("2024-03-05T04:30:00Z")
    assert str(leads["Converted__s"].dtype) == "boolean"
    assert leads["Converted__s"].tolist() == [False, True]
    assert leads["Tag"].iloc[0] == "vip;expo" and pd.isna(leads["Tag"].iloc[1])
    assert pd.isna(leads["First_Name"].iloc[1])  # empty cell -> NA, not ""
    assert leads["Score__c"].tolist()[0] == "17"  # custom field kept (text without metadata)
    assert list(leads.columns) == HEADER.split(",")


def test_field_types_from_metadata(tmp_path: Path) -> None:
    leads = read_leads_csv(good_csv(tmp_path), field_types={"Score__c": "integer"})
    assert str(leads["Score__c"].dtype) == "Int64"
    assert leads["Score__c"].iloc[0] == 17 and pd.isna(leads["Score__c"].iloc[1])


def test_api_records_csv_and_bulk_zip_give_identical_frames(tmp_path: Path) -> None:
    from_csv = read_leads_csv(good_csv(tmp_path))
    zpath = tmp_path / "1234_Leads.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("1234.csv", "\n".join([HEADER, *ROWS]) + "\n")
    from_zip = read_leads_bulk_zip(zpath)
    from_api = leads_from_records(RECORDS)
    pd.testing.assert_frame_equal(from_csv, from_zip)
    pd.testing.assert_frame_equal(from_csv, from_api)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    plain = read_leads_csv(good_csv(tmp_path))
    bom = write(tmp_path, "\ufeff" + "\n".join([HEADER, *ROWS]) + "\n", name="bom.csv")
    pd.testing.assert_frame_equal(read_leads_csv(bom), plain)


def test_utf16_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + "\n".join([HEADER, *ROWS]), encoding="utf-16-le")
    with pytest.raises(CSVFormatError) as info:
        read_leads_csv(path)
    msg = str(info.value)
    assert str(path) in msg and "UTF-16 LE" in msg and "CSV UTF-8" in msg
    assert len(read_leads_csv(path, encoding="utf-16")) == 2


def test_windows_1252_is_read_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    rows = [*ROWS]
    rows[1] = rows[1].replace("Smith", "Müller")
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n", encoding="cp1252")
    with pytest.warns(DataWarning) as caught:
        leads = read_leads_csv(path)
    assert leads["Last_Name"].iloc[1] == "Müller"
    message = str(caught[0].message)
    assert str(path) in message and "line 3" in message and "Windows-1252" in message
    assert caught[0].filename == __file__  # attributed to the caller, not to crmkit
    assert read_leads_csv(path, encoding="cp1252")["Last_Name"].iloc[1] == "Müller"


def test_explicit_utf8_refuses_windows_1252_naming_line_and_column(tmp_path: Path) -> None:
    rows = [*ROWS]
    rows[1] = rows[1].replace("Smith", "Müller")
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n", encoding="cp1252")
    with pytest.raises(CSVFormatError) as info:
        read_leads_csv(path, encoding="utf-8")
    err = info.value
    assert err.line == 3 and err.column == "Last_Name"
    assert "'utf-8'" in str(err) and "0xfc" in str(err)


def test_latin1_bytes_cp1252_leaves_undefined_are_read(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252: only Latin-1 decodes it (as a control character).
    path = tmp_path / "Leads.csv"
    path.write_bytes(b"id,Last_Name\n1,M\xfcller\x81\n")
    with pytest.warns(DataWarning, match="Latin-1"):
        leads = read_leads_csv(path)
    assert leads["Last_Name"].iloc[0] == "Müller\x81"


@pytest.mark.parametrize("column", ["id", "Owner.id"])
def test_scientific_notation_ids_are_refused(tmp_path: Path, column: str) -> None:
    rows = [*ROWS]
    value = BIG_ID if column == "id" else "4876876000000333001"
    rows[0] = rows[0].replace(value, "4.87688E+18", 1)
    with pytest.raises(CSVFormatError) as info:
        read_leads_csv(good_csv(tmp_path, rows))
    err = info.value
    assert (err.row, err.column) == (2, column)
    assert "scientific notation" in str(err) and "4.87688E+18" in str(err)
    assert "spreadsheet" in err.fix


def test_float_ids_are_refused(tmp_path: Path) -> None:
    rows = [ROWS[0], ROWS[1].replace("4876876000007421002", "4876876000007421002.0", 1)]
    with pytest.raises(CSVFormatError, match="looks like a float") as info:
        read_leads_csv(good_csv(tmp_path, rows))
    assert (info.value.row, info.value.column) == (3, "id")


def test_duplicate_ids_name_every_row(tmp_path: Path) -> None:
    with pytest.raises(CSVFormatError) as info:
        read_leads_csv(good_csv(tmp_path, [ROWS[0], ROWS[1], ROWS[0]]))
    err = info.value
    assert err.row == 2 and err.column == "id"
    assert "rows/records 2, 4" in str(err) and BIG_ID in str(err)


def test_empty_id(tmp_path: Path) -> None:
    with pytest.raises(CSVFormatError, match="empty id") as info:
        read_leads_csv(good_csv(tmp_path, [ROWS[0], "," + ROWS[1].split(",", 1)[1]]))
    assert info.value.row == 3


def test_missing_required_columns(tmp_path: Path) -> None:
    header = HEADER.replace("id,", "Record Id,", 1)
    with pytest.raises(CSVFormatError) as info:
        read_leads_csv(good_csv(tmp_path, header=header))
    assert "['id']" in str(info.value) and "rename=" in str(info.value)
    with pytest.raises(CSVFormatError, match=r"\['Lead_Source'\]"):
        read_leads_csv(good_csv(tmp_path), required=["Lead_Source"])


def test_field_label_export_with_rename_and_zcrm_prefix(tmp_path: Path) -> None:
    header = HEADER.replace("id,", "Record Id,", 1)
    rows = ["zcrm_" + r for r in ROWS]
    leads = read_leads_csv(good_csv(tmp_path, rows, header=header), rename={"Record Id": "id"})
    assert leads["id"].iloc[0] == BIG_ID


def test_malformed_datetime(tmp_path: Path) -> None:
    rows = [ROWS[0], ROWS[1].replace("2024-04-01T00:00:00+00:00", "2024-13-01T00:00:00+00:00", 1)]
    with pytest.raises(CSVFormatError, match="not a valid datetime") as info:
        read_leads_csv(good_csv(tmp_path, rows))
    assert (info.value.row, info.value.column) == (3, "Created_Time")


def test_naive_datetime_needs_tz(tmp_path: Path) -> None:
    rows = [ROWS[0], ROWS[1].replace("2024-04-01T00:00:00+00:00", "2024-04-01 09:30:00", 1)]
    path = good_csv(tmp_path, rows)
    with pytest.raises(CSVFormatError, match="no UTC offset") as info:
        read_leads_csv(path)
    assert (info.value.row, info.value.column) == (3, "Created_Time")
    assert "tz=" in info.value.fix
    leads = read_leads_csv(path, tz="Asia/Kolkata")
    assert leads["Created_Time"].iloc[1] == pd.Timestamp("2024-04-01T04:00:00Z")


def test_malformed_boolean(tmp_path: Path) -> None:
    rows = [ROWS[0], ROWS[1].replace(",true,false,", ",yes,false,", 1)]
    with pytest.raises(CSVFormatError, match="not a boolean") as info:
        read_leads_csv(good_csv(tmp_path, rows))
    assert (info.value.row, info.value.column) == (3, "Converted__s")


def test_ragged_row_and_headerless_column(tmp_path: Path) -> None:
    with pytest.raises(CSVFormatError, match="malformed CSV"):
        read_leads_csv(good_csv(tmp_path, [ROWS[0], ROWS[1] + ",extra,cells"]))
    with pytest.raises(CSVFormatError, match="without a header"):
        read_leads_csv(good_csv(tmp_path, [r + ",x" for r in ROWS], header=HEADER + ","))


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(CSVFormatError, match="empty"):
        read_leads_csv(write(tmp_path, ""))
    with pytest.raises(CSVFormatError, match="cannot read"):
        read_leads_csv(tmp_path / "nope.csv")


def test_bulk_zip_must_hold_one_csv(tmp_path: Path) -> None:
    zpath = tmp_path / "two.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("a.csv", HEADER)
        zf.writestr("b.csv", HEADER)
    with pytest.raises(CSVFormatError, match="exactly one CSV"):
        read_leads_bulk_zip(zpath)
    with pytest.raises(CSVFormatError, match="not a ZIP"):
        read_leads_bulk_zip(good_csv(tmp_path))


def test_bulk_zip_errors_name_the_member(tmp_path: Path) -> None:
    zpath = tmp_path / "r.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("999.csv", "\n".join([HEADER, ROWS[0], ROWS[0]]))
    with pytest.raises(CSVFormatError) as info:
        read_leads_bulk_zip(zpath)
    assert info.value.path == f"{zpath}!999.csv" and info.value.row == 2


def test_api_record_errors_name_the_record() -> None:
    bad = [dict(RECORDS[0], Created_Time="yesterday")]
    with pytest.raises(PayloadError, match=f"record id={BIG_ID}, field 'Created_Time'"):
        leads_from_records(bad)
    with pytest.raises(PayloadError, match="duplicated"):
        leads_from_records([RECORDS[0], RECORDS[0]])

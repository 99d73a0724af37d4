"""What spreadsheets do to CSV files: `;` delimiters, legacy encodings, ragged rows, odd values.

Each case is read by `crmkit.frames.csvfile` (leads exports, data directories, plans), so these
tests pin the reader's rules; the error must name the row a spreadsheet shows (header = row 1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmkit.frames import CSVFormatError, DataWarning, PayloadError, leads_from_records
from crmkit.frames import read_leads_csv as read
from crmkit.frames.csvfile import read_csv_file
from crmkit.matching import PredictionError, predict_data_dir, read_module_csv

HEADER = ["id", "Last_Name", "Company", "Created_Time", "Amount__c"]
ROWS = [
    ["4876876000007421001", "Boyle", "Zylker", "2024-03-05T10:00:00+05:30", "1234.5"],
    ["4876876000007421002", "Smith", "", "2024-04-01T00:00:00Z", ""],
]
TYPES = {"Amount__c": "currency"}


def write(tmp_path: Path, lines: list[str], name: str = "Leads.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def joined(delimiter: str, rows: list[list[str]] | None = None) -> list[str]:
    return [delimiter.join(r) for r in [HEADER, *(ROWS if rows is None else rows)]]


def test_semicolon_and_tab_files_read_like_the_comma_file(tmp_path: Path) -> None:
    comma = read(write(tmp_path, joined(","), "comma.csv"), field_types=TYPES)
    semi = read(write(tmp_path, joined(";"), "semi.csv"), field_types=TYPES)
    tab = read(write(tmp_path, joined("\t"), "tab.csv"), field_types=TYPES)
    pd.testing.assert_frame_equal(semi, comma)
    pd.testing.assert_frame_equal(tab, comma)
    assert comma["Amount__c"].iloc[0] == 1234.5


def test_semicolon_file_with_a_comma_in_a_cell_keeps_the_cell(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:2], "Zylker, Inc.", *ROWS[0][3:]], ROWS[1]]
    leads = read(write(tmp_path, joined(";", rows)))
    assert leads["Company"].iloc[0] == "Zylker, Inc." and list(leads.columns) == HEADER


def test_semicolon_file_reads_decimal_commas_and_refuses_ambiguous_dots(tmp_path: Path) -> None:
    rows = [[*ROWS[0][:4], "1.234,50"], [*ROWS[1][:4], "99,9"]]
    leads = read(write(tmp_path, joined(";", rows)), field_types=TYPES)
    assert leads["Amount__c"].tolist() == [1234.5, 99.9]
    rows[1][4] = "1.234"
    with pytest.raises(CSVFormatError, match="ambiguous") as info:
        read(write(tmp_path, joined(";", rows)), field_types=TYPES)
    assert (info.value.row, info.value.column) == (3, "Amount__c")


@pytest.mark.parametrize("value", ["inf", "-Infinity", "1e400", "nan"])
def test_numbers_zoho_cannot_take_are_refused(tmp_path: Path, value: str) -> None:
    rows = [ROWS[0], [*ROWS[1][:4], value]]
    with pytest.raises(CSVFormatError, match=r"not a (finite )?number") as info:
        read(write(tmp_path, joined(",", rows)), field_types=TYPES)
    assert (info.value.row, info.value.column) == (3, "Amount__c") and value in str(info.value)


def test_trailing_comma_is_refused_with_its_row(tmp_path: Path) -> None:
    lines = joined(",")
    lines[2] += ","
    with pytest.raises(CSVFormatError) as info:
        read(write(tmp_path, lines))
    err = info.value
    assert err.row == 3
    assert "6 cells where the header has 5" in str(err) and "trailing" in str(err)


def test_short_row_is_refused_not_filled_with_na(tmp_path: Path) -> None:
    lines = joined(",")
    lines[1] = ",".join(ROWS[0][:3])
    with pytest.raises(CSVFormatError) as info:
        read(write(tmp_path, lines))
    err = info.value
    assert err.row == 2 and "3 cells where the header has 5" in str(err)
    assert "Created_Time" in str(err)


def test_row_numbers_count_blank_rows_and_multiline_cells(tmp_path: Path) -> None:
    # A spreadsheet shows: 1 header, 2 a lead whose name spans two lines, 3 blank, 4 a bad row.
    lines = [
        ",".join(HEADER),
        '4876876000007421001,"Boyle\nJr",Zylker,2024-03-05T10:00:00Z,',
        "",
        "4876876000007421002,Smith,,2024-04-01T00:00:00Z,,",
    ]
    with pytest.raises(CSVFormatError) as info:
        read(write(tmp_path, lines))
    assert info.value.row == 4
    lines[3] = lines[3][:-1]
    lines[3] = lines[3].replace("2024-04-01", "2024-13-01")
    with pytest.raises(CSVFormatError, match="not a valid datetime") as info:
        read(write(tmp_path, lines))
    assert (info.value.row, info.value.column) == (4, "Created_Time")


def test_unbalanced_quote_names_its_row(tmp_path: Path) -> None:
    lines = joined(",")
    lines[2] = lines[2].replace("Smith", '"Smith"x', 1)
    with pytest.raises(CSVFormatError, match="malformed CSV") as info:
        read(write(tmp_path, lines))
    assert info.value.row == 3


def test_empty_and_blank_files_say_so(tmp_path: Path) -> None:
    for text in ("", "\n\n", "\ufeff"):
        path = tmp_path / "Leads.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CSVFormatError, match="the file is empty"):
            read(path)
    header_only = read(write(tmp_path, [",".join(HEADER)]))
    assert header_only.empty and list(header_only.columns) == HEADER


def test_no_id_column_in_a_semicolon_file_names_the_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, ["Last_Name;Company", "Boyle;Zylker"])
    with pytest.raises(CSVFormatError, match=r"missing required column\(s\) \['id'\]") as info:
        read(path)
    assert "['Last_Name', 'Company']" in str(info.value)


def test_far_future_created_time_names_the_cell(tmp_path: Path) -> None:
    rows = [ROWS[0], [*ROWS[1][:3], "9999-12-31T00:00:00+00:00", ""]]
    with pytest.raises(CSVFormatError, match="outside the dates") as info:
        read(write(tmp_path, joined(",", rows)))
    assert (info.value.row, info.value.column) == (3, "Created_Time")
    assert "9999-12-31" in str(info.value)


def test_far_future_naive_datetime_and_date_name_the_cell(tmp_path: Path) -> None:
    rows = [ROWS[0], [*ROWS[1][:3], "9999-12-31 00:00:00", ""]]
    with pytest.raises(CSVFormatError, match="outside the dates") as info:
        read(write(tmp_path, joined(",", rows)), tz="UTC")
    assert info.value.row == 3
    lines = ["id,Due__c", "1,2024-01-01", "2,0001-01-01"]
    with pytest.raises(CSVFormatError, match="outside the dates") as info:
        read(write(tmp_path, lines), field_types={"Due__c": "date"})
    assert (info.value.row, info.value.column) == (3, "Due__c")


def test_far_future_created_time_from_the_api_names_the_record() -> None:
    records = [{"id": "1", "Created_Time": "9999-12-31T00:00:00+00:00"}]
    with pytest.raises(PayloadError, match=r"record id=1, field 'Created_Time'.*outside the dates"):
        leads_from_records(records)


def test_module_csv_of_a_data_directory_uses_the_same_reader(tmp_path: Path) -> None:
    path = tmp_path / "Contacts.csv"
    path.write_bytes("id;Last_Name;Email\n1; Müller ;m@x.de\n".encode("cp1252"))
    with pytest.warns(DataWarning, match="Windows-1252"):
        frame = read_module_csv(path)
    assert frame.to_dict("records") == [{"id": "1", "Last_Name": "Müller", "Email": "m@x.de"}]
    path.write_text("id,Last_Name\n1,A,\n", encoding="utf-8")
    with pytest.raises(CSVFormatError, match="3 cells where the header has 2") as info:
        read_module_csv(path)
    assert info.value.row == 2


def test_table_keeps_encoding_delimiter_and_row_numbers(tmp_path: Path) -> None:
    table = read_csv_file(write(tmp_path, ["a;b", "1;2", "", "3;4"]))
    assert (table.delimiter, table.encoding, table.row_numbers) == (";", "utf-8", [2, 4])


def test_data_directory_without_company_warns_what_it_disables(tmp_path: Path) -> None:
    write(tmp_path, ["id,Last_Name,Email", "1,Boyle,pat@zylker.com"])
    write(tmp_path, ["id,Last_Name,Email", "2,Boyle,pat@zylker.com"], "Contacts.csv")
    write(tmp_path, ["id,Account_Name", "3,Zylker"], "Accounts.csv")
    with pytest.warns(DataWarning) as caught:
        prediction = predict_data_dir(tmp_path)
    messages = [str(w.message) for w in caught]
    assert any("'Company'" in m and "Accounts matching by Company" in m for m in messages)
    assert prediction.options["n_contacts"].tolist() == [1]  # the rest still works


def test_data_directory_missing_or_without_leads_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PredictionError, match="no such data directory"):
        predict_data_dir(tmp_path / "nope")
    with pytest.raises(PredictionError, match=r"no Leads\.csv"):
        predict_data_dir(tmp_path)

"""Data-directory validation (file, line, column, reason; nothing loaded), CLI, metadata, --db."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import USERS, Api, account, contact, lead

from crmkit.cli import main
from crmkit.sandbox import DataDirError, Sandbox, load_data_dir

Start = Callable[..., Sandbox]
L1 = "4876876000100000001"


def _good(make_org: Callable[..., Path], **org: object) -> Path:
    return make_org(
        leads=[lead(L1, "A", "B", Email="a@b.test")],
        contacts=[contact("4876876000200000001", "C", "D")],
        accounts=[account("4876876000300000001", "Acme")],
        org={"users": USERS, **org},
    )


def _edit(path: Path, name: str, old: str, new: str) -> None:
    f = path / name
    text = f.read_text()
    assert old in text
    f.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "column", "reason"),
    [
        ("Leads.csv", "4876876000100000001", "48768x6", 2, "1 (id)", "must be 1-19 digits"),
        ("Leads.csv", "id,", "ident,", 1, 0, "column 'id' is required"),
        ("Contacts.csv", "false", "nope", 2, None, "Locked__s must be true or false"),
        ("Leads.csv", "a@b.test", "a@b.test,extra", 2, None, "row has"),
        ("org.json", '"users"', '"users" :: ', 2, None, "invalid JSON"),
        ("org.json", '"users"', '"user_list"', 2, 3, "unknown key 'user_list'"),
    ],
)
def test_bad_data_directory_names_file_line_column(
    make_org: Callable[..., Path],
    file: str,
    old: str,
    new: str,
    line: int,
    column: object,
    reason: str,
) -> None:
    path = _good(make_org)
    if file == "Contacts.csv":
        (path / file).write_text("id,Last_Name,Locked__s\n4876876000200000001,D,nope\n")
    else:
        _edit(path, file, old, new)
    with pytest.raises(DataDirError) as info:
        load_data_dir(path)
    err = info.value
    assert Path(err.file).name == file and err.line == line and reason in err.reason
    if column is not None:
        assert err.column == column
    assert f"{file}:{line}:" in str(err)


@pytest.mark.parametrize("file", ["org.json"])  # JSON is UTF-8 (RFC 8259); CSVs: see below
def test_a_file_not_in_utf8_names_line_and_column(make_org: Callable[..., Path], file: str) -> None:
    path = _good(make_org)
    text = (path / file).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    target = 1  # the second line: the first record, or inside org.json's object
    lines[target] = lines[target][:3] + "Müller" + lines[target][3:]
    (path / file).write_bytes("".join(lines).encode("cp1252"))
    with pytest.raises(DataDirError) as info:
        load_data_dir(path)
    err = info.value
    assert (Path(err.file).name, err.line, err.column) == (file, target + 1, 5)
    assert "not UTF-8 (byte 0xfc)" in err.reason and "save the file as UTF-8" in err.reason


def test_a_windows_1252_csv_is_read_with_a_warning_naming_the_line(
    make_org: Callable[..., Path],
) -> None:
    # What Excel on Windows saves as "CSV": read as Windows-1252, as `crmkit predict` reads it.
    path = _good(make_org)
    text = (path / "Leads.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    cells = lines[1].rstrip("\r\n").split(",")
    cells[header.index("Last_Name")] = "Müller"
    lines[1] = ",".join(cells) + "\n"
    (path / "Leads.csv").write_bytes("".join(lines).encode("cp1252"))
    with pytest.warns(UserWarning, match=r"Leads\.csv: not UTF-8 \(byte 0xfc on line 2\)"):
        org = load_data_dir(path)
    assert "Müller" in {r.get("Last_Name") for r in org.records["Leads"]}


def test_a_semicolon_csv_is_read_like_a_comma_one(make_org: Callable[..., Path]) -> None:
    path = _good(make_org)
    expected = load_data_dir(path).records
    for name in ("Leads.csv", "Contacts.csv", "Accounts.csv"):
        rows = list(csv.reader(io.StringIO((path / name).read_text(encoding="utf-8"))))
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        (path / name).write_text(buffer.getvalue(), encoding="utf-8")
    assert load_data_dir(path).records == expected


def test_a_utf8_bom_is_accepted(make_org: Callable[..., Path]) -> None:
    path = _good(make_org)
    leads = path / "Leads.csv"
    leads.write_bytes(b"\xef\xbb\xbf" + leads.read_bytes())
    assert load_data_dir(path).records["Leads"]


def test_reference_and_owner_and_unique_field_errors(make_org: Callable[..., Path]) -> None:
    path = _good(make_org)
    (path / "Contacts.csv").write_text(
        "id,Last_Name,Account_Name.id\n4876876000200000001,D,4876876000399999999\n"
    )
    with pytest.raises(
        DataDirError, match=r"Contacts.csv:2:3 \(Account_Name.id\): .*not an id in Accounts.csv"
    ):
        load_data_dir(path)
    path = _good(make_org)
    _edit(path, "Leads.csv", USERS[0]["id"], "4876876000000000042")
    with pytest.raises(DataDirError, match="not a user of the org"):
        load_data_dir(path)
    path = _good(
        make_org, unique_fields={"Contacts": [{"api_name": "Tax_Id", "casesensitive": False}]}
    )
    with pytest.raises(DataDirError, match=r"unique field Contacts\.Tax_Id does not exist") as info:
        load_data_dir(path)
    assert info.value.line > 1
    path = _good(make_org)
    (path / "Accounts.csv").unlink()
    with pytest.raises(DataDirError, match="required file is missing"):
        load_data_dir(path)
    path = _good(make_org)
    text = (path / "Leads.csv").read_text()
    (path / "Leads.csv").write_text(text + text.splitlines()[1] + "\n")
    with pytest.raises(DataDirError, match=r"Leads.csv:3:1 \(id\): duplicate id .*first on line 2"):
        load_data_dir(path)


def test_sandbox_start_refuses_bad_directory(make_org: Callable[..., Path]) -> None:
    path = _good(make_org)
    _edit(path, "Leads.csv", "a@b.test", "a@b.test,x")
    sb = Sandbox(path)
    with pytest.raises(DataDirError):
        sb.start()
    assert sb.url == "" and sb.runtime is None


def test_cli_bad_directory_exits_2(
    make_org: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _good(make_org)
    _edit(path, "Leads.csv", "a@b.test", "a@b.test,x")
    assert main(["sandbox", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Leads.csv:2:" in err and "row has" in err


def test_cli_serves_and_prints_listening_line(make_org: Callable[..., Path]) -> None:
    path = _good(make_org)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crmkit.cli",
            "sandbox",
            "--data",
            str(path),
            "--edition",
            "free",
            "--latency-ms",
            "1",
            "--admin-key",
            "k3y",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("crmkit sandbox listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1]
        from crmkit.sandbox import SandboxControl

        state = SandboxControl(url, "k3y").state()
        assert state["edition"] == "free" and state["settings"]["latency_ms"] == 1
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # reaps it and closes both pipes


def test_db_file_keeps_state_across_restarts(make_org: Callable[..., Path], tmp_path: Path) -> None:
    path = _good(make_org)
    db = tmp_path / "state.sqlite"
    with Sandbox(path, db=db) as sb:
        assert Api(sb).convert(L1).status_code == 200
    with Sandbox(path, db=db) as sb:
        assert sb.control.record("Leads", L1)["Converted__s"] is True  # type: ignore[index]
        sb.control.reset()
        assert sb.control.record("Leads", L1)["Converted__s"] is False  # type: ignore[index]


# -- metadata endpoints ----------------------------------------------------------------------------
def test_settings_fields_are_truthful(small_sandbox: Start) -> None:
    sb = small_sandbox(
        leads=[lead(L1, "A", "B")],
        org={
            "users": USERS,
            "unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
            "pipelines": {"P": ["S1", "S2"]},
        },
    )
    api = Api(sb)

    def meta(m: str) -> dict[str, Any]:
        return {f["api_name"]: f for f in api.get("settings/fields", module=m).json()["fields"]}

    leads, contacts, accounts, deals = (
        meta("Leads"),
        meta("Contacts"),
        meta("Accounts"),
        meta("Deals"),
    )
    assert (
        leads["Last_Name"]["system_mandatory"] is True
        and leads["Email"]["system_mandatory"] is False
    )
    assert leads["Email"]["data_type"] == "email" and leads["Phone"]["data_type"] == "phone"
    assert (
        leads["Lead_Source"]["data_type"] == "picklist" and leads["Lead_Source"]["pick_list_values"]
    )
    assert (
        leads["Owner"]["data_type"] == "ownerlookup"
        and contacts["Account_Name"]["data_type"] == "lookup"
    )
    assert leads["Last_Name"]["convert_mapping"] == {
        "Contacts": "Last_Name",
        "Accounts": None,
        "Deals": None,
    }
    assert leads["Company"]["convert_mapping"] == {
        "Contacts": None,
        "Accounts": "Account_Name",
        "Deals": None,
    }
    assert (
        contacts["Phone"]["unique"] == {"casesensitive": "false"}
        and contacts["Email"]["unique"] == {}
    )
    assert accounts["Account_Name"]["system_mandatory"] is True
    assert deals["Stage"]["system_mandatory"] and deals["Pipeline"]["system_mandatory"]
    assert deals["Deal_Name"]["system_mandatory"] and deals["Stage"]["data_type"] == "picklist"
    assert [v["actual_value"] for v in deals["Pipeline"]["pick_list_values"]] == ["P"]
    assert [v["actual_value"] for v in deals["Stage"]["pick_list_values"]] == ["S1", "S2"]
    assert all(isinstance(f["id"], str) for f in leads.values())
    r = api.get("settings/fields")
    assert r.status_code == 400 and r.json()["code"] == "REQUIRED_PARAM_MISSING"
    assert api.get("settings/fields", module="Nope").json()["code"] == "INVALID_MODULE"


def test_layouts_modules_users_org(small_sandbox: Start) -> None:
    sb = small_sandbox(
        leads=[lead(L1, "A", "B")],
        edition="professional",
        org={
            "users": USERS,
            "layouts": {"Accounts": ["Standard", "Partner"]},
            "removed_modules": ["Deals"],
        },
    )
    api = Api(sb)
    acc = api.get("settings/layouts", module="Accounts").json()["layouts"]
    assert [x["name"] for x in acc] == ["Standard", "Partner"]
    (lay,) = api.get("settings/layouts", module="Leads").json()["layouts"]
    conv = lay["convert_mapping"]
    assert conv["Contacts"]["name"] == "Standard" and conv["Deals"] is None
    mods = {m["api_name"]: m for m in api.get("settings/modules").json()["modules"]}
    assert mods["Deals"]["visible"] is False and mods["Leads"]["visible"] is True
    assert api.get("Deals", fields="Deal_Name").json()["code"] == "INVALID_MODULE"
    users = api.get("users", type="CurrentUser").json()["users"]
    assert [(u["id"], u["email"], u["full_name"]) for u in users] == [
        (USERS[0]["id"], USERS[0]["email"], USERS[0]["full_name"])
    ]
    assert len(api.get("users").json()["users"]) == 2
    (org,) = api.get("org").json()["org"]
    assert org["id"].isdigit() and org["license_details"]["paid_type"] == "professional"


def test_configure_is_validated(small_sandbox: Start) -> None:
    sb = small_sandbox(leads=[lead(L1, "A", "B")], org={"users": USERS})
    from crmkit.sandbox import SandboxError

    with pytest.raises(SandboxError, match=r"unique field Contacts\.Nope does not exist"):
        sb.control.configure(unique_fields={"Contacts": [{"api_name": "Nope"}]})
    with pytest.raises(SandboxError, match="unknown setting"):
        sb.control.configure(speed=3)
    with pytest.raises(SandboxError, match="edition must be one of"):
        sb.control.configure(edition="gold")
    assert json.dumps(sb.control.state())  # state is plain JSON

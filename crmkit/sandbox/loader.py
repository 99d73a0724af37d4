"""Read and validate a data directory (a Zoho export plus optional org.json) into plain records.

Validation is all-or-nothing: the first problem raises :class:`DataDirError` naming file, line,
column and reason, and nothing is loaded. The same validators check settings sent to the control
surface, so a bad `configure()` is refused the same way.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crmkit.errors import CrmkitError
from crmkit.sandbox import catalog, mapping
from crmkit.sandbox import users as org_users
from crmkit.sandbox.csvtext import decode_csv_bytes, delimiter_of
from crmkit.sandbox.picklists import parse_picklists
from crmkit.sandbox.roles import parse_contact_roles
from crmkit.sandbox.writer import write_data_dir as write_data_dir  # the inverse, importable here

Record = dict[str, Any]

REQUIRED_FILES = ("Leads.csv", "Contacts.csv", "Accounts.csv")
OPTIONAL_FILES = ("Deals.csv",)
ORG_KEYS = (
    "unique_fields",
    "removed_modules",
    "removed_fields",
    "layouts",
    "pipelines",
    "users",
    "edition",
    "credentials",
    "convert_mapping",
    "layout_convert_mapping",
    "merge_overwrites",
    "org_name",
    "org",
    "tags",
    "contact_roles",
    "picklists",
)

DEFAULT_CREDENTIALS = {
    "client_id": "sandbox-client",
    "client_secret": "sandbox-secret",
    "refresh_token": "sandbox-refresh",
    "code": "sandbox-code",
    "scopes": "",  # comma-separated scopes granted to tokens; empty: all crmkit needs
}
_ID_RE = re.compile(r"^[0-9]{1,19}$")
# A sandbox org's id is digits only, like Zoho's, but 20 to 32 of them: Zoho's ids are 64-bit
# numbers (at most 19 digits), so a sandbox org can never share an id with a real org, and a
# journal bound to one is never taken for the other's.
_ORG_ID_RE = re.compile(r"^[0-9]{20,32}$")


def default_org_id(root: Path) -> str:
    """The org id of a data directory whose org.json names none: 20 digits, stable for one
    directory (derived from its resolved path), never a Zoho id (see `_ORG_ID_RE`)."""
    digest = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()
    return "9" + str(int(digest, 16) % 10**19).zfill(19)


class DataDirError(CrmkitError, ValueError):
    """A data directory (or a control-surface setting) that cannot be loaded.

    Attributes `file`, `line`, `column` (1-based; 0 when not applicable) and `reason`.
    """

    def __init__(self, file: str, line: int, column: int | str, reason: str) -> None:
        self.file, self.line, self.column, self.reason = file, line, column, reason
        super().__init__(f"{file}:{line}:{column}: {reason}")


@dataclass
class OrgData:
    """A validated data directory: records per module (ids as strings) and the org settings."""

    records: dict[str, list[Record]]
    org: dict[str, Any]
    source: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)  # custom columns per module


def load_data_dir(path: str | Path) -> OrgData:
    """Load `path` (Leads.csv, Contacts.csv, Accounts.csv, optional Deals.csv and org.json)."""
    root = Path(path)
    if not root.is_dir():
        raise DataDirError(str(root), 0, 0, "data directory does not exist")
    org_raw: dict[str, Any] = {}
    org_path = root / "org.json"
    if org_path.exists():
        org_raw = _read_json(org_path)
    raw: dict[str, tuple[list[str], list[tuple[int, list[str]]]]] = {}
    for name in REQUIRED_FILES + OPTIONAL_FILES:
        p = root / name
        if not p.exists():
            if name in REQUIRED_FILES:
                raise DataDirError(str(p), 0, 0, "required file is missing")
            continue
        raw[name[:-4]] = _read_csv(p)
    users = _users_from(org_raw, org_path, raw, root)
    org = normalize_org(org_raw, str(org_path), org_text(org_path), users=users)
    org["org"].setdefault("id", default_org_id(root))
    # tag ids follow org.json's tag list, then first appearance in the CSVs
    tag_ids = {t: catalog.tag_id(i) for i, t in enumerate(org["tags"])}
    records: dict[str, list[Record]] = {}
    custom: dict[str, list[str]] = {}
    for module, (header, rows) in raw.items():
        file = str(root / f"{module}.csv")
        records[module], custom[module] = _parse_module(module, file, header, rows, org, tag_ids)
    records.setdefault("Deals", [])
    custom.setdefault("Deals", [])
    _check_references(records, root, raw, org)
    check_org_fields(org, custom, str(org_path), org_text(org_path))
    return OrgData(records=records, org=org, source=str(root), fields=custom)


def org_text(path: Path) -> str:
    return read_utf8(path) if path.exists() else ""


def read_utf8(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 stop the load at their line and column.

    Zoho's exports are UTF-8 (a BOM is accepted); a file re-saved by a spreadsheet in a legacy
    code page would otherwise load with mangled names, or crash with no hint of where.
    """
    data = path.read_bytes()
    body = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8")) + 1
        raise DataDirError(
            str(path),
            line,
            column,
            f"not UTF-8 (byte 0x{body[exc.start]:02x}): save the file as UTF-8",
        ) from None


def _read_json(path: Path) -> dict[str, Any]:
    text = read_utf8(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataDirError(str(path), exc.lineno, exc.colno, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise DataDirError(str(path), 1, 1, "invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise DataDirError(str(path), 1, 1, "org.json must hold a JSON object")
    return data


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = decode_csv_bytes(path, path.read_bytes())
    with io.StringIO(text.removeprefix("\ufeff"), newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter_of(text), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise DataDirError(
                str(path), 1, 0, "file is empty (a header row is required)"
            ) from None
        except csv.Error as exc:
            raise DataDirError(str(path), reader.line_num, 0, f"bad CSV: {exc}") from None
        rows: list[tuple[int, list[str]]] = []
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                rows.append((reader.line_num, row))
        except csv.Error as exc:
            raise DataDirError(str(path), reader.line_num, 0, f"bad CSV: {exc}") from None
    return [h.strip() for h in header], rows


def _locate(text: str, token: str) -> tuple[int, int]:
    """Line and column of the first occurrence of `token` in a JSON text (1, 1 if absent)."""
    idx = text.find(token)
    if idx < 0:
        return 1, 1
    line = text.count("\n", 0, idx) + 1
    col = idx - (text.rfind("\n", 0, idx) + 1) + 1
    return line, col


def normalize_org(
    raw: dict[str, Any], file: str, text: str, *, users: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """Validate org.json-style settings and return them with every key filled in."""

    def fail(token: str, reason: str) -> DataDirError:
        line, col = _locate(text, f'"{token}"') if text else (0, 0)
        return DataDirError(file, line, col, reason)

    for key in raw:
        if key not in ORG_KEYS and not key.startswith("_"):
            raise fail(key, f"unknown key {key!r} (known: {', '.join(ORG_KEYS)})")
    org: dict[str, Any] = {}
    uf = raw.get("unique_fields", {})
    if not isinstance(uf, dict):
        raise fail("unique_fields", "unique_fields must be an object of module -> list")
    org["unique_fields"] = {}
    for module, items in uf.items():
        if module not in ("Contacts", "Accounts", "Leads", "Deals"):
            raise fail(module, f"unique_fields: unknown module {module!r}")
        if not isinstance(items, list):
            raise fail(module, f"unique_fields.{module} must be a list")
        out = []
        for item in items:
            if isinstance(item, str):
                item = {"api_name": item, "casesensitive": False}
            if not isinstance(item, dict) or not isinstance(item.get("api_name"), str):
                raise fail(module, f"unique_fields.{module}: each entry needs an api_name string")
            cs = item.get("casesensitive", False)
            if isinstance(cs, str) and cs.lower() in ("true", "false"):
                cs = cs.lower() == "true"
            if not isinstance(cs, bool):
                raise fail(item["api_name"], "casesensitive must be true or false")
            out.append({"api_name": item["api_name"], "casesensitive": cs})
        org["unique_fields"][module] = out
    rm = raw.get("removed_modules", [])
    if not isinstance(rm, list) or any(m not in ("Accounts", "Contacts", "Deals") for m in rm):
        raise fail("removed_modules", "removed_modules lists only Contacts, Accounts or Deals")
    org["removed_modules"] = list(rm)
    rf = raw.get("removed_fields", {})
    if not isinstance(rf, dict):
        raise fail("removed_fields", "removed_fields must be an object of module -> list")
    for module, names in rf.items():
        if module not in catalog.MODULES:
            raise fail(module, f"removed_fields: unknown module {module!r}")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise fail(module, f"removed_fields.{module} must be a list of field names")
        for n in names:
            fd = catalog.standard_field(module, n)
            if n == "id" or (fd is not None and fd.system_mandatory):
                raise fail(n, f"removed_fields: {module}.{n} is system-mandatory")
    org["removed_fields"] = {m: list(v) for m, v in rf.items()}
    lay = raw.get("layouts", {})
    if not isinstance(lay, dict):
        raise fail("layouts", "layouts must be an object of module -> list of names")
    org["layouts"] = {}
    for module in catalog.MODULES:
        names = lay.get(module, ["Standard"])
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise fail(module, f"layouts.{module} must be a non-empty list of names")
        org["layouts"][module] = list(names)
    for module in lay:
        if module not in catalog.MODULES:
            raise fail(module, f"layouts: unknown module {module!r}")
    pl = raw.get("pipelines", {})
    if not isinstance(pl, dict):
        raise fail("pipelines", "pipelines must be an object of pipeline -> list of stages")
    for name, stages in pl.items():
        if (
            not isinstance(stages, list)
            or not stages
            or not all(isinstance(s, str) for s in stages)
        ):
            raise fail(name, f"pipelines.{name} must be a non-empty list of stage names")
    org["pipelines"] = {k: list(v) for k, v in pl.items()}
    edition = raw.get("edition", "enterprise")
    if edition not in catalog.EDITIONS:
        raise fail("edition", f"edition must be one of {', '.join(catalog.EDITIONS)}")
    org["edition"] = edition
    creds = raw.get("credentials", {})
    if not isinstance(creds, dict) or not all(isinstance(v, str) for v in creds.values()):
        raise fail("credentials", "credentials must be an object of strings")
    for key in creds:
        if key not in DEFAULT_CREDENTIALS:
            raise fail(key, f"credentials: unknown key {key!r}")
    org["credentials"] = {**DEFAULT_CREDENTIALS, **creds}
    cm = raw.get("convert_mapping", {})
    if not isinstance(cm, dict):
        raise fail("convert_mapping", "convert_mapping must be an object")
    for module, fmap in cm.items():
        if module not in ("Contacts", "Accounts", "Deals") or not isinstance(fmap, dict):
            raise fail(module, "convert_mapping: Contacts|Accounts|Deals -> {lead field: field}")
    org["convert_mapping"] = {m: dict(v) for m, v in cm.items()}
    org["layout_convert_mapping"] = mapping.layout_mappings(raw, org["layouts"], fail)
    org["merge_overwrites"] = mapping.merge_overwrites(raw, fail)
    info = raw.get("org", {})
    if not isinstance(info, dict):
        raise fail("org", "org must be an object (id, company_name, time_zone, …)")
    if "id" in info and not _ORG_ID_RE.match(str(info["id"])):
        raise fail(
            "org",
            "org.id must be 20-32 digits: shorter ids are Zoho's, and a sandbox org must never "
            "share an id with a real org (leave it out for one derived from the directory)",
        )
    if "company_name" in info and not isinstance(info["company_name"], str):
        raise fail("org", "org.company_name must be a string")
    org["org"] = {str(k): v for k, v in info.items()}
    name = raw.get("org_name", info.get("company_name") or info.get("name") or "Zylker Sandbox")
    if not isinstance(name, str):
        raise fail("org_name", "org_name must be a string")
    org["org_name"] = name
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("tags", "tags must be a list of tag names")
    org["tags"] = list(tags)
    org["contact_roles"] = parse_contact_roles(raw.get("contact_roles"), fail)
    org["picklists"] = parse_picklists(raw, fail)
    org["users"] = users if users is not None else org_users.parse_users(raw, fail)
    if not org["users"]:
        org["users"] = [dict(org_users.DEFAULT_USER)]
    return org


def _users_from(
    org_raw: dict[str, Any],
    org_path: Path,
    raw: dict[str, tuple[list[str], list[tuple[int, list[str]]]]],
    root: Path,
) -> list[dict[str, str]] | None:
    """Users from org.json; else one user per distinct Owner.id seen in the CSVs."""
    if "users" in org_raw:
        text = org_text(org_path)

        def fail(token: str, reason: str) -> DataDirError:
            line, col = _locate(text, f'"{token}"')
            return DataDirError(str(org_path), line, col, reason)

        return org_users.parse_users(org_raw, fail)
    return org_users.from_owners(raw.values())


def _parse_module(
    module: str,
    file: str,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    org: dict[str, Any],
    tag_ids: dict[str, str],
) -> tuple[list[Record], list[str]]:
    if "id" not in header:
        raise DataDirError(file, 1, 0, "column 'id' is required")
    seen_cols: set[str] = set()
    for i, h in enumerate(header):
        if not h:
            raise DataDirError(file, 1, i + 1, "empty column name in header")
        if h in seen_cols:
            raise DataDirError(file, 1, i + 1, f"duplicate column {h!r}")
        seen_cols.add(h)
        if h.endswith(".name") and f"{h[:-5]}.id" not in header:
            raise DataDirError(file, 1, i + 1, f"{h!r} needs a matching {h[:-5]}.id column")
    standard = {fd.api_name: fd for fd in catalog.STANDARD_FIELDS[module]}
    custom = [
        h
        for h in header
        if h not in standard
        and h not in ("id", "$approval_state", "Tag", "Layout")
        and not h.endswith((".id", ".name"))
    ]
    custom += [
        h[:-3] for h in header if h.endswith(".id") and h[:-3] not in standard and h[:-3] != "Tag"
    ]
    users = {u["id"]: u for u in org["users"]}
    records: list[Record] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if len(row) != len(header):
            raise DataDirError(
                file,
                line,
                min(len(row), len(header)) + 1,
                f"row has {len(row)} cells, header has {len(header)}",
            )
        rec: Record = {}
        for col, (h, cell) in enumerate(zip(header, row, strict=True), start=1):
            value = cell.strip()

            def bad(reason: str, col: int = col, h: str = h, line: int = line) -> DataDirError:
                return DataDirError(file, line, f"{col} ({h})", reason)

            if h == "id":
                if not _ID_RE.match(value) or int(value) >= 2**63:
                    raise bad(f"id {value!r} must be 1-19 digits (below 2**63)")
                if value in seen:
                    raise bad(f"duplicate id {value} (first on line {seen[value]})")
                seen[value] = line
                rec["id"] = value
            elif h.endswith(".id"):
                base = h[:-3]
                if not value:
                    rec.setdefault(base, None)
                    continue
                if not _ID_RE.match(value):
                    raise bad(f"{h} {value!r} must be 1-19 digits")
                look = rec.get(base) or {}
                look["id"] = value
                if base == "Owner":
                    if value not in users:
                        raise bad(f"Owner.id {value} is not a user of the org")
                    look.setdefault("name", users[value]["full_name"])
                    look["email"] = users[value]["email"]
                rec[base] = look
            elif h.endswith(".name"):
                base = h[:-5]
                if value:
                    look = rec.get(base) or {}
                    look["name"] = value
                    rec[base] = look
            elif h == "Tag":
                names = [t.strip() for t in value.split(";") if t.strip()]
                tags = []
                for n in names:
                    tag_ids.setdefault(n, catalog.tag_id(len(tag_ids)))
                    tags.append({"name": n, "id": tag_ids[n]})
                rec["Tag"] = tags
            elif h == "Layout":
                names = org["layouts"].get(module, ["Standard"])
                if value and value not in names:
                    raise bad(f"layout {value!r} is not one of {module}'s layouts {names}")
                rec["Layout"] = catalog.layout_ref(module, value or names[0], names)
            elif h in catalog.BOOLEAN_FIELDS:
                if value.lower() not in ("", "true", "false"):
                    raise bad(f"{h} must be true or false, got {value!r}")
                rec[h] = value.lower() == "true"
            elif h == "$approval_state":
                if value and value not in catalog.APPROVAL_STATES:
                    raise bad(f"unknown $approval_state {value!r}")
                rec[h] = value or "approved"
            else:
                fd = standard.get(h)
                if value and fd is not None:
                    _check_type(fd, value, bad)
                rec[h] = value or None
        # lookups given only by name lose the name-only dict: an id is required
        for k, v in list(rec.items()):
            if isinstance(v, dict) and "id" not in v:
                raise DataDirError(file, line, k, f"{k}.name given without {k}.id")
        _check_mandatory(module, file, line, rec)
        rec.setdefault("$approval_state", "approved")
        rec.setdefault("Locked__s", False)
        rec.setdefault("Tag", [])
        if module == "Leads":
            rec.setdefault("Converted__s", False)
        if module in ("Leads", "Contacts") and not rec.get("Full_Name"):
            rec["Full_Name"] = full_name(rec)
        if module == "Accounts" and not rec.get("Layout"):
            names = org["layouts"]["Accounts"]
            rec["Layout"] = catalog.layout_ref("Accounts", names[0], names)
        records.append(rec)
    return records, custom


def full_name(rec: Record) -> str:
    parts = [str(rec.get("First_Name") or "").strip(), str(rec.get("Last_Name") or "").strip()]
    return " ".join(p for p in parts if p)


def _check_type(fd: catalog.FieldDef, value: str, bad: Any) -> None:
    try:
        if fd.data_type == "integer":
            int(value)
        elif fd.data_type in ("currency", "double"):
            float(value)
        elif fd.data_type == "datetime":
            datetime.fromisoformat(value)
        elif fd.data_type == "date":
            datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise bad(f"{fd.api_name} is a {fd.data_type} field, got {value!r}") from None


def _check_mandatory(module: str, file: str, line: int, rec: Record) -> None:
    for fd in catalog.STANDARD_FIELDS[module]:
        if fd.system_mandatory and fd.api_name in rec and not rec[fd.api_name]:
            raise DataDirError(file, line, fd.api_name, f"{fd.api_name} is system-mandatory")


def _check_references(
    records: dict[str, list[Record]],
    root: Path,
    raw: dict[str, tuple[list[str], list[tuple[int, list[str]]]]],
    org: dict[str, Any],
) -> None:
    ids = {m: {r["id"] for r in recs} for m, recs in records.items()}
    refs = {"Account_Name": "Accounts", "Contact_Name": "Contacts"}
    names = {
        "Accounts": {r["id"]: r.get("Account_Name") for r in records.get("Accounts", [])},
        "Contacts": {r["id"]: r.get("Full_Name") for r in records.get("Contacts", [])},
    }
    for module, recs in records.items():
        if module not in raw:
            continue
        header, rows = raw[module]
        for rec, (line, _row) in zip(recs, rows, strict=True):
            for fname, target in refs.items():
                look = rec.get(fname)
                if isinstance(look, dict) and look["id"] not in ids.get(target, set()):
                    col = header.index(f"{fname}.id") + 1
                    raise DataDirError(
                        str(root / f"{module}.csv"),
                        line,
                        f"{col} ({fname}.id)",
                        f"{fname}.id {look['id']} is not an id in {target}.csv",
                    )
                if isinstance(look, dict) and "name" not in look:
                    look["name"] = names[target].get(look["id"])
            if module == "Deals" and org["pipelines"] and rec.get("Pipeline"):
                stages = org["pipelines"].get(rec["Pipeline"])
                if stages is None or rec.get("Stage") not in stages:
                    raise DataDirError(
                        str(root / "Deals.csv"),
                        line,
                        "Stage",
                        f"stage {rec.get('Stage')!r} is not in pipeline {rec['Pipeline']!r}",
                    )


def module_fields(module: str, custom: list[str]) -> list[str]:
    return [fd.api_name for fd in catalog.STANDARD_FIELDS[module]] + [
        c for c in custom if catalog.standard_field(module, c) is None
    ]


def check_org_fields(
    org: dict[str, Any], custom: dict[str, list[str]], file: str, text: str
) -> None:
    """Fields org.json names (unique fields, conversion mappings) must exist in their module."""

    def check(module: str, name: str, what: str) -> None:
        if name not in module_fields(module, custom.get(module, [])):
            line, col = _locate(text, f'"{name}"')
            raise DataDirError(file, line, col, f"{what}: {module}.{name} does not exist")

    for what, target, fmap in mapping.named_fields(org):
        for lead_field, target_field in fmap.items():
            check("Leads", lead_field, what)
            check(target, target_field, what)
    for module, items in org["unique_fields"].items():
        known = set(module_fields(module, custom.get(module, [])))
        for item in items:
            if item["api_name"] not in known:
                line, col = _locate(text, f'"{item["api_name"]}"')
                raise DataDirError(
                    file, line, col, f"unique field {module}.{item['api_name']} does not exist"
                )

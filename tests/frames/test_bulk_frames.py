"""Bulk Read pages decode to the records API's frame: lookups, owners, types across pages."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmkit.frames import CSVFormatError, leads_from_records
from crmkit.frames.bulk import bulk_columns, read_bulk_pages, with_owners
from crmkit.sandbox import bulk, bulk_view, metadata, views
from crmkit.sandbox.loader import load_data_dir
from crmkit.sandbox.runtime import Runtime

USERS = [
    {"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"},
    {"id": "4876876000000225018", "full_name": "Ben Okafor", "email": "ben@zylker.test"},
]


def _contacts() -> list[dict[str, Any]]:
    out = []
    for i in range(1, 8):
        user = USERS[i % 2]
        rec: dict[str, Any] = {
            "id": f"48768760000074370{i:02d}",
            "First_Name": f"F{i}",
            "Last_Name": f"L{i}",
            "Email": f"c{i}@x.com",
            "Owner": {"id": user["id"], "name": user["full_name"]},
            "Modified_Time": "2024-03-05T10:00:00+05:30",
            "Segment__c": "true" if i < 4 else "gold",  # page 1 looks boolean, page 2 does not
        }
        if i % 3:
            rec["Account_Name"] = {"id": "4876876000007421010", "name": "Zylker Biotech"}
        out.append(rec)
    return out


@pytest.fixture
def rt(make_org: Callable[..., Path]) -> Iterator[Runtime]:
    data = make_org(
        leads=[{"id": "1", "Last_Name": "X", "Owner": {"id": USERS[0]["id"]}}],
        contacts=_contacts(),
        accounts=[
            {
                "id": "4876876000007421010",
                "Account_Name": "Zylker Biotech",
                "Owner": {"id": USERS[0]["id"]},
            }
        ],
        org={"users": [{**u, "role": "CEO", "status": "active"} for u in USERS]},
    )
    runtime = Runtime.create(load_data_dir(data))
    yield runtime
    runtime.store.close()


def export_pages(
    rt: Runtime, module: str, fields: list[str], page_size: int, out: Path
) -> list[Path]:
    reads = bulk.BulkReads(rt.store)
    limits = bulk.BulkLimits(progress="poll", page_size=page_size)
    org = rt.org()
    paths: list[Path] = []
    token = None
    ids = iter(range(7_200_000_000_000_000_001, 7_200_000_000_000_001_000))
    while True:
        query: dict[str, Any] = {"module": module, "fields": fields}
        if token:
            query["page_token"] = token
        job = reads.create(
            {"query": query},
            lambda m: bulk_view.module_view(org, m),
            new_id=lambda: str(next(ids)),
            user={"id": USERS[0]["id"], "name": USERS[0]["full_name"]},
            limits=limits,
        )
        for _ in range(100):
            if reads.observe(job.id).state == "COMPLETED":
                break
            time.sleep(0.001)
        assert job.path is not None
        copy = out / job.path.name
        copy.write_bytes(job.path.read_bytes())
        paths.append(copy)
        token = job.next_page_token
        if not job.more_records:
            break
    reads.close()
    return paths


FIELDS = [
    "First_Name",
    "Last_Name",
    "Email",
    "Owner",
    "Account_Name",
    "Modified_Time",
    "Segment__c",
]


def test_pages_decode_to_the_records_api_frame(rt: Runtime, tmp_path: Path) -> None:
    org = rt.org()
    meta = metadata.fields_meta(org, "Contacts")["fields"]
    cols = bulk_columns(FIELDS, meta)
    assert cols.fields == (*FIELDS[:5], "Account_Name.Account_Name", *FIELDS[5:])
    assert cols.rename == {
        "Owner": "Owner.id",
        "Account_Name": "Account_Name.id",
        "Account_Name.Account_Name": "Account_Name.name",
    }
    paths = export_pages(rt, "Contacts", list(cols.fields), 3, tmp_path)
    assert len(paths) == 3
    types = {str(f["api_name"]): str(f["data_type"]) for f in meta}
    types.pop("Segment__c", None)  # a custom field: typed from its values, over every page
    bulk_frame = with_owners(
        read_bulk_pages(paths, rename=cols.rename, field_types=types), cols.owners, USERS
    )
    records = [
        views.render(org, "Contacts", r, FIELDS)
        for r in rt.store.page("Contacts", converted="both", sort_order="asc", limit=100)
    ]
    api = leads_from_records(records, field_types=types, source="Contacts API")
    api = api.drop(columns=["$approval_state"])
    assert sorted(bulk_frame.columns) == sorted(api.columns)
    pd.testing.assert_frame_equal(bulk_frame[api.columns], api)
    assert str(bulk_frame["Segment__c"].dtype) == "string"  # not boolean: page 3 says "gold"
    assert bulk_frame["Owner.email"].iloc[0] == "ben@zylker.test"


def test_an_id_in_two_pages_names_the_page_and_row(rt: Runtime, tmp_path: Path) -> None:
    paths = export_pages(rt, "Contacts", ["Last_Name"], 4, tmp_path)
    with zipfile.ZipFile(paths[0]) as a:
        name = a.namelist()[0]
        text = a.read(name).decode()
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w") as a:
        a.writestr(name, text)
    with pytest.raises(CSVFormatError, match="appears twice") as info:
        read_bulk_pages([paths[0], twice])
    assert info.value.path.startswith(str(twice)) and info.value.row == 2


def test_no_pages_is_an_empty_frame() -> None:
    assert list(read_bulk_pages([]).columns) == ["id"]

"""The sandbox's Bulk Read job model and result files, driven directly (no HTTP).

Pages, criteria, limits and faults are checked against the store a real sandbox would serve;
the result ZIP is read back with crmkit's own Bulk Read reader and must give the frame the
records API path gives (tests/sandbox/test_sandbox_bulk_http.py covers the routes).
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sandbox_helpers import OWNER, REP_OWNER, USERS, acc_ref, account, contact, lead

from crmkit.frames import leads_from_records, read_leads_bulk_zip
from crmkit.sandbox import bulk, bulk_view, catalog, views
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.loader import load_data_dir
from crmkit.sandbox.runtime import Runtime

POLL = bulk.BulkLimits(progress="poll")
T_IST = "2024-03-05T10:00:00+05:30"  # 04:30 UTC
T_UTC = "2024-03-05T05:00:00+00:00"  # later, though it reads earlier


def leads_org() -> dict[str, Any]:
    leads = [
        lead(
            f"48768760000075000{i:02d}",
            f"F{i}",
            f"L{i}",
            Email=f"l{i}@x.com",
            Owner=OWNER if i % 2 else REP_OWNER,
            Modified_Time=T_IST if i % 3 else T_UTC,
            Created_Time=T_IST,
            No_of_Employees=str(10 * i),
            Annual_Revenue=f"{i}500.5" if i % 2 else "2000000",
            Tag=["VIP", "Expo"] if i % 4 == 0 else [],
            Lead_Status="Contacted" if i < 5 else None,
        )
        for i in range(1, 12)
    ]
    leads[0]["Description"] = 'multi\nline, with "quotes"'
    leads[1]["Converted__s"] = True
    leads[2]["Locked__s"] = True
    leads[3]["$approval_state"] = "pending"
    contacts = [
        contact(
            "4876876000007437017",
            "Pat",
            "Boyle",
            Account_Name=acc_ref("4876876000007421010", "Zylker Biotech"),
        )
    ]
    accounts = [account("4876876000007421010", "Zylker Biotech")]
    return {"leads": leads, "contacts": contacts, "accounts": accounts, "org": {"users": USERS}}


@pytest.fixture
def org_dir(make_org: Callable[..., Path]) -> Path:
    return make_org(**leads_org())


@pytest.fixture
def rt(org_dir: Path) -> Iterator[Runtime]:
    runtime = Runtime.create(load_data_dir(org_dir))
    yield runtime
    runtime.store.close()


@pytest.fixture
def reads(rt: Runtime) -> Iterator[bulk.BulkReads]:
    registry = bulk.BulkReads(rt.store)
    yield registry
    registry.close()


def view_of(rt: Runtime) -> Callable[[str], bulk_view.ModuleView]:
    org = rt.org()
    return lambda module: bulk_view.module_view(org, module)


class Ids:
    def __init__(self) -> None:
        self.n = 7_000_000_000_000_000_000

    def __call__(self) -> str:
        self.n += 1
        return str(self.n)


NEW_ID = Ids()


def create(
    reads: bulk.BulkReads,
    rt: Runtime,
    query: dict[str, Any],
    limits: bulk.BulkLimits = POLL,
    *,
    fail: bool = False,
) -> bulk.BulkJob:
    return reads.create(
        {"query": query},
        view_of(rt),
        new_id=NEW_ID,
        user={"id": USERS[0]["id"], "name": USERS[0]["full_name"]},
        limits=limits,
        fail=fail,
    )


def finish(reads: bulk.BulkReads, job: bulk.BulkJob) -> list[str]:
    """Poll until the job ends; the states seen, in order (bounded, not timed)."""
    seen: list[str] = []
    for _ in range(2_000):
        state = reads.observe(job.id).state
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in ("COMPLETED", "FAILURE"):
            return seen
        time.sleep(0.005)
    raise AssertionError(f"job {job.id} never finished: {seen}")


def rows(job: bulk.BulkJob) -> pd.DataFrame:
    assert job.path is not None
    return read_leads_bulk_zip(job.path)


def test_poll_mode_walks_added_in_progress_completed(reads: bulk.BulkReads, rt: Runtime) -> None:
    job = create(reads, rt, {"module": {"api_name": "Leads"}, "fields": ["Last_Name"]})
    assert job.summary()["state"] == "ADDED"
    assert finish(reads, job) == ["ADDED", "IN PROGRESS", "COMPLETED"]
    detail = job.detail()
    assert detail["result"] == {
        "page": 1,
        "count": 11,
        "download_url": f"/crm/bulk/v8/read/{job.id}/result",
        "per_page": 200_000,
        "more_records": False,
        "next_page_token": None,
    }
    assert detail["query"]["module"] == {"api_name": "Leads", "id": catalog.MODULE_IDS["Leads"]}
    assert detail["operation"] == "read" and detail["file_type"] == "csv"
    with zipfile.ZipFile(job.path or "") as archive:
        assert archive.namelist() == [f"{job.id}.csv"]
        text = archive.read(f"{job.id}.csv").decode("utf-8")
    assert text.startswith("id,Last_Name\n48768760000075000") and not text.startswith("\ufeff")


def test_time_mode_completes_on_its_own(reads: bulk.BulkReads, rt: Runtime) -> None:
    limits = bulk.BulkLimits(step_ms=0)
    job = create(reads, rt, {"module": "Contacts"}, limits)
    for _ in range(2_000):
        if job.finished:
            break
        time.sleep(0.005)
    assert job.state == "COMPLETED" and job.count == 1
    assert rows(job)["Account_Name"].tolist() == ["4876876000007421010"]  # a lookup is its id


def test_pages_cover_every_record_once_in_id_order(reads: bulk.BulkReads, rt: Runtime) -> None:
    limits = bulk.BulkLimits(progress="poll", page_size=4)
    query: dict[str, Any] = {"module": {"api_name": "Leads"}, "fields": ["Email"]}
    got: list[str] = []
    token: str | None = None
    counts = []
    for page in range(1, 10):
        q = {**query, "page": page} if token is None else {**query, "page_token": token}
        job = create(reads, rt, q, limits)
        finish(reads, job)
        result = job.detail()["result"]
        assert result["page"] == page and result["per_page"] == 4
        got += rows(job)["id"].tolist()
        counts.append(result["count"])
        token = result["next_page_token"]
        assert (token is not None) == result["more_records"]
        if not result["more_records"]:
            break
    assert counts == [4, 4, 3]
    every = sorted(r["id"] for r in leads_org()["leads"])
    assert got == every  # converted leads included; no overlap, no gap

    # page 3 asked by number, without the earlier pages' jobs, is the same page
    fresh = bulk.BulkReads(rt.store)
    try:
        job = create(fresh, rt, {**query, "page": 3}, limits)
        finish(fresh, job)
        assert rows(job)["id"].tolist() == every[8:]
    finally:
        fresh.close()


def test_a_page_token_is_bound_to_its_query(reads: bulk.BulkReads, rt: Runtime) -> None:
    limits = bulk.BulkLimits(progress="poll", page_size=4)
    job = create(reads, rt, {"module": "Leads", "fields": ["Email"]}, limits)
    finish(reads, job)
    token = job.detail()["result"]["next_page_token"]
    with pytest.raises(ApiError) as info:
        create(reads, rt, {"module": "Leads", "fields": ["Phone"], "page_token": token}, limits)
    assert info.value.code == "INVALID_REQUEST" and info.value.details["api_name"] == "page_token"
    with pytest.raises(ApiError, match="invalid page_token"):
        create(reads, rt, {"module": "Leads", "page_token": "nope"}, limits)


def criteria_ids(reads: bulk.BulkReads, rt: Runtime, criteria: dict[str, Any]) -> list[str]:
    job = create(reads, rt, {"module": "Leads", "fields": ["Last_Name"], "criteria": criteria})
    finish(reads, job)
    return [i[-2:] for i in rows(job)["id"]]


def cond(field: str, comparator: str, value: Any) -> dict[str, Any]:
    return {"field": {"api_name": field}, "comparator": comparator, "value": value}


def test_criteria_compare_instants_text_lookups_and_groups(
    reads: bulk.BulkReads, rt: Runtime
) -> None:
    # 04:30 UTC written +05:30 is before 04:45 UTC; 05:00 UTC is after it
    after = cond("Modified_Time", "greater_than", "2024-03-05T04:45:00Z")
    assert criteria_ids(reads, rt, after) == ["03", "06", "09"]
    assert criteria_ids(reads, rt, cond("Lead_Status", "equal", "contacted")) == [
        "01",
        "02",
        "03",
        "04",
    ]
    assert criteria_ids(reads, rt, cond("Owner", "equal", REP_OWNER["id"])) == [
        "02",
        "04",
        "06",
        "08",
        "10",
    ]
    assert criteria_ids(reads, rt, cond("Converted__s", "equal", True)) == ["02"]
    assert criteria_ids(reads, rt, cond("Locked__s", "equal", "true")) == ["03"]
    assert criteria_ids(reads, rt, cond("No_of_Employees", "between", [30, 50])) == [
        "03",
        "04",
        "05",
    ]
    assert criteria_ids(reads, rt, cond("Email", "in", ["L1@X.COM", "l11@x.com"])) == [
        "01",
        "11",
    ]
    assert criteria_ids(reads, rt, cond("Lead_Status", "equal", "${EMPTY}"))[:2] == ["05", "06"]
    group = {
        "group_operator": "or",
        "group": [
            cond("Email", "starts_with", "l1"),
            {"api_name": "Email", **{"comparator": "ends_with", "value": "7@x.com"}},
        ],
    }
    assert criteria_ids(reads, rt, group) == ["01", "07", "10", "11"]
    both = {"group_operator": "and", "group": [after, cond("Email", "not_equal", "l3@x.com")]}
    assert criteria_ids(reads, rt, both) == ["06", "09"]


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        (cond("Nope__c", "equal", "x"), "FIELD_IN_CRITERIA_NOT_AVAILABLE"),
        (
            cond("Modified_Time", "contains", "2024"),
            "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
        ),
        (
            cond("Modified_Time", "greater_than", "yesterday"),
            "FIELD_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
        ),
        (
            cond("Modified_Time", "greater_than", "2024-03-05T04:45:00"),
            "FIELD_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
        ),
        (cond("Email", "in", "a@x.com"), "COMPARATOR_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE"),
        (
            cond("No_of_Employees", "between", [1]),
            "COMPARATOR_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
        ),
        (
            {"group": [cond("Email", "equal", "a"), cond("Email", "equal", "b")]},
            "AMBIGUOUS_GROUP_IN_CRITERIA",
        ),
        (
            {"group_operator": "xor", "group": [cond("Email", "equal", "a")]},
            "GROUP_OPERATOR_NOT_SUPPORTED",
        ),
        ({"comparator": "equal", "value": "a"}, "INVALID_CRITERIA"),
    ],
)
def test_bad_criteria_fail_at_create(
    reads: bulk.BulkReads, rt: Runtime, criteria: dict[str, Any], code: str
) -> None:
    with pytest.raises(ApiError) as info:
        create(reads, rt, {"module": "Leads", "criteria": criteria})
    assert (info.value.status, info.value.code) == (400, code)
    assert reads.jobs == {}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (None, "REQUEST_BODY_IS_EMPTY"),
        ({"query": {}}, "INVALID_REQUEST"),
        ({"query": {"module": "Notes"}}, "MODULE_NOT_SUPPORTED"),
        ({"query": {"module": "Leads", "fields": ["Nope__c"]}}, "FIELD_NOT_AVAILABLE"),
        ({"query": {"module": "Leads", "fields": ["Owner.phone"]}}, "FIELD_NOT_SUPPORTED"),
        ({"query": {"module": "Leads", "page": 0}}, "INVALID_REQUEST"),
        ({"query": {"module": "Leads", "cvid": "123"}}, "CVID_NOT_SUPPORTED"),
        ({"query": {"module": "Leads"}, "file_type": "ics"}, "INVALID_REQUEST"),
        ({"query": {"module": "Leads"}, "callback": {"url": "ftp://x"}}, "INVALID_CALLBACK_URL"),
        (
            {"query": {"module": "Leads"}, "callback": {"url": "https://x", "method": "get"}},
            "INVALID_CALLBACK_METHOD",
        ),
    ],
)
def test_bad_bodies_are_refused_with_zoho_codes(
    reads: bulk.BulkReads, rt: Runtime, body: Any, code: str
) -> None:
    with pytest.raises(ApiError) as info:
        reads.create(body, view_of(rt), new_id=NEW_ID, user={"id": "1", "name": "A"}, limits=POLL)
    assert info.value.code == code


def test_unknown_module_is_the_org_view_error(reads: bulk.BulkReads, rt: Runtime) -> None:
    with pytest.raises(ApiError) as info:
        create(reads, rt, {"module": "Widgets"})
    assert info.value.code == "INVALID_MODULE"


def test_concurrent_jobs_are_capped(reads: bulk.BulkReads, rt: Runtime) -> None:
    limits = bulk.BulkLimits(progress="poll", max_jobs=2)
    first = create(reads, rt, {"module": "Leads"}, limits)
    create(reads, rt, {"module": "Contacts"}, limits)
    with pytest.raises(ApiError) as info:
        create(reads, rt, {"module": "Accounts"}, limits)
    assert (info.value.status, info.value.code) == (429, "TOO_MANY_REQUESTS")
    finish(reads, first)
    assert create(reads, rt, {"module": "Accounts"}, limits).state == "ADDED"


def test_downloads_per_window_then_429(reads: bulk.BulkReads, rt: Runtime) -> None:
    limits = bulk.BulkLimits(progress="poll", downloads_per_window=2, download_window_s=60)
    job = create(reads, rt, {"module": "Leads"}, limits)
    finish(reads, job)
    assert reads.admit_download(job.id, limits, now=100.0) is job
    reads.admit_download(job.id, limits, now=110.0)
    with pytest.raises(ApiError) as info:
        reads.admit_download(job.id, limits, now=159.0)
    assert (info.value.status, info.value.code) == (429, "TOO_MANY_REQUESTS")
    assert reads.admit_download(job.id, limits, now=160.5) is job  # the first aged out


def test_a_failed_job_has_no_result(reads: bulk.BulkReads, rt: Runtime) -> None:
    job = create(reads, rt, {"module": "Leads"}, fail=True)
    assert finish(reads, job) == ["ADDED", "IN PROGRESS", "FAILURE"]
    assert "result" not in job.detail()
    with pytest.raises(ApiError) as info:
        reads.admit_download(job.id, POLL)
    assert (info.value.status, info.value.code) == (400, "RESOURCE_NOT_FOUND")
    with pytest.raises(ApiError) as unknown:
        reads.observe("123")
    assert (unknown.value.status, unknown.value.code) == (404, "RESOURCE_NOT_FOUND")


def test_reset_forgets_jobs_and_files(reads: bulk.BulkReads, rt: Runtime) -> None:
    job = create(reads, rt, {"module": "Leads"})
    finish(reads, job)
    assert job.path is not None and job.path.exists()
    reads.reset()
    assert not job.path.exists() and reads.jobs == {}


LEAD_FIELDS = [
    "First_Name",
    "Last_Name",
    "Email",
    "Owner",
    "Owner.name",
    "Owner.email",
    "Created_Time",
    "Modified_Time",
    "Converted__s",
    "Locked__s",
    "Tag",
    "No_of_Employees",
    "Annual_Revenue",
    "Description",
    "$approval_state",
]
RENAME = {"Owner": "Owner.id"}


def test_value_formats_read_back_as_the_records_api_frame(
    reads: bulk.BulkReads, rt: Runtime
) -> None:
    job = create(reads, rt, {"module": "Leads", "fields": LEAD_FIELDS})
    finish(reads, job)
    assert job.path is not None
    org = rt.org()
    api_fields = [f for f in LEAD_FIELDS if "." not in f and f != "$approval_state"]
    records = [
        views.render(org, "Leads", r, api_fields)
        for r in rt.store.page("Leads", converted="both", sort_order="asc", limit=100)
    ]
    types = {f: views.data_type("Leads", f) for f in api_fields}
    api = leads_from_records(records, field_types=types)
    from_zip = read_leads_bulk_zip(job.path, rename=RENAME, field_types=types)
    columns = sorted(api.columns)
    assert sorted(from_zip.columns) == columns
    pd.testing.assert_frame_equal(from_zip[columns], api[columns])
    # and the cells themselves are what Zoho writes
    first = from_zip.iloc[0]
    assert first["Created_Time"] == pd.Timestamp("2024-03-05T04:30:00Z")
    assert first["Description"] == 'multi\nline, with "quotes"'
    assert from_zip["Tag"].iloc[3] == "VIP;Expo"
    assert from_zip["Converted__s"].tolist()[:3] == [False, True, False]
    assert from_zip["Annual_Revenue"].tolist()[:2] == [1500.5, 2000000.0]
    assert from_zip["$approval_state"].iloc[3] == "pending"


def test_cells_of_lookups_numbers_and_lists() -> None:
    users = {"1": {"id": "1", "full_name": "Ann Lee", "email": "ann@x.com", "first_name": "Ann"}}
    types = {"No_of_Employees": "integer", "Annual_Revenue": "currency", "Colours__c": "text"}
    targets = {"Owner": "users", "Account_Name": "Accounts"}

    def cell(name: str, rec: dict[str, Any]) -> str:
        write = bulk.bulk_csv.cell_for(
            name, data_type=lambda f: types.get(f, "text"), lookup_target=targets.get, users=users
        )
        return write({"id": "9", **rec})

    owner = {"Owner": {"id": "1", "name": "Ann Lee"}}
    assert cell("Owner", owner) == "1"
    assert cell("Owner.full_name", owner) == "Ann Lee"
    assert cell("Owner.email", owner) == "ann@x.com"
    assert cell("Owner.first_name", owner) == "Ann"
    account_ref = {"Account_Name": {"id": "5", "name": "Zylker"}}
    assert cell("Account_Name.Account_Name", account_ref) == "Zylker"
    assert cell("Account_Name.id", account_ref) == "5"
    assert cell("Account_Name", {}) == ""
    assert cell("No_of_Employees", {"No_of_Employees": "250"}) == "250"
    assert cell("Annual_Revenue", {"Annual_Revenue": "1500000"}) == "1500000.0"
    assert cell("Annual_Revenue", {"Annual_Revenue": None}) == ""
    assert cell("Colours__c", {"Colours__c": ["Red", "Green"]}) == "Red;Green"  # multi-select
    assert cell("Tag", {"Tag": [{"name": "VIP", "id": "3"}]}) == "VIP"
    assert cell("Locked__s", {"Locked__s": False}) == "false"


def test_result_files_live_in_a_spool_made_on_first_use(rt: Runtime, tmp_path: Path) -> None:
    root = tmp_path / "spool"
    root.mkdir()
    reads = bulk.BulkReads(rt.store, spool_root=root)
    assert list(root.iterdir()) == []  # a sandbox that never exports leaves nothing behind
    job = create(reads, rt, {"module": "Leads"})
    finish(reads, job)
    assert [p.parent for p in root.glob("*/*.zip")] == [reads.spool()]
    reads.close()
    assert list(root.iterdir()) == []

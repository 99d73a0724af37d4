"""Bulk Read over real HTTP: Zoho's bodies, statuses, credits, limits and faults on the wire."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_helpers import OWNER, USERS, Api, contact, lead

from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
BULK = "/crm/bulk/v8/read"
LEADS = [
    lead(f"48768760000078000{i:02d}", f"F{i}", f"L{i}", Email=f"l{i}@x.com") for i in range(1, 8)
]


def org(**settings: Any) -> dict[str, Any]:
    return {
        "leads": LEADS,
        "contacts": [contact("4876876000007900001", "C", "One", Owner=OWNER)],
        "org": {"users": USERS, **settings},
    }


class Bulk(Api):
    def create(self, query: dict[str, Any], **body: Any) -> httpx.Response:
        return self.http.post(BULK, json={"query": query, **body}, headers=self.auth)

    def status(self, job_id: str) -> httpx.Response:
        return self.http.get(f"{BULK}/{job_id}", headers=self.auth)

    def result(self, job_id: str) -> httpx.Response:
        return self.http.get(f"{BULK}/{job_id}/result", headers=self.auth)

    def run(self, query: dict[str, Any]) -> dict[str, Any]:
        """Create a job and poll it to its end (poll mode: three calls); the final job."""
        created = self.create(query)
        assert created.status_code == 201, created.text
        job_id = created.json()["data"][0]["details"]["id"]
        for _ in range(20):
            job = self.status(job_id).json()["data"][0]
            if job["state"] in ("COMPLETED", "FAILURE"):
                return dict(job)
        raise AssertionError(f"job {job_id} never ended")


def credits(sb: Sandbox) -> int:
    return int(sb.control.state()["limits"]["credits_used"])


@pytest.fixture
def sb(small_sandbox: Start) -> Sandbox:
    sandbox = small_sandbox(**org())
    sandbox.control.configure(bulk_progress="poll")
    return sandbox


def test_create_poll_download_as_zoho_answers(sb: Sandbox) -> None:
    api = Bulk(sb)
    created = api.create({"module": {"api_name": "Leads"}, "fields": ["Last_Name", "Email"]})
    assert created.status_code == 201
    body = created.json()
    entry = body["data"][0]
    assert (entry["status"], entry["code"], entry["message"]) == (
        "success",
        "ADDED_SUCCESSFULLY",
        "Added successfully.",
    )
    assert body["info"] == {}
    details = entry["details"]
    assert details["state"] == "ADDED" and details["operation"] == "read"
    assert details["created_by"] == {"id": USERS[0]["id"], "name": USERS[0]["full_name"]}
    job_id = details["id"]
    states = [api.status(job_id).json()["data"][0]["state"] for _ in range(3)]
    assert states == ["ADDED", "IN PROGRESS", "COMPLETED"]
    job = api.status(job_id).json()["data"][0]
    assert job["result"] == {
        "page": 1,
        "count": 7,
        "download_url": f"/crm/bulk/v8/read/{job_id}/result",
        "per_page": 200_000,
        "more_records": False,
        "next_page_token": None,
    }
    assert job["query"]["fields"] == ["Last_Name", "Email"] and job["file_type"] == "csv"
    download = api.result(job_id)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/x-download")
    assert f'filename="{job_id}.zip"' in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.namelist() == [f"{job_id}.csv"]
        lines = archive.read(f"{job_id}.csv").decode("utf-8").splitlines()
    assert lines[0] == "id,Last_Name,Email" and len(lines) == 8
    assert lines[1] == "4876876000007800001,L1,l1@x.com"


def test_credits_initialize_50_status_and_download_1(sb: Sandbox) -> None:
    api = Bulk(sb)
    before = credits(sb)
    created = api.create({"module": "Contacts"})
    assert credits(sb) - before == 50
    job_id = created.json()["data"][0]["details"]["id"]
    for _ in range(3):
        api.status(job_id)
    assert credits(sb) - before == 53
    api.result(job_id)
    assert credits(sb) - before == 54


def test_create_needs_a_json_content_type(sb: Sandbox) -> None:
    api = Bulk(sb)
    raw = api.http.post(
        BULK,
        content=b'{"query": {"module": "Leads"}}',
        headers={**api.auth, "Content-Type": "text/plain"},
    )
    assert raw.status_code == 415
    assert raw.json()["code"] == "MEDIA_TYPE_NOT_SUPPORTED"
    bad = api.create({"module": "Leads", "fields": ["Nope__c"]})
    assert bad.status_code == 400
    assert bad.json() == {
        "code": "FIELD_NOT_AVAILABLE",
        "details": {"api_name": "Nope__c"},
        "message": "field Nope__c is not available",
        "status": "error",
    }
    assert api.status("123").status_code == 404
    assert api.status("123").json()["code"] == "RESOURCE_NOT_FOUND"


def test_pages_by_token_and_by_number(sb: Sandbox) -> None:
    sb.control.configure(bulk_page_size=3)
    api = Bulk(sb)
    first = api.run({"module": "Leads", "fields": ["Email"]})["result"]
    assert (first["count"], first["more_records"], first["per_page"]) == (3, True, 3)
    second = api.run(
        {"module": "Leads", "fields": ["Email"], "page_token": first["next_page_token"]}
    )
    third = api.run({"module": "Leads", "fields": ["Email"], "page": 3})
    assert second["result"]["page"] == 2 and second["result"]["count"] == 3
    assert third["result"] == {**third["result"], "page": 3, "count": 1, "more_records": False}
    ids = []
    for job in (first, second["result"], third["result"]):
        job_id = job["download_url"].split("/")[-2]
        with zipfile.ZipFile(io.BytesIO(api.result(job_id).content)) as archive:
            ids += [
                line.split(",")[0] for line in archive.read(f"{job_id}.csv").decode().split()[1:]
            ]
    assert ids == [r["id"] for r in LEADS]


def test_criteria_over_http(sb: Sandbox) -> None:
    api = Bulk(sb)
    criteria = {
        "group_operator": "or",
        "group": [
            {"field": {"api_name": "Email"}, "comparator": "equal", "value": "L2@X.COM"},
            {"field": {"api_name": "Last_Name"}, "comparator": "in", "value": ["L5", "L7"]},
        ],
    }
    job = api.run({"module": "Leads", "fields": ["Email"], "criteria": criteria})
    assert job["result"]["count"] == 3 and job["query"]["criteria"] == criteria
    wrong = api.create(
        {"module": "Leads", "criteria": {"api_name": "Email", "comparator": "between", "value": 1}}
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE"
    assert "between" not in wrong.json()["details"]["supported"]


def test_downloads_per_minute_then_429_uncharged(sb: Sandbox) -> None:
    sb.control.configure(bulk_downloads_per_min=2, bulk_download_window_s=1)
    api = Bulk(sb)
    job_id = api.run({"module": "Contacts"})["id"]
    assert [api.result(job_id).status_code for _ in range(2)] == [200, 200]
    before = credits(sb)
    refused = api.result(job_id)
    assert refused.status_code == 429 and refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert credits(sb) == before  # refused before it is charged
    time.sleep(1.1)  # the window is one second here: the oldest download ages out
    assert api.result(job_id).status_code == 200


def test_jobs_in_progress_are_capped(sb: Sandbox) -> None:
    sb.control.configure(bulk_max_jobs=1)
    api = Bulk(sb)
    first = api.create({"module": "Leads"}).json()["data"][0]["details"]["id"]
    refused = api.create({"module": "Contacts"})
    assert refused.status_code == 429 and refused.json()["details"] == {"limit": 1}
    for _ in range(3):
        api.status(first)
    assert api.create({"module": "Contacts"}).status_code == 201


def test_a_failed_job_then_a_good_one(sb: Sandbox) -> None:
    sb.control.add_fault("bulk_read_failed", BULK, method="POST")
    api = Bulk(sb)
    failed = api.run({"module": "Leads"})
    assert failed["state"] == "FAILURE" and "result" not in failed
    result = api.result(failed["id"])
    assert result.status_code == 400 and result.json()["code"] == "RESOURCE_NOT_FOUND"
    assert api.run({"module": "Leads"})["state"] == "COMPLETED"
    assert sb.control.faults() == []  # the fault fired once, on the first create


def test_a_download_dropped_midway_is_an_incomplete_body(sb: Sandbox) -> None:
    api = Bulk(sb)
    job_id = api.run({"module": "Leads"})["id"]
    sb.control.add_fault("drop_midway", f"{BULK}/*/result")
    with pytest.raises(httpx.RemoteProtocolError):
        api.result(job_id)
    again = Bulk(sb).result(job_id)  # the fault fired once: the next download is whole
    assert again.status_code == 200 and zipfile.ZipFile(io.BytesIO(again.content)).testzip() is None


def test_reset_forgets_jobs_and_a_token_without_the_scope_is_refused(
    small_sandbox: Start,
) -> None:
    sb = small_sandbox(**org(credentials={"scopes": "ZohoCRM.modules.ALL"}))
    api = Bulk(sb)
    refused = api.create({"module": "Leads"})
    assert refused.status_code == 401 and refused.json()["code"] == "OAUTH_SCOPE_MISMATCH"
    open_sb = small_sandbox(**org())
    open_sb.control.configure(bulk_progress="poll")
    bulk = Bulk(open_sb)
    job_id = bulk.create({"module": "Leads"}).json()["data"][0]["details"]["id"]
    assert open_sb.control.state()["bulk_jobs"][job_id]["state"] == "ADDED"
    open_sb.control.reset()
    assert bulk.status(job_id).status_code == 404


def test_record_count_is_what_a_listing_holds(small_sandbox: Start) -> None:
    leads = [*LEADS, lead("4876876000007800099", "C", "Converted", Converted__s=True)]
    sb = small_sandbox(**{**org(), "leads": leads})
    api = Api(sb)
    assert api.get("Leads/actions/count").json() == {"count": 7}
    assert api.get("Contacts/actions/count").json() == {"count": 1}
    assert api.get("Widgets/actions/count").json()["code"] == "INVALID_MODULE"


def test_a_terminated_sandbox_deletes_its_result_files(
    make_org: Callable[..., Any], tmp_path: Path
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crmkit.cli",
            "sandbox",
            "--data",
            str(make_org(**org())),
            "--admin-key",
            "k3y",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().rsplit(" ", 1)[1]
        with httpx.Client(base_url=url, timeout=30) as http:
            grant = {
                "grant_type": "refresh_token",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
                "refresh_token": "sandbox-refresh",
            }
            token = http.post("/oauth/v2/token", data=grant).json()["access_token"]
            auth = {"Authorization": f"Zoho-oauthtoken {token}"}
            http.post(
                "/__sandbox__/config",
                json={"bulk_progress": "poll"},
                headers={"X-Sandbox-Admin-Key": "k3y"},
            )
            job = http.post(BULK, json={"query": {"module": "Leads"}}, headers=auth).json()
            job_id = job["data"][0]["details"]["id"]
            states = [http.get(f"{BULK}/{job_id}", headers=auth).json() for _ in range(3)]
            assert states[-1]["data"][0]["state"] == "COMPLETED"
        assert len(list(temp.glob("crmkit-bulk-*/*.zip"))) == 1
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert proc.returncode == 0  # stopped as on Ctrl-C
    assert list(temp.glob("crmkit-bulk-*")) == []

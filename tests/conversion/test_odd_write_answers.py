"""A convert or mass convert answered with something unreadable ends `unknown` -> read back.

The real sandbox does the work; a transport between it and the client replaces the one answer
with a body no faithful server sends (not a JSON object, not JSON, broken gzip, a redirect, an
empty 200, `details: "x"`). Whether or not the conversion happened behind it, the engine reads
the lead back and records what the lead says — never a final `failed`.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from conversion_support import FRESH_MANY, L_FRESH, client_for

from crmkit.conversion import Journal, execute, make_plan
from crmkit.sandbox import Sandbox

pytestmark = pytest.mark.timeout(120)
CONVERT_PATH = "/crm/v8/Leads/*/actions/convert"
MASS_PATH = "/crm/v8/Leads/actions/mass_convert"
FRESH_ROW = {"lead_id": L_FRESH, "contact_action": "create", "account_action": "create"}

ODD: dict[str, tuple[int, dict[str, str], bytes]] = {
    "a JSON list": (200, {"Content-Type": "application/json"}, b"[1, 2]"),
    "HTML": (200, {"Content-Type": "text/html"}, b"<html>proxy error</html>"),
    "broken gzip": (200, {"Content-Encoding": "gzip"}, b"not gzip at all"),
    "302": (302, {"Location": "https://elsewhere.test/"}, b""),
    "304": (304, {}, b""),
    "empty 200": (200, {}, b""),
    'details "x"': (
        200,
        {"Content-Type": "application/json"},
        json.dumps({"data": [{"status": "success", "code": "SUCCESS", "details": "x"}]}).encode(),
    ),
}


class OddAnswer(httpx.BaseTransport):
    """Forwards to the sandbox, but answers the first `count` POSTs matching `path` oddly.

    `forward`: the request reaches the sandbox first (the change is made, its answer replaced);
    otherwise it never does (nothing changed, only the odd answer comes back).
    """

    def __init__(
        self, path: str, answer: tuple[int, dict[str, str], bytes], *, forward: bool, count: int = 1
    ) -> None:
        self.inner = httpx.HTTPTransport()
        self.path, self.answer, self.forward, self.left = path, answer, forward, count
        self.lock = threading.Lock()
        self.mangled = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            hit = (
                request.method == "POST"
                and fnmatch.fnmatchcase(request.url.path, self.path)
                and self.left > 0
            )
            if hit:
                self.left -= 1
                self.mangled += 1
        if not hit:
            return self.inner.handle_request(request)
        if self.forward:
            real = self.inner.handle_request(request)
            real.read()
            real.close()
        status, headers, content = self.answer
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))

    def close(self) -> None:
        self.inner.close()


def converted(sb: Sandbox, lead: str) -> bool:
    rec = sb.control.record("Leads", lead)
    assert rec is not None
    return bool(rec.get("Converted__s"))


def attempts(journal: Path, run_id: int) -> Any:
    with Journal(journal) as jr:
        return jr.attempts(run_id=run_id)


@pytest.mark.parametrize("odd", list(ODD), ids=list(ODD))
def test_an_unreadable_convert_answer_after_the_change_reads_back_converted(
    org_sb: Sandbox, tmp_path: Path, odd: str
) -> None:
    transport = OddAnswer(CONVERT_PATH, ODD[odd], forward=True)
    with client_for(org_sb, transport=transport) as client:
        report = execute(
            client,
            make_plan(
                [{"lead_id": L_FRESH, "contact_action": "create", "account_action": "create"}]
            ),
            journal=tmp_path / "j.sqlite",
            mode="single",
            progress=False,
        )
    assert transport.mangled == 1 and converted(org_sb, L_FRESH)
    res = report.results.set_index("lead_id").loc[L_FRESH]
    assert (res["outcome"], res["code"], res["attempts"]) == (
        "converted",
        "SETTLED_BY_READ_BACK",
        1,
    )
    assert "answer unreadable (HTTP " in res["message"]
    lead = org_sb.control.record("Leads", L_FRESH)
    assert lead is not None and res["contact_id"] == lead["$converted_detail"]["Contacts"]["id"]
    att = attempts(tmp_path / "j.sqlite", report.run.run_id)
    assert att["outcome"].tolist() == ["converted"] and att["state"].tolist() == ["settled"]


@pytest.mark.parametrize("odd", ["a JSON list", "302", "empty 200"])
def test_an_unreadable_convert_answer_without_the_change_reads_back_and_tries_again(
    org_sb: Sandbox, tmp_path: Path, odd: str
) -> None:
    transport = OddAnswer(CONVERT_PATH, ODD[odd], forward=False)
    with client_for(org_sb, transport=transport) as client:
        report = execute(
            client,
            make_plan(
                [{"lead_id": L_FRESH, "contact_action": "create", "account_action": "create"}]
            ),
            journal=tmp_path / "j.sqlite",
            mode="single",
            progress=False,
        )
    res = report.results.set_index("lead_id").loc[L_FRESH]
    assert (res["outcome"], res["attempts"]) == ("converted", 2)
    att = attempts(tmp_path / "j.sqlite", report.run.run_id)
    assert att["outcome"].tolist() == ["not_converted", "converted"]
    assert att["state"].tolist() == ["settled", "answered"]
    assert "reads back unconverted" in att["message"].iloc[0]
    assert converted(org_sb, L_FRESH)


def test_an_unreadable_mass_convert_answer_is_settled_by_reading_back(
    org_sb: Sandbox, tmp_path: Path
) -> None:
    org_sb.control.configure(mass_convert_step_ms=1)
    leads = FRESH_MANY[:3]
    transport = OddAnswer(MASS_PATH, ODD['details "x"'], forward=True)
    plan = make_plan(
        [{"lead_id": lid, "contact_action": "create", "account_action": "create"} for lid in leads]
    )
    with client_for(org_sb, transport=transport) as client:
        report = execute(
            client,
            plan,
            journal=tmp_path / "j.sqlite",
            mode="mass",
            poll_interval=0.5,
            progress=False,
        )
    assert transport.mangled == 1
    results = report.results.set_index("lead_id")
    assert set(results.loc[leads, "outcome"]) == {"converted"}
    assert all(converted(org_sb, lid) for lid in leads)
    att = attempts(tmp_path / "j.sqlite", report.run.run_id)
    assert "failed" not in set(att["outcome"])
    assert att.loc[att["kind"] == "mass", "message"].str.contains("answer unreadable").all()

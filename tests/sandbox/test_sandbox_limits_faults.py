"""Concurrency pools, credit ledger, latency, and injected faults — over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sandbox_helpers import USERS, Api, lead

from crmkit.sampledata import bundled_path
from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
L1 = "4876876000100000001"


def _sb(small_sandbox: Start, **kw: object) -> Sandbox:
    return small_sandbox(
        leads=[lead(L1, "A", "B", Email="a@b.test"), lead("4876876000100000002", "C", "D")],
        org={"users": USERS},
        **kw,
    )


def _burst(sb: Sandbox, n: int, path: str, params: dict[str, str]) -> list[httpx.Response]:
    api = Api(sb)
    barrier = threading.Barrier(n)
    out: list[httpx.Response] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(base_url=sb.url, timeout=30) as c:
            barrier.wait()
            r = c.get(path, params=params, headers=api.auth)
        with lock:
            out.append(r)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_edition_concurrency_answers_429(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox, edition="free", latency_ms=1500)
    rs = _burst(sb, 8, "/crm/v8/Leads", {"fields": "Email"})
    codes = sorted(r.status_code for r in rs)
    assert codes == [200] * 5 + [429] * 3
    body = next(r for r in rs if r.status_code == 429).json()
    assert body["code"] == "TOO_MANY_REQUESTS" and body["status"] == "error"
    assert (
        body["details"] == {}
        and "Retry-After" not in next(r for r in rs if r.status_code == 429).headers
    )
    limits = sb.control.state()["limits"]
    assert limits["concurrency"] == 5 and limits["peak_in_flight"] == 5


def test_sub_concurrency_pool_for_search(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox, edition="ultimate", latency_ms=1500)
    rs = _burst(sb, 12, "/crm/v8/Leads/search", {"email": "a@b.test"})
    assert sorted(r.status_code for r in rs) == [200] * 10 + [429] * 2


def test_pool_refuses_at_once_at_zero_latency(small_sandbox: Start) -> None:
    """300 concurrent searches with no latency: the pool holds 10, the rest answer 429 at once.

    The searches' work runs off the event loop, so requests arriving meanwhile find the pool
    full and are refused instead of queueing behind it (before, they all answered 200 one after
    another). Asserted on counts only: answers, 429 bodies, the sandbox's own peaks.
    """
    sb = small_sandbox(bundled_path(), edition="ultimate")
    api = Api(sb)
    params = {"word": "Zylker"}  # a text scan over every lead: real work for each request

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=sb.url, timeout=60) as c:
            return c.get("/crm/v8/Leads/search", params=params, headers=api.auth)

    with ThreadPoolExecutor(max_workers=60) as pool:
        rs = list(pool.map(one, range(300)))
    refused = [r for r in rs if r.status_code == 429]
    served = [r for r in rs if r.status_code in (200, 204)]
    assert len(served) + len(refused) == 300, sorted({r.status_code for r in rs})
    assert refused and served
    for r in refused:
        body = r.json()
        assert body["code"] == "TOO_MANY_REQUESTS" and body["status"] == "error"
        assert body["details"] == {} and "Retry-After" not in r.headers
    limits = sb.control.state()["limits"]
    assert limits["rejected_429"] == len(refused)
    assert limits["peak_sub_in_flight"] == 10  # the pool filled, and never beyond
    assert limits["in_flight"] == 0 and limits["sub_in_flight"] == 0


def test_latency_holds_requests_in_flight_concurrently(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox, edition="ultimate", latency_ms=800)
    rs = _burst(sb, 20, "/crm/v8/Leads", {"fields": "Email"})
    assert all(r.status_code == 200 for r in rs)
    assert sb.control.state()["limits"]["peak_in_flight"] == 20


@pytest.mark.parametrize(
    ("edition", "credits", "limit"),
    [
        ("free", 5_000, 5),
        ("standard", 50_500, 10),
        ("professional", 51_000, 15),
        ("enterprise", 52_000, 20),
        ("ultimate", None, 25),
    ],
)
def test_edition_limits(
    small_sandbox: Start, edition: str, credits: int | None, limit: int
) -> None:
    limits = _sb(small_sandbox, edition=edition).control.state()["limits"]
    assert (limits["credits_per_day"], limits["concurrency"]) == (credits, limit)


def test_credit_ledger_header_and_exhaustion(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    sb.control.configure(credits_per_day=12)
    api = Api(sb)
    headers = [
        api.get("Leads", fields="Email").headers.get("X-API-CREDITS-REMAINING") for _ in range(6)
    ]
    assert headers == [None] * 5 + ["6"]  # from half the day's credits spent
    r = api.convert(L1)  # 5 credits
    assert r.status_code == 200 and r.headers["X-API-CREDITS-REMAINING"] == "1"
    assert api.convert("4876876000100000002").status_code == 429  # would need 5, 1 left
    assert api.get("Leads", fields="Email").headers["X-API-CREDITS-REMAINING"] == "0"
    r = api.get("Leads", fields="Email")
    assert r.status_code == 429 and r.json()["code"] == "TOO_MANY_REQUESTS"


# -- faults ----------------------------------------------------------------------------------------
def test_fault_429_and_500_with_count(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    api = Api(sb)
    sb.control.add_fault("429", "/crm/v8/Leads", count=2)
    assert [api.get("Leads", fields="Email").status_code for _ in range(3)] == [429, 429, 200]
    sb.control.add_fault("500", "/crm/v8/Leads/*/__conversion_options")
    r = api.options(L1)
    assert r.status_code == 500
    assert r.json() == {
        "code": "INTERNAL_ERROR",
        "details": {},
        "message": "Internal server error occurred.",
        "status": "error",
    }
    assert api.options(L1).status_code == 204  # the fault is spent: the real (empty) answer


def test_fault_method_filter_skip_and_clear(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    api = Api(sb)
    sb.control.add_fault("500", "/crm/v8/Leads*", method="POST", count=None, skip=1)
    assert api.get("Leads", fields="Email").status_code == 200
    assert api.convert(L1).status_code == 200  # skipped
    assert api.convert("4876876000100000002").status_code == 500
    assert len(sb.control.faults()) == 1
    sb.control.clear_faults()
    assert sb.control.faults() == []
    with pytest.raises(Exception, match="fault kind"):
        sb.control.add_fault("boom")


def test_latency_fault_composes_with_the_other_faults(small_sandbox: Start) -> None:
    # A latency rule on every path must not shadow a 500 or 429 rule added after it.
    sb = _sb(small_sandbox)
    api = Api(sb)
    sb.control.add_fault("latency", "*", count=None, latency_ms=1)
    sb.control.add_fault("500", "/crm/v8/Leads", method="GET", count=1)
    sb.control.add_fault("429", "/crm/v8/Leads", method="GET", count=1)
    statuses = [api.get("Leads", fields="Email").status_code for _ in range(3)]
    assert statuses == [500, 429, 200]
    fired = {f["kind"]: f["fired"] for f in sb.control.faults()}
    assert fired == {"latency": 3}  # the latency rule saw every request; the others are spent


def test_drop_before_changes_nothing(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    api = Api(sb)
    sb.control.add_fault("drop_before", "/crm/v8/Leads/*/actions/convert")
    with pytest.raises(httpx.TransportError):
        api.convert(L1)
    assert sb.control.record("Leads", L1)["Converted__s"] is False  # type: ignore[index]
    assert api.convert(L1).status_code == 200


def test_drop_after_makes_the_change_and_loses_the_answer(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    api = Api(sb)
    sb.control.add_fault("drop_after", "/crm/v8/Leads/*/actions/convert")
    with pytest.raises(httpx.TransportError):
        api.convert(L1)
    assert sb.control.record("Leads", L1)["Converted__s"] is True  # type: ignore[index]
    assert api.convert(L1).json()["code"] == "ID_ALREADY_CONVERTED"
    back = api.get(f"Leads/{L1}", converted="both").json()["data"][0]
    assert back["Converted__s"] is True


def test_expired_token_fault(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    api = Api(sb)
    sb.control.add_fault("expired_token", "/crm/v8/*")
    r = api.get("Leads", fields="Email")
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"
    assert api.get("Leads", fields="Email").status_code == 401  # that token is now dead
    api.token = api.fresh_token()
    assert api.get("Leads", fields="Email").status_code == 200
    sb.control.expire_tokens()
    assert api.get("Leads", fields="Email").status_code == 401


def test_reset_clears_faults_and_settings(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox, latency_ms=5)
    sb.control.add_fault("500", count=None)
    sb.control.configure(latency_ms=50, removed_modules=["Accounts"])
    sb.control.reset()
    st = sb.control.state()
    assert st["faults"] == [] and st["settings"]["latency_ms"] == 5
    assert st["org"]["removed_modules"] == []

"""The client's concurrency limiter under threads: no lost wake-up, and no wait without a bound.

Threads meet through events and the limiter's own `waiting` count, never through sleeps; every
join has a bound, so a deadlock fails the test instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest
from api_support import FakeZoho, json_response

from crmkit.api import CRMClient, NetworkError
from crmkit.api.errors import StalledError
from crmkit.api.limits import Limiter

pytestmark = pytest.mark.timeout(60)

BOUND_S = 20.0  # far above any wait these tests need; reached only if a thread is stuck


def _until(cond: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BOUND_S
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def _waiter(limiter: Limiter, kind: str, got: threading.Event, leave: threading.Event) -> None:
    with limiter.slot(kind):
        got.set()
        leave.wait(BOUND_S)


def test_waiters_wake_when_the_ceiling_rises_without_any_release() -> None:
    limiter = Limiter(4)
    holder = limiter.slot("read")
    holder.__enter__()
    limiter.throttled()  # alone in flight: 4 -> 2
    limiter.throttled()  # 2 -> 1
    assert limiter.limit == 1
    got, leave = threading.Event(), threading.Event()
    t = threading.Thread(target=_waiter, args=(limiter, "read", got, leave))
    t.start()
    _until(lambda: limiter.waiting == 1)  # really blocked in the wait
    assert not got.is_set()
    limiter.succeeded()  # a full window (1) of successes: ceiling 1 -> 2, waiters notified
    assert got.wait(BOUND_S), "the waiter slept through the ceiling rising (lost wake-up)"
    assert limiter.in_flight == 2
    leave.set()
    t.join(BOUND_S)
    holder.__exit__(None, None, None)
    assert not t.is_alive() and limiter.in_flight == 0


def test_many_waiters_behind_a_lowered_ceiling_all_get_through() -> None:
    limiter = Limiter(10)
    holders = [limiter.slot("convert") for _ in range(10)]
    for h in holders:
        h.__enter__()
    limiter.throttled()  # 9 others in flight: 10 -> 9
    limiter.throttled()  # 9 -> 5 (never more than halves)
    limiter.throttled()  # 5 -> 4
    assert 1 <= limiter.limit < 10
    n = 25
    got = [threading.Event() for _ in range(n)]
    leave = threading.Event()
    leave.set()  # each waiter leaves as soon as it has its slot
    threads = [
        threading.Thread(target=_waiter, args=(limiter, "convert", got[i], leave)) for i in range(n)
    ]
    for t in threads:
        t.start()
    _until(lambda: limiter.waiting == n)
    for h in holders:  # the pool drains one request at a time
        h.__exit__(None, None, None)
    for t in threads:
        t.join(BOUND_S)
    assert all(e.is_set() for e in got) and not any(t.is_alive() for t in threads)
    assert limiter.in_flight == 0 and limiter.waiting == 0
    assert limiter.limit >= 1


def test_the_ceiling_never_reaches_zero() -> None:
    limiter = Limiter(3)
    with limiter.slot("read"):
        for _ in range(20):
            limiter.throttled()
    assert limiter.limit == 1
    with limiter.slot("read"):  # a lone request still gets through
        assert limiter.in_flight == 1


def test_a_wait_where_no_slot_frees_ends_in_a_clear_error() -> None:
    limiter = Limiter(1, stall_timeout=0.05)
    with (
        limiter.slot("read"),
        pytest.raises(StalledError, match="no request slot came free"),
        limiter.slot("read"),
    ):
        pass  # pragma: no cover - never reached
    assert limiter.in_flight == 0 and limiter.waiting == 0
    with limiter.slot("read"):  # the limiter is still usable
        pass


def test_the_stall_bound_counts_from_the_last_slot_freed() -> None:
    # A fake clock: the waiter has waited "long", but a slot came free just before it asked,
    # so it waits (and gets the next slot) instead of raising.
    now = [1000.0]
    limiter = Limiter(1, stall_timeout=30.0, clock=lambda: now[0])
    with limiter.slot("read"):
        pass  # freed at t=1000
    holder = limiter.slot("read")
    holder.__enter__()
    got, leave = threading.Event(), threading.Event()
    leave.set()
    t = threading.Thread(target=_waiter, args=(limiter, "read", got, leave))
    t.start()
    _until(lambda: limiter.waiting == 1)
    now[0] += 29.0  # within the bound
    holder.__exit__(None, None, None)
    t.join(BOUND_S)
    assert got.is_set() and not t.is_alive()


def test_a_stalled_client_call_raises_instead_of_hanging(
    fake: FakeZoho, make_client: Callable[..., CRMClient]
) -> None:
    entered, release = threading.Event(), threading.Event()

    def stuck(request: httpx.Request) -> httpx.Response:
        entered.set()
        release.wait(BOUND_S)
        return json_response(200, {"data": [{"id": "1"}]})

    fake.on("GET", "/crm/v8/Leads/1", stuck)
    client = make_client(concurrency=1)
    client.limiter.stall_timeout = 0.05
    first = threading.Thread(target=client.get_record, args=("Leads", "1"))
    first.start()
    try:
        assert entered.wait(BOUND_S)
        with pytest.raises(StalledError) as info:
            client.get_record("Leads", "2")
        err = info.value
        assert isinstance(err, NetworkError)  # nothing was sent: callers may safely retry
        assert err.path == "/crm/v8/Leads/2" and err.method == "GET"
        assert "stalled" in str(err)
        assert fake.calls("GET", "/crm/v8/Leads/2") == 0
    finally:
        release.set()
        first.join(BOUND_S)
    assert not first.is_alive()


def test_waiting_for_a_mass_convert_job_is_bounded(
    fake: FakeZoho, make_client: Callable[..., CRMClient]
) -> None:
    running = {"data": [{"Status": "IN PROGRESS", "Total_Count": 2, "Converted_Count": 0}]}
    fake.on("GET", "/crm/v8/Leads/actions/mass_convert", json_response(200, running))
    client = make_client()
    now = [0.0]
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        now[0] += seconds

    with pytest.raises(TimeoutError, match=r"job 555 still IN PROGRESS after 10\.0 s"):
        client.wait_mass_convert(
            "555", poll_interval=2.0, timeout=10.0, sleep=sleep, clock=lambda: now[0]
        )
    assert polls == [2.0] * 5
    with pytest.raises(ValueError, match="positive timeout"):
        client.wait_mass_convert("555", timeout=None)  # type: ignore[arg-type]

"""The ASGI app: the route table behind the gate (auth, admission, credits, latency), in faults.

The gate is the one place a /crm call is authenticated, admitted under the edition's concurrency,
charged and delayed, and where a raised `ApiError` becomes Zoho's error body — so every call does
these the same way and in Zoho's order (a call refused for auth or concurrency is not charged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crmkit.sandbox import control, responses
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.exceptions import InternalError, InvalidRequestMethod, InvalidUrlPattern
from crmkit.sandbox.faults import FaultMiddleware
from crmkit.sandbox.guards import LocalGuard
from crmkit.sandbox.responses import error_response
from crmkit.sandbox.runtime import Runtime
from crmkit.sandbox.urls import CALLS, TOKEN_PATH, Call

log = logging.getLogger("crmkit.sandbox")
Endpoint = Callable[[Request], Awaitable[Response]]


def gate(call: Call) -> Endpoint:
    """Wrap a /crm handler: auth, concurrency admission, credits, latency, error bodies."""

    async def endpoint(request: Request) -> Response:
        rt: Runtime = request.app.state.rt
        needed = call.scope(request) if callable(call.scope) else call.scope
        try:
            rt.tokens.check(request.headers.get("authorization"), needed)
            rt.limiter.acquire(rt.concurrency(), call.pool, rt.settings.sub_concurrency)
        except ApiError as err:
            return error_response(err)
        if call.admit is not None:
            try:
                call.admit(request, rt)
            except ApiError as err:  # refused before it is charged
                rt.limiter.release(call.pool)
                return error_response(err)
        daily = rt.daily_credits()
        cost = call.cost if isinstance(call.cost, int) else await call.cost(request)
        try:
            remaining = rt.ledger.spend(cost, daily)
        except ApiError as err:  # the day's credits are used up: say so in the header too
            rt.limiter.release(call.pool)
            spent = error_response(err)
            spent.headers["X-API-CREDITS-REMAINING"] = "0"
            return spent
        rt.count_call(call.method, call.path)
        response: Response
        try:
            if rt.settings.latency_ms:
                await asyncio.sleep(rt.settings.latency_ms / 1000)
            response = await call.handler(request, rt)
        except ApiError as err:
            response = error_response(err)
        finally:
            rt.limiter.release(call.pool)
        if remaining is not None and daily is not None and daily - remaining >= daily / 2:
            response.headers["X-API-CREDITS-REMAINING"] = str(remaining)
        return response

    return endpoint


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(InvalidRequestMethod())
    return error_response(InvalidUrlPattern())


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("sandbox internal error on %s %s", request.method, request.url.path)
    return error_response(InternalError())


def create_app(rt: Runtime) -> Any:
    """The ASGI app: Starlette routes wrapped in the fault layer, inside the local-server guard."""
    routes = [
        Route(TOKEN_PATH, responses.token, methods=["POST"]),
        *(Route(c.path, gate(c), methods=[c.method]) for c in CALLS),
        *control.routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: http_error, 405: http_error, Exception: server_error},
    )
    app.state.rt = rt
    return LocalGuard(FaultMiddleware(app, rt.faults, rt.tokens.expire), rt)

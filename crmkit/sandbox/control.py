"""The control surface under /__sandbox__/: reset, state, config, faults, outbox, raw records.

Every route requires `X-Sandbox-Admin-Key`; a CRM access token alone gets 401, so a client
under test cannot reconfigure the org it is being tested against.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crmkit.sandbox import bounds
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.exceptions import AuthenticationFailure, InvalidData
from crmkit.sandbox.loader import DataDirError

Handler = Callable[[Request, Any], Awaitable[Any]]
PREFIX = "/__sandbox__"


def admin(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        rt = request.app.state.rt
        key = request.headers.get("x-sandbox-admin-key", "")
        if not hmac.compare_digest(key.encode(), rt.admin_key.encode()):
            refused = AuthenticationFailure({"header": "X-Sandbox-Admin-Key"})
            return JSONResponse(refused.body(), status_code=401)
        try:
            result = await fn(request, rt)
        except ApiError as err:
            return JSONResponse(err.body(), status_code=err.status)
        except (DataDirError, ValueError, TypeError) as exc:
            invalid = _invalid(exc)
            return JSONResponse(invalid.body(), status_code=400)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint


def _invalid(exc: Exception) -> InvalidData:
    """400 naming the refused field when the error knows it (a setting, a fault key)."""
    if isinstance(exc, DataDirError) and isinstance(exc.column, str) and exc.column:
        return InvalidData({"api_name": exc.column}, exc.reason)
    return InvalidData({}, str(exc))


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = bounds.parse_json(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


@admin
async def reset(request: Request, rt: Any) -> Any:
    rt.reset()
    return {"status": "reset"}


@admin
async def state(request: Request, rt: Any) -> Any:
    return rt.state()


@admin
async def config(request: Request, rt: Any) -> Any:
    if request.method == "POST":
        rt.configure(await _body(request))
    return rt.state()


@admin
async def faults(request: Request, rt: Any) -> Any:
    if request.method == "POST":
        rule = rt.faults.add(**await _body(request))
        return {"id": rule.id, "faults": rt.faults.describe()}
    if request.method == "DELETE":
        rt.faults.clear()
    return {"faults": rt.faults.describe()}


@admin
async def outbox(request: Request, rt: Any) -> Any:
    return {"outbox": list(rt.outbox)}


@admin
async def record(request: Request, rt: Any) -> Any:
    rec = rt.store.get(request.path_params["module"], request.path_params["record_id"])
    if rec is None:
        return Response(status_code=404)
    return {"record": rec}


@admin
async def expire_tokens(request: Request, rt: Any) -> Any:
    rt.tokens.expire_all()
    return {"status": "expired"}


def routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{PREFIX}/state", state, methods=["GET"]),
        Route(f"{PREFIX}/config", config, methods=["GET", "POST"]),
        Route(f"{PREFIX}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{PREFIX}/outbox", outbox, methods=["GET"]),
        Route(f"{PREFIX}/tokens/expire", expire_tokens, methods=["POST"]),
        Route(f"{PREFIX}/records/{{module}}/{{record_id}}", record, methods=["GET"]),
    ]

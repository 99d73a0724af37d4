"""The routes' bodies (moto's `responses`): parse the request, call the backend, render its answer.

Each handler is a few lines and holds no rule: which call it is and what that call costs sit in the
route table (`urls.py`); authentication, admission, credits and latency in the gate (`app.py`);
every Zoho rule in the backend. A backend answer of None is Zoho's 204.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from crmkit.sandbox import bounds, updates
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.exceptions import RequiredParamMissing
from crmkit.sandbox.faults import FAULT_KEY
from crmkit.sandbox.runtime import Runtime

Body = dict[str, Any] | None


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def answer(body: Body) -> Response:
    """A backend answer: its JSON, or 204 No Content for None."""
    return Response(status_code=204) if body is None else ok(body)


def error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status)


async def read_json(request: Request) -> Any:
    """A JSON body with or without Content-Type; None when empty."""
    raw = await request.body()
    return bounds.parse_json(raw) if raw.strip() else None


def required(request: Request, name: str) -> str:
    """A query parameter the call cannot do without."""
    value = request.query_params.get(name)
    if not value:
        raise RequiredParamMissing({"param_name": name})
    return value


def _params(request: Request) -> dict[str, str]:
    return dict(request.query_params)


async def run(call: Callable[..., Body], *args: Any) -> Response:
    """Run a backend call in a worker thread and render its answer.

    Off the event loop, so the loop keeps admitting (or refusing) the next requests while this
    one works: at zero latency, 300 concurrent searches meet the pools in flight and the ones
    beyond them are answered 429 at once, as Zoho does, instead of queueing behind each other.
    """
    return answer(await run_in_threadpool(partial(call, *args)))


# -- OAuth (not behind the gate: it is how a client gets a token) --------------------------------
async def token(request: Request) -> Response:
    rt: Runtime = request.app.state.rt
    form = _params(request)
    raw = await request.body()
    if raw:
        form.update(parse_qsl(raw.decode("utf-8", "replace")))
    api_domain = rt.url or str(request.base_url).rstrip("/")
    status, body = rt.backend.token(form, api_domain=api_domain)
    return ok(body, status)


# -- records --------------------------------------------------------------------------------------
async def list_records(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.list_records, request.path_params["module"], _params(request))


async def get_record(request: Request, rt: Runtime) -> Response:
    module, record_id = request.path_params["module"], request.path_params["record_id"]
    return await run(rt.backend.get_record, module, record_id, _params(request))


async def update_records(request: Request, rt: Runtime) -> Response:
    body = await read_json(request)
    return await run(rt.backend.update_records, request.path_params["module"], body)


async def update_credits(request: Request) -> int:
    """What an Update Records call costs (1 credit per 10 records): read before it is charged."""
    try:
        return updates.update_credits(await read_json(request))
    except ApiError:  # a body that cannot be read is refused by the handler, charged 1
        return 1


async def search(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.search, request.path_params["module"], _params(request))


# -- metadata -------------------------------------------------------------------------------------
async def fields(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.fields, required(request, "module"))


async def layouts(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.layouts, required(request, "module"))


async def modules(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.modules)


async def users(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.users, request.query_params.get("type", "AllUsers"))


async def contact_roles(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.contact_roles)


async def org(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.organization)


# -- conversion -----------------------------------------------------------------------------------
async def conversion_options(request: Request, rt: Runtime) -> Response:
    return await run(rt.backend.conversion_options, request.path_params["lead_id"])


async def convert(request: Request, rt: Runtime) -> Response:
    body = await read_json(request)
    return await run(rt.backend.convert_lead, request.path_params["lead_id"], body)


async def mass_convert(request: Request, rt: Runtime) -> Response:
    body = await read_json(request)
    fail = request.scope.get(FAULT_KEY) == "mass_convert_failed"  # set by the fault layer
    return answer(rt.backend.mass_convert(body, fail=fail))  # on the loop: it starts the job there


async def mass_convert_status(request: Request, rt: Runtime) -> Response:
    return answer(rt.backend.mass_convert_status(required(request, "job_id")))


async def record_count(request: Request, rt: Runtime) -> Response:
    return answer(rt.backend.record_count(request.path_params["module"]))


# -- Bulk Read ------------------------------------------------------------------------------------
async def bulk_create(request: Request, rt: Runtime) -> Response:
    body = await read_json(request)
    fail = request.scope.get(FAULT_KEY) == "bulk_read_failed"  # set by the fault layer
    content_type = request.headers.get("content-type", "")
    return ok(rt.backend.bulk_create(body, content_type, fail=fail), 201)


async def bulk_status(request: Request, rt: Runtime) -> Response:
    # off the event loop: a `poll`-mode job writes its page during this call
    return answer(await run_in_threadpool(rt.backend.bulk_status, request.path_params["job_id"]))


def bulk_admit(request: Request, rt: Runtime) -> None:
    """Before the download is charged: Zoho's 10 downloads a minute (429, not charged)."""
    rt.backend.bulk_admit_download(request.path_params["job_id"])


async def bulk_result(request: Request, rt: Runtime) -> Response:
    job = rt.backend.bulk_result(request.path_params["job_id"])
    assert job.path is not None
    return FileResponse(job.path, media_type="application/x-download", filename=f"{job.id}.zip")

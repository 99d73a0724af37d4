"""The sandbox's HTTP routes: thin wrappers that authenticate, admit, charge and call the rules."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crmkit.sandbox import catalog, control, rules, views
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.faults import FaultMiddleware
from crmkit.sandbox.runtime import Job, Runtime

log = logging.getLogger("crmkit.sandbox")
Handler = Callable[[Request, Runtime], Awaitable[Response]]


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)


def error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status)


async def read_json(request: Request) -> Any:
    """A JSON body with or without Content-Type; None when empty."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_DATA", {}, "body is not in JSON format") from None


def crm(
    scope: str | Callable[[Request], str], *, cost: int = 1, pool: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a /crm handler: auth, concurrency admission, credits, latency, error bodies."""

    def deco(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            rt: Runtime = request.app.state.rt
            needed = scope(request) if callable(scope) else scope
            try:
                rt.tokens.check(request.headers.get("authorization"), needed)
                rt.limiter.acquire(rt.concurrency(), pool, rt.settings.sub_concurrency)
            except ApiError as err:
                return error_response(err)
            daily = rt.daily_credits()
            try:
                remaining = rt.ledger.spend(cost, daily)
            except ApiError as err:  # the day's credits are used up: say so in the header too
                rt.limiter.release(pool)
                spent = error_response(err)
                spent.headers["X-API-CREDITS-REMAINING"] = "0"
                return spent
            response: Response
            try:
                if rt.settings.latency_ms:
                    await asyncio.sleep(rt.settings.latency_ms / 1000)
                response = await fn(request, rt)
            except ApiError as err:
                response = error_response(err)
            finally:
                rt.limiter.release(pool)
            if remaining is not None and daily is not None and daily - remaining >= daily / 2:
                response.headers["X-API-CREDITS-REMAINING"] = str(remaining)
            return response

        return endpoint

    return deco


def _module_scope(op: str) -> Callable[[Request], str]:
    return lambda r: f"ZohoCRM.modules.{r.path_params.get('module', 'Leads').lower()}.{op}"


# -- OAuth ---------------------------------------------------------------------------------------
async def token(request: Request) -> Response:
    rt: Runtime = request.app.state.rt
    form = dict(request.query_params)
    raw = await request.body()
    if raw:
        form.update(parse_qsl(raw.decode("utf-8", "replace")))
    status, body = rt.tokens.grant(
        form,
        rt.org()["credentials"],
        ttl_s=rt.settings.token_ttl_s,
        refresh_limit=rt.settings.refresh_limit,
    )
    if "api_domain" in body:
        body["api_domain"] = rt.url or str(request.base_url).rstrip("/")
    return ok(body, status)


# -- records -------------------------------------------------------------------------------------
@crm(_module_scope("READ"))
async def list_records(request: Request, rt: Runtime) -> Response:
    module = request.path_params["module"]
    body = views.list_records(
        rt.store, rt.org(), module, dict(request.query_params), rt.page_tokens
    )
    return no_content() if body is None else ok(body)


@crm(_module_scope("READ"))
async def get_record(request: Request, rt: Runtime) -> Response:
    module = request.path_params["module"]
    org = rt.org()
    views.check_module(org, module)
    fields = views.parse_fields(org, module, request.query_params.get("fields"), required=False)
    rid = rules.norm_id(request.path_params["record_id"])
    rec = rt.store.get(module, rid) if rid else None
    if rec is None or not views.visible(module, rec, dict(request.query_params)):
        return no_content()
    return ok({"data": [views.render(org, module, rec, fields)]})


@crm(_module_scope("READ"), pool=True)
async def search(request: Request, rt: Runtime) -> Response:
    module = request.path_params["module"]
    body = views.search_records(rt.store, rt.org(), module, dict(request.query_params))
    return no_content() if body is None else ok(body)


# -- metadata ------------------------------------------------------------------------------------
def _module_param(request: Request) -> str:
    module = request.query_params.get("module")
    if not module:
        raise ApiError(400, "REQUIRED_PARAM_MISSING", {"param_name": "module"})
    return module


@crm("ZohoCRM.settings.fields.READ")
async def settings_fields(request: Request, rt: Runtime) -> Response:
    return ok(views.fields_meta(rt.org(), _module_param(request)))


@crm("ZohoCRM.settings.layouts.READ")
async def settings_layouts(request: Request, rt: Runtime) -> Response:
    return ok(views.layouts_meta(rt.org(), _module_param(request)))


@crm("ZohoCRM.settings.modules.READ")
async def settings_modules(request: Request, rt: Runtime) -> Response:
    return ok(views.modules_meta(rt.org()))


@crm("ZohoCRM.users.READ")
async def users(request: Request, rt: Runtime) -> Response:
    kind = request.query_params.get("type", "AllUsers")
    all_users = rt.org()["users"]
    if kind == "CurrentUser":
        chosen = all_users[:1]
    elif kind in ("AllUsers", "ActiveUsers"):
        chosen = [u for u in all_users if kind == "AllUsers" or u["status"] == "active"]
    else:
        raise ApiError(400, "INVALID_DATA", {"param_name": "type"})
    out = []
    for u in chosen:
        first, _, last = u["full_name"].partition(" ")
        out.append(
            {
                "id": u["id"],
                "email": u["email"],
                "full_name": u["full_name"],
                "first_name": first if last else None,
                "last_name": last or first,
                "status": u["status"],
                "role": {"name": u["role"], "id": catalog.stable_id("role", u["role"])},
                "profile": {
                    "name": "Administrator" if u is all_users[0] else "Standard",
                    "id": catalog.stable_id("profile", u["id"]),
                },
            }
        )
    return ok(
        {
            "users": out,
            "info": {"per_page": 200, "count": len(out), "page": 1, "more_records": False},
        }
    )


@crm("ZohoCRM.org.READ")
async def org(request: Request, rt: Runtime) -> Response:
    o = rt.org()
    edition = o["edition"]
    return ok(
        {
            "org": [
                {
                    "id": "4876876000000000001",
                    "zgid": "700000001",
                    "company_name": o["org_name"],
                    "primary_email": o["users"][0]["email"],
                    "domain_name": "org700000001",
                    "time_zone": "UTC",
                    "currency": "USD",
                    "country_code": "US",
                    "type": "sandbox",
                    "license_details": {
                        "paid": edition != "free",
                        "paid_type": edition,
                        "users_license_purchased": len(o["users"]),
                    },
                }
            ]
        }
    )


# -- conversion ----------------------------------------------------------------------------------
@crm("ZohoCRM.modules.leads.READ")
async def conversion_options(request: Request, rt: Runtime) -> Response:
    body = rules.conversion_options(rt.store, rt.org(), request.path_params["lead_id"])
    return no_content() if body is None else ok(body)


@crm("ZohoCRM.modules.leads.CREATE", cost=5, pool=True)
async def convert(request: Request, rt: Runtime) -> Response:
    body = await read_json(request)
    org = rt.org()
    # URL-level problems come before body problems, as Zoho checks the path first
    lead = rules.lead_for_action(rt.store, request.path_params["lead_id"])
    req = rules.parse_convert_body(body)
    outcome = rules.convert_lead(rt.store, org, lead["id"], req, rt.outbox)
    return ok(
        {
            "data": [
                {
                    "code": "SUCCESS",
                    "details": outcome.details(),
                    "message": "The record has been converted successfully",
                    "status": "success",
                }
            ]
        }
    )


@crm("ZohoCRM.mass_convert.leads.CREATE")
async def mass_convert(request: Request, rt: Runtime) -> Response:
    body = await read_json(request)
    ids, req = rules.parse_mass_convert(rt.org(), body)
    job_id = rt.store.new_id()
    job = Job(id=job_id, lead_ids=ids, request=req)
    rt.jobs[job_id] = job
    if rt.settings.mass_convert_progress == "time":
        task = asyncio.get_running_loop().create_task(_run_job(rt, job))
        request.app.state.tasks.add(task)
        task.add_done_callback(request.app.state.tasks.discard)
    return ok(
        {
            "code": "SCHEDULED",
            "details": {"job_id": job_id},
            "message": "Mass Convert scheduled successfully",
            "status": "success",
        }
    )


def _convert_some(rt: Runtime, job: Job, upto: int) -> None:
    while job.done < upto:
        lead_id = job.lead_ids[job.done]
        try:
            rules.convert_lead(rt.store, rt.org(), lead_id, job.request, rt.outbox, in_data=False)
            job.converted += 1
        except ApiError:
            job.failed += 1
        job.done += 1


async def _run_job(rt: Runtime, job: Job) -> None:
    step = rt.settings.mass_convert_step_ms / 1000
    await asyncio.sleep(step)
    if rt.jobs.get(job.id) is not job:
        return
    job.status = "IN PROGRESS"
    for i in range(len(job.lead_ids)):
        await asyncio.sleep(step / max(len(job.lead_ids), 1))
        if rt.jobs.get(job.id) is not job:
            return
        _convert_some(rt, job, i + 1)
    await asyncio.sleep(step)
    job.status = "COMPLETED"


@crm("ZohoCRM.mass_convert.leads.READ")
async def mass_convert_status(request: Request, rt: Runtime) -> Response:
    job_id = request.query_params.get("job_id")
    if not job_id:
        raise ApiError(400, "REQUIRED_PARAM_MISSING", {"param_name": "job_id"})
    job = rt.jobs.get(job_id.strip())
    if job is None:
        raise ApiError(400, "INVALID_DATA", {"param_name": "job_id"}, "the job_id given is invalid")
    if rt.settings.mass_convert_progress == "poll":
        job.polls += 1
        if job.polls == 2 and job.status == "SCHEDULED":
            job.status = "IN PROGRESS"
            _convert_some(rt, job, (len(job.lead_ids) + 1) // 2)
        elif job.polls >= 3 and job.status == "IN PROGRESS":
            _convert_some(rt, job, len(job.lead_ids))
            job.status = "COMPLETED"
    total = len(job.lead_ids)
    return ok(
        {
            "data": [
                {
                    "Status": job.status,
                    "Total_Count": total,
                    "Converted_Count": job.converted,
                    "Not_Converted_Count": total - job.done,
                    "Failed_Count": job.failed,
                }
            ]
        }
    )


# -- errors --------------------------------------------------------------------------------------
async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(ApiError(405, "INVALID_REQUEST_METHOD"))
    return error_response(ApiError(404, "INVALID_URL_PATTERN"))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("sandbox internal error on %s %s", request.method, request.url.path)
    return error_response(ApiError(500, "INTERNAL_ERROR"))


def create_app(rt: Runtime) -> Any:
    """The ASGI app: Starlette routes wrapped in the fault layer."""
    v8 = "/crm/v8"
    routes = [
        Route("/oauth/v2/token", token, methods=["POST"]),
        Route(f"{v8}/settings/fields", settings_fields, methods=["GET"]),
        Route(f"{v8}/settings/layouts", settings_layouts, methods=["GET"]),
        Route(f"{v8}/settings/modules", settings_modules, methods=["GET"]),
        Route(f"{v8}/users", users, methods=["GET"]),
        Route(f"{v8}/org", org, methods=["GET"]),
        Route(f"{v8}/Leads/actions/mass_convert", mass_convert, methods=["POST"]),
        Route(f"{v8}/Leads/actions/mass_convert", mass_convert_status, methods=["GET"]),
        Route(f"{v8}/Leads/{{lead_id}}/__conversion_options", conversion_options, methods=["GET"]),
        Route(f"{v8}/Leads/{{lead_id}}/actions/convert", convert, methods=["POST"]),
        Route(f"{v8}/{{module}}/search", search, methods=["GET"]),
        Route(f"{v8}/{{module}}/{{record_id}}", get_record, methods=["GET"]),
        Route(f"{v8}/{{module}}", list_records, methods=["GET"]),
        *control.routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: http_error, 405: http_error, Exception: server_error},
    )
    app.state.rt = rt
    app.state.tasks = set()
    return FaultMiddleware(app, rt.faults, rt.tokens.expire)

"""The route table (moto's `urls`): path, method, handler, and what each Zoho call requires.

One line per call says its OAuth scope, its credit cost and whether it counts against the
sub-concurrency pool (convert and search do, zoho-api.md §7), so the gate in `app.py` applies them
without any handler knowing. Order matters where paths overlap: Starlette takes the first match.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from crmkit.sandbox import responses
from crmkit.sandbox.runtime import Runtime

Handler = Callable[[Request, Runtime], Awaitable[Response]]
Scope = str | Callable[[Request], str]
Admit = Callable[[Request, Runtime], None]
CostOf = Callable[[Request], Awaitable[int]]
V8 = "/crm/v8"
BULK = "/crm/bulk/v8"
BULK_SCOPE = "ZohoCRM.bulk.read"
BULK_CREATE_CREDITS = 50  # zoho-api.md §3: "Bulk Read initialize = 50 credits"
TOKEN_PATH = "/oauth/v2/token"


@dataclass(frozen=True)
class Call:
    """One authenticated /crm call: where it is served and what it takes to be admitted."""

    method: str
    path: str
    handler: Handler
    scope: Scope
    cost: int | CostOf = 1  # credits charged (zoho-api.md §7), or read from the request
    pool: bool = False  # also holds a slot of the sub-concurrency pool
    admit: Admit | None = None  # a check before the call is charged (Bulk Read downloads)


def module_scope(op: str) -> Callable[[Request], str]:
    """`ZohoCRM.modules.<module>.<op>`, the module taken from the path."""
    return lambda r: f"ZohoCRM.modules.{r.path_params.get('module', 'Leads').lower()}.{op}"


CALLS: tuple[Call, ...] = (
    Call("GET", f"{V8}/settings/fields", responses.fields, "ZohoCRM.settings.fields.READ"),
    Call("GET", f"{V8}/settings/layouts", responses.layouts, "ZohoCRM.settings.layouts.READ"),
    Call("GET", f"{V8}/settings/modules", responses.modules, "ZohoCRM.settings.modules.READ"),
    Call("GET", f"{V8}/users", responses.users, "ZohoCRM.users.READ"),
    Call("GET", f"{V8}/org", responses.org, "ZohoCRM.org.READ"),
    Call(
        "GET",
        f"{V8}/Contacts/roles",
        responses.contact_roles,
        "ZohoCRM.settings.contact_roles.READ",
    ),
    Call(
        "POST",
        f"{V8}/Leads/actions/mass_convert",
        responses.mass_convert,
        "ZohoCRM.mass_convert.leads.CREATE",
    ),
    Call(
        "GET",
        f"{V8}/Leads/actions/mass_convert",
        responses.mass_convert_status,
        "ZohoCRM.mass_convert.leads.READ",
    ),
    Call(
        "GET",
        f"{V8}/Leads/{{lead_id}}/__conversion_options",
        responses.conversion_options,
        "ZohoCRM.modules.leads.READ",
    ),
    Call(
        "POST",
        f"{V8}/Leads/{{lead_id}}/actions/convert",
        responses.convert,
        "ZohoCRM.modules.leads.CREATE",
        cost=5,
        pool=True,
    ),
    Call("GET", f"{V8}/{{module}}/search", responses.search, module_scope("READ"), pool=True),
    Call("GET", f"{V8}/{{module}}/actions/count", responses.record_count, module_scope("READ")),
    Call("GET", f"{V8}/{{module}}/{{record_id}}", responses.get_record, module_scope("READ")),
    Call("GET", f"{V8}/{{module}}", responses.list_records, module_scope("READ")),
    Call(
        "PUT",
        f"{V8}/{{module}}",
        responses.update_records,
        module_scope("UPDATE"),
        cost=responses.update_credits,
    ),
    Call("POST", f"{BULK}/read", responses.bulk_create, BULK_SCOPE, cost=BULK_CREATE_CREDITS),
    Call("GET", f"{BULK}/read/{{job_id}}", responses.bulk_status, BULK_SCOPE),
    Call(
        "GET",
        f"{BULK}/read/{{job_id}}/result",
        responses.bulk_result,
        BULK_SCOPE,
        admit=responses.bulk_admit,
    ),
)

"""`ZohoBackend`: the emulated Zoho org, with one method per Zoho call (moto's backend shape).

It holds what the calls read and change — the record store, the typed `Org`, the OAuth token book,
the outbox, the Mass Convert and Bulk Read jobs and the listing's page tokens — and nothing about
HTTP: routes
(`responses.py`) parse a request, call one method here, and render what it returns (a JSON body, or
None for 204). Auth, admission, credits and latency wrap every route in `app.py`; the control
surface (`runtime.py`) resets and reconfigures this object.
"""

from __future__ import annotations

import json
from typing import Any

from crmkit.sandbox import metadata, search, views
from crmkit.sandbox.auth import TokenBook
from crmkit.sandbox.bodies import ConvertRequest, parse_convert_body, parse_mass_convert
from crmkit.sandbox.bulk import BulkJob, BulkReads
from crmkit.sandbox.bulk_view import module_view
from crmkit.sandbox.conversion import Outcome, convert_lead
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.jobs import MassConvertJobs
from crmkit.sandbox.leads import check_mass_convert_leads, lead_for_action
from crmkit.sandbox.loader import DataDirError, check_org_fields, normalize_org
from crmkit.sandbox.notify import Outbox
from crmkit.sandbox.options import conversion_options
from crmkit.sandbox.org import DEFAULT_PIPELINES, Org
from crmkit.sandbox.roles import roles_answer
from crmkit.sandbox.settings import Settings
from crmkit.sandbox.store import Store
from crmkit.sandbox.updates import update_records

PageTokens = dict[str, dict[str, Any]]


class ZohoBackend:
    """One org's state and the Zoho calls on it."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.tokens = TokenBook()
        self.outbox = Outbox()
        self.jobs = MassConvertJobs(convert=self._convert_in_job)
        self.page_tokens: PageTokens = {}
        self.bulk = BulkReads(store)
        self._org: tuple[str, Org] | None = None

    # -- the org ---------------------------------------------------------------------------------
    @property
    def org(self) -> Org:
        """The org as configured now: rebuilt only when its stored settings changed."""
        with self.store.lock:
            raw = self.store.conn.execute("SELECT value FROM meta WHERE key = 'org'").fetchone()[0]
        cached = self._org
        if cached is not None and cached[0] == raw:
            return cached[1]
        org = Org.from_json(json.loads(raw), self.store.meta("custom_fields", {}))
        self._org = (raw, org)
        return org

    def configure_org(self, values: dict[str, Any]) -> None:
        """Change org settings; they are validated like org.json and apply to the next call.

        Each change is checked alone first, so a refusal names the setting at fault."""
        with self.store.lock:
            current = self.org.to_json()
            for key in values:
                try:
                    self._checked_org({**current, key: values[key]})
                except DataDirError as exc:
                    raise DataDirError("config", 0, key, exc.reason) from None
            self.store.set_meta("org", self._checked_org({**current, **values}))

    def _checked_org(self, raw: dict[str, Any]) -> dict[str, Any]:
        users = raw.pop("users")
        org = normalize_org(raw, "config", "", users=users)
        if not org["pipelines"]:
            org["pipelines"] = {k: list(v) for k, v in DEFAULT_PIPELINES.items()}
        check_org_fields(org, self.store.meta("custom_fields", {}), "config", "")
        return org

    def reset(self) -> None:
        """Seed records and org settings back; outbox, jobs, page tokens, grant codes cleared."""
        self.store.reset()
        self.outbox.clear()
        self.jobs.clear()
        self.page_tokens.clear()
        self.bulk.reset()
        self.tokens.forget_grants()

    def close(self) -> None:
        """Stop the Bulk Read workers and delete their result files."""
        self.bulk.close()

    # -- OAuth -----------------------------------------------------------------------------------
    def token(self, form: dict[str, str], *, api_domain: str) -> tuple[int, dict[str, Any]]:
        """`POST /oauth/v2/token`: (HTTP status, body); bad grants are 200 with `error`."""
        status, body = self.tokens.grant(
            form,
            self.org.credentials,
            ttl_s=self.settings.token_ttl_s,
            refresh_limit=self.settings.refresh_limit,
        )
        if "api_domain" in body:
            body["api_domain"] = api_domain
        return status, body

    # -- records ---------------------------------------------------------------------------------
    def record_count(self, module: str) -> dict[str, Any]:
        """`GET /{module}/actions/count`: what a default listing holds (unconverted leads)."""
        views.check_module(self.org, module)
        counts = self.store.count(module)
        hidden = counts["converted"] if module == "Leads" else 0
        return {"count": counts["total"] - hidden}

    def list_records(self, module: str, params: dict[str, str]) -> dict[str, Any] | None:
        return views.list_records(self.store, self.org, module, params, self.page_tokens)

    def get_record(
        self, module: str, record_id: str, params: dict[str, str]
    ) -> dict[str, Any] | None:
        return views.get_record(self.store, self.org, module, record_id, params)

    def update_records(self, module: str, body: Any) -> dict[str, Any]:
        """`PUT /{module}`: Update Records, one answer per record (`updates.py`)."""
        return update_records(self.store, self.org, module, body)

    def search(self, module: str, params: dict[str, str]) -> dict[str, Any] | None:
        return search.search_records(self.store, self.org, module, params)

    # -- metadata --------------------------------------------------------------------------------
    def fields(self, module: str) -> dict[str, Any]:
        return metadata.fields_meta(self.org, module)

    def layouts(self, module: str) -> dict[str, Any]:
        return metadata.layouts_meta(self.org, module)

    def modules(self) -> dict[str, Any]:
        return metadata.modules_meta(self.org)

    def users(self, kind: str) -> dict[str, Any]:
        return metadata.users_answer(self.org, kind)

    def contact_roles(self) -> dict[str, Any]:
        """`GET /Contacts/roles`."""
        return roles_answer(self.org.contact_roles)

    def organization(self) -> dict[str, Any]:
        """`GET /org` (named apart from `org`, the configuration every call reads)."""
        return metadata.org_answer(self.org)

    # -- conversion ------------------------------------------------------------------------------
    def conversion_options(self, lead_id: str) -> dict[str, Any] | None:
        return conversion_options(self.store, self.org, lead_id)

    def convert_lead(self, lead_id: str, body: Any) -> dict[str, Any]:
        """`POST /Leads/{id}/actions/convert`; the lead in the URL is checked first."""
        lead = lead_for_action(self.store, lead_id)
        req = parse_convert_body(body)
        outcome = convert_lead(self.store, self.org, lead["id"], req, self.outbox)
        return {
            "data": [
                {
                    "code": "SUCCESS",
                    "details": outcome.details(),
                    "message": "The record has been converted successfully",
                    "status": "success",
                }
            ]
        }

    def mass_convert(self, body: Any, *, fail: bool = False) -> dict[str, Any]:
        """`POST /Leads/actions/mass_convert`: validate up front (body, then every lead id), then
        schedule the job; `fail` (the `mass_convert_failed` fault) makes the job end FAILED."""
        ids, req = parse_mass_convert(self.org, body)
        check_mass_convert_leads(self.store, ids)
        job = self.jobs.schedule(
            self.store.new_id(),
            ids,
            req,
            progress=self.settings.mass_convert_progress,
            step_ms=self.settings.mass_convert_step_ms,
            fail=fail,
        )
        return {
            "code": "SCHEDULED",
            "details": {"job_id": job.id},
            "message": "Mass Convert scheduled successfully",
            "status": "success",
        }

    def mass_convert_status(self, job_id: str) -> dict[str, Any]:
        """`GET /Leads/actions/mass_convert?job_id=`."""
        job = self.jobs.status(job_id, progress=self.settings.mass_convert_progress)
        return job.status_body()

    def _convert_in_job(self, lead_id: str, req: ConvertRequest) -> Outcome:
        """One lead of a mass convert: the org as it is now; errors bare, as the job counts them."""
        return convert_lead(self.store, self.org, lead_id, req, self.outbox, in_data=False)

    # -- Bulk Read -------------------------------------------------------------------------------
    def bulk_create(self, body: Any, content_type: str, *, fail: bool = False) -> dict[str, Any]:
        """`POST /crm/bulk/v8/read`: validate the query, schedule the job (201 ADDED); `fail` (the
        `bulk_read_failed` fault) makes the job end in FAILURE."""
        if "json" not in content_type.lower():
            raise ApiError(415, "MEDIA_TYPE_NOT_SUPPORTED", {}, "the body must be JSON")
        org = self.org
        admin = org.admin
        job = self.bulk.create(
            body,
            lambda module: module_view(org, module),
            new_id=self.store.new_id,
            user={"id": admin.id, "name": admin.full_name},
            limits=self.settings.bulk_limits(),
            fail=fail,
        )
        entry = {
            "status": "success",
            "code": "ADDED_SUCCESSFULLY",
            "message": "Added successfully.",
            "details": job.summary(),
        }
        return {"data": [entry], "info": {}}

    def bulk_status(self, job_id: str) -> dict[str, Any]:
        """`GET /crm/bulk/v8/read/{job_id}` (a `poll`-mode job moves one state on)."""
        return {"data": [self.bulk.observe(job_id).detail()]}

    def bulk_admit_download(self, job_id: str) -> BulkJob:
        """Whether the result may be downloaded now (the routes check it before charging)."""
        return self.bulk.admit_download(job_id, self.settings.bulk_limits())

    def bulk_result(self, job_id: str) -> BulkJob:
        """`GET /crm/bulk/v8/read/{job_id}/result`: the COMPLETED job whose ZIP is served."""
        job = self.bulk.job(job_id)
        if job.path is None:
            raise ApiError(400, "RESOURCE_NOT_FOUND", {"resource": "result"}, "no result")
        return job

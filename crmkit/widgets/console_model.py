"""The conversion console's state and logic, without widgets (so it is tested as plain Python).

The admin browses the org's open leads (search, filters, pages: `console_browse`), picks leads,
chooses for each one what converting it must do (merge into one of the Contacts/Accounts Zoho
offers, or create new) and its Convert Lead options (`console_options`: per lead, or as a default
for the selection), optionally adds a Deal (`console_deal`: the Deals layout's fields), sees what
the plan validator says and what the run will cost, and converts. Everything goes through
crmkit.conversion: the choices become plan rows (`make_plan`), `validate` speaks before any call,
`estimate` says the cost, and `execute` re-checks live, converts each lead at most once and
journals every request and answer (so a dead kernel or a double click never converts a lead twice).

The journal file is `journal=` if given, else `$CRMKIT_JOURNAL`, else the org's own default file
(`crmkit.conversion.journal_path`, the one function every front end resolves it with).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from crmkit.conversion import (
    RESULTS_SCHEMA,
    ClientLike,
    Estimate,
    ExecutionReport,
    Mode,
    OrgFacts,
    blocked_leads,
    estimate,
    make_plan,
    org_facts,
    validate,
)
from crmkit.conversion.execute_options import check_mode
from crmkit.conversion.facts import lead_facts, role_map, truthy
from crmkit.conversion.journal_path import JOURNAL_ENV, legacy_journal_path
from crmkit.conversion.journal_path import journal_path as resolve_journal_path
from crmkit.conversion.org_binding import org_identity
from crmkit.errors import CrmkitError
from crmkit.frames import leads_from_records, options_frames
from crmkit.orgconfig import OrgConfig
from crmkit.widgets.console_browse import BrowseCounts, LeadFilter, LeadIndex, matching_fields
from crmkit.widgets.console_candidates import (
    NEW,
    Candidate,
    build_candidates,
    default_choices,
    records,
    text,
)
from crmkit.widgets.console_deal import (
    DealField,
    DealForm,
    deal_fields,
    deal_required,
    has_deals,
)
from crmkit.widgets.console_merge import NOT_APPLIED, policies_applied
from crmkit.widgets.console_model_options import ConsoleOptionsMixin
from crmkit.widgets.console_options import LeadOptions
from crmkit.widgets.console_run import run_plan
from crmkit.widgets.console_views import refused_reason, results_table, says, statuses, table
from crmkit.widgets.open_leads_model import ClusterMate, OpenLeadClusters

__all__ = [
    "JOURNAL_ENV",
    "LEAD_FIELDS",
    "NEW",
    "Candidate",
    "ConsoleClient",
    "ConsoleError",
    "ConsoleModel",
    "DealForm",
    "LeadFilter",
    "LeadOptions",
    "journal_path",
]

LEAD_FIELDS: tuple[str, ...] = (
    "Full_Name",
    "First_Name",
    "Last_Name",
    "Company",
    "Email",
    "Phone",
    "Lead_Source",
    "Owner",
    "Tag",
)
PAGE_SIZE = 25


class ConsoleError(CrmkitError, ValueError):
    """Something the console refuses to do, with the reason to show the admin."""


def journal_path(journal: str | Path | None = None, *, org_id: str | None = None) -> Path:
    """The journal file: the argument, else `$CRMKIT_JOURNAL`, else the org's default file (the
    shared pre-org default when the org is not known)."""
    return resolve_journal_path(journal, org_id=org_id) or legacy_journal_path()


class ConsoleClient(ClientLike, Protocol):
    """What the console calls on a client: the conversion engine's calls, listing leads, and
    the metadata the org's matching configuration and the Deal form come from."""

    def iter_pages(
        self, module: str, fields: Sequence[str], *, per_page: int = ...
    ) -> Iterator[list[dict[str, Any]]]:
        """The module's records, page by page."""
        ...

    def layouts(self, module: str) -> list[dict[str, Any]]:
        """The module's layouts (with ``fields``: the org's matching configuration reads them)."""
        ...


class ConsoleModel(ConsoleOptionsMixin):
    """Listed leads with the options asked so far, the table's filter and page, the admin's
    selection, choices and options, and the last run."""

    def __init__(
        self,
        client: ConsoleClient,
        records: Sequence[Mapping[str, Any]],
        options: pd.DataFrame,
        matches: pd.DataFrame,
        *,
        org: OrgFacts | None = None,
        journal: str | Path | None = None,
        mode: Mode = "auto",
        latency_s: float = 0.3,
        poll_interval: float = 1.0,
        config: OrgConfig | None = None,
        page_size: int = PAGE_SIZE,
        deal_layout: Sequence[DealField] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.mode: Mode = check_mode(mode)
        self.config = config  # the org's matching rules, for the listed leads' clusters
        self.client = client
        self.records: dict[str, dict[str, Any]] = {
            str(r["id"]): dict(r) for r in lead_facts(records).values()
        }
        self.lead_ids: list[str] = list(self.records)
        self.leads = leads_from_records(list(self.records.values()))
        self.index = LeadIndex(self.leads)
        self.org = org
        # The org's own default journal needs its id (one GET /org); a named journal does not.
        named = journal is not None or bool(os.environ.get(JOURNAL_ENV))
        org_id = None if named else org_identity(client).org_id
        self.journal_path = journal_path(journal, org_id=org_id)
        self.latency_s = latency_s
        self.poll_interval = poll_interval
        self.deal = DealForm()
        self.deal_layout = (
            list(deal_layout) if deal_layout is not None else deal_fields([], (), org)
        )
        self.defaults = LeadOptions()
        self._lead_options: dict[str, dict[str, Any]] = {}
        self._diffs: dict[str, tuple[tuple[Any, ...], pd.DataFrame]] = {}
        self.filter = LeadFilter()
        self._selected_by: tuple[tuple[LeadFilter, int], tuple[list[str], int]] | None = None
        self.page = 0
        self.page_size = page_size
        self.selected: list[str] = []
        self.running = False
        self.report: ExecutionReport | None = None
        self.results = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in RESULTS_SCHEMA.items()})
        self.outcomes: dict[str, str] = {}
        self._open_leads: OpenLeadClusters | None = None
        self.options = options.iloc[0:0]
        self.matches = matches.iloc[0:0]
        self._candidates: dict[str, list[Candidate]] = {}
        self._choices: dict[str, str] = {}
        self._learn(options, matches)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        client: ConsoleClient,
        *,
        lead_ids: Sequence[str] | None = None,
        limit: int | None = None,
        **kwargs: Any,
    ) -> ConsoleModel:
        """`lead_ids` (their options asked at once), else every open lead of the org (the first
        `limit` when given; options asked page by page), with the org's metadata; `kwargs` go to
        the constructor."""
        if lead_ids is not None:
            found = [client.get_record("Leads", str(i), converted="both") for i in lead_ids]
            missing = [str(i) for i, r in zip(lead_ids, found, strict=True) if r is None]
            if missing:
                raise ConsoleError(f"no such lead(s) in the CRM: {', '.join(missing)}")
            records = [r for r in found if r is not None]
            ids = [str(r["id"]) for r in records]
        else:
            if limit is not None and limit < 1:
                raise ValueError("limit must be at least 1")
            records = []
            per_page = 200 if limit is None else min(limit, 200)
            for page in client.iter_pages("Leads", LEAD_FIELDS, per_page=per_page):
                records.extend(page)
                if limit is not None and len(records) >= limit:
                    break
            records = records if limit is None else records[:limit]
            ids = [str(r["id"]) for r in records[: int(kwargs.get("page_size", PAGE_SIZE))]]
        answers = client.conversion_options_many(ids, progress=False) if ids else []
        frames = options_frames(dict(zip(ids, answers, strict=True)))
        if "config" not in kwargs:
            kwargs["config"] = OrgConfig.from_client(client)
        org = org_facts(client)
        org = replace(org, contact_roles=role_map(client.contact_roles()))
        if "deal_layout" not in kwargs and has_deals(org):
            kwargs["deal_layout"] = deal_fields(
                client.layouts("Deals"), deal_required(client.layouts("Leads")), org
            )
        return cls(client, records, frames.options, frames.matches, org=org, **kwargs)

    def _learn(self, options: pd.DataFrame, matches: pd.DataFrame) -> None:
        """Add the options of more leads: their candidates and default choices."""
        ids = [str(i) for i in options["lead_id"].tolist() if str(i) in self.records]
        if not ids:
            return
        self.options = pd.concat([self.options, options], ignore_index=True)
        self.matches = pd.concat([self.matches, matches], ignore_index=True)
        cands = build_candidates(matches, ids)
        self._candidates.update(cands)
        defaults = default_choices(options, matches, cands)
        offered = {i: {k for _, k in self.choices(i)} for i in ids}
        self._choices.update({i: k if k in offered[i] else NEW for i, k in defaults.items()})

    def ask_options(self, lead_ids: Sequence[str]) -> int:
        """Ask Zoho the conversion options of those listed leads not asked yet (one call each);
        returns how many were asked."""
        todo = [str(i) for i in dict.fromkeys(lead_ids) if str(i) not in self._candidates]
        unknown = [i for i in todo if i not in self.records]
        if unknown:
            raise ConsoleError(f"lead(s) not listed in the console: {', '.join(unknown)}")
        if todo:
            answers = self.client.conversion_options_many(todo, progress=False)
            frames = options_frames(dict(zip(todo, answers, strict=True)))
            self._learn(frames.options, frames.matches)
        return len(todo)

    def unasked(self) -> list[str]:
        """Leads the current filter would look at whose options are not asked yet."""
        flt = replace(self.filter, matched="any", field=None, module=None)
        ids, _ = self._select(flt)
        return [i for i in ids if i not in self._candidates]

    # ------------------------------------------------------------------ browsing
    def set_filter(self, **values: Any) -> LeadFilter:
        """Change the search/filters (`LeadFilter` fields); the table goes back to page 1."""
        try:
            self.filter = replace(self.filter, **values)
        except TypeError as exc:
            filters = "search, matched, field, module, owner, source"
            raise ConsoleError(f"{exc}; filters: {filters}") from None
        if self.filter.matched not in ("any", "matched", "not matched"):
            raise ConsoleError("matched must be 'any', 'matched' or 'not matched'")
        self.page = 0
        return self.filter

    def _select(self, flt: LeadFilter) -> tuple[list[str], int]:
        """`LeadIndex.select`, remembered until the filter or the options asked change (a redraw
        asks it several times; on 100,000 leads each pass is a scan)."""
        key = (flt, len(self.options))
        if self._selected_by is None or self._selected_by[0] != key:
            self._selected_by = (key, self.index.select(flt, self.options))
        return self._selected_by[1]

    def filtered_ids(self) -> list[str]:
        """Every lead the filter keeps, in listing order."""
        return self._select(self.filter)[0]

    def counts(self) -> BrowseCounts:
        """Total, filtered and unknown leads, and the page."""
        ids, unknown = self._select(self.filter)
        pages = -(-len(ids) // self.page_size)
        return BrowseCounts(len(self.lead_ids), len(ids), unknown, self.page, pages, self.page_size)

    def show_page(self, page: int) -> list[str]:
        """Go to a page (0-based, clamped to the pages there are); asks the options of its leads."""
        pages = max(1, -(-len(self.filtered_ids()) // self.page_size))
        self.page = min(max(0, int(page)), pages - 1)
        return self.page_ids()

    def page_ids(self) -> list[str]:
        """The leads of the current page (their options asked if not yet)."""
        start = self.page * self.page_size
        ids = self.filtered_ids()[start : start + self.page_size]
        self.ask_options(ids)
        return ids

    def owners(self) -> list[tuple[str, str]]:
        """(name, id) of the listed leads' owners, for the owner filter."""
        return self.index.owners()

    def sources(self) -> list[str]:
        """The listed leads' Lead_Source values, for the source filter."""
        return self.index.sources()

    def matching_fields(self) -> list[str]:
        """The matching fields Zoho reported for the leads asked so far, for the field filter."""
        return matching_fields(self.options)

    # ------------------------------------------------------------------ selection and choices
    def select(self, rows: Sequence[int]) -> list[str]:
        """Select leads by their position in `table()` (the current page); returns their ids."""
        page = self.page_ids()
        bad = [r for r in rows if not 0 <= int(r) < len(page)]
        if bad:
            raise ConsoleError(f"no table row(s) {bad}: the table has {len(page)} rows")
        self.selected = [page[r] for r in sorted({int(r) for r in rows})]
        return self.selected

    def select_ids(self, lead_ids: Sequence[str]) -> list[str]:
        """Select leads by id (any listed lead, on any page); table order."""
        unknown = [str(i) for i in lead_ids if str(i) not in self.records]
        if unknown:
            raise ConsoleError(f"lead(s) not loaded in the console: {', '.join(unknown)}")
        self.ask_options([str(i) for i in lead_ids])
        wanted = {str(i) for i in lead_ids}
        self.selected = [i for i in self.lead_ids if i in wanted]
        return self.selected

    def is_converted(self, lead_id: str) -> bool:
        """Whether the lead is converted (by this console or before it was loaded)."""
        return truthy(self.records[str(lead_id)].get("Converted__s"))

    def open_leads(self) -> OpenLeadClusters:
        """The listed leads' clusters: the duplicates Zoho's options cannot see in this batch."""
        if self._open_leads is None:
            self._open_leads = OpenLeadClusters(self.leads, self.config)
        return self._open_leads

    def cluster_mates(self, lead_id: str) -> list[ClusterMate]:
        """The other listed leads that are the same person or company as this one."""
        return self.open_leads().mates(str(lead_id))

    def chained_choice(self, lead_id: str) -> list[str]:
        """The proposal for a lead with strong mates: the anchor creates, the others reference
        it (``lead:<anchor id>``) instead of creating a second Contact or Account."""
        return self.open_leads().proposals(str(lead_id))

    def _error(self, message: str) -> ConsoleError:
        return ConsoleError(message)

    def _known(self, lead_id: str) -> str:
        lead_id = str(lead_id)
        if lead_id not in self.records:
            raise ConsoleError(f"lead {lead_id} is not loaded in the console")
        self.ask_options([lead_id])
        return lead_id

    def candidates(self, lead_id: str) -> list[Candidate]:
        """The Contacts and Accounts Zoho offers for this lead (offered or not)."""
        return list(self._candidates[self._known(lead_id)])

    def not_offered(self, lead_id: str) -> list[tuple[Candidate, str]]:
        """Candidates the console does not offer (Zoho refuses a merge into them), with why."""
        out = []
        for c in self._candidates[self._known(lead_id)]:
            reason = refused_reason(c)
            if reason is not None:
                out.append((c, reason))
        return out

    def choices(self, lead_id: str) -> list[tuple[str, str]]:
        """(label, key) pairs for the lead's choice dropdown: each candidate Zoho would accept a
        merge into, then create-new."""
        lead_id = self._known(lead_id)
        company = text(self.records[lead_id].get("Company"))
        new = "create a new Contact" + (
            f" and Account {company!r}" if company else " (no Company: no Account)"
        )
        offered = [c for c in self._candidates[lead_id] if refused_reason(c) is None]
        return [(c.label, c.key) for c in offered] + [(new, NEW)]

    def choice(self, lead_id: str) -> str:
        """The lead's current choice key."""
        return self._choices[self._known(lead_id)]

    def set_choice(self, lead_id: str, key: str) -> None:
        """Choose what converting this lead does (`contact:ID`, `account:ID` or `new`)."""
        lead_id = self._known(lead_id)
        allowed = [k for _, k in self.choices(lead_id)]
        if key not in allowed:
            why = {c.key: r for c, r in self.not_offered(lead_id)}.get(key)
            hint = f" ({why})" if why else ""
            raise ConsoleError(f"lead {lead_id}: {key!r} is not one of its choices {allowed}{hint}")
        self._choices[lead_id] = key

    # ------------------------------------------------------------------ the Deal form
    def deal_unavailable(self) -> str | None:
        """Why no Deal can be made with the leads (the org has no Deals module), or None."""
        return None if has_deals(self.org) else "the org has no Deals module: no Deal is made"

    def set_deal(self, **values: Any) -> DealForm:
        """Change fields of the Deal form (`enabled`, `name`, `closing_date`, `pipeline`,
        `stage`, `amount`, `contact_role`)."""
        if values.get("enabled") and self.deal_unavailable():
            raise ConsoleError(str(self.deal_unavailable()))
        if values.get("amount") is not None and float(values["amount"]) < 0:
            raise ConsoleError("the Deal amount cannot be negative")
        role = values.get("contact_role")
        if role and role not in self.contact_roles():
            raise ConsoleError(f"{role!r} is not a Contact Role of the org: {self.contact_roles()}")
        self.deal = replace(self.deal, **values)
        return self.deal

    def wants_deal(self, lead_id: str) -> bool:
        """Whether this lead's conversion makes a Deal: its own choice, else the form's box."""
        own = self._lead_options.get(str(lead_id), {}).get("deal")
        return self.deal.enabled if own is None else bool(own)

    def deal_problem(self) -> str | None:
        """Why the Deal form cannot make a Deal name, when some lead wants a Deal; else None."""
        wanted = self.deal.enabled or any(self.wants_deal(i) for i in self.selected)
        return replace(self.deal, enabled=True).problem() if wanted else None

    def pipelines(self) -> list[str]:
        """The org's Deal pipelines (empty when it has none)."""
        if self.org is None or self.org.pipelines is None:
            return []
        return sorted(self.org.pipelines)

    def stages(self, pipeline: str | None = None) -> list[str]:
        """Stages of a pipeline (the Stage picklist when the org or its metadata does not say)."""
        if self.org is None:
            return []
        known = self.org.pipelines.get(pipeline) if self.org.pipelines and pipeline else None
        # Without per-pipeline stages in the metadata, every stage of the picklist is offered.
        return sorted(known if known is not None else self.org.stages or frozenset())

    # ------------------------------------------------------------------ plan, checks, cost
    def _row(self, lead_id: str) -> dict[str, Any]:
        lead = self.records[lead_id]
        key = self._choices[lead_id]
        new_account = "create" if text(lead.get("Company")) else "none"
        row: dict[str, Any] = {"lead_id": lead_id}
        if key.startswith("contact:"):
            cand = next(c for c in self._candidates[lead_id] if c.key == key)
            row.update(contact_action="merge", contact_id=cand.record_id)
            if cand.account_id:
                row.update(account_action="merge", account_id=cand.account_id)
            else:
                row.update(account_action=new_account)
            row["note"] = f"console: {cand.label}"
        elif key.startswith("account:"):
            cand = next(c for c in self._candidates[lead_id] if c.key == key)
            row.update(contact_action="create", account_action="merge", account_id=cand.record_id)
            row["note"] = f"console: {cand.label}"
        else:
            row.update(contact_action="create", account_action=new_account, note="console: new")
        row.update(replace(self.deal, enabled=self.wants_deal(lead_id)).row(lead))
        row.update(self.option_columns(lead_id))
        return row

    def plan(self) -> pd.DataFrame:
        """The plan (crmkit.conversion schema) for the selected leads and their choices."""
        if self.deal_problem() is not None:
            raise ConsoleError(str(self.deal_problem()))
        return make_plan([self._row(i) for i in self.selected], source="console")

    def general_messages(self) -> list[str]:
        """Messages about the whole form (nothing selected, a bad Deal name)."""
        out: list[str] = []
        if not self.selected:
            out.append("Select one or more leads in the table.")
        problem = self.deal_problem()
        if problem is not None:
            out.append(problem)
        if not policies_applied() and any(
            self.option_columns(i)["merge_policy"] for i in self.selected
        ):
            out.append(f"Merge policy: {NOT_APPLIED}.")
        return out

    def problems(self) -> pd.DataFrame:
        """The plan validator's problems for the selected leads (from the loaded facts)."""
        plan = self.plan() if self.deal_problem() is None else make_plan([])
        return validate(
            plan,
            options=self.options,
            matches=self.matches,
            leads=[self.records[i] for i in self.selected],
            org=self.org,
        )

    def messages(self) -> dict[str, list[str]]:
        """Inline validation messages per selected lead (`error: …` blocks, `warning: …` not)."""
        out: dict[str, list[str]] = {i: [] for i in self.selected}
        if self.deal_problem() is not None:
            return out
        for rec in self.problems().to_dict("records"):
            out.setdefault(str(rec["lead_id"]), []).append(f"{rec['severity']}: {rec['reason']}")
        return out

    def blocked(self) -> list[str]:
        """Selected leads the validator refuses."""
        if self.deal_problem() is not None:
            return list(self.selected)
        return blocked_leads(self.problems())

    @property
    def can_convert(self) -> bool:
        """Something is selected, nothing is refused, and no run is going on."""
        return not self.running and not self.general_messages() and not self.blocked()

    def estimate(self) -> Estimate:
        """Calls, credits and time the conversion of the selection will take; refused when a
        selected lead is converted already (nothing can be sent for it)."""
        done = [i for i in self.selected if self.is_converted(i)]
        if done:
            raise ConsoleError(
                f"lead{'s' if len(done) > 1 else ''} {', '.join(done)} "
                f"{'are' if len(done) > 1 else 'is'} converted already: nothing can be sent "
                "for it; deselect it to see the estimate of the others"
            )
        return estimate(
            self.plan(),
            mode=self.mode,
            concurrency=self.client.concurrency,
            latency_s=self.latency_s,
        )

    # ------------------------------------------------------------------ running
    def convert(self, progress: Callable[[int, int], None] | None = None) -> ExecutionReport:
        """Convert the selected leads through the journal; `progress(done, total)` is called on
        this thread while the run goes on. Refuses while running or when validation blocks."""
        if self.running:
            raise ConsoleError("a conversion is already running")
        general = self.general_messages()
        if general:
            raise ConsoleError(" ".join(general))
        blocked = self.blocked()
        if blocked:
            raise ConsoleError(
                f"validation refuses lead(s) {', '.join(blocked)}: change their choice or "
                "deselect them"
            )
        plan = self.plan()
        self.running = True
        try:
            report = run_plan(
                self.client,
                plan,
                journal=self.journal_path,
                mode=self.mode,
                poll_interval=self.poll_interval,
                on_outcome=self._note_outcome,
                progress=progress,
            )
        finally:
            self.running = False
        self.report = report
        self.results = report.results
        for rec in report.results.to_dict("records"):
            self._note_outcome(str(rec["lead_id"]), str(rec["outcome"]))
        return report

    def _note_outcome(self, lead_id: str, outcome: str) -> None:
        """Remember a lead's outcome; a converted lead is converted for the validator too."""
        self.outcomes[lead_id] = outcome
        if outcome == "converted" and lead_id in self.records:
            self.records[lead_id]["Converted__s"] = True

    # ------------------------------------------------------------------ what the view shows
    def table(self) -> pd.DataFrame:
        """One row per lead of the current page (the rows `select` counts): who it is, what Zoho
        offers, and the outcome of the last run that touched it."""
        ids = self.page_ids()
        opts = {str(r["lead_id"]): r for r in records(self.options)}
        return table(
            ids,
            self.records,
            {i: says(opts.get(i, {})) for i in ids},
            self._candidates,
            {i: self.outcomes.get(i) or ("converted" if self.is_converted(i) else "") for i in ids},
        )

    def statuses(self, messages: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
        """One line per selected lead: `ready`, `ready (N warnings)` or `refused: <first error>`."""
        return statuses(self.selected, self.messages() if messages is None else messages)

    def results_table(self) -> pd.DataFrame:
        """The last run's results with each lead's name (RESULTS_SCHEMA plus `name`)."""
        return results_table(self.results, self.records)

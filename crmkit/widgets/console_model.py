"""The conversion console's state and logic, without widgets (so it is tested as plain Python).

The admin picks leads, chooses for each one what converting it must do (merge into one of the
Contacts/Accounts Zoho offers, or create new), optionally adds a Deal, sees what the plan validator
says and what the run will cost, and converts. Everything goes through crmkit.conversion: the
choices become plan rows (`make_plan`), `validate` speaks before any call, `estimate` says the cost,
and `execute` re-checks live, converts each lead at most once and journals every request and answer
(so a dead kernel or a double click never converts a lead twice).

The journal file is `journal=` if given, else `$CRMKIT_JOURNAL`, else the org's own default file
(`crmkit.conversion.journal_path`, the one function every front end resolves it with).
"""

from __future__ import annotations

import os
import queue
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from crmkit.conversion import (
    RESULTS_SCHEMA,
    ClientLike,
    Estimate,
    EventKind,
    ExecuteOptions,
    ExecutionReport,
    Mode,
    OrgFacts,
    Policy,
    blocked_leads,
    estimate,
    execute,
    make_plan,
    org_facts,
    plan_from_options,
    validate,
)
from crmkit.conversion.execute_options import check_mode
from crmkit.conversion.facts import lead_facts
from crmkit.conversion.journal import FINAL_OUTCOMES
from crmkit.conversion.journal_path import JOURNAL_ENV, legacy_journal_path
from crmkit.conversion.journal_path import journal_path as resolve_journal_path
from crmkit.conversion.org_binding import org_identity
from crmkit.conversion.references import is_reference
from crmkit.errors import CrmkitError
from crmkit.frames import leads_from_records, options_frames
from crmkit.orgconfig import OrgConfig
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
NEW = "new"
TABLE_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "name",
    "company",
    "email",
    "zoho_says",
    "candidates",
    "result",
)
_TEMPLATE_FIELDS = ("Full_Name", "First_Name", "Last_Name", "Company", "Email")


class ConsoleError(CrmkitError, ValueError):
    """Something the console refuses to do, with the reason to show the admin."""


def journal_path(journal: str | Path | None = None, *, org_id: str | None = None) -> Path:
    """The journal file: the argument, else `$CRMKIT_JOURNAL`, else the org's default file (the
    shared pre-org default when the org is not known)."""
    return resolve_journal_path(journal, org_id=org_id) or legacy_journal_path()


@dataclass(frozen=True)
class Candidate:
    """A Contact or Account Zoho offers as a merge target for one lead."""

    module: str
    record_id: str
    name: str
    fields: tuple[str, ...]
    account_id: str | None = None
    account_name: str | None = None

    @property
    def key(self) -> str:
        """The choice key that merges into this record (`contact:ID` / `account:ID`)."""
        return f"{self.module[:-1].lower()}:{self.record_id}"

    @property
    def label(self) -> str:
        """What the choice dropdown says."""
        how = f" (by {', '.join(self.fields)})" if self.fields else ""
        if self.module == "Contacts":
            acct = f", Account {self.account_name}" if self.account_name else ", no Account"
            return f"merge into Contact {self.name}{how}{acct}"
        return f"new Contact in Account {self.name}{how}"


@dataclass(frozen=True)
class DealForm:
    """The optional Deal created with every converted lead; `name` may use `{Company}`,
    `{Full_Name}`, `{First_Name}`, `{Last_Name}`, `{Email}` (each lead's own values)."""

    enabled: bool = False
    name: str = "{Company}"
    closing_date: date | str | None = None
    pipeline: str | None = None
    stage: str | None = None
    amount: float | None = None

    def row(self, lead: Mapping[str, Any]) -> dict[str, Any]:
        """The plan columns this form gives one lead (empty when no Deal is wanted)."""
        if not self.enabled:
            return {}
        values = {k: _text(lead.get(k)) or "" for k in _TEMPLATE_FIELDS}
        name = string.Formatter().vformat(self.name, (), values).strip() if self.name else ""
        closing = self.closing_date
        return {
            "deal_name": name or None,
            "closing_date": closing.isoformat() if isinstance(closing, date) else closing or None,
            "pipeline": self.pipeline or None,
            "stage": self.stage or None,
            "amount": self.amount,
        }

    def problem(self) -> str | None:
        """Why the form cannot make a Deal name (unknown placeholder), or None."""
        if not self.enabled or not self.name:
            return None
        try:
            string.Formatter().vformat(self.name, (), {k: "" for k in _TEMPLATE_FIELDS})
        except (KeyError, IndexError, ValueError) as exc:
            return f"Deal name {self.name!r}: {exc} is not a placeholder; use " + ", ".join(
                "{" + k + "}" for k in _TEMPLATE_FIELDS
            )
        return None


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


class ConsoleClient(ClientLike, Protocol):
    """What the console calls on a client: the conversion engine's calls, listing leads, and
    the metadata the org's matching configuration comes from."""

    def iter_pages(
        self, module: str, fields: Sequence[str], *, per_page: int = ...
    ) -> Iterator[list[dict[str, Any]]]:
        """The module's records, page by page."""
        ...

    def layouts(self, module: str) -> list[dict[str, Any]]:
        """The module's layouts (with ``fields``: the org's matching configuration reads them)."""
        ...


class ConsoleModel:
    """Loaded leads with their options, the admin's selection and choices, and the last run."""

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
    ) -> None:
        self.mode: Mode = check_mode(mode)
        self.config = config  # the org's matching rules, for the loaded leads' clusters
        self.client = client
        self.records: dict[str, dict[str, Any]] = {
            str(r["id"]): dict(r) for r in lead_facts(records).values()
        }
        self.lead_ids: list[str] = list(self.records)
        self.leads = leads_from_records(list(self.records.values()))
        self.options = options
        self.matches = matches
        self.org = org
        # The org's own default journal needs its id (one GET /org); a named journal does not.
        named = journal is not None or bool(os.environ.get(JOURNAL_ENV))
        org_id = None if named else org_identity(client).org_id
        self.journal_path = journal_path(journal, org_id=org_id)
        self.latency_s = latency_s
        self.poll_interval = poll_interval
        self.deal = DealForm()
        self.selected: list[str] = []
        self.running = False
        self.report: ExecutionReport | None = None
        self.results = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in RESULTS_SCHEMA.items()})
        self.outcomes: dict[str, str] = {}
        self._open_leads: OpenLeadClusters | None = None
        self._candidates = self._build_candidates()
        self._choices: dict[str, str] = self._default_choices()

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        client: ConsoleClient,
        *,
        lead_ids: Sequence[str] | None = None,
        limit: int = 50,
        **kwargs: Any,
    ) -> ConsoleModel:
        """Unconverted leads (`lead_ids`, else the first `limit` the CRM lists) with their
        conversion options and the org's metadata; `kwargs` go to the constructor."""
        if lead_ids is not None:
            found = [client.get_record("Leads", str(i), converted="both") for i in lead_ids]
            missing = [str(i) for i, r in zip(lead_ids, found, strict=True) if r is None]
            if missing:
                raise ConsoleError(f"no such lead(s) in the CRM: {', '.join(missing)}")
            records = [r for r in found if r is not None]
        else:
            if limit < 1:
                raise ValueError("limit must be at least 1")
            records = []
            for page in client.iter_pages("Leads", LEAD_FIELDS, per_page=min(limit, 200)):
                records.extend(page)
                if len(records) >= limit:
                    break
            records = records[:limit]
        ids = [str(r["id"]) for r in records]
        answers = client.conversion_options_many(ids, progress=False) if ids else []
        frames = options_frames(dict(zip(ids, answers, strict=True)))
        if "config" not in kwargs:
            kwargs["config"] = OrgConfig.from_client(client)
        return cls(client, records, frames.options, frames.matches, org=org_facts(client), **kwargs)

    def _build_candidates(self) -> dict[str, list[Candidate]]:
        out: dict[str, list[Candidate]] = {i: [] for i in self.lead_ids}
        hits = self.matches[self.matches["record_id"].notna()]
        fields: dict[tuple[str, str, str], list[str]] = {}
        first: dict[tuple[str, str, str], dict[str, Any]] = {}
        for rec in _records(hits):
            key = (str(rec["lead_id"]), str(rec["module"]), str(rec["record_id"]))
            if rec["module"] not in ("Contacts", "Accounts"):
                continue
            first.setdefault(key, rec)
            field = _text(rec.get("field"))
            if field is not None and field not in fields.setdefault(key, []):
                fields[key].append(field)
        for key, hit in first.items():
            lead_id, module, record_id = key
            if lead_id not in out:
                continue
            out[lead_id].append(
                Candidate(
                    module=module,
                    record_id=record_id,
                    name=_text(hit.get("record_name")) or record_id,
                    fields=tuple(fields.get(key, [])),
                    account_id=_text(hit.get("account_id")),
                    account_name=_text(hit.get("account_name")),
                )
            )
        for cands in out.values():  # Contacts first, as Zoho's dialog lists them
            cands.sort(key=lambda c: c.module != "Contacts")
        return out

    def _default_choices(self) -> dict[str, str]:
        """Zoho's preferred match when there is one (the first candidate when several), else new."""
        built = plan_from_options(
            self.options, self.matches, Policy(on_ambiguous="merge"), leads=self.leads
        )
        choices = {i: NEW for i in self.lead_ids}
        for row in built.plan.to_dict("records"):
            lead_id = str(row["lead_id"])
            if lead_id not in choices:
                continue
            # A `lead:<id>` reference (a cluster mate's record) is no choice of the dialog: the
            # console proposes it apart (`chained_choice`), so the default stays new.
            if row["contact_action"] == "merge" and not is_reference(row["contact_id"]):
                choices[lead_id] = f"contact:{row['contact_id']}"
            elif row["account_action"] == "merge" and not is_reference(row["account_id"]):
                choices[lead_id] = f"account:{row['account_id']}"
        return choices

    # ------------------------------------------------------------------ selection and choices
    def select(self, rows: Sequence[int]) -> list[str]:
        """Select leads by their position in `table()`; returns the selected lead ids."""
        bad = [r for r in rows if not 0 <= int(r) < len(self.lead_ids)]
        if bad:
            raise ConsoleError(f"no table row(s) {bad}: the table has {len(self.lead_ids)} rows")
        picked = {int(r) for r in rows}
        self.selected = [self.lead_ids[r] for r in sorted(picked)]
        return self.selected

    def select_ids(self, lead_ids: Sequence[str]) -> list[str]:
        """Select leads by id."""
        unknown = [i for i in lead_ids if str(i) not in self.records]
        if unknown:
            raise ConsoleError(f"lead(s) not loaded in the console: {', '.join(unknown)}")
        return self.select([self.lead_ids.index(str(i)) for i in lead_ids])

    def open_leads(self) -> OpenLeadClusters:
        """The loaded leads' clusters: the duplicates Zoho's options cannot see in this batch."""
        if self._open_leads is None:
            self._open_leads = OpenLeadClusters(self.leads, self.config)
        return self._open_leads

    def cluster_mates(self, lead_id: str) -> list[ClusterMate]:
        """The other loaded leads that are the same person or company as this one."""
        return self.open_leads().mates(str(lead_id))

    def chained_choice(self, lead_id: str) -> list[str]:
        """The proposal for a lead with strong mates: the anchor creates, the others reference
        it (``lead:<anchor id>``) instead of creating a second Contact or Account."""
        return self.open_leads().proposals(str(lead_id))

    def candidates(self, lead_id: str) -> list[Candidate]:
        """The Contacts and Accounts Zoho offers for this lead."""
        return list(self._candidates[str(lead_id)])

    def choices(self, lead_id: str) -> list[tuple[str, str]]:
        """(label, key) pairs for the lead's choice dropdown: each candidate, then create-new."""
        lead = self.records[str(lead_id)]
        company = _text(lead.get("Company"))
        new = "create a new Contact" + (
            f" and Account {company!r}" if company else " (no Company: no Account)"
        )
        return [(c.label, c.key) for c in self._candidates[str(lead_id)]] + [(new, NEW)]

    def choice(self, lead_id: str) -> str:
        """The lead's current choice key."""
        return self._choices[str(lead_id)]

    def set_choice(self, lead_id: str, key: str) -> None:
        """Choose what converting this lead does (`contact:ID`, `account:ID` or `new`)."""
        lead_id = str(lead_id)
        if lead_id not in self._choices:
            raise ConsoleError(f"lead {lead_id} is not loaded in the console")
        allowed = [k for _, k in self.choices(lead_id)]
        if key not in allowed:
            raise ConsoleError(f"lead {lead_id}: {key!r} is not one of its choices {allowed}")
        self._choices[lead_id] = key

    def set_deal(self, **values: Any) -> DealForm:
        """Change fields of the Deal form (`enabled`, `name`, `closing_date`, `pipeline`,
        `stage`, `amount`)."""
        if values.get("amount") is not None and float(values["amount"]) < 0:
            raise ConsoleError("the Deal amount cannot be negative")
        self.deal = replace(self.deal, **values)
        return self.deal

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
        new_account = "create" if _text(lead.get("Company")) else "none"
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
        row.update(self.deal.row(lead))
        return row

    def plan(self) -> pd.DataFrame:
        """The plan (crmkit.conversion schema) for the selected leads and their choices."""
        if self.deal.problem() is not None:
            raise ConsoleError(str(self.deal.problem()))
        return make_plan([self._row(i) for i in self.selected], source="console")

    def general_messages(self) -> list[str]:
        """Messages about the whole form (nothing selected, a bad Deal name)."""
        out: list[str] = []
        if not self.selected:
            out.append("Select one or more leads in the table.")
        problem = self.deal.problem()
        if problem is not None:
            out.append(problem)
        return out

    def problems(self) -> pd.DataFrame:
        """The plan validator's problems for the selected leads (from the loaded facts)."""
        plan = self.plan() if self.deal.problem() is None else make_plan([])
        return validate(
            plan,
            options=self.options,
            matches=self.matches,
            leads=list(self.records.values()),
            org=self.org,
        )

    def messages(self) -> dict[str, list[str]]:
        """Inline validation messages per selected lead (`error: …` blocks, `warning: …` not)."""
        out: dict[str, list[str]] = {i: [] for i in self.selected}
        if self.deal.problem() is not None:
            return out
        for rec in self.problems().to_dict("records"):
            out.setdefault(str(rec["lead_id"]), []).append(f"{rec['severity']}: {rec['reason']}")
        return out

    def blocked(self) -> list[str]:
        """Selected leads the validator refuses."""
        if self.deal.problem() is not None:
            return list(self.selected)
        return blocked_leads(self.problems())

    @property
    def can_convert(self) -> bool:
        """Something is selected, nothing is refused, and no run is going on."""
        return (
            not self.running
            and bool(self.selected)
            and self.deal.problem() is None
            and not self.blocked()
        )

    def estimate(self) -> Estimate:
        """Calls, credits and time the conversion of the selection will take."""
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
            report = self._run(plan, progress)
        finally:
            self.running = False
        self.report = report
        self.results = report.results
        for rec in report.results.to_dict("records"):
            self._note_outcome(str(rec["lead_id"]), str(rec["outcome"]))
        return report

    def _run(
        self, plan: pd.DataFrame, progress: Callable[[int, int], None] | None
    ) -> ExecutionReport:
        """Run `execute` on a worker thread; its events come back here through a queue, so
        `progress` and the outcomes are updated on this thread, as each step is journaled."""
        total = len(plan)
        events: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()

        def on_event(kind: EventKind, lead_id: str, outcome: str) -> None:  # engine threads
            events.put((lead_id, outcome))

        options = ExecuteOptions(
            mode=self.mode,
            progress=False,
            plan_name="conversion console",
            poll_interval=self.poll_interval,
            on_event=on_event,
        )
        latest: dict[str, str] = {}
        if progress is not None:
            progress(0, total)
        with ThreadPoolExecutor(1, thread_name_prefix="crmkit-console") as pool:
            future = pool.submit(
                execute, self.client, plan, journal=self.journal_path, options=options
            )
            future.add_done_callback(lambda _: events.put(None))
            last = 0
            while (event := events.get()) is not None:
                lead_id, outcome = event
                latest[lead_id] = outcome
                self._note_outcome(lead_id, outcome)
                done = sum(o in FINAL_OUTCOMES for o in latest.values())
                if progress is not None and done != last:
                    progress(min(done, total), total)
                    last = done
            report = future.result()
        if progress is not None:
            progress(total, total)
        return report

    def _note_outcome(self, lead_id: str, outcome: str) -> None:
        """Remember a lead's outcome; a converted lead is converted for the validator too."""
        self.outcomes[lead_id] = outcome
        if outcome == "converted" and lead_id in self.records:
            self.records[lead_id]["Converted__s"] = True

    # ------------------------------------------------------------------ what the view shows
    def table(self) -> pd.DataFrame:
        """One row per loaded lead (in load order, the order `select` counts rows in): who it
        is, what Zoho offers, and the outcome of the last run that touched it."""
        opts = {str(r["lead_id"]): r for r in _records(self.options)}
        rows: list[dict[str, Any]] = []
        for lead_id in self.lead_ids:
            lead = self.records[lead_id]
            rows.append(
                {
                    "lead_id": lead_id,
                    "name": _text(lead.get("Full_Name")) or "",
                    "company": _text(lead.get("Company")) or "",
                    "email": _text(lead.get("Email")) or "",
                    "zoho_says": _says(opts.get(lead_id, {})),
                    "candidates": "; ".join(
                        f"{c.module[:-1]} {c.name}"
                        + (f" ({', '.join(c.fields)})" if c.fields else "")
                        for c in self._candidates[lead_id]
                    ),
                    "result": self.outcomes.get(lead_id, ""),
                }
            )
        frame = pd.DataFrame.from_records(rows, columns=list(TABLE_COLUMNS))
        return frame.astype("string")

    def statuses(self, messages: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
        """One line per selected lead: `ready`, `ready (N warnings)` or `refused: <first error>`."""
        messages = self.messages() if messages is None else messages
        out: dict[str, str] = {}
        for lead_id in self.selected:
            msgs = list(messages.get(lead_id, []))
            errors = [m.removeprefix("error: ") for m in msgs if m.startswith("error")]
            if errors:
                out[lead_id] = "refused: " + errors[0]
            elif msgs:
                out[lead_id] = f"ready ({len(msgs)} warning{'s' if len(msgs) > 1 else ''})"
            else:
                out[lead_id] = "ready"
        return out

    def results_table(self) -> pd.DataFrame:
        """The last run's results with each lead's name (RESULTS_SCHEMA plus `name`)."""
        names = pd.Series(
            {i: _text(r.get("Full_Name")) or "" for i, r in self.records.items()}, dtype="string"
        )
        out = self.results.copy()
        out.insert(1, "name", out["lead_id"].map(names).astype("string"))
        return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in rec.items()} for rec in frame.to_dict("records")]


def _says(opt: Mapping[str, Any]) -> str:
    outcome = opt.get("outcome")
    if outcome == "error":
        return f"error {opt.get('error_code')}"
    if outcome != "matched":
        return "no match"
    parts = []
    for col, noun in (("n_contacts", "Contact"), ("n_accounts", "Account")):
        n = opt.get(col)
        if n is not None and n is not pd.NA and int(n) > 0:
            parts.append(f"{int(n)} {noun}{'s' if int(n) > 1 else ''}")
    return "matches " + ", ".join(parts) if parts else "matched"

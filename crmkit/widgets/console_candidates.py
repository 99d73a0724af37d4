"""The Contacts and Accounts Zoho offers a lead as merge targets, and the console's default choice.

Why apart from the model: the candidates are read from the `matches` frame as Zoho sent them
(Contacts first, each with the fields it matched by), and the default is Zoho's own preference
(`plan_from_options`); both are pure functions of the options frames, asked again each time the
console learns the options of more leads (a page of the org).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crmkit.conversion import Policy, plan_from_options
from crmkit.conversion.references import is_reference

__all__ = ["NEW", "Candidate", "build_candidates", "default_choices", "records", "text"]

NEW = "new"


def text(value: object) -> str | None:
    """Stripped text, or None for a blank, NA or NaN cell."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    out = str(value).strip()
    return out or None


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts with string keys."""
    return [{str(k): v for k, v in rec.items()} for rec in frame.to_dict("records")]


@dataclass(frozen=True)
class Candidate:
    """A Contact or Account Zoho offers as a merge target for one lead."""

    module: str
    record_id: str
    name: str
    fields: tuple[str, ...]
    account_id: str | None = None
    account_name: str | None = None
    locked: bool = False
    approval_state: str | None = None

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


def _flag(value: object) -> bool:
    return value is not None and value is not pd.NA and bool(value)


def build_candidates(matches: pd.DataFrame, lead_ids: Iterable[str]) -> dict[str, list[Candidate]]:
    """Each lead's candidates, in Zoho's order with Contacts first (as Zoho's dialog lists them)."""
    out: dict[str, list[Candidate]] = {str(i): [] for i in lead_ids}
    hits = matches[matches["record_id"].notna() & matches["lead_id"].isin(list(out))]
    fields: dict[tuple[str, str, str], list[str]] = {}
    first: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rec in records(hits):
        key = (str(rec["lead_id"]), str(rec["module"]), str(rec["record_id"]))
        if rec["module"] not in ("Contacts", "Accounts"):
            continue
        first.setdefault(key, rec)
        field = text(rec.get("field"))
        if field is not None and field not in fields.setdefault(key, []):
            fields[key].append(field)
    for key, hit in first.items():
        lead_id, module, record_id = key
        out[lead_id].append(
            Candidate(
                module=module,
                record_id=record_id,
                name=text(hit.get("record_name")) or record_id,
                fields=tuple(fields.get(key, [])),
                account_id=text(hit.get("account_id")),
                account_name=text(hit.get("account_name")),
                locked=_flag(hit.get("locked")),
                approval_state=text(hit.get("approval_state")),
            )
        )
    for cands in out.values():
        cands.sort(key=lambda c: c.module != "Contacts")
    return out


def default_choices(
    options: pd.DataFrame,
    matches: pd.DataFrame,
    candidates: dict[str, list[Candidate]],
) -> dict[str, str]:
    """Zoho's preferred match when there is one (the first candidate when several), else new.

    Only a key among the lead's own candidates is a default: a `lead:<id>` reference (a cluster
    mate's record) is no choice of Zoho's dialog, the console proposes it apart.
    """
    ids = list(candidates)
    opts = options[options["lead_id"].isin(ids)]
    built = plan_from_options(opts, matches, Policy(on_ambiguous="merge"))
    choices = {i: NEW for i in ids}
    for row in built.plan.to_dict("records"):
        lead_id = str(row["lead_id"])
        if lead_id not in choices:
            continue
        keys = {c.key for c in candidates[lead_id]}
        key = None
        if row["contact_action"] == "merge" and not is_reference(row["contact_id"]):
            key = f"contact:{row['contact_id']}"
        elif row["account_action"] == "merge" and not is_reference(row["account_id"]):
            key = f"account:{row['account_id']}"
        if key in keys:
            choices[lead_id] = str(key)
    return choices

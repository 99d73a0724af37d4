"""A snapshot of a whole org at almost no credits: Bulk Read export, offline prediction, sampling.

`crmkit fetch --via api` asks Zoho for every lead's conversion options: one credit per lead. Here
Leads, Contacts and Accounts are exported by Bulk Read (50 credits per 200,000 records), the
org's matching configuration is read from metadata, and the conversion options are predicted
offline by `crmkit.matching.predict` (`source="predicted"`). With `verify`, a seeded sample
stratified by predicted outcome is asked of Zoho and compared lead by lead (`crmkit.verify`),
and the agreement is kept in `snapshot.json` (`extra["verification"]`).

The snapshot has the format `crmkit fetch` writes (same frames, same columns: lookups as
`X.id` / `X.name`, owners with their name and e-mail, `$approval_state`), so rates, the
explorer, the report, plans and the console read it unchanged.

Refresh (`refresh_snapshot_bulk`) exports only the records modified since the snapshot (Bulk
Read criteria on `Modified_Time`), merges them by id and predicts again (offline, seconds).
Records deleted in Zoho do not show in a `Modified_Time` filter and stay in the snapshot until
the next full fetch (which costs a few hundred credits).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crmkit.frames import MATCHED_FIELDS_SCHEMA, MATCHES_SCHEMA, OPTIONS_SCHEMA, conform, isin
from crmkit.frames.bulk import bulk_columns, read_bulk_pages, with_owners
from crmkit.matching import predict
from crmkit.orgconfig import OrgConfig
from crmkit.snapshot import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    Snapshot,
    SnapshotError,
    SnapshotMeta,
    _api_domain,
    _credits,
    _lead_fields,
    _now,
    _org,
    load_snapshot,
)
from crmkit.verify import Verification, verify_sample

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

__all__ = ["BulkRefresh", "fetch_snapshot_bulk", "refresh_snapshot_bulk"]

log = logging.getLogger("crmkit.bulkfetch")

VIA = "bulk"
# Asked besides the requested fields: what filtering and the prediction read.
LEAD_EXTRA = ("Modified_Time", "Converted__s", "Locked__s", "$approval_state")
SYSTEM = ("$approval_state",)


@dataclass(frozen=True)
class _Org:
    config: OrgConfig | None
    users: list[dict[str, Any]]
    meta: dict[str, list[dict[str, Any]]]
    types: dict[str, dict[str, str]]


def _read_org(client: CRMClient) -> _Org:
    """Field metadata, the matching configuration and the users (metadata credits only)."""
    meta: dict[str, list[dict[str, Any]]] = {}
    for module in ("Leads", "Contacts", "Accounts"):
        try:
            meta[module] = client.fields(module)
        except Exception as exc:  # a token without settings scope: standard fields, untyped
            log.warning("%s field metadata unreadable (%s)", module, exc)
            meta[module] = []
    try:
        config: OrgConfig | None = OrgConfig.from_client(client, edition=client.edition)
    except Exception as exc:  # a token without settings scope: prediction uses a plain org
        log.warning("org configuration unreadable (%s); the prediction assumes a plain org", exc)
        config = None
    users = client.users("AllUsers")
    types = {
        m: {str(f["api_name"]): str(f.get("data_type")) for f in fs if f.get("api_name")}
        for m, fs in meta.items()
    }
    return _Org(config, users, meta, types)


def _module_fields(module: str, org: _Org, standard: Sequence[str]) -> list[str]:
    unique = [u.api_name for u in org.config.unique(module)] if org.config is not None else []
    wanted = [f for f in dict.fromkeys([*standard, *unique]) if not f.startswith("$")]
    if org.types[module]:  # ask only for fields the org has: Zoho refuses unknown names
        wanted = [f for f in wanted if f in org.types[module]]
    return [*wanted, *SYSTEM]


def _export(
    client: CRMClient,
    module: str,
    fields: Sequence[str],
    org: _Org,
    *,
    workdir: Path,
    tz: str | None,
    criteria: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One module's records (every page) as the typed frame the records API path gives."""
    cols = bulk_columns(fields, org.meta[module])
    pages = list(
        client.bulk_read(module, cols.fields, criteria=criteria, workdir=workdir, forget=False)
    )
    frame = read_bulk_pages(
        [p.path for p in pages], rename=cols.rename, field_types=org.types[module], tz=tz
    )
    return with_owners(frame, cols.owners, org.users)


def _listed(leads: pd.DataFrame, converted: str) -> pd.DataFrame:
    """The leads a records listing with `converted` would show (Bulk Read exports them all)."""
    if converted == "both" or "Converted__s" not in leads.columns:
        return leads
    flag = leads["Converted__s"].fillna(False).astype(bool).to_numpy()
    keep = flag if converted == "true" else ~flag
    return leads[keep].reset_index(drop=True)


def _spent(client: CRMClient, before: int) -> int:
    return _credits(client) - before


def fetch_snapshot_bulk(
    client: CRMClient,
    *,
    workdir: str | Path,
    fields: Sequence[str] | None = None,
    converted: str = "false",
    tz: str | None = None,
    verify: int = 0,
    seed: int = 0,
) -> tuple[Snapshot, Verification | None]:
    """Export Leads, Contacts and Accounts by Bulk Read and predict every lead's options.

    `workdir` keeps the Bulk Read job ids and pages (a rerun after an interruption resumes the
    same jobs); the caller removes it once the snapshot is saved. `verify` leads (seeded by
    `seed`, stratified by predicted outcome) are asked of Zoho and compared.
    """
    work = Path(workdir)
    fetched_at = _now()
    start = before = _credits(client)
    org_id, org_name = _org(client)
    all_fields, _ = _lead_fields(client)
    org = _read_org(client)
    credits = {"metadata": _spent(client, before)}
    wanted = list(fields) if fields is not None else all_fields
    lead_fields = [*dict.fromkeys([*wanted, *LEAD_EXTRA])]
    frames: dict[str, pd.DataFrame] = {}
    seconds: dict[str, float] = {}
    for module, names in (
        ("Leads", lead_fields),
        ("Contacts", _module_fields("Contacts", org, CONTACT_FIELDS)),
        ("Accounts", _module_fields("Accounts", org, ACCOUNT_FIELDS)),
    ):
        before, clock = _credits(client), time.perf_counter()
        frames[module] = _export(client, module, names, org, workdir=work, tz=tz)
        credits[module.lower()] = _spent(client, before)
        seconds[module.lower()] = round(time.perf_counter() - clock, 2)
    leads = _listed(frames["Leads"], converted)
    clock = time.perf_counter()
    prediction = predict(
        leads, frames["Contacts"], frames["Accounts"], org.config, include_converted=True
    )
    seconds["predict"] = round(time.perf_counter() - clock, 2)
    verification = None
    extra: dict[str, Any] = {"via": VIA, "seconds": seconds}
    if verify:
        before, clock = _credits(client), time.perf_counter()
        verification = verify_sample(client, prediction, verify, seed=seed)
        credits["options"] = _spent(client, before)
        seconds["verify"] = round(time.perf_counter() - clock, 2)
        extra["verification"] = verification.to_dict()
    meta = SnapshotMeta(
        org_id=org_id,
        org_name=org_name,
        api_domain=_api_domain(client),
        fetched_at=fetched_at,
        credits_spent=_spent(client, start),
        n_leads=len(leads),
        converted=converted,
        fields=tuple(lead_fields),
        source="predicted",
        extra=extra,
        n_contacts=len(frames["Contacts"]),
        n_accounts=len(frames["Accounts"]),
        org_config=org.config.to_dict() if org.config is not None else None,
        credits=credits,
    )
    snapshot = Snapshot(
        leads,
        prediction.options,
        prediction.matches,
        prediction.matched_fields,
        meta,
        contacts=frames["Contacts"],
        accounts=frames["Accounts"],
    )
    return snapshot, verification


@dataclass(frozen=True)
class BulkRefresh:
    """What a Bulk Read refresh exported and changed."""

    leads: int  # leads modified since the snapshot (exported again)
    contacts: int
    accounts: int
    removed: int  # leads that left the listing (converted since)
    credits_spent: int
    verification: Verification | None = None

    def __str__(self) -> str:
        text = (
            f"exported {self.leads} lead(s), {self.contacts} contact(s) and {self.accounts} "
            f"account(s) modified since the snapshot; dropped {self.removed} lead(s) no longer "
            f"listed; predicted every lead again; {self.credits_spent} credits spent"
        )
        if self.verification is not None:
            text += f"\n{self.verification}"
        return text


def _upsert(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """`old` with every record of `new` replacing (or joining) its row, in id order."""
    if old is None or not len(old):
        return new.reset_index(drop=True)
    kept = old.loc[~isin(old["id"], new["id"])]
    both = pd.concat([kept, new], ignore_index=True)
    return both.sort_values("id", kind="stable").reset_index(drop=True)


def modified_since(moment: str) -> dict[str, Any]:
    """Bulk Read criteria: records modified at or after `moment` (ISO 8601 with offset)."""
    return {
        "field": {"api_name": "Modified_Time"},
        "comparator": "greater_equal",
        "value": moment,
    }


def refresh_snapshot_bulk(
    client: CRMClient,
    directory: str | Path,
    *,
    workdir: str | Path,
    tz: str | None = None,
    verify: int = 0,
    seed: int = 0,
) -> tuple[Snapshot, BulkRefresh]:
    """Bring a `--via bulk` snapshot up to date: export what changed, predict everything again.

    Not saved here: the caller writes it back (`save_snapshot`) once it has the result.
    """
    old = load_snapshot(directory)
    if old.meta.extra.get("via") != VIA:
        how = "--via api" if old.meta.source == "api" else "`crmkit predict`"
        raise SnapshotError(
            f"{directory}: this snapshot was made by {how}, not --via bulk; refresh an API "
            "snapshot with `crmkit fetch --refresh --out DIR`, or fetch again with --via bulk"
        )
    work = Path(workdir)
    started = _now()
    start = _credits(client)
    since = modified_since(old.meta.fetched_at_ts.isoformat())
    org = _read_org(client)
    lead_fields = list(old.meta.fields) or [*LEAD_EXTRA]
    changed: dict[str, pd.DataFrame] = {}
    for module, names in (
        ("Leads", lead_fields),
        ("Contacts", _module_fields("Contacts", org, CONTACT_FIELDS)),
        ("Accounts", _module_fields("Accounts", org, ACCOUNT_FIELDS)),
    ):
        changed[module] = _export(client, module, names, org, workdir=work, tz=tz, criteria=since)
    fresh = changed["Leads"]
    merged = _upsert(old.leads, fresh)
    leads = _listed(merged, old.meta.converted)
    removed = int((~isin(old.leads["id"], leads["id"])).sum())
    contacts = _upsert(old.contacts, changed["Contacts"])
    accounts = _upsert(old.accounts, changed["Accounts"])
    prediction = predict(leads, contacts, accounts, org.config, include_converted=True)
    verification = verify_sample(client, prediction, verify, seed=seed) if verify else None
    spent = _spent(client, start)
    extra = dict(old.meta.extra)
    if verification is not None:
        extra["verification"] = verification.to_dict()
    credits = dict(old.meta.credits)
    credits["refresh"] = credits.get("refresh", 0) + spent
    meta = replace(
        old.meta,
        fetched_at=started,
        credits_spent=old.meta.credits_spent + spent,
        n_leads=len(leads),
        api_domain=_api_domain(client) or old.meta.api_domain,
        n_contacts=len(contacts),
        n_accounts=len(accounts),
        org_config=org.config.to_dict() if org.config is not None else old.meta.org_config,
        credits=credits,
        extra=extra,
        refreshes=(
            *old.meta.refreshes,
            {
                "at": started,
                "via": VIA,
                "leads": len(fresh),
                "contacts": len(changed["Contacts"]),
                "accounts": len(changed["Accounts"]),
                "removed": removed,
                "credits_spent": spent,
            },
        ),
    )
    snapshot = Snapshot(
        leads,
        conform(prediction.options, OPTIONS_SCHEMA, name="options"),
        conform(prediction.matches, MATCHES_SCHEMA, name="matches"),
        conform(prediction.matched_fields, MATCHED_FIELDS_SCHEMA, name="matched_fields"),
        meta,
        contacts=contacts,
        accounts=accounts,
    )
    report = BulkRefresh(
        len(fresh), len(changed["Contacts"]), len(changed["Accounts"]), removed, spent, verification
    )
    return snapshot, report

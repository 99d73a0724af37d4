"""Snapshots: leads and their conversion options saved once, analysed many times for free.

Asking Zoho costs one credit per lead (and minutes at the org's concurrency ceiling), so a fetch is
saved as Parquet beside a small JSON of metadata (org, API domain, fetched at, credits spent).
Loading costs nothing; a refresh re-lists the leads (one credit per 200) and asks again only for
leads modified since the snapshot (`Modified_Time`), new leads, and leads whose last answer was an
error, and drops leads that left the listing (converted or deleted).

A snapshot also keeps the org's Contacts and Accounts (the fields the offline prediction and the
near-duplicate finder read; one credit per 200 records) and the org configuration the prediction
needs (`crmkit.orgconfig.OrgConfig`), so a report can show near-duplicates and compare Zoho's
answer with crmkit's prediction without another API call. A refresh lists them again in full:
deleted or merged records do not show in a `Modified_Time` filter, and the listing costs the same
per page either way.

Layout of a snapshot directory (also written by `crmkit predict`):
`leads.parquet`, `options.parquet`, `matches.parquet`, `matched_fields.parquet`,
`contacts.parquet` and `accounts.parquet` (format 2; absent in format-1 snapshots),
`snapshot.json` (metadata, the org configuration under `org_config`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crmkit.frames import (
    MATCHED_FIELDS_SCHEMA,
    MATCHES_SCHEMA,
    OPTIONS_SCHEMA,
    FramesError,
    conform,
    fetch_leads,
    fetch_options,
    fetch_records,
    isin,
)
from crmkit.orgconfig import OrgConfig

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

__all__ = [
    "ACCOUNT_FIELDS",
    "CONTACT_FIELDS",
    "DEFAULT_LEAD_FIELDS",
    "FORMAT_VERSION",
    "RefreshReport",
    "Snapshot",
    "SnapshotError",
    "SnapshotMeta",
    "check_snapshot_target",
    "fetch_snapshot",
    "load_snapshot",
    "refresh_snapshot",
    "save_snapshot",
]

log = logging.getLogger("crmkit.snapshot")

# 2: contacts.parquet, accounts.parquet and the org configuration. Format 1 still loads.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
FRAMES = ("leads", "options", "matches", "matched_fields")
RECORD_FRAMES = ("contacts", "accounts")
META_FILE = "snapshot.json"

# The Contacts and Accounts fields crmkit.matching.predict and crmkit.neardup read (the org's
# unique fields are added). Locked__s and $approval_state describe a candidate in `matches`;
# $approval_state comes with every record unasked.
CONTACT_FIELDS: tuple[str, ...] = (
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Email",
    "Phone",
    "Mobile",
    "Account_Name",  # lookup: Account_Name.id / Account_Name.name
    "Locked__s",
    "Modified_Time",
)
ACCOUNT_FIELDS: tuple[str, ...] = ("Account_Name", "Website", "Phone", "Locked__s", "Modified_Time")

# Fetched when the org's field metadata cannot be read (Zoho's standard Leads fields).
DEFAULT_LEAD_FIELDS: tuple[str, ...] = (
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Email",
    "Phone",
    "Mobile",
    "Company",
    "Designation",
    "Lead_Source",
    "Lead_Status",
    "Industry",
    "Owner",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Converted__s",
    "Locked__s",
    "$approval_state",
)
# Field types Zoho refuses in a list call's `fields` (not plain values).
_UNLISTABLE_TYPES = frozenset({"subform", "multiselectlookup", "formula_subform", "fileupload"})


class SnapshotError(FramesError):
    """A snapshot directory that is missing pieces or was written by an incompatible version."""


@dataclass(frozen=True)
class SnapshotMeta:
    """What a snapshot is: where it came from, when, and what it cost."""

    org_id: str | None
    org_name: str | None
    api_domain: str | None
    fetched_at: str  # ISO 8601 UTC, taken before the leads were listed
    credits_spent: int
    n_leads: int
    converted: str = "false"
    fields: tuple[str, ...] = ()
    source: str = "api"
    refreshes: tuple[dict[str, Any], ...] = ()
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    # Format 2: Contacts and Accounts kept (None: not in this snapshot), the org configuration
    # (`OrgConfig.to_dict()`), and credits per step (leads, options, contacts, accounts, metadata).
    n_contacts: int | None = None
    n_accounts: int | None = None
    org_config: dict[str, Any] | None = None
    credits: dict[str, int] = field(default_factory=dict)

    @property
    def fetched_at_ts(self) -> pd.Timestamp:
        """`fetched_at` as a tz-aware timestamp."""
        return pd.Timestamp(self.fetched_at).tz_convert("UTC")

    def to_json(self) -> str:
        data = asdict(self)
        data["fields"] = list(self.fields)
        data["refreshes"] = list(self.refreshes)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, where: str) -> SnapshotMeta:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{where}: not valid JSON ({exc})") from exc
        version = data.get("format_version")
        if version not in READABLE_VERSIONS:
            raise SnapshotError(
                f"{where}: snapshot format {version!r}, this crmkit reads "
                f"{' and '.join(map(str, READABLE_VERSIONS))}; fetch it again"
            )
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SnapshotError(f"{where}: unknown keys {unknown}")
        data["fields"] = tuple(data.get("fields") or ())
        data["refreshes"] = tuple(data.get("refreshes") or ())
        return cls(**data)


NO_RECORDS_NOTE = (
    "this snapshot holds no Contacts or Accounts (written before crmkit kept them, or fetched "
    "without them), so near-duplicates and crmkit's prediction cannot be computed from it; "
    "refresh it (`crmkit fetch --refresh --out DIR`, which lists them) or fetch it again"
)


@dataclass(frozen=True)
class Snapshot:
    """Leads, their conversion options as frames (crmkit.frames schemas), and the metadata.

    `contacts` and `accounts` are the org's records (typed like the leads frame) when the
    snapshot keeps them, else None (`note` says so).
    """

    leads: pd.DataFrame
    options: pd.DataFrame
    matches: pd.DataFrame
    matched_fields: pd.DataFrame
    meta: SnapshotMeta
    contacts: pd.DataFrame | None = None
    accounts: pd.DataFrame | None = None

    @property
    def has_records(self) -> bool:
        """Whether the snapshot holds Contacts and Accounts (prediction, near-duplicates)."""
        return self.contacts is not None and self.accounts is not None

    @property
    def org_config(self) -> OrgConfig | None:
        """The org's matching configuration as fetched, or None when the snapshot has none."""
        if self.meta.org_config is None:
            return None
        return OrgConfig.from_dict(self.meta.org_config, source=f"{META_FILE} org_config")

    @property
    def note(self) -> str | None:
        """What the snapshot lacks for the prediction and near-duplicates, or None."""
        return None if self.has_records else NO_RECORDS_NOTE


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did: leads asked again (and why), leads dropped, credits spent."""

    modified: tuple[str, ...]
    added: tuple[str, ...]
    retried: tuple[str, ...]
    removed: tuple[str, ...]
    credits_spent: int
    contacts: int = 0  # Contacts and Accounts listed again
    accounts: int = 0

    @property
    def refetched(self) -> tuple[str, ...]:
        """Every lead whose conversion options were asked again."""
        return (*self.modified, *self.added, *self.retried)

    def __str__(self) -> str:
        return (
            f"re-fetched {len(self.refetched)} lead(s): {len(self.modified)} modified since the "
            f"snapshot, {len(self.added)} new, {len(self.retried)} that had errors; "
            f"dropped {len(self.removed)} no longer listed; listed {self.contacts} contacts and "
            f"{self.accounts} accounts again; {self.credits_spent} credits spent"
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _lead_fields(client: CRMClient) -> tuple[list[str], dict[str, str]]:
    """Every listable Leads field (api_name) and its Zoho data_type, from field metadata."""
    try:
        meta = client.fields("Leads")
    except Exception:  # metadata refused (scope): fall back to the standard fields
        meta = []
    names = [
        str(f["api_name"])
        for f in meta
        if f.get("api_name") and str(f.get("data_type")) not in _UNLISTABLE_TYPES
    ]
    types = {str(f["api_name"]): str(f.get("data_type")) for f in meta if f.get("api_name")}
    if not names:
        names = list(DEFAULT_LEAD_FIELDS)
    if "Modified_Time" not in names:
        names.append("Modified_Time")  # refresh needs it
    return [n for n in names if n != "id"], types


def _org(client: CRMClient) -> tuple[str | None, str | None]:
    try:
        org = client.org()
    except Exception:  # an org the token may not read; the snapshot is still useful
        return None, None
    name = org.get("company_name") or org.get("name")
    return (str(org["id"]) if org.get("id") else None), (str(name) if name else None)


def _api_domain(client: CRMClient) -> str | None:
    try:
        return client.api_domain
    except Exception:  # no domain known (CRMError) or the token endpoint refused
        return None


def _credits(client: CRMClient) -> int:
    return int(client.usage.credits_used)


def _module_fields(client: CRMClient, module: str) -> tuple[dict[str, str], bool]:
    """Field api_name -> Zoho data_type of a module, and whether the metadata could be read."""
    try:
        meta = client.fields(module)
    except Exception:  # metadata refused (scope): list the standard fields blind
        return {}, False
    return {str(f["api_name"]): str(f.get("data_type")) for f in meta if f.get("api_name")}, True


@dataclass(frozen=True)
class _Records:
    contacts: pd.DataFrame
    accounts: pd.DataFrame
    config: OrgConfig | None
    credits: dict[str, int]


def _fetch_records(client: CRMClient, tz: str | None) -> _Records:
    """List every Contact and Account with the fields prediction and near-duplicates read, and
    the org configuration; the credits of each step."""
    credits: dict[str, int] = {}
    before = _credits(client)
    try:
        config: OrgConfig | None = OrgConfig.from_client(client, edition=client.edition)
    except Exception as exc:  # a token without settings scope: prediction uses a plain org
        log.warning("org configuration unreadable (%s); the prediction assumes a plain org", exc)
        config = None
    frames: dict[str, pd.DataFrame] = {}
    for module, standard in (("Contacts", CONTACT_FIELDS), ("Accounts", ACCOUNT_FIELDS)):
        types, known = _module_fields(client, module)
        credits["metadata"] = credits.get("metadata", 0) + _credits(client) - before
        before = _credits(client)
        unique = [u.api_name for u in config.unique(module)] if config is not None else []
        wanted = [f for f in dict.fromkeys([*standard, *unique]) if not f.startswith("$")]
        if known:  # ask only for fields the org has: Zoho refuses unknown names
            wanted = [f for f in wanted if f in types]
        frames[module] = fetch_records(client, module, wanted, field_types=types, tz=tz)
        credits[module.lower()] = _credits(client) - before
        before = _credits(client)
    return _Records(frames["Contacts"], frames["Accounts"], config, credits)


def fetch_snapshot(
    client: CRMClient,
    *,
    fields: Sequence[str] | None = None,
    converted: str = "false",
    tz: str | None = None,
    records: bool = True,
) -> Snapshot:
    """List every lead (all pages) and ask Zoho for each one's conversion options.

    `fields`: Leads fields to keep (default: every listable field in the org's metadata).
    `records`: also list every Contact and Account and read the org configuration, so the
    snapshot serves the prediction and the near-duplicates offline.
    Costs one credit per 200 leads listed plus one per lead asked, plus one per 200 Contacts
    and Accounts listed (`meta.credits` has each step).
    """
    fetched_at = _now()
    start = before = _credits(client)
    org_id, org_name = _org(client)
    all_fields, types = _lead_fields(client)
    credits = {"metadata": _credits(client) - before}
    wanted = list(fields) if fields is not None else all_fields
    if "Modified_Time" not in wanted:
        wanted.append("Modified_Time")
    before = _credits(client)
    leads = fetch_leads(client, wanted, converted=converted, field_types=types, tz=tz)
    credits["leads"] = _credits(client) - before
    before = _credits(client)
    frames = fetch_options(client, leads["id"].tolist())
    credits["options"] = _credits(client) - before
    got = _fetch_records(client, tz) if records else None
    if got is not None:
        for step, spent in got.credits.items():
            credits[step] = credits.get(step, 0) + spent
    meta = SnapshotMeta(
        org_id=org_id,
        org_name=org_name,
        api_domain=_api_domain(client),
        fetched_at=fetched_at,
        credits_spent=_credits(client) - start,
        n_leads=len(leads),
        converted=converted,
        fields=tuple(wanted),
        n_contacts=len(got.contacts) if got is not None else None,
        n_accounts=len(got.accounts) if got is not None else None,
        org_config=got.config.to_dict() if got is not None and got.config is not None else None,
        credits=credits,
    )
    return Snapshot(
        leads,
        frames.options,
        frames.matches,
        frames.matched_fields,
        meta,
        contacts=got.contacts if got is not None else None,
        accounts=got.accounts if got is not None else None,
    )


def check_snapshot_target(directory: str | Path) -> Path:
    """Refuse a directory a snapshot cannot be written to, before anything costly is fetched.

    `crmkit fetch` spends a credit per lead before it writes; a path that is a file, lies under
    a file, or cannot be written must fail first. Nothing is created here.
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise SnapshotError(
            f"{out}: exists and is not a directory; a snapshot is a directory "
            "(pick another --out, or move the file away)"
        )
    existing = out
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise SnapshotError(f"{out}: {existing} is a file, so no directory can be made under it")
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise SnapshotError(f"{out}: {existing} is not writable; pick another --out")
    return out


def save_snapshot(snapshot: Snapshot, directory: str | Path) -> Path:
    """Write the four frames as Parquet and the metadata as JSON; returns the directory."""
    out = check_snapshot_target(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name in FRAMES:
        frame: pd.DataFrame = getattr(snapshot, name)
        frame.to_parquet(out / f"{name}.parquet", index=False)
    for name in RECORD_FRAMES:
        records: pd.DataFrame | None = getattr(snapshot, name)
        path = out / f"{name}.parquet"
        if records is not None:
            records.to_parquet(path, index=False)
        elif path.exists():
            path.unlink()  # a stale file from an earlier snapshot in this directory
    meta = snapshot.meta
    if meta.format_version != FORMAT_VERSION:
        meta = replace(meta, format_version=FORMAT_VERSION)
    (out / META_FILE).write_text(meta.to_json() + "\n", encoding="utf-8")
    return out


def load_snapshot(directory: str | Path) -> Snapshot:
    """Read a snapshot directory (no API call, no credits)."""
    src = Path(directory)
    meta_path = src / META_FILE
    if not meta_path.is_file():
        raise SnapshotError(
            f"{src}: no {META_FILE}; not a crmkit snapshot "
            "(write one with `crmkit fetch --out DIR`)"
        )
    meta = SnapshotMeta.from_json(meta_path.read_text(encoding="utf-8"), str(meta_path))
    frames: dict[str, pd.DataFrame] = {}
    for name in FRAMES:
        path = src / f"{name}.parquet"
        if not path.is_file():
            raise SnapshotError(f"{src}: {path.name} is missing; fetch the snapshot again")
        frames[name] = pd.read_parquet(path)
    schemas = {
        "options": OPTIONS_SCHEMA,
        "matches": MATCHES_SCHEMA,
        "matched_fields": MATCHED_FIELDS_SCHEMA,
    }
    for name, schema in schemas.items():
        frames[name] = conform(frames[name], schema, name=f"{src}/{name}.parquet")
    records: dict[str, pd.DataFrame | None] = {}
    for name in RECORD_FRAMES:
        path = src / f"{name}.parquet"
        if meta.format_version >= 2 and getattr(meta, f"n_{name}") is not None:
            if not path.is_file():
                raise SnapshotError(f"{src}: {path.name} is missing; fetch the snapshot again")
            records[name] = pd.read_parquet(path)
        else:
            records[name] = None
    snapshot = Snapshot(
        meta=meta, contacts=records["contacts"], accounts=records["accounts"], **frames
    )
    if snapshot.note is not None:
        log.info("%s: %s", src, snapshot.note)
    return snapshot


def refresh_snapshot(
    client: CRMClient,
    snapshot: Snapshot | str | Path,
    *,
    save: bool = True,
    tz: str | None = None,
) -> tuple[Snapshot, RefreshReport]:
    """Bring a snapshot up to date, asking Zoho only about leads that changed.

    Re-lists the leads (same fields and `converted` as the snapshot), then asks for the conversion
    options of leads with `Modified_Time` after the snapshot's `fetched_at`, leads not in the
    snapshot, and leads whose last answer was an error. Leads no longer listed are dropped. When
    `snapshot` is a directory and `save` is true, the refreshed snapshot is written back there.

    Contacts and Accounts are listed again in full, with the org configuration (one credit per
    200 records): a `Modified_Time` filter would miss deleted and merged records. A snapshot
    written without them gains them. Conversion options also change when Contacts or Accounts
    change, which a lead's `Modified_Time` does not show: fetch anew to catch those.
    """
    directory = Path(snapshot) if isinstance(snapshot, str | Path) else None
    old = load_snapshot(directory) if directory is not None else snapshot
    assert isinstance(old, Snapshot)
    if old.meta.source != "api":
        raise SnapshotError(
            f"this snapshot holds {old.meta.source} options, not Zoho's: refresh re-asks Zoho only "
            "for changed leads, so start from `crmkit fetch` (or predict again)"
        )
    started = _now()
    start = before = _credits(client)
    _, types = _lead_fields(client)
    steps = {"metadata": _credits(client) - before}
    before = _credits(client)
    fields = list(old.meta.fields) or list(DEFAULT_LEAD_FIELDS)
    leads = fetch_leads(client, fields, converted=old.meta.converted, field_types=types, tz=tz)
    steps["leads"] = _credits(client) - before
    since = old.meta.fetched_at_ts
    old_ids = pd.Index(old.leads["id"])
    new_ids = pd.Index(leads["id"])
    is_modified = leads["Modified_Time"].gt(since).fillna(True).to_numpy(dtype=bool)
    in_old = isin(new_ids, old_ids)
    errored = old.options.loc[(old.options["outcome"] == "error").to_numpy(dtype=bool), "lead_id"]
    was_error = isin(new_ids, errored)
    modified = tuple(leads.loc[is_modified & in_old, "id"])
    added = tuple(leads.loc[~in_old, "id"])
    retried = tuple(leads.loc[~is_modified & in_old & was_error, "id"])
    removed = tuple(old_ids[~isin(old_ids, new_ids)])
    ask = [*modified, *added, *retried]
    before = _credits(client)
    fresh = fetch_options(client, ask)
    steps["options"] = _credits(client) - before
    got = _fetch_records(client, tz)
    drop = set(ask) | set(removed)
    credits = dict(old.meta.credits)
    for step, n in [*steps.items(), *got.credits.items()]:
        credits[step] = credits.get(step, 0) + n

    def merge(old_frame: pd.DataFrame, new_frame: pd.DataFrame) -> pd.DataFrame:
        kept = old_frame.loc[~isin(old_frame["lead_id"], drop)]
        both = pd.concat([kept, new_frame], ignore_index=True)
        order = pd.Series(range(len(new_ids)), index=new_ids)
        rank = both["lead_id"].map(order)
        return both.iloc[rank.argsort(kind="stable")].reset_index(drop=True)

    spent = _credits(client) - start
    report = RefreshReport(
        modified, added, retried, removed, spent, len(got.contacts), len(got.accounts)
    )
    meta = replace(
        old.meta,
        fetched_at=started,
        credits_spent=old.meta.credits_spent + spent,
        n_leads=len(leads),
        api_domain=_api_domain(client) or old.meta.api_domain,
        n_contacts=len(got.contacts),
        n_accounts=len(got.accounts),
        credits=credits,
        org_config=got.config.to_dict() if got.config is not None else None,
        refreshes=(
            *old.meta.refreshes,
            {
                "at": started,
                "modified": len(modified),
                "added": len(added),
                "retried": len(retried),
                "removed": len(removed),
                "contacts": len(got.contacts),
                "accounts": len(got.accounts),
                "credits_spent": spent,
            },
        ),
    )
    refreshed = Snapshot(
        leads=leads,
        options=conform(merge(old.options, fresh.options), OPTIONS_SCHEMA, name="options"),
        matches=conform(merge(old.matches, fresh.matches), MATCHES_SCHEMA, name="matches"),
        matched_fields=conform(
            merge(old.matched_fields, fresh.matched_fields), MATCHED_FIELDS_SCHEMA, name="mf"
        ),
        meta=meta,
        contacts=got.contacts,
        accounts=got.accounts,
    )
    if directory is not None and save:
        save_snapshot(refreshed, directory)
    return refreshed, report

"""`crmkit predict --data DIR --out DIR`: conversion options from an export, at zero credits."""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.frames import read_leads_csv
from crmkit.matching import api_cost, check_data_dir, predict_data_dir, read_module_csv
from crmkit.orgconfig import OrgConfig
from crmkit.snapshot import Snapshot, SnapshotMeta, check_snapshot_target, save_snapshot
from crmkit.wording import plural


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "predict",
        help="predict conversion options from exported CSVs (no API calls)",
        description="Predict Zoho's conversion options from exported CSVs (no API calls).",
        epilog=(
            "Reads a data directory (Leads.csv, Contacts.csv, Accounts.csv, org.json) and "
            "saves a snapshot like `crmkit fetch`."
        ),
    )
    p.add_argument("--data", required=True, type=Path, help="data directory (export)")
    p.add_argument("--out", required=True, type=Path, help="snapshot directory to write")
    p.add_argument("--edition", default=None, help="edition for the cost estimate (org.json)")
    p.add_argument(
        "--latency-ms", type=float, default=300.0, help="assumed Zoho latency per call (300)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    data: Path = args.data
    check_snapshot_target(args.out)
    started = time.perf_counter()
    fetched_at = datetime.now(UTC).isoformat()
    # The export is read and typed first: a bad cell is refused before anything is predicted.
    leads = read_leads_csv(check_data_dir(data) / "Leads.csv")
    prediction = predict_data_dir(data)
    if "Converted__s" in leads.columns:
        leads = leads[~leads["Converted__s"].fillna(False).astype(bool)].reset_index(drop=True)
    org: dict[str, Any] = {}
    if (data / "org.json").exists():
        org = json.loads((data / "org.json").read_text(encoding="utf-8"))
    raw_info = org.get("org")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    edition = args.edition or org.get("edition") or "enterprise"
    cost = api_cost(
        len(leads),
        edition,
        users=len(org.get("users") or []) or 1,
        latency_s=args.latency_ms / 1000,
    )
    # The snapshot keeps the org's records too, so a report shows near-duplicates from it.
    records = {
        module: read_module_csv(data / f"{module}.csv")
        if (data / f"{module}.csv").exists()
        else pd.DataFrame({"id": pd.Series(dtype="string")})
        for module in ("Contacts", "Accounts")
    }
    meta = SnapshotMeta(
        org_id=info.get("id"),
        org_name=info.get("name"),
        api_domain=None,
        fetched_at=fetched_at,
        credits_spent=0,
        n_leads=len(leads),
        fields=tuple(str(c) for c in leads.columns),
        source="predicted",
        extra={"data_dir": str(data.resolve()), "api_path": cost.__dict__},
        n_contacts=len(records["Contacts"]),
        n_accounts=len(records["Accounts"]),
        org_config=OrgConfig.from_data_dir(data).to_dict(),
    )
    snap = Snapshot(
        leads,
        prediction.options,
        prediction.matches,
        prediction.matched_fields,
        meta,
        contacts=records["Contacts"],
        accounts=records["Accounts"],
    )
    out = save_snapshot(snap, args.out)
    counts = prediction.options["outcome"].value_counts().to_dict()
    print(
        f"predicted {plural(len(prediction.options), 'lead')} in "
        f"{time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    )
    print(f"wrote {out}")
    print(str(cost) + f" ({edition} edition, {args.latency_ms:.0f} ms a call)")
    return 0

"""Small hand-built orgs (data directories) and the two ways of answering for them."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit import connect
from crmkit.frames import OptionsFrames, fetch_options
from crmkit.matching import Prediction, predict_data_dir
from crmkit.sandbox import Sandbox

Rows = Sequence[Mapping[str, str]]


def write_org(
    root: Path,
    leads: Rows,
    contacts: Rows = (),
    accounts: Rows = (),
    org: Mapping[str, Any] | None = None,
) -> Path:
    """Write a data directory (CSV headers = union of the rows' keys, `id` first)."""
    root.mkdir(parents=True, exist_ok=True)
    defaults = {"Leads": ["id", "Last_Name"], "Contacts": ["id", "Last_Name"]}
    defaults["Accounts"] = ["id", "Account_Name"]
    for module, rows in (("Leads", leads), ("Contacts", contacts), ("Accounts", accounts)):
        header = list(defaults[module])
        for r in rows:
            header += [k for k in r if k not in header]
        with (root / f"{module}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    if org is not None:
        (root / "org.json").write_text(json.dumps(org), encoding="utf-8")
    return root


def sandbox_answers(data: Path) -> OptionsFrames:
    """Ask a real sandbox (HTTP on loopback) about every unconverted lead of ``data``."""
    leads = pd.read_csv(data / "Leads.csv", dtype="string", keep_default_na=False)
    converted = leads["Converted__s"].str.lower() if "Converted__s" in leads else None
    ids = leads["id"] if converted is None else leads.loc[converted != "true", "id"]
    with Sandbox(data=data) as sb, connect(sandbox=sb, progress=False) as client:
        return fetch_options(client, ids.tolist())


def both(data: Path) -> tuple[OptionsFrames, Prediction]:
    return sandbox_answers(data), predict_data_dir(data)

"""`write_data_dir`: API-shaped records -> a data directory, the inverse of `load_data_dir`.

Apart from the loader (which validates) so each file has one direction; tests and benchmarks use it
to build small orgs by hand, and the loader re-exports it under its old name.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

Record = dict[str, Any]  # as in the loader, which imports this module


def write_data_dir(
    path: str | Path,
    *,
    leads: list[Record],
    contacts: list[Record] | None = None,
    accounts: list[Record] | None = None,
    deals: list[Record] | None = None,
    org: dict[str, Any] | None = None,
) -> Path:
    """Write records (API-shaped dicts) as a data directory: the inverse of `load_data_dir`.

    Lookups given as `{"id": …, "name": …}` become `Field.id`/`Field.name` columns, tag lists
    become `;`-joined names, booleans `true`/`false`. Handy for small hand-built orgs.
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    tables = {"Leads": leads, "Contacts": contacts or [], "Accounts": accounts or []}
    if deals is not None:
        tables["Deals"] = deals
    for module, recs in tables.items():
        rows = [_flatten(r) for r in recs]
        header: list[str] = ["id"]
        for row in rows:
            header += [k for k in row if k not in header]
        with (root / f"{module}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow([row.get(h, "") for h in header])
    if org is not None:
        (root / "org.json").write_text(json.dumps(org, indent=2), encoding="utf-8")
    return root


def _flatten(rec: Record) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in rec.items():
        if isinstance(value, dict):
            out[f"{key}.id"] = str(value.get("id", ""))
            if value.get("name") is not None:
                out[f"{key}.name"] = str(value["name"])
        elif isinstance(value, list):
            out[key] = ";".join(v["name"] if isinstance(v, dict) else str(v) for v in value)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif value is None:
            out[key] = ""
        else:
            out[key] = str(value)
    return out

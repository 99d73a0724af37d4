"""A large synthetic sandbox org for bench/bulk_bench.py, written straight into a store file.

Loading a million-lead data directory through the sandbox's validating loader would measure the
loader; the bench measures the export and the prediction. So a tiny data directory seeds the
store (org.json with users and Phone unique in Contacts, one record per module), and the records
are inserted with `Store.insert_many` into the same SQLite file. `crmkit sandbox --data DIR --db
FILE` then serves the file as it is (the seed fingerprint matches, so nothing is reset).

A third of the leads are planted duplicates: the Phone of a contact (Phone is unique in
Contacts), the Email of a contact, the Company of an account, or the name of a contact; the rest
match nothing. Contacts and Accounts get the value index matching reads; leads do not need it
(a lead is never matched against).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from crmkit.sandbox.loader import load_data_dir, write_data_dir
from crmkit.sandbox.runtime import Runtime

N_USERS = 20
LEAD_BASE = 4_876_876_001_000_000_000
CONTACT_BASE = 4_876_876_002_000_000_000
ACCOUNT_BASE = 4_876_876_003_000_000_000
SOURCES = ("Advertisement", "Cold Call", "Partner", "Trade Show", "Web Download", "Chat")
STATUSES = ("Attempted to Contact", "Contacted", "Not Contacted", "Pre-Qualified")
BATCH = 50_000


def users() -> list[dict[str, Any]]:
    return [
        {
            "id": str(4_876_876_000_000_225_001 + i),
            "first_name": f"User{i}",
            "last_name": "Owner",
            "full_name": f"User{i} Owner",
            "email": f"user{i}@zylker.test",
            "role": "Sales Representative",
            "profile": "Standard",
            "status": "active",
        }
        for i in range(N_USERS)
    ]


def _owner(i: int, people: list[dict[str, Any]]) -> dict[str, str]:
    u = people[i % len(people)]
    return {"id": u["id"], "name": u["full_name"], "email": u["email"]}


def _time(i: int) -> str:
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    return f"2025-{month:02d}-{day:02d}T{i % 24:02d}:{i % 60:02d}:00+05:30"


def seed_dir(path: Path) -> Path:
    """The tiny data directory that seeds the store (and its fingerprint)."""
    people = users()
    owner = {"id": people[0]["id"], "name": people[0]["full_name"]}
    org = {
        "edition": "enterprise",
        "org_name": "Bulk Bench Corp",
        "users": people,
        "unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
    }
    return write_data_dir(
        path,
        leads=[{"id": "1000", "Last_Name": "Seed", "Owner": owner}],
        contacts=[{"id": "2000", "Last_Name": "Seed", "Owner": owner}],
        accounts=[{"id": "3000", "Account_Name": "Seed Account", "Owner": owner}],
        org=org,
    )


def _accounts(n: int, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(ACCOUNT_BASE + i),
            "Account_Name": f"Company {i} Ltd",
            "Phone": f"+1 415 {i // 10000:03d} {i % 10000:04d}",
            "Website": f"www.company{i}.com",
            "Owner": _owner(i, people),
            "Created_Time": _time(i),
            "Modified_Time": _time(i + 7),
            "Tag": [],
            "Locked__s": False,
            "$approval_state": "approved",
            "Layout": {"name": "Standard", "id": "4876876000000091055"},
        }
        for i in range(n)
    ]


def _contact(i: int, n_accounts: int, people: list[dict[str, Any]]) -> dict[str, Any]:
    a = (i * 7) % max(n_accounts, 1)
    first, last = f"Cf{i % 3000}", f"Cl{i % 7001}"
    return {
        "id": str(CONTACT_BASE + i),
        "First_Name": first,
        "Last_Name": last,
        "Full_Name": f"{first} {last}",
        "Email": f"c{i}@company{a}.com",
        "Phone": f"+1 212 {i // 10000:03d} {i % 10000:04d}",
        "Mobile": None,
        "Account_Name": {"id": str(ACCOUNT_BASE + a), "name": f"Company {a} Ltd"},
        "Owner": _owner(i, people),
        "Created_Time": _time(i),
        "Modified_Time": _time(i + 3),
        "Tag": [],
        "Locked__s": i % 97 == 0,
        "$approval_state": "approved",
    }


def _lead(
    i: int, rng: random.Random, n_contacts: int, n_accounts: int, people: list[dict[str, Any]]
) -> dict[str, Any]:
    first, last = f"Lf{i % 3001}", f"Ll{i % 6997}"
    rec: dict[str, Any] = {
        "id": str(LEAD_BASE + i),
        "First_Name": first,
        "Last_Name": last,
        "Full_Name": f"{first} {last}",
        "Email": f"l{i}@lead{i % 50_000}.net",
        "Phone": f"+44 20 {i // 10000:04d} {i % 10000:04d}",
        "Mobile": None,
        "Company": f"Lead Co {i}",
        "Designation": "Engineer",
        "Lead_Source": SOURCES[i % len(SOURCES)],
        "Lead_Status": STATUSES[i % len(STATUSES)],
        "Industry": None,
        "Owner": _owner(i, people),
        "Created_Time": _time(i),
        "Modified_Time": _time(i + 1),
        "Tag": [{"name": "VIP", "id": "4876876000000500001"}] if i % 50 == 0 else [],
        "Locked__s": i % 211 == 0,
        "$approval_state": "pending" if i % 307 == 0 else "approved",
        "Converted__s": i % 101 == 0,
    }
    route = rng.randrange(12)
    if route < 4 and n_contacts:
        c = rng.randrange(n_contacts)
        a = (c * 7) % max(n_accounts, 1)
        if route == 0:
            rec["Phone"] = f"+1 212 {c // 10000:03d} {c % 10000:04d}"
        elif route == 1:
            rec["Email"] = f"c{c}@company{a}.com"
        elif route == 2 and n_accounts:
            rec["Company"] = f"Company {rng.randrange(n_accounts)} Ltd"
        else:
            rec["First_Name"], rec["Last_Name"] = f"Cf{c % 3000}", f"Cl{c % 7001}"
            rec["Full_Name"] = f"{rec['First_Name']} {rec['Last_Name']}"
    return rec


def build(
    root: Path, *, leads: int, contacts: int, accounts: int, seed: int = 7
) -> tuple[Path, Path]:
    """Write the seed directory and the store file under `root`; (data dir, db file)."""
    root.mkdir(parents=True, exist_ok=True)
    data = seed_dir(root / "seed")
    db = root / "org.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    # seeded exactly as `crmkit sandbox --db` seeds (same fingerprint), so serving keeps it
    store = Runtime.create(load_data_dir(data), db=str(db)).store
    store.conn.execute("PRAGMA synchronous=OFF")  # a scratch file: no need to wait for the disk
    try:
        people = users()
        rng = random.Random(seed)
        store.insert_many("Accounts", _accounts(accounts, people))
        for start in range(0, contacts, BATCH):
            chunk = [
                _contact(i, accounts, people) for i in range(start, min(contacts, start + BATCH))
            ]
            store.insert_many("Contacts", chunk)
        for start in range(0, leads, BATCH):
            stop = min(leads, start + BATCH)
            chunk = [_lead(i, rng, contacts, accounts, people) for i in range(start, stop)]
            store.insert_many("Leads", chunk, index=False)
        store.set_meta("next_id", ACCOUNT_BASE + 10**12)  # above every planted id
    finally:
        store.close()
    return data, db


if __name__ == "__main__":
    import sys

    out = Path(sys.argv[1])
    d, f = build(out, leads=int(sys.argv[2]), contacts=int(sys.argv[3]), accounts=int(sys.argv[4]))
    print(json.dumps({"data": str(d), "db": str(f)}))

"""Bulk Read end to end at scale: a million-lead org exported and predicted, beside the API path.

1. The org (bench/bulk_org.py: 1,000,000 leads, 500,000 contacts, 150,000 accounts by default, a
   third of the leads planted duplicates) is built in a child process and served by
   `crmkit sandbox --db` in another, so this process's peak RSS is the client's alone.
2. Bulk path: `crmkit.bulkfetch.fetch_snapshot_bulk` (Leads, Contacts, Accounts by Bulk Read with
   Zoho's 200,000 records a page, the prediction, `--verify` leads asked of Zoho) and
   `save_snapshot`: wall time per step, peak RSS, calls and credits from the client's ledger, and
   the sandbox's own peak RSS.
3. API path, measured in the same run on a sample at the Enterprise ceiling (20 in flight) with
   Zoho-like latency (`--latency-ms`, 300): conversion options for `--sample` leads and
   `--pages` listing pages one after another, extrapolated to the org's counts.

Run: .venv/bin/python bench/bulk_bench.py [--leads N] [--contacts N] [--accounts N]
     [--verify 200] [--sample 2000] [--pages 20] [--latency-ms 300] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADMIN_KEY = "bulk-bench-admin"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def build(root: Path, leads: int, contacts: int, accounts: int) -> tuple[Path, Path, float]:
    start = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bulk_org.py"),
            str(root),
            str(leads),
            str(contacts),
            str(accounts),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    paths = json.loads(out.stdout.strip().splitlines()[-1])
    return Path(paths["data"]), Path(paths["db"]), time.perf_counter() - start


def serve(data: Path, db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crmkit",
            "sandbox",
            "--data",
            str(data),
            "--db",
            str(db),
            "--edition",
            "enterprise",
            "--admin-key",
            ADMIN_KEY,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "listening on" in line:
            return proc, line.strip().rsplit(" ", 1)[-1]
    raise RuntimeError("the sandbox did not start")


def environ(url: str, scratch: Path) -> dict[str, str]:
    return {
        "ZOHO_CLIENT_ID": "sandbox-client",
        "ZOHO_CLIENT_SECRET": "sandbox-secret",
        "ZOHO_REFRESH_TOKEN": "sandbox-refresh",
        "ZOHO_TOKEN_URL": url + "/oauth/v2/token",
        "ZOHO_API_DOMAIN": url,
        "ZOHO_EDITION": "enterprise",
        "CRMKIT_CONFIG": str(scratch / "absent.toml"),
        "XDG_CACHE_HOME": str(scratch / "cache"),
    }


def bulk_path(work: Path, verify: int) -> dict[str, Any]:
    import crmkit
    from crmkit.bulkfetch import fetch_snapshot_bulk
    from crmkit.snapshot import save_snapshot

    start = time.perf_counter()
    with crmkit.connect(progress=False) as client:
        counts = {m: client.record_count(m) for m in ("Leads", "Contacts", "Accounts")}
        snap, verification = fetch_snapshot_bulk(
            client, workdir=work / "bulk-work", verify=verify, seed=1
        )
        fetched = time.perf_counter() - start
        save_snapshot(snap, work / "snapshot")
        usage = client.usage
    wall = time.perf_counter() - start
    return {
        "counts": counts,
        "wall_s": round(wall, 1),
        "fetch_s": round(fetched, 1),
        "steps_s": snap.meta.extra.get("seconds", {}),
        "calls": dict(usage.calls),
        "credits": dict(usage.credits),
        "total_calls": sum(usage.calls.values()),
        "total_credits": int(usage.credits_used),
        "rss_mb": round(rss_mb()),
        "leads": snap.meta.n_leads,
        "matched": int((snap.options["outcome"] == "matched").sum()),
        "verification": None if verification is None else str(verification),
    }


def api_sample(url: str, sample: int, pages: int, latency_ms: int) -> dict[str, Any]:
    import crmkit
    from crmkit.sandbox.server import SandboxControl

    control = SandboxControl(url, ADMIN_KEY)
    control.configure(latency_ms=latency_ms)
    try:
        with crmkit.connect(progress=False) as client:
            ids: list[str] = []
            start = time.perf_counter()
            for i, page in enumerate(client.iter_pages("Leads", ["Last_Name", "Email"])):
                ids += [r["id"] for r in page]
                if i + 1 >= pages:
                    break
            listing = time.perf_counter() - start
            start = time.perf_counter()
            client.conversion_options_many(ids[:sample])
            options = time.perf_counter() - start
            concurrency = client.concurrency
    finally:
        control.configure(latency_ms=0)
    return {
        "pages": pages,
        "listing_s": listing,
        "per_page_s": listing / pages,
        "sample": min(sample, len(ids)),
        "options_s": options,
        "per_option_s": options / min(sample, len(ids)),
        "concurrency": concurrency,
        "latency_ms": latency_ms,
    }


def extrapolate(counts: dict[str, int], sample: dict[str, Any]) -> dict[str, Any]:
    pages = sum(max(1, math.ceil(n / 200)) for n in counts.values())
    leads = counts["Leads"]
    calls = pages + leads + 8  # + metadata
    seconds = pages * sample["per_page_s"] + leads * sample["per_option_s"]
    return {"calls": calls, "credits": calls, "seconds": seconds, "listing_pages": pages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=500_000)
    parser.add_argument("--accounts", type=int, default=150_000)
    parser.add_argument("--verify", type=int, default=200)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="crmkit-bulk-bench-"))
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    try:
        data, db, built = build(scratch / "org", args.leads, args.contacts, args.accounts)
        print(f"org built in {built:.0f} s ({db.stat().st_size / 1e9:.2f} GB store)", flush=True)
        proc, url = serve(data, db)
        try:
            os.environ.update(environ(url, scratch))
            bulk = bulk_path(scratch, args.verify)
            server_mb = proc_hwm_mb(proc.pid)
            print(json.dumps(bulk, indent=1), flush=True)
            sample = api_sample(url, args.sample, args.pages, args.latency_ms)
        finally:
            proc.terminate()  # the sandbox stops as on Ctrl-C: store closed, result files deleted
            proc.wait(timeout=60)
        api = extrapolate(bulk["counts"], sample)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    after = os.getloadavg()
    result = {
        "bulk": bulk,
        "server_rss_mb": None if server_mb is None else round(server_mb),
        "api_sample": sample,
        "api_extrapolated": api,
        "load_before": load,
        "load_after": after,
    }
    from crmkit.fetch_estimate import _duration

    print(
        f"\nBulk Read path: {bulk['counts']['Leads']:,} leads exported and predicted in "
        f"{bulk['wall_s']:.0f} s, peak RSS {bulk['rss_mb']:,} MB (sandbox "
        f"{result['server_rss_mb']} MB), {bulk['total_calls']:,} calls, "
        f"{bulk['total_credits']:,} credits"
        f"\nAPI path (measured on {sample['sample']:,} leads and {sample['pages']} pages at "
        f"{sample['concurrency']} in flight, {args.latency_ms} ms a call): {api['calls']:,} calls, "
        f"{api['credits']:,} credits, about {_duration(api['seconds'])}"
        f"\nload average after: {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

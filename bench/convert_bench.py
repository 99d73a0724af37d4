"""Conversion throughput and credits: 1,000 create-new leads against the sandbox at 200 ms latency.

Ceiling: Convert Lead runs in Zoho's sub-concurrency pool of 10, so at 200 ms per call no client
can convert faster than 10 / 0.2 = 50 leads/s. The run converts the same plan twice on fresh
sandboxes — one Convert Lead per lead, then Mass Convert (jobs of 50 + a read-back per lead) — and
prints throughput as a share of that ceiling and the credits each spent (from the client's own
ledger). Re-check and before/after copies are off here so the figure measures the convert path;
`--full` runs the single path with them on as well.

    .venv/bin/python bench/convert_bench.py [--leads 1000] [--latency-ms 200] [--full]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from crmkit.connection import connect
from crmkit.conversion import estimate, execute, make_plan
from crmkit.sandbox import Sandbox
from crmkit.sandbox.loader import write_data_dir

OWNER = "1000000000000000901"


def _org(n: int) -> dict[str, Any]:
    leads = [
        {
            "id": f"7000000000000{i:06d}",
            "Last_Name": f"Bench{i}",
            "Company": f"Bench Co {i}",
            "Email": f"bench{i}@bench.com",
            "Owner": {"id": OWNER},
        }
        for i in range(n)
    ]
    org = {
        "users": [{"id": OWNER, "full_name": "Ava", "email": "ava@x.com"}],
        "edition": "enterprise",
    }
    return {"leads": leads, "contacts": [], "accounts": [], "org": org}


def _run(data: Path, n: int, latency_ms: int, mode: str, full: bool) -> dict[str, Any]:
    plan = make_plan(
        [
            {
                "lead_id": f"7000000000000{i:06d}",
                "contact_action": "create",
                "account_action": "create",
            }
            for i in range(n)
        ]
    )
    with Sandbox(data, latency_ms=latency_ms) as sb, tempfile.TemporaryDirectory() as tmp:
        client = connect(
            client_id=sb.credentials.client_id,
            client_secret=sb.credentials.client_secret,
            refresh_token=sb.credentials.refresh_token,
            token_url=sb.token_url,
            token_cache=False,
            progress=False,
        )
        with client:
            client.org()  # token and edition before the clock starts
            est = estimate(
                plan,
                mode=mode,
                recheck=full,
                snapshots=full,
                concurrency=client.concurrency,
                latency_s=latency_ms / 1000,
                poll_interval=0.5,
            )
            start = time.perf_counter()
            report = execute(
                client,
                plan,
                journal=Path(tmp) / "j.sqlite",
                mode=mode,
                recheck=full,
                snapshots=full,
                progress=False,
                poll_interval=0.5,
            )
            seconds = time.perf_counter() - start
            usage = client.usage
        converted = int((report.results["outcome"] == "converted").sum())
        return {
            "mode": mode + (" +recheck +copies" if full else ""),
            "seconds": seconds,
            "converted": converted,
            "rate": converted / seconds,
            "credits": usage.credits_used - 1,
            "calls": sum(usage.calls.values()) - 1,
            "estimated_credits": est.total_credits,
            "estimated_s": est.seconds,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    ceiling = 10 / (args.latency_ms / 1000)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_data_dir(Path(tmp) / "org", **_org(args.leads))
        runs = [
            _run(data, args.leads, args.latency_ms, "single", False),
            _run(data, args.leads, args.latency_ms, "mass", False),
        ]
        if args.full:
            runs.append(_run(data, args.leads, args.latency_ms, "single", True))
    single = runs[0]
    print(
        f"{args.leads} leads, {args.latency_ms} ms latency, ceiling {ceiling:.0f} converts/s "
        "(10 in flight)"
    )
    for r in runs:
        print(
            f"  {r['mode']:<26} {r['converted']:>5} converted in {r['seconds']:6.1f} s = "
            f"{r['rate']:5.1f} leads/s ({r['rate'] / ceiling:6.1%} of ceiling); "
            f"{r['calls']} calls, {r['credits']} credits "
            f"({r['credits'] / single['credits']:.2f}x single; estimated "
            f"{r['estimated_credits']} credits, {r['estimated_s']:.0f} s)"
        )


if __name__ == "__main__":
    main()

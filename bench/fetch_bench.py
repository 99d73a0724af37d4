"""Conversion options for many leads: crmkit's client against the concurrency ceiling.

Sandbox with Zoho's Enterprise limits (20 requests in flight) and 200 ms latency per call, so the
ceiling is 20 / 0.2 s = 100 requests/s. Three measurements in one run:

1. `conversion_options_many` on N leads (default 2,000): requests/s and share of the ceiling
   (must be >= 90%), every lead answered.
2. A plain sequential loop (one call after another) over a sample of the same leads,
   extrapolated to N; the ratio of the two times.
3. The sandbox's concurrency limit set below the client's (default 10 < 20): the same batch must
   still finish every lead, the 429s absorbed by backoff and the client's adaptive ceiling.

Run: .venv/bin/python bench/fetch_bench.py [--leads 2000] [--latency-ms 200] [--sequential 100]
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import time
from pathlib import Path

from crmkit.api import ConversionOptions, CRMClient
from crmkit.connection import connect
from crmkit.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]


def usable_lead_ids(n: int) -> list[str]:
    """Sample leads whose conversion options answer (not converted, locked or unapproved)."""
    with (ROOT / "sample_data" / "Leads.csv").open(encoding="utf-8") as fh:
        rows = [
            r["id"]
            for r in csv.DictReader(fh)
            if r["Converted__s"] != "true"
            and r["Locked__s"] != "true"
            and r["$approval_state"] == "approved"
        ]
    if len(rows) < n:
        sys.exit(f"only {len(rows)} usable leads in sample_data, asked for {n}")
    return rows[:n]


def client_for(sb: Sandbox, edition: str) -> CRMClient:
    return connect(sandbox=sb, edition=edition, progress=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--edition", default="enterprise")
    parser.add_argument("--sequential", type=int, default=100, help="leads in the sequential loop")
    parser.add_argument("--org-limit", type=int, default=10, help="sandbox limit in run 3")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    ids = usable_lead_ids(args.leads)

    with Sandbox(edition=args.edition, latency_ms=args.latency_ms) as sb:
        client = client_for(sb, args.edition)
        limit = client.concurrency
        ceiling = limit / (args.latency_ms / 1000)
        client.conversion_options(ids[0])  # token fetch out of the timing

        start = time.perf_counter()
        results = client.conversion_options_many(ids)
        elapsed = time.perf_counter() - start
        answered = sum(isinstance(r, ConversionOptions) for r in results)
        rate = len(ids) / elapsed
        usage = client.usage
        print(f"cpu cores: {os.cpu_count()}, sandbox in-process, loopback HTTP")
        print(
            f"[1] concurrent: {len(ids)} leads in {elapsed:.2f} s = {rate:.1f} req/s; "
            f"ceiling {ceiling:.0f} req/s ({limit} in flight / {args.latency_ms} ms) -> "
            f"{rate / ceiling:.1%} of ceiling; answered {answered}/{len(ids)}; "
            f"429s {usage.throttled}, retries {usage.retries}, peak in flight "
            f"{client.limiter.peak}"
        )

        sample = ids[: args.sequential]
        start = time.perf_counter()
        for lead_id in sample:
            client.conversion_options(lead_id)
        seq_elapsed = time.perf_counter() - start
        seq_total = seq_elapsed / len(sample) * len(ids)
        print(
            f"[2] sequential loop: {len(sample)} leads in {seq_elapsed:.2f} s "
            f"({len(sample) / seq_elapsed:.2f} req/s), extrapolated to {len(ids)} leads: "
            f"{seq_total:.1f} s -> crmkit is {seq_total / elapsed:.1f}x faster"
        )
        client.close()

        sb.control.configure(concurrency=args.org_limit)
        client = client_for(sb, args.edition)
        client.conversion_options(ids[0])
        start = time.perf_counter()
        results = client.conversion_options_many(ids)
        elapsed3 = time.perf_counter() - start
        answered3 = sum(isinstance(r, ConversionOptions) for r in results)
        errors = [r for r in results if not isinstance(r, ConversionOptions)]
        usage = client.usage
        org_ceiling = args.org_limit / (args.latency_ms / 1000)
        print(
            f"[3] org limit {args.org_limit} < client {limit}: {answered3}/{len(ids)} answered "
            f"in {elapsed3:.2f} s = {len(ids) / elapsed3:.1f} req/s "
            f"({len(ids) / elapsed3 / org_ceiling:.1%} of that org's {org_ceiling:.0f} req/s); "
            f"429s absorbed {usage.throttled}, retries {usage.retries}, client ceiling settled "
            f"at {client.limiter.limit}"
        )
        client.close()
    ok = answered == len(ids) and answered3 == len(ids) and rate >= 0.9 * ceiling
    if errors:
        print("errors in run 3:", errors[:3])
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

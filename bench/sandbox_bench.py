"""How fast the sandbox answers Lead Conversion Options, against baselines measured in the same run.

The sandbox runs as `crmkit sandbox` in its own process (edition ultimate, so 25 requests may be in
flight); clients are asyncio tasks on one httpx.AsyncClient in this process. Figures:

1. conversion options, no added latency, 16 concurrent clients: the sandbox's own throughput;
2. `users?type=CurrentUser` the same way: a trivial endpoint, the baseline of HTTP + framework cost;
3. conversion options with `--latency-ms 200` and 25 clients: what a client saturating Zoho's
   highest concurrency can reach — 25 / 0.2 s = 125 req/s if the sandbox adds nothing.

The sandbox must stay far above (3): a client benchmark must never measure the sandbox.
Writes the figures into docs/performance.md, section "Sandbox".
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DURATION_S = 4.0
SECTION = "## Sandbox"


def start(latency_ms: int, admin_key: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crmkit.cli",
            "sandbox",
            "--edition",
            "ultimate",
            "--latency-ms",
            str(latency_ms),
            "--admin-key",
            admin_key,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    match = re.match(r"crmkit sandbox listening on (http://\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return proc, match.group(1)


async def measure(url: str, paths: list[str], clients: int, duration_s: float) -> tuple[float, int]:
    """Requests/s of `clients` concurrent loops over `paths`; also the number of non-2xx answers."""
    async with httpx.AsyncClient(
        base_url=url, timeout=30, limits=httpx.Limits(max_connections=clients + 4)
    ) as http:
        tok = await http.post(
            "/oauth/v2/token",
            data={
                "grant_type": "refresh_token",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
                "refresh_token": "sandbox-refresh",
            },
        )
        headers = {"Authorization": f"Zoho-oauthtoken {tok.json()['access_token']}"}
        done = 0
        bad = 0
        stop = time.perf_counter() + duration_s

        async def loop(offset: int) -> None:
            nonlocal done, bad
            i = offset
            while time.perf_counter() < stop:
                r = await http.get(paths[i % len(paths)], headers=headers)
                i += clients
                done += 1
                bad += r.status_code >= 300 and r.status_code != 204

        t0 = time.perf_counter()
        await asyncio.gather(*(loop(k) for k in range(clients)))
        return done / (time.perf_counter() - t0), bad


def lead_paths() -> list[str]:
    with (ROOT / "sample_data" / "Leads.csv").open(newline="", encoding="utf-8") as fh:
        ids = [
            row["id"]
            for row in csv.DictReader(fh)
            if row.get("Converted__s") != "true"
            and row.get("Locked__s") != "true"
            and row.get("$approval_state", "approved") in ("", "approved")
        ]
    return [f"/crm/v8/Leads/{i}/__conversion_options" for i in ids]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(latency_ms: int, paths: list[str], clients: int) -> tuple[float, int, float]:
    """(requests/s, error answers, server CPU ms per request)."""
    proc, url = start(latency_ms, secrets.token_urlsafe(12))
    try:
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.perf_counter()
        rps, bad = asyncio.run(measure(url, paths, clients, DURATION_S))
        n = rps * (time.perf_counter() - t0)
        return rps, bad, 1000 * (cpu_seconds(proc.pid) - cpu0) / max(n, 1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def write_section(text: str) -> None:
    path = ROOT / "docs" / "performance.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# crmkit performance\n"
    start_at = current.find(SECTION + "\n")
    if start_at >= 0:
        end = current.find("\n## ", start_at + len(SECTION))
        current = current[:start_at] + current[end + 1 :] if end >= 0 else current[:start_at]
    path.write_text(current.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main() -> int:
    options = lead_paths()
    trivial = ["/crm/v8/users?type=CurrentUser"]
    opt_rps, opt_bad, opt_cpu = run(0, options, 16)
    base_rps, base_bad, base_cpu = run(0, trivial, 16)
    sat_rps, sat_bad, _ = run(200, options, 25)
    need = 25 / 0.2
    capacity = 1000 / opt_cpu if opt_cpu else float("nan")
    print(f"conversion options, 16 clients, no latency : {opt_rps:8.0f} req/s ({opt_bad} non-2xx)")
    print(
        f"users?type=CurrentUser (trivial baseline)    : {base_rps:8.0f} req/s ({base_bad} non-2xx)"
    )
    print(
        f"conversion options, 25 clients, 200 ms       : {sat_rps:8.0f} req/s ({sat_bad} non-2xx)"
    )
    print(f"needed to saturate 25 in flight at 200 ms    : {need:8.0f} req/s")
    print(f"sandbox CPU per request: options {opt_cpu:.2f} ms, trivial {base_cpu:.2f} ms")
    print(
        f"one core of sandbox serves ~{capacity:,.0f} options req/s = {capacity / need:.0f}x needed"
    )
    print(
        f"ratio options / needed {opt_rps / need:.1f}x; options / trivial {opt_rps / base_rps:.2f}"
    )
    write_section(
        f"""{SECTION}
`bench/sandbox_bench.py` (`crmkit sandbox --edition ultimate` in its own process, clients are
asyncio tasks on one `httpx.AsyncClient`, loopback, the bundled sample org, shared 2-core machine;
clients and server share the two cores, so these figures are lower than the sandbox alone could
reach; other engineers' jobs ran at the same time).

| measurement | requests/s |
|---|---|
| Lead Conversion Options, 16 concurrent clients, no added latency | {opt_rps:,.0f} |
| `users?type=CurrentUser` (trivial endpoint, same setup: baseline) | {base_rps:,.0f} |
| Lead Conversion Options, 25 clients, `--latency-ms 200` | {sat_rps:,.0f} |
| needed to keep Zoho's highest concurrency (25) busy at 200 ms | {need:,.0f} |

Sandbox CPU per request (from /proc, the server process alone): conversion options
{opt_cpu:.2f} ms, trivial endpoint {base_cpu:.2f} ms — one core of sandbox serves about
{capacity:,.0f} conversion-options requests/s, {capacity / need:.0f}x the 125 req/s a client needs.

The requests/s rows are bound by the single client process (httpx's async client spends more CPU
per request than the sandbox does), so they are a floor: even so, conversion options run at
{opt_rps / need:.1f}x what a client at the concurrency ceiling needs, and at
{opt_rps / base_rps:.0%} of the trivial endpoint — the matching (indexed SQLite lookups per
field) costs little next to HTTP handling. With 200 ms of added latency the 25 clients reach
{sat_rps / need:.0%} of the 25/0.2 s ceiling: latency is slept concurrently, and a client
benchmark measures the client, not the sandbox.
(Error answers: {opt_bad}, {base_bad}, {sat_bad}.)
"""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

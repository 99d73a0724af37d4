"""Near-duplicates: crmkit beside Splink and a plain rapidfuzz baseline, on labelled orgs.

    python bench/neardup_bench.py [--sizes 5k,100k,1m] [--source independent,crmkit]
                                  [--matchers crmkit,splink,rapidfuzz] [--work DIR]

Orgs (leads x contacts x accounts): 5k = 5,000 x 3,000 x 1,200 (crmkit's is the bundled sample),
100k = 100,000 x 100,000 x 30,000, 1m = 100,000 x 1,000,000 x 300,000; or LxCxA. Sources:
`independent` (bench/independent_org.py, built without crmkit) and `crmkit` (`crmkit
sample-data`). Each org is built once into --work and reused.

Each matcher runs alone in a child process (bench/neardup_matchers.py); the bench reads its wall
time and its peak RSS (os.wait4's rusage of that child). Quality is crmkit.neardup_eval's, the
same for all: every matcher's pairs get `zoho_exact` from one prediction of Zoho's exact
matches (crmkit.matching, outside the timings), so an exact match no truth file labels is not
held against anyone, and only leads Zoho answers for are scored (a locked or unapproved lead
gets an error, and truth files label none of them). Prints a markdown table and the
crmkit/Splink ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from crmkit.matching import predict_data_dir  # noqa: E402
from crmkit.neardup_eval import by_variant, quality_table, read_truth  # noqa: E402

SIZES = {
    "5k": (5_000, 3_000, 1_200),
    "100k": (100_000, 100_000, 30_000),
    "1m": (100_000, 1_000_000, 300_000),
}
ROUTES = ("phone", "email", "name", "company")
MODULES = ("Leads", "Contacts", "Accounts")


def size_of(label: str) -> tuple[int, int, int]:
    if label in SIZES:
        return SIZES[label]
    parts = [int(x) for x in label.lower().split("x")]
    if len(parts) != 3:
        raise SystemExit(f"--sizes {label!r}: give 5k, 100k, 1m or LEADSxCONTACTSxACCOUNTS")
    return parts[0], parts[1], parts[2]


def org_dir(work: Path, source: str, label: str) -> Path:
    """The org of this source and size, built on first use."""
    leads, contacts, accounts = size_of(label)
    if source == "crmkit" and label == "5k":
        return ROOT / "sample_data"
    out = work / f"{source}-{leads}x{contacts}x{accounts}"
    if (out / "near_duplicates_truth.csv").exists():
        return out
    started = time.perf_counter()
    if source == "independent":
        from independent_org import build

        build(out, leads=leads, contacts=contacts, accounts=accounts)
    else:
        cmd = [sys.executable, "-m", "crmkit", "sample-data", "--out", str(out), "--leads",
               str(leads), "--contacts", str(contacts), "--accounts", str(accounts),
               "--no-verify"]  # fmt: skip
        subprocess.run(cmd, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    print(f"built {out.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out


# The plain baseline's address space is capped, so where it cannot cope (its name and company
# blocks explode at 1M contacts) it fails alone with a MemoryError instead of the kernel's OOM
# killer taking a process of its choosing. Not the others: DuckDB and Arrow reserve far more
# address space than they use, so a cap would fail them on memory they never touch.
MEMORY_CAP_GB = 16
CAPPED = ("rapidfuzz",)


def _cap_memory() -> None:
    cap = MEMORY_CAP_GB << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run_matcher(matcher: str, data: Path, out: Path, threshold: float) -> tuple[float, float] | str:
    """Wall seconds and peak RSS (MB) of one matcher in its own process, or why it failed."""
    started = time.perf_counter()
    cmd = [sys.executable, str(BENCH / "neardup_matchers.py"), matcher, str(data), str(out)]
    cmd += [str(threshold)] if matcher == "splink" else []
    child = subprocess.Popen(
        cmd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=_cap_memory if matcher in CAPPED else None,
    )
    _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        cap = f"; {MEMORY_CAP_GB} GB cap" if matcher in CAPPED else ""
        return f"failed after {time.perf_counter() - started:.0f} s (exit {code}{cap})"
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def exact_pairs(data: Path) -> tuple[pd.DataFrame, set[str]]:
    """Zoho's exact matches (predicted), and the leads Zoho answers for (not an error)."""
    pred = predict_data_dir(data)
    matches = pred.matches[["lead_id", "module", "record_id"]].dropna().astype("string")
    answered = set(pred.options.loc[pred.options["outcome"] != "error", "lead_id"].astype(str))
    return matches.drop_duplicates(), answered


def scored(pairs_csv: Path, exact: pd.DataFrame, answered: set[str]) -> pd.DataFrame:
    """A matcher's pairs of the leads Zoho answers for (truth files label only those)."""
    pairs = pd.read_csv(pairs_csv, dtype="string", keep_default_na=False)
    pairs = pairs[["lead_id", "module", "record_id", "route", "score"]]
    pairs = pairs[pairs["lead_id"].isin(answered)]
    pairs = pairs.merge(exact.assign(zoho_exact=True), on=["lead_id", "module", "record_id"],
                        how="left")  # fmt: skip
    pairs["zoho_exact"] = pairs["zoho_exact"].astype("boolean").fillna(False)
    pairs["score"] = pairs["score"].astype("Float64")
    return pairs


def _pr(q: pd.DataFrame, route: str) -> str:
    if route not in q.index:
        return "–"
    p, r = q.loc[route, "precision"], q.loc[route, "recall"]
    return f"{'–' if pd.isna(p) else f'{p:.3f}'} / {'–' if pd.isna(r) else f'{r:.3f}'}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5k")
    ap.add_argument("--source", default="independent,crmkit")
    ap.add_argument("--matchers", default="crmkit,splink,rapidfuzz")
    ap.add_argument("--work", type=Path, default=Path("/tmp/crmkit-neardup-bench"))
    ap.add_argument(
        "--splink-threshold",
        type=float,
        default=0.9,
        help="match probability a lead's best Splink match needs (0.9, fixed before any run)",
    )
    ap.add_argument(
        "--variants", action="store_true", help="also print each labelled variant's share found"
    )
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows, ratios = [], []
    load = os.getloadavg()
    for label in args.sizes.split(","):
        for source in args.source.split(","):
            data = org_dir(args.work, source, label)
            truth = read_truth(data / "near_duplicates_truth.csv")
            exact, answered = exact_pairs(data)
            n = [len(pd.read_csv(data / f"{m}.csv", usecols=["id"], dtype=str)) for m in MODULES]
            name = f"{n[0]:,} × {n[1]:,} × {n[2]:,} ({source})"
            times: dict[str, tuple[float, float]] = {}
            for matcher in args.matchers.split(","):
                out = args.work / f"pairs-{data.name}-{matcher}.csv"
                ran = run_matcher(matcher, data, out, args.splink_threshold)
                if isinstance(ran, str):
                    rows.append(f"| {name} | {matcher} | {ran} | – | – | – | – | – | – |")
                    print(rows[-1], file=sys.stderr, flush=True)
                    continue
                seconds, rss = ran
                times[matcher] = (seconds, rss)
                pairs = scored(out, exact, answered)
                q = quality_table(pairs, truth).set_index("route")
                if args.variants:
                    v = by_variant(pairs, truth)
                    print(f"\n{name}, {matcher}:\n{v.to_string(index=False)}\n", file=sys.stderr)
                rows.append(
                    f"| {name} | {matcher} | {seconds:.1f} | {rss:,.0f} | {_pr(q, 'all')} | "
                    + " | ".join(_pr(q, r) for r in ROUTES) + " |"
                )  # fmt: skip
                print(rows[-1], file=sys.stderr, flush=True)
            if "crmkit" in times and "splink" in times:
                (ct, cm), (st, sm) = times["crmkit"], times["splink"]
                ratios.append(f"- {name}: time {ct / st:.2f}, peak RSS {cm / sm:.2f}")
    print(f"\nLoad average at start: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          f"({os.cpu_count()} cores)\n")  # fmt: skip
    print("| data (leads × contacts × accounts) | matcher | time s | peak RSS MB | all P / R | "
          "phone P / R | email P / R | name P / R | company P / R |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if ratios:
        print("\ncrmkit / Splink:\n" + "\n".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Lead clusters over 1,000,000 open leads: time and peak RSS against a plain groupby baseline.

The leads are synthesised here with numpy (nothing from crmkit builds them): people with first and
last names from small lists (so names repeat, as real ones do), an email, a US phone written in one
of four formats, a company from a two-word vocabulary with a legal form. Planted on top:
person twins (the same Email re-cased and padded; the same Phone, unique in Contacts; the Phone in
another format; a Gmail address with dots and a +tag), colleague groups of 2-5 sharing a Company
(some re-cased), and companies spelt with another legal form.

Measured in one run, each step after the RSS high-water mark is reset (/proc/self/clear_refs):
- baseline: for each exact field (Phone, Email, Company), trim + case-fold, then a pandas
  ``groupby(...).transform("size")`` marking leads that share a key — the exact-key part only,
  no components, no anchors, no review tier;
- ``crmkit.clusters.lead_clusters(review=False)``: the strong tier (components, anchors, frames);
- ``crmkit.clusters.lead_clusters()``: both tiers; then each review key on its own.
Then checks that every planted strong twin landed in its twin's cluster.

Run: .venv/bin/python bench/clusters_bench.py [--leads 1000000]
"""

from __future__ import annotations

import argparse
import gc
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from crmkit.clusters import REVIEW_LABELS, cluster_summary, lead_clusters
from crmkit.orgconfig import OrgConfig, UniqueField

FIRST = np.array([f"First{i}" for i in range(1_500)])
LAST = np.array([f"Last{i}" for i in range(4_000)])
WORDS = np.array([f"Word{i}" for i in range(5_000)])
FORMS = np.array(["Ltd", "Inc", "LLC", "GmbH", "Corp", ""])
OTHER_FORM = {"Ltd": "Limited", "Inc": "Incorporated", "LLC": "L.L.C.", "Corp": "Corporation"}
CONFIG = OrgConfig(unique_fields={"Contacts": (UniqueField("Phone"),)})


def _s(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="string")


def _phone(digits: np.ndarray, style: np.ndarray) -> pd.Series:
    d = _s(digits.astype(str))
    a, b, c = d.str.slice(0, 3), d.str.slice(3, 6), d.str.slice(6, 10)
    forms = [
        "+1 " + a + " " + b + " " + c,
        "(" + a + ") " + b + "-" + c,
        a + "." + b + "." + c,
        d,
    ]
    out = forms[0]
    for k in (1, 2, 3):
        out = out.mask(style == k, forms[k])
    return out


def synthesise(n: int, seed: int = 11) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """``n`` leads and the positions of planted pairs (twin, original) per kind of twin."""
    rng = np.random.default_rng(seed)
    n_twins = n // 10  # 10% of the rows are planted copies
    base = n - n_twins
    first = FIRST[rng.integers(0, len(FIRST), base)]
    last = LAST[rng.integers(0, len(LAST), base)]
    serial = _s(np.arange(base).astype(str))

    def word() -> pd.Series:
        return _s(WORDS[rng.integers(0, len(WORDS), base)])

    company = word() + " " + word()
    form = FORMS[rng.integers(0, len(FORMS), base)]
    company = (company + " " + _s(form)).str.strip()
    # Colleagues: a tenth of the people take the company of the person before them (runs of 2-5).
    colleague = rng.random(base) < 0.1
    idx = np.arange(base)
    src = np.maximum.accumulate(np.where(~colleague, idx, 0))
    company = company.iloc[src].reset_index(drop=True)
    recase = colleague & (rng.random(base) < 0.3)
    company = company.mask(recase, company.str.upper())
    domain = company.str.lower().str.replace(r"[^a-z0-9]", "", regex=True) + ".com"
    gmail = rng.random(base) < 0.2
    domain = domain.mask(gmail, "gmail.com")
    email = (_s(first).str.lower() + "." + _s(last).str.lower() + serial + "@" + domain).astype(
        "string"
    )
    phone = _phone(rng.integers(2_000_000_000, 9_999_999_999, base), rng.integers(0, 4, base))
    leads = pd.DataFrame(
        {
            "First_Name": _s(first),
            "Last_Name": _s(last),
            "Email": email,
            "Phone": phone,
            "Company": company,
            "Lead_Source": _s(np.array(["Web", "Expo", "Chat"])[rng.integers(0, 3, base)]),
            "Created_Time": pd.Timestamp("2023-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, base), unit="s"),
        }
    )
    # Twins: copies of random people, one variant each.
    orig = rng.choice(base, n_twins, replace=False)
    kind = rng.integers(0, 5, n_twins)
    twins = leads.iloc[orig].reset_index(drop=True)
    e, p, c = twins["Email"], twins["Phone"], twins["Company"]
    twins["Email"] = e.mask(kind == 0, "  " + e.str.upper() + " ")  # same Email (Zoho)
    twins["Email"] = twins["Email"].mask(kind != 0, "x" + e)  # others: new address
    twins["Phone"] = p.mask(kind == 2, p.str.replace(r"\D", "", regex=True))  # other format
    twins["Phone"] = twins["Phone"].mask(kind > 2, pd.NA)
    at_gmail = e.str.endswith("@gmail.com").fillna(False).to_numpy(dtype=bool)
    dotted = e.str.replace(".", "", n=1, regex=False).str.replace("@", "+crm@", regex=False)
    twins["Email"] = twins["Email"].mask((kind == 3) & at_gmail, dotted)
    respelt = c
    for short, long in OTHER_FORM.items():
        respelt = respelt.str.replace(f" {short}$", f" {long}", regex=True)
    twins["Company"] = c.mask(kind == 4, respelt)
    leads = pd.concat([leads, twins], ignore_index=True)
    ids = 4876876000100000000 + rng.permutation(n)
    leads.insert(0, "id", _s(ids.astype(str)))
    twin_rows = np.arange(base, n)
    planted = {
        "email": np.stack([twin_rows[kind == 0], orig[kind == 0]], axis=1),
        "phone": np.stack([twin_rows[kind == 1], orig[kind == 1]], axis=1),
    }
    return leads, {k: leads["id"].to_numpy()[v] for k, v in planted.items()}


def baseline(leads: pd.DataFrame) -> dict[str, pd.Series]:
    """Exact keys only: leads sharing a trimmed, case-folded value of each field."""
    out = {}
    for column in ("Phone", "Email", "Company"):
        key = leads[column].str.strip().str.casefold()
        key = key.mask(key == "")
        size = key.groupby(key).transform("size")
        out[column] = leads["id"][(size >= 2).fillna(False).to_numpy(dtype=bool)]
    return out


def _hwm_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def measure(fn: Callable[[], object]) -> tuple[float, float, float, float, object]:
    """(wall s, CPU s, RSS before MiB, peak RSS MiB during the call, result).

    CPU time is shown too: on a shared machine the wall time also counts other jobs' turns.
    """
    gc.collect()
    before = _rss_mb()
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to now
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return elapsed, cpu, before, _hwm_mb(), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    leads, planted = synthesise(args.leads)
    print(f"synthesised {len(leads):,} leads in {time.perf_counter() - t0:.1f} s")

    rows = []
    for name, fn in [
        ("baseline: exact-key groupby", lambda: baseline(leads)),
        ("lead_clusters(review=False)", lambda: lead_clusters(leads, CONFIG, review=False)),
        ("lead_clusters (both tiers)", lambda: lead_clusters(leads, CONFIG)),
    ]:
        seconds, cpu, before, peak, result = measure(fn)
        rows.append((name, seconds, cpu, before, peak))
        if name.startswith("lead_clusters (both"):
            full = result
        del result
    _, base_s, base_cpu, base_before, base_peak = rows[0]
    print(
        f"{'step':<30}{'wall s':>8}{'ratio':>7}{'CPU s':>8}{'ratio':>7}"
        f"{'RSS before':>12}{'peak RSS':>10}{'ratio':>7}"
    )
    for name, seconds, cpu, before, peak in rows:
        growth = (peak - before) / max(base_peak - base_before, 1)
        print(
            f"{name:<30}{seconds:>8.2f}{seconds / base_s:>7.2f}{cpu:>8.2f}{cpu / base_cpu:>7.2f}"
            f"{before:>12.0f}{peak:>10.0f}{growth:>7.2f}"
        )
    print("(ratio of peak RSS: growth during the step over the baseline's growth)")
    strong_cpu = rows[1][2]
    print("review keys one at a time (CPU s beyond the strong tier):")
    for label in REVIEW_LABELS:
        _, cpu, _, _, _ = measure(lambda label=label: lead_clusters(leads, CONFIG, review=[label]))
        print(f"  {label:<28}{cpu - strong_cpu:>8.2f}")

    clusters = full.clusters  # type: ignore[attr-defined]
    strong = clusters[clusters["tier"] == "strong"]
    person = strong[strong["kind"] == "person"].set_index("lead_id")["cluster_id"]
    for what, pairs in planted.items():
        same = person.reindex(pairs[:, 0]).to_numpy() == person.reindex(pairs[:, 1]).to_numpy()
        print(f"planted {what} twins: {len(pairs):,}, in their twin's cluster: {same.sum():,}")
        assert bool(np.all(same)), what
    print(f"review pairs: {len(full.cluster_pairs):,}")  # type: ignore[attr-defined]
    with pd.option_context("display.width", 160):
        print(cluster_summary(full).to_string(index=False))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

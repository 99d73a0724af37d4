"""Offline prediction at scale, and what the API path would need for the same leads.

Synthesises an org (default 1,000,000 leads, 1,000,000 contacts, 300,000 accounts; a third of
the leads planted as exact duplicates by phone, email, company or name), then measures in one run:
- a baseline: one plain pandas merge of lead Email with contact Email (the floor of any join);
- ``crmkit.matching.predict`` (all rules): time, ratio to the baseline, peak RSS;
- the API path: per-call cost against a Sandbox at zero latency (conversion options at the
  client's concurrency), times the lead count; and the same at Zoho's ceiling for an assumed
  latency;
- near-duplicate scoring of 100,000 leads against all contacts and accounts;
- splink's ``predict_between`` only if splink is installed (it is not a crmkit dependency).

Usage: .venv/bin/python bench/predict_bench.py [--leads N] [--contacts N] [--accounts N]
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import time

import numpy as np
import pandas as pd

from crmkit.matching import api_cost, predict
from crmkit.neardup import near_duplicates
from crmkit.orgconfig import OrgConfig, UniqueField


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synth(
    n_leads: int, n_contacts: int, n_accounts: int, seed: int = 7
) -> tuple[pd.DataFrame, ...]:
    rng = np.random.default_rng(seed)
    firsts = np.array([f"First{i}" for i in range(2_000)])
    lasts = np.array([f"Last{i}" for i in range(5_000)])
    acc_names = np.array([f"Company {i} Ltd" for i in range(n_accounts)])
    accounts = pd.DataFrame(
        {
            "id": pd.array((3 * 10**18 + np.arange(n_accounts)).astype(str), dtype="string"),
            "Account_Name": pd.array(acc_names, dtype="string"),
            "Website": pd.array([f"www.company{i}.com" for i in range(n_accounts)], dtype="string"),
        }
    )
    ci = np.arange(n_contacts)
    cf, cl = (
        firsts[rng.integers(0, len(firsts), n_contacts)],
        lasts[rng.integers(0, len(lasts), n_contacts)],
    )
    cacc = rng.integers(0, n_accounts, n_contacts)
    contacts = pd.DataFrame(
        {
            "id": pd.array((2 * 10**18 + ci).astype(str), dtype="string"),
            "First_Name": pd.array(cf, dtype="string"),
            "Last_Name": pd.array(cl, dtype="string"),
            "Email": pd.array(
                [f"c{i}@company{a}.com" for i, a in zip(ci, cacc, strict=True)], dtype="string"
            ),
            "Phone": pd.array(
                [f"+1 212 {i // 10000:03d} {i % 10000:04d}" for i in ci], dtype="string"
            ),
            "Account_Name.id": accounts["id"].to_numpy()[cacc],
            "Account_Name.name": accounts["Account_Name"].to_numpy()[cacc],
        }
    )
    li = np.arange(n_leads)
    lf = np.array([f"Lf{i % 3000}" for i in li])
    ll = np.array([f"Ll{i % 7000}" for i in li])
    email = np.array([f"l{i}@lead{i % 50000}.net" for i in li], dtype=object)
    phone = np.array([f"+44 20 {i // 10000:04d} {i % 10000:04d}" for i in li], dtype=object)
    company = np.array([f"Lead Co {i % 200000}" for i in li], dtype=object)
    route = rng.integers(0, 12, n_leads)  # 0..3 planted (a third), the rest unique
    target = rng.integers(0, n_contacts, n_leads)
    m = route == 0
    phone[m] = contacts["Phone"].to_numpy()[target[m]]
    m = route == 1
    email[m] = contacts["Email"].to_numpy()[target[m]]
    m = route == 2
    company[m] = accounts["Account_Name"].to_numpy()[rng.integers(0, n_accounts, m.sum())]
    m = route == 3
    lf[m], ll[m] = cf[target[m]], cl[target[m]]
    leads = pd.DataFrame(
        {
            "id": pd.array((10**18 + li).astype(str), dtype="string"),
            "First_Name": pd.array(lf, dtype="string"),
            "Last_Name": pd.array(ll, dtype="string"),
            "Email": pd.array(email, dtype="string"),
            "Phone": pd.array(phone, dtype="string"),
            "Company": pd.array(company, dtype="string"),
        }
    )
    return leads, contacts, accounts


def api_per_call(n: int = 1000) -> float:
    """Seconds per conversion-options call against a local Sandbox at zero latency."""
    from crmkit.connection import connect
    from crmkit.sandbox import Sandbox

    sample = pd.read_csv(
        Sandbox().data / "Leads.csv", dtype="string", usecols=["id", "Converted__s"]
    )
    ids = sample.loc[sample["Converted__s"] != "true", "id"].tolist()[:n]
    with Sandbox(edition="enterprise") as sb:
        c = sb.credentials
        with connect(
            client_id=c.client_id,
            client_secret=c.client_secret,
            refresh_token=c.refresh_token,
            api_domain=sb.url,
            token_url=sb.token_url,
            token_cache=False,
            progress=False,
            edition="enterprise",
        ) as client:
            client.conversion_options_many(ids[:50])  # warm up (token, connections)
            t = time.perf_counter()
            client.conversion_options_many(ids)
            return (time.perf_counter() - t) / len(ids)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=300_000)
    ap.add_argument("--neardup-leads", type=int, default=100_000)
    ap.add_argument("--latency-ms", type=float, default=300.0)
    args = ap.parse_args()

    t = time.perf_counter()
    leads, contacts, accounts = synth(args.leads, args.contacts, args.accounts)
    print(
        f"synthesised {len(leads):,} leads, {len(contacts):,} contacts, "
        f"{len(accounts):,} accounts in {time.perf_counter() - t:.1f} s; RSS {rss_mb():,.0f} MB"
    )

    t = time.perf_counter()
    base = leads[["id", "Email"]].merge(contacts[["id", "Email"]], on="Email")
    baseline = time.perf_counter() - t
    print(f"baseline: one Email merge ({len(base):,} rows) {baseline:.2f} s")

    config = OrgConfig(unique_fields={"Contacts": (UniqueField("Phone"),)})
    before = rss_mb()
    t = time.perf_counter()
    pred = predict(leads, contacts, accounts, config)
    elapsed = time.perf_counter() - t
    print(
        f"predict: {elapsed:.1f} s ({elapsed / baseline:.1f}x the baseline merge); "
        f"{(pred.options['outcome'] == 'matched').sum():,} leads matched, "
        f"{len(pred.matches):,} match rows; peak RSS {rss_mb():,.0f} MB "
        f"(before predict {before:,.0f} MB)"
    )

    per_call = api_per_call()
    cost = api_cost(args.leads, "enterprise", users=50, latency_s=args.latency_ms / 1000)
    print(
        f"API path: {per_call * 1000:.2f} ms a call against the sandbox at zero latency -> "
        f"{per_call * args.leads / 60:,.1f} min for {args.leads:,} leads even with no network "
        f"({per_call * args.leads / elapsed:,.0f}x the prediction)"
    )
    print(f"API path at Zoho's ceiling: {cost}")

    n = min(args.neardup_leads, len(leads))
    t = time.perf_counter()
    cand = near_duplicates(leads.iloc[:n], contacts, accounts, exact=pred.matches)
    nd = time.perf_counter() - t
    print(
        f"near-duplicates: {n:,} leads vs {len(contacts):,} contacts and {len(accounts):,} "
        f"accounts in {nd:.1f} s, {len(cand):,} candidates; peak RSS {rss_mb():,.0f} MB"
    )
    if importlib.util.find_spec("splink") is None:
        print("splink: not installed (not a crmkit dependency); peer comparison skipped")


if __name__ == "__main__":
    main()

"""`crmkit demo` end to end on the embedded sandbox: the printed figures match its snapshot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmkit import analysis
from crmkit.cli import build_parser
from crmkit.neardup import near_duplicates
from crmkit.snapshot import load_snapshot

pytestmark = pytest.mark.slow


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_demo_writes_a_snapshot_and_a_report(demo_run: Any) -> None:
    assert (demo_run.out / "snapshot" / "snapshot.json").is_file()
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    text = "\n".join(demo_run.printed)
    assert f"Report:   {(demo_run.out / 'report.html').resolve()}" in text
    assert f"Snapshot: {(demo_run.out / 'snapshot').resolve()}" in text
    assert re.search(r"^Took \d+\.\d s \(start sandbox", text, re.M)


def test_printed_figures_match_the_snapshot(demo_run: Any) -> None:
    snapshot = load_snapshot(demo_run.out / "snapshot")
    figures = analysis.summary(snapshot.options)
    text = "\n".join(demo_run.printed)
    leads = re.search(
        r"^Leads: ([\d,]+) \(([\d,]+) answered, ([\d,]+) answered with an error", text, re.M
    )
    assert leads is not None
    assert number(leads[1]) == len(snapshot.leads) == int(figures["n_leads"])
    assert number(leads[2]) == int(figures["n_answered"])
    assert number(leads[3]) == int(figures["n_errors"])
    existing = re.search(
        r"^Already existing: ([\d,]+) \(([\d.]+)%\) — as a Contact ([\d,]+) \(([\d.]+)%\), "
        r"as an Account ([\d,]+)",
        text,
        re.M,
    )
    assert existing is not None
    assert number(existing[1]) == int(figures["n_matched"])
    assert float(existing[2]) == pytest.approx(100 * float(figures["rate"]), abs=0.05)
    assert number(existing[3]) == int(figures["n_contacts"])
    assert number(existing[5]) == int(figures["n_accounts"])
    assert int(figures["n_matched"]) > 0  # the sample org has duplicates
    # one count of near-duplicates everywhere: crmkit.neardup_summary over the candidates
    near = re.search(
        r"^Near-duplicates: ([\d,]+) leads have a near-duplicate Zoho's exact matching does not "
        r"offer \(([\d,]+) in Contacts, ([\d,]+) in Accounts",
        text,
        re.M,
    )
    assert near is not None and number(near[1]) > 0  # the sample org plants near-duplicates
    candidates = near_duplicates(
        snapshot.leads, snapshot.contacts, snapshot.accounts, exact=snapshot.matches
    )
    beyond = candidates.loc[~candidates["zoho_exact"].to_numpy(dtype=bool)]
    assert number(near[1]) == beyond["lead_id"].nunique()
    for group, module in ((2, "Contacts"), (3, "Accounts")):
        assert number(near[group]) == beyond.loc[beyond["module"] == module, "lead_id"].nunique()
    # the errors, per Zoho code
    codes = snapshot.options.loc[snapshot.options["outcome"] == "error", "error_code"]
    assert int(figures["n_errors"]) > 0
    breakdown = re.search(r"^Leads: .* answered with an error: ([^)]*)\)$", text, re.M)
    assert breakdown is not None
    shown = dict(reversed(part.split(" ")) for part in breakdown[1].split(", "))
    assert {c: number(n) for c, n in shown.items()} == codes.value_counts().to_dict()
    agree = re.search(
        r"^Zoho vs crmkit's prediction: crmkit's offline prediction gives Zoho's exact answer "
        r"for ([\d,]+) of ([\d,]+) leads",
        text,
        re.M,
    )
    assert agree is not None and number(agree[1]) == number(agree[2]) == len(snapshot.options)

    table = analysis.rate_table(snapshot.options, snapshot.matches)
    top = table.sort_values("leads_first", ascending=False).head(3)
    printed = re.findall(r"^  (\w+) \((\w+)\): ([\d,]+) leads?", text, re.M)
    assert [(f, m, number(n)) for f, m, n in printed] == [
        (f, m, int(n))
        for f, m, n in zip(top["field"], top["module"], top["leads_first"], strict=True)
    ]


def test_snapshot_holds_every_listed_lead(demo_run: Any) -> None:
    snapshot = load_snapshot(demo_run.out / "snapshot")
    assert set(snapshot.options["lead_id"]) == set(snapshot.leads["id"])
    assert snapshot.meta.credits_spent >= len(snapshot.leads)
    # the demo's snapshot keeps the org's records, so the report needed no CSV export
    assert snapshot.contacts is not None and len(snapshot.contacts) == snapshot.meta.n_contacts
    assert snapshot.accounts is not None and len(snapshot.accounts) == snapshot.meta.n_accounts
    assert isinstance(snapshot.leads["id"].dtype, pd.StringDtype)


def test_demo_is_a_crmkit_subcommand(tmp_path: Path) -> None:
    args = build_parser().parse_args(["demo", "--out", str(tmp_path), "--no-progress"])
    assert args.out == tmp_path and args.no_progress
    assert args.handler.__module__ == "crmkit.cli.demo"

"""The report computed from a real snapshot of the sandbox (written by the demo fixture)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from crmkit import analysis
from crmkit.cli import main
from crmkit.report import compute_report
from crmkit.snapshot import load_snapshot

pytestmark = pytest.mark.slow

SECRETS = ("sandbox-secret", "sandbox-refresh", "Zoho-oauthtoken", "access_token", "admin_key")


def test_report_agrees_with_analysis(demo_run: Any) -> None:
    snapshot = load_snapshot(demo_run.out / "snapshot")
    report = compute_report(snapshot)
    figures = analysis.summary(snapshot.options)
    assert report.headline.leads == len(snapshot.leads)
    assert report.headline.matched == int(figures["n_matched"])
    assert report.headline.rate == pytest.approx(float(figures["rate"]))
    assert float(report.rates_by_field["rate_first"].sum()) == pytest.approx(report.headline.rate)
    assert int(report.trend["n_leads"].sum()) == report.headline.answered
    assert report.meta["org_name"] == snapshot.meta.org_name
    assert len(report.top_accounts) == 10
    # the org's mapping (read from its layouts into the snapshot) carries neither of these
    assert report.dropped_fields is not None
    dropped = report.dropped_fields.set_index("field")["leads_with_value"]
    assert set(dropped.index) == {"Lead_Status", "Region__c"}
    for name in dropped.index:
        assert dropped[name] == int(snapshot.leads[name].notna().sum())
    assert "the org's conversion mapping" in report.notes["dropped_fields"]


def test_rendered_sandbox_report(demo_run: Any) -> None:
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    for section in (
        "headline",
        "rates-by-field",
        "rates-by-module",
        "trend",
        "overlaps",
        "top-accounts",
        "near-duplicates",
        "prediction",
        "dropped-fields",
        "conversions",
    ):
        assert f'<section id="{section}">' in html
    sources = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', html)
    assert len(sources) == 3 == html.count("<img")
    for source in sources:
        with Image.open(io.BytesIO(base64.b64decode(source, validate=True))) as image:
            assert image.format == "PNG"
            image.verify()
    assert "No conversions yet" in html
    near = html.split('<section id="near-duplicates">', 1)[1].split("</section>", 1)[0]
    assert 'id="table-near-duplicates"' in near and near.count("<tr>") > 10


def test_no_secret_in_report_or_snapshot(demo_run: Any) -> None:
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    meta = (demo_run.out / "snapshot" / "snapshot.json").read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in html
        assert secret not in meta
    assert "\n".join(demo_run.printed).count("sandbox-secret") == 0


def test_report_command(demo_run: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "weekly.html"
    code = main(
        [
            "report",
            "--snapshot",
            str(demo_run.out / "snapshot"),
            "--out",
            str(out),
            "--title",
            "Weekly <duplicates>",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert f"Report written to {out.resolve()}" in printed
    html = out.read_text(encoding="utf-8")
    assert "<title>Weekly &lt;duplicates&gt;</title>" in html


def test_report_command_names_a_bad_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "--snapshot", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert code == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "snapshot" in err
    assert not (tmp_path / "r.html").exists()


def test_near_duplicates_and_agreement_come_from_the_snapshot(demo_run: Any) -> None:
    from crmkit.matching import read_module_csv
    from crmkit.neardup import near_duplicates
    from crmkit.sampledata import bundled_path

    snapshot = load_snapshot(demo_run.out / "snapshot")
    assert snapshot.has_records
    report = compute_report(snapshot)
    assert report.near_duplicates is not None and report.shadow is not None
    # The same near-duplicates as from the org's CSV exports (the sandbox's own data).
    data = bundled_path()
    from_exports = near_duplicates(
        snapshot.leads,
        read_module_csv(data / "Contacts.csv"),
        read_module_csv(data / "Accounts.csv"),
        exact=snapshot.matches,
    )
    exports_report = compute_report(snapshot, near_duplicates=from_exports)
    assert report.notes["near_duplicates"] == exports_report.notes["near_duplicates"]
    assert report.near_duplicates["record_name"].notna().all()
    beyond = from_exports.loc[~from_exports["zoho_exact"].to_numpy(dtype=bool), "lead_id"]
    assert report.notes["near_duplicates"].startswith(
        f"{beyond.nunique():,} leads have a near-duplicate Zoho's exact matching does not offer"
    )
    # strongest first: score, then the number of routes that found the same record
    table = report.near_duplicates
    keys = list(zip(-table["score"].astype(float), -table["routes"].astype(int), strict=True))
    assert keys == sorted(keys)
    # The prediction from the snapshot gives Zoho's answer for every lead of the sample org.
    agreement = report.agreement
    assert agreement is not None
    assert agreement.compared == agreement.agreeing == len(snapshot.options)
    assert agreement.by_kind.empty and agreement.rate == 1.0
    n = f"{len(snapshot.options):,}"
    assert report.notes["agreement"].startswith(
        f"crmkit's offline prediction gives Zoho's exact answer for {n} of {n} leads (100.0%)"
    )
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    section = html.split('<section id="prediction">', 1)[1].split("</section>", 1)[0]
    assert f"{n} of {n} leads (100.0%)" in section


def test_report_of_a_snapshot_without_contacts_says_what_is_missing(
    demo_run: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import shutil

    old = tmp_path / "old"
    shutil.copytree(demo_run.out / "snapshot", old)
    meta = json.loads((old / "snapshot.json").read_text())
    for key in ("n_contacts", "n_accounts", "org_config", "credits"):
        del meta[key]
    meta["format_version"] = 1  # as written before snapshots kept Contacts and Accounts
    (old / "snapshot.json").write_text(json.dumps(meta))
    (old / "contacts.parquet").unlink()
    (old / "accounts.parquet").unlink()
    out = tmp_path / "r.html"
    assert main(["report", "--snapshot", str(old), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "note: this snapshot holds no Contacts or Accounts" in captured.err
    assert "crmkit fetch --refresh --out DIR" in captured.err
    html = out.read_text(encoding="utf-8")
    for section in ("near-duplicates", "prediction"):
        text = html.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
        assert "Not computed: this snapshot holds no Contacts or Accounts" in text, section
    assert 'id="table-near-duplicates"' not in html

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

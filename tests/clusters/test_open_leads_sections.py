"""The "among open leads" section of `crmkit rates` and of the report, on the sample org.

A snapshot predicted offline from sample_data/ (`crmkit predict`, no credits) holds every lead and
the org's configuration; the counts the section shows must be the generator's truth
(``lead_duplicates_truth.csv``), strong tier, per kind and field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmkit.cli import main
from crmkit.clusters import ANY_FIELD
from crmkit.report import compute_report, render_html
from crmkit.sampledata import bundled_path
from crmkit.snapshot import load_snapshot

NOTE = "cannot see these duplicates among the open leads"


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("predicted") / "snap"
    assert main(["predict", "--data", str(bundled_path()), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def truth_counts() -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, field) -> (leads, groups) of the strong tier, from the truth file."""
    truth = pd.read_csv(
        bundled_path() / "lead_duplicates_truth.csv", dtype=str, keep_default_na=False
    )
    strong = truth[truth["tier"] == "strong"]
    per_field = strong.assign(field=strong["field"].str.split(";")).explode("field")
    out = {
        (str(k), str(f)): (g["lead_id"].nunique(), g["group_id"].nunique())
        for (k, f), g in per_field.groupby(["kind", "field"])
    }
    for kind, g in strong.groupby("kind"):
        out[str(kind), ANY_FIELD] = (g["lead_id"].nunique(), g["group_id"].nunique())
    assert out["person", ANY_FIELD][0] > 100 and out["company", ANY_FIELD][0] > 100
    return out


def test_rates_prints_the_open_leads_section_with_the_truths_counts(
    snapshot_dir: Path,
    truth_counts: dict[tuple[str, str], tuple[int, int]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    assert main(["rates", str(snapshot_dir)]) == 0
    text = capsys.readouterr().out
    section = text.split("among open leads", 1)[1]
    rows = {}
    for line in section.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0] in ("strong", "review"):
            rows[parts[0], parts[1], parts[2]] = (int(parts[3]), int(parts[4]), parts[5])
    strong = {(k, f): (n, c) for (t, k, f), (n, c, _) in rows.items() if t == "strong"}
    assert strong == truth_counts
    assert ("review", "person", "Phone:normalised") in rows
    n_open = len(load_snapshot(snapshot_dir).leads.query("Converted__s != True"))
    person_leads = truth_counts["person", ANY_FIELD][0]
    assert rows["strong", "person", ANY_FIELD][2] == f"{person_leads / n_open:.1%}"
    assert NOTE in " ".join(section.split())
    assert f"Of {n_open:,} open leads, {person_leads:,} are the same person" in " ".join(
        section.split()
    )


def test_report_renders_the_open_leads_section_with_the_truths_counts(
    snapshot_dir: Path, truth_counts: dict[tuple[str, str], tuple[int, int]]
) -> None:
    snap = load_snapshot(snapshot_dir)
    frames = {  # no Contacts/Accounts: the near-duplicate search is not what is tested here
        "leads": snap.leads,
        "options": snap.options,
        "matches": snap.matches,
        "org_config": snap.org_config,
    }
    report = compute_report(frames)
    assert report.open_leads is not None
    strong = report.open_leads[report.open_leads["tier"] == "strong"]
    got = {
        (str(k), str(f)): (int(n), int(c))
        for k, f, n, c in zip(
            strong["kind"], strong["field"], strong["leads"], strong["clusters"], strict=True
        )
    }
    assert got == truth_counts
    html = render_html(report)
    section = html.split('<section id="open-leads">', 1)[1].split("</section>", 1)[0]
    assert 'id="table-open-leads"' in section and NOTE in section
    cells = [
        [c.strip() for c in row.split("<td")[1:]]
        for row in section.split("<tr>")[2:]  # header row first
    ]
    texts = [[c.split(">", 1)[1].split("<", 1)[0] for c in row] for row in cells]
    for (kind, field), (leads, clusters) in truth_counts.items():
        assert ["strong", kind, field, f"{leads:,}", f"{clusters:,}"] in [t[:5] for t in texts]


def test_report_without_org_configuration_says_unique_fields_were_not_compared(
    snapshot_dir: Path,
) -> None:
    snap = load_snapshot(snapshot_dir)
    report = compute_report({"leads": snap.leads, "options": snap.options, "matches": snap.matches})
    assert "unique fields were not compared" in report.notes["open_leads"]
    assert report.open_leads is not None and not report.open_leads.empty

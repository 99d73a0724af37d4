"""01_duplicates and 03_report run top to bottom against a sandbox started by a fixture.

The sandbox is passed through the environment variables `crmkit.connect()` reads, exactly as a
user would point the notebooks at a real org; no network host is ever contacted. Each notebook runs
on a copy in a temporary folder, so its `../out/` lands there too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

import crmkit
from crmkit.neardup_summary import near_duplicate_counts
from crmkit.sandbox import Sandbox

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture
def workdir(
    clean_sandbox: Sandbox, tmp_path: Path, use_sandbox_environ: Callable[[Sandbox], None]
) -> Path:
    use_sandbox_environ(clean_sandbox)
    (tmp_path / "notebooks").mkdir()
    return tmp_path / "notebooks"


def execute(name: str, workdir: Path) -> nbformat.NotebookNode:
    target = workdir / name
    shutil.copy(NOTEBOOKS / name, target)
    book = nbformat.read(target, as_version=4)
    NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    ).execute()
    return book


def outputs_text(book: nbformat.NotebookNode) -> str:
    return json.dumps([cell.get("outputs", []) for cell in book.cells])


def stream(book: nbformat.NotebookNode) -> str:
    parts: list[str] = []
    for cell in book.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                parts.append(output["text"])
    return "".join(parts)


def assert_no_secret(book: nbformat.NotebookNode, sandbox: Sandbox) -> None:
    text = outputs_text(book)
    creds = sandbox.credentials
    for secret in (creds.client_secret, creds.refresh_token, sandbox.admin_key, "oauthtoken"):
        assert secret not in text


def test_01_duplicates(workdir: Path, clean_sandbox: Sandbox) -> None:
    book = execute("01_duplicates.ipynb", workdir)
    printed = stream(book)
    assert "leads from Zylker Corp" in printed
    assert "of answered leads already exist" in printed
    assert "Prediction differs from Zoho on 0 leads." in printed
    # the one count of near-duplicates (crmkit.neardup_summary), as the demo and report print it
    snapshot = crmkit.load_snapshot(workdir.parent / "out" / "snapshot")
    near = crmkit.near_duplicates(
        snapshot.leads, snapshot.contacts, snapshot.accounts, exact=snapshot.matches
    )
    assert near_duplicate_counts(near).sentence() + "." in printed
    assert "leads have a near-duplicate Zoho's exact matching does not offer (" in printed
    # rates shown as percentages, never raw fractions
    html_parts = [
        output.get("data", {}).get("text/html", "")
        for cell in book.cells
        for output in cell.get("outputs", [])
    ]
    tables = "".join(p if isinstance(p, str) else "".join(p) for p in html_parts)
    assert re.search(r">\d+\.\d%<", tables) and not re.search(r">0\.\d{4,}<", tables)
    assert "with 3,000 contacts and 1,200 accounts" in printed  # kept in the snapshot
    assert (workdir.parent / "out" / "snapshot" / "snapshot.json").is_file()
    last = book.cells[-1]["outputs"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in last)
    images = [
        o for c in book.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 3
    assert_no_secret(book, clean_sandbox)


def test_01_duplicates_with_nothing_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No credentials, no config file: the notebook runs on the embedded sandbox, as shipped."""
    for name in [n for n in os.environ if n.startswith("ZOHO_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    book = execute("01_duplicates.ipynb", workdir)
    printed = stream(book)
    assert "leads from Zylker Corp" in printed
    assert "Prediction differs from Zoho on 0 leads." in printed
    assert "embedded sandbox" in outputs_text(book)  # the notebook says where its data comes from


def test_03_report(workdir: Path, clean_sandbox: Sandbox) -> None:
    book = execute("03_report.ipynb", workdir)  # no snapshot yet: it fetches one
    printed = stream(book)
    report = workdir.parent / "out" / "report.html"
    assert f"Report written to {report.resolve()}" in printed
    html = report.read_text(encoding="utf-8")
    assert "No conversions yet" in html
    assert 'id="table-near-duplicates"' in html
    assert "already exist" in printed
    snapshot = crmkit.load_snapshot(workdir.parent / "out" / "snapshot")
    codes = snapshot.options["error_code"].dropna().value_counts()
    ranked = sorted(codes.items(), key=lambda item: (-item[1], item[0]))  # ties by code
    expected = ", ".join(f"{n:,} {code}" for code, n in ranked)
    assert f"Answered with an error: {expected}" in printed and len(codes) >= 2
    manifest = json.loads((NOTEBOOKS.parent / "sample_data" / "manifest.json").read_text("utf-8"))
    n = manifest["sizes"]["Leads"] - manifest["lead_states"]["converted"]
    assert f"crmkit's offline prediction gives Zoho's exact answer for {n:,} of {n:,}" in printed
    assert_no_secret(book, clean_sandbox)
    for secret in (
        clean_sandbox.credentials.client_secret,
        clean_sandbox.credentials.refresh_token,
    ):
        assert secret not in html
    again = execute("03_report.ipynb", workdir)  # reuses the saved snapshot
    assert "Report written to" in stream(again)


def test_notebooks_are_committed_without_outputs() -> None:
    for path in sorted(NOTEBOOKS.glob("0[13]_*.ipynb")):
        book: Any = nbformat.read(path, as_version=4)
        nbformat.validate(book)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def test_notebooks_use_the_public_api_and_no_csv_exports() -> None:
    for path in sorted(NOTEBOOKS.glob("0[123]_*.ipynb")):
        book: Any = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in book.cells if c.cell_type == "code")
        assert "crmkit.connect(" in code, path.name
        assert "crmkit.api import connect" not in code, path.name
        # prediction and near-duplicates come from the snapshot, not from CSV exports
        assert "read_module_csv" not in code and "bundled_path" not in code, path.name

"""02_convert runs top to bottom against a sandbox started by a fixture, and converts nothing.

The sandbox is passed through the environment variables `crmkit.connect()` reads, as a user
would point the notebook at a real org; the journal goes to `CRMKIT_JOURNAL` under `tmp_path`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from crmkit.sandbox import Sandbox

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_convert.ipynb"


@pytest.fixture
def env(
    clean_sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    use_sandbox_environ: Callable[[Sandbox], None],
) -> Path:
    use_sandbox_environ(clean_sandbox)
    journal = tmp_path / "journal" / "convert.sqlite"
    monkeypatch.setenv("CRMKIT_JOURNAL", str(journal))
    monkeypatch.setenv("CRMKIT_CONSOLE_LEADS", "20")
    return journal


def _stdout(book: Any) -> str:
    return "".join(
        o["text"]
        for c in book.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


@pytest.mark.slow
def test_02_convert_runs_top_to_bottom(env: Path, clean_sandbox: Sandbox, tmp_path: Path) -> None:
    before = clean_sandbox.control.state()["counts"]
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    book = nbformat.read(work / NOTEBOOK.name, as_version=4)
    NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    printed = _stdout(book)
    assert "Connected to Zoho CRM." in printed
    assert f"20 leads loaded; journal: {env}" in printed
    console_cell = next(c for c in book.cells if c.source.strip() == "console")
    assert any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for o in console_cell["outputs"]
    )
    assert env.is_file()  # the history cell opened the journal named by CRMKIT_JOURNAL
    assert not (tmp_path / "data" / "crmkit").exists()  # not the per-user default
    assert clean_sandbox.control.state()["counts"] == before  # loading converts nothing
    text = json.dumps([c.get("outputs", []) for c in book.cells])
    creds = clean_sandbox.credentials
    for secret in (creds.client_secret, creds.refresh_token, clean_sandbox.admin_key):
        assert secret not in text


def test_02_convert_is_committed_without_outputs() -> None:
    book: Any = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    marked = [c for c in book.cells if "REAL ZOHO CREDENTIALS" in c.source]
    assert len(marked) == 1 and marked[0].cell_type == "code"

"""The sandbox report opens in headless Chromium with every image rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"  # as tests/conftest.py


def test_report_images_render_in_chromium(demo_run: Any, chromium: Any) -> None:
    report = (demo_run.out / "report.html").resolve()
    errors: list[str] = []
    requests: list[str] = []
    page = chromium.new_page(viewport={"width": 1100, "height": 900})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri(), wait_until="load")
    sizes = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    headline = page.inner_text("#headline")
    # Nothing wider than the page: no horizontal scrollbar at a laptop's width.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert errors == []
    assert overflow == 0
    assert len(sizes) == 3
    assert all(complete and width > 0 and height > 0 for complete, width, height in sizes), sizes
    assert "already exist" in headline
    # self-contained: the page asked for nothing but itself and its data: images
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000

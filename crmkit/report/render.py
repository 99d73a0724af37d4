"""Render the report: the structured page through `templates/report.html.j2`, as one HTML file.

The last of the report's three steps (`crmkit.report`). The HTML is self-contained (inline CSS,
plots as base64 PNG) so it can be mailed or attached as is; Jinja escapes every value.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from crmkit.report.compute import Report
from crmkit.report.structure import page

__all__ = ["render_html", "write_report"]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("crmkit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (no external resources)."""
    return _environment().get_template("report.html.j2").render(page(report))


def write_report(report: Report, path: str | Path) -> Path:
    """Render `report` and write it to `path` (parents created); returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report), encoding="utf-8")
    return target

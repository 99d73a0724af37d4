"""The data-quality report, in three steps as ydata-profiling lays one out.

1. `compute` — `compute_report(snapshot, journal)` does every groupby and draws every plot once,
   into a plain `Report` dataclass (tables and PNG bytes), with the vectorised functions of
   `tables`.
2. `structure` — `page(report)` turns it into what the page shows: headings and rows of display
   strings (`formatters` says how a value reads), plots as data URIs.
3. `render` — `render_html` lays that out through `templates/report.html.j2`; `write_report`
   writes the self-contained HTML file.
"""

from crmkit.report.compute import Headline, Report, compute_report
from crmkit.report.render import render_html, write_report

__all__ = ["Headline", "Report", "compute_report", "render_html", "write_report"]

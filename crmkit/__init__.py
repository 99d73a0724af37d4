"""crmkit: find the leads that already exist in Zoho CRM, and convert them safely.

The names below are crmkit's public API. They load lazily (PEP 562), so ``import crmkit`` stays
quick in a notebook and a part's heavy dependencies (matplotlib, ipywidgets) load only when used.

- Errors: every error crmkit raises is a :class:`CrmkitError`.
- Connecting: :func:`connect` returns a :class:`CRMClient` (the embedded :class:`Sandbox` when no
  Zoho credentials are configured).
- Frames: leads and conversion options as DataFrames (:func:`read_leads_csv`, :func:`fetch_leads`,
  :func:`fetch_options`, snapshots).
- Analysis: duplicate rates by field, module and segment (:func:`rate_table`, plots).
- Prediction: Zoho's answer from exports (:func:`predict`), near-duplicates beyond it.
- Clusters: open leads that are the same person or company (:func:`lead_clusters`).
- Conversion: plan -> validate -> estimate -> execute, journaled (:func:`execute`,
  :class:`Journal`).
- Report and widgets: :func:`compute_report` / :func:`write_report`, :func:`explore`,
  :func:`convert_console`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # the root of every crmkit error
    "CrmkitError": "crmkit.errors",
    # connecting
    "connect": "crmkit.connection",
    "CRMClient": "crmkit.api",
    "CRMError": "crmkit.api",
    "OutcomeUnknownError": "crmkit.api",
    "ConversionOptions": "crmkit.api",
    "ConvertRequest": "crmkit.api",
    "ConvertResult": "crmkit.api",
    "MassConvertRequest": "crmkit.api",
    "Sandbox": "crmkit.sandbox",
    # frames and snapshots
    "read_leads_csv": "crmkit.frames",
    "read_leads_bulk_zip": "crmkit.frames",
    "fetch_leads": "crmkit.frames",
    "fetch_options": "crmkit.frames",
    "options_frames": "crmkit.frames",
    "Snapshot": "crmkit.snapshot",
    "fetch_snapshot": "crmkit.snapshot",
    "load_snapshot": "crmkit.snapshot",
    "save_snapshot": "crmkit.snapshot",
    "refresh_snapshot": "crmkit.snapshot",
    # analysis
    "rate_table": "crmkit.analysis",
    "module_rates": "crmkit.analysis",
    "segment_rates": "crmkit.analysis",
    "field_overlaps": "crmkit.analysis",
    "top_accounts": "crmkit.analysis",
    "plot_field_rates": "crmkit.analysis",
    "plot_trend": "crmkit.analysis",
    "plot_overlaps": "crmkit.analysis",
    # prediction and near-duplicates
    "predict": "crmkit.matching",
    "predict_data_dir": "crmkit.matching",
    "compare": "crmkit.agreement",
    "near_duplicates": "crmkit.neardup",
    "shadow": "crmkit.neardup",
    # clusters among the open leads
    "lead_clusters": "crmkit.clusters",
    "cluster_summary": "crmkit.clusters",
    # conversion
    "Policy": "crmkit.conversion",
    "plan_from_options": "crmkit.conversion",
    "make_plan": "crmkit.conversion",
    "load_plan": "crmkit.conversion",
    "save_plan": "crmkit.conversion",
    "validate": "crmkit.conversion",
    "estimate": "crmkit.conversion",
    "execute": "crmkit.conversion",
    "Journal": "crmkit.conversion",
    # report and widgets
    "compute_report": "crmkit.report",
    "render_html": "crmkit.report",
    "write_report": "crmkit.report",
    "explore": "crmkit.widgets.explorer",
    "convert_console": "crmkit.widgets",
}

__all__ = sorted(_EXPORTS)  # each name is written once, above (and for type checkers below)

if TYPE_CHECKING:  # the same names for type checkers: `X as X` marks each a re-export
    from crmkit.agreement import compare as compare
    from crmkit.analysis import field_overlaps as field_overlaps
    from crmkit.analysis import module_rates as module_rates
    from crmkit.analysis import plot_field_rates as plot_field_rates
    from crmkit.analysis import plot_overlaps as plot_overlaps
    from crmkit.analysis import plot_trend as plot_trend
    from crmkit.analysis import rate_table as rate_table
    from crmkit.analysis import segment_rates as segment_rates
    from crmkit.analysis import top_accounts as top_accounts
    from crmkit.api import ConversionOptions as ConversionOptions
    from crmkit.api import ConvertRequest as ConvertRequest
    from crmkit.api import ConvertResult as ConvertResult
    from crmkit.api import CRMClient as CRMClient
    from crmkit.api import CRMError as CRMError
    from crmkit.api import MassConvertRequest as MassConvertRequest
    from crmkit.api import OutcomeUnknownError as OutcomeUnknownError
    from crmkit.clusters import cluster_summary as cluster_summary
    from crmkit.clusters import lead_clusters as lead_clusters
    from crmkit.connection import connect as connect
    from crmkit.conversion import Journal as Journal
    from crmkit.conversion import Policy as Policy
    from crmkit.conversion import estimate as estimate
    from crmkit.conversion import execute as execute
    from crmkit.conversion import load_plan as load_plan
    from crmkit.conversion import make_plan as make_plan
    from crmkit.conversion import plan_from_options as plan_from_options
    from crmkit.conversion import save_plan as save_plan
    from crmkit.conversion import validate as validate
    from crmkit.errors import CrmkitError as CrmkitError
    from crmkit.frames import fetch_leads as fetch_leads
    from crmkit.frames import fetch_options as fetch_options
    from crmkit.frames import options_frames as options_frames
    from crmkit.frames import read_leads_bulk_zip as read_leads_bulk_zip
    from crmkit.frames import read_leads_csv as read_leads_csv
    from crmkit.matching import predict as predict
    from crmkit.matching import predict_data_dir as predict_data_dir
    from crmkit.neardup import near_duplicates as near_duplicates
    from crmkit.neardup import shadow as shadow
    from crmkit.report import compute_report as compute_report
    from crmkit.report import render_html as render_html
    from crmkit.report import write_report as write_report
    from crmkit.sandbox import Sandbox as Sandbox
    from crmkit.snapshot import Snapshot as Snapshot
    from crmkit.snapshot import fetch_snapshot as fetch_snapshot
    from crmkit.snapshot import load_snapshot as load_snapshot
    from crmkit.snapshot import refresh_snapshot as refresh_snapshot
    from crmkit.snapshot import save_snapshot as save_snapshot
    from crmkit.widgets import convert_console as convert_console
    from crmkit.widgets.explorer import explore as explore


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crmkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

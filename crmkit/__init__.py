"""crmkit: find the leads that already exist in Zoho CRM, and convert them safely.

The names below are crmkit's public API. They load lazily (PEP 562), so ``import crmkit`` stays
quick in a notebook and a part's heavy dependencies (matplotlib, ipywidgets) load only when used.

- Connecting: :func:`connect` returns a :class:`CRMClient` (the embedded :class:`Sandbox` when no
  Zoho credentials are configured).
- Frames: leads and conversion options as DataFrames (:func:`read_leads_csv`, :func:`fetch_leads`,
  :func:`fetch_options`, snapshots).
- Analysis: duplicate rates by field, module and segment (:func:`rate_table`, plots).
- Prediction: Zoho's answer from exports (:func:`predict`), near-duplicates beyond it.
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
    # connecting
    "connect": "crmkit.api",
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

__all__ = [
    "CRMClient",
    "CRMError",
    "ConversionOptions",
    "ConvertRequest",
    "ConvertResult",
    "Journal",
    "MassConvertRequest",
    "OutcomeUnknownError",
    "Policy",
    "Sandbox",
    "Snapshot",
    "compare",
    "compute_report",
    "connect",
    "convert_console",
    "estimate",
    "execute",
    "explore",
    "fetch_leads",
    "fetch_options",
    "fetch_snapshot",
    "field_overlaps",
    "load_plan",
    "load_snapshot",
    "make_plan",
    "module_rates",
    "near_duplicates",
    "options_frames",
    "plan_from_options",
    "plot_field_rates",
    "plot_overlaps",
    "plot_trend",
    "predict",
    "predict_data_dir",
    "rate_table",
    "read_leads_bulk_zip",
    "read_leads_csv",
    "refresh_snapshot",
    "render_html",
    "save_plan",
    "save_snapshot",
    "segment_rates",
    "shadow",
    "top_accounts",
    "validate",
    "write_report",
]

if TYPE_CHECKING:
    from crmkit.agreement import compare
    from crmkit.analysis import (
        field_overlaps,
        module_rates,
        plot_field_rates,
        plot_overlaps,
        plot_trend,
        rate_table,
        segment_rates,
        top_accounts,
    )
    from crmkit.api import (
        ConversionOptions,
        ConvertRequest,
        ConvertResult,
        CRMClient,
        CRMError,
        MassConvertRequest,
        OutcomeUnknownError,
        connect,
    )
    from crmkit.conversion import (
        Journal,
        Policy,
        estimate,
        execute,
        load_plan,
        make_plan,
        plan_from_options,
        save_plan,
        validate,
    )
    from crmkit.frames import (
        fetch_leads,
        fetch_options,
        options_frames,
        read_leads_bulk_zip,
        read_leads_csv,
    )
    from crmkit.matching import predict, predict_data_dir
    from crmkit.neardup import near_duplicates, shadow
    from crmkit.report import compute_report, render_html, write_report
    from crmkit.sandbox import Sandbox
    from crmkit.snapshot import (
        Snapshot,
        fetch_snapshot,
        load_snapshot,
        refresh_snapshot,
        save_snapshot,
    )
    from crmkit.widgets import convert_console
    from crmkit.widgets.explorer import explore


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crmkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

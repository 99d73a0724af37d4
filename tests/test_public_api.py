"""The public API is curated: this pins what `crmkit` exports and that every name resolves."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

import crmkit

EXPECTED = {
    "CRMClient", "CRMError", "ConversionOptions", "ConvertRequest", "ConvertResult", "Journal",
    "MassConvertRequest", "OutcomeUnknownError", "Policy", "Sandbox", "Snapshot", "compare",
    "compute_report", "connect", "convert_console", "estimate", "execute", "explore",
    "fetch_leads", "fetch_options", "fetch_snapshot", "field_overlaps", "load_plan",
    "load_snapshot", "make_plan", "module_rates", "near_duplicates", "options_frames",
    "plan_from_options", "plot_field_rates", "plot_overlaps", "plot_trend", "predict",
    "predict_data_dir", "rate_table", "read_leads_bulk_zip", "read_leads_csv",
    "refresh_snapshot", "render_html", "save_plan", "save_snapshot", "segment_rates", "shadow",
    "top_accounts", "validate", "write_report", "CrmkitError",
    "cluster_summary", "lead_clusters",
}  # fmt: skip


def test_exports_are_pinned() -> None:
    assert set(crmkit.__all__) == EXPECTED == set(crmkit._EXPORTS)
    assert crmkit.__all__ == sorted(crmkit.__all__)


def test_crmkit_error_is_the_root_of_the_exported_errors() -> None:
    assert issubclass(crmkit.CRMError, crmkit.CrmkitError)
    assert issubclass(crmkit.OutcomeUnknownError, crmkit.CrmkitError)
    assert crmkit.CrmkitError.__module__ == "crmkit.errors"


def test_type_checkers_see_the_same_exports_from_the_same_modules() -> None:
    """The `if TYPE_CHECKING:` block re-exports (`X as X`) exactly what `_EXPORTS` loads lazily."""
    tree = ast.parse(inspect.getsource(crmkit))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    seen = {
        alias.asname: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name
    }
    assert seen == crmkit._EXPORTS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_export_resolves(name: str) -> None:
    value = getattr(crmkit, name)
    assert getattr(value, "__name__", name) == name


def test_no_submodule_shadows_an_export() -> None:
    """Importing a submodule sets it as a package attribute: none may share an export's name."""
    for info in pkgutil.walk_packages(crmkit.__path__, "crmkit."):
        if info.name != "crmkit.__main__":
            importlib.import_module(info.name)
    shadowed = [n for n in crmkit.__all__ if isinstance(getattr(crmkit, n), ModuleType)]
    assert shadowed == []


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        crmkit.nope  # type: ignore[attr-defined]  # noqa: B018


def test_import_is_light() -> None:
    """`import crmkit` loads no plotting, widget or HTTP library until a name needs it."""
    code = (
        "import sys, crmkit; heavy = {'matplotlib', 'ipywidgets', 'httpx', 'pandas'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

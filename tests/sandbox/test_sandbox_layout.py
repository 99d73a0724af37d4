"""The sandbox's layout holds: an independent emulator, small modules, thin routes, a typed org.

The sandbox and crmkit's client (and its matching predictor) are two implementations of Zoho's
rules held together by the agreement tests; an import between them, even by name, would let one
silently lean on the other.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from crmkit.api import limits as client_limits
from crmkit.api import updates as client_updates
from crmkit.mapping import STANDARD_MAPPING
from crmkit.sandbox import catalog, responses
from crmkit.sandbox import updates as sandbox_updates
from crmkit.sandbox.loader import load_data_dir
from crmkit.sandbox.org import Org
from crmkit.sandbox.server import bundled_data_path
from crmkit.sandbox.urls import CALLS

SANDBOX = Path(__file__).resolve().parents[2] / "crmkit" / "sandbox"
INDEPENDENT_OF = ("crmkit.api", "crmkit.matching", "crmkit.mapping", "crmkit.orgconfig")
MAX_LINES = 600


def _sources() -> list[Path]:
    return sorted(SANDBOX.glob("*.py"))


def _names_in(tree: ast.AST) -> set[str]:
    """Every module an import statement names, and every string constant (import_module args)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value.strip())
    return found


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_sandbox_never_names_the_client_or_the_predictor(path: Path) -> None:
    names = _names_in(ast.parse(path.read_text(encoding="utf-8")))
    hits = sorted(
        n for n in names for p in INDEPENDENT_OF if n == p or n.startswith((p + ".", p + ":"))
    )
    assert hits == []


def test_the_scan_sees_imports() -> None:
    names = _names_in(ast.parse((SANDBOX / "app.py").read_text(encoding="utf-8")))
    assert "crmkit.sandbox.urls.CALLS" in names


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_no_sandbox_module_is_over_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_every_crm_route_is_a_thin_handler_in_responses() -> None:
    for call in CALLS:
        assert inspect.getmodule(call.handler) is responses, call.path
        body = inspect.getsource(call.handler).splitlines()[1:]  # without the `def` line
        assert len(body) <= 6, f"{call.path}: {len(body)} lines; the rule belongs in the backend"


def test_the_sandbox_copy_of_zohos_standard_mapping_agrees_with_crmkits() -> None:
    """Zoho's standard conversion map is written twice on purpose (the sandbox's catalog and
    crmkit.mapping, read offline); the two must say the same."""
    inverted: dict[str, dict[str, str]] = {}
    for lead_field, targets in catalog.DEFAULT_CONVERT_MAPPING.items():
        for target, target_field in targets.items():
            inverted.setdefault(target, {})[lead_field] = target_field
    assert inverted == STANDARD_MAPPING


def test_the_sandbox_copy_of_zoho_limits_agrees_with_the_clients() -> None:
    """Two copies on purpose (catalog.py, crmkit/api/limits.py): this keeps them equal."""
    assert dict(catalog.CONCURRENCY) == {
        e: client_limits.edition_concurrency(e) for e in catalog.EDITIONS
    }
    assert catalog.SUB_CONCURRENCY == client_limits.SUB_CONCURRENCY
    convert = next(c for c in CALLS if c.path.endswith("/actions/convert"))
    search = next(c for c in CALLS if c.path.endswith("/search"))
    bulk_create = next(c for c in CALLS if c.method == "POST" and c.path == "/crm/bulk/v8/read")
    assert convert.cost == client_limits.call_credits("convert") == 5
    assert bulk_create.cost == client_limits.call_credits("bulk_create") == 50
    update = next(c for c in CALLS if c.method == "PUT" and c.path == "/crm/v8/{module}")
    others = {c.cost for c in CALLS if c not in (convert, bulk_create, update)}
    assert others == {client_limits.call_credits("get")}
    for n in (1, 9, 10, 11, 100):  # Update Records: 1 credit per 10 records, on both sides
        body = {"data": [{"id": "1"}] * n}
        assert sandbox_updates.update_credits(body) == client_updates.update_credits(n)
    assert [c for c in CALLS if c.pool] == [convert, search]
    assert {"convert", "search"} <= client_limits.SUB_POOL_KINDS


def _bundled_org() -> tuple[dict[str, object], Org]:
    data = load_data_dir(bundled_data_path())
    return data.org, Org.from_json(data.org, data.fields)


def test_the_typed_org_round_trips_the_stored_settings() -> None:
    raw, org = _bundled_org()
    assert org.to_json() == raw


def test_the_org_repr_hides_the_credentials_secrets() -> None:
    _, org = _bundled_org()
    creds = org.credentials
    shown = repr(org)
    assert creds.client_id in shown
    for secret in (creds.client_secret, creds.refresh_token, creds.code):
        assert secret not in shown

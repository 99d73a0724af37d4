"""Arrows point one way (docs/architecture.md): this holds the package to its layering.

Read from the source with `ast`, so a violation fails here before it becomes a habit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "crmkit"

# Parts the user-facing layers build on; none of them may reach up into a front end.
FRONT_ENDS = ("crmkit.widgets", "crmkit.report", "crmkit.cli", "crmkit.demo")
CORE = (
    "crmkit.frames",
    "crmkit.snapshot",
    "crmkit.analysis",
    "crmkit.matching",
    "crmkit.orgconfig",
    "crmkit.normalize",
    "crmkit.neardup",
    "crmkit.agreement",
    "crmkit.conversion",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module -> every module it imports (absolute names, relative ones resolved)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        found[name] = targets
    return found


IMPORTS = _imports()


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _violations(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{source} imports {target}"
        for source, targets in IMPORTS.items()
        if _within(source, sources)
        for target in targets
        if _within(target, forbidden) and not _within(target, sources)
    )


def test_the_scan_sees_the_package() -> None:
    assert "crmkit.api.client" in IMPORTS and "httpx" in IMPORTS["crmkit.api.client"]


def test_only_the_api_package_imports_httpx() -> None:
    users = sorted(m for m, targets in IMPORTS.items() if _within("httpx", tuple(targets)))
    assert users and all(_within(m, ("crmkit.api",)) for m in users), users


@pytest.mark.parametrize(
    ("sources", "forbidden"),
    [
        (("crmkit.sandbox",), ("crmkit.api",)),
        (("crmkit.api",), ("crmkit.sandbox",)),
        (("crmkit.sampledata",), ("crmkit.api", "crmkit.sandbox", *CORE, *FRONT_ENDS)),
        (("crmkit.api",), (*CORE, *FRONT_ENDS)),
        (CORE, FRONT_ENDS),
    ],
    ids=["sandbox-api", "api-sandbox", "sampledata", "api-up", "core-front-ends"],
)
def test_arrows_point_one_way(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    assert _violations(sources, forbidden) == []

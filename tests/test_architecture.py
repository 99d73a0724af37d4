"""Arrows point one way (docs/architecture.md): this holds the package to its layering.

Read from the source with `ast`, so a violation fails here before it becomes a habit; string
imports (`importlib.import_module("crmkit…")`) count as imports and are refused outright. The
error tree is checked on the imported package: every exception class crmkit defines is a
`CrmkitError`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import crmkit
from crmkit.errors import CrmkitError

PACKAGE = Path(__file__).resolve().parents[1] / "crmkit"

# Parts the user-facing layers build on; none of them may reach up into a front end.
FRONT_ENDS = ("crmkit.widgets", "crmkit.report", "crmkit.cli", "crmkit.demo")
CORE = (
    "crmkit.frames",
    "crmkit.snapshot",
    "crmkit.analysis",
    "crmkit.matching",
    "crmkit.mapping",
    "crmkit.orgconfig",
    "crmkit.normalize",
    "crmkit.neardup",
    "crmkit.agreement",
    "crmkit.conversion",
    "crmkit.clusters",
)


# The one module that knows both the client and the sandbox (which never import each other).
CONNECTION = "crmkit.connection"


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _string_imports(tree: ast.AST) -> list[str]:
    """Modules named by a string literal in `import_module("…")` or `__import__("…")` calls."""
    names = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        first = node.args[0]
        if called in ("import_module", "__import__") and isinstance(first, ast.Constant):
            names.extend([first.value] if isinstance(first.value, str) else [])
    return names


def _imports() -> dict[str, set[str]]:
    """Module -> every module it imports (absolute names, relative ones resolved; string imports
    of crmkit modules included, so hiding an arrow in a string does not hide it from here)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = {t for t in _string_imports(tree) if _within(t, ("crmkit",))}
        for node in ast.walk(tree):
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
        (("crmkit.sandbox",), ("crmkit.api", CONNECTION)),
        (("crmkit.api",), ("crmkit.sandbox", CONNECTION)),
        (("crmkit.sampledata",), ("crmkit.api", "crmkit.sandbox", CONNECTION, *CORE, *FRONT_ENDS)),
        (("crmkit.api",), (*CORE, *FRONT_ENDS)),
        (CORE, (CONNECTION, *FRONT_ENDS)),
        (("crmkit.errors",), ("crmkit",)),
    ],
    ids=["sandbox-api", "api-sandbox", "sampledata", "api-up", "core-front-ends", "errors-leaf"],
)
def test_arrows_point_one_way(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    assert _violations(sources, forbidden) == []


def test_the_scan_sees_string_imports() -> None:
    tree = ast.parse(
        "import importlib\n"
        "sandbox = importlib.import_module('crmkit.sandbox')\n"
        "api = __import__('crmkit.api')\n"
        "name = 'crmkit.frames'\n"
        "frames = importlib.import_module(name)\n"  # a variable: the lazy public API's way
    )
    assert _string_imports(tree) == ["crmkit.sandbox", "crmkit.api"]


def test_no_crmkit_module_is_imported_by_a_string() -> None:
    """A string import hides an arrow from this test and the call from mypy: import normally."""
    found = sorted(
        f"{_module_name(path)} imports {target!r} by name"
        for path in PACKAGE.rglob("*.py")
        for target in _string_imports(ast.parse(path.read_text(encoding="utf-8")))
        if _within(target, ("crmkit",))
    )
    assert found == []


def test_only_connection_imports_both_the_client_and_the_sandbox() -> None:
    """`connect()` sits above `api` and `sandbox`; the package root only re-exports names (its
    imports are for type checkers, and `test_public_api` pins them)."""
    both = sorted(
        module
        for module, targets in IMPORTS.items()
        if module != "crmkit"
        and _within_any(targets, ("crmkit.api",))
        and _within_any(targets, ("crmkit.sandbox",))
    )
    assert both == [CONNECTION]


def test_front_ends_are_packages_and_command_lines_live_in_the_cli_package() -> None:
    for front_end in ("cli", "report", "widgets"):
        assert (PACKAGE / front_end / "__init__.py").is_file(), front_end
        assert not (PACKAGE / f"{front_end}.py").exists(), front_end
    assert (PACKAGE / "report" / "templates" / "report.html.j2").is_file()
    cli = PACKAGE / "cli"
    stray = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.parent != cli and (path.stem.endswith("cli") or _defines(path, "add_parser"))
    )
    assert stray == []


def _within_any(targets: set[str], prefixes: tuple[str, ...]) -> bool:
    return any(_within(t, prefixes) for t in targets)


def _defines(path: Path, function: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.FunctionDef) and n.name == function for n in tree.body)


def _exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in crmkit, found by importing every submodule."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(crmkit.__path__, "crmkit."):
        if info.name.rpartition(".")[2] == "__main__":
            continue  # running the command is not importing it
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == info.name:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[k] for k in sorted(found)]


def test_every_crmkit_error_is_a_crmkit_error() -> None:
    classes = _exception_classes()
    names = {c.__name__ for c in classes}
    assert {
        "CRMError",
        "PlanError",
        "SandboxError",
        "ApiError",
        "ConsoleError",
        "FramesError",
    } <= names
    outside = [
        f"{c.__module__}.{c.__qualname__}"
        for c in classes
        if not issubclass(c, CrmkitError)
        and not issubclass(c, Warning)  # warnings are not errors (CreditWarning)
    ]
    assert outside == []

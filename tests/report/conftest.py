"""Fixtures for the report tests: hand-built frames with known answers."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def load_handframes() -> ModuleType:
    """tests/report/handframes.py, imported by path (the tests folders are not packages)."""
    path = Path(__file__).with_name("handframes.py")
    spec = importlib.util.spec_from_file_location("crmkit_test_handframes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def hand() -> ModuleType:
    return load_handframes()


@dataclass
class DemoRun:
    result: Any  # crmkit.demo.DemoResult
    printed: list[str]
    out: Path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The demo run once (embedded sandbox on the bundled sample org), its printed lines kept."""
    from crmkit.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    printed: list[str] = []
    result = run_demo(out, progress=False, echo=printed.append)
    return DemoRun(result, printed, out)

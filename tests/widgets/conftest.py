"""Fixtures for the widget tests: hand-built frames, and closing every widget after each test."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import ipywidgets
import pytest


@pytest.fixture
def hand() -> ModuleType:
    """tests/report/handframes.py, imported by path (the tests folders are not packages)."""
    path = Path(__file__).parent.parent / "report" / "handframes.py"
    spec = importlib.util.spec_from_file_location("crmkit_test_handframes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _close_widgets() -> Iterator[None]:
    yield
    ipywidgets.Widget.close_all()

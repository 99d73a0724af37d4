"""Fixtures for the report tests: hand-built frames with known answers."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

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

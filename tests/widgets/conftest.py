"""Fixtures for the widget tests: hand-built frames, the console's small org on a real sandbox
(`org_sb`, and a `client` talking HTTP to it), and closing every widget after each test."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import ipywidgets
import pytest
from console_org import client_for, org_records

from crmkit.api import CRMClient
from crmkit.sandbox import Sandbox


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


@pytest.fixture
def org_sb(small_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return small_sandbox(**org_records())


@pytest.fixture
def client(org_sb: Sandbox) -> Iterator[CRMClient]:
    c = client_for(org_sb)
    yield c
    c.close()

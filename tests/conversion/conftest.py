"""Fixtures for tests/conversion; its helpers live in conversion_support.py, a module name no other
test folder shares, so every folder imports its own helpers in one pytest run."""

from conversion_support import (
    client,
    org_dir,
    org_sb,
    shared_client,
    shared_sb,
)

__all__ = [
    "client",
    "org_dir",
    "org_sb",
    "shared_client",
    "shared_sb",
]

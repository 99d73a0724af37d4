"""Fixtures for tests/api; its helpers live in api_support.py, a module name no other
test folder shares, so every folder imports its own helpers in one pytest run."""

from api_support import (
    client_for,
    fake,
    make_client,
    sleeps,
)

__all__ = [
    "client_for",
    "fake",
    "make_client",
    "sleeps",
]

"""Close every sandbox_helpers.Api client after its test (no sockets left to the GC)."""

from collections.abc import Iterator

import pytest
from sandbox_helpers import Api


@pytest.fixture(autouse=True)
def _close_api_clients() -> Iterator[None]:
    yield
    Api.close_all()

"""The records one Bulk Read page holds: a module's records in id order, filtered, counted.

Read from the store in chunks (`Store.scan_ids`, the `(module, id)` index) so a page of 200,000
records never sits in memory at once; the writer (`bulk_csv.write_zip`) consumes the chunks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from crmkit.sandbox.bulk_criteria import Criteria
from crmkit.sandbox.store import Store

CHUNK_ROWS = 5_000


class Pages:
    """Matching records in id order: skip `skip`, yield up to `size` in chunks, then look ahead."""

    def __init__(
        self,
        store: Store,
        module: str,
        criteria: Criteria | None,
        after: int,
        skip: int,
        size: int,
    ) -> None:
        self.store, self.module, self.criteria = store, module, criteria
        self.after, self.skip, self.size = after, skip, size
        self.last = after
        self._rows = self._matching()
        self._ahead: Any = None

    def _scan(self) -> Iterator[tuple[int, dict[str, Any]]]:
        after = self.after
        while True:
            rows = self.store.scan_ids(self.module, after, CHUNK_ROWS)
            if not rows:
                return
            for idn, data in rows:
                yield idn, json.loads(data)
            after = rows[-1][0]

    def _matching(self) -> Iterator[tuple[int, dict[str, Any]]]:
        criteria = self.criteria
        for idn, rec in self._scan():
            if criteria is None or criteria.test(rec):
                yield idn, rec

    def chunks(self) -> Iterator[list[Mapping[str, Any]]]:
        for _ in range(self.skip):
            if next(self._rows, None) is None:
                return
        chunk: list[Mapping[str, Any]] = []
        for taken, (idn, rec) in enumerate(self._rows, start=1):
            chunk.append(rec)
            self.last = idn
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
            if taken >= self.size:
                break
        if chunk:
            yield chunk

    def more(self) -> bool:
        """Whether a matching record follows the last one written."""
        self._ahead = next(self._rows, None)
        return self._ahead is not None

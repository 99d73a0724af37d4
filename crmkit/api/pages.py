"""One page iterator for every paginated Zoho call (record listings, search, users).

Zoho pages with `page` + `per_page` and says `info.more_records`. Record listings refuse `page`
past 2,000 records and continue with `info.next_page_token`; search stops at 2,000 results. One
loop holds those rules, so no call re-implements them (or forgets one).

It also refuses paging that does not advance, which would otherwise loop forever: a page token
that comes back again, a page whose records were all returned already, `more_records` on a page
with no records. Each raises `PaginationError` naming the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from crmkit.api.errors import PaginationError

PAGE_LIMIT = 2000  # records reachable with `page`; beyond, `page_token`
MAX_PER_PAGE = 200
SEARCH_LIMIT = 2000  # results a search returns at most

Fetch = Callable[[dict[str, Any]], dict[str, Any] | None]
"""Sends one page's query (the given params plus `page` or `page_token`); None for 204."""


def iter_pages(
    fetch: Fetch,
    params: Mapping[str, Any],
    *,
    key: str = "data",
    per_page: int = MAX_PER_PAGE,
    token_after: int | None = None,
    cap: int | None = None,
    path: str = "",
) -> Iterator[list[dict[str, Any]]]:
    """Yield the non-empty pages of `body[key]` until Zoho says there are no more records.

    `per_page` must match the `per_page` in `params`. `token_after`: records reachable with
    `page` (record listings: 2,000); past them the iterator follows `next_page_token`, and an
    answer without one is a `PaginationError` naming `path`. `cap`: stop once this many rows
    came (search: 2,000). An empty answer (204) ends the iteration. The bodies are expected to be
    checked already (`crmkit.api.decode.records`): a list of records with ids under `key`.
    """
    page = 1
    page_token: str | None = None
    tokens: set[str] = set()
    ids: set[str] = set()
    seen = 0

    def refuse(problem: str) -> PaginationError:
        where = {"page_token": page_token} if page_token is not None else {"page": page}
        return PaginationError(
            problem, method="GET", path=path, status=200, details={**where, "per_page": per_page}
        )

    while True:
        query = dict(params)
        if page_token is not None:
            query["page_token"] = page_token
        else:
            query["page"] = page
        body = fetch(query)
        if body is None:
            return
        rows = list(body.get(key) or [])
        info = body.get("info") or {}
        more = bool(info.get("more_records"))
        fresh = {str(row.get("id")) for row in rows} - ids
        if rows and not fresh:
            raise refuse(f"the page repeats {len(rows)} record(s) already returned")
        if more and not rows:
            raise refuse("more_records is true on a page without records: paging cannot advance")
        ids |= fresh
        if rows:
            seen += len(rows)
            yield rows
        if not more or (cap is not None and seen >= cap):
            return
        if page_token is None and (token_after is None or (page + 1) * per_page <= token_after):
            page += 1
            continue
        next_token = info.get("next_page_token")
        if not next_token:
            raise refuse(
                f"more than {token_after} records but the answer carries no next_page_token"
            )
        next_token = str(next_token)
        if next_token in tokens:
            raise refuse("next_page_token repeats a token already followed: paging cannot advance")
        tokens.add(next_token)
        page_token = next_token

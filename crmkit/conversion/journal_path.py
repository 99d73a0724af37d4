"""Where a conversion journal lives: one function every front end calls (`journal_path`).

Order: the path given (`--journal`, `journal=`), else `$CRMKIT_JOURNAL`, else a file per org
under the user data dir (`<data>/crmkit/journals/<org id>.sqlite`, platformdirs), so a rehearsal
on a sandbox and a run against Zoho never share a journal by accident. Before journals were per
org, the default was one shared `<data>/crmkit/journal.sqlite` (`legacy_journal_path`); crmkit
still lists and opens it (`crmkit history`), and its runs count as "org unknown".
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import platformdirs

__all__ = [
    "JOURNAL_ENV",
    "journal_path",
    "journals_dir",
    "known_journals",
    "legacy_journal_path",
    "org_journal_path",
]

JOURNAL_ENV = "CRMKIT_JOURNAL"
_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _data_dir() -> Path:
    return Path(platformdirs.user_data_dir("crmkit"))


def journals_dir() -> Path:
    """`<user data dir>/crmkit/journals`: the per-org default journals."""
    return _data_dir() / "journals"


def legacy_journal_path() -> Path:
    """`<user data dir>/crmkit/journal.sqlite`: the one shared default of crmkit before orgs."""
    return _data_dir() / "journal.sqlite"


def org_journal_path(org_id: str) -> Path:
    """The default journal of one org: `journals/<org id>.sqlite` (odd ids hashed to a name)."""
    name = org_id if _SAFE.match(org_id) else hashlib.sha256(org_id.encode()).hexdigest()[:32]
    return journals_dir() / f"{name}.sqlite"


def journal_path(journal: str | Path | None = None, *, org_id: str | None = None) -> Path | None:
    """The journal to use: `journal`, else `$CRMKIT_JOURNAL`, else the org's default file.

    None only when neither is set and the org is not known (a reader with no org to go by, such as
    a report of a snapshot without an org id).
    """
    if journal is not None and str(journal) != "":
        return Path(journal)
    env = os.environ.get(JOURNAL_ENV)
    if env:
        return Path(env)
    if org_id is None:
        return None
    return org_journal_path(org_id)


def known_journals() -> list[Path]:
    """Journals a reader with no org should show: `$CRMKIT_JOURNAL` alone when set, else every
    per-org default journal and the legacy shared one, when they exist."""
    env = os.environ.get(JOURNAL_ENV)
    if env:
        return [Path(env)]
    found = sorted(journals_dir().glob("*.sqlite")) if journals_dir().is_dir() else []
    legacy = legacy_journal_path()
    return found + ([legacy] if legacy.exists() else [])

"""Files only their owner may read: SQLite databases holding secrets or an org's audit trail.

The sandbox's `--db` file holds the org's client secret and refresh token; a conversion journal
holds every lead converted and the records before and after. Under the usual umask 022 SQLite
creates both 0644, readable by every user of the machine. SQLite gives its `-wal`, `-shm` and
`-journal` files the database file's mode, so creating that file 0600 first covers them; files
left readable by others by an older crmkit (a WAL still live included) lose those bits on open.
"""

from __future__ import annotations

import contextlib
import os
import stat

SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")
SQLITE_MAGIC = b"SQLite format 3\x00"


def private_sqlite(path: str | os.PathLike[str]) -> None:
    """Create the database file `path` 0600 when missing; take group/other bits off it and its
    siblings when present. Best effort: a path SQLite cannot use is left for its own open to
    report, and a file that is not a database (a wrong path given) or is owned by someone else
    stays as it is."""
    target = os.fspath(path)
    if target in ("", ":memory:") or target.startswith("file:") or not _sqlite_or_new(target):
        return
    with contextlib.suppress(OSError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (target, *(target + suffix for suffix in SQLITE_SIBLINGS)):
        _tighten(name)


def private_dirs(path: str | os.PathLike[str]) -> None:
    """Create the directory `path` and its missing parents 0700, so the names inside (a journal
    per org id) are not listed to other users; directories that exist are left as they are."""
    missing: list[str] = []
    current = os.path.abspath(os.fspath(path))
    while not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for name in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700)


def _sqlite_or_new(name: str) -> bool:
    try:
        with open(name, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return head in (b"", SQLITE_MAGIC)


def _tighten(name: str) -> None:
    try:
        mode = os.stat(name).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) and mode & 0o077:
        with contextlib.suppress(OSError):
            os.chmod(name, stat.S_IMODE(mode) & 0o700)

"""Company keys of many distinct names, shared out between this process and a helper process.

``company_key`` is Python per name (cleanco's forms, a dozen regular expressions): a million
contacts name some 300,000 accounts, about 14 s on one core. Above ``PARALLEL_FROM`` names not
yet known, a second Python (``python -m crmkit.neardup.company_keys``: a plain subprocess, so
that no script or notebook is imported again, as multiprocessing's spawn would) keys half of
them while this process keys the other half. Should the helper fail, this process keys its
half too: nothing is lost, it is only slower. The answers are kept (``remember``) so the
accounts' names, which the contacts' names already were, are not keyed twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from crmkit.neardup.folding import fold_one
from crmkit.normalize import company_key

PARALLEL_FROM = 60_000  # below this, starting a process costs more than it saves
_KNOWN: dict[str, str | None] = {}
_KNOWN_LIMIT = 2_000_000  # forgotten past this (a long-lived kernel keys many orgs)
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def folded_company_key(value: str) -> str | None:
    """``company_key`` with accents folded ("Müller GmbH" -> "muller")."""
    key = company_key(value)
    return (fold_one(key) or None) if key else None


def keys_of(names: list[str]) -> list[str | None]:
    """Folded company keys of ``names``, in order."""
    return [folded_company_key(n) for n in names]


_PENDING: list[tuple[list[str], subprocess.Popen[bytes] | None]] = []


def prefetch(names: Iterable[str]) -> None:
    """Start keying ``names`` in the helper now, while this process does other work (the
    command line predicts Zoho's matches meanwhile); ``remember`` collects the answers."""
    todo = [n for n in dict.fromkeys(names) if n not in _KNOWN]
    if len(todo) >= PARALLEL_FROM:
        _PENDING.append((todo, _start_helper(todo)))


def _collect() -> None:
    while _PENDING:
        todo, helper = _PENDING.pop()
        _KNOWN.update(zip(todo, _answers_of(helper, todo), strict=True))


def remember(names: Iterable[str]) -> dict[str, str | None]:
    """The folded key of every name, computed once per process; in two processes when many."""
    _collect()
    todo = [n for n in dict.fromkeys(names) if n not in _KNOWN]
    if len(_KNOWN) + len(todo) > _KNOWN_LIMIT:
        _KNOWN.clear()
    if len(todo) >= PARALLEL_FROM:
        # The helper takes a little less: it must start Python and import crmkit first.
        half = len(todo) * 11 // 20
        helper = _start_helper(todo[half:])
        answers = keys_of(todo[:half]) + _answers_of(helper, todo[half:])
    else:
        answers = keys_of(todo)
    _KNOWN.update(zip(todo, answers, strict=True))
    return _KNOWN


def _start_helper(names: list[str]) -> subprocess.Popen[bytes] | None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p
    )}  # fmt: skip
    try:
        helper = subprocess.Popen(
            [sys.executable, "-m", "crmkit.neardup.company_keys"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert helper.stdin is not None
        helper.stdin.write(json.dumps(names).encode("utf-8"))
        helper.stdin.close()
    except OSError:
        return None
    return helper


def _answers_of(helper: subprocess.Popen[bytes] | None, names: list[str]) -> list[str | None]:
    """The helper's answers; this process's own when the helper gave none it can use."""
    if helper is not None:
        assert helper.stdout is not None
        out = helper.stdout.read()
        if helper.wait() == 0:
            try:
                answers = json.loads(out)
            except ValueError:
                answers = None
            if isinstance(answers, list) and len(answers) == len(names):
                return [a if isinstance(a, str) else None for a in answers]
    return keys_of(names)


def main() -> int:
    """The helper: names as a JSON list on stdin, their keys as a JSON list on stdout."""
    names = json.loads(sys.stdin.buffer.read())
    sys.stdout.write(json.dumps(keys_of(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

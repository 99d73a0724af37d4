"""The sample generator's labels are not written by the matcher's rules.

Near-duplicate quality measured on the bundled sample means something only if the generator
plants variants from its own knowledge: it imports nothing from the matcher (`crmkit.normalize`,
`crmkit.neardup`, nor the `nicknames` package the matcher reads), and no word list of it is
largely a copy of one of theirs. Read with `ast`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "crmkit"
GENERATOR = sorted((PACKAGE / "sampledata").glob("*.py"))
# The matcher's word lists (nicknames, free-mail domains, role mailboxes) live in normalize.py;
# neardup.py's literals are column names and route names, a contract the generator shares.
MATCHER = [PACKAGE / "normalize.py"]
# The matcher's nickname knowledge includes the `nicknames` package: the generator's own list
# must not come from it either.
FORBIDDEN = ("crmkit.normalize", "crmkit.neardup", "nicknames")
MIN_STRINGS = 5
LARGELY = 0.8  # share of the smaller list found in the other


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _strings(nodes: list[ast.expr | None]) -> list[str]:
    out: list[str] = []
    for n in nodes:
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)
        elif isinstance(n, ast.Tuple | ast.List | ast.Set):
            out += _strings(list(n.elts))
    return out


def word_lists(path: Path) -> list[tuple[str, frozenset[str]]]:
    """Every list/tuple/set/dict literal of >= 5 strings (dict keys and values), lower-cased."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            words = [s for s in _strings(list(node.elts))]
        elif isinstance(node, ast.Dict):
            words = _strings(list(node.keys)) + _strings(list(node.values))
        else:
            continue
        cleaned = frozenset(w.strip().strip(".,").lower() for w in words if w.strip())
        if len(cleaned) >= MIN_STRINGS:
            found.append((f"{path.name}:{node.lineno}", cleaned))
    return found


@pytest.mark.parametrize("path", GENERATOR, ids=lambda p: p.name)
def test_the_generator_imports_nothing_from_the_matcher(path: Path) -> None:
    names = imported(ast.parse(path.read_text("utf-8")))
    assert not {n for n in names if n.startswith(FORBIDDEN)}, path


def test_no_generator_word_list_is_largely_the_matchers() -> None:
    matcher_lists = [wl for p in MATCHER for wl in word_lists(p)]
    assert any(len(words) > 100 for _, words in matcher_lists)  # the scan sees NICKNAMES
    copies = []
    for where, words in (wl for p in GENERATOR for wl in word_lists(p)):
        for other, theirs in matcher_lists:
            shared = len(words & theirs) / min(len(words), len(theirs))
            if shared >= LARGELY:
                copies.append(f"{where} is {shared:.0%} {other}")
    assert not copies, copies


def test_the_scan_catches_a_copied_list(tmp_path: Path) -> None:
    """The check itself: a list rewritten in another case and order still counts as a copy."""
    copy = tmp_path / "copy.py"
    copy.write_text('X = {"Bob": ("Robert",), "Bill": ("William",), "Jim": ("James",), '
                    '"Liz": ("Elizabeth",), "Tom": ("Thomas",)}\n', "utf-8")  # fmt: skip
    theirs = tmp_path / "theirs.py"
    text = '{"thomas": ("tom",), "james": ("jim",), "william": ("bill",), "robert": ("bob",), '
    theirs.write_text(f'Y = {text}"elizabeth": ("liz",), "mary": ("molly",)}}\n', "utf-8")
    (_, a), (_, b) = word_lists(copy)[0], word_lists(theirs)[0]
    assert len(a & b) / min(len(a), len(b)) >= LARGELY

"""Every message raised or warned by the appraisal, outcomes, behaviour and shared helper
modules goes through the message catalog: a raise or warning whose message is a bare
string (literal, f-string, concatenation, ``%`` or ``.format()`` on a literal) is reported
unless a ``# internal:`` comment at or above it says that no input can trigger it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "simlib"
OWNED = (
    "appraisal",
    "behavior",
    "outcomes.py",
    "metrics.py",
    "decision.py",
    "labels.py",
    "formatting.py",
    "vocabulary.py",
    "limits.py",
    "errors.py",
    "formats.py",
)
CATALOG = {"_", "ngettext"}


def _is_catalog_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CATALOG
    )


def _bare_text(node: ast.AST) -> bool:
    """A message built from string literals without passing through the catalog."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _bare_text(node.left) or _bare_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format":
            return _bare_text(node.func.value)
    return False


def _messages(tree: ast.AST):
    """(line, message node) of each raise and warnings.warn with a message; for SpecError's
    list of (path, message) pairs, each message."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "warn"
        ):
            call = node
        else:
            continue
        if not call.args:
            continue
        first = call.args[0]
        if isinstance(first, ast.List | ast.ListComp):
            pairs = first.elts if isinstance(first, ast.List) else [first.elt]
            for pair in pairs:
                if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                    yield node.lineno, pair.elts[1]
        else:
            yield node.lineno, first


def _untranslated(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []
    for lineno, msg in _messages(ast.parse(text)):
        if _is_catalog_call(msg) or not _bare_text(msg):
            continue
        marked = any("# internal:" in lines[i - 1] for i in (lineno - 1, lineno) if i >= 1)
        if not marked:
            found.append(f"{path.name}:{lineno}: {ast.unparse(msg)[:80]}")
    return found


def _files(owned: str) -> list[Path]:
    p = SRC / owned
    return sorted(p.rglob("*.py")) if p.is_dir() else [p]


@pytest.mark.parametrize("owned", OWNED)
def test_raised_and_warned_messages_go_through_the_catalog(owned):
    files = _files(owned)
    assert files and all(f.exists() for f in files)
    problems = [p for f in files for p in _untranslated(f)]
    assert not problems, "\n".join(problems)


def test_the_sweep_reports_a_bare_message_and_spares_a_marked_one(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        'def f(x):\n    raise ValueError(f"bad {x}")\n\n'
        'def g(x):\n    # internal: cannot happen\n    raise ValueError("never")\n\n'
        'def h(x):\n    raise SpecError([("a.b", "unknown key")])\n\n'
        'def k(x):\n    raise ValueError(_("fine {x}").format(x=x))\n',
        encoding="utf-8",
    )
    found = _untranslated(bad)
    assert [line.split(":")[1] for line in found] == ["2", "9"]

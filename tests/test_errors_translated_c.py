"""Every error the command line, the workbench, the design search and the topic reports
raise with a message goes through the catalog: a ``raise X(...)`` whose message is a
literal, an f-string, a ``+`` / ``%`` of strings or ``.format()`` on a literal must wrap
it in ``_()`` / ``ngettext()``, unless the line (or the one above) says ``# internal:``
(an invariant no input can break). Warnings given as such strings are held to the same."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "simlib"
OWNED = ["workbench", "search", "topics", "bundled.py", "i18n.py"]


def _is_text(node: ast.AST) -> bool:
    """A message built from string literals without the catalog."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_text(node.func.value)
    return False


def _untranslated(path: Path, root: Path = SRC) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            args = node.exc.args
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "warn"
        ):
            args = node.args
        else:
            continue
        if not args or not _is_text(args[0]):
            continue
        near = lines[max(0, node.lineno - 2) : node.lineno]
        if not any("# internal:" in line for line in near):
            found.append(
                f"{path.relative_to(root)}:{node.lineno}: {lines[node.lineno - 1].strip()}"
            )
    return found


@pytest.mark.parametrize("owned", OWNED)
def test_every_raised_message_goes_through_the_catalog(owned):
    where = SRC / owned
    files = sorted(where.rglob("*.py")) if where.is_dir() else [where]
    assert files, where
    found = [hit for f in files for hit in _untranslated(f)]
    assert not found, "messages outside the catalog:\n" + "\n".join(found)


def test_the_sweep_finds_an_untranslated_message(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f(x):\n"
        "    raise ValueError(f'bad {x}')\n"
        "def g(x):\n"
        "    raise ValueError(_('bad {x}').format(x=x))\n"
        "def h(x):\n"
        "    # internal: never reached from input\n"
        "    raise ValueError('bad' + x)\n"
        "def w(x):\n"
        "    warnings.warn('odd %s' % x)\n",
        encoding="utf-8",
    )
    found = _untranslated(bad, root=tmp_path)
    assert [hit.split(":")[1] for hit in found] == ["2", "9"], found

"""Every message simlib raises or warns goes through the catalog (``_()`` /
``ngettext``), so it follows the chosen language, or is marked ``# internal:`` (at the
site, or the line above) as an invariant no input can break. A message is caught when it
is built from text the catalog never sees: a literal, an f-string, ``+`` / ``%`` of such,
or ``.format()`` on a literal, in a ``raise``, a ``warn``, an error built to be passed on,
or a ``(path, message)`` pair a SpecError lists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "simlib"
#: Every package and module of simlib, each swept on its own.
OWNED = sorted(
    p.name
    for p in SRC.iterdir()
    if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"
)
TRANSLATORS = {"_", "ngettext"}


def _files(owned: str) -> list[Path]:
    p = SRC / owned
    return [p] if p.is_file() else sorted(p.rglob("*.py"))


def _is_text(node: ast.AST) -> bool:
    """A message built from text the catalog never sees: a literal, an f-string,
    ``+`` / ``%`` of such, or ``.format()`` on a literal."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_text(node.func.value)
    return False


def _first_arg(call: ast.AST) -> ast.AST | None:
    if not isinstance(call, ast.Call):
        return None
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg in ("message", "msg")), None)


def _messages(call: ast.AST) -> list[ast.AST]:
    """The message texts of a raise or warn call; a SpecError's list of
    ``(path, message)`` pairs gives each pair's message."""
    arg = _first_arg(call)
    if isinstance(arg, ast.List | ast.Tuple):
        out = []
        for elt in arg.elts:
            if isinstance(elt, ast.Tuple) and len(elt.elts) == 2:
                out.append(elt.elts[1])
        return out
    return [] if arg is None else [arg]


def _called(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _is_problem_append(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "append"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Tuple)
        and len(node.args[0].elts) == 2
    )


def _untranslated(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Raise):
            call = node.exc
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "warn"
        ):
            call = node
        elif isinstance(node, ast.Call) and _called(node).endswith("Error"):
            call = node  # an error built to be passed on (e.g. SpecError([...]))
        elif _is_problem_append(node):
            # errs.append((path, message)): the pairs a SpecError lists
            call = ast.Call(func=node.func, args=[ast.List(elts=node.args)], keywords=[])
        else:
            continue
        if not any(_is_text(m) for m in _messages(call)):
            continue
        first = node.lineno
        marked = any("# internal:" in lines[i - 1] for i in (first - 1, first) if i >= 1)
        marked = marked or any("# internal:" in line for line in lines[first - 1 : node.end_lineno])
        if not marked:
            found.append(f"{path}:{first}")
    return found


@pytest.mark.parametrize("owned", OWNED)
def test_raised_and_warned_messages_go_through_the_catalog(owned):
    bad = [site.replace(f"{SRC}/", "") for f in _files(owned) for site in _untranslated(f)]
    assert not bad, f"{len(bad)} message(s) not wrapped in _() nor marked # internal: {bad}"


def test_the_sweep_finds_an_unwrapped_message():
    src = "def f(x):\n    raise ValueError(f'bad {x}')\n"
    tree = ast.parse(src)
    raise_node = next(n for n in ast.walk(tree) if isinstance(n, ast.Raise))
    assert any(_is_text(m) for m in _messages(raise_node.exc))
    wrapped = ast.parse("raise ValueError(_('bad {x}').format(x=1))").body[0]
    assert not any(_is_text(m) for m in _messages(wrapped.exc))


def test_the_sweep_spares_a_marked_invariant(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def g(x):\n    # internal: cannot happen\n    raise ValueError('never')\n")
    assert _untranslated(f) == []


def test_every_module_is_swept():
    assert {"workbench", "appraisal", "engine", "spec.py", "outcomes.py"} <= set(OWNED)


def test_the_sweep_finds_an_unwrapped_problem_pair(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("errs.append((path, f'bad {x}'))\nerrs.append((path, _('ok')))\n")
    assert [s.rsplit(":", 1)[1] for s in _untranslated(f)] == ["1"]

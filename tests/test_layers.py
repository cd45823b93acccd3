"""No module imports another module's private (``_underscore``) names.

A private name is its module's own business: it may change or go without notice,
so a module (or a notebook) importing one from elsewhere breaks when it does. The
layers themselves are checked by ``lint-imports`` (the contracts in pyproject.toml,
run by ``make lint``); import-linter cannot see names, hence this check.

Allowed: gettext's ``_`` (:mod:`simlib.i18n`), and a package's private *modules*
(``simlib._atomic``, ``synthetic._core``) imported from inside that package.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    base = SRC.joinpath(*name.split("."))
    return (base / "__init__.py").is_file() or base.with_suffix(".py").is_file()


def private_imports(path: Path, me: str) -> set[tuple[str, str]]:
    """(importer, imported private name) for every ``from simlib... import _x`` in a file."""
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        if source.split(".")[0] != "simlib" or source == me:
            continue
        for alias in node.names:
            name = alias.name
            if not name.startswith("_") or name.startswith("__") or name == "_":
                continue
            full = f"{source}.{name}"
            if is_module(full) and me.startswith(source + "."):
                continue  # a package's private module, used inside the package
            found.add((me, full))
    return found


def all_private_imports() -> set[tuple[str, str]]:
    found = set()
    for path in sorted((SRC / "simlib").rglob("*.py")):
        found |= private_imports(path, module_name(path))
    for path in sorted((ROOT / "notebooks").glob("*.py")):
        found |= private_imports(path, f"notebooks/{path.name}")
    return found


def test_the_check_sees_a_private_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(
        "from simlib.scenario import _get, Scenario\n"
        "from simlib.i18n import _\n"
        "from . import _helper\n",
        encoding="utf-8",
    )
    assert private_imports(f, "simlib.workbench.m") == {
        ("simlib.workbench.m", "simlib.scenario._get"),
        ("simlib.workbench.m", "simlib.workbench._helper"),
    }


def test_no_module_imports_a_private_name_from_another():
    new = sorted(all_private_imports())
    assert not new, "private names imported from another module:\n" + "\n".join(
        f"  {me} imports {name}" for me, name in new
    )

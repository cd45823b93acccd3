"""An import-linter contract type: no module imports another module's private names.

A private (``_underscore``) name is its module's own business: it may change or go
without notice, so a module importing one from elsewhere breaks when it does.
import-linter's own contracts see modules, not names; this one reads each module's
imports and the names it reaches through the modules it imported
(``bh.estimate._sales``). An object's private attributes are beyond a reading of the
source: they are left to review. Registered in ``pyproject.toml`` (``contract_types``)
and run by ``lint-imports`` (``make lint``, CI).

Allowed: gettext's ``_`` (:mod:`simlib.i18n`), and a package's private *modules*
(``simlib._atomic``, ``synthetic._core``) imported from inside that package. The
``also_check`` option names further files (globs from the project folder, such as
the notebooks' paired scripts) checked as importers.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable
from pathlib import Path

from importlinter import Contract, ContractCheck, fields, output


def private_imports(
    source_text: str, me: str, is_package: bool, is_module: Callable[[str], bool]
) -> set[tuple[str, str, int]]:
    """(importer, private name, line) for every private name of another module that a
    module's source imports (``from <root>... import _x``) or reaches through a module it
    imported (``bh.estimate._sales``). ``me``: its dotted name; ``is_module``: whether a
    dotted name is a module of the project."""
    package = me if is_package else me.rpartition(".")[0]
    found = set()
    modules: dict[str, str] = {}  # names bound to the project's modules here

    def check(source: str, name: str, line: int) -> None:
        if source == me or not name.startswith("_") or name.startswith("__") or name == "_":
            return
        full = f"{source}.{name}"
        if is_module(full) and me.startswith(source + "."):
            return  # a package's private module, used inside the package
        found.add((me, full, line))

    tree = ast.parse(source_text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_module(alias.name.split(".")[0]):
                    bound = alias.name if alias.asname else alias.name.split(".")[0]
                    modules[alias.asname or bound] = bound
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        elif node.module:
            source = node.module
        else:
            continue
        if not is_module(source.split(".")[0]):
            continue
        for alias in node.names:
            check(source, alias.name, node.lineno)
            if is_module(f"{source}.{alias.name}"):
                modules[alias.asname or alias.name] = f"{source}.{alias.name}"
    # Private names reached through a module: ``bh.estimate._sales``.
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, value = [node.attr], node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name) or value.id not in modules:
            continue
        *path, name = reversed(chain)
        source = modules[value.id]
        for part in path:
            if not is_module(f"{source}.{part}"):
                break
            source = f"{source}.{part}"
        else:
            check(source, name, node.lineno)
    return found


def _source_file(name: str) -> tuple[Path | None, bool]:
    """A module's source file (found, not imported: a module is read, never run) and
    whether it is a package."""
    root, *rest = name.split(".")
    spec = importlib.util.find_spec(root)  # a top-level name is located, not imported
    if spec is None or not spec.submodule_search_locations:
        return None, False
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py"), False
    return None, False


class PrivateNamesContract(Contract):
    """Modules (and the ``also_check`` files) import no private name of another module."""

    type_name = "private_names"

    also_check = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph, verbose: bool) -> ContractCheck:
        modules = set(graph.modules)
        found: set[tuple[str, str, int]] = set()
        for name in sorted(modules):
            path, is_package = _source_file(name)
            if path is None:
                continue
            text = path.read_text(encoding="utf-8")
            found |= private_imports(text, name, is_package, modules.__contains__)
        for pattern in self.also_check or []:  # type: ignore[union-attr]
            for path in sorted(Path.cwd().glob(pattern)):
                text = path.read_text(encoding="utf-8")
                found |= private_imports(
                    text, str(path.relative_to(Path.cwd())), False, modules.__contains__
                )
        return ContractCheck(kept=not found, metadata={"imports": sorted(found)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Private names imported from another module:", bold=False)
        output.new_line()
        for importer, imported, line in check.metadata["imports"]:
            output.print_error(f"- {importer} imports {imported} (l.{line})", bold=False)
        output.new_line()

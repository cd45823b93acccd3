"""Every package of simlib states its public names (``__all__``), and each of them can be
reached: what a user sees with ``dir()`` or tab completion is what the package offers."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES = sorted(
    ".".join(p.parent.relative_to(SRC).parts) for p in (SRC / "simlib").rglob("__init__.py")
)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_states_its_public_names_and_each_resolves(package):
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None)
    assert names, f"{package} has no __all__"
    assert len(set(names)) == len(names), f"{package}: a name is listed twice"
    for name in names:
        private = name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
        assert not private, f"{package}.__all__ lists the private {name}"
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_an_unknown_name_of_a_lazy_package_is_an_attribute_error():
    import simlib.workbench

    assert not hasattr(simlib.workbench, "no_such_thing")
    assert "run_batch" in dir(simlib.workbench)

"""The private-names contract (``lint/private_names.py``, run by ``lint-imports``) sees
what it must: a private name imported from another module, relative or absolute, or
reached through a module (``bh.estimate._sales``), and lets gettext's ``_`` and a
package's own private modules through."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _contract_module():
    spec = importlib.util.spec_from_file_location("private_names", ROOT / "lint/private_names.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MODULES = {"simlib", "simlib.scenario", "simlib.workbench", "simlib.workbench._helper",
           "simlib.data", "simlib.data.synthetic", "simlib.data.synthetic._core",
           "simlib.behavior", "simlib.behavior.estimate"}  # fmt: skip


def private_names(source: str, me: str, is_package: bool = False) -> set:
    return _contract_module().private_imports(source, me, is_package, MODULES.__contains__)


def test_the_contract_sees_private_names_imported_from_another_module():
    source = (
        "from simlib.scenario import _get, Scenario\n"
        "from simlib.i18n import _\n"
        "from . import _helper\n"
        "from simlib.data.synthetic import _core\n"
        "from pandas import _libs\n"
    )
    found = private_names(source, "simlib.workbench.m")
    # _helper is a private module of the importer's own package, but imported by a
    # module beside it: allowed. synthetic._core from outside its package: not.
    assert found == {
        ("simlib.workbench.m", "simlib.scenario._get", 1),
        ("simlib.workbench.m", "simlib.data.synthetic._core", 4),
    }


def test_a_package_may_use_its_own_private_module():
    source = "from simlib.data.synthetic import _core\nfrom . import _core as c\n"
    assert private_names(source, "simlib.data.synthetic", is_package=True) == set()


def test_the_contract_sees_private_names_reached_through_a_module():
    source = (
        "import simlib.behavior as bh\n"
        "from simlib import behavior\n"
        "import simlib\n"
        "x = bh.estimate._sales(ds)\n"
        "y = behavior.estimate._sales\n"
        "z = simlib.behavior.estimate._sales\n"
        "ok = bh.estimate.kpi_sales(ds)._private  # an object's attribute: not a module's\n"
        "also_ok = plan._arrays\n"
    )
    found = private_names(source, "simlib.topics.t")
    assert found == {
        ("simlib.topics.t", "simlib.behavior.estimate._sales", 4),
        ("simlib.topics.t", "simlib.behavior.estimate._sales", 5),
        ("simlib.topics.t", "simlib.behavior.estimate._sales", 6),
    }

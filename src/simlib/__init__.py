"""simlib: a research and policy-simulation workbench for sales-force performance management.

>>> import simlib as sl
>>> ds = sl.load_dataset("data/sample")          # doctest: +SKIP
>>> tg = sl.targets.cascade(ds, company_target=..., spec=...)  # doctest: +SKIP

Submodules (``sl.targets``, ``sl.plans``, ``sl.appraisal`` ...) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from simlib.data.dataset import Dataset
from simlib.errors import DataValidationError, SimlibError, SimlibWarning, SpecError

__version__ = "0.1.0"

_SUBMODULES = {
    "data": "simlib.data",
    "org": "simlib.data.org",
    "targets": "simlib.targets",
    "plans": "simlib.plans",
    "appraisal": "simlib.appraisal",
    "outcomes": "simlib.outcomes",
    "behavior": "simlib.behavior",
    "engine": "simlib.engine",
    "metrics": "simlib.metrics",
    "vocabulary": "simlib.vocabulary",
    "scenario": "simlib.scenario",
    "store": "simlib.workbench.store",
    "batch": "simlib.workbench.batch",
    "decision": "simlib.decision",
    "report": "simlib.workbench.report",
    "search": "simlib.search",
    "formatting": "simlib.formatting",
    "cli": "simlib.workbench.cli",
    "project": "simlib.workbench.project",
    "whatif": "simlib.workbench.whatif",
    "workbench": "simlib.workbench",
}
# Public names that live in submodules, re-exported lazily: name -> module.
_EXPORTS = {
    "load_dataset": "simlib.data.io",
    "Scenario": "simlib.scenario",
    "simulate": "simlib.engine",
    "compare": "simlib.metrics",
}

__all__ = [
    "Dataset",
    "DataValidationError",
    "SimlibError",
    "SimlibWarning",
    "SpecError",
    "__version__",
    "code_version",
    *sorted(_SUBMODULES),
    *sorted(_EXPORTS),
]


_CODE_VERSION: str | None = None


def code_version() -> str:
    """The package version plus a short hash of its source files, e.g. ``0.1.0+3f9a2c1e``.

    Stored results are keyed by it, so a change to any line of the library makes
    the next run simulate again instead of reusing results the old code produced.
    """
    global _CODE_VERSION
    if _CODE_VERSION is None:
        import hashlib
        from pathlib import Path

        h = hashlib.sha256()
        root = Path(__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
        _CODE_VERSION = f"{__version__}+{h.hexdigest()[:8]}"
    return _CODE_VERSION


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    # internal: Python's own wording for a missing module attribute (hasattr relies on it)
    raise AttributeError(f"module 'simlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

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
from simlib.errors import DataValidationError, SimlibError, SpecError

__version__ = "0.1.0"

_SUBMODULES = {
    "data",
    "org",
    "targets",
    "plans",
    "appraisal",
    "outcomes",
    "behavior",
    "engine",
    "metrics",
    "scenario",
    "store",
    "batch",
    "report",
    "cli",
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
    "SpecError",
    "__version__",
    *sorted(_SUBMODULES),
    *sorted(_EXPORTS),
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"simlib.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'simlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

"""Targets: proposal, cascade (层层分解), calendarization, apportionment, diagnostics.

>>> import simlib as sl
>>> ds = sl.load_dataset("data/sample")                       # doctest: +SKIP
>>> prop = sl.targets.propose_company_target(ds, growth=0.08)  # doctest: +SKIP
>>> cas = sl.targets.cascade(ds, prop, "scenarios/cascades/baseline.yaml")  # doctest: +SKIP
>>> cas.rep_targets()                                          # doctest: +SKIP
"""

from __future__ import annotations

from simlib.targets.cascade import (
    Cascade,
    CascadeError,
    GuardrailError,
    cascade,
    clamp_redistribute,
    seasonal_profile,
)
from simlib.targets.diagnostics import (
    Difficulty,
    difficulty,
    gap_analysis,
    propose_company_target,
    ratchet,
    reconcile,
)
from simlib.targets.rounding import METHODS, ApportionError, apportion, apportion_groups
from simlib.targets.spec import CascadeSpec, parse_cascade_spec

__all__ = [
    "METHODS",
    "ApportionError",
    "Cascade",
    "CascadeError",
    "CascadeSpec",
    "GuardrailError",
    "apportion",
    "apportion_groups",
    "Difficulty",
    "cascade",
    "difficulty",
    "gap_analysis",
    "propose_company_target",
    "ratchet",
    "reconcile",
    "clamp_redistribute",
    "parse_cascade_spec",
    "seasonal_profile",
]

"""Scenario files: a baseline design, named reforms as deltas, and sweeps (see
:mod:`simlib.scenario.core`)."""

from simlib.scenario.core import *  # noqa: F403
from simlib.scenario.core import (  # noqa: F401
    _FileLoader,
    _get,
    _grown_company_target,
    _load_dataset,
    _short,
    _validate_design,
)

"""Design search: from "which of my designs is best" to "the design that meets the goals".

A scenario file's ``search:`` section (:mod:`simlib.scenario.search_spec`) names the plan,
cascade or appraisal parameters to tune (scenario paths, as in reforms and
sweeps), the goals a design must meet and what to maximise. :func:`run_search`
screens designs with scipy's differential evolution at a few draws, every
candidate on the same random years (common random numbers), confirms the best
at full draws, and returns the recommended design, the Pareto frontier of every
design evaluated with each goal's status, and the objective's sensitivity to
each parameter. :mod:`simlib.search.output` writes them as scenario and plan
files that ``simlib run``, ``describe`` and the what-if open.

Example
-------
>>> import simlib as sl                                         # doctest: +SKIP
>>> sc = sl.Scenario.from_yaml("scenarios/design_search.yaml")  # doctest: +SKIP
>>> found = sl.search.run_search(sc)                            # doctest: +SKIP
>>> print(found.explanation())                                  # doctest: +SKIP
"""

from __future__ import annotations

from simlib.scenario.search_space import DesignSpace
from simlib.scenario.search_spec import (
    ConstraintSpec,
    ObjectiveSpec,
    ParameterSpec,
    SearchSpec,
    check_space,
    parse_search,
)
from simlib.search.evaluate import Evaluation, Evaluator
from simlib.search.frontier import non_dominated
from simlib.search.run import SearchError, SearchResult, run_search

__all__ = [
    "ConstraintSpec",
    "DesignSpace",
    "Evaluation",
    "Evaluator",
    "ObjectiveSpec",
    "ParameterSpec",
    "SearchError",
    "SearchResult",
    "SearchSpec",
    "check_space",
    "non_dominated",
    "parse_search",
    "run_search",
]

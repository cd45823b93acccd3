"""Topic reports: data health, target cascade, plan replay, appraisal and behaviour.

Each module computes what its report shows (tables, verdicts, the three-line summary
that opens the page) from a dataset and the report's parameters; the notebooks in
``notebooks/`` only call these, draw the charts and carry the prose.
:mod:`simlib.topics.format` writes numbers the way the reports show them.
"""

from __future__ import annotations

from simlib.errors import SimlibError

__all__ = ["TOPICS", "ReportParameterError"]

#: The topic reports, by the name ``simlib report-topic`` takes: notebook stem.
TOPICS = {
    "data_health": "data_health",
    "targets": "targets",
    "plans": "plans",
    "appraisal": "appraisal",
    "behavior": "behavior",
}


class ReportParameterError(SimlibError, ValueError):
    """A topic report's parameter cannot be used; the message names the parameter."""

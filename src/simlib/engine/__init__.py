"""The Monte Carlo core: sales draws, chunking, seeds and backends.

Numpy arrays inside; tidy frames only at the edges.
"""

from simlib.engine.sales import BootstrapSales, Layout, ParametricSales, SalesModelError
from simlib.engine.seeds import chunks, draw_generators
from simlib.engine.simulate import (
    SimulationError,
    SimulationResult,
    expected_sales,
    simulate,
)
from simlib.engine.summary import Summary

__all__ = [
    "BootstrapSales",
    "Layout",
    "ParametricSales",
    "SalesModelError",
    "SimulationError",
    "SimulationResult",
    "Summary",
    "chunks",
    "draw_generators",
    "expected_sales",
    "simulate",
]

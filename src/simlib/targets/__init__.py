"""Targets: proposal, cascade (层层分解), calendarization, apportionment, diagnostics.

Public names: :func:`apportion` (rounding that keeps totals exact).
"""

from __future__ import annotations

from simlib.targets.rounding import METHODS, ApportionError, apportion, apportion_groups

__all__ = ["METHODS", "ApportionError", "apportion", "apportion_groups"]

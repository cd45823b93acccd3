"""The design space: from the optimiser's vector to a design, through scenario paths."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from simlib.scenario.search_spec import ParameterSpec, SearchSpec


def _is_cap(path: str) -> bool:
    return path.replace(" ", "").endswith("curve[-1][0]")


class DesignSpace:
    """The tuned parameters of a search, and how a point becomes a design.

    A range parameter is one continuous coordinate (``low``-``high``); a stepped
    range or a list of choices is one integer coordinate (the step's or the
    choice's index), which differential evolution handles with ``integrality``.

    Parameters
    ----------
    spec : SearchSpec
        The search section.
    base_design : dict
        The resolved design the parameters are set on (files inlined).
    """

    def __init__(self, spec: SearchSpec, base_design: dict[str, Any]) -> None:
        self.spec = spec
        self.base_design = base_design
        self.paths = list(spec.parameters)
        lo, hi, integer = [], [], []
        for path in self.paths:
            p = spec.parameters[path]
            if p.choices is not None:
                lo.append(0.0), hi.append(float(len(p.choices) - 1)), integer.append(True)
            elif p.step is not None:
                lo.append(0.0), hi.append(float(self._steps(p))), integer.append(True)
            else:
                lo.append(float(p.low)), hi.append(float(p.high)), integer.append(False)
        self.lower = np.array(lo)
        self.upper = np.array(hi)
        self.integrality = np.array(integer, dtype=bool)

    @staticmethod
    def _steps(p: ParameterSpec) -> int:
        # Whole steps that fit in the range (a tolerance so 0.1-0.4 by 0.05 has 6 steps).
        return int(math.floor((p.high - p.low) / p.step + 1e-9))

    @property
    def labels(self) -> list[str]:
        return [self.spec.label(p) for p in self.paths]

    @property
    def bounds(self) -> list[tuple[float, float]]:
        return list(zip(self.lower.tolist(), self.upper.tolist(), strict=True))

    def values(self, x: np.ndarray) -> dict[str, Any]:
        """The parameter values (path -> value) at the optimiser's point ``x``."""
        x = np.clip(np.asarray(x, dtype=float), self.lower, self.upper)
        out: dict[str, Any] = {}
        for i, path in enumerate(self.paths):
            p = self.spec.parameters[path]
            if p.choices is not None:
                out[path] = p.choices[int(round(x[i]))]
            elif p.step is not None:
                # Rounded to the step's decimals so 0.1 + 3 x 0.05 reads 0.25, not 0.25000000000000006.
                digits = max(0, -int(math.floor(math.log10(p.step))) + 2)
                out[path] = round(p.low + int(round(x[i])) * p.step, digits)
            else:
                out[path] = float(x[i])
        return out

    def point(self, values: dict[str, Any]) -> np.ndarray:
        """The optimiser's point for parameter values (the inverse of :meth:`values`)."""
        x = np.empty(len(self.paths))
        for i, path in enumerate(self.paths):
            p = self.spec.parameters[path]
            v = values[path]
            if p.choices is not None:
                x[i] = next(j for j, c in enumerate(p.choices) if same_value(c, v))
            elif p.step is not None:
                x[i] = round((float(v) - p.low) / p.step)
            else:
                x[i] = float(v)
        return x

    def changes(self, values: dict[str, Any]) -> dict[str, Any]:
        """The path changes a point makes (cap paths last; complements added)."""
        ordered = [p for p in self.paths if not _is_cap(p)] + [p for p in self.paths if _is_cap(p)]
        out: dict[str, Any] = {}
        for path in ordered:
            if path not in values:
                continue
            v = values[path]
            comp = self.spec.parameters[path].complement
            if comp is not None:
                out[comp] = round(1.0 - float(v), 12)
            out[path] = v
        return out

    def apply(self, values: dict[str, Any], validate: bool = True) -> dict[str, Any]:
        """The base design with ``values`` set (a new dict; validated like any design)."""
        from simlib.scenario import set_path, validate_design

        design = copy.deepcopy(self.base_design)
        for path, v in self.changes(values).items():
            set_path(design, path, v, where=f"search.parameters[{path!r}]")
        if validate:
            validate_design(design, "design")
        return design

    def name(self, values: dict[str, Any]) -> str:
        """A short design name: ``threshold=0.72, cap=1.6``."""
        bits = []
        for path in self.paths:
            v = values[path]
            if isinstance(v, str) or v is None:
                txt = "none" if v is None or str(v).lower() in ("none", "null") else str(v)
            elif isinstance(v, float):
                txt = f"{v:.4g}"
            else:
                txt = str(v)
            bits.append(f"{self.spec.label(path)}={txt}")
        return ", ".join(bits)


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-12)
    return str(a).strip().lower() == str(b).strip().lower()

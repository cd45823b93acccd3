"""The settings of a simulation run, validated once before any work is done.

:class:`RunSettings` says how the draws run (how many, the seed, chunks, threads,
backend); :class:`ModelOptions` holds the numeric options of the model that can be
refused without the data (budget, turnover, growth). Both are frozen: a run reads
them, never changes them. A bad value raises :class:`SimulationError` with a
message naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError, model_validator

from simlib.errors import SimlibError
from simlib.i18n import _
from simlib.spec import StrictModel

#: Options of the parametric sales model that a scenario may state explicitly.
PARAMETRIC_OPTIONS = (
    "sigma_rep",
    "sigma_company",
    "sigma_region",
    "sigma_month",
    "rho_company",
    "rho_region",
    "kpi_correlation",
)

#: Working arrays per chunk (bytes): small enough to keep peak memory low with two
#: threads, large enough that per-chunk overhead stays negligible.
CHUNK_BYTES = 64e6


class SimulationError(SimlibError, ValueError):
    """The simulation cannot be set up as asked."""


def _whole(name: str, v: Any, low: int) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise SimulationError(
            _("{name}: expected a whole number >= {low}, got {v!r}").format(name=name, low=low, v=v)
        )


def _unwrapped(cls: type[StrictModel], values: dict[str, Any]) -> Any:
    """``cls(**values)``, raising the validator's own :class:`SimulationError`."""
    try:
        return cls(**values)
    except ValidationError as exc:
        for err in exc.errors():
            found = (err.get("ctx") or {}).get("error")
            if isinstance(found, SimulationError):
                raise found from None
        raise SimulationError(str(exc)) from None


class RunSettings(StrictModel):
    """How the draws of one simulation run.

    Attributes
    ----------
    draws : int
        Number of simulated years (default 1000, at most :data:`simlib.limits.MAX_DRAWS`).
    seed : int
        The run's seed (0 to 2**63-1, default 1).
    chunk_size : int, optional
        Draws per chunk (default: about 64 MB of working arrays per chunk).
    backend : {"local", "dask"}
        Where the chunks run.
    address, n_workers : the Dask cluster, or the size of a ``LocalCluster``.
    threads : int, optional
        Threads of the ``local`` backend (default: up to 2).
    progress : bool, optional
        Progress bar (default: only on a terminal).
    keep_cube : bool
        Also keep the raw sales and pay arrays.
    """

    draws: int = 1000
    seed: int = 1
    chunk_size: int | None = None
    backend: Literal["local", "dask"] = "local"
    address: str | None = None
    n_workers: int = 2
    threads: int | None = None
    progress: bool | None = None
    keep_cube: bool = False

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, values: Any) -> Any:
        v = {k: x for k, x in dict(values).items() if x is not None or k in ("progress",)}
        v.setdefault("draws", 1000)
        v.setdefault("seed", 1)
        v.setdefault("backend", "local")
        v.setdefault("n_workers", 2)
        v["keep_cube"] = bool(v.get("keep_cube"))
        _whole("draws", v["draws"], 1)
        _whole("seed", v["seed"], 0)
        # One limit for every entry point (CLI, scenario file, this function).
        from simlib.limits import MAX_DRAWS, MAX_SEED

        if v["draws"] > MAX_DRAWS:
            raise SimulationError(
                _("draws: expected at most {limit:,} (simlib.limits.MAX_DRAWS), got {n:,}").format(
                    limit=MAX_DRAWS, n=v["draws"]
                )
            )
        if v["seed"] > MAX_SEED:
            raise SimulationError(
                _("seed: expected a whole number from 0 to 2**63-1, got {seed}").format(
                    seed=v["seed"]
                )
            )
        if v.get("chunk_size") is not None:
            _whole("chunk_size", v["chunk_size"], 1)
        _whole("n_workers", v["n_workers"], 1)
        if v.get("threads") is not None:
            _whole("threads", v["threads"], 1)
        if v["backend"] not in ("local", "dask"):
            raise SimulationError(
                _("backend: expected 'local' or 'dask', got {backend!r}").format(
                    backend=v["backend"]
                )
            )
        for k in ("draws", "seed", "chunk_size", "n_workers", "threads"):
            if v.get(k) is not None:
                v[k] = int(v[k])
        return v

    @classmethod
    def of(cls, **values: Any) -> RunSettings:
        """Settings from keyword arguments (``None``: the default); bad values raise
        :class:`SimulationError`."""
        return _unwrapped(cls, values)

    def chunk_for(self, shape: tuple[int, ...]) -> int:
        """Draws per chunk for a ``(reps, months, KPIs)`` population: the setting, else
        about :data:`CHUNK_BYTES` of working arrays (sales and plan intermediates)."""
        if self.chunk_size is not None:
            return self.chunk_size
        per_draw_bytes = 8 * int(np.prod(shape)) * 6
        return int(np.clip(CHUNK_BYTES // max(per_draw_bytes, 1), 1, 256))

    def thread_count(self) -> int:
        """Threads of the ``local`` backend: the setting, else up to 2 (the cores there are)."""
        return self.threads if self.threads is not None else min(2, os.cpu_count() or 1)


class ModelOptions(StrictModel):
    """The model's numeric options that can be checked without the data.

    ``budget`` (currency, > 0), ``turnover`` (an annual rate within 0-1 or
    ``"history"``), ``vacancy_months`` and ``ramp_months`` of a replacement hire,
    ``growth`` (a fraction, or one per KPI).
    """

    budget: float | None = None
    turnover: float | Literal["history"] | None = None
    vacancy_months: int = 1
    ramp_months: int = 4
    growth: float | dict[str, float] | None = None

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, values: Any) -> Any:
        v = dict(values)
        _whole("vacancy_months", v.get("vacancy_months", 1), 0)
        _whole("ramp_months", v.get("ramp_months", 4), 1)
        budget, turnover, growth = v.get("budget"), v.get("turnover"), v.get("growth")
        if budget is not None and not (isinstance(budget, (int, float)) and budget > 0):
            raise SimulationError(
                _("budget: expected an amount > 0 in the dataset currency, got {budget!r}").format(
                    budget=budget
                )
            )
        if turnover is not None and turnover != "history":
            if isinstance(turnover, str) or not 0 <= float(turnover) < 1:
                raise SimulationError(
                    _(
                        "turnover: expected an annual rate within 0-1 (0.14 = 14%) or 'history', "
                        "got {turnover!r}"
                    ).format(turnover=turnover)
                )
        if growth is not None:
            values_ = growth.values() if isinstance(growth, Mapping) else [growth]
            for x in values_:
                if isinstance(x, str) or not np.isfinite(float(x)):
                    raise SimulationError(
                        _("growth: expected a fraction such as 0.05 (5%), got {x!r}").format(x=x)
                    )
        return v

    @classmethod
    def of(cls, **values: Any) -> ModelOptions:
        """Options from keyword arguments; bad values raise :class:`SimulationError`."""
        return _unwrapped(cls, values)

"""The result of a simulation: per-draw metrics, per-group draws, per-rep summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib import metrics as m
from simlib.engine.summary import Summary


@dataclass
class SimulationResult:
    """What one simulated design did over many draws.

    Attributes
    ----------
    name : str
        The scenario (or design) name.
    per_draw : pandas.DataFrame
        One row per draw, one column per scalar metric (total payout, cost of
        sales, share at quota, ...). Draw ``d`` is the same random year in every
        result run with the same seed (common random numbers), so differences
        between designs can be taken draw by draw.
    group_draws : dict of str to pandas.DataFrame
        Per draw and group (region, performance quartile, tenure band, gender,
        grade): e.g. ``region_reaches_target``, ``pay_gap:gender``.
    reps : pandas.DataFrame
        Per rep: mean and quantiles of payout and attainment, probability of
        reaching threshold and quota, mean coefficient, probability of the bottom
        grade. Individual pay: never shown in leadership reports unless asked.
    attainment_hist : pandas.DataFrame
        Share of rep-draws by attainment band (of the quota KPI).
    provenance : dict
        Seed, draws, data hash, package version, settings: what makes the result
        recomputable.
    """

    name: str
    per_draw: pd.DataFrame
    group_draws: dict[str, pd.DataFrame]
    reps: pd.DataFrame
    attainment_hist: pd.DataFrame
    provenance: dict[str, Any]
    cube: dict[str, np.ndarray] | None = None
    seconds: float = 0.0
    #: Seconds per phase (set-up and fitting, sales draws, ..., reduction), summed
    #: over chunks: on several threads or workers they add up to more than the wall time.
    phase_seconds: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    #: CPU seconds per phase, the same way (the CPU time of the threads that ran it).
    phase_cpu_seconds: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _metrics: pd.DataFrame | None = field(default=None, repr=False)

    def summary_frame(self) -> pd.DataFrame:
        """One row per metric: mean, P5, P50, P95, standard error, and a reference band."""
        out = m.summarize(self.per_draw)
        bands = pd.DataFrame(m.REFERENCE_BANDS, index=["band_low", "band_high", "band_source"]).T
        return out.join(bands, how="left")

    def summary(self) -> Summary:
        """The printed summary: a header (scenario, draws, seed, reps, data hash, code
        version) and the metric table of :meth:`summary_frame`, as text
        (``print(res.summary())``) or HTML (what a notebook shows), in the report language."""
        return Summary(self.summary_frame(), self.provenance)

    @property
    def metrics(self) -> pd.DataFrame:
        """One row (this scenario), columns ``(metric, statistic)``."""
        if self._metrics is None:
            s = m.summarize(self.per_draw)
            wide = s.stack().to_frame().T
            wide.index = pd.Index([self.name], name="scenario")
            self._metrics = wide
        return self._metrics

    def group_summary(self, name: str) -> pd.DataFrame:
        """Mean and P5 / P95 over draws of a per-group metric, one row per group."""
        g = self.group_draws[name]
        return pd.DataFrame(
            {
                "mean": g.mean(),
                "p5": g.quantile(0.05),
                "p95": g.quantile(0.95),
            }
        )

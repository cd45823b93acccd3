"""Evaluating one candidate design: simulate it and judge the goals.

Every candidate is simulated with the same seed, so draw ``d`` is the same
random year for every design (common random numbers): differences between
candidates are differences of design, not of luck, and the optimiser compares
like with like even at a few screening draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib.engine.cache import SetupCache
from simlib.errors import SimlibError
from simlib.i18n import _
from simlib.scenario.search_spec import PER_DRAW_METRICS, SearchSpec

#: Added to the fitness of a design that misses a goal, so any design meeting every
#: goal ranks above any that misses one (feasibility first, then the objective).
INFEASIBLE = 1.0e3


@dataclass
class Evaluation:
    """One simulated candidate: its parameter values, metrics and goal status.

    Attributes
    ----------
    values : dict
        Parameter path -> value.
    name : str
        ``threshold=0.72, cap=1.6``.
    draws : int
        Simulated years behind the metrics.
    metrics : dict
        Metric -> mean over draws (``contribution``, ``budget_ratio``, ``pay_gap:gender`` ...).
    violations : dict
        Constraint label -> how far the mean misses it (0 when met), in the metric's units.
    error : str or None
        Why the design could not be simulated (then every goal counts as missed).
    """

    values: dict[str, Any]
    name: str
    draws: int
    metrics: dict[str, float] = field(default_factory=dict)
    violations: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    objective_se: float = float("nan")
    #: The simulation result itself (kept for confirmed designs, to store and report).
    result: Any = field(default=None, repr=False)

    @property
    def feasible(self) -> bool:
        return self.error is None and all(v == 0 for v in self.violations.values())

    def objective(self, spec: SearchSpec) -> float:
        return self.metrics.get(spec.objective.metric, float("nan"))


def _group_gap(frame: pd.DataFrame) -> float:
    """The largest absolute pay gap across groups (means over draws)."""
    m = np.abs(frame.mean(axis=0).to_numpy(float))
    m = m[np.isfinite(m)]
    return float(m.max()) if m.size else float("nan")


def _certainty_equivalent(res: Any) -> float | None:
    summary = res.provenance.get("behavior_summary")
    parts = summary if isinstance(summary, list) else [summary] if summary else []
    for p in parts:
        if isinstance(p, dict) and "certainty_equivalent_total" in p:
            return float(p["certainty_equivalent_total"])
    return None


@dataclass
class Evaluator:
    """Simulates designs of a search at one fidelity (draws) with the base's seed.

    Picklable (plain dicts and settings), so a Dask worker can run it.

    Parameters
    ----------
    spec : SearchSpec
    baseline_design : dict
        The file's baseline (the plan history was earned under: the behavioural
        reference; and what ``pay_change:<group>`` compares against).
    draws : int
        Simulated years per design.
    reference : dict
        Baseline group mean pay (``mean_pay:<group>`` -> group -> mean) and the
        base design's reps' certainty equivalent, from :meth:`references`.
    """

    spec: SearchSpec
    baseline_design: dict[str, Any]
    draws: int
    reference: dict[str, Any] = field(default_factory=dict)
    #: Keep each simulation result on its evaluation (confirmation: stored and reported).
    keep: bool = False

    #: Reuse set-up that does not depend on the candidate: the sales model fitted once
    #: per simulated year, data checks once per target set-up, and the engine's
    #: plan-independent set-up (:class:`~simlib.engine.cache.SetupCache`). Off for runs
    #: that are stored (their provenance then records the fit as a plain run does).
    reuse: bool = True
    _sales_fits: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    _checks: dict[str, Any] = field(default_factory=dict, repr=False)
    _setups: SetupCache = field(default_factory=SetupCache, repr=False)

    def simulate(self, design: dict[str, Any], name: str):
        from simlib.engine import simulate
        from simlib.engine.simulate import arguments, run
        from simlib.scenario import BASELINE, Scenario

        base = Scenario(name=BASELINE, design=self.baseline_design)
        sc = Scenario(name=name, design=design, kind="reform", base=BASELINE)
        sc.members = {BASELINE: base, name: sc}
        base.members = sc.members
        # Candidates run in-process: the search spreads candidates over workers itself.
        if not self.reuse:
            return simulate(sc, draws=self.draws, backend="local", progress=False)
        kwargs = self._kwargs(sc)
        kwargs.update(draws=self.draws, backend="local", progress=False)
        return run(*arguments(**kwargs), cache=self._setups)

    def _kwargs(self, sc: Any) -> dict[str, Any]:
        """The scenario's simulation arguments, with candidate-independent pieces reused.

        The data checks depend on the data, the targets' set-up and the check rules,
        not on the plan: computed once per target set-up. The parametric sales
        model's shock sizes are estimated from the history before the simulated year
        (every rep, every KPI), not from the design: estimated once per year and
        passed as explicit ``sales_options``, which builds the same model.
        """
        import json

        key = json.dumps(
            [sc.design.get("data"), sc.design.get("targets"), sc.design.get("data_checks"),
             sc.settings.year],
            sort_keys=True, default=str,
        )  # fmt: skip
        checks = self._checks.get(key)
        if checks is None:
            kwargs = sc.simulation_kwargs()
            self._checks[key] = kwargs["data_checks"]
        else:
            # simulation_kwargs would run the data checks again: the same findings.
            orig = sc.data_checks
            sc.data_checks = lambda: checks  # type: ignore[method-assign]
            try:
                kwargs = sc.simulation_kwargs()
            finally:
                sc.data_checks = orig  # type: ignore[method-assign]
        if kwargs.get("sales") == "parametric" and not kwargs.get("sales_options"):
            kwargs["sales_options"] = self._sales_fit(kwargs)
        return kwargs

    def _sales_fit(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The parametric sales model's fitted shock sizes for the simulated year."""
        from simlib.engine.sales import Layout, ParametricSales

        ds = kwargs["ds"]
        tg = kwargs["targets"] if kwargs.get("targets") is not None else ds.targets
        # The simulated year as the engine picks it: the given year, else the last
        # year with targets.
        year = kwargs.get("year")
        year = int(year) if year is not None else int(pd.PeriodIndex(tg["period"]).year.max())
        if year not in self._sales_fits:
            periods = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
            # The fit reads every rep's history and the layout's KPIs only.
            layout = Layout.from_dataset(ds, periods, kpis=ds.kpi_names)
            model = ParametricSales.fit(
                ds, layout, np.zeros(layout.shape), history=ds.periods[ds.periods < periods[0]]
            )
            self._sales_fits[year] = {
                k: model.fitted[k]
                for k in ("sigma_rep", "sigma_company", "sigma_region", "sigma_month",
                          "rho_company", "rho_region", "kpi_correlation")
            }  # fmt: skip
        return dict(self._sales_fits[year])

    def references(
        self, base_design: dict[str, Any], base_values: dict[str, Any], base_name: str
    ) -> tuple[Evaluation, Evaluation]:
        """Simulate the baseline and the search's base; set what candidates are judged against.

        Sets :attr:`reference` (the baseline's group mean pay, the base's reps'
        certainty equivalent) and returns the two evaluations (baseline, base).
        """
        from simlib.scenario import BASELINE

        res = self.simulate(self.baseline_design, BASELINE)
        ref: dict[str, Any] = {}
        for key, frame in res.group_draws.items():
            if key.startswith("mean_pay:"):
                ref[key] = frame.mean(axis=0).to_dict()
        same = base_design == self.baseline_design
        base_res = res if same else self.simulate(base_design, base_name)
        ref["certainty_equivalent"] = _certainty_equivalent(base_res)
        self.reference = ref
        baseline = self.judge(res, {}, BASELINE)
        base = self.judge(base_res, base_values, base_name)
        return baseline, base

    def metrics(self, res: Any) -> tuple[dict[str, float], float]:
        """Mean over draws of every metric the spec can name; and the objective's s.e."""
        pd_ = res.per_draw
        out = {k: float(pd_[k].mean()) for k in PER_DRAW_METRICS if k in pd_}
        obj = self.spec.objective
        contrib = obj.margin * pd_["revenue"] - pd_["total_payout"]
        if obj.participation:
            ce = _certainty_equivalent(res)
            ce0 = self.reference.get("certainty_equivalent")
            if ce is None or ce0 is None:
                raise SimlibError(
                    _(
                        "objective.participation needs the effort behaviour model "
                        "(behavior: {{models: [{{model: effort, ...}}]}}) to value the plan to reps"
                    ).format()
                )
            contrib = contrib + (ce - ce0)
        out["contribution"] = float(contrib.mean())
        for key, frame in res.group_draws.items():
            if key.startswith("pay_gap:"):
                out[key] = _group_gap(frame)
            if key.startswith("mean_pay:"):
                group = key.split(":", 1)[1]
                base = self.reference.get(key)
                if base:
                    m = frame.mean(axis=0)
                    changes = [
                        float(m[g]) / float(b) - 1.0
                        for g, b in base.items()
                        if g in m and b and np.isfinite(b) and b > 0
                    ]
                    out[f"pay_change:{group}"] = min(changes) if changes else float("nan")
        name = obj.metric
        series = contrib if name == "contribution" else pd_.get(name)
        se = (
            float(np.std(series, ddof=1) / math.sqrt(len(series)))
            if series is not None and len(series) > 1
            else float("nan")
        )
        return out, se

    def violations(self, metrics: dict[str, float]) -> dict[str, float]:
        out = {}
        for c in self.spec.constraints:
            v = metrics.get(c.metric, float("nan"))
            if not np.isfinite(v):
                out[c.label] = float("inf")
                continue
            miss = 0.0
            if c.min is not None and v < c.min:
                miss = c.min - v
            if c.max is not None and v > c.max:
                miss = v - c.max
            out[c.label] = float(miss)
        return out

    def __call__(self, design: dict[str, Any] | None, values: dict[str, Any], name: str,
                 error: str | None = None) -> Evaluation:  # fmt: skip
        ev = Evaluation(values=dict(values), name=name, draws=self.draws)
        if design is None:
            ev.error = error or "not a valid design"
            ev.violations = {c.label: float("inf") for c in self.spec.constraints}
            return ev
        try:
            res = self.simulate(design, name)
        except (SimlibError, ValueError) as exc:
            ev.error = str(exc)
            ev.violations = {c.label: float("inf") for c in self.spec.constraints}
            return ev
        return self.judge(res, values, name)

    def judge(self, res: Any, values: dict[str, Any], name: str) -> Evaluation:
        """The evaluation of one simulated design: metrics and each goal's shortfall."""
        ev = Evaluation(values=dict(values), name=name, draws=self.draws)
        try:
            ev.metrics, ev.objective_se = self.metrics(res)
        except (SimlibError, ValueError) as exc:
            ev.error = str(exc)
            ev.violations = {c.label: float("inf") for c in self.spec.constraints}
            return ev
        if self.keep:
            ev.result = res
        ev.violations = self.violations(ev.metrics)
        return ev


def scaled_violation(spec: SearchSpec, ev: Evaluation) -> float:
    """Total shortfall on the goals, each as a share of its bound (0 when all are met)."""
    if ev.error is not None:
        return INFEASIBLE
    total = 0.0
    for c in spec.constraints:
        miss = ev.violations.get(c.label, 0.0)
        if miss == 0:
            continue
        if not np.isfinite(miss):
            return INFEASIBLE
        bounds = [abs(b) for b in (c.min, c.max) if b is not None]
        total += miss / max(max(bounds), 1e-3)
    return total


def fitness(spec: SearchSpec, ev: Evaluation, scale: float) -> float:
    """What the optimiser minimises: feasible designs by objective, others by shortfall.

    A design meeting every goal scores ``-sense x objective / scale`` (about -1 for
    the base design); one missing a goal scores ``INFEASIBLE`` plus its scaled
    shortfall, so it ranks below every feasible design and closer misses rank
    higher (Deb's feasibility rules, as a static penalty).
    """
    if ev.error is not None:
        return 2 * INFEASIBLE
    obj = ev.objective(spec)
    if not np.isfinite(obj):
        return 2 * INFEASIBLE
    v = scaled_violation(spec, ev)
    if v > 0:
        return INFEASIBLE + min(v, INFEASIBLE / 2)
    return -spec.objective.sense * obj / scale

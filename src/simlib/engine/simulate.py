"""``simulate``: many possible years of one design, reduced to distributions.

Per draw: sales -> behavioural response -> attainment against the targets ->
appraisal scores and ratings -> plan payouts (a scorecard component reads the
rating's performance coefficient) -> outcomes (merit cost, improvement flags,
promotion readiness) -> per-draw aggregates and per-rep summaries.

Draws run in chunks so memory stays flat as draws grow. Each draw has its own
random generator spawned from one ``SeedSequence``, per-draw aggregates are
computed inside the draw, and per-rep summaries are accumulated exactly (fixed
point) or by fixed-bin histograms, so the same seed gives bit-identical results
whatever the chunk size, worker count or backend.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib import metrics as m
from simlib.data.dataset import Dataset
from simlib.engine.accumulate import FixedPointSum, Histogram
from simlib.engine.backends import run_dask, run_local
from simlib.engine.sales import BootstrapSales, Layout, ParametricSales
from simlib.engine.seeds import chunks, draw_generators
from simlib.errors import SimlibError

#: Per-rep quantiles come from these fixed bins (attainment, and payout as a
#: multiple of target incentive): exact to one bin width inside the range.
ATTAINMENT_BINS = Histogram(0.0, 3.0, 150)  # 2 points of quota
#: Pay on a log scale, ln(1 + CNY) from 0 to 21 (CNY 1.3 billion): about 3.4% per bin,
#: the same relative precision for a store clerk's commission and a KAM's bonus.
LOG_PAY_BINS = Histogram(0.0, 21.0, 630)
PAY_SUM = FixedPointSum(1e-4)  # CNY 0.0001
RATIO_SUM = FixedPointSum(1e-9)
#: Attainment histogram reported for the population (share of rep-draws per bin).
POPULATION_BINS = np.round(np.arange(0.0, 2.0001, 0.05), 2)


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


REP_COLUMNS = ("rep_id", "unit_id", "position", "hire_date", "exit_date", "base_salary", "grade")


class SimulationError(SimlibError, ValueError):
    """The simulation cannot be set up as asked."""


# --------------------------------------------------------------- expectations
def expected_sales(
    ds: Dataset,
    layout: Layout,
    targets: np.ndarray,
    basis: str = "history",
    growth: float | Mapping[str, float] | None = None,
    ratio: float = 1.0,
    ramp_months: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """What each rep is expected to sell in each simulated month.

    Parameters
    ----------
    ds : Dataset
        History to learn levels and seasonality from.
    layout : Layout
        Simulated reps, months and KPIs.
    targets : (reps, periods, kpis) array
        The targets; months without a target are months the seat is not
        staffed and expect no sales.
    basis : {"history", "target"}
        ``history``: each rep's deseasonalized level over the 12 months before the
        simulated year, times the company's growth (year on year, or ``growth``),
        times the calendar month's seasonal factor. Reps with fewer than 3 months
        of history take the median level of their position. ``target``: the
        target times ``ratio`` (sales centred on the target, the usual
        assumption when a plan is tested "at quota").
    growth : float or mapping KPI -> float, optional
        Expected growth over the last 12 months (0.05 = 5%); estimated from the
        two last years when omitted.
    ramp_months : int
        New hires reach full productivity over this many months (Bridge Group:
        about 3 for SDRs to 5 for account executives); their expected sales rise
        linearly, ``(months since hire + 1) / ramp_months``, capped at 1.

    Returns
    -------
    expected : (reps, periods, kpis) array, the monthly expectation (seasonal).
    level : (reps, kpis) array, the flat monthly level (for the bootstrap, which
        brings its own seasonality).
    exposure : (reps, periods) array, the share of a full month each rep sells:
        0 in months without a target (not employed), the ramp factor for new
        hires under ``history`` (targets already carry any ramp).
    """
    # A month with a target is a month the seat is staffed. A target of 0 for an
    # employed rep is a quota of nothing, not an empty seat: the rep still sells
    # (and counts in company revenue); only attainment has nothing to measure against.
    rows = pd.Index(ds.reps["rep_id"]).get_indexer(layout.rep_ids)
    employed = np.zeros(targets.shape[:2], dtype=bool)
    employed[rows >= 0] = ds.employed_mask(layout.periods)[rows[rows >= 0]]
    staffed = np.isfinite(targets) & ((targets > 0) | employed[:, :, None])
    seat = staffed.any(axis=2)  # a month with any target is a month the rep is there
    is_rate = layout.is_rate
    if basis == "target":
        exp = np.where(staffed, targets * ratio, 0.0)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            level = np.nanmean(np.where(staffed, exp, np.nan), axis=1)
        exp = np.where(is_rate, np.clip(exp, 0, 1), exp)
        return exp, np.nan_to_num(level), seat.astype(float)
    if basis != "history":
        raise SimulationError(f"expected sales basis: 'history' or 'target', got {basis!r}")
    first = layout.periods[0]
    hist = pd.period_range(first - 24, first - 1, freq="M")
    hist = hist[(hist >= ds.periods[0]) & (hist <= ds.periods[-1])]
    if len(hist) < 3:
        raise SimulationError(
            f"expected sales from history: fewer than 3 months of sales before {first}; "
            "use basis='target'"
        )
    # Levels, position medians and growth come from every rep in the dataset, then
    # the simulated reps' rows are taken: a rep's expectation must not depend on
    # which other reps a design simulates (common random numbers across designs).
    all_ids = ds.reps["rep_id"].to_numpy()
    x = ds.sales_array(kpis=list(layout.kpis), periods=hist, rep_ids=all_ids)
    # Seasonality from the history before the simulated year only (a replay of a
    # past year must not learn from the year it replays).
    before = ds.periods[ds.periods < first]
    all_x = ds.sales_array(kpis=list(layout.kpis), periods=before)
    month_all = np.asarray(before.month) - 1
    # Seasonal factor per calendar month: the average employed rep's value that
    # month over the average month, from the whole history.
    per_month = np.stack(
        [np.nanmean(all_x[:, month_all == mo, :], axis=(0, 1)) for mo in range(12)]
    )
    season = per_month / np.nanmean(per_month, axis=0)
    season = np.where(is_rate | ~np.isfinite(season), 1.0, season)
    last12 = hist[-12:]
    in_last = np.isin(hist, last12)
    deseason = x / season[np.asarray(hist.month) - 1][None]
    n_months = np.isfinite(deseason[:, in_last, :]).sum(axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # reps with no history: filled below
        level = np.nanmean(deseason[:, in_last, :], axis=1)
    positions = ds.reps["position"].to_numpy()
    for pos in np.unique(positions):
        mask = positions == pos
        ok = mask[:, None] & (n_months >= 3)
        med = np.array(
            [
                np.nanmedian(level[ok[:, k], k]) if ok[:, k].any() else np.nan
                for k in range(len(layout.kpis))
            ]
        )
        fill = mask[:, None] & (n_months < 3)
        level = np.where(fill, med[None, :], level)
    if growth is None:
        g = np.zeros(len(layout.kpis))
        if len(hist) >= 24:
            prev = ~in_last
            both = np.isfinite(deseason[:, in_last]).all(axis=1) & np.isfinite(
                deseason[:, prev]
            ).all(axis=1)
            for k in range(len(layout.kpis)):
                if both[:, k].any() and not is_rate[k]:
                    g[k] = (
                        deseason[both[:, k], :, k][:, in_last].sum()
                        / deseason[both[:, k], :, k][:, prev].sum()
                        - 1
                    )
    elif isinstance(growth, Mapping):
        g = np.array([float(growth.get(k, 0.0)) for k in layout.kpis])
    else:
        g = np.full(len(layout.kpis), float(growth))
    g = np.where(is_rate, 0.0, g)
    level = np.nan_to_num(level[pd.Index(all_ids).get_indexer(layout.rep_ids)]) * (1 + g)[None, :]
    sim_season = season[np.asarray(layout.periods.month) - 1]  # (T, K)
    hire = pd.to_datetime(
        ds.reps.set_index("rep_id").loc[layout.rep_ids, "hire_date"]
    ).dt.to_period("M")
    since = (
        np.asarray(layout.periods.asi8)[None, :] - np.asarray(pd.PeriodIndex(hire).asi8)[:, None]
    )
    ramp = np.clip((since + 1) / max(ramp_months, 1), 0.0, 1.0)  # (R, T)
    exp = level[:, None, :] * sim_season[None, :, :]
    exp = np.where(is_rate, exp, exp * ramp[:, :, None])
    exp = np.where(staffed, exp, 0.0)
    exp = np.where(is_rate, np.clip(exp, 0, 1), exp)
    return exp, level, seat * ramp


# ------------------------------------------------------------------ turnover
@dataclass(frozen=True)
class Turnover:
    """Seats that lose their rep during the year, stay vacant, then ramp a new hire.

    Each seat loses its rep in a month with probability ``1 - (1 - annual) ** (1/12)``
    (at most once a year); the leaving month sells half, the seat then sells
    nothing for ``vacancy_months`` and a replacement ramps linearly over
    ``ramp_months`` (Bridge Group: about 3-5 months). The seat keeps its quota:
    a territory's target does not shrink when its rep leaves, which is how
    turnover shows up in attainment and pay. Rates (retention) are unaffected.

    Parameters
    ----------
    annual : float
        Annual turnover rate (Alexander Group: about 14% across B2B; best
        practice about 8%).
    """

    annual: float
    n_reps: int
    n_periods: int
    vacancy_months: int = 1
    ramp_months: int = 4
    #: Positions of the simulated reps in the dataset's roster (see ``Layout``),
    #: so each seat's exit draw does not depend on which other reps are simulated.
    roster: np.ndarray | None = None
    roster_size: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.annual < 1:
            raise SimulationError(f"turnover: annual rate must be within 0-1, got {self.annual}")

    def seat_factor(self, rng: np.random.Generator) -> np.ndarray:
        """(reps, periods) share of a fully productive rep's sales each seat makes."""
        hazard = 1 - (1 - self.annual) ** (1 / 12)
        if self.roster is None:
            u = rng.random(self.n_reps)
        else:
            u = rng.random(self.roster_size)[self.roster]
        # Month of exit: geometric; beyond the year means no exit.
        exit_month = (
            np.floor(np.log1p(-u) / np.log1p(-hazard)).astype(np.int64)
            if hazard > 0
            else np.full(self.n_reps, 10**6)
        )
        t = np.arange(self.n_periods)[None, :]
        since = t - exit_month[:, None]  # 0 in the exit month
        after_vacancy = since - self.vacancy_months  # 1 in the new hire's first month
        ramp = np.clip(after_vacancy / max(self.ramp_months, 1), 0.0, 1.0)
        return np.where(since < 0, 1.0, np.where(since == 0, 0.5, ramp))


def annual_turnover(ds: Dataset, periods: pd.PeriodIndex) -> float:
    """Exits per rep-year of employment over ``periods`` (from hire and exit dates)."""
    employed = ds.employed_mask(periods)
    rep_years = employed.sum() / 12
    exit_ = pd.to_datetime(ds.reps["exit_date"])
    exits = exit_.between(periods[0].start_time, periods[-1].end_time).sum()
    return float(exits / rep_years) if rep_years > 0 else 0.0


# ------------------------------------------------------------------ the work
class _PhaseClock:
    """Seconds spent per phase of a chunk (what ``benchmarks/bench_engine.py`` prints):
    elapsed under the phase's name, CPU time of the thread under ``cpu:<phase>`` (on a
    shared machine the CPU time is what a phase really costs)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()

    def mark(self, phase: str) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        key = f"cpu:{phase}"
        self.seconds[key] = self.seconds.get(key, 0.0) + cpu - self._last_cpu
        self._last, self._last_cpu = now, cpu


@dataclass
class _Work:
    """Everything a chunk needs; picklable, so Dask workers get one copy each."""

    seed: int
    sales_model: Any
    kpis: tuple[str, ...]
    targets: np.ndarray  # (R, T, K)
    plan: Any  # PreparedPlan
    scorecard: Any | None  # PreparedScorecard
    scorecard_kpis: list[int]
    primary: int  # index of the quota KPI
    revenue: int  # index of the currency KPI for cost of sales
    summed: np.ndarray  # (K,) KPI rolls up by sum (else mean)
    lower: np.ndarray  # (K,) lower is better
    target_incentive: np.ndarray  # (R,) prorated annual
    base_salary: np.ndarray  # (R,) prorated annual
    threshold: float
    cap: float | None
    budget: float
    groupings: dict[str, tuple[np.ndarray, list[str]]]  # name -> (codes, labels)
    region_codes: np.ndarray
    region_labels: list[str]
    merit: Any | None  # (MeritMatrix, compa)
    pip_floor: float | None
    grade_names: list[str]
    behavior: Callable | None = None
    keep_cube: bool = False
    turnover: Turnover | None = None
    is_rate: np.ndarray | None = None
    #: Rows of the simulated population the plan pays (the rest only count in
    #: team sums); all rows when None.
    paid: np.ndarray | None = None
    #: Per KPI, the index of the KPI that weights its monthly mean (-1: none).
    weight_of: np.ndarray | None = None
    promotion_grade: int = 1
    #: Positions (among the paid reps) of the reps the appraisal rates.
    rated: np.ndarray | None = None
    prior_grade: np.ndarray | None = None
    eligible_tenure: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.paid is None:
            self.paid = np.arange(self.targets.shape[0])
        if self.weight_of is None:
            self.weight_of = np.full(len(self.kpis), -1)
        self._staffed = np.isfinite(self.targets).astype(float)
        # Months counted per rep and KPI: the same in every draw when no KPI's mean
        # is weighted by another, so counted once here instead of once per draw.
        self._staffed_months = self._staffed.sum(axis=-2)
        self._base_total = float(m.total(self.base_salary))
        self._target_y = self.annual(np.nan_to_num(self.targets))  # (R, K), fixed
        self._target_by_kpi = {
            k: np.ascontiguousarray(self.targets[..., i]) for i, k in enumerate(self.kpis)
        }

    def clone(self) -> _Work:
        """A copy safe to run beside this one in another thread (the prepared
        plan keeps per-call state, so each thread gets its own)."""
        import copy

        twin = copy.copy(self)
        twin.plan = copy.copy(self.plan)
        return twin

    def annual(self, x: np.ndarray) -> np.ndarray:
        """(..., R, T, K) -> (..., R, K) over the staffed months: the sum for a
        summed KPI, the mean for a rate (weighted by the KPI its ``weight_kpi``
        names, else by month)."""
        if not (self.weight_of >= 0).any():
            # Sum over months of x x staffed, one pass; the rounding is fixed per
            # rep (months added in order), whatever the number of draws.
            num = np.einsum("...rtk,rtk->...rk", x, self._staffed)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(self.summed, num, num / self._staffed_months)
        w = np.broadcast_to(self._staffed, x.shape)
        if (self.weight_of >= 0).any():
            w = w.copy()
            for k, j in enumerate(self.weight_of):
                if j >= 0 and not self.summed[k]:
                    w[..., k] = w[..., k] * x[..., j]
        num = (x * w).sum(axis=-2)
        den = w.sum(axis=-2)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.summed, num, num / den)

    def run_chunk(self, start: int, stop: int) -> dict[str, Any]:
        """Draws ``start`` .. ``stop - 1``: per-rep results, then per-draw metrics."""
        return self.summarize(self.rep_values(start, stop))

    def rep_values(self, start: int, stop: int) -> dict[str, Any]:
        """Per rep the plan pays, per draw: quota attainment, pay, revenue, quota-KPI
        actual, grade and coefficient (arrays (draws, paid reps)).

        Everything here is per rep or per unit, never across the whole population,
        so a partition of whole units computes exactly its reps' columns.
        """
        clock = _PhaseClock()
        gens = draw_generators(self.seed, start, stop)
        sales = np.empty((len(gens), *self.targets.shape))  # (n, R, T, K)
        takes_out = isinstance(self.sales_model, ParametricSales)
        for i, g in enumerate(gens):
            if takes_out:
                self.sales_model.draw(g, out=sales[i])
            else:
                sales[i] = self.sales_model.draw(g)
            if self.turnover is not None:
                seat = self.turnover.seat_factor(g)[:, :, None]
                sales[i] = np.where(self.is_rate, sales[i], sales[i] * seat)
        clock.mark("sales draws")
        if self.behavior is not None:
            # A bound response model (simlib.behavior) gets the draws' own
            # generators; a plain callable keeps the older f(sales, work) contract.
            if getattr(self.behavior, "takes_generators", False):
                sales = self.behavior(sales, gens)
            else:
                sales = self.behavior(sales, self)
        clock.mark("behaviour")
        actual_all = self.annual(sales)  # (n, R_all, K)
        paid = self.paid
        actual_y = actual_all[:, paid]
        target_y = np.broadcast_to(self._target_y[paid], actual_y.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            att = np.where(self.lower, target_y / actual_y, actual_y / target_y)
        # No target: no attainment (NaN, left out of shares); a lower-is-better KPI
        # at zero is infinitely good (inf), which every threshold counts as reached.
        att = np.where(np.isfinite(target_y) & (target_y > 0), att, np.nan)
        att = np.where(np.isnan(att) & self.lower & (target_y > 0), np.inf, att)
        primary_att = att[..., self.primary]  # (n, R)
        clock.mark("attainment")

        grade = coef = None
        if self.scorecard is not None:
            # Only reps with a target on every appraised KPI are rated (as in a real
            # appraisal); the others keep grade -1 and a neutral coefficient of 1.
            rated = self.rated
            ev = self.scorecard.evaluate(
                actual_y[:, rated][..., self.scorecard_kpis],
                target_y[:, rated][..., self.scorecard_kpis],
            )
            grade = np.full(actual_y.shape[:2], -1, dtype=np.int64)
            grade[:, rated] = ev.grade_index
            if ev.coefficient is not None:
                coef = np.ones(actual_y.shape[:2])
                coef[:, rated] = ev.coefficient
        clock.mark("appraisal and ratings")
        score = None
        if coef is not None:
            full = np.ones(actual_all.shape[:2])  # reps not paid: any value, they get 0
            full[:, paid] = coef
            score = full[..., None]
        # One contiguous (draws, reps, months) array per KPI the plan reads: every
        # pass of the plan arithmetic then streams through memory.
        needed = set(self.plan._kpis_needed())
        actual = {
            k: np.ascontiguousarray(sales[..., i]) for i, k in enumerate(self.kpis) if k in needed
        }
        target = self._target_by_kpi
        pay = self.plan.payout(actual, target, score=score, lines=self.keep_cube)
        rep_pay = m.total(pay.total)[:, paid]  # (n, R)
        clock.mark("plan arithmetic")
        vals = {
            "primary_att": primary_att,
            "rep_pay": rep_pay,
            "revenue": actual_y[..., self.revenue],
            "p_act": actual_y[..., self.primary],
            "grade": grade,
            "coef": coef,
            "seconds": clock.seconds,
        }
        if self.keep_cube:
            vals["sales"] = sales[:, paid]
            vals["pay"] = pay.total[:, paid]
        return vals

    def summarize(self, vals: dict[str, Any]) -> dict[str, Any]:
        """Per-draw metrics, group metrics, outcomes and per-rep partial sums from
        :meth:`rep_values` of the whole population the plan pays."""
        clock = _PhaseClock()
        out: dict[str, Any] = {}
        primary_att, rep_pay, grade, coef = (
            vals["primary_att"], vals["rep_pay"], vals["grade"], vals["coef"]
        )  # fmt: skip
        ti = self.target_incentive
        with np.errstate(invalid="ignore", divide="ignore"):
            pay_multiple = np.where(ti > 0, rep_pay / ti, np.nan)
        revenue = vals["revenue"]
        revenue_total = m.total(revenue)
        total_pay = m.total(rep_pay)
        base = self.base_salary
        rank_att = np.where(np.isnan(primary_att), -1.0, np.minimum(primary_att, 1e9))

        d: dict[str, np.ndarray] = {}
        d["total_payout"] = total_pay
        # A plan with no target incentive (pure commission) has no default budget.
        nan = np.full_like(total_pay, np.nan)
        d["budget_ratio"] = total_pay / self.budget if self.budget > 0 else nan
        d["over_budget"] = (total_pay > self.budget).astype(float) if self.budget > 0 else nan
        d["revenue"] = revenue_total
        with np.errstate(invalid="ignore", divide="ignore"):
            d["cost_of_sales"] = (total_pay + self._base_total) / revenue_total
            d["incentive_cost_of_sales"] = total_pay / revenue_total
            d["variable_pay_share"] = total_pay / (total_pay + self._base_total)
        has_ti = ti > 0
        d["leverage_p90"] = (
            np.quantile(pay_multiple[:, has_ti], 0.9, axis=-1) if has_ti.any() else nan
        )
        d["share_at_threshold"] = m.share_at_or_above(primary_att, self.threshold)
        d["share_at_quota"] = m.share_at_or_above(primary_att, 1.0)
        d["share_at_cap"] = (
            m.share_at_or_above(primary_att, self.cap) if self.cap is not None else nan
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            d["median_attainment"] = np.nanmedian(np.minimum(primary_att, 1e9), axis=-1)
        # One definition on every page (simlib.vocabulary): pay as a multiple of target
        # incentive against attainment, over reps with a target incentive and a target.
        d["pay_performance_spearman"] = m.pay_performance(primary_att, rep_pay, ti)
        # One sort of attainment serves the performance quartiles, one of pay the Gini.
        order_att = np.argsort(rank_att, axis=-1, kind="stable")
        order_pay = np.argsort(rep_pay, axis=-1, kind="stable")
        d["payout_gini"] = m.gini_of_sorted(
            np.clip(np.take_along_axis(rep_pay, order_pay, axis=-1), 0, None)
        )
        p_act = vals["p_act"]
        p_tgt = np.broadcast_to(self._target_y[self.paid, self.primary], p_act.shape)
        n_reps = np.full(len(total_pay), float(p_act.shape[-1]))
        reach = self._reached(m.total(p_act), m.total(np.nan_to_num(p_tgt)), n_reps)
        d["company_reaches_target"] = reach
        quart = np.empty_like(order_att)  # as m.quartile_codes, from the same sort
        np.put_along_axis(quart, order_att, np.arange(order_att.shape[-1])[None, :], axis=-1)
        quart = (quart * 4) // max(order_att.shape[-1], 1)
        cos_q = m.grouped_ratio(rep_pay + base, revenue, quart, 4)
        d["cost_of_sales_bottom_quartile"] = cos_q[..., 0]
        d["cost_of_sales_top_quartile"] = cos_q[..., 3]
        groups: dict[str, np.ndarray] = {}
        groups["cost_of_sales_by_quartile"] = cos_q
        groups["pay_by_quartile"] = m.grouped_ratio(rep_pay, np.ones_like(rep_pay), quart, 4)
        ng = len(self.region_labels)
        ones = np.ones_like(rep_pay)
        codes = self.region_codes
        reg_act = m.grouped_sum(p_act, codes, ng)
        reg_tgt = m.grouped_sum(np.broadcast_to(np.nan_to_num(p_tgt), p_act.shape), codes, ng)
        reg_n = m.grouped_sum(ones, codes, ng)
        groups["region_reaches_target"] = self._reached(reg_act, reg_tgt, reg_n)
        for name, (codes, labels) in self.groupings.items():
            groups[f"pay_gap:{name}"] = m.pay_gap_vs_others(rep_pay, rank_att, codes, len(labels))
            groups[f"mean_pay:{name}"] = m.grouped_ratio(rep_pay, ones, codes, len(labels))
        clock.mark("metrics")
        if grade is not None:
            ngr = len(self.grade_names)
            n_rated = max(len(self.rated), 1)
            shares = np.stack([(grade == g).sum(axis=-1) / n_rated for g in range(ngr)], axis=-1)
            groups["grade_share"] = shares
            flag = grade == ngr - 1
            if self.pip_floor is not None:
                flag = flag | (primary_att < self.pip_floor)
            d["improvement_plan_share"] = flag.mean(axis=-1)
            ready = (grade >= 0) & (grade <= self.promotion_grade)
            if self.prior_grade is not None:
                ready = ready & (self.prior_grade <= self.promotion_grade)
            if self.eligible_tenure is not None:
                ready = ready & self.eligible_tenure
            d["promotion_ready_share"] = ready.mean(axis=-1)
            if self.merit is not None:
                matrix, compa, salary = self.merit
                raise_pct = np.where(
                    grade >= 0, matrix.rate(np.maximum(grade, 0), compa[None, :]), 0.0
                )
                d["merit_cost_at_matrix"] = m.total(raise_pct * salary[None, :])
        clock.mark("outcomes")
        finite_att = np.where(np.isnan(primary_att), np.inf, primary_att)
        pop_bin = np.clip(
            np.searchsorted(POPULATION_BINS, finite_att, side="right") - 1,
            0,
            len(POPULATION_BINS) - 1,
        )
        pop_bin = np.where(np.isnan(primary_att), len(POPULATION_BINS), pop_bin)
        hist = np.bincount(pop_bin.ravel(), minlength=len(POPULATION_BINS) + 1)
        out["per_draw"] = d
        out["groups"] = groups
        out["attainment_hist"] = hist[: len(POPULATION_BINS)]
        # Per-rep summaries, exact under any chunking: fixed-point sums, counts,
        # and each draw's histogram bin (small to ship; counted by the reducer).
        valid = ~np.isnan(primary_att)
        reps_acc = {
            "pay_sum": PAY_SUM.partial(rep_pay),
            "attainment_sum": RATIO_SUM.partial(np.where(valid, np.minimum(primary_att, 1e6), 0.0)),
            "attainment_n": valid.sum(axis=0),
            "at_quota": (primary_att >= 1.0).sum(axis=0),
            "at_threshold": (primary_att >= self.threshold).sum(axis=0),
        }
        bins = {
            "attainment": ATTAINMENT_BINS.index(primary_att),
            "log_pay": LOG_PAY_BINS.index(np.log1p(np.clip(rep_pay, 0, None))),
        }
        if coef is not None:
            reps_acc["coefficient_sum"] = RATIO_SUM.partial(coef)
        if grade is not None:
            reps_acc["bottom_grade"] = (grade == len(self.grade_names) - 1).sum(axis=0)
            reps_acc["top_grade"] = (grade == 0).sum(axis=0)
        out["reps"] = reps_acc
        out["bins"] = bins
        if self.keep_cube:
            out["cube"] = {
                "sales": vals["sales"],
                "pay": vals["pay"],
                "attainment": primary_att,
                "base_salary": base,
            }
        clock.mark("reduction")
        out["seconds"] = {k: vals["seconds"].get(k, 0.0) + clock.seconds.get(k, 0.0)
                          for k in {**vals["seconds"], **clock.seconds}}  # fmt: skip
        return out

    def _reached(self, actual: np.ndarray, target: np.ndarray, n: np.ndarray) -> np.ndarray:
        """1.0 where a group's result reaches its target: totals for a summed KPI,
        headcount means for a rate; ``lower`` KPIs reach at or below."""
        if not self.summed[self.primary]:
            with np.errstate(invalid="ignore", divide="ignore"):
                actual, target = actual / n, target / n
        ok = actual <= target if self.lower[self.primary] else actual >= target
        return np.where(target > 0, ok.astype(float), np.nan)


# ------------------------------------------------------------------- results
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

    def summary(self) -> pd.DataFrame:
        """One row per metric: mean, P5, P50, P95, standard error, and a reference band."""
        out = m.summarize(self.per_draw)
        bands = pd.DataFrame(m.REFERENCE_BANDS, index=["band_low", "band_high", "band_source"]).T
        return out.join(bands, how="left")

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


def tenure_band(hire: pd.Series, at: pd.Timestamp) -> pd.Series:
    """Each rep's tenure band at ``at`` from their hire date: <1y, 1-3y, 3-5y, 5y+."""
    years = (at - pd.to_datetime(hire)).dt.days / 365.25
    return pd.cut(
        years, [-np.inf, 1, 3, 5, np.inf], labels=["<1y", "1-3y", "3-5y", "5y+"], right=False
    ).astype(str)


def simulate(
    scenario: Any = None,
    *,
    ds: Dataset | None = None,
    plan: Any = None,
    targets: pd.DataFrame | None = None,
    year: int | None = None,
    sales: str | Any = "parametric",
    sales_options: Mapping[str, Any] | None = None,
    expected: str = "history",
    growth: float | Mapping[str, float] | None = None,
    appraisal: Any = None,
    merit: Any = None,
    pip_floor: float | None = None,
    promotion_grade: str | None = None,
    budget: float | None = None,
    groupings: Sequence[str] | None = None,
    behavior: Any = None,
    behavior_reference: Any = None,
    turnover: float | str | None = None,
    vacancy_months: int = 1,
    ramp_months: int = 4,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    backend: str | None = None,
    address: str | None = None,
    n_workers: int | None = None,
    threads: int | None = None,
    progress: bool | None = None,
    keep_cube: bool | None = None,
    name: str | None = None,
    data_checks: Any = None,
) -> SimulationResult:
    """Simulate one design over ``draws`` possible years.

    Parameters
    ----------
    scenario : Scenario, optional
        A scenario (see :mod:`simlib.scenario`) supplying every part below;
        keyword arguments given here override its simulation settings.
    ds : Dataset
        History (sales, reps, hierarchy, KPI rules).
    plan : Plan or dict or path
        The incentive plan; its ``positions`` select the reps simulated.
    targets : pandas.DataFrame, optional
        Rep-level monthly targets (``rep_id, period, kpi, target``), e.g. from
        :func:`simlib.targets.cascade`; default ``ds.targets``.
    year : int, optional
        The plan year simulated; default the last year with targets.
    sales : {"parametric", "bootstrap"} or a sales model
        How uncertainty is drawn (see :mod:`simlib.engine.sales`).
        ``sales_options`` go to the model: for ``parametric`` explicit
        ``sigma_rep``, ``sigma_company``, ``sigma_region``, ``sigma_month``,
        ``kpi_correlation`` (else estimated from history); for ``bootstrap``
        ``block`` ("month", "quarter" (default), "year").
    expected : {"history", "target"}
        What sales are centred on: each rep's history-based forecast, or the
        target (see :func:`expected_sales`). ``growth`` adjusts the forecast.
    appraisal : Scorecard or dict or path, optional
        Appraisal scheme: rates every rep every draw; a scorecard component of the
        plan reads the resulting performance coefficient.
    merit : MeritMatrix or dict, optional
        Merit matrix; its cost at the matrix is reported per draw.
    pip_floor : float, optional
        Improvement-plan flag also for quota-KPI attainment under this level.
    promotion_grade : str, optional
        A rep is promotion-ready in a draw when rated at or above this grade
        (default: the top grade on scales of three grades or fewer, the second
        best on longer scales) this year and in the last real appraisal
        (the year before, from history): two consecutive periods, the common
        career-ladder rule (5 CFR 335.104: at least "fully successful").
    budget : float, optional
        Incentive budget (currency); default the population's target incentive
        (what the plan costs when everyone is exactly at target). A plan without
        a target incentive (pure commission) has no default: budget metrics are
        then NaN unless a budget is given.
    groupings : sequence of str, optional
        Rep groups for equity metrics: ``region``, ``tenure`` or any ``reps``
        column (``gender`` ...). Default: region, tenure and gender when the
        dataset has it; a name that is neither is an error.
    turnover : float or "history", optional
        Switch on attrition and replacement hires (see :class:`Turnover`): an
        annual rate, or ``"history"`` for the rate in the dataset's last 12
        months before the simulated year. ``vacancy_months`` and ``ramp_months``
        shape the replacement.
    behavior : str, dict, list or callable, optional
        How reps respond to the plan (see :mod:`simlib.behavior`): a model name
        (``"effort"``), a spec dict (``{"model": "timing", "window": 1, "share":
        0.3}``) or a list of them applied in order. ``None`` or ``"none"`` is
        mechanical replay and leaves results bit-identical. A plain callable
        ``f(sales (n, R, T, K), work) -> sales`` is also accepted. Only reps the
        plan pays respond; reps simulated for a team total keep their sales.
    behavior_reference : Plan or dict or path, optional
        The plan in force when the history was earned (a scenario passes its
        baseline plan). ``effort`` and ``elasticity`` respond to the change of
        incentive from it: simulating the reference plan itself replays history
        unchanged. Same as ``reference_plan`` in a behaviour spec (give one).
    draws, seed : int
        Number of simulated years (default 1000, at most
        :data:`simlib.limits.MAX_DRAWS`) and the run's seed (0 to 2**63-1,
        default 1).
    chunk_size : int, optional
        Draws per chunk (default: about 64 MB of working arrays per chunk).
    backend : {"local", "dask"}
        ``local`` runs chunks in this process on ``threads`` threads (default:
        up to 2, the cores there are); ``dask`` runs on the cluster at
        ``address`` or a ``LocalCluster`` of ``n_workers`` started for the run,
        each worker holding one partition of whole units of the population
        (see ``docs/scale.md``); the results are the local run's, bit for bit.
    progress : bool, optional
        Progress bar (default: only on a terminal).
    keep_cube : bool
        Also return the raw sales and pay arrays (small runs only).
    data_checks : DataChecks or mapping, optional
        The data checks' rules (a scenario's ``data_checks``) or their findings
        (:mod:`simlib.data.checks`). Every run checks the data's coverage: findings
        a rule makes errors stop it, the others are warned about and stored as
        ``provenance["caveats"]``.
    """
    if scenario is not None:
        if not hasattr(scenario, "simulation_kwargs"):
            raise TypeError("scenario: expected a simlib.Scenario")
        kwargs = dict(scenario.simulation_kwargs())
        overrides = {
            k: v
            for k, v in dict(
                draws=draws, seed=seed, chunk_size=chunk_size, backend=backend, address=address,
                n_workers=n_workers, threads=threads, progress=progress, keep_cube=keep_cube,
            ).items()
            if v is not None
        }  # fmt: skip
        kwargs.update(overrides)
        return simulate(**kwargs)
    if ds is None or plan is None:
        raise SimulationError("simulate needs ds= and plan= (or a scenario)")
    draws = 1000 if draws is None else draws
    seed = 1 if seed is None else seed
    backend = "local" if backend is None else backend
    n_workers = 2 if n_workers is None else n_workers
    keep_cube = bool(keep_cube)
    _check_settings(
        draws,
        seed,
        chunk_size,
        backend,
        n_workers,
        threads,
        budget,
        turnover,
        vacancy_months,
        ramp_months,
        growth,
    )
    started = time.perf_counter()
    started_cpu = time.thread_time()
    from simlib.data.org import Hierarchy
    from simlib.plans import Plan

    plan = load_plan(plan, ds)
    tg = ds.targets if targets is None else targets
    if tg is None:
        raise SimulationError(
            "no targets: pass targets= (e.g. from simlib.targets.cascade) or use a dataset with a targets table"
        )
    missing_cols = [c for c in ("rep_id", "period", "kpi", "target") if c not in tg.columns]
    if missing_cols:
        raise SimulationError(
            f"targets: missing column(s) {missing_cols}; expected rep_id, period, kpi, target"
        )
    tg = tg.loc[tg["rep_id"].notna()]
    unknown_kpis = sorted(set(map(str, tg["kpi"].unique())) - set(ds.kpi_names))
    if unknown_kpis:
        raise SimulationError(
            f"targets: unknown KPI(s) {unknown_kpis}; the dataset's KPIs are {ds.kpi_names}"
        )
    periods_all = pd.PeriodIndex(tg["period"])
    year = int(periods_all.year.max()) if year is None else int(year)
    periods = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    tg = tg.loc[periods_all.year == year]
    if tg.empty:
        raise SimulationError(f"targets: no rows for {year}")
    from simlib.data.checks import DataChecks, check_dataset

    checks = (
        data_checks
        if isinstance(data_checks, DataChecks)
        else check_dataset(ds, targets=targets, year=year, settings=data_checks)
    )
    checks.raise_errors(name or "")
    # Without the design's name: designs on one dataset share their findings, and
    # Python shows a repeated warning once.
    checks.emit(stacklevel=2)
    reps = ds.reps.loc[ds.reps["rep_id"].isin(tg["rep_id"].unique())].reset_index(drop=True)
    covered = np.asarray(plan.covers(reps), dtype=bool)
    if not covered.any():
        raise SimulationError(
            f"plan {plan.name!r}: no reps with targets in {year} hold its positions {plan.spec.positions}"
        )
    # A team component measures the whole unit, every position in it: simulate
    # everyone then, and pay only the plan's reps. Otherwise simulate the plan's reps.
    has_team = any(getattr(c, "type", "") == "team" for c in plan.components)
    if not has_team:
        reps = reps.loc[covered].reset_index(drop=True)
    kpis = ds.kpi_names
    layout = Layout.from_dataset(ds, periods, rep_ids=reps["rep_id"].to_numpy(), kpis=kpis)
    r_idx = pd.Index(layout.rep_ids).get_indexer(tg["rep_id"])
    t_idx = periods.get_indexer(pd.PeriodIndex(tg["period"]))
    k_idx = pd.Index(kpis).get_indexer(tg["kpi"])
    keep = (r_idx >= 0) & (t_idx >= 0) & (k_idx >= 0)
    target_arr = np.full(layout.shape, np.nan)
    target_arr[r_idx[keep], t_idx[keep], k_idx[keep]] = tg["target"].to_numpy(float)[keep]

    opts = dict(sales_options or {})
    exp, level, exposure = expected_sales(ds, layout, target_arr, basis=expected, growth=growth)
    if isinstance(sales, str):
        if sales == "parametric":
            explicit = {k: opts.pop(k) for k in list(opts) if k in PARAMETRIC_OPTIONS}
            if opts:
                raise SimulationError(
                    f"sales_options: unknown option(s) {sorted(opts)} for the parametric model"
                )
            if explicit:
                model = ParametricSales(layout, exp, **explicit)
            else:
                model = ParametricSales.fit(
                    ds, layout, exp, history=ds.periods[ds.periods < periods[0]]
                )
        elif sales == "bootstrap":
            block = opts.pop("block", "quarter")
            if opts:
                raise SimulationError(
                    f"sales_options: unknown option(s) {sorted(opts)} for the bootstrap"
                )
            model = BootstrapSales.fit(
                ds,
                layout,
                level,
                block=block,
                history=ds.periods[ds.periods < periods[0]],
                exposure=exposure,
            )
        else:
            raise SimulationError(
                f"sales: expected 'parametric', 'bootstrap' or a model, got {sales!r}"
            )
    else:
        model = sales

    prep = plan.prepare(reps, periods, ds=ds)
    paid = np.flatnonzero(prep.paid)
    reps_paid = reps.iloc[paid].reset_index(drop=True)
    employed_share = prep.prorate.mean(axis=1)[paid]
    ti = prep.target_incentive[paid] * employed_share
    base = reps_paid["base_salary"].to_numpy(float) * employed_share
    rules = ds.kpis.set_index("kpi").loc[kpis]
    summed = (rules["aggregation"] != "mean").to_numpy()
    lower = (rules["direction"] == "lower").to_numpy()
    primary_kpi = next(
        (c.kpi for c in plan.components if getattr(c, "type", "") in ("quota_bonus", "team")), None
    )
    primary_curve = next(
        (
            plan.curve(c.name)
            for c in plan.components
            if getattr(c, "type", "") in ("quota_bonus", "team")
        ),
        None,
    )
    if primary_kpi is None:
        primary_kpi = next(k for k in kpis if rules.loc[k, "unit"] == "currency")
    currency = [k for k in kpis if rules.loc[k, "unit"] == "currency"]
    if not currency:
        raise SimulationError("cost of sales needs a currency KPI (unit 'currency') in ds.kpis")
    threshold = primary_curve.threshold if primary_curve is not None else 1.0
    cap = primary_curve.cap if primary_curve is not None else None

    h = Hierarchy.of(ds)
    region_level = h.levels[1] if len(h.levels) > 1 else h.levels[0]
    region_ids = pd.Series(h.rep_unit_at(reps_paid, region_level).to_numpy()).fillna(h.root)
    region_codes, region_labels = pd.factorize(region_ids, sort=True)
    group_map: dict[str, tuple[np.ndarray, list[str]]] = {}
    if groupings is None:
        groupings = ["region", "tenure"] + (["gender"] if "gender" in reps.columns else [])
    for g in groupings:
        if g == "region":
            values = region_ids
        elif g == "tenure":
            values = tenure_band(reps_paid["hire_date"], periods[0].start_time)
        elif g in reps_paid.columns:
            values = reps_paid[g].astype(str)
        else:
            extra = [c for c in reps.columns if c not in REP_COLUMNS]
            raise SimulationError(
                f"groupings: unknown group {g!r}; use 'region', 'tenure' or a reps column "
                f"({', '.join(extra) or 'the reps table has no optional columns'})"
            )
        codes, labels = pd.factorize(pd.Series(values).fillna("unknown"), sort=True)
        group_map[g] = (codes.astype(np.int64), [str(x) for x in labels])

    scorecard = None
    sc_kpis: list[int] = []
    grade_names: list[str] = []
    merit_parts = None
    promo, prior_grade, rated = 1, None, None
    weight_col = (
        rules["weight_kpi"]
        if "weight_kpi" in rules.columns
        else pd.Series(pd.NA, index=rules.index)
    )
    weight_of = np.array(
        [kpis.index(w) if isinstance(w, str) and w in kpis else -1 for w in weight_col.tolist()]
    )
    if appraisal is not None:
        from simlib import appraisal as ap

        sc = ap.load_scorecard(appraisal) if not isinstance(appraisal, ap.Scorecard) else appraisal
        weights = None
        if sc.weights is not None and sc.weights.method in ("entropy", "critic", "combined"):
            weights = ap.appraise(ds, sc, period=str(year - 1)).weights
        competence = None
        paid_ids = reps_paid["rep_id"].to_numpy()
        if sc.competence is not None:
            competence = _competence_scores(ds, paid_ids, periods[-1], sc.competence)
        # Rated: reps with a target (> 0) on every KPI the scorecard appraises.
        sc_idx = [kpis.index(k) for k in sc.kpi_names]
        tp = target_arr[paid][..., sc_idx]
        has_target = (np.isfinite(tp).any(axis=1) & (np.nan_to_num(tp).sum(axis=1) > 0)).all(axis=1)
        rated = np.flatnonzero(has_target)
        if len(rated) == 0:
            raise SimulationError("appraisal: no rep has a target on every appraised KPI")
        comp_rated = competence[rated] if competence is not None else None
        scorecard = ap.prepare(ds, sc, paid_ids[rated], weights=weights, competence=comp_rated)
        sc_kpis = [kpis.index(k) for k in sc.kpi_names]
        grade_names = list(sc.rating.names)
        if promotion_grade is None:
            # Default: the top grade on a scale of three or fewer (20/70/10: the top
            # 20%), the top two on longer scales (10/20/40/20/10: the top 30%).
            promo = 0 if len(grade_names) <= 3 else 1
        elif promotion_grade in grade_names:
            promo = grade_names.index(promotion_grade)
        else:
            raise SimulationError(
                f"promotion_grade: {promotion_grade!r} is not a grade; the grades are {grade_names}"
            )
        prior_grade = _prior_grades(ds, sc, year - 1, paid_ids)
        if merit is not None:
            from simlib import outcomes as oc

            mm = merit if isinstance(merit, oc.MeritMatrix) else oc.MeritMatrix.from_dict(merit)
            if len(mm.grades) != len(grade_names):
                raise SimulationError(
                    f"merit: the matrix has {len(mm.grades)} grades, the scorecard {len(grade_names)}"
                )
            compa = oc.compa_ratio(reps_paid).to_numpy(float)
            merit_parts = (mm, compa, reps_paid["base_salary"].to_numpy(float))
    elif any(getattr(c, "type", "") == "scorecard" for c in plan.components):
        raise SimulationError(
            "the plan has a scorecard component: pass appraisal= so reps are rated"
        )

    work = _Work(
        seed=seed,
        sales_model=model,
        kpis=tuple(kpis),
        targets=target_arr,
        plan=prep,
        scorecard=scorecard,
        scorecard_kpis=sc_kpis,
        primary=kpis.index(primary_kpi),
        revenue=kpis.index(currency[0]),
        summed=summed,
        lower=lower,
        target_incentive=ti,
        base_salary=base,
        threshold=threshold,
        cap=cap,
        budget=float(budget) if budget is not None else float(ti.sum()),
        groupings=group_map,
        region_codes=region_codes.astype(np.int64),
        region_labels=[str(x) for x in region_labels],
        merit=merit_parts,
        pip_floor=pip_floor,
        grade_names=grade_names,
        behavior=None,
        keep_cube=keep_cube,
        paid=paid,
        weight_of=weight_of,
        promotion_grade=promo,
        prior_grade=prior_grade,
        rated=rated,
    )
    behavior_spec = None
    ref_src = None
    if callable(behavior) and not isinstance(behavior, (str, Mapping, list, tuple)):
        work.behavior = behavior
    elif behavior is not None:
        from simlib import behavior as bh

        behavior_spec = bh.parse_behavior(behavior)
        if behavior_reference is not None and behavior_spec.reference_plan is not None:
            raise SimulationError(
                "behavior: reference plan given twice (behavior_reference= and "
                "behavior.reference_plan); give one"
            )
        ref_src = (
            behavior_reference if behavior_reference is not None else behavior_spec.reference_plan
        )
        if not bh.is_mechanical(behavior_spec):
            reference = None
            if ref_src is not None:
                ref_plan = load_plan(ref_src, ds)
                same = ref_plan.spec.model_dump() == plan.spec.model_dump()
                # The incentive these same reps faced in history: paid as the plan pays them.
                reference = (
                    "self"
                    if same
                    else (ref_plan, ref_plan.prepare(reps, periods, ds=ds, paid=prep.paid))
                )
            ctx = bh.context_from_plan(
                plan, prep, exp, target_arr, kpis, summed, kpis.index(primary_kpi),
                sigma=_annual_sigma(
                    model, kpis.index(primary_kpi), (exp[..., kpis.index(primary_kpi)] > 0).sum(1)
                ),
                paid=np.asarray(prep.paid, dtype=bool), reference=reference,
                currency=np.isin(np.asarray(kpis), currency),
            )  # fmt: skip
            work.behavior = bh.bind(behavior_spec, ctx)
    if turnover is not None:
        rate = (
            annual_turnover(ds, pd.period_range(periods[0] - 12, periods[0] - 1, freq="M"))
            if turnover == "history"
            else float(turnover)
        )
        work.turnover = Turnover(
            rate,
            len(reps),
            len(periods),
            vacancy_months,
            ramp_months,
            roster=layout.roster,
            roster_size=layout.roster_size,
        )
        work.is_rate = layout.is_rate
    if chunk_size is None:
        per_draw_bytes = 8 * int(np.prod(layout.shape)) * 6  # sales + plan intermediates
        # About 64 MB of working arrays per chunk: small enough to keep peak memory
        # low with two threads, large enough that per-chunk overhead stays negligible.
        chunk_size = int(np.clip(64e6 // max(per_draw_bytes, 1), 1, 256))
    ranges = chunks(draws, chunk_size)
    if threads is None:
        threads = min(2, os.cpu_count() or 1)
    if backend == "local":
        stream = run_local(work, ranges, progress=progress, threads=threads)
    elif backend == "dask":
        stream = run_dask(
            work, ranges, address=address, n_workers=n_workers, progress=progress,
            partitioner=_partitioner(work),
        )  # fmt: skip
    else:
        raise SimulationError(f"backend: expected 'local' or 'dask', got {backend!r}")
    set_up = time.perf_counter() - started
    set_up_cpu = time.thread_time() - started_cpu
    result = _reduce(stream, work, layout, reps, draws)
    phases = {"set-up and fitting": set_up, **result.phase_seconds}
    result.phase_seconds = {k: v for k, v in phases.items() if not k.startswith("cpu:")}
    result.phase_cpu_seconds = {
        "set-up and fitting": set_up_cpu,
        **{k[4:]: v for k, v in phases.items() if k.startswith("cpu:")},
    }
    result.name = name or plan.name
    result.provenance = {
        "scenario": result.name,
        "plan": plan.name,
        "year": year,
        "draws": draws,
        "seed": seed,
        "sales_model": type(model).__name__,
        "expected": expected,
        "data_hash": ds.content_hash(),
        "data_source": ds.source,
        "simlib_version": _version(),
        "budget": work.budget,
        "target_incentive_total": float(ti.sum()),
        "reps": len(reps),
        "primary_kpi": primary_kpi,
        "turnover": work.turnover.annual if work.turnover is not None else None,
        "threshold": threshold,
        "cap": cap,
        "caveats": checks.records(),
    }
    if behavior_spec is not None:
        result.provenance["behavior"] = [m.model_dump() for m in behavior_spec.models]
        if ref_src is not None:
            result.provenance["behavior_reference"] = (
                ref_src.name if isinstance(ref_src, Plan) else
                ref_src.get("name") if isinstance(ref_src, Mapping) else str(ref_src)
            )  # fmt: skip
        if work.behavior is not None:
            result.provenance["behavior_summary"] = work.behavior.summary()
    if isinstance(model, ParametricSales) and model.fitted:
        result.provenance["sales_fit"] = {
            k: np.asarray(v).round(4).tolist()
            for k, v in model.fitted.items()
            if k.startswith("sigma_")
        }
    result.seconds = time.perf_counter() - started
    return result


def _partitioner(work: _Work) -> Callable[[int], tuple[list, Callable[[list], Any]]] | None:
    """How the ``dask`` backend splits ``work`` into partitions of whole units (see
    :mod:`simlib.engine.partition`); ``None`` when it cannot, with a warning."""
    from simlib.engine import partition as pt

    if work.behavior is not None or not isinstance(
        work.sales_model, (ParametricSales, BootstrapSales)
    ):
        warnings.warn(
            "backend='dask': this design (a behaviour model or a custom sales model) is "
            "not split into partitions of the population; every worker holds all reps",
            RuntimeWarning,
            stacklevel=3,
        )
        return None

    def split(n_workers: int) -> tuple[list, Callable[[list], Any]]:
        parts = [pt.subset_work(work, rows) for rows in pt.unit_partitions(work, n_workers)]
        n_paid = len(work.paid)

        def combine(got: list) -> dict[str, Any]:
            return work.summarize(pt.assemble(got, n_paid))

        return parts, combine

    return split


def _annual_sigma(model: Any, k: int, months: np.ndarray) -> np.ndarray | None:
    """Relative s.d. of each rep's annual sales on KPI ``k`` under a parametric model.

    The rep shock is drawn once a year; the individual monthly shocks average
    over the ``months[r]`` months the rep is expected to sell (variance / m: a
    rep joining in July faces a noisier half year than a full year); the company
    and region shocks are AR(1) with persistence ``rho``, so their average over
    ``m`` months keeps ``sum over i, j of rho^|i-j| / m^2`` of their variance.
    ``None`` for models without sigmas (the bootstrap): the ``effort`` model then
    asks for ``sigma`` explicitly.
    """
    if not isinstance(model, ParametricSales):
        return None
    months = np.clip(np.asarray(months, dtype=np.int64), 1, None)

    def kept(rho: float) -> np.ndarray:
        out = np.empty(13)
        for n in range(1, 13):
            i = np.arange(n)
            out[n] = float((float(rho) ** np.abs(i[:, None] - i[None, :])).sum() / n**2)
        return out[np.minimum(months, 12)]

    var = (
        model.sigma_rep[k] ** 2
        + model.sigma_company[k] ** 2 * kept(getattr(model, "rho_company", 0.0))
        + model.sigma_region[k] ** 2 * kept(getattr(model, "rho_region", 0.0))
        + model.sigma_month[k] ** 2 / months
    )
    return np.sqrt(var)


def _check_settings(
    draws,
    seed,
    chunk_size,
    backend,
    n_workers,
    threads,
    budget,
    turnover,
    vacancy_months,
    ramp_months,
    growth,
) -> None:
    """Refuse bad simulation settings before any work is done."""

    def whole(name: str, v: Any, low: int) -> None:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise SimulationError(f"{name}: expected a whole number >= {low}, got {v!r}")

    whole("draws", draws, 1)
    whole("seed", seed, 0)
    # One limit for every entry point (CLI, scenario file, this function).
    from simlib.limits import MAX_DRAWS, MAX_SEED

    if draws > MAX_DRAWS:
        raise SimulationError(
            f"draws: expected at most {MAX_DRAWS:,} (simlib.limits.MAX_DRAWS), got {draws:,}"
        )
    if seed > MAX_SEED:
        raise SimulationError(f"seed: expected a whole number from 0 to 2**63-1, got {seed}")
    if chunk_size is not None:
        whole("chunk_size", chunk_size, 1)
    whole("n_workers", n_workers, 1)
    if threads is not None:
        whole("threads", threads, 1)
    whole("vacancy_months", vacancy_months, 0)
    whole("ramp_months", ramp_months, 1)
    if backend not in ("local", "dask"):
        raise SimulationError(f"backend: expected 'local' or 'dask', got {backend!r}")
    if budget is not None and not (isinstance(budget, (int, float)) and budget > 0):
        raise SimulationError(
            f"budget: expected an amount > 0 in the dataset currency, got {budget!r}"
        )
    if turnover is not None and turnover != "history":
        if isinstance(turnover, str) or not 0 <= float(turnover) < 1:
            raise SimulationError(
                f"turnover: expected an annual rate within 0-1 (0.14 = 14%) or 'history', got {turnover!r}"
            )
    if growth is not None:
        values = growth.values() if isinstance(growth, Mapping) else [growth]
        for v in values:
            if isinstance(v, str) or not np.isfinite(float(v)):
                raise SimulationError(f"growth: expected a fraction such as 0.05 (5%), got {v!r}")


def _competence_scores(
    ds: Dataset, rep_ids: np.ndarray, as_of: pd.Period, spec: Any = None
) -> np.ndarray:
    """Each rep's latest competence assessment up to ``as_of`` (items weighted as the
    scorecard says); reps never assessed get the population median."""
    from simlib.appraisal import competence_scores

    if ds.competence is None:
        raise SimulationError(
            "the scorecard counts competence but the dataset has no competence table"
        )
    c = ds.competence.loc[ds.competence["period"] <= as_of]
    latest = c.loc[c.groupby("rep_id")["period"].transform("max") == c["period"]]
    per_rep = competence_scores(latest[["rep_id", "item", "score"]], spec)
    out = per_rep.reindex(rep_ids).to_numpy(float)
    return np.where(np.isnan(out), np.nanmedian(per_rep.to_numpy()), out)


def _prior_grades(ds: Dataset, sc: Any, year: int, rep_ids: np.ndarray) -> np.ndarray | None:
    """Grades of the last real appraisal (``year``) for ``rep_ids`` (worst grade for
    reps not rated then), or None when that year cannot be appraised."""
    from simlib import appraisal as ap

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            past = ap.appraise(ds, sc, period=str(year))
    except (SimlibError, ValueError, KeyError):  # no usable history that year: no prior rule
        return None
    gi = past.reps.set_index("rep_id")["grade_index"].reindex(rep_ids)
    worst = len(sc.rating.names) - 1
    return np.where(gi.isna() | (gi < 0), worst, gi).astype(np.int64)


def _version() -> str:
    from simlib import code_version

    return code_version()


def _reduce(
    stream, work: _Work, layout: Layout, reps: pd.DataFrame, draws: int
) -> SimulationResult:
    per_draw: dict[str, list[np.ndarray]] = {}
    groups: dict[str, list[np.ndarray]] = {}
    acc: dict[str, np.ndarray] = {}
    hist = np.zeros(len(POPULATION_BINS), dtype=np.int64)
    n_paid = len(work.paid)
    counts = {
        "attainment": np.zeros((n_paid, ATTAINMENT_BINS.bins), dtype=np.uint32),
        "log_pay": np.zeros((n_paid, LOG_PAY_BINS.bins), dtype=np.uint32),
    }
    binning = {"attainment": ATTAINMENT_BINS, "log_pay": LOG_PAY_BINS}
    cube: dict[str, list[np.ndarray]] = {}
    phases: dict[str, float] = {}
    reducing = 0.0
    reducing_cpu = 0.0
    for _, out in stream:
        t0, c0 = time.perf_counter(), time.thread_time()
        for k, v in out.get("seconds", {}).items():
            phases[k] = phases.get(k, 0.0) + v
        for k, idx in out["bins"].items():
            binning[k].add(counts[k], idx)
        for k, v in out["per_draw"].items():
            per_draw.setdefault(k, []).append(np.asarray(v, dtype=float))
        for k, v in out["groups"].items():
            groups.setdefault(k, []).append(v)
        for k, v in out["reps"].items():
            acc[k] = (
                acc[k] + v if k in acc else v.astype(np.int64 if v.dtype.kind in "iu" else v.dtype)
            )
        hist += out["attainment_hist"]
        for k, v in out.get("cube", {}).items():
            if k == "base_salary":
                cube[k] = [v]
            else:
                cube.setdefault(k, []).append(v)
        reducing += time.perf_counter() - t0
        reducing_cpu += time.thread_time() - c0
    t0, c0 = time.perf_counter(), time.thread_time()
    pd_frame = pd.DataFrame({k: np.concatenate(v) for k, v in per_draw.items()})
    pd_frame.index.name = "draw"
    labels = {
        "cost_of_sales_by_quartile": ["Q1 (bottom)", "Q2", "Q3", "Q4 (top)"],
        "pay_by_quartile": ["Q1 (bottom)", "Q2", "Q3", "Q4 (top)"],
        "region_reaches_target": work.region_labels,
        "grade_share": work.grade_names,
    }
    for g, (_, lab) in work.groupings.items():
        labels[f"pay_gap:{g}"] = lab
        labels[f"mean_pay:{g}"] = lab
    group_frames = {
        k: pd.DataFrame(np.concatenate(v), columns=labels.get(k)) for k, v in groups.items()
    }
    ti = work.target_incentive
    q_att = ATTAINMENT_BINS.quantiles(counts["attainment"], (0.05, 0.5, 0.95))
    q_pay = np.expm1(LOG_PAY_BINS.quantiles(counts["log_pay"], (0.05, 0.5, 0.95)))
    rep_frame = pd.DataFrame(
        {
            "rep_id": layout.rep_ids[work.paid],
            "unit_id": reps["unit_id"].to_numpy()[work.paid],
            "position": reps["position"].to_numpy()[work.paid],
            "region": np.asarray(work.region_labels)[work.region_codes],
            "target_incentive": ti,
            "mean_payout": PAY_SUM.mean(acc["pay_sum"], draws),
            "payout_p5": q_pay[:, 0],
            "payout_p50": q_pay[:, 1],
            "payout_p95": q_pay[:, 2],
            "mean_attainment": RATIO_SUM.mean(acc["attainment_sum"], 1)
            / np.maximum(acc["attainment_n"], 1),
            "attainment_p5": q_att[:, 0],
            "attainment_p50": q_att[:, 1],
            "attainment_p95": q_att[:, 2],
            "p_at_threshold": acc["at_threshold"] / draws,
            "p_at_quota": acc["at_quota"] / draws,
        }
    )
    if "coefficient_sum" in acc:
        rep_frame["mean_coefficient"] = RATIO_SUM.mean(acc["coefficient_sum"], draws)
    if "bottom_grade" in acc:
        rep_frame["p_bottom_grade"] = acc["bottom_grade"] / draws
        rep_frame["p_top_grade"] = acc["top_grade"] / draws
    hist_frame = pd.DataFrame(
        {"attainment_from": POPULATION_BINS, "share": hist / max(hist.sum(), 1)}
    )
    result = SimulationResult(
        name="",
        per_draw=pd_frame,
        group_draws=group_frames,
        reps=rep_frame,
        attainment_hist=hist_frame,
        provenance={},
        cube={k: np.concatenate(v) for k, v in cube.items()} if cube else None,
    )
    phases["reduction"] = phases.get("reduction", 0.0) + reducing + time.perf_counter() - t0
    phases["cpu:reduction"] = (
        phases.get("cpu:reduction", 0.0) + reducing_cpu + time.thread_time() - c0
    )
    result.phase_seconds = phases
    return result


def load_plan(plan: Any, ds: Dataset):
    """A :class:`~simlib.plans.Plan` from a Plan, dict or YAML path."""
    from simlib.plans import Plan

    if isinstance(plan, Plan):
        return plan
    if isinstance(plan, Mapping):
        return Plan.from_dict(plan, kpis=ds.kpi_names)
    return Plan.from_yaml(Path(plan), kpis=ds.kpi_names)

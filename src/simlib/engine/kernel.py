"""The chunk kernel: one chunk of draws -> per-draw, per-group and per-rep arrays.

Per draw: sales -> behavioural response -> attainment against the targets ->
appraisal scores and ratings -> plan payouts (a scorecard component reads the
rating's performance coefficient) -> outcomes (merit cost, improvement flags,
promotion readiness) -> per-draw aggregates and per-rep partial sums.

Each draw has its own random generator spawned from one ``SeedSequence``, per-draw
aggregates are computed inside the draw, and per-rep summaries are fixed-point sums
or fixed-bin histogram indices, so the same seed gives bit-identical results
whatever the chunk size, worker count or backend (:mod:`simlib.engine.reduce` adds
the chunks up).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from simlib import metrics as m
from simlib.engine.accumulate import FixedPointSum, Histogram
from simlib.engine.derived import RederivedOnUnpickle, shallow_copy
from simlib.engine.expected import Turnover
from simlib.engine.sales import ParametricSales
from simlib.engine.seeds import draw_generators

#: Per-rep quantiles come from these fixed bins (attainment, and payout as a
#: multiple of target incentive): exact to one bin width inside the range.
ATTAINMENT_BINS = Histogram(0.0, 3.0, 150)  # 2 points of quota
#: Pay on a log scale, ln(1 + CNY) from 0 to 21 (CNY 1.3 billion): about 3.4% per bin,
#: the same relative precision for a store clerk's commission and a KAM's bonus.
LOG_PAY_BINS = Histogram(0.0, 21.0, 630)
#: The histograms a chunk bins each rep's values into (``rep_summaries``' ``bins``).
REP_BINS = {"attainment": ATTAINMENT_BINS, "log_pay": LOG_PAY_BINS}
PAY_SUM = FixedPointSum(1e-4)  # CNY 0.0001
RATIO_SUM = FixedPointSum(1e-9)
#: Attainment histogram reported for the population (share of rep-draws per bin).
POPULATION_BINS = np.round(np.arange(0.0, 2.0001, 0.05), 2)
#: The plan arithmetic runs on blocks of whole units of about this many reps where the
#: roster keeps units together: each pass of it then reads arrays of one block, not of
#: the whole population (at 100,000 reps sorted by unit it took about 30% less time).
PLAN_BLOCK_REPS = 8192
_BLOCKS_LOCK = threading.Lock()


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


@dataclass(frozen=True)
class PlanBlock:
    """A block of the plan arithmetic: its stretch of the simulated population, the plan
    bound to it and its targets by KPI (views of the whole population's arrays)."""

    rows: slice
    plan: Any  # PreparedPlan
    target: dict[str, np.ndarray]


@dataclass
class ChunkKernel(RederivedOnUnpickle):
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
        self.base_total = float(m.total(self.base_salary))
        self._target_y = self.annual(np.nan_to_num(self.targets))  # (R, K), fixed
        # One contiguous (reps, months) array per KPI for the plan arithmetic, and
        # ``targets`` a view of them: one copy of the targets, not two. Derived above
        # from the targets as given, so sums over months add in the same order.
        by_kpi = np.ascontiguousarray(np.moveaxis(self.targets, -1, 0))
        self._target_by_kpi = {k: by_kpi[i] for i, k in enumerate(self.kpis)}
        self.targets = by_kpi.transpose(1, 2, 0)
        self._fixed: dict[str, Any] | None = None
        self._plan_blocks: list[PlanBlock] | None = None

    def draw_free(self) -> dict[str, Any]:
        """The parts of the per-draw metrics that are the same in every draw (the
        company's and each region's target and headcount), computed on first use:
        sums in the order every draw would add them, so the values are the same."""
        if self._fixed is None:
            p_tgt = np.nan_to_num(self._target_y[self.paid, self.primary])[None, :]
            ng = len(self.region_labels)
            self._fixed = {
                "company_target": m.total(p_tgt)[0],
                "region_target": m.grouped_sum(p_tgt, self.region_codes, ng)[0],
                "region_n": m.grouped_sum(np.ones_like(p_tgt), self.region_codes, ng)[0],
            }
        return self._fixed

    #: What __post_init__ derives from the fields (and draw_free caches).
    _DERIVED = frozenset(
        (
            "_staffed",
            "_staffed_months",
            "base_total",
            "_target_y",
            "_target_by_kpi",
            "_fixed",
            "_plan_blocks",
        )
    )

    def clone(self) -> ChunkKernel:
        """A copy safe to run beside this one in another thread (the prepared
        plan keeps per-call state, so each thread gets its own). Shallow: the
        arrays are shared, derived ones included."""
        import copy

        twin = shallow_copy(self)
        twin.plan = copy.copy(self.plan)
        # The blocks are made once on this work and shared (each plan copied): a
        # worker clones its partition's work for every chunk.
        twin._plan_blocks = [
            replace(b, plan=twin.plan if b.plan is self.plan else copy.copy(b.plan))
            for b in self.plan_blocks()
        ]
        return twin

    def plan_blocks(self) -> list[PlanBlock]:
        """The blocks of the plan arithmetic: runs of whole units (every team
        component's unit stays in one block), about :data:`PLAN_BLOCK_REPS` reps each,
        from twice that many simulated reps, where each block is one stretch of the
        roster (a roster sorted by unit): a block's arrays are then views, not copies.
        Otherwise, or when the run keeps its cube, one block of every rep. Each block's
        plan pays its reps exactly what the whole plan pays them (the arithmetic is per
        rep or per unit), so the blocks change the speed, not the numbers."""
        with _BLOCKS_LOCK:  # threads cloning one work at once build the blocks once
            if self._plan_blocks is None:
                self._plan_blocks = self._make_blocks()
        return self._plan_blocks

    def _make_blocks(self) -> list[PlanBlock]:
        from simlib.engine.groups import connected_groups, pack_groups

        whole = [PlanBlock(slice(None), self.plan, self._target_by_kpi)]
        n = self.targets.shape[0]
        if n < 2 * PLAN_BLOCK_REPS or self.keep_cube:
            return whole
        parts = pack_groups(connected_groups(n, self.plan.unit_memberships()), n // PLAN_BLOCK_REPS)
        if len(parts) < 2 or any(p[-1] - p[0] + 1 != len(p) for p in parts):
            return whole
        needed = set(self.plan.kpis_needed())
        blocks = []
        for p in parts:
            rows = slice(int(p[0]), int(p[-1]) + 1)
            target = {k: v[rows] for k, v in self._target_by_kpi.items() if k in needed}
            blocks.append(PlanBlock(rows, self.plan.subset(rows), target))
        return blocks

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
        # KPI-major memory behind a (n, R, T, K) view: each KPI the plan reads is then
        # one contiguous (draws, reps, months) block, with no copy.
        r, t, k = self.targets.shape
        sales = np.moveaxis(np.empty((k, len(gens), r, t)), 0, -1)  # (n, R, T, K)
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
        # One contiguous (draws, reps, months) array per KPI the plan reads (a view of
        # the KPI-major draws): every pass of the plan arithmetic streams through memory.
        needed = set(self.plan.kpis_needed())
        actual = {
            k: np.ascontiguousarray(sales[..., i]) for i, k in enumerate(self.kpis) if k in needed
        }
        pay_all = np.empty(actual_all.shape[:2])  # (n, R_all)
        for block in self.plan_blocks():
            rows = block.rows
            pay = block.plan.payout(
                {k: v[:, rows] for k, v in actual.items()},
                block.target,
                score=None if score is None else score[:, rows],
                lines=self.keep_cube,
            )
            pay_all[:, rows] = m.total(pay.total)
        rep_pay = pay_all[:, paid]  # (n, R)
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

    def summarize(self, vals: dict[str, Any], per_rep: bool = True) -> dict[str, Any]:
        """Per-draw metrics, group metrics, outcomes (:mod:`simlib.engine.draw_metrics`)
        and per-rep partial sums from :meth:`rep_values` of the whole population the
        plan pays; with ``per_rep`` false only the per-draw and per-group metrics."""
        from simlib.engine.draw_metrics import draw_metrics, population_parts

        clock = _PhaseClock()
        out = draw_metrics(self, population_parts(self, vals), vals)
        clock.mark("metrics")
        if per_rep:
            out.update(rep_summaries(self, vals))
        clock.mark("reduction")
        out["seconds"] = {k: vals["seconds"].get(k, 0.0) + clock.seconds.get(k, 0.0)
                          for k in {**vals["seconds"], **clock.seconds}}  # fmt: skip
        return out

    def reached(self, actual: np.ndarray, target: np.ndarray, n: np.ndarray) -> np.ndarray:
        """1.0 where a group's result reaches its target: totals for a summed KPI,
        headcount means for a rate; ``lower`` KPIs reach at or below."""
        if not self.summed[self.primary]:
            with np.errstate(invalid="ignore", divide="ignore"):
                actual, target = actual / n, target / n
        ok = actual <= target if self.lower[self.primary] else actual >= target
        return np.where(target > 0, ok.astype(float), np.nan)


def rep_summaries(work: ChunkKernel, vals: dict[str, Any]) -> dict[str, Any]:
    """The per-rep part of :meth:`ChunkKernel.summarize`, rep by rep (so a partition
    of the population computes exactly its reps' part): the population's attainment
    histogram counts, per-rep fixed-point sums and counts, and each draw's
    histogram bin per rep (small to ship; counted by the reducer)."""
    primary_att, rep_pay, grade, coef = (
        vals["primary_att"], vals["rep_pay"], vals["grade"], vals["coef"]
    )  # fmt: skip
    out: dict[str, Any] = {}
    finite_att = np.where(np.isnan(primary_att), np.inf, primary_att)
    pop_bin = np.clip(
        np.searchsorted(POPULATION_BINS, finite_att, side="right") - 1,
        0,
        len(POPULATION_BINS) - 1,
    )
    pop_bin = np.where(np.isnan(primary_att), len(POPULATION_BINS), pop_bin)
    hist = np.bincount(pop_bin.ravel(), minlength=len(POPULATION_BINS) + 1)
    out["attainment_hist"] = hist[: len(POPULATION_BINS)]
    valid = ~np.isnan(primary_att)
    reps_acc = {
        "pay_sum": PAY_SUM.partial(rep_pay),
        "attainment_sum": RATIO_SUM.partial(np.where(valid, np.minimum(primary_att, 1e6), 0.0)),
        "attainment_n": valid.sum(axis=0),
        "at_quota": (primary_att >= 1.0).sum(axis=0),
        "at_threshold": (primary_att >= work.threshold).sum(axis=0),
    }
    bins = {
        "attainment": ATTAINMENT_BINS.index(primary_att),
        "log_pay": LOG_PAY_BINS.index(np.log1p(np.clip(rep_pay, 0, None))),
    }
    if coef is not None:
        reps_acc["coefficient_sum"] = RATIO_SUM.partial(coef)
    if grade is not None:
        reps_acc["bottom_grade"] = (grade == len(work.grade_names) - 1).sum(axis=0)
        reps_acc["top_grade"] = (grade == 0).sum(axis=0)
    out["reps"] = reps_acc
    out["bins"] = bins
    if work.keep_cube:
        out["cube"] = {
            "sales": vals["sales"],
            "pay": vals["pay"],
            "attainment": primary_att,
            "base_salary": work.base_salary,
        }
    return out


def median_of_sorted(sorted_rank: np.ndarray, attainment: np.ndarray) -> np.ndarray:
    """Per draw, the median attainment (capped at 1e9) of the reps that have one, from
    attainment sorted with "no attainment" as -1 first: the middle value, or the
    mean of the two middle ones, as :func:`numpy.nanmedian` takes it. Attainments
    below 0 (none in a sales model) fall back to :func:`numpy.nanmedian`."""
    missing = np.isnan(attainment)
    n_missing = missing.sum(axis=-1)
    if (np.count_nonzero(sorted_rank < 0, axis=-1) != n_missing).any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(np.minimum(attainment, 1e9), axis=-1)
    n = sorted_rank.shape[-1]
    if n == 0:
        return np.full(sorted_rank.shape[:-1], np.nan)
    valid = n - n_missing
    rows = np.arange(sorted_rank.shape[0])
    low = sorted_rank[rows, np.clip(n_missing + (valid - 1) // 2, 0, n - 1)]
    high = sorted_rank[rows, np.clip(n_missing + valid // 2, 0, n - 1)]
    with np.errstate(invalid="ignore"):
        mid = np.where(valid % 2 == 1, high, (low + high) / 2)
    return np.where(valid > 0, mid, np.nan)


def pay_performance(
    attainment: np.ndarray, pay: np.ndarray, target_incentive: np.ndarray
) -> np.ndarray:
    """:func:`simlib.metrics.pay_performance`, the same numbers, ranked faster.

    The same reps, the same rounding of ties and the same correlation of average
    ranks; the ranks come from one unstable sort per side (:func:`numpy.argsort`,
    vectorized) instead of a stable one, which gives the same average ranks since
    tied values share theirs whatever their order.
    """
    sides = m.pay_performance_sides(attainment, pay, target_incentive)
    if isinstance(sides, np.ndarray):
        return sides
    x, y = sides
    rx = m.average_ranks(x, np.argsort(x, axis=-1))
    ry = m.average_ranks(y, np.argsort(y, axis=-1))
    return m.spearman_of_ranks(rx, ry)

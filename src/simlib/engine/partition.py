"""Partitions of the simulated population along whole units, for the ``dask`` backend.

A worker that holds a partition computes its reps' sales, attainment, appraisal
and pay (:meth:`ChunkKernel.rep_values`) and, for its reps, everything that is per
rep or adds up over reps (:func:`partition_chunk`):

* the per-rep fixed-point sums and counts and the per-rep histogram counts stay
  on the worker (integers: exact in any order of chunks); after the last chunk
  :func:`partition_totals` turns them into per-rep results (sums, counts and
  quantiles), so the caller never holds reps x bins counts;
* the additive parts of the per-draw metrics
  (:func:`simlib.engine.draw_metrics.population_parts`): the population's totals
  (pay, revenue, the quota KPI in the company and by region, merit cost) as exact
  sums (:class:`simlib.metrics.ExactSums`), which add to the same number over any
  partition, and integer counts.

The results are bit-identical to a local run, which computes the same parts on
the whole population, when every rep's numbers are the same in its partition as
in the whole:

* each rep's random numbers depend only on the draw and its place in the
  dataset's roster (:func:`simlib.engine.sales.block_generators`);
* every group that a rep's results depend on stays whole in one partition: the
  unit of a team component, the group a forced distribution ranks within, the
  scorecard's team, the groups of relative scoring rules and of calibration.
  Partitions are the connected parts of those groups (a rep in region A and
  branch B ties A to B), cut into as many runs of the roster as asked
  (:func:`unit_partitions`);
* partitions keep the population's order, so sums within a unit add the same
  numbers in the same order.

The distribution metrics (median attainment, P90 leverage, Gini, pay-performance,
performance quartiles, pay gaps at equal attainment) still read each draw's whole
distribution: per chunk the caller receives 3 numbers per rep and draw
(attainment, pay, revenue: 8 bytes each, :data:`simlib.engine.draw_metrics.VECTORS`)
and computes them with the code the local backend runs.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from simlib.engine.accumulate import REP_QUANTILES, BinCounts
from simlib.engine.derived import shallow_copy
from simlib.engine.draw_metrics import VECTORS, add_parts, draw_metrics, population_parts
from simlib.engine.groups import connected_groups, pack_groups
from simlib.engine.kernel import REP_BINS, rep_summaries
from simlib.engine.sales import BootstrapSales, Layout, ParametricSales
from simlib.i18n import _


class PartitionError(NotImplementedError):
    """The simulation cannot be split into partitions of the population."""


def unit_groups(work: Any) -> np.ndarray:
    """Per simulated rep, the number of the smallest set of reps it must share a
    partition with (the connected parts of every grouping the draws use)."""
    n = work.targets.shape[0]
    memberships = work.plan.unit_memberships()
    sc = work.scorecard
    if sc is not None:
        rows = np.asarray(work.paid)[np.asarray(work.rated)]
        groups = [sc.team_groups, sc.calibration_groups, *sc.level_groups.values()]
        if sc.scorecard.rating.type != "bands":  # bands rate each rep on its own
            groups.append(sc.rating_groups)
        for g in groups:
            if g is None:
                continue
            full = np.full(n, -1, dtype=np.int64)
            full[rows] = g.codes
            memberships.append(full)
    return connected_groups(n, memberships)


def unit_partitions(work: Any, n_parts: int) -> list[np.ndarray]:
    """Rows of the simulated population per partition (ascending), at most ``n_parts``
    of them, each a union of whole groups (:func:`unit_groups`, :func:`pack_groups`)."""
    return pack_groups(unit_groups(work), n_parts)


def _layout(lay: Layout, rows: np.ndarray) -> Layout:
    return Layout(
        rep_ids=lay.rep_ids[rows],
        periods=lay.periods,
        kpis=lay.kpis,
        region=lay.region[rows],
        is_rate=lay.is_rate,
        roster=lay.roster[rows],
        roster_size=lay.roster_size,
        region_space=lay.region_space,
    )


def _sales_model(model: Any, rows: np.ndarray) -> Any:
    if isinstance(model, ParametricSales):
        return replace(model, layout=_layout(model.layout, rows), expected=model.expected[rows])
    if isinstance(model, BootstrapSales):
        return replace(
            model,
            layout=_layout(model.layout, rows),
            expected_level=model.expected_level[rows],
            history_rep_index=model.history_rep_index[rows],
            exposure=None if model.exposure is None else model.exposure[rows],
        )
    raise PartitionError(
        _(
            "a {model} sales model cannot be split into partitions of the "
            "population; use the parametric or bootstrap model, or backend='local'"
        ).format(model=type(model).__name__)
    )


def _scorecard(sc: Any, rows: np.ndarray) -> Any:
    from simlib.appraisal.rating import Groups, forced_counts

    def sub(g: Groups | None) -> Groups | None:
        return None if g is None else Groups(g.labels[g.codes[rows]])

    rating = sub(sc.rating_groups)
    return replace(
        sc,
        rep_ids=sc.rep_ids[rows],
        rating_groups=rating,
        team_groups=sub(sc.team_groups),
        level_groups={k: sub(g) for k, g in sc.level_groups.items()},
        counts=None if sc.counts is None else forced_counts(rating, sc.scorecard.rating.shares),
        competence_points=None if sc.competence_points is None else sc.competence_points[rows],
        calibration_groups=sub(sc.calibration_groups),
    )


def subset_work(work: Any, rows: np.ndarray) -> tuple[Any, np.ndarray]:
    """The work of the reps ``rows`` (ascending rows of the simulated population),
    and where its paid reps sit among the whole population's paid reps."""
    if work.behavior is not None:
        raise PartitionError(
            _(
                "behavioural responses are computed for the whole population at once and "
                "cannot be split into partitions yet; use backend='local' for designs with "
                "a behaviour model"
            )
        )
    rows = np.asarray(rows, dtype=np.int64)
    paid_all = np.asarray(work.paid)
    is_paid = np.zeros(work.targets.shape[0], dtype=bool)
    is_paid[paid_all] = True
    paid_rows = rows[is_paid[rows]]  # rows of this partition's paid reps
    columns = np.searchsorted(paid_all, paid_rows)  # their places among all paid reps
    paid_local = np.flatnonzero(is_paid[rows])
    rated_mask = np.zeros(len(paid_all), dtype=bool)
    rated_mask[np.asarray(work.rated if work.rated is not None else [], dtype=np.int64)] = True
    rated_local = np.flatnonzero(rated_mask[columns])
    twin = shallow_copy(work)
    twin.sales_model = _sales_model(work.sales_model, rows)
    twin.targets = work.targets[rows]
    twin.plan = work.plan.subset(rows)
    if work.scorecard is not None:
        rated_global = np.searchsorted(np.asarray(work.rated), columns[rated_local])
        twin.scorecard = _scorecard(work.scorecard, rated_global)
    twin.rated = rated_local if work.rated is not None else None
    twin.paid = paid_local
    twin.target_incentive = work.target_incentive[columns]
    twin.base_salary = work.base_salary[columns]
    twin.region_codes = work.region_codes[columns]
    if work.merit is not None:
        matrix, compa, salary = work.merit
        twin.merit = (matrix, compa[columns], salary[columns])
    if work.prior_grade is not None:
        twin.prior_grade = work.prior_grade[columns]
    if work.eligible_tenure is not None:
        twin.eligible_tenure = work.eligible_tenure[columns]
    if work.turnover is not None:
        twin.turnover = replace(
            work.turnover,
            n_reps=len(rows),
            roster=None if work.turnover.roster is None else work.turnover.roster[rows],
        )
    # Per-draw metrics are computed by the caller on the whole population: the
    # partition needs none of the population-wide settings.
    twin.groupings = {}
    twin.__post_init__()
    return twin, columns


def place(parts: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Per-rep arrays of the partitions, ``(columns, values)`` each with reps on the
    last axis, put together as one population of ``n`` reps."""
    first = parts[0][1]
    whole = np.empty((*first.shape[:-1], n), dtype=first.dtype)
    for columns, v in parts:
        whole[..., columns] = v
    return whole


@dataclass
class Partition:
    """A partition as a worker holds it: its work, the places of its paid reps among
    the population's, the run's number of draws and the key its per-rep counts are
    kept under on the worker (:data:`_HELD`)."""

    work: Any
    columns: np.ndarray
    draws: int
    key: str


#: Per-rep fixed-point sums, counts and histogram counts of the partitions a
#: worker process holds, by :attr:`Partition.key`; they stay on the worker until
#: :func:`partition_totals` turns them into per-rep results.
_HELD: dict[str, dict[str, Any]] = {}
_HELD_LOCK = threading.Lock()


def _held(part: Partition) -> dict[str, Any]:
    with _HELD_LOCK:
        state = _HELD.get(part.key)
        if state is None:
            n = len(part.columns)
            state = {
                "lock": threading.Lock(),
                "reps": {},
                "counts": {k: BinCounts(h, n, part.draws) for k, h in REP_BINS.items()},
            }
            _HELD[part.key] = state
        return state


def partition_chunk(part: Partition, start: int, stop: int) -> dict[str, Any]:
    """Draws ``start`` .. ``stop - 1`` of a partition: the additive parts of the
    per-draw metrics (:func:`simlib.engine.draw_metrics.population_parts`), the
    per-rep vectors the distribution metrics read
    (:data:`simlib.engine.draw_metrics.VECTORS`) and the attainment histogram's
    counts. Its per-rep sums and histogram counts are added to what the worker
    holds for the partition (integers: exact in any order of chunks)."""
    work = part.work.clone()
    vals = work.rep_values(start, stop)
    seconds = dict(vals["seconds"])
    t0, c0 = time.perf_counter(), time.thread_time()
    summaries = rep_summaries(work, vals)
    state = _held(part)
    with state["lock"]:
        for k, idx in summaries["bins"].items():
            state["counts"][k].add(idx)
        acc = state["reps"]
        for k, v in summaries["reps"].items():
            acc[k] = acc[k] + v if k in acc else v.astype(np.int64)
    t1, c1 = time.perf_counter(), time.thread_time()
    keep = (*VECTORS, "sales", "pay") if work.keep_cube else VECTORS
    parts = population_parts(work, vals)
    t2, c2 = time.perf_counter(), time.thread_time()
    for phase, (a, b, ca, cb) in {
        "per-rep summaries": (t0, t1, c0, c1),
        "additive parts": (t1, t2, c1, c2),
    }.items():
        seconds[phase] = b - a
        seconds[f"cpu:{phase}"] = cb - ca
    return {
        "parts": parts,
        "vectors": {k: vals[k] for k in keep},
        "attainment_hist": summaries["attainment_hist"],
        "seconds": seconds,
    }


def partition_totals(part: Partition) -> dict[str, Any]:
    """The per-rep results of a partition after its last chunk (fixed-point sums,
    counts, and the payout and attainment quantiles of its histogram counts); the
    worker lets go of its counts."""
    with _HELD_LOCK:
        state = _HELD.pop(part.key)
    counts = state.pop("counts")
    return {
        "reps": state["reps"],
        "attainment_q": counts.pop("attainment").quantiles(REP_QUANTILES),
        "log_pay_q": counts.pop("log_pay").quantiles(REP_QUANTILES),
    }


def combine_chunk(work: Any, got: list[tuple[np.ndarray, dict[str, Any]]]) -> dict[str, Any]:
    """One chunk's result of the whole population from its partitions' results
    (``(columns, partition_chunk(...))`` each): the parts added, the per-rep
    vectors placed at their reps' columns, then the per-draw metrics."""
    clock = time.perf_counter(), time.thread_time()
    n_paid = len(work.paid)
    vectors = {
        k: place([(c, p["vectors"][k]) for c, p in got], n_paid) for k in got[0][1]["vectors"]
    }
    out = draw_metrics(work, add_parts([p["parts"] for _columns, p in got]), vectors)
    out["attainment_hist"] = sum(p["attainment_hist"] for _columns, p in got)
    seconds: dict[str, float] = {}
    for _columns, p in got:
        for phase, sec in p["seconds"].items():
            seconds[phase] = seconds.get(phase, 0.0) + sec
    seconds["metrics"] = seconds.get("metrics", 0.0) + time.perf_counter() - clock[0]
    seconds["cpu:metrics"] = seconds.get("cpu:metrics", 0.0) + time.thread_time() - clock[1]
    out["seconds"] = seconds
    if work.keep_cube:
        out["cube"] = {
            "sales": vectors["sales"],
            "pay": vectors["pay"],
            "attainment": vectors["primary_att"],
            "base_salary": work.base_salary,
        }
    return out


def combine_totals(work: Any, got: list[tuple[np.ndarray, dict[str, Any]]]) -> dict[str, Any]:
    """The whole population's per-rep results from its partitions'
    (``(columns, partition_totals(...))`` each), as the reduction reads them."""
    n_paid = len(work.paid)
    first = got[0][1]
    reps = {k: place([(c, p["reps"][k]) for c, p in got], n_paid) for k in first["reps"]}
    quantiles = {
        k: place([(c, p[k].T) for c, p in got], n_paid).T for k in ("attainment_q", "log_pay_q")
    }
    return {"rep_totals": {"reps": reps, **quantiles}}


@dataclass
class Split:
    """The ``dask`` backend's partitions of one run: ``rows`` per partition, built
    one at a time (:meth:`parts`) so the caller never holds them all; ``combine``
    and ``finish`` put their chunks' and their last results together."""

    work: Any
    rows: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.rows)

    def parts(self, draws: int) -> Iterator[Partition]:
        run = uuid.uuid4().hex
        for i, r in enumerate(self.rows):
            twin, columns = subset_work(self.work, r)
            yield Partition(twin, columns, draws, f"{run}:{i}")

    def combine(self, got: list[tuple[np.ndarray, dict[str, Any]]]) -> dict[str, Any]:
        return combine_chunk(self.work, got)

    def finish(self, got: list[tuple[np.ndarray, dict[str, Any]]]) -> dict[str, Any]:
        return combine_totals(self.work, got)

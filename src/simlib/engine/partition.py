"""Partitions of the simulated population along whole units, for the ``dask`` backend.

A worker that holds a partition computes its reps' sales, attainment, appraisal
and pay (:meth:`ChunkKernel.rep_values`) and, for its reps, everything that is per
rep (:func:`partition_chunk`): the per-rep fixed-point sums and counts, each draw's
histogram bin per rep and the population attainment histogram's counts. The
caller places the per-rep parts at their reps' places, adds the counts (integers:
exact in any order), and computes the per-draw metrics once from the few per-rep
vectors they read (attainment, pay, revenue, quota-KPI actual and grade),
with the same code the local backend runs. The results are
therefore bit-identical to a local run when every rep's numbers are the same in
its partition as in the whole:

* each rep's random numbers depend only on the draw and its place in the
  dataset's roster (:func:`simlib.engine.sales.block_generators`);
* every group that a rep's results depend on stays whole in one partition: the
  unit of a team component, the group a forced distribution ranks within, the
  scorecard's team, the groups of relative scoring rules and of calibration.
  Partitions are the connected parts of those groups (a rep in region A and
  branch B ties A to B), packed into as many partitions as asked, largest first;
* partitions keep the population's order, so sums within a unit add the same
  numbers in the same order.

The per-draw metrics still read per-rep vectors from every partition: the
population's totals (pay, revenue, the quota KPI by region, merit cost) are
running sums in population order (:func:`simlib.metrics.total`, bincount per
region), which sums of partitions' sums cannot reproduce to the last bit, and the
median, P90 leverage, Gini, Spearman, performance quartiles and pay gaps at
equal attainment need each draw's whole distribution. Per chunk the caller
receives 4 numbers per rep and draw (attainment, pay, revenue, quota-KPI actual:
8 bytes each), one byte of grade and the two 2-byte histogram bins.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import numpy as np

from simlib.engine.sales import BootstrapSales, Layout, ParametricSales
from simlib.i18n import _


class PartitionError(NotImplementedError):
    """The simulation cannot be split into partitions of the population."""


def unit_groups(work: Any) -> np.ndarray:
    """Per simulated rep, the number of the smallest set of reps it must share a
    partition with (the connected parts of every grouping the draws use)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = work.targets.shape[0]
    memberships: list[np.ndarray] = []
    for _order, _starts, inv, _labels in work.plan.teams.values():
        memberships.append(np.asarray(inv, dtype=np.int64))
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
    src, dst, offset = [], [], n
    for codes in memberships:
        has = codes >= 0
        src.append(np.flatnonzero(has))
        dst.append(codes[has] + offset)
        offset += int(codes.max(initial=-1)) + 1
    if not src:
        return np.arange(n)
    s, d = np.concatenate(src), np.concatenate(dst)
    graph = coo_matrix((np.ones(len(s)), (s, d)), shape=(offset, offset))
    _n, labels = connected_components(graph, directed=False)
    return labels[:n]


def unit_partitions(work: Any, n_parts: int) -> list[np.ndarray]:
    """Rows of the simulated population per partition (ascending), at most ``n_parts``
    of them, each a union of whole groups; sizes balanced greedily (largest group to
    the smallest partition)."""
    comp = unit_groups(work)
    ids, sizes = np.unique(comp, return_counts=True)
    load = np.zeros(max(1, min(n_parts, len(ids))), dtype=np.int64)
    owner = np.empty(len(ids), dtype=np.int64)
    for i in np.argsort(-sizes, kind="stable"):
        j = int(np.argmin(load))
        owner[i] = j
        load[j] += sizes[i]
    part_of = owner[np.searchsorted(ids, comp)]
    return [np.flatnonzero(part_of == j) for j in range(len(load)) if load[j] > 0]


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


def _plan(prep: Any, rows: np.ndarray) -> Any:
    from simlib.plans.core import PreparedPlan
    from simlib.plans.plan import team_index

    teams = {
        name: team_index(np.asarray(labels)[inv[rows]])
        for name, (_order, _starts, inv, labels) in prep.teams.items()
    }
    return PreparedPlan(
        prep.spec,
        prep.rep_ids[rows],
        prep.periods,
        prep.target_incentive[rows],
        prep.prorate[rows],
        teams,
        prep.spif_masks,
        prep.kpi_aggregation,
        prep.kpi_direction,
        paid=prep.paid[rows],
        draw_mask=prep.draw_mask[rows],
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
    twin = copy.copy(work)
    twin.sales_model = _sales_model(work.sales_model, rows)
    twin.targets = work.targets[rows]
    twin.plan = _plan(work.plan, rows)
    if work.scorecard is not None:
        rated_global = np.searchsorted(np.asarray(work.rated), columns[rated_local])
        twin.scorecard = _scorecard(work.scorecard, rated_global)
    twin.rated = rated_local if work.rated is not None else None
    twin.paid = paid_local
    twin.target_incentive = work.target_incentive[columns]
    twin.base_salary = work.base_salary[columns]
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


def assemble(parts: list[tuple[np.ndarray, dict[str, Any]]], n_paid: int) -> dict[str, Any]:
    """Per-rep values of the partitions, ``(columns, values)`` each, as one population."""
    out: dict[str, Any] = {"seconds": {}}
    for columns, vals in parts:
        for k, v in vals.items():
            if k == "seconds":
                for phase, sec in v.items():
                    out["seconds"][phase] = out["seconds"].get(phase, 0.0) + sec
                continue
            if v is None:
                out[k] = None
                continue
            if k not in out:
                out[k] = np.empty((v.shape[0], n_paid, *v.shape[2:]), dtype=v.dtype)
            out[k][:, columns] = v
    return out


#: Per-rep vectors (draws, reps) the per-draw metrics read: what a partition sends
#: to the caller each chunk, besides its per-rep summaries.
METRIC_VECTORS = ("primary_att", "rep_pay", "revenue", "p_act", "grade")


def partition_chunk(work: Any, start: int, stop: int) -> dict[str, Any]:
    """Draws ``start`` .. ``stop - 1`` of a partition: its per-rep summaries
    (:func:`simlib.engine.kernel.rep_summaries`) and the per-rep vectors the
    per-draw metrics read (:data:`METRIC_VECTORS`)."""
    from simlib.engine.kernel import rep_summaries

    vals = work.rep_values(start, stop)
    keep = (*METRIC_VECTORS, "sales", "pay") if work.keep_cube else METRIC_VECTORS
    summaries = rep_summaries(work, vals)
    summaries.pop("cube", None)
    vectors = {k: vals[k] for k in keep if k in vals}
    if vectors.get("grade") is not None:  # grade indices fit a byte: 8 times less to ship
        vectors["grade"] = vectors["grade"].astype(np.int8)
    return {
        "vectors": vectors,
        "summaries": summaries,
        "seconds": vals["seconds"],
    }


def combine_chunk(work: Any, got: list[tuple[np.ndarray, dict[str, Any]]]) -> dict[str, Any]:
    """One chunk's result of the whole population from its partitions' results
    (``(columns, partition_chunk(...))`` each): per-rep parts placed at their reps'
    columns, counts added, per-draw metrics from the put-together vectors."""
    n_paid = len(work.paid)
    vals = assemble([(c, {**p["vectors"], "seconds": p["seconds"]}) for c, p in got], n_paid)
    if vals.get("grade") is not None:
        vals["grade"] = vals["grade"].astype(np.int64)
    vals["coef"] = None  # read by the per-rep summaries only, made in the partitions
    out = work.summarize(vals, per_rep=False)
    first = got[0][1]["summaries"]
    out["attainment_hist"] = sum(p["summaries"]["attainment_hist"] for _k, p in got)
    for part in ("reps", "bins"):
        whole: dict[str, np.ndarray] = {}
        for k, v in first[part].items():
            whole[k] = np.empty((*v.shape[:-1], n_paid), dtype=v.dtype)
        for columns, p in got:
            for k, v in p["summaries"][part].items():
                whole[k][..., columns] = v
        out[part] = whole
    if work.keep_cube:
        out["cube"] = {
            "sales": vals["sales"],
            "pay": vals["pay"],
            "attainment": vals["primary_att"],
            "base_salary": work.base_salary,
        }
    return out

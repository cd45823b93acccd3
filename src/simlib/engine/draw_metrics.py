"""Per-draw metrics of the population, in two parts.

* :func:`population_parts`: what adds up over any split of the population, per
  draw: the totals (pay, revenue, the quota KPI in the company and by region,
  merit cost) as exact sums (:class:`simlib.metrics.ExactSums`, the same number
  whatever the order or the partition), and counts (reps with an attainment, at
  threshold, quota and cap, per grade, flagged, promotion-ready). A partition of
  the population computes its own; :func:`add_parts` adds them exactly.
* :func:`draw_metrics`: the per-draw and per-group metrics from the added parts
  and the per-rep vectors that the distribution metrics read (:data:`VECTORS`:
  attainment, pay and revenue of every rep the plan pays, in population order):
  median attainment, P90 leverage, Gini, pay-performance (Spearman), performance
  quartiles and pay gaps at equal attainment.

The local backend runs both on the whole population; the ``dask`` backend runs
the first on each partition and the second once, so both give the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simlib import metrics as m
from simlib.engine.kernel import median_of_sorted, pay_performance

#: Per-rep vectors (draws, paid reps) that :func:`draw_metrics` reads.
VECTORS = ("primary_att", "rep_pay", "revenue")


def population_parts(work: Any, vals: dict[str, Any]) -> dict[str, Any]:
    """The additive parts of one chunk's per-draw metrics over the reps of ``work``
    (the whole population or a partition): exact sums and integer counts per draw."""
    att, pay, grade = vals["primary_att"], vals["rep_pay"], vals["grade"]
    p_act = vals["p_act"]
    parts: dict[str, Any] = {
        "pay": m.exact_sums(pay),
        "revenue": m.exact_sums(vals["revenue"]),
        "p_act": m.exact_sums(p_act),
        "region_act": m.exact_sums(p_act, work.region_codes, len(work.region_labels)),
        "n_reps": att.shape[-1],
        "valid": (~np.isnan(att)).sum(axis=-1),
        "at_threshold": (att >= work.threshold).sum(axis=-1),
        "at_quota": (att >= 1.0).sum(axis=-1),
    }
    if work.cap is not None:
        parts["at_cap"] = (att >= work.cap).sum(axis=-1)
    if grade is not None:
        ngr = len(work.grade_names)
        parts["n_rated"] = len(work.rated)
        parts["grades"] = np.stack([(grade == g).sum(axis=-1) for g in range(ngr)], axis=-1)
        flag = grade == ngr - 1
        if work.pip_floor is not None:
            flag = flag | (att < work.pip_floor)
        parts["flagged"] = flag.sum(axis=-1)
        ready = (grade >= 0) & (grade <= work.promotion_grade)
        if work.prior_grade is not None:
            ready = ready & (work.prior_grade <= work.promotion_grade)
        if work.eligible_tenure is not None:
            ready = ready & work.eligible_tenure
        parts["ready"] = ready.sum(axis=-1)
        if work.merit is not None:
            matrix, compa, salary = work.merit
            raise_pct = np.where(grade >= 0, matrix.rate(np.maximum(grade, 0), compa[None, :]), 0.0)
            parts["merit"] = m.exact_sums(raise_pct * salary[None, :])
    return parts


def add_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The parts of several partitions of the population added: exact in any order."""
    out = dict(parts[0])
    for p in parts[1:]:
        for k, v in p.items():
            out[k] = out[k] + v
    return out


def _share(count: np.ndarray, n: Any) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return count / n


def draw_metrics(work: Any, parts: dict[str, Any], vals: dict[str, Any]) -> dict[str, Any]:
    """``per_draw`` and ``groups`` metrics of a chunk from the whole population's
    parts (:func:`population_parts`, added) and its per-rep :data:`VECTORS`."""
    primary_att, rep_pay, revenue = vals["primary_att"], vals["rep_pay"], vals["revenue"]
    ti = work.target_incentive
    with np.errstate(invalid="ignore", divide="ignore"):
        pay_multiple = np.where(ti > 0, rep_pay / ti, np.nan)
    revenue_total = parts["revenue"].value()
    total_pay = parts["pay"].value()
    base = work.base_salary
    base_total = work.base_total
    rank_att = np.where(np.isnan(primary_att), -1.0, np.minimum(primary_att, 1e9))

    d: dict[str, np.ndarray] = {}
    d["total_payout"] = total_pay
    # A plan with no target incentive (pure commission) has no default budget.
    nan = np.full_like(total_pay, np.nan)
    d["budget_ratio"] = total_pay / work.budget if work.budget > 0 else nan
    d["over_budget"] = (total_pay > work.budget).astype(float) if work.budget > 0 else nan
    d["revenue"] = revenue_total
    with np.errstate(invalid="ignore", divide="ignore"):
        d["cost_of_sales"] = (total_pay + base_total) / revenue_total
        d["incentive_cost_of_sales"] = total_pay / revenue_total
        d["variable_pay_share"] = total_pay / (total_pay + base_total)
    has_ti = ti > 0
    d["leverage_p90"] = np.quantile(pay_multiple[:, has_ti], 0.9, axis=-1) if has_ti.any() else nan
    d["share_at_threshold"] = _share(parts["at_threshold"], parts["valid"])
    d["share_at_quota"] = _share(parts["at_quota"], parts["valid"])
    d["share_at_cap"] = _share(parts["at_cap"], parts["valid"]) if work.cap is not None else nan
    # One sort of attainment serves the performance quartiles and the median; the
    # Gini needs the sorted amounts only, not who holds them.
    order_att = np.argsort(rank_att, axis=-1, kind="stable")
    d["median_attainment"] = median_of_sorted(
        np.take_along_axis(rank_att, order_att, axis=-1), primary_att
    )
    # One definition on every page (simlib.vocabulary): pay as a multiple of target
    # incentive against attainment, over reps with a target incentive and a target.
    d["pay_performance_spearman"] = pay_performance(primary_att, rep_pay, ti)
    d["payout_gini"] = m.gini_of_sorted(np.clip(np.sort(rep_pay, axis=-1), 0, None))
    fixed = work.draw_free()
    n_reps = np.full(len(total_pay), float(parts["n_reps"]))
    company_target = np.full(len(total_pay), fixed["company_target"])
    d["company_reaches_target"] = work.reached(parts["p_act"].value(), company_target, n_reps)
    quart = np.empty_like(order_att)  # as m.quartile_codes, from the same sort
    np.put_along_axis(quart, order_att, np.arange(order_att.shape[-1])[None, :], axis=-1)
    quart = (quart * 4) // max(order_att.shape[-1], 1)
    cos_q = m.grouped_ratio(rep_pay + base, revenue, quart, 4)
    d["cost_of_sales_bottom_quartile"] = cos_q[..., 0]
    d["cost_of_sales_top_quartile"] = cos_q[..., 3]
    groups: dict[str, np.ndarray] = {}
    groups["cost_of_sales_by_quartile"] = cos_q
    groups["pay_by_quartile"] = m.grouped_ratio(rep_pay, np.ones_like(rep_pay), quart, 4)
    reg_act = parts["region_act"].value()
    reg_tgt = np.broadcast_to(fixed["region_target"], reg_act.shape)
    reg_n = np.broadcast_to(fixed["region_n"], reg_act.shape)
    groups["region_reaches_target"] = work.reached(reg_act, reg_tgt, reg_n)
    ones = np.ones_like(rep_pay)
    band = m.attainment_bands(rank_att) if work.groupings else None  # one for every grouping
    for name, (codes, labels) in work.groupings.items():
        groups[f"pay_gap:{name}"] = m.pay_gap_vs_others(
            rep_pay, None, codes, len(labels), band=band
        )
        groups[f"mean_pay:{name}"] = m.grouped_ratio(rep_pay, ones, codes, len(labels))
    if "grades" in parts:
        n_rated = max(parts["n_rated"], 1)
        groups["grade_share"] = parts["grades"] / n_rated
        n = parts["n_reps"]
        d["improvement_plan_share"] = _share(parts["flagged"], n)
        d["promotion_ready_share"] = _share(parts["ready"], n)
        if "merit" in parts:
            d["merit_cost_at_matrix"] = parts["merit"].value()
    return {"per_draw": d, "groups": groups}

"""The reduction: chunks of draws, in draw order, added up into a :class:`SimulationResult`.

Per-draw and per-group rows are placed at their draws; per-rep fixed-point sums, counts and
histogram bins are added exactly, so the result does not depend on how the draws
were chunked or where the chunks ran. On the ``dask`` backend the partitions keep
their reps' sums and counts and send, after the last chunk, one item
``{"rep_totals": ...}`` with the per-rep sums and quantiles of the whole population
(:func:`simlib.engine.partition.combine_totals`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.io import release_unused_memory
from simlib.engine.accumulate import REP_QUANTILES, BinCounts
from simlib.engine.kernel import (
    PAY_SUM,
    POPULATION_BINS,
    RATIO_SUM,
    REP_BINS,
    ChunkKernel,
)
from simlib.engine.result import SimulationResult
from simlib.engine.sales import Layout


def reduce_stream(
    stream: Iterable[tuple[tuple[int, int], dict[str, Any]]],
    work: ChunkKernel,
    layout: Layout,
    reps: pd.DataFrame,
    draws: int,
) -> SimulationResult:
    """Add up the chunks of ``stream`` (``((start, stop), chunk result)`` in draw
    order) of ``work`` into a result; ``name`` and ``provenance`` are left to the caller."""
    # Per-draw and per-group values go straight into arrays of all the draws: a list
    # of each chunk's small arrays took about 5 KB a chunk (47 MiB at 10,000 draws).
    per_draw: dict[str, np.ndarray] = {}
    groups: dict[str, np.ndarray] = {}
    acc: dict[str, np.ndarray] = {}
    hist = np.zeros(len(POPULATION_BINS), dtype=np.int64)
    n_paid = len(work.paid)
    # Allocated on the first chunk that brings bins (never on the dask backend).
    counts: dict[str, BinCounts] = {}
    cube: dict[str, list[np.ndarray]] = {}
    phases: dict[str, float] = {}
    reducing = 0.0
    reducing_cpu = 0.0
    totals: dict[str, Any] | None = None
    for (start, stop), out in stream:
        t0, c0 = time.perf_counter(), time.thread_time()
        for k, v in out.get("seconds", {}).items():
            phases[k] = phases.get(k, 0.0) + v
        if "rep_totals" in out:  # per-rep results the partitions kept (dask backend)
            totals = out["rep_totals"]
            continue
        for k, idx in out.get("bins", {}).items():
            if k not in counts:
                counts[k] = BinCounts(REP_BINS[k], n_paid, draws)
            counts[k].add(idx)
        for k, v in out["per_draw"].items():
            if k not in per_draw:
                per_draw[k] = np.full(draws, np.nan)
            per_draw[k][start:stop] = v
        for k, v in out["groups"].items():
            v = np.asarray(v, dtype=float)
            if k not in groups:
                groups[k] = np.full((draws, *v.shape[1:]), np.nan)
            groups[k][start:stop] = v
        for k, v in out.get("reps", {}).items():
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
    # The chunks' working memory sits free on the worker threads' heaps, which this
    # thread does not allocate from: handed back before the results are built here.
    release_unused_memory()
    t0, c0 = time.perf_counter(), time.thread_time()
    pd_frame = pd.DataFrame(per_draw)
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
    group_frames = {k: pd.DataFrame(v, columns=labels.get(k)) for k, v in groups.items()}
    ti = work.target_incentive
    if totals is None:
        q_att = counts["attainment"].quantiles(REP_QUANTILES)
        q_pay = np.expm1(counts["log_pay"].quantiles(REP_QUANTILES))
    else:
        acc = totals["reps"]
        q_att, q_pay = totals["attainment_q"], np.expm1(totals["log_pay_q"])
    del counts
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

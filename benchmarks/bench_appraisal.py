"""Benchmark: scoring + forced-distribution rating of 10,000 reps x 1,000 draws, by unit.

Run from the project root::

    .venv/bin/python benchmarks/bench_appraisal.py
    .venv/bin/python benchmarks/bench_appraisal.py --reps 10000 --draws 1000 --chunk 100

Setup: 10,000 reps in 250 units of 40 (forced 10/20/40/20/10 within each unit,
ties go up), three KPIs scored by a ratio rule, a linear rule and a step rule,
manual weights. Attainment draws are lognormal and rounded to 0.1 percentage
point so that many scores tie (the tie rule does real work). The draws are
processed in chunks, as the Monte Carlo engine does, so peak memory depends on
the chunk, not on the number of draws. Timings exclude generating the random
attainment (done per chunk outside the timers). Peak memory is traced with
``tracemalloc`` (numpy reports its buffers to it) and is the peak of the whole run.

A second part times :func:`simlib.appraisal.break_even_weights` on a company-wide
forced distribution of ``--be-reps`` reps (default 20,000, one ranking group,
where the former pairwise insiders x outsiders matrix needed GBs
there; the bisection needs O(reps) memory).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from simlib.appraisal import (
    Appraisal,
    Groups,
    Scorecard,
    break_even_weights,
    composite,
    forced_counts,
    rate_forced,
    score_kpis,
)

SCORECARD = {
    "name": "bench",
    "kpis": [
        {"kpi": "revenue", "weight": 0.5, "rule": {"type": "ratio", "cap": 1.5}},
        {
            "kpi": "new_customers",
            "weight": 0.3,
            "rule": {"type": "linear", "floor": 0.6, "ceiling": 1.3, "score_at_floor": 40},
        },
        {
            "kpi": "hv_retention",
            "weight": 0.2,
            "rule": {
                "type": "steps",
                "below": 40,
                "bands": [
                    {"at_least": 0.98, "score": 70},
                    {"at_least": 1.0, "score": 100},
                    {"at_least": 1.01, "score": 115},
                ],
            },
        },
    ],
    "rating": {
        "type": "forced",
        "grades": [
            {"name": n, "share": s}
            for n, s in zip(  # noqa: B905
                ["优秀", "良好", "合格", "基本合格", "不合格"], [0.1, 0.2, 0.4, 0.2, 0.1]
            )
        ],
    },
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10_000)
    ap.add_argument("--draws", type=int, default=1_000)
    ap.add_argument("--chunk", type=int, default=100, help="draws per chunk")
    ap.add_argument("--unit-size", type=int, default=40)
    ap.add_argument("--be-reps", type=int, default=20_000, help="reps for break-even (0: skip)")
    args = ap.parse_args()

    sc = Scorecard.from_dict(SCORECARD)
    w = sc.resolve_weights().to_numpy()
    shares = sc.rating.shares
    groups = Groups(np.arange(args.reps) // args.unit_size)
    counts = forced_counts(groups, shares)  # once: group sizes are fixed
    rng = np.random.default_rng(1)

    t_score = t_rate = 0.0
    tracemalloc.start()
    done = 0
    grade_totals = np.zeros(len(shares), dtype=np.int64)
    while done < args.draws:
        n = min(args.chunk, args.draws - done)
        att = np.round(rng.lognormal(0.0, 0.25, size=(n, args.reps, 3)), 3)
        att[..., 2] = np.round(1.0 + rng.normal(0, 0.012, size=(n, args.reps)), 3)
        t0 = time.perf_counter()
        scores = composite(score_kpis(sc, att), w)
        t1 = time.perf_counter()
        grades = rate_forced(scores, groups, shares, ties="up", min_group=None, counts=counts)
        t2 = time.perf_counter()
        t_score += t1 - t0
        t_rate += t2 - t1
        grade_totals += np.bincount(grades.ravel(), minlength=len(shares))
        done += n
        del att, scores, grades
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    cells = args.reps * args.draws
    print(f"appraisal benchmark: {args.reps:,} reps x {args.draws:,} draws, "
          f"{groups.n_groups} units of {args.unit_size}, chunks of {args.chunk} draws")  # fmt: skip
    print(
        f"  scoring (3 KPIs + composite): {t_score:7.2f} s  ({cells / t_score / 1e6:6.1f} M rep-draws/s)"
    )
    print(
        f"  forced rating by unit:        {t_rate:7.2f} s  ({cells / t_rate / 1e6:6.1f} M rep-draws/s)"
    )
    print(f"  total:                        {t_score + t_rate:7.2f} s")
    print(f"  peak traced memory:           {peak / 2**20:7.1f} MiB")
    print("  grade shares over all draws:  "
          + ", ".join(f"{x:.3f}" for x in grade_totals / grade_totals.sum()))  # fmt: skip
    if args.be_reps:
        bench_break_even(sc, args.be_reps)


def bench_break_even(sc: Scorecard, n: int) -> None:
    """break_even_weights on n reps ranked company-wide (ties included)."""
    rng = np.random.default_rng(2)
    att = np.round(rng.lognormal(0.0, 0.25, size=(n, 3)), 3)
    att[:, 2] = np.round(1.0 + rng.normal(0, 0.012, size=n), 3)
    pts = score_kpis(sc, att)
    weights = sc.resolve_weights()
    groups = Groups(np.zeros(n, dtype=np.int64))
    score = composite(pts, weights)
    grade = rate_forced(score, groups, sc.rating.shares, min_group=None, quota_tolerance=None)
    reps = pd.DataFrame({"rep_id": np.arange(n).astype(str), "eligible": True,
                         "grade_index": grade})  # fmt: skip
    app = Appraisal(reps, pd.DataFrame(), pd.DataFrame(), weights, sc, "bench", pts,
                    np.zeros(n), groups)  # fmt: skip
    tracemalloc.start()
    t0 = time.perf_counter()
    be = break_even_weights(app)
    t1 = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"break-even weights: {n:,} reps ranked company-wide, {len(be)} rows (3 KPIs x top/bottom)"
    )
    print(f"  time:                         {t1 - t0:7.2f} s")
    print(f"  peak traced memory:           {peak / 2**20:7.1f} MiB")


if __name__ == "__main__":
    main()

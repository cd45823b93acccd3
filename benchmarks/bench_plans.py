"""Benchmark: the telecom account-manager plan on 10,000 reps x 12 months x 1,000 draws.

Prints throughput (rep-months per second) and peak memory for
``PreparedPlan.payout`` and for the same arithmetic hand-coded as a minimal
loop-free numpy kernel (the reference), and their ratio (target: within 2x).
The draws are processed in chunks so memory stays flat as draws grow; the
random inputs are generated outside the timed region for both.

Run: ``.venv/bin/python benchmarks/bench_plans.py [--reps 10000] [--draws 1000] [--chunk 25]``
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from simlib.data.org import Hierarchy
from simlib.plans import Plan

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "plans" / "telecom_account_manager.yaml"
PERIODS = pd.period_range("2026-01", "2026-12", freq="M")


def org(n_reps: int, n_branches: int, rng) -> tuple[pd.DataFrame, Hierarchy]:
    regions = [f"R{i}" for i in range(10)]
    branches = [f"B{i}" for i in range(n_branches)]
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", *regions, *branches],
            "parent_id": [
                None,
                *["HQ"] * len(regions),
                *[regions[i % 10] for i in range(n_branches)],
            ],
            "level": ["company", *["region"] * len(regions), *["branch"] * n_branches],
            "name": ["HQ", *regions, *branches],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": [f"E{i:05d}" for i in range(n_reps)],
            "unit_id": rng.choice(branches, n_reps),
            "position": "key_account_manager",  # the plan's position: every rep is paid
            "base_salary": rng.uniform(80_000, 160_000, n_reps).round(-2),
        }
    )
    return reps, Hierarchy(units)


def reference_kernel(rev, new, ret, q_rev, ti, branch, spif_mask, n_branches):
    """The account-manager plan's arithmetic, written directly (no spec, no generality).

    rev, new, ret: (D, R, 12); q_rev: (R, 12); ti: (R,) annual target incentive;
    branch: (R,) branch code; spif_mask: (12,).
    """
    D, R, T = rev.shape
    ti_q = ti / 4.0  # quarterly target incentive (full-year employment)
    a = rev.reshape(D, R, 4, 3).sum(-1)
    q = q_rev.reshape(R, 4, 3).sum(-1)
    att = a / q
    # Curve [(0.8, 0.5), (1, 1), (1.5, 2)], zero below 80%: continuous part + a jump of 0.5 at 0.8.
    f = np.interp(att, [0.8, 1.0, 1.5], [0.0, 0.5, 1.5]) + 0.5 * (att >= 0.8)
    m = np.interp(ret.reshape(D, R, 4, 3).mean(-1), [0.92, 0.96, 0.99], [0.8, 1.0, 1.2])
    bonus = 0.7 * ti_q[:, None] * f * m
    # Team: branch sums via bincount over (draw, branch, quarter).
    idx = (np.arange(D)[:, None, None] * n_branches + branch[None, :, None]) * 4 + np.arange(4)
    ta = np.bincount(idx.ravel(), a.ravel(), D * n_branches * 4).reshape(D, n_branches, 4)
    tq = np.bincount(
        (branch[:, None] * 4 + np.arange(4)).ravel(), q.ravel(), n_branches * 4
    ).reshape(n_branches, 4)
    team_att = 0.5 * (ta / tq)[:, branch, :] + 0.5 * att
    tf = np.interp(team_att, [0.8, 1.0, 1.5], [0.0, 0.5, 1.5]) + 0.5 * (team_att >= 0.8)
    team = 0.3 * ti_q[:, None] * tf
    # SPIF: an annual cap of 24,000 on the year-to-date SPIF payments (full-year reps).
    spif_ytd = np.minimum(np.cumsum(200.0 * new * spif_mask, axis=-1), 24000.0)
    monthly = np.diff(spif_ytd, axis=-1, prepend=0.0)
    monthly[..., 2::3] += bonus + team
    cap = 2.5 * np.cumsum(np.broadcast_to(ti[:, None] / 12.0, (R, T)), axis=-1)
    c = np.cumsum(monthly, axis=-1)
    capped = np.minimum(c, cap)
    return np.diff(capped, axis=-1, prepend=0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10_000)
    ap.add_argument("--draws", type=int, default=1_000)
    ap.add_argument("--chunk", type=int, default=25)
    ap.add_argument("--branches", type=int, default=250)
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    reps, h = org(args.reps, args.branches, rng)
    plan = Plan.from_yaml(PLAN)
    rules = pd.DataFrame(
        {"kpi": ["revenue", "new_customers", "hv_retention"], "aggregation": ["sum", "sum", "mean"]}
    )
    t0 = time.perf_counter()
    prep = plan.prepare(reps, PERIODS, hierarchy=h, kpi_rules=rules)
    t_prep = time.perf_counter() - t0
    R, T = prep.shape
    q_rev = np.repeat(rng.uniform(40_000, 120_000, R)[:, None], T, axis=1)
    ti = prep.target_incentive
    branch_codes, _ = pd.factorize(reps["unit_id"])
    spif_mask = prep.spif_masks["new_customer_spif"]
    nb = int(branch_codes.max()) + 1

    def chunk_inputs(d):
        rev = q_rev * rng.lognormal(0.0, 0.3, (d, R, 1)) * rng.lognormal(0.0, 0.15, (d, R, T))
        new = rng.poisson(6.0, (d, R, T)).astype(float)
        ret = np.clip(rng.normal(0.9, 0.05, (d, R, T)), 0, 1)
        return rev, new, ret

    t_lib = t_ref = 0.0
    peak_lib = peak_ref = 0
    checked = False
    done = 0
    total_lib = 0.0
    while done < args.draws:
        d = min(args.chunk, args.draws - done)
        rev, new, ret = chunk_inputs(d)
        tracemalloc.start()
        s = time.perf_counter()
        out = prep.payout(
            {"revenue": rev, "new_customers": new, "hv_retention": ret}, {"revenue": q_rev}
        )
        t_lib += time.perf_counter() - s
        peak_lib = max(peak_lib, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        total_lib += float(out.total.sum())
        tracemalloc.start()
        s = time.perf_counter()
        ref = reference_kernel(rev, new, ret, q_rev, ti, branch_codes, spif_mask, nb)
        t_ref += time.perf_counter() - s
        peak_ref = max(peak_ref, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        if not checked:
            # The reference must be the same arithmetic, or the comparison means nothing.
            np.testing.assert_allclose(out.total, ref, rtol=1e-9, atol=1e-6)
            checked = True
        del out, ref
        done += d
    rm = args.reps * T * args.draws
    input_mb = 3 * args.chunk * R * T * 8 / 2**20
    print(f"plan: {plan.name}  ({len(plan.components)} components, plan cap)")
    print(
        f"size: {args.reps:,} reps x {T} months x {args.draws:,} draws = {rm:,} rep-months, chunks of {args.chunk} draws"
    )
    print(f"prepare:          {t_prep * 1000:8.1f} ms")
    print(
        f"simlib payout:    {t_lib:8.2f} s  {rm / t_lib / 1e6:8.2f} M rep-months/s  peak {peak_lib / 2**20:7.1f} MiB per chunk (inputs {input_mb:.0f} MiB)"
    )
    print(
        f"reference kernel: {t_ref:8.2f} s  {rm / t_ref / 1e6:8.2f} M rep-months/s  peak {peak_ref / 2**20:7.1f} MiB per chunk"
    )
    print(f"ratio simlib / reference: {t_lib / t_ref:.2f}x (target <= 2x)")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(
        f"mean pay per rep-year: {total_lib / args.reps / args.draws:,.0f} CNY (checked equal to the reference on the first chunk)"
    )


if __name__ == "__main__":
    main()

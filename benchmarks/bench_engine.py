"""Benchmark: the Monte Carlo engine end to end.

Cases (each in its own process, so peak memory is that case's alone):

* ``local``: 10,000 reps x 12 months x 3 KPIs x 1,000 draws, the account-manager
  plan applied to every rep, a five-grade forced-distribution appraisal by unit,
  parametric sales fitted from history. Prints wall time, peak memory (max RSS)
  and, as a reference, the time of the plan arithmetic alone on the same chunks.
* ``flat``: the same with 10,000 draws, to show memory stays flat in draws.
* ``dask``: 100,000 reps x 1,000 draws on a 2-worker LocalCluster: time and
  per-worker memory.

Targets on a 2-core machine: local under 15 s, peak under 2 GiB, memory within
+/-10% from 1,000 to 10,000 draws.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--cases local,flat,dask]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "plans" / "telecom_account_manager.yaml"
SCORECARD = ROOT / "scenarios" / "appraisal" / "five_grade_forced.yaml"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(reps: int, draws: int, backend: str) -> dict:
    import numpy as np

    import simlib as sl
    from simlib.data.synthetic import generate

    t0 = time.perf_counter()
    ds = generate(n_reps=reps, months=36, seed=1)
    spec = sl.plans.Plan.from_yaml(PLAN).spec.model_dump()
    spec["positions"] = None  # every rep on the account-manager plan
    plan = sl.plans.Plan.from_dict(spec)
    setup = time.perf_counter() - t0
    rss_before = _rss_mib()
    worker_mem: list[float] = []

    def read_workers(client) -> None:
        info = client.scheduler_info()["workers"]
        worker_mem.append(max((w["metrics"]["memory"] for w in info.values()), default=0) / 2**20)

    t0 = time.perf_counter()
    kw = {}
    if backend == "dask":
        from simlib.engine import backends

        original = backends.run_dask

        def patched(*a, **k):
            k["on_cluster"] = read_workers
            return original(*a, **k)

        backends.run_dask = patched
        import simlib.engine.simulate as sim

        sim.run_dask = patched
    res = sl.simulate(
        ds=ds, plan=plan, appraisal=SCORECARD, draws=draws, seed=1, backend=backend,
        n_workers=2, progress=False, **kw,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    out = {
        "reps": int(res.provenance["reps"]),
        "draws": draws,
        "backend": backend,
        "setup_s": round(setup, 2),
        "wall_s": round(wall, 2),
        "peak_rss_mib": round(_rss_mib(), 1),
        "rss_before_run_mib": round(rss_before, 1),
        "share_at_quota": round(float(res.per_draw["share_at_quota"].mean()), 4),
    }
    if worker_mem:
        out["worker_memory_mib"] = [round(x, 1) for x in worker_mem]
    if backend == "local" and draws <= 1000:
        # Reference: the plan arithmetic alone, on chunks of the same sales.
        from simlib.engine.sales import Layout, ParametricSales
        from simlib.engine.seeds import chunks, draw_generators

        tg = ds.targets.loc[ds.targets["period"].dt.year == 2026]
        tg = tg.loc[tg["rep_id"].notna()]
        rep_ids = np.array(sorted(tg["rep_id"].unique()))
        reps_f = ds.reps.set_index("rep_id").loc[rep_ids].reset_index()
        periods = sl.engine.simulate.__globals__["pd"].period_range("2026-01", "2026-12", freq="M")
        lay = Layout.from_dataset(ds, periods, rep_ids=rep_ids)
        t_arr = np.full(lay.shape, np.nan)
        import pandas as pd

        r = pd.Index(rep_ids).get_indexer(tg["rep_id"])
        t = periods.get_indexer(pd.PeriodIndex(tg["period"]))
        k = pd.Index(ds.kpi_names).get_indexer(tg["kpi"])
        t_arr[r, t, k] = tg["target"].to_numpy(float)
        model = ParametricSales(lay, np.nan_to_num(t_arr), sigma_rep=0.2, sigma_month=0.3)
        prep = plan.prepare(reps_f, periods, ds=ds)
        plan_time = 0.0
        size = max(1, int(64e6 // (8 * int(np.prod(lay.shape)) * 6)))
        for a, b in chunks(draws, size):
            sales = np.stack([model.draw(g) for g in draw_generators(1, a, b)])
            actual = {kk: sales[..., i] for i, kk in enumerate(ds.kpi_names)}
            target = {kk: t_arr[..., i] for i, kk in enumerate(ds.kpi_names)}
            t1 = time.perf_counter()
            prep.payout(actual, target)
            plan_time += time.perf_counter() - t1
        out["plan_arithmetic_s"] = round(plan_time, 2)
    return out


CASES = {
    "local": (10_000, 1_000, "local"),
    "flat": (10_000, 10_000, "local"),
    "dask": (100_000, 1_000, "dask"),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", default="local,flat,dask")
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        reps, draws, backend = CASES[args.one]
        print(json.dumps(run_case(reps, draws, backend)))
        return
    results = {}
    for case in args.cases.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, "--one", case], capture_output=True, text=True, cwd=ROOT
        )
        if proc.returncode != 0:
            print(f"{case}: FAILED\n{proc.stderr[-2000:]}")
            sys.exit(1)
        results[case] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{case:6s} {results[case]}")
    if "local" in results and "flat" in results:
        a, b = results["local"]["peak_rss_mib"], results["flat"]["peak_rss_mib"]
        print(f"memory 1,000 -> 10,000 draws: {a:.0f} -> {b:.0f} MiB ({(b / a - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()

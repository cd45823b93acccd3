"""Benchmark: the Monte Carlo engine end to end.

Cases (each in its own process, so peak memory is that case's alone; the sales
force is generated once and saved as Parquet, so data generation is not in the
figures):

* ``local``: 10,000 reps x 12 months x 3 KPIs x 1,000 draws, the account-manager
  plan applied to every rep, a five-grade forced-distribution appraisal by unit,
  parametric sales fitted from history. Prints wall time, peak memory (max RSS)
  and the time spent in the plan arithmetic inside that same run (the reference).
* ``flat``: the same with 10,000 draws, to show memory stays flat in draws.
* ``dask``: 100,000 reps x 1,000 draws on a 2-worker LocalCluster: time and each
  worker's peak memory.

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
DATA = ROOT / "benchmarks" / "_data"
PLAN = ROOT / "scenarios" / "plans" / "telecom_account_manager.yaml"
SCORECARD = ROOT / "scenarios" / "appraisal" / "five_grade_forced.yaml"
CASES = {
    "local": (10_000, 1_000, "local"),
    "flat": (10_000, 10_000, "local"),
    "dask": (100_000, 1_000, "dask"),
}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_peak_mib() -> float:
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024


def dataset_path(reps: int) -> Path:
    path = DATA / f"engine_{reps}"
    if not path.exists():
        from simlib.data.synthetic import generate

        generate(n_reps=reps, months=36, seed=1).save(path, format="parquet")
    return path


def run_case(reps: int, draws: int, backend: str) -> dict:
    import simlib as sl
    from simlib.engine import backends
    from simlib.plans.core import PreparedPlan

    ds = sl.load_dataset(dataset_path(reps))
    spec = sl.plans.Plan.from_yaml(PLAN).spec.model_dump()
    spec["positions"] = None  # every rep on the account-manager plan
    plan = sl.plans.Plan.from_dict(spec)
    rss_before = _rss_mib()
    plan_seconds = [0.0]
    original_payout = PreparedPlan.payout

    def timed_payout(self, *a, **k):
        t = time.perf_counter()
        try:
            return original_payout(self, *a, **k)
        finally:
            plan_seconds[0] += time.perf_counter() - t

    PreparedPlan.payout = timed_payout
    workers: dict = {}
    original_dask = backends.run_dask

    def run_dask(*a, **k):
        def on_cluster(client):
            workers.update(client.run(_worker_peak_mib))

        k["on_cluster"] = on_cluster
        return original_dask(*a, **k)

    # The module, not the function of the same name that simlib.engine re-exports.
    sim = sys.modules["simlib.engine.simulate"]
    sim.run_dask = run_dask
    t0 = time.perf_counter()
    res = sl.simulate(
        ds=ds, plan=plan, appraisal=SCORECARD, draws=draws, seed=1, backend=backend,
        n_workers=2, progress=False,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    out = {
        "reps": int(res.provenance["reps"]),
        "draws": draws,
        "backend": backend,
        "wall_s": round(wall, 2),
        "peak_rss_mib": round(_rss_mib(), 1),
        "rss_after_load_mib": round(rss_before, 1),
        "share_at_quota": round(float(res.per_draw["share_at_quota"].mean()), 4),
    }
    if backend == "local":
        out["plan_arithmetic_s"] = round(plan_seconds[0], 2)  # summed over the threads
    if workers:
        out["worker_peak_rss_mib"] = {k.rsplit(":", 1)[-1]: round(v, 1) for k, v in workers.items()}
    return out


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
        dataset_path(CASES[case][0])  # generate outside the measured process
        proc = subprocess.run(
            [sys.executable, __file__, "--one", case], capture_output=True, text=True, cwd=ROOT
        )
        if proc.returncode != 0:
            print(f"{case}: FAILED\n{proc.stderr[-3000:]}")
            sys.exit(1)
        results[case] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{case:6s} {results[case]}", flush=True)
    if "local" in results and "flat" in results:
        a, b = results["local"]["peak_rss_mib"], results["flat"]["peak_rss_mib"]
        print(f"memory 1,000 -> 10,000 draws: {a:.0f} -> {b:.0f} MiB ({(b / a - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()

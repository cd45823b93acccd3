"""Benchmark: peak resident memory of loading, set-up and simulating, stage by stage.

Each stage runs in its own process, so each peak is that stage's alone:

* ``load``: :func:`simlib.load_dataset` on the ``local`` dataset of
  ``bench_engine.py`` (10,000 reps plus branch teams, 36 months, 3 KPIs, Parquet).
* ``setup``: load, then the engine's set-up (population, targets, sales model,
  plan and appraisal parts) for the account-manager plan and the five-grade
  forced-distribution scorecard, with no draws.
* ``simulate``: load and the whole simulation, at each of ``--draws``
  (default 1,000 and 10,000).

Prints each stage's peak resident memory (``VmHWM``) and the resident memory left
after loading. ``--trace load`` or ``--trace setup`` instead lists the largest
live allocations (by source line, from :mod:`tracemalloc`) at the end of that
stage, and the traced peak.

Targets: ``simulate`` under 600 MiB at 1,000 draws, within 10% from 1,000 to
10,000 draws.

Run: ``.venv/bin/python benchmarks/bench_memory.py [--draws 1000,10000] [--trace setup]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import PLAN, SCORECARD, dataset_path, run_child

ROOT = Path(__file__).resolve().parents[1]
REPS = 10_000


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _plan():
    import simlib as sl

    spec = sl.plans.Plan.from_yaml(PLAN).spec.model_dump()
    spec["positions"] = None  # every rep on the account-manager plan
    return sl.plans.Plan.from_dict(spec)


def _setup(ds, plan) -> None:
    from simlib.engine.settings import ModelOptions, RunSettings
    from simlib.engine.setup import Design, prepare

    design = Design(ds=ds, plan=plan, appraisal=SCORECARD)
    prepare(design, RunSettings.of(draws=1, seed=1, progress=False), ModelOptions.of())


def stage(name: str, draws: int) -> dict:
    import simlib as sl

    path = dataset_path(REPS)
    base = _status_mib("VmRSS")
    t0 = time.perf_counter()
    ds = sl.load_dataset(path)
    out = {"stage": name, "imports_mib": round(base, 1)}
    out["after_load_rss_mib"] = round(_status_mib("VmRSS"), 1)
    if name == "setup":
        _setup(ds, _plan())
    elif name == "simulate":
        res = sl.simulate(
            ds=ds, plan=_plan(), appraisal=SCORECARD, draws=draws, seed=1, progress=False
        )
        out["draws"] = draws
        out["total_payout"] = round(float(res.per_draw["total_payout"].mean()))
    out["wall_s"] = round(time.perf_counter() - t0, 2)
    out["peak_mib"] = round(_status_mib("VmHWM"), 1)
    return out


def trace(name: str, top: int = 15) -> None:
    import tracemalloc

    import simlib as sl

    path = dataset_path(REPS)
    plan = _plan() if name == "setup" else None
    tracemalloc.start(8)
    ds = sl.load_dataset(path)
    if name == "setup":
        _setup(ds, plan)
    snap = tracemalloc.take_snapshot()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name}: traced now {current / 2**20:.1f} MiB, traced peak {peak / 2**20:.1f} MiB")
    for s in snap.statistics("lineno")[:top]:
        print(f"  {s.size / 2**20:8.1f} MiB {s.count:9d} blocks  {s.traceback[0]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", default="1000,10000", help="draws for the simulate stage")
    p.add_argument("--stages", default="load,setup,simulate")
    p.add_argument("--trace", choices=["load", "setup"], help="largest allocations of a stage")
    p.add_argument("--one", help=argparse.SUPPRESS)
    p.add_argument("--one-draws", type=int, default=0, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one:
        print(json.dumps(stage(a.one, a.one_draws)))
        return
    if a.trace:
        trace(a.trace)
        return
    dataset_path(REPS)  # generated once, outside the measured processes
    rows = []
    for name in a.stages.split(","):
        for d in [int(x) for x in a.draws.split(",")] if name == "simulate" else [0]:
            r = run_child(["--one", name, "--one-draws", str(d)], __file__)
            rows.append(r)
            label = f"{name} ({d:,} draws)" if name == "simulate" else name
            print(
                f"{label:24s} peak {r['peak_mib']:7.1f} MiB  after load {r['after_load_rss_mib']:7.1f}"
                f" MiB  imports {r['imports_mib']:6.1f} MiB  {r['wall_s']:7.2f} s",
                flush=True,
            )
    sims = [r for r in rows if r["stage"] == "simulate"]
    if sims:
        lo, hi = min(r["peak_mib"] for r in sims), max(r["peak_mib"] for r in sims)
        print(
            f"simulate peak {hi:.1f} MiB (target under 600); spread across draws "
            f"{(hi / lo - 1) * 100:.1f}% (target within 10%)"
        )


if __name__ == "__main__":
    main()

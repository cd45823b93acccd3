"""Benchmark: the Monte Carlo engine end to end, beside a hand-written numpy kernel.

Cases (each in its own process, so peak memory is that case's alone; the sales
force is generated once and saved as Parquet, so data generation is not in the
figures):

* ``local``: 10,000 reps (11,086 simulated with the branch teams) x 12 months x
  3 KPIs x 1,000 draws, the account-manager plan applied to every rep, a
  five-grade forced-distribution appraisal by region, parametric sales fitted
  from history. Prints wall and CPU time, peak memory (max RSS) and the seconds
  per phase (set-up and fitting, sales draws, behaviour, attainment, appraisal
  and ratings, plan arithmetic, metrics, outcomes, reduction; summed over threads).
* ``kernel``: ``engine_kernel.py``, the same workload written by hand in numpy,
  one core, with its inputs taken from the engine's set-up (not timed).
* ``flat``: ``local`` with 10,000 draws, to show memory stays flat in draws.
* ``scale``: 100,000 reps x 1,000 draws, local: time per rep-draw against ``local``
  (the same draws, so the per-rep work done once per run, the quantiles and tables
  at the end, weighs the same in both; at 200 draws the growth from 10,000 to
  100,000 reps measured about 6 points more).
* ``dask``: 100,000 reps x 1,000 draws on a 2-worker LocalCluster, the population
  split into one partition of whole regions per worker: time and each worker's
  peak memory.
* ``million``: 1,000,000 reps x 1,000 draws on a 2-worker LocalCluster (about half
  an hour), the reps table sorted by unit and 25 months of history (the least the
  parametric fit takes: the client loads and prepares the whole sales force, 18.4 GiB
  here, and generating it once about 23 GiB).

``--pairs N`` runs ``local`` and ``kernel`` alternately N times (the machine may be
shared: both see the same load) and prints medians and the ratios engine / kernel
(``--draws`` shortens both);
``--yardstick PATH`` also runs another kernel script (``PATH reps draws``) in each
round and prints its figures beside them.

Targets on a 2-core machine: engine wall at most 2x the kernel's, CPU at most 3x;
peak under 600 MiB for ``local``, within 10% from 1,000 to 10,000 draws; time
per rep-draw within 10% from 10,000 to 100,000 reps; worker peak under 3 GiB.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--cases local,kernel,flat] [--pairs 3]``
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"
PLAN = ROOT / "scenarios" / "plans" / "telecom_account_manager.yaml"
SCORECARD = ROOT / "scenarios" / "appraisal" / "five_grade_forced.yaml"
#: months of sales history in the generated datasets (two years of fit, the plan year)
HISTORY_MONTHS = 36
#: case -> (reps in the dataset, draws, backend)
CASES = {
    "local": (10_000, 1_000, "local"),
    "flat": (10_000, 10_000, "local"),
    "scale": (100_000, 1_000, "local"),
    "dask": (100_000, 1_000, "dask"),
    "million": (1_000_000, 1_000, "dask"),
}
#: case -> the dataset's shape where it is not the generated one: sorted by unit, months
CASE_DATA = {"million": (True, 25)}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_peak_mib() -> float:
    """A worker's own peak resident memory. ``ru_maxrss`` will not do: a process
    started by fork and exec keeps its parent's high-water mark (the client's, with
    the whole dataset loaded), while ``VmHWM`` belongs to the process's own memory."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024


def dataset_path(reps: int, by_unit: bool = False, months: int = HISTORY_MONTHS) -> Path:
    """The generated sales force of ``reps`` reps with ``months`` months of history
    (Parquet, made once); ``by_unit``: the same with its reps table sorted by unit, as
    an export by org unit comes."""
    name = f"engine_{reps}" + ("" if months == HISTORY_MONTHS else f"_{months}m")
    path = DATA / name
    if not path.exists():
        from simlib.data.synthetic import generate

        generate(n_reps=reps, months=months, seed=1).save(path, format="parquet")
    if not by_unit:
        return path
    sorted_path = DATA / f"{name}_by_unit"
    if not sorted_path.exists():
        import dataclasses

        import simlib as sl

        ds = sl.load_dataset(path)
        reps_by_unit = ds.reps.sort_values(["unit_id", "rep_id"], kind="stable")
        ds = dataclasses.replace(ds, reps=reps_by_unit.reset_index(drop=True))
        ds.save(sorted_path, format="parquet")
    return sorted_path


def _inputs(reps: int, by_unit: bool = False, months: int = HISTORY_MONTHS):
    import simlib as sl

    ds = sl.load_dataset(dataset_path(reps, by_unit, months))
    spec = sl.plans.Plan.from_yaml(PLAN).spec.model_dump()
    spec["positions"] = None  # every rep on the account-manager plan
    return ds, sl.plans.Plan.from_dict(spec)


def prepared_work(reps: int):
    """The engine's prepared work for the ``local`` case (what the kernel reads)."""
    import simlib as sl
    import simlib.engine.simulate

    sim = sys.modules["simlib.engine.simulate"]
    ds, plan = _inputs(reps)
    got = {}
    original = sim.run_local

    def capture(work, ranges, **k):
        got["work"] = work
        return original(work, ranges, **k)

    sim.run_local = capture
    try:
        sl.simulate(ds=ds, plan=plan, appraisal=SCORECARD, draws=1, seed=1, progress=False)
    finally:
        sim.run_local = original
    return got["work"]


def run_case(
    reps: int, draws: int, backend: str, by_unit: bool = False, months: int = HISTORY_MONTHS
) -> dict:
    import simlib as sl
    import simlib.engine.simulate

    ds, plan = _inputs(reps, by_unit, months)
    rss_before = _rss_mib()
    workers: dict = {}
    sim = sys.modules["simlib.engine.simulate"]  # the module, not the re-exported function
    original_dask = sim.run_dask

    def run_dask(*a, **k):
        def on_cluster(client):
            workers.update(client.run(_worker_peak_mib))

        k["on_cluster"] = on_cluster
        return original_dask(*a, **k)

    sim.run_dask = run_dask
    t0, c0 = time.perf_counter(), time.process_time()
    res = sl.simulate(
        ds=ds, plan=plan, appraisal=SCORECARD, draws=draws, seed=1, backend=backend,
        n_workers=2, progress=False,
    )  # fmt: skip
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    phases = {k: round(v, 2) for k, v in res.phase_seconds.items()}
    cpu_phases = {k: round(v, 2) for k, v in res.phase_cpu_seconds.items()}
    draws_cpu = sum(v for k, v in res.phase_cpu_seconds.items() if k != "set-up and fitting")
    out = {
        "reps": int(res.provenance["reps"]),
        "draws": draws,
        "backend": backend,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),  # this process only (not the Dask workers)
        "draws_wall_s": round(wall - phases.get("set-up and fitting", 0.0), 2),
        # CPU of every thread and worker that ran draws (robust to a shared machine).
        "draws_cpu_s": round(draws_cpu, 2),
        "cpu_us_per_rep_draw": round(draws_cpu / (res.provenance["reps"] * draws) * 1e6, 3),
        # The draws alone (set-up and fitting left out): what must grow linearly in reps.
        "us_per_rep_draw": round(
            (wall - phases.get("set-up and fitting", 0.0)) / (res.provenance["reps"] * draws) * 1e6,
            3,
        ),
        "peak_rss_mib": round(_rss_mib(), 1),
        "rss_after_load_mib": round(rss_before, 1),
        "share_at_quota": round(float(res.per_draw["share_at_quota"].mean()), 4),
        "total_payout": round(float(res.per_draw["total_payout"].mean())),
        "phases_s": phases,
        "phases_cpu_s": cpu_phases,
    }
    if workers:
        out["worker_peak_rss_mib"] = {k.rsplit(":", 1)[-1]: round(v, 1) for k, v in workers.items()}
    return out


def run_kernel(draws: int) -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    import engine_kernel

    inp = engine_kernel.inputs_from_engine(prepared_work(10_000))
    res = engine_kernel.run(inp, draws)
    res["peak_rss_mib"] = round(_rss_mib(), 1)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()}


def run_child(args: list[str], script: str = __file__) -> dict:
    """Run ``script`` with ``args`` in a fresh process (so its peak memory is its own)
    and read the JSON object its last line prints; exit on its failure."""
    proc = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(f"{args}: FAILED\n{proc.stderr[-3000:]}")
        sys.exit(1)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _yardstick(path: str, reps: int, draws: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, path, str(reps), str(draws)], capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        print(f"yardstick: FAILED\n{proc.stderr[-2000:]}")
        sys.exit(1)
    found = re.search(r"in ([0-9.]+)s", proc.stdout)
    return {
        "wall_s": float(found.group(1)) if found else wall,
        "process_wall_s": round(wall, 2),
        "process_cpu_s": round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2
        ),
        "output": proc.stdout.strip(),
    }


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def pairs(n: int, yardstick: str | None, draws: int | None = None) -> None:
    draws = draws or CASES["local"][1]
    engine, kernel, other = [], [], []
    for i in range(n):
        engine.append(run_child(["--one", "local", "--draws", str(draws)]))
        kernel.append(run_child(["--kernel", str(draws)]))
        if yardstick:
            other.append(_yardstick(yardstick, 10_000, draws))
        e, k = engine[-1], kernel[-1]
        print(
            f"round {i + 1}: engine {e['wall_s']:.2f} s wall ({e['draws_wall_s']:.2f} s draws), "
            f"{e['cpu_s']:.2f} s CPU, {e['peak_rss_mib']:.0f} MiB | kernel {k['wall_s']:.2f} s "
            f"wall, {k['cpu_s']:.2f} s CPU, {k['peak_rss_mib']:.0f} MiB"
            + (f" | yardstick {other[-1]['wall_s']:.2f} s" if yardstick else ""),
            flush=True,
        )
    ew, ed, ec, edc = (
        _median(engine, k) for k in ("wall_s", "draws_wall_s", "cpu_s", "draws_cpu_s")
    )
    kw, kc = _median(kernel, "wall_s"), _median(kernel, "cpu_s")
    print(f"medians of {n}: engine {ew:.2f} s wall ({ed:.2f} s draws), {ec:.2f} s CPU "
          f"({edc:.2f} s draws); kernel {kw:.2f} s wall, {kc:.2f} s CPU")  # fmt: skip
    print(f"engine / kernel: wall {ew / kw:.2f}x (draws only {ed / kw:.2f}x), CPU {ec / kc:.2f}x "
          f"(draws only {edc / kc:.2f}x); targets: wall <= 2x, CPU <= 3x")  # fmt: skip
    print("engine seconds per phase (median; elapsed and CPU, summed over threads):")
    for k in engine[0]["phases_s"]:
        wall_k = statistics.median(e["phases_s"][k] for e in engine)
        cpu_k = statistics.median(e["phases_cpu_s"][k] for e in engine)
        print(f"  {k:24s} {wall_k:7.2f} {cpu_k:7.2f}")
    if yardstick:
        yw = _median(other, "wall_s")
        yc = _median(other, "process_cpu_s")
        print(f"yardstick: {yw:.2f} s wall, {yc:.2f} s CPU (whole process); "
              f"engine / yardstick: wall {ew / yw:.2f}x (draws only {ed / yw:.2f}x), "
              f"CPU {ec / yc:.2f}x")  # fmt: skip
        print(f"  {other[-1]['output']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", default="local,kernel,flat")
    p.add_argument("--pairs", type=int, default=0, help="alternate local and kernel N times")
    p.add_argument("--yardstick", help="another kernel script, run as PATH reps draws")
    p.add_argument("--draws", type=int, help="override the draws of every case (a shorter run)")
    p.add_argument("--one", help=argparse.SUPPRESS)
    p.add_argument("--kernel", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        reps, draws, backend = CASES[args.one]
        by_unit, months = CASE_DATA.get(args.one, (False, HISTORY_MONTHS))
        print(json.dumps(run_case(reps, args.draws or draws, backend, by_unit, months)))
        return
    if args.kernel:
        print(json.dumps(run_kernel(args.kernel)))
        return
    dataset_path(10_000)  # generate outside the measured processes
    if args.pairs:
        pairs(args.pairs, args.yardstick, args.draws)
        return
    results = {}
    for case in args.cases.split(","):
        if case == "kernel":
            results[case] = run_child(["--kernel", str(CASES["local"][1])])
        else:
            dataset_path(CASES[case][0], *CASE_DATA.get(case, (False, HISTORY_MONTHS)))
            results[case] = run_child(
                ["--one", case, *(["--draws", str(args.draws)] if args.draws else [])]
            )
        print(f"{case:7s} {results[case]}", flush=True)
    if "local" in results and "kernel" in results:
        e, k = results["local"], results["kernel"]
        print(f"engine / kernel: wall {e['wall_s'] / k['wall_s']:.2f}x, "
              f"CPU {e['cpu_s'] / k['cpu_s']:.2f}x (one run each; --pairs for medians)")  # fmt: skip
    if "local" in results and "flat" in results:
        a, b = results["local"]["peak_rss_mib"], results["flat"]["peak_rss_mib"]
        print(f"memory 1,000 -> 10,000 draws: {a:.0f} -> {b:.0f} MiB ({(b / a - 1) * 100:+.1f}%)")
    if "local" in results and "scale" in results:
        for key, what in (("us_per_rep_draw", "elapsed"), ("cpu_us_per_rep_draw", "CPU")):
            a, b = results["local"][key], results["scale"][key]
            print(f"{what} per rep-draw 10,000 -> 100,000 reps: {a:.3f} -> {b:.3f} us "
                  f"({(b / a - 1) * 100:+.1f}%)")  # fmt: skip


if __name__ == "__main__":
    main()

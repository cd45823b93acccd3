"""Benchmark: the ``dask`` backend over partitions of the population against ``local``.

The same case on both backends, each in its own process (so peak memory is that
run's alone): ``--reps`` reps (default 100,000) x 12 months x 3 KPIs x ``--draws``
draws (default 1,000), the account-manager plan applied to every rep, a five-grade
forced-distribution appraisal by region, parametric sales fitted from history
(the sales force of ``bench_engine.py``, generated once and saved as Parquet).

``local`` runs on 2 threads, ``dask`` on a 2-worker ``LocalCluster`` (one thread
each, one partition of whole regions per worker). Prints per backend: wall time,
the draws' wall time (set-up and fitting left out), throughput per core
(rep-draws per core-second of the draws' wall time, 2 cores each) and the ratio
dask / local; for ``dask`` each worker's own peak resident memory (``VmHWM``, read
in the worker while it still holds its partition); the client's peak for both.
For ``dask`` also the CPU seconds the workers spent on their partitions' draws
against the client's (the per-draw metrics from the reps' attainment, pay and
revenue, and the reduction). Also checks that both runs give the same per-draw
results.

``--roster by-unit`` runs the same sales force with its reps table sorted by unit
(each partition is then one stretch of the roster: see ``docs/scale.md``).
``--months`` sets the months of history the generated dataset holds (default 36; at
least 25: the parametric fit needs 13 months before the plan year): what the client
loads and fits, not what is simulated.

Run: ``.venv/bin/python benchmarks/bench_dask.py [--reps 100000] [--draws 1000]
[--roster generated|by-unit] [--months 36]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_engine import HISTORY_MONTHS, ROOT, run_case

CORES = 2


def _child(reps: int, draws: int, backend: str, roster: str, months: int) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--one",
            backend,
            "--reps",
            str(reps),
            "--draws",
            str(draws),
            "--roster",
            roster,
            "--months",
            str(months),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        print(f"{backend}: FAILED\n{proc.stderr[-3000:]}")
        sys.exit(1)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100_000)
    ap.add_argument("--draws", type=int, default=1_000)
    ap.add_argument(
        "--roster", choices=["generated", "by-unit"], default="generated",
        help="the reps table as generated (hiring order), or sorted by unit",
    )  # fmt: skip
    ap.add_argument(
        "--months", type=int, default=HISTORY_MONTHS,
        help="months of sales history the dataset holds (what the client loads and fits)",
    )  # fmt: skip
    ap.add_argument("--one", choices=["local", "dask"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(
            json.dumps(
                run_case(args.reps, args.draws, args.one, args.roster == "by-unit", args.months)
            )
        )
        return
    got = {b: _child(args.reps, args.draws, b, args.roster, args.months) for b in ("local", "dask")}
    for b, r in got.items():
        rate = r["reps"] * r["draws"] / (r["draws_wall_s"] * CORES)
        r["rep_draws_per_core_s"] = round(rate)
        print(
            f"{b:5}  reps {r['reps']:,}  draws {r['draws']:,}  wall {r['wall_s']:.1f} s  "
            f"draws wall {r['draws_wall_s']:.1f} s  {rate:,.0f} rep-draws per core-second  "
            f"client peak {r['peak_rss_mib']:,.0f} MiB"
        )
    for addr, mib in got["dask"].get("worker_peak_rss_mib", {}).items():
        print(f"       dask worker :{addr} peak {mib:,.0f} MiB")
    cpu = got["dask"].get("phases_cpu_s", {})
    client = cpu.get("metrics", 0.0) + cpu.get("reduction", 0.0)
    workers = sum(
        v for k, v in cpu.items() if k not in ("metrics", "reduction", "set-up and fitting")
    )
    print(
        f"       dask CPU seconds: workers' draws {workers:.1f}, "
        f"client's per-draw metrics and reduction {client:.1f}"
    )
    print(f"       dask CPU seconds by phase: {cpu}")
    ratio = got["dask"]["rep_draws_per_core_s"] / got["local"]["rep_draws_per_core_s"]
    print(f"throughput per core, dask / local: {ratio:.2f}")
    same = all(
        got["local"][k] == got["dask"][k] for k in ("share_at_quota", "total_payout", "reps")
    )
    print(f"same results on both backends: {same}")


if __name__ == "__main__":
    main()

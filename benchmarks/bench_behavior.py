"""Benchmark: the extra time each behavioural response model adds to the engine.

The engine benchmark's ``local`` case (see ``bench_engine.py``): a reform of the
account-manager plan (accelerator to 3x at 150%) applied to every rep, against the
plan in force as the behavioural reference (so ``effort`` solves both plans, as in a
real comparison), a five-grade forced-distribution appraisal, parametric sales
fitted from history, 10,000 reps x 1,000 draws by default. Each response model runs
on the same data and seed; the figure reported is wall time and its ratio to the run
without a response.

Target: ``effort`` adds at most 2x to the engine's time; the script exits with
status 1 when it does not (``--no-check`` to only print).

Run: ``.venv/bin/python benchmarks/bench_behavior.py [--reps 10000 --draws 1000]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "plans" / "telecom_account_manager.yaml"
SCORECARD = ROOT / "scenarios" / "appraisal" / "five_grade_forced.yaml"

MODELS = {
    "none": None,
    "elasticity": {"model": "elasticity"},
    "effort": {"model": "effort"},
    "timing": {"model": "timing", "window": 1, "share": 0.3},
    "ratchet": {"model": "ratchet"},
    "effort+timing": [{"model": "effort"}, {"model": "timing", "window": 1, "share": 0.3}],
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=10_000)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--no-check", action="store_true", help="do not fail over the 2x target")
    p.add_argument("--no-appraisal", action="store_true", help="leave the appraisal out")
    p.add_argument("--repeat", type=int, default=1, help="best of this many runs per model")
    args = p.parse_args()

    import simlib as sl
    from simlib.data.synthetic import generate

    ds = generate(n_reps=args.reps, months=36, seed=1)
    spec = sl.plans.Plan.from_yaml(PLAN).spec.model_dump()
    spec["positions"] = None  # every rep on the account-manager plan
    in_force = sl.plans.Plan.from_dict(spec)
    reform = {**spec, "name": "steeper accelerator",
              "components": [dict(c) for c in spec["components"]]}  # fmt: skip
    reform["components"][0]["curve"] = [[0.8, 0.5], [1.0, 1.0], [1.5, 3.0]]
    plan = sl.plans.Plan.from_dict(reform)
    # Warm up imports and caches outside the timed runs.
    sl.simulate(ds=ds, plan=plan, draws=2, seed=1, progress=False)
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for name, behavior in MODELS.items():
        best = cpu_best = float("inf")
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            res = sl.simulate(
                ds=ds, plan=plan, appraisal=None if args.no_appraisal else SCORECARD,
                draws=args.draws, seed=1,
                behavior=behavior, behavior_reference=in_force if behavior else None,
                progress=False,
            )  # fmt: skip
            best = min(best, time.perf_counter() - t0)
            cpu_best = min(cpu_best, time.process_time() - c0)
        times[name] = best
        cpu[name] = cpu_best
        base = times["none"]
        print(
            f"{name:14s} wall {best:7.2f} s  x{best / base:5.2f}  (+{best - base:6.2f} s)  "
            f"cpu {cpu_best:7.2f} s  x{cpu_best / cpu['none']:5.2f}  "
            f"revenue {res.per_draw['revenue'].mean() / 1e6:,.1f} m  "
            f"payout {res.per_draw['total_payout'].mean() / 1e6:,.2f} m",
            flush=True,
        )
    ratio = times["effort"] / times["none"]
    print(
        f"reps {int(res.provenance['reps'])}, draws {args.draws}: effort takes x{ratio:.2f} "
        f"the wall time (x{cpu['effort'] / cpu['none']:.2f} the CPU time) of the engine alone "
        f"(target at most x2.00): {'OK' if ratio <= 2 else 'OVER TARGET'}"
    )
    if ratio > 2 and not args.no_check:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

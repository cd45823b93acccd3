"""Benchmark: design search speed.

* ``evals``: evaluations per second of one candidate design of the demo search
  (``scenarios/design_search.yaml``, the proposed plan with cascaded targets and the
  effort response) at the screening fidelity, after a warm-up: what bounds how many
  designs a search can screen in a minute.
* ``demo``: the whole demo search (screening, confirmation, sensitivity; no HTML):
  wall and CPU time, designs screened and the outcome.

Run: ``.venv/bin/python benchmarks/bench_search.py [--cases evals,demo] [--draws 30]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "design_search.yaml"


def bench_evals(draws: int, n: int = 10) -> None:
    import numpy as np

    from simlib.scenario import Scenario
    from simlib.search import DesignSpace, Evaluator
    from simlib.search.run import base_values

    sc = Scenario.from_yaml(DEMO)
    spec = sc.search
    base = sc[spec.base]
    ev = Evaluator(spec, sc.design, draws)
    space = DesignSpace(spec, base.design)
    at_base = space.point(base_values(space))
    ev.references(base.design, {}, spec.base)
    rng = np.random.default_rng(0)
    # Plan parameters vary; the cascade's stay at the base design's, so the cascade is
    # built once (a new cascade costs about as much again as one evaluation).
    fixed = [i for i, p in enumerate(space.paths) if p.startswith("targets.")]
    points = []
    for _ in range(n + 1):
        x = space.lower + rng.random(len(space.lower)) * (space.upper - space.lower)
        x[fixed] = at_base[fixed]
        points.append(x)
    values = [space.values(x) for x in points]
    ev(space.apply(values[0]), values[0], "warm-up")
    t0, c0 = time.perf_counter(), time.process_time()
    for v in values[1:]:
        ev(space.apply(v), v, space.name(v))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"evaluations at {draws} draws: {n / wall:5.2f} per second wall "
        f"({wall / n * 1000:.0f} ms each; CPU {cpu / n * 1000:.0f} ms each)"
    )


def bench_demo() -> None:
    from simlib.scenario import Scenario
    from simlib.search import run_search
    from simlib.workbench.design import write_outputs

    t0, c0 = time.perf_counter(), time.process_time()
    sc = Scenario.from_yaml(DEMO)
    res = run_search(sc)
    out = Path(tempfile.mkdtemp(prefix="bench_search_")) / "out"
    write_outputs(res, sc, out, report=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = res.settings
    print(
        f"demo search: {wall:6.1f} s wall, {cpu:6.1f} s CPU in this process; "
        f"{s['evaluations']} designs screened at {s['screening_draws']} draws, "
        f"{s['confirmed']} confirmed at {s['confirmation_draws']}; "
        f"{s['evaluations'] / wall:.2f} designs per second overall"
    )
    print(f"outcome: {'meets every goal' if res.meets_goals else 'no design meets every goal'}")
    print(res.explanation())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", default="evals,demo")
    ap.add_argument("--draws", type=int, default=30)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    cases = args.cases.split(",")
    if "evals" in cases:
        bench_evals(args.draws)
    if "demo" in cases:
        bench_demo()


if __name__ == "__main__":
    main()

"""Benchmark: the demo batch end to end, and one what-if recomputation.

* ``demo``: ``simlib demo`` into a fresh folder (simulations, per-scenario reports,
  the comparison, the other demo notebooks, the index): wall time. Target: under
  90 s after set-up on a 2-core machine. A second run (every simulation reused
  from the store) is timed too.
* ``whatif``: one recomputation of the what-if replay for a 600-rep synthetic sales
  force (all positions on the plan): median and worst of 50, after a warm-up.
  Target: under 200 ms.

Run: ``.venv/bin/python benchmarks/bench_demo.py [--cases demo,whatif]``
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_demo() -> None:
    out = Path(tempfile.mkdtemp(prefix="bench_demo_")) / "demo"
    cmd = [str(ROOT / ".venv" / "bin" / "simlib"), "demo", "--out", str(out)]
    for label in ("fresh", "second run (results reused)"):
        t0 = time.perf_counter()
        # Run from outside the project: `simlib demo` must work from any folder.
        proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
        print(f"demo, {label:<28} {wall:6.1f} s  ({status})")
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
    pages = sorted(out.rglob("*.html"))  # the language index, then a folder per language
    bad = []
    for p in pages:
        html = re.sub(r"<(style|script)\b.*?</\1>", "", p.read_text(encoding="utf-8"), flags=re.S)
        if "Traceback" in html or "hl-ipython3" in html:
            bad.append(p.name)
    print(f"demo pages: {len(pages)} HTML files; with code cells or tracebacks: {bad or 'none'}")
    shutil.rmtree(out.parent, ignore_errors=True)


def bench_whatif() -> None:
    import numpy as np

    import simlib as sl
    from simlib.workbench.whatif import WhatIf

    ds = sl.data.synthetic.generate(n_reps=600, months=24, seed=1)
    spec = sl.plans.Plan.from_yaml(ROOT / "scenarios" / "plans" / "am_proposed.yaml").spec
    d = spec.model_dump(mode="json", exclude_none=True)
    d.pop("positions", None)  # every rep on the plan
    t0 = time.perf_counter()
    wi = WhatIf(ds, d)
    setup = time.perf_counter() - t0
    wi.evaluate({"revenue_bonus.threshold": 0.8})
    times = []
    rng = np.random.default_rng(0)
    for _ in range(50):
        values = {
            "revenue_bonus.threshold": float(rng.uniform(0.6, 0.84)),
            "revenue_bonus.accelerator": float(rng.uniform(1.0, 3.0)),
            "revenue_bonus.cap": float(rng.uniform(1.3, 2.5)),
            "revenue_bonus.no_cap": bool(rng.random() < 0.3),
            "plan.team_share": float(rng.uniform(0.0, 0.5)),
        }
        t0 = time.perf_counter()
        wi.evaluate(values)
        times.append(time.perf_counter() - t0)
    t = np.array(times) * 1000
    print(
        f"what-if, {int(wi.paid.sum())} reps paid x 12 months: setup {setup * 1000:.0f} ms; "
        f"recompute median {np.median(t):.1f} ms, max {t.max():.1f} ms (target < 200 ms)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="whatif,demo")
    cases = ap.parse_args().cases.split(",")
    if "whatif" in cases:
        bench_whatif()
    if "demo" in cases:
        bench_demo()


if __name__ == "__main__":
    sys.exit(main())

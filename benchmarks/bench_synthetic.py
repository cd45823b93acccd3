"""How fast the synthetic sales force is generated, and at what peak memory.

Run: ``.venv/bin/python benchmarks/bench_synthetic.py`` (``make bench`` runs every
bench script). Prints wall time per size and the process's peak resident memory.
The largest size is the issue's scale: 100,000 seats x 36 months x 3 KPIs
(about 10.8 million sales rows, plus as many target rows).
"""

from __future__ import annotations

import resource
import sys
import time

from simlib.data.health import concentration
from simlib.data.synthetic import generate

SIZES = [(600, 36), (10_000, 36), (100_000, 36)]


def main() -> int:
    sizes = SIZES[:-1] if "--quick" in sys.argv else SIZES
    print(f"{'seats':>8} {'months':>6} {'reps':>8} {'sales rows':>11} {'seconds':>8}")
    for n, m in sizes:
        start = time.perf_counter()
        ds = generate(n_reps=n, months=m, seed=1)
        sec = time.perf_counter() - start
        print(f"{n:>8,} {m:>6} {len(ds.reps):>8,} {len(ds.sales):>11,} {sec:>8.2f}")
        if n == sizes[-1][0]:
            start = time.perf_counter()
            top = concentration(ds)["top_share"].mean()
            print(
                f"  health.concentration on it: {time.perf_counter() - start:.2f} s (top 20% {top:.1%})"
            )
        del ds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB on Linux
    print(f"peak resident memory: {peak:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

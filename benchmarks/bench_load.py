"""Load + validation speed on a large sales force: 100,000 reps x 36 months x 3 KPIs.

Run from the project root::

    .venv/bin/python benchmarks/bench_load.py            # 100,000 reps (10.8 M sales rows)
    .venv/bin/python benchmarks/bench_load.py --reps 20000
    .venv/bin/python benchmarks/bench_load.py --csv      # also time the same data as CSV

The first run writes the dataset as Parquet to ``benchmarks/_data/`` (git-ignored)
with a simple vectorized generator (every rep employed all 36 months, so the
sales table has exactly reps x 36 x 3 rows). The measurement then runs in a fresh
process, so the peak memory it reports is that of loading and validating alone.
Target (issue 2): under 30 s and under 4 GiB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MONTHS = 36
KPIS = ("revenue", "new_customers", "hv_retention")


def generate(folder: Path, n_reps: int, seed: int = 1) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)

    kpis = pa.table(
        {
            "kpi": list(KPIS),
            "direction": ["higher"] * 3,
            "unit": ["currency", "count", "rate"],
            "aggregation": ["sum", "sum", "mean"],
            "weight_kpi": [None, None, None],
            "allow_negative": [False] * 3,
            "label": ["Revenue", "New customers", "High-value retention"],
        }
    )
    # company -> 5 regions -> 10 branches each -> 10 teams each (500 teams).
    regions = [f"R{i}" for i in range(5)]
    branches = [f"{r}B{j}" for r in regions for j in range(10)]
    teams = [f"{b}T{k}" for b in branches for k in range(10)]
    units = pa.table(
        {
            "unit_id": ["HQ", *regions, *branches, *teams],
            "parent_id": [None, *["HQ"] * 5, *[b[:2] for b in branches], *[t[:4] for t in teams]],
            "level": ["company", *["region"] * 5, *["branch"] * 50, *["team"] * 500],
            "name": ["总公司", *[f"大区{i}" for i in range(5)], *branches, *teams],
        }
    )
    rep_ids = np.char.add("R", np.arange(n_reps).astype(str)).astype(object)
    team = rng.integers(0, len(teams), n_reps)
    hire = np.datetime64("2023-12-31") - rng.integers(0, 3650, n_reps).astype("timedelta64[D]")
    reps = pa.table(
        {
            "rep_id": rep_ids,
            "unit_id": np.asarray(teams, dtype=object)[team],
            "position": np.asarray(
                ["key_account_manager", "channel_manager", "store_sales"], dtype=object
            )[rng.integers(0, 3, n_reps)],
            "hire_date": pa.array(hire.astype("datetime64[D]"), type=pa.date32()),
            "exit_date": pa.nulls(n_reps, type=pa.date32()),
            "base_salary": rng.lognormal(np.log(90_000), 0.3, n_reps).round(0),
            "grade": np.asarray(["P2", "P3", "P4", "P5"], dtype=object)[rng.integers(0, 4, n_reps)],
        }
    )
    months = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)]
    # Row order: rep-major, then month, then KPI, as an export would list them.
    n = n_reps * MONTHS * 3
    rep_idx = np.repeat(np.arange(n_reps, dtype=np.int32), MONTHS * 3)
    month_idx = np.tile(np.repeat(np.arange(MONTHS, dtype=np.int32), 3), n_reps)
    kpi_idx = np.tile(np.arange(3, dtype=np.int32), n_reps * MONTHS)
    level = rng.lognormal(np.log(20_000), 0.8, n_reps)
    value = np.empty(n)
    k0, k1, k2 = (kpi_idx == 0), (kpi_idx == 1), (kpi_idx == 2)
    value[k0] = (level[rep_idx[k0]] * rng.lognormal(0, 0.25, k0.sum())).round(2)
    value[k1] = rng.poisson(5, k1.sum())
    value[k2] = rng.beta(18, 2, k2.sum()).round(4)
    sales = pa.table(
        {
            "rep_id": pa.DictionaryArray.from_arrays(
                pa.array(rep_idx), pa.array(rep_ids, pa.string())
            ),
            "period": pa.DictionaryArray.from_arrays(pa.array(month_idx), pa.array(months)),
            "kpi": pa.DictionaryArray.from_arrays(pa.array(kpi_idx), pa.array(list(KPIS))),
            "value": value,
        }
    )
    for name, table in (("kpis", kpis), ("units", units), ("reps", reps), ("sales", sales)):
        pq.write_table(table, tmp / f"{name}.parquet")
    tmp.rename(folder)


def measure(folder: Path) -> None:
    from simlib.data.dataset import Dataset
    from simlib.data.io import read_raw
    from simlib.data.validate import validate_tables

    t0 = time.perf_counter()
    raw, sources, problems = read_raw(folder)
    t1 = time.perf_counter()
    typed, more = validate_tables(raw, sources)
    del raw
    ds = Dataset(**typed, source=str(folder))
    t2 = time.perf_counter()
    assert not problems and not more, (problems + more)[:5]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"dataset          {ds!r}")
    print(f"sales rows       {len(ds.sales):,}")
    print(f"read files       {t1 - t0:6.2f} s")
    print(f"validate+coerce  {t2 - t1:6.2f} s")
    print(f"total            {t2 - t0:6.2f} s   (target < 30 s)")
    print(f"peak memory      {peak_kib / 2**20:6.2f} GiB (max RSS of this process; target < 4 GiB)")
    print(f"dtypes of sales  {dict(ds.sales.dtypes.astype(str))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100_000)
    ap.add_argument("--csv", action="store_true", help="also time the data written as CSV")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure)
        return
    folder = HERE / "_data" / f"load_{args.reps}reps_{MONTHS}m"
    if not folder.exists():
        t = time.perf_counter()
        generate(folder, args.reps)
        print(f"generated {folder} in {time.perf_counter() - t:.1f} s")
    # A fresh process, so max RSS covers loading and validation only.
    subprocess.run([sys.executable, __file__, "--measure", str(folder)], check=True)
    if args.csv:
        csv = folder.with_name(folder.name + "_csv")
        if not csv.exists():
            from simlib.data.io import load_dataset

            load_dataset(folder).save(csv, format="csv")
        print(f"\nthe same data as CSV ({csv.name}):")
        subprocess.run([sys.executable, __file__, "--measure", str(csv)], check=True)


if __name__ == "__main__":
    main()

"""Load + validation speed on a large sales force: 100,000 reps x 36 months x 3 KPIs.

Run from the project root::

    .venv/bin/python benchmarks/bench_load.py            # 100,000 reps (10.8 M sales rows)
    .venv/bin/python benchmarks/bench_load.py --reps 20000
    .venv/bin/python benchmarks/bench_load.py --csv      # also time the same data as CSV

The first run writes two datasets as Parquet to ``benchmarks/_data/`` (git-ignored)
with a simple vectorized generator:

* **clean**: every rep employed all 36 months, so the sales table has exactly
  reps x 36 x 3 rows;
* **messy**: about 14% of reps leave during the period (their later months have
  no sales), plus four bad rows a real export might hold: a typo'd year
  (2126-01), a negative revenue, an unknown rep and a duplicated key. Loading it
  must report exactly those four problems, in about the time of the clean load,
  and the far-off month must not inflate memory.

Each measurement runs :func:`simlib.load_dataset` end to end in a fresh process, so
the peak memory it reports is that of loading and validating alone; a second fresh
process times the two stages (reading files, validating) separately.
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


def generate(folder: Path, n_reps: int, seed: int = 1, messy: bool = False) -> None:
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
    months = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)]
    # messy: ~14% of reps leave in a random month (day 1-28); their sales stop there.
    exit_month = np.full(n_reps, MONTHS, dtype=np.int32)  # MONTHS = still employed
    if messy:
        leavers = rng.random(n_reps) < 0.14
        exit_month[leavers] = rng.integers(0, MONTHS, leavers.sum())
        month_start = np.array([np.datetime64(m + "-01") for m in months])
        exit_day = month_start[np.minimum(exit_month, MONTHS - 1)] + rng.integers(
            0, 28, n_reps
        ).astype("timedelta64[D]")
        exit_col = pa.array(
            np.where(leavers, exit_day, np.datetime64("NaT")).astype("datetime64[D]"),
            type=pa.date32(),
        )
    else:
        exit_col = pa.nulls(n_reps, type=pa.date32())
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
            "exit_date": exit_col,
            "base_salary": rng.lognormal(np.log(90_000), 0.3, n_reps).round(0),
            "grade": np.asarray(["P2", "P3", "P4", "P5"], dtype=object)[rng.integers(0, 4, n_reps)],
        }
    )
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
    if messy:
        keep = month_idx <= exit_month[rep_idx]
        rep_idx, month_idx, kpi_idx, value = (a[keep] for a in (rep_idx, month_idx, kpi_idx, value))
        # Four bad rows: a typo'd year, a negative revenue (in place), an unknown rep,
        # and a duplicate of an existing key.
        months = [*months, "2126-01"]
        rep_ids = np.append(rep_ids, "R_unknown")
        value[np.flatnonzero((rep_idx == 1) & (kpi_idx == 0))[0]] = -5.0
        dup = np.flatnonzero((rep_idx == 2) & (kpi_idx == 0))[0]
        bad_rep = np.array([0, n_reps, 2], dtype=np.int32)
        bad_month = np.array([MONTHS, 0, month_idx[dup]], dtype=np.int32)
        bad_kpi = np.array([0, 0, 0], dtype=np.int32)
        bad_value = np.array([100.0, 10.0, value[dup]])
        rep_idx = np.concatenate([rep_idx, bad_rep])
        month_idx = np.concatenate([month_idx, bad_month])
        kpi_idx = np.concatenate([kpi_idx, bad_kpi])
        value = np.concatenate([value, bad_value])
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


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def measure(folder: Path) -> None:
    """load_dataset end to end, as a user calls it."""
    from simlib.data.io import load_dataset
    from simlib.errors import DataValidationError

    t0 = time.perf_counter()
    try:
        ds = load_dataset(folder)
        problems = []
    except DataValidationError as exc:
        ds, problems = None, exc.problems
    t1 = time.perf_counter()
    peak = _peak_gib()
    if ds is not None:
        print(f"dataset          {ds!r}")
        print(f"sales rows       {len(ds.sales):,}")
        print(f"dtypes of sales  {dict(ds.sales.dtypes.astype(str))}")
    else:
        print(f"problems         {len(problems)} (load_dataset raised DataValidationError):")
        for p in problems:
            print(f"                 {p}")
    print(f"load_dataset     {t1 - t0:6.2f} s   (end to end; target < 30 s)")
    print(f"peak memory      {peak:6.2f} GiB (max RSS of this process; target < 4 GiB)")


def measure_stages(folder: Path) -> None:
    """The same work split into its two stages (a fresh process too)."""
    from simlib.data.io import read_raw
    from simlib.data.validate import validate_tables

    t0 = time.perf_counter()
    raw, sources, problems = read_raw(folder)
    t1 = time.perf_counter()
    _, more = validate_tables(raw, sources)
    t2 = time.perf_counter()
    print(f"  read files       {t1 - t0:6.2f} s")
    print(f"  validate+coerce  {t2 - t1:6.2f} s   ({len(problems) + len(more)} problems)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100_000)
    ap.add_argument("--csv", action="store_true", help="also time the data written as CSV")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--stages", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure)
        return
    if args.stages:
        measure_stages(args.stages)
        return
    folder = HERE / "_data" / f"load_{args.reps}reps_{MONTHS}m"
    for messy in (False, True):
        where = folder.with_name(folder.name + "_messy") if messy else folder
        if not where.exists():
            t = time.perf_counter()
            generate(where, args.reps, messy=messy)
            print(f"generated {where} in {time.perf_counter() - t:.1f} s")
        print(f"\n{'messy (exits, 4 bad rows)' if messy else 'clean'}: {where.name}")
        # Fresh processes, so max RSS covers loading and validation only.
        subprocess.run([sys.executable, __file__, "--measure", str(where)], check=True)
        subprocess.run([sys.executable, __file__, "--stages", str(where)], check=True)
    if args.csv:
        csv = folder.with_name(folder.name + "_csv")
        if not csv.exists():
            from simlib.data.io import load_dataset

            load_dataset(folder).save(csv, format="csv")
        print(f"\nthe same data as CSV ({csv.name}):")
        subprocess.run([sys.executable, __file__, "--measure", str(csv)], check=True)


if __name__ == "__main__":
    main()

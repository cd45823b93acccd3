"""Benchmark: cascade 3 KPIs through a 5-level tree of 100,000 reps.

Builds a synthetic sales force with a simple vectorized generator (company ->
10 regions -> 100 cities -> 1,000 branches -> 10,000 teams at 100,000 reps, 10
reps per team on average, 12 months of history; for other sizes the fan-out per
level is scaled so that teams still average about 10 reps), then times :func:`simlib.targets.cascade` with
history / potential / capacity splits, 3% padding, guardrails at every level
below the company, rounding to CNY 1,000 and whole customers, and seasonal
calendarization. Also times :func:`simlib.targets.apportion` on 100,000
recipients. Target: the cascade under 5 s (median of 5 runs; the best is shown
too).

Run: ``.venv/bin/python benchmarks/bench_targets.py [n_reps ...]`` (default 100000).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.targets import apportion, cascade


def build(n_reps: int = 100_000, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    # region, city, branch, team per parent: 10 each at 100,000 reps (10,000 teams);
    # scaled for other sizes so that a team keeps about 10 reps.
    k = max(1, round(max(1.0, n_reps / 10) ** 0.25))
    fan = [k, k, k, k]
    levels = ["company", "region", "city", "branch", "team"]
    ids, parents, lv = ["HQ"], [None], ["company"]
    prev = ["HQ"]
    for depth, k in enumerate(fan, start=1):
        cur = [f"{p}.{i}" for p in prev for i in range(k)]
        ids += cur
        parents += [p for p in prev for _ in range(k)]
        lv += [levels[depth]] * len(cur)
        prev = cur
    teams = np.array(prev)
    units = pd.DataFrame(
        {"unit_id": ids, "parent_id": pd.array(parents, dtype="string"), "level": lv, "name": ids}
    )
    team_of = teams[rng.integers(0, len(teams), n_reps)]
    rep_ids = np.array([f"R{i:06d}" for i in range(n_reps)])
    hire = pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 4000, n_reps), unit="D")
    reps = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "unit_id": team_of,
            "position": "account_manager",
            "hire_date": hire,
            "exit_date": pd.NaT,
            "base_salary": 100_000.0,
            "grade": "P4",
        }
    )
    reps["exit_date"] = pd.to_datetime(reps["exit_date"])
    periods = pd.period_range("2026-01", "2026-12", freq="M")
    season = 1 + 0.2 * np.sin(np.arange(12) / 12 * 2 * np.pi)
    level = rng.lognormal(np.log(150_000), 0.5, n_reps)
    rev = level[:, None] * season[None, :] * rng.lognormal(0, 0.2, (n_reps, 12))
    cust = rng.poisson(8 * season[None, :], (n_reps, 12)).astype(float)
    ret = np.clip(rng.normal(0.95, 0.02, (n_reps, 12)), 0, 1)
    months_hired = np.asarray(hire.to_period("M"))
    employed = months_hired[:, None] <= np.asarray(periods)[None, :]
    r_idx, t_idx = np.nonzero(employed)
    n = len(r_idx)
    sales = pd.DataFrame(
        {
            "rep_id": np.tile(rep_ids[r_idx], 3),
            "period": pd.PeriodIndex(np.tile(np.asarray(periods)[t_idx], 3), freq="M"),
            "kpi": np.repeat(["revenue", "new_customers", "hv_retention"], n),
            "value": np.concatenate([rev[r_idx, t_idx], cust[r_idx, t_idx], ret[r_idx, t_idx]]),
        }
    )
    kpis = pd.DataFrame(
        {
            "kpi": ["revenue", "new_customers", "hv_retention"],
            "direction": ["higher"] * 3,
            "unit": ["currency", "count", "rate"],
            "aggregation": ["sum", "sum", "mean"],
            "weight_kpi": pd.array([pd.NA] * 3, dtype="string"),
            "allow_negative": [False] * 3,
            "label": ["Revenue", "New customers", "HV retention"],
        }
    )
    pot = pd.DataFrame(
        {
            "unit_id": np.repeat(teams, 2),
            "rep_id": pd.array([pd.NA] * (2 * len(teams)), dtype="string"),
            "kpi": np.tile(["revenue", "new_customers"], len(teams)),
            "value": rng.lognormal(np.log(2e6), 0.4, 2 * len(teams)),
        }
    )
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, potential=pot, source="bench")


SPEC = {
    "default": {"method": "history", "guardrail": {"max_increase": 0.5, "max_decrease": 0.3}},
    "levels": {
        "branch": {
            "method": "blend",
            "blend": {"history": 0.7, "potential": 0.3},
            "guardrail": {"max_increase": 0.5, "max_decrease": 0.3},
        },
        "team": {
            "method": "history",
            "padding": 0.03,
            "guardrail": {"max_increase": 0.5, "max_decrease": 0.3},
        },
        "rep": {
            "method": "blend",
            "blend": {"history": 0.8, "capacity": 0.2},
            "guardrail": {"max_increase": 0.4, "max_decrease": 0.2},
        },
    },
    "kpis": {
        "revenue": {
            "levels": {
                "rep": {
                    "method": "blend",
                    "blend": {"history": 0.8, "capacity": 0.2},
                    "guardrail": {"max_increase": 0.4, "max_decrease": 0.2, "floor": 10_000},
                }
            }
        }
    },
    "rounding": {"currency": 1000, "count": 1},
    "calendarization": {"method": "seasonal", "years": 1, "profile_level": "region"},
}


def main(n_reps: int = 100_000) -> None:
    t0 = time.perf_counter()
    ds = build(n_reps)
    t1 = time.perf_counter()
    print(
        f"built dataset: {n_reps:,} reps, {len(ds.units):,} units, {len(ds.sales):,} sales rows "
        f"in {t1 - t0:.1f} s"
    )
    s = ds.sales.groupby("kpi")["value"].sum()
    target = {
        "revenue": s["revenue"] * 1.06,
        "new_customers": s["new_customers"] * 1.04,
        "hv_retention": 0.96,
    }
    times = []
    for _ in range(5):
        ds._cache.clear()
        a = time.perf_counter()
        c = cascade(ds, target, SPEC)
        times.append(time.perf_counter() - a)
    assert c.check().empty and c.check_monthly().empty
    moved = int((c.log["kind"] == "guardrail").sum())
    print(
        f"cascade 3 KPIs, 5 unit levels + reps, guardrails, rounding, seasonal months: "
        f"median {float(np.median(times)):.2f} s of 5 runs (best {min(times):.2f} s, worst "
        f"{max(times):.2f} s; target < 5 s); {len(c.targets):,} monthly rows, "
        f"{moved:,} guardrail adjustments"
    )
    w = np.random.default_rng(1).lognormal(0, 1, 100_000)
    for method in ("hamilton", "jefferson", "webster", "huntington_hill"):
        a = time.perf_counter()
        apportion(w, 150_000_000, method=method)
        print(
            f"apportion {method:<16} 100,000 recipients, total 150,000,000: "
            f"{(time.perf_counter() - a) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    for size in [int(x) for x in sys.argv[1:]] or [100_000]:
        main(size)

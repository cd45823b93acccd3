"""Shared fixtures: a tiny hand-made dataset whose numbers can be checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from simlib.data.dataset import Dataset


def make_tiny_dataset() -> Dataset:
    """An unbalanced tree, 5 reps, 2 KPIs, 3 months.

    ::

        HQ (company)
        ├── N (region)
        │   └── N1 (branch)
        │       ├── N1a (team): r1, r2
        │       └── N1b (team): r3
        └── S (region)
            └── S1 (team, directly under a region): r4, r5
    """
    kpis = pd.DataFrame(
        {
            "kpi": ["revenue", "hv_retention"],
            "direction": ["higher", "higher"],
            "unit": ["currency", "rate"],
            "aggregation": ["sum", "mean"],
            "weight_kpi": pd.array([pd.NA, pd.NA], dtype="string"),
            "allow_negative": [False, False],
            "label": ["Revenue", "High-value retention"],
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", "N", "S", "N1", "N1a", "N1b", "S1"],
            "parent_id": pd.array([pd.NA, "HQ", "HQ", "N", "N1", "N1", "S"], dtype="string"),
            "level": ["company", "region", "region", "branch", "team", "team", "team"],
            "name": ["总部", "North", "South", "North-1", "North-1a", "North-1b", "South-1"],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3", "r4", "r5"],
            "unit_id": ["N1a", "N1a", "N1b", "S1", "S1"],
            "position": ["account_manager"] * 3 + ["store_sales"] * 2,
            "hire_date": pd.to_datetime(
                ["2020-01-01", "2021-06-15", "2022-03-01", "2019-09-01", "2026-02-10"]
            ),
            "exit_date": pd.to_datetime([None, None, "2026-02-20", None, None]),
            "base_salary": [120000.0, 100000.0, 90000.0, 80000.0, 72000.0],
            "grade": ["P5", "P4", "P4", "P3", "P2"],
        }
    )
    periods = pd.period_range("2026-01", "2026-03", freq="M")
    rows = []
    revenue = {"r1": 100.0, "r2": 200.0, "r3": 50.0, "r4": 300.0, "r5": 40.0}
    retention = {"r1": 0.9, "r2": 0.8, "r3": 0.7, "r4": 0.95, "r5": 0.6}
    for rep in revenue:
        for i, p in enumerate(periods):
            if rep == "r3" and i > 1:  # left in February
                continue
            if rep == "r5" and i < 1:  # hired in February
                continue
            rows.append((rep, p, "revenue", revenue[rep] * (i + 1)))
            rows.append((rep, p, "hv_retention", retention[rep]))
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = sales["period"].astype("period[M]")
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, source="tiny")


@pytest.fixture
def tiny_ds() -> Dataset:
    return make_tiny_dataset()

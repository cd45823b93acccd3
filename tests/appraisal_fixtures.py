"""A small dataset for appraisal tests whose attainments are set by hand.

::

    HQ (company)
    ├── R1 (region)
    │   ├── T1 (team): a1 a2 a3 a4
    │   └── T2 (team): b1 b2 b3 b4
    └── R2 (region)
        └── T3 (team): c1 c2 c3 c4, c5 (hired 2026-10: too short to rate in 2026)

Every month of a year a rep sells ``rev_att[rep] * 100`` revenue against a target
of 100, ``new_att[rep] * 10`` new customers against 10, and has churn
``churn[rep]`` against a target of 0.02 (lower is better). So the year's
attainment is exactly ``rev_att`` / ``new_att`` / ``0.02 / churn``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset

REPS = ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4", "c1", "c2", "c3", "c4", "c5"]
TEAM = dict(zip(REPS, ["T1"] * 4 + ["T2"] * 4 + ["T3"] * 5, strict=True))
# Attainment by year: 2025 and 2026.
REV = {
    2025: [1.0, 0.8, 1.2, 0.9, 1.1, 0.7, 1.0, 1.3, 0.95, 0.6, 1.05, 0.85, 1.0],
    2026: [1.1, 0.7, 1.3, 0.9, 1.0, 0.65, 1.2, 1.4, 0.9, 0.55, 1.0, 0.8, 1.0],
}
NEW = {
    2025: [1.0, 1.1, 0.9, 1.0, 0.8, 0.9, 1.2, 1.0, 1.0, 0.5, 1.1, 0.9, 1.0],
    2026: [0.9, 1.0, 1.0, 1.2, 0.8, 0.6, 1.1, 1.0, 1.0, 0.5, 1.2, 0.95, 1.0],
}
CHURN = {
    2025: [0.02, 0.025, 0.02, 0.01, 0.02, 0.04, 0.02, 0.02, 0.02, 0.05, 0.02, 0.02, 0.02],
    2026: [0.02, 0.02, 0.016, 0.02, 0.025, 0.04, 0.02, 0.02, 0.02, 0.05, 0.02, 0.02, 0.02],
}
# Competence (1-5) per item, same both years.
PRODUCT = [3, 2, 4, 3, 3, 2, 4, 5, 3, 1, 3, 3, 3]
NEGOTIATION = [3, 3, 4, 3, 4, 2, 3, 4, 3, 2, 4, 2, 3]


def make_appraisal_dataset(churn_weight_kpi: str | None = None) -> Dataset:
    """The fixture; ``churn_weight_kpi="revenue"`` makes churn a revenue-weighted rate."""
    kpis = pd.DataFrame(
        {
            "kpi": ["revenue", "new_customers", "churn"],
            "direction": ["higher", "higher", "lower"],
            "unit": ["currency", "count", "rate"],
            "aggregation": ["sum", "sum", "mean"],
            "weight_kpi": pd.array([pd.NA, pd.NA, churn_weight_kpi or pd.NA], dtype="string"),
            "allow_negative": [False] * 3,
            "label": ["Revenue", "New customers", "Churn"],
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", "R1", "R2", "T1", "T2", "T3"],
            "parent_id": pd.array([pd.NA, "HQ", "HQ", "R1", "R1", "R2"], dtype="string"),
            "level": ["company", "region", "region", "team", "team", "team"],
            "name": ["HQ", "Region 1", "Region 2", "Team 1", "Team 2", "Team 3"],
        }
    )
    hire = ["2020-01-01"] * 12 + ["2026-10-01"]
    reps = pd.DataFrame(
        {
            "rep_id": REPS,
            "unit_id": [TEAM[r] for r in REPS],
            "position": ["account_manager"] * 13,
            "hire_date": pd.to_datetime(hire),
            "exit_date": pd.to_datetime([None] * 13),
            "base_salary": [
                100000.0, 90000.0, 120000.0, 80000.0, 110000.0, 95000.0, 105000.0,
                130000.0, 85000.0, 70000.0, 100000.0, 90000.0, 60000.0,
            ],
            "grade": ["P4", "P3", "P5", "P3", "P4", "P3", "P4", "P5", "P3", "P3", "P4", "P3", "P2"],
        }
    )  # fmt: skip
    rows, trows = [], []
    for year in (2025, 2026):
        for p in pd.period_range(f"{year}-01", f"{year}-12", freq="M"):
            for i, r in enumerate(REPS):
                if r == "c5" and p < pd.Period("2026-10", "M"):
                    continue
                rows += [
                    (r, p, "revenue", REV[year][i] * 100.0),
                    (r, p, "new_customers", NEW[year][i] * 10.0),
                    (r, p, "churn", CHURN[year][i]),
                ]
                trows += [(r, p, "revenue", 100.0), (r, p, "new_customers", 10.0)]
                trows += [(r, p, "churn", 0.02)]
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = sales["period"].astype("period[M]")
    targets = pd.DataFrame(trows, columns=["rep_id", "period", "kpi", "target"])
    targets["period"] = targets["period"].astype("period[M]")
    targets.insert(0, "unit_id", pd.array([pd.NA] * len(targets), dtype="string"))
    targets["rep_id"] = targets["rep_id"].astype("string")
    comp = []
    for year in (2025, 2026):
        for month in ("06", "12"):
            for i, r in enumerate(REPS):
                if r == "c5":
                    continue
                p = pd.Period(f"{year}-{month}", "M")
                comp += [(r, p, "product knowledge", float(PRODUCT[i]))]
                comp += [(r, p, "negotiation", float(NEGOTIATION[i]))]
    competence = pd.DataFrame(comp, columns=["rep_id", "period", "item", "score"])
    competence["period"] = competence["period"].astype("period[M]")
    return Dataset(
        kpis=kpis,
        units=units,
        reps=reps,
        sales=sales,
        targets=targets,
        competence=competence,
        source="appraisal-fixture",
    )


def rev(year: int) -> np.ndarray:
    return np.array(REV[year])

"""Helpers shared by the plan tests: tidy frames from arrays, and a small reps table."""

from __future__ import annotations

import numpy as np
import pandas as pd

PERIODS = pd.period_range("2026-01", "2026-12", freq="M")


def tidy(arrays: dict, rep_ids, periods, col: str = "value", dropna: bool = False) -> pd.DataFrame:
    """(reps, months) arrays per KPI -> a tidy frame; ``dropna`` leaves out NaN cells
    (months without a row, as real data has)."""
    frames = []
    for k, a in arrays.items():
        a = np.asarray(a, dtype=float)
        frames.append(
            pd.DataFrame(
                {
                    "rep_id": np.repeat(rep_ids, len(periods)),
                    "period": np.tile(np.asarray(periods), len(rep_ids)),
                    "kpi": k,
                    col: a.reshape(-1),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["period"] = pd.PeriodIndex(out["period"], freq="M")
    return out.dropna(subset=[col]) if dropna else out


def reps_frame(n: int, **cols) -> pd.DataFrame:
    """``n`` account managers in one unit on a CNY 100,000 base; ``cols`` override."""
    d = {
        "rep_id": [f"r{i}" for i in range(n)],
        "unit_id": ["u0"] * n,
        "position": ["am"] * n,
        "base_salary": [100000.0] * n,
    }
    d.update(cols)
    return pd.DataFrame(d)

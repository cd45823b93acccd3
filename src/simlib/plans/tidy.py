"""The tidy edge of a payout: one row per rep, month and payment line."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simlib.plans.core import PlanPayout, PreparedPlan


def tidy_payout(plan, prep: PreparedPlan, pay: PlanPayout, totals: bool = True) -> pd.DataFrame:
    R, T = prep.shape
    frames = []
    types = {c.name: c.type for c in plan.spec.components}
    items = list(pay.lines.items())
    if totals:
        items.append(("total", pay.total))
    for name, arr in items:
        base = {
            "rep_id": np.repeat(prep.rep_ids, T),
            "period": np.tile(np.asarray(prep.periods), R),
            "component": name,
            "type": types.get(name, name.split(":")[0]),
            "payout": np.asarray(arr).reshape(-1),
        }
        detail = {
            k: np.full((R, T), np.nan)
            for k in (
                "actual",
                "target",
                "attainment",
                "factor",
                "gate_ok",
                "modifier",
                "entitlement",
            )
        }
        kpi = None
        note = np.full((R, T), None, dtype=object)
        if name in pay.trace and name in types:
            c = plan.component(name)
            kpi = c.own_kpi
            w = prep.windows[name]
            t = pay.trace[name]
            actual, target = c.tidy_actual(t)
            if actual is not None:
                detail["actual"][:, w.ends] = actual
            if target is not None:
                detail["target"][:, w.ends] = target
            for src, dst in (
                ("attainment", "attainment"),
                ("factor", "factor"),
                ("coefficient", "factor"),
                ("modifier_factor", "modifier"),
                ("entitlement", "entitlement"),
            ):
                if src in t:
                    detail[dst][:, w.ends] = np.broadcast_to(t[src], (R, len(w.ends)))
            if "gate_ok" in t:
                detail["gate_ok"][:, w.ends] = t["gate_ok"]
            # Why a line paid nothing when the reason is missing data, not performance.
            for key, words in (("no_target", "no target"), ("no_score", "no score")):
                flags = [v for k, v in t.items() if k == key or k.startswith(key + ":")]
                for f in flags:
                    f = np.broadcast_to(np.asarray(f, dtype=bool), (R, len(w.ends)))
                    sub = note[:, w.ends]
                    sub[f] = words
                    note[:, w.ends] = sub
        f = pd.DataFrame(base)
        f["kpi"] = kpi
        for k, v in detail.items():
            f[k] = v.reshape(-1)
        f["note"] = pd.array(note.reshape(-1), dtype="str")
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["period"] = pd.PeriodIndex(out["period"], freq="M")
    out["gate_ok"] = out["gate_ok"].map({1.0: True, 0.0: False}).astype("boolean")
    if not prep.paid.all():
        # Reps outside the plan's positions were only there for their unit's sums.
        out = out.loc[np.isin(out["rep_id"].to_numpy(), prep.rep_ids[prep.paid])]
    out.attrs["plan"] = plan.name
    return out.sort_values(["rep_id", "period"], kind="stable").reset_index(drop=True)


def prep_sum(prep: PreparedPlan, pay: PlanPayout, name: str, which: str) -> np.ndarray:
    """Window actual/target of a component's KPI, as stored in the trace."""
    return pay.trace[name]["_" + which]


def payout_totals(pay: pd.DataFrame, by: Sequence[str] = ("rep_id", "period")) -> pd.DataFrame:
    """Total pay (all lines) per rep and month, or per ``by`` (e.g. ``["rep_id"]`` for the year).

    Uses the ``total`` rows when the frame has them (``evaluate(totals=True)``),
    else sums the lines; never both.
    """
    return lines_only(pay).groupby(list(by), observed=True, sort=True)["payout"].sum().reset_index()


def lines_only(pay: pd.DataFrame) -> pd.DataFrame:
    """The payment lines without the ``total`` rows (safe to sum)."""
    if "component" in pay and (pay["component"] == "total").any():
        return pay.loc[pay["component"] != "total"]
    return pay

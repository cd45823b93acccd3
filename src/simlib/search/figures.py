"""Figures and tables of a design search's report page (read from its output folder)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Plain names of the metrics a search page shows.
NAMES = {
    "contribution": "Contribution (revenue - pay)",
    "total_payout": "Expected incentive cost",
    "budget_ratio": "Cost / budget",
    "over_budget": "P(overspend)",
    "share_at_quota": "Share of reps at quota",
    "pay_performance_spearman": "Pay-performance (Spearman)",
    "cost_of_sales": "Cash cost of sales",
    "revenue": "Revenue",
}


#: How each metric reads: money (thousands separators) or a share (percent).
MONEY = frozenset({"contribution", "total_payout", "revenue", "merit_cost_at_matrix"})
SHARES = frozenset(
    {"budget_ratio", "over_budget", "share_at_quota", "cost_of_sales", "share_at_cap",
     "share_at_threshold", "incentive_cost_of_sales", "variable_pay_share"}
)  # fmt: skip


def _name(metric: str) -> str:
    return NAMES.get(metric, metric)


def fmt(metric: str, value: float) -> str:
    """A metric's value as a reader reads it: ``12,345,678``, ``62.3%`` or ``0.894``."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if metric in MONEY:
        return f"{value:,.0f}"
    if metric in SHARES or metric.startswith("pay_change:") or metric.startswith("pay_gap:"):
        return f"{value:.1%}"
    return f"{value:.3f}"


def decision(info: dict[str, Any]) -> str:
    """The decision in a few lines of markdown: what to adopt, and what it does to each goal."""
    rec = info.get("recommended")
    if rec is None:
        return "**The search found no design that could be simulated.**"
    goals_rec = info["goals_at_recommended"]
    goals_base = info["goals_at_baseline"]
    met_rec = sum(bool(g["met"]) for g in goals_rec)
    met_base = sum(bool(g["met"]) for g in goals_base)
    head = (
        f"**Recommended design: {rec['design']}.** It meets {met_rec} of {len(goals_rec)} "
        f"goals; today's plan (the baseline) meets {met_base}."
        if goals_rec
        else f"**Recommended design: {rec['design']}.**"
    )
    verdict = (
        "It meets every goal."
        if info["meets_goals"]
        else "No design the search tried meets every goal: see *Which goals conflict* below."
    )
    return f"{head} {verdict}\n\n{info['explanation']}"


def comparison(info: dict[str, Any]) -> pd.DataFrame:
    """Recommended design against the baseline and the search's base, goal by goal."""
    rec = info.get("recommended") or {"metrics": {}}
    rows = []
    goals = {g["metric"]: g for g in info["goals_at_baseline"]}
    metrics = [info["objective"]["metric"], "total_payout", *goals]
    for m in dict.fromkeys(metrics):
        g = goals.get(m)
        bounds = ""
        if g is not None:
            lo, hi = g.get("min"), g.get("max")
            lo = None if lo is None or (isinstance(lo, float) and np.isnan(lo)) else lo
            hi = None if hi is None or (isinstance(hi, float) and np.isnan(hi)) else hi
            bounds = (
                f"{lo:g} to {hi:g}" if lo is not None and hi is not None
                else f">= {lo:g}" if lo is not None else f"<= {hi:g}"
            )  # fmt: skip
        rows.append(
            {
                "measure": _name(m),
                "goal": bounds,
                "baseline": fmt(m, info["baseline"]["metrics"].get(m, np.nan)),
                f"search base ({info['base']})": fmt(
                    m, info["base_design"]["metrics"].get(m, np.nan)
                ),
                "recommended": fmt(m, rec["metrics"].get(m, np.nan)),
            }
        )
    return pd.DataFrame(rows).set_index("measure")


def goals_table(info: dict[str, Any]) -> pd.DataFrame:
    """Each goal at the recommended design: value, met, slack, and whether it binds."""
    df = pd.DataFrame(info["goals_at_recommended"])
    if df.empty:
        return df
    return df[["goal", "value", "met", "slack", "binds"]].set_index("goal")


def plot_frontier(info: dict[str, Any], ax=None):
    """Every screened design on the objective and the first trade-off axis.

    Designs meeting every goal are filled, others hollow; frontier points are ringed,
    the recommended design is a star.
    """
    import matplotlib.pyplot as plt

    ev = info["evaluations"]
    axes = info["axes"]
    obj = axes[0][0]
    other = axes[1][0] if len(axes) > 1 else "total_payout"
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    if ev.empty or obj not in ev or other not in ev:
        ax.text(0.5, 0.5, "no designs to show", ha="center", transform=ax.transAxes)
        return ax.figure
    ok = ev["meets_goals"].astype(bool)
    ax.scatter(ev.loc[ok, other], ev.loc[ok, obj], s=22, color="tab:green",
               label="meets every goal")  # fmt: skip
    ax.scatter(ev.loc[~ok, other], ev.loc[~ok, obj], s=22, facecolors="none",
               edgecolors="tab:gray", label="misses a goal")  # fmt: skip
    fr = info["frontier"]
    if not fr.empty and other in fr:
        ax.scatter(fr[other], fr[obj], s=70, facecolors="none", edgecolors="tab:blue",
                   linewidths=1.5, label="frontier")  # fmt: skip
    for key, marker, label in (("baseline", "s", "baseline"),
                               ("base_design", "D", f"search base ({info['base']})")):  # fmt: skip
        m = info[key]["metrics"]
        if obj in m and other in m:
            ax.scatter([m[other]], [m[obj]], marker=marker, s=60, color="black", label=label)
    rec = info.get("recommended")
    if rec and obj in rec["metrics"] and other in rec["metrics"]:
        ax.scatter([rec["metrics"][other]], [rec["metrics"][obj]], marker="*", s=220,
                   color="tab:orange", label="recommended", zorder=5)  # fmt: skip
    ax.set_xlabel(_name(other))
    ax.set_ylabel(_name(obj))
    ax.legend(fontsize=8, loc="best")
    ax.set_title("Designs screened: objective against the trade-off")
    return ax.figure


def plot_sensitivity(info: dict[str, Any]):
    """The objective as each parameter moves alone from the recommended design."""
    import matplotlib.pyplot as plt

    sens = info["sensitivity"]
    params = list(dict.fromkeys(sens["parameter"])) if not sens.empty else []
    n = max(len(params), 1)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axs = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax in axs.flat[len(params) :]:
        ax.set_visible(False)
    for ax, p in zip(axs.flat, params, strict=False):
        d = sens.loc[sens["parameter"] == p]
        x = d["value"].astype(str).where(~_numeric(d["value"]), d["value"])
        numeric = bool(_numeric(d["value"]).all())
        xs = pd.to_numeric(d["value"]) if numeric else np.arange(len(d))
        ok = d["meets_goals"].astype(bool).to_numpy()
        ax.plot(xs, d["objective"], color="tab:gray", lw=1)
        ax.scatter(np.asarray(xs)[ok], d["objective"].to_numpy()[ok], color="tab:green", s=20)
        ax.scatter(np.asarray(xs)[~ok], d["objective"].to_numpy()[~ok], facecolors="none",
                   edgecolors="tab:red", s=20)  # fmt: skip
        at = d["at_recommended"].astype(bool).to_numpy()
        ax.scatter(np.asarray(xs)[at], d["objective"].to_numpy()[at], marker="*", s=120,
                   color="tab:orange", zorder=5)  # fmt: skip
        if not numeric:
            ax.set_xticks(xs, list(x))
        ax.set_title(p, fontsize=10)
    fig.supylabel(_name(info["objective"]["metric"]))
    fig.suptitle("Objective as each parameter moves alone (red: misses a goal)", fontsize=11)
    fig.tight_layout()
    return fig


def _numeric(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").notna()

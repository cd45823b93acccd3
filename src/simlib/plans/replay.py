"""Replay summaries: what a plan would have paid on history, in leadership terms.

Reference bands from practice (``reference/practice.md``): compensation cost of
sales 3-9% of revenue (ZS; here variable pay only, so lower); 60-70% of reps at
or above quota by design, above 85% too easy, below 45% too hard (Alexander
Group; realised figures nearer 57-60%, CSO Insights); pay-for-performance
correlation >= 0.8 strong, 0.6-0.8 moderate (Falcon Incentives rule of thumb).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.plans.curve import PayoutCurve
from simlib.plans.spec import QuotaBonus, Team


@dataclass(frozen=True)
class ReplaySummary:
    """A plan's replay in a few numbers.

    Attributes
    ----------
    headline : pandas.DataFrame
        ``metric, value, reference``: cost of sales, payout as a share of
        target incentive, shares of reps at threshold / quota / cap, pay-for-
        performance correlation.
    by_rep : pandas.DataFrame
        ``rep_id, payout, target_incentive, payout_to_ti, attainment, revenue``
        for the whole replay (not for reports: individual pay).
    by_component : pandas.DataFrame
        ``component, payout, share``: where the money goes.
    """

    plan: str
    headline: pd.DataFrame
    by_rep: pd.DataFrame
    by_component: pd.DataFrame

    def value(self, metric: str) -> float:
        return float(self.headline.set_index("metric").loc[metric, "value"])


def replay_summary(
    plan,
    pay: pd.DataFrame,
    actuals: pd.DataFrame,
    targets: pd.DataFrame,
    reps: pd.DataFrame,
    revenue_kpi: str = "revenue",
    measure: str | None = None,
) -> ReplaySummary:
    """Summarise ``pay`` (from :meth:`Plan.evaluate`) for leadership.

    Parameters
    ----------
    revenue_kpi : str
        The KPI that is revenue, for cost of sales (payout / revenue).
    measure : str, optional
        The quota-bonus or team component whose curve defines "threshold",
        "quota" (100%) and "cap" (the curve's last point); default: the first.
    """
    periods = pay["period"].unique()
    paid = pay.groupby("rep_id")["payout"].sum()
    rep_ids = paid.index.to_numpy()
    sub_r = (
        reps.loc[reps["rep_id"].isin(rep_ids)].set_index("rep_id").reindex(rep_ids).reset_index()
    )
    ti = plan.target_incentive(sub_r).to_numpy() * (len(periods) / 12.0)
    act = actuals.loc[actuals["period"].isin(periods)]
    tgt = targets.loc[targets["period"].isin(periods)]
    rev = (
        act.loc[act["kpi"] == revenue_kpi]
        .groupby("rep_id")["value"]
        .sum()
        .reindex(rep_ids)
        .fillna(0.0)
    )
    comps = [c for c in plan.spec.components if isinstance(c, (QuotaBonus, Team))]
    if measure is not None:
        comps = [c for c in comps if c.name == measure]
    by_rep = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "payout": paid.to_numpy(),
            "target_incentive": ti,
            "revenue": rev.to_numpy(),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        by_rep["payout_to_ti"] = np.where(
            ti > 0, by_rep["payout"] / np.where(ti > 0, ti, 1), np.nan
        )
    rows = [
        ("total payout", float(paid.sum()), ""),
        ("total revenue", float(rev.sum()), ""),
        (
            "cost of sales (payout / revenue)",
            float(paid.sum() / rev.sum()) if rev.sum() else np.nan,
            "total cash comp typically 3-9% of revenue (ZS); variable pay is part of it",
        ),
        (
            "median payout / target incentive",
            float(np.nanmedian(by_rep["payout_to_ti"]))
            if np.isfinite(by_rep["payout_to_ti"]).any()
            else np.nan,
            "about 1.0 for a median performer on a well-set quota",
        ),
        (
            "90th percentile payout / target incentive",
            float(np.nanpercentile(by_rep["payout_to_ti"], 90))
            if np.isfinite(by_rep["payout_to_ti"]).any()
            else np.nan,
            "about 2x, some plans 3x (SalesGlobe)",
        ),
    ]
    if comps:
        c = comps[0]
        curve = PayoutCurve(c.curve)
        a = act.loc[act["kpi"] == c.kpi].groupby("rep_id")["value"].sum().reindex(rep_ids)
        q = tgt.loc[tgt["kpi"] == c.kpi].groupby("rep_id")["target"].sum().reindex(rep_ids)
        att = (a / q.where(q > 0)).to_numpy(dtype=float)
        by_rep["attainment"] = att
        ok = np.isfinite(att)
        n = max(int(ok.sum()), 1)
        rows += [
            (
                f"share at or above threshold ({curve.threshold:.0%})",
                float((att[ok] >= curve.threshold).sum() / n),
                "threshold set so most reps earn something",
            ),
            (
                "share at or above quota (100%)",
                float((att[ok] >= 1.0).sum() / n),
                "design aim 60-70%; above 85% too easy, below 45% too hard (Alexander Group)",
            ),
            (
                f"share at or above cap ({curve.cap:.0%})",
                float((att[ok] >= curve.cap).sum() / n),
                "a small minority; caps are commonly advised against",
            ),
        ]
        m = ok & np.isfinite(by_rep["payout"].to_numpy())
        if m.sum() > 2 and np.std(att[m]) > 0 and np.std(by_rep["payout"].to_numpy()[m]) > 0:
            rows.append(
                (
                    "pay-performance correlation",
                    float(np.corrcoef(att[m], by_rep["payout"].to_numpy()[m])[0, 1]),
                    ">= 0.8 strong, 0.6-0.8 moderate, < 0.6 loose (Falcon Incentives)",
                )
            )
    else:
        by_rep["attainment"] = np.nan
    comp = pay.groupby("component", sort=False)["payout"].sum().reset_index()
    comp["share"] = comp["payout"] / comp["payout"].sum() if comp["payout"].sum() else np.nan
    headline = pd.DataFrame(rows, columns=["metric", "value", "reference"])
    return ReplaySummary(plan.name, headline, by_rep, comp)

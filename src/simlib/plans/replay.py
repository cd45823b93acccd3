"""Replay summaries: what a plan would have paid on history, in leadership terms.

Reference bands from practice (``docs/practice.md``): compensation cost of
sales 3-9% of revenue (ZS; here variable pay only, so lower); 60-70% of reps at
or above quota by design, above 85% too easy, below 45% too hard (Alexander
Group; realised figures nearer 57-60%, CSO Insights); pay-for-performance
correlation >= 0.8 strong, 0.6-0.8 moderate (Falcon Incentives rule of thumb).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.i18n import _
from simlib.plans.curve import PayoutCurve


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
    from simlib.plans.tidy import lines_only

    pay = lines_only(pay)
    periods = pay["period"].unique()
    paid = pay.groupby("rep_id")["payout"].sum()
    rep_ids = paid.index.to_numpy()
    sub_r = (
        reps.loc[reps["rep_id"].isin(rep_ids)].set_index("rep_id").reindex(rep_ids).reset_index()
    )
    # Target incentive for the months replayed, prorated for hire, exit and leave days.
    pidx = pd.PeriodIndex(sorted(periods), freq="M")
    prorate = plan._prorate(sub_r, pidx, None) if len(sub_r) else np.zeros((0, len(pidx)))
    ti = plan.target_incentive(sub_r).to_numpy() / 12.0 * prorate.sum(axis=1)
    act = actuals.loc[actuals["period"].isin(periods)]
    tgt = targets.loc[targets["period"].isin(periods)]
    rev = (
        act.loc[act["kpi"] == revenue_kpi]
        .groupby("rep_id")["value"]
        .sum()
        .reindex(rep_ids)
        .fillna(0.0)
    )
    comps = [c for c in plan.spec.components if c.payout_curve() is not None]
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
        # Shares at threshold / quota / cap are counted where the plan measures: per
        # measurement period (rep-quarters for a quarterly plan, year to date under
        # true-up), from the attainment the component was paid on; "no target" left out.
        m = (pay["component"] == c.name) & pay["attainment"].notna()
        if "note" in pay:
            m &= pay["note"].isna()
        watt = pay.loc[m, "attainment"].to_numpy(dtype=float)
        per = c.period or plan.spec.period
        what = {"month": "rep-months", "quarter": "rep-quarters", "year": "rep-years"}[per]
        if plan.spec.true_up and per != "year":
            what += " (year to date, true-up)"
        n = max(len(watt), 1)
        rows += [
            (
                f"share at or above threshold ({curve.threshold:.0%})",
                float((watt >= curve.threshold).sum() / n),
                f"of {what}; threshold set so most reps earn something",
            ),
            (
                "share at or above quota (100%)",
                float((watt >= 1.0).sum() / n),
                f"of {what}; design aim 60-70%; above 85% too easy, below 45% too hard "
                "(Alexander Group)",
            ),
            (
                f"share at or above cap ({curve.cap:.0%})",
                float((watt >= curve.cap).sum() / n),
                f"of {what}; a small minority; caps are commonly advised against",
            ),
        ]
        # The one definition every page uses (simlib.vocabulary): Spearman of pay as a
        # multiple of target incentive with attainment, reps with a target incentive.
        from simlib.metrics import pay_performance

        pp = float(pay_performance(att, by_rep["payout"].to_numpy(float), ti))
        if np.isfinite(pp):
            rows.append(
                (
                    "pay-performance (rank correlation of pay / target incentive with attainment)",
                    pp,
                    ">= 0.8 strong, 0.6-0.8 moderate, < 0.6 loose (Falcon Incentives)",
                )
            )
    else:
        by_rep["attainment"] = np.nan
    comp = pay.groupby("component", sort=False)["payout"].sum().reset_index()
    comp["share"] = comp["payout"] / comp["payout"].sum() if comp["payout"].sum() else np.nan
    headline = pd.DataFrame(rows, columns=["metric", "value", "reference"])
    return ReplaySummary(plan.name, headline, by_rep, comp)


@dataclass(frozen=True)
class Replay:
    """One plan replayed on one year of history: the plan, tidy pay, the summary."""

    plan: object
    pay: pd.DataFrame
    summary: ReplaySummary

    @property
    def name(self) -> str:
        return self.summary.plan


def replay(
    ds, plan, year: int, targets: pd.DataFrame | None = None, revenue_kpi: str = "revenue"
) -> Replay:
    """Pay ``plan`` on ``ds``'s sales for calendar ``year`` against its targets.

    Parameters
    ----------
    ds : Dataset
        With sales and (unless ``targets`` is given) a ``targets`` table.
    plan : Plan or str or Path
        A plan, or a plan YAML file.
    year : int
        The year replayed (e.g. 2026, the sample's last year).
    targets : pandas.DataFrame, optional
        Rep-level ``rep_id, period, kpi, target`` (e.g. from the cascade);
        default ``ds.targets``.

    Notes
    -----
    A month in which an employed rep has no sales row is missing data, not zero
    sales: its target is left out too, so attainment is measured on the months
    the rep has (:func:`simlib.data.checks.exclude_missing_months`); the target
    incentive is not cut. ``simlib validate`` lists such months by unit.
    """
    from simlib.data.checks import exclude_missing_months
    from simlib.plans.plan import Plan, PlanInputError

    if not isinstance(plan, Plan):
        plan = Plan.from_yaml(plan, kpis=ds.kpi_names)
    tg = ds.targets if targets is None else targets
    if tg is None:
        raise PlanInputError(
            _("the dataset has no targets table; pass targets= (e.g. from simlib.targets)")
        )
    if "rep_id" in tg.columns:
        tg = tg.loc[tg["rep_id"].notna()]
    tg = tg.loc[tg["period"].dt.year == year]
    act = ds.sales.loc[ds.sales["period"].dt.year == year]
    if tg.empty:
        raise PlanInputError(_("no rep-level targets in {year}").format(year=year))
    kept = exclude_missing_months(act, tg, ds)
    left_out = sorted(set(map(str, tg["rep_id"])) - set(map(str, kept["rep_id"])))
    if left_out:
        import warnings

        from simlib.data.checks import DataCheckWarning

        shown = ", ".join(left_out[:10]) + (
            f" and {len(left_out) - 10} more" if len(left_out) > 10 else ""
        )
        warnings.warn(
            _(
                "replay {year}: {n} employed rep(s) with targets have no sales data "
                "in the year ({shown}); with nothing to measure they are not in this replay"
            ).format(year=year, n=len(left_out), shown=shown),
            DataCheckWarning,
            stacklevel=2,
        )
    tg = kept
    pay = plan.evaluate(act, tg, ds.reps, ds=ds)
    reps = ds.reps.loc[ds.reps["rep_id"].isin(pay["rep_id"].unique())]
    return Replay(plan, pay, replay_summary(plan, pay, act, tg, reps, revenue_kpi=revenue_kpi))


def headline_table(replays: list[Replay]) -> pd.DataFrame:
    """Headline metrics side by side: one column per plan, plus the reference band."""
    cols = {}
    ref = {}
    for r in replays:
        h = r.summary.headline
        # Shares at threshold / cap carry the plan's own levels in their names; keep them generic.
        names = h["metric"].str.replace(r" \(\d+%\)", "", regex=True)
        cols[r.name] = pd.Series(h["value"].to_numpy(), index=names)
        for m, t in zip(names, h["reference"], strict=True):
            ref.setdefault(m, t)
    order = list(ref)
    out = pd.DataFrame(cols).reindex(order)
    out["reference"] = pd.Series(ref).reindex(order)
    out.index.name = "metric"
    return out


def quartile_table(replays: list[Replay], min_group: int = 5) -> pd.DataFrame:
    """Mean payout / target incentive by attainment quartile, per plan (Tax-Calculator style).

    Quartiles of each plan's own population by annual attainment of its main
    measure; groups with fewer than ``min_group`` reps are suppressed (NaN).
    """
    rows = {}
    for r in replays:
        b = r.summary.by_rep
        ok = b["attainment"].notna() & b["payout_to_ti"].notna()
        if ok.sum() < 4 * min_group:
            continue
        q = pd.qcut(
            b.loc[ok, "attainment"].rank(method="first"),
            4,
            labels=["Q1 (lowest)", "Q2", "Q3", "Q4 (highest)"],
        )
        g = b.loc[ok].groupby(q, observed=True)
        s = g["payout_to_ti"].mean()
        s[g.size() < min_group] = np.nan
        rows[r.name] = s
    return pd.DataFrame(rows)


def plot_payout_distribution(replays: list[Replay], ax=None):
    """Histograms of annual payout as a multiple of target incentive (commission plans: of
    revenue), one panel per plan. Shows a distribution, never an individual.

    ``ax``: matplotlib Axes to draw on (one per plan; a new figure when None).
    Returns the Axes of a single plan, else a numpy array of them, as pandas does;
    ``.figure`` of any is the figure.
    """
    from simlib.i18n import _
    from simlib.plans.components.drawing import drawn, panel_axes

    axes, new = panel_axes(ax, len(replays), 3.8, 3.0)
    for a, r in zip(axes, replays, strict=False):
        b = r.summary.by_rep
        if b["payout_to_ti"].notna().any():
            x = b["payout_to_ti"].dropna()
            a.hist(x, bins=30, color="C0")
            a.axvline(1.0, color="k", lw=0.8, ls="--")
            a.axvspan(2.0, 3.0, color="0.9", label=_("90th pct norm 2-3x"))
            a.set_xlabel(_("annual payout / target incentive"))
            a.legend(fontsize=7)
            title = f"{r.name}\n" + _("median {multiple}x target incentive").format(
                multiple=f"{x.median():.2f}"
            )
        else:
            x = (b["payout"] / b["revenue"].where(b["revenue"] > 0)).dropna()
            a.hist(x, bins=30, color="C2")
            a.set_xlabel(_("annual payout / revenue"))
            title = (
                f"{r.name}\n" + _("median {share} of revenue").format(share=f"{x.median():.1%}")
                if len(x)
                else r.name
            )
        a.set_ylabel(_("reps"))
        a.set_title(title, fontsize=9)
    return drawn(axes, new)


def format_headline(head: pd.DataFrame) -> pd.DataFrame:
    """:func:`headline_table` as text for a report: totals in currency, shares as percent."""
    out = pd.DataFrame(index=head.index)
    for c in head.columns:
        if c == "reference":
            out[c] = head[c].fillna("").astype(str)
            continue
        vals = []
        for m, v in head[c].items():
            if pd.isna(v):
                vals.append("-")
            elif m.startswith("total"):
                vals.append(f"{v:,.0f}")
            elif m.startswith(("cost", "share")):
                vals.append(f"{v:.1%}")
            else:
                vals.append(f"{v:.2f}")
        out[c] = vals
    return out


def ote_summary(plan, reps: pd.DataFrame, min_group: int = 5) -> pd.DataFrame:
    """Median base salary, target incentive and on-target earnings (OTE) by position.

    For the reps the plan covers (its ``positions``), annual amounts; positions
    with fewer than ``min_group`` reps are left out so no one's pay can be read
    off the table.
    """
    if plan.spec.target_incentive is None:
        return pd.DataFrame()
    sub = (
        reps
        if plan.spec.positions is None
        else reps.loc[reps["position"].isin(plan.spec.positions)]
    )
    ote = plan.on_target_earnings(sub).assign(position=sub["position"].to_numpy())
    g = ote.groupby("position", observed=True)
    out = g[["base_salary", "target_incentive", "ote", "variable_share"]].median()
    out.insert(0, "reps", g.size())
    return out.loc[out["reps"] >= min_group]

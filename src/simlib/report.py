"""Tables, words and figures for the scenario and comparison reports.

The report notebooks stay thin: they call these functions on results read back
from the store (:mod:`simlib.store`). Everything here works on
:class:`~simlib.engine.SimulationResult` objects, so an analyst can use the same
calls on results simulated in a notebook.

Goals and reference bands (``docs/practice.md``):

* cost within the incentive budget, and the risk of overspending it;
* 60-70% of reps at or above quota (Alexander Group design aim; above 85% too
  easy, below 45% too hard);
* pay follows performance: Spearman correlation of payout with attainment
  >= 0.8 strong (Falcon Incentives rule of thumb);
* cash compensation cost of sales 3-9% of revenue (ZS).

Privacy: nothing here prints an individual's pay unless asked
(``show_individual_pay``), and group tables drop groups with fewer reps than
``min_group``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simlib import metrics as m

#: Plain names and formats of the engine's per-draw metrics: (label, kind).
METRICS: dict[str, tuple[str, str]] = {
    "total_payout": ("Total incentive payout", "money"),
    "budget_ratio": ("Payout / budget", "pct"),
    "over_budget": ("Chance of overspending the budget", "pct"),
    "revenue": ("Revenue", "money"),
    "cost_of_sales": ("Cash cost of sales ((base + payout) / revenue)", "pct2"),
    "incentive_cost_of_sales": ("Incentive cost of sales (payout / revenue)", "pct2"),
    "variable_pay_share": ("Variable share of cash pay", "pct"),
    "leverage_p90": ("Top-decile payout / target incentive", "x"),
    "share_at_threshold": ("Share of reps at or above threshold", "pct"),
    "share_at_quota": ("Share of reps at or above quota", "pct"),
    "share_at_cap": ("Share of reps at or above the cap", "pct"),
    "mean_attainment": ("Mean attainment", "pct"),
    "median_attainment": ("Median attainment", "pct"),
    "pay_performance_spearman": ("Pay-performance correlation (Spearman)", "num"),
    "payout_gini": ("Payout inequality (Gini)", "num"),
    "company_reaches_target": ("Chance the company reaches its target", "pct"),
    "cost_of_sales_bottom_quartile": ("Cash cost of sales, bottom performance quartile", "pct2"),
    "cost_of_sales_top_quartile": ("Cash cost of sales, top performance quartile", "pct2"),
    "improvement_plan_share": ("Share flagged for an improvement plan", "pct"),
    "promotion_ready_share": ("Share ready for promotion", "pct"),
    "merit_cost_at_matrix": ("Merit increase cost", "money"),
}

#: Reference band shown beside each metric. The ZS 3-9% band is for *cash*
#: compensation (base + incentive) over revenue (the engine's ``cost_of_sales``),
#: not for the incentive-only ratio.
BANDS: dict[str, tuple[float, float, str]] = {
    "share_at_quota": m.REFERENCE_BANDS["share_at_quota"],
    "pay_performance_spearman": m.REFERENCE_BANDS["pay_performance_spearman"],
    "leverage_p90": m.REFERENCE_BANDS["leverage"],
    "cost_of_sales": m.REFERENCE_BANDS["cost_of_sales"],
}

#: Per-group tables for "who gains, who loses": (group_draws key, plain name).
GROUP_TABLES: dict[str, tuple[str, str]] = {
    "quartile": ("pay_by_quartile", "performance quartile (by attainment in each simulated year)"),
    "region": ("mean_pay:region", "region"),
    "tenure": ("mean_pay:tenure", "tenure band"),
}


def fmt(value: float, kind: str) -> str:
    """One number as a reader expects it (money with thousands separators, % ...)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if kind == "money":
        return f"{value:,.0f}"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "pct2":
        return f"{value:.2%}"
    if kind == "x":
        return f"{value:.2f}x"
    return f"{value:.3f}"


def _signed(value: float, kind: str) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    if kind in ("pct", "pct2"):
        return f"{value * 100:+.{2 if kind == 'pct2' else 1}f} pts"
    if kind == "money":
        return f"{value:+,.0f}"
    return f"{value:+.2f}"


# ------------------------------------------------------------------ goals
@dataclass(frozen=True)
class Goal:
    """A design goal: a metric, how it is judged, and why (source)."""

    name: str
    metric: str
    test: str  # "<=", ">=", "within"
    low: float
    high: float
    source: str

    def met(self, value: float) -> bool:
        if not np.isfinite(value):
            return False
        if self.test == "<=":
            return value <= self.high
        if self.test == ">=":
            return value >= self.low
        return self.low <= value <= self.high


GOALS: tuple[Goal, ...] = (
    Goal("Expected cost within budget", "budget_ratio", "<=", 0, 1.0, "the incentive budget"),
    Goal("Overspend risk at most 10%", "over_budget", "<=", 0, 0.10, "chance total pay > budget"),
    Goal(
        "60-70% of reps at quota",
        "share_at_quota",
        "within",
        0.60,
        0.70,
        "Alexander Group design aim",
    ),
    Goal(
        "Pay follows performance (>= 0.8)",
        "pay_performance_spearman",
        ">=",
        0.80,
        1.0,
        "Falcon Incentives rule of thumb",
    ),
    Goal(
        "Cash cost of sales 3-9%",
        "cost_of_sales",
        "within",
        0.03,
        0.09,
        "ZS: cash comp typically 3-9% of revenue",
    ),
)


def goal_table(results: Mapping[str, Any], goals: Sequence[Goal] = GOALS) -> pd.DataFrame:
    """Which design meets which goal: one row per scenario, one column per goal.

    Cells read like ``"yes (64.2%)"``; judged on the mean over draws.
    """
    rows = {}
    for name, res in results.items():
        row = {}
        for g in goals:
            v = float(res.per_draw[g.metric].mean()) if g.metric in res.per_draw else np.nan
            kind = METRICS.get(g.metric, ("", "num"))[1]
            row[g.name] = ("yes" if g.met(v) else "no") + f" ({fmt(v, kind)})"
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out


def executive_summary(
    results: Mapping[str, Any], baseline: str = "baseline", goals: Sequence[Goal] = GOALS
) -> str:
    """The summary leadership reads first, in words (markdown).

    Says, for each design, its expected cost against the baseline (with the
    uncertainty of the difference), the goals it meets and misses, and names
    the designs that meet the most goals.
    """
    if baseline not in results:
        return f"The baseline {baseline!r} did not run, so nothing can be compared with it."
    base = results[baseline]
    names = list(results)
    cmp = m.compare([results[n] for n in names], baseline=names.index(baseline))
    lines = []
    scores = {}
    for name in names:
        res = results[name]
        met = [
            g for g in goals if g.metric in res.per_draw and g.met(res.per_draw[g.metric].mean())
        ]
        miss = [g for g in goals if g not in met]
        scores[name] = len(met)
        cost = res.per_draw["total_payout"].mean()
        if name == baseline:
            head = f"**{name}** (the baseline) costs {fmt(cost, 'money')} a year on average"
        elif "budget_neutral_factor" in res.provenance:
            f = res.provenance["budget_neutral_factor"]
            head = (
                f"**{name}** costs {fmt(cost, 'money')}, the baseline's cost by construction "
                f"(payout levels x{f:.3f})"
            )
        else:
            d = cmp.loc["total_payout", (name, "diff")]
            se = cmp.loc["total_payout", (name, "diff_se")]
            rel = d / base.per_draw["total_payout"].mean()
            sig = abs(d) > 1.96 * se if np.isfinite(se) else True
            head = (
                f"**{name}** costs {fmt(cost, 'money')}, "
                f"{'+' if d >= 0 else ''}{rel:.1%} against the baseline "
                f"({_signed(d, 'money')} ± {1.96 * se:,.0f}, 95% interval of the paired difference"
                f"{'' if sig else '; not distinguishable from no change'})"
            )
        met_txt = ", ".join(g.name.lower() for g in met) or "none of the goals"
        miss_txt = ", ".join(g.name.lower() for g in miss)
        lines.append(f"- {head}. Meets: {met_txt}." + (f" Misses: {miss_txt}." if miss else ""))
    best = max(scores.values())
    leaders = [n for n, s in scores.items() if s == best]
    intro = (
        f"{len(names)} designs were simulated on the same {len(base.per_draw):,} possible years "
        f"(the same random years for every design, so differences are not noise between runs). "
        f"Goals: {', '.join(g.name.lower() for g in goals)}."
    )
    verdict = (
        f"**Meets the most goals ({best} of {len(goals)}): {', '.join(leaders)}.**"
        if best
        else "**No design meets any goal.**"
    )
    return "\n".join([intro, "", verdict, "", *lines])


# ------------------------------------------------------------------ tables
def metrics_table(
    results: Mapping[str, Any], baseline: str = "baseline", metrics: Sequence[str] | None = None
) -> pd.DataFrame:
    """Side by side: each design's mean and, in brackets, each reform's difference
    against the baseline with its 95% interval (± 1.96 standard errors of the paired
    difference).

    Returns strings ready to show; one row per metric (plain names), with the
    reference band where practice gives one.
    """
    names = list(results)
    cmp = m.compare([results[n] for n in names], baseline=names.index(baseline))
    metrics = [k for k in (metrics or METRICS) if k in cmp.index]
    rows = []
    for k in metrics:
        label, kind = METRICS.get(k, (k, "num"))
        row = {"metric": label}
        for n in names:
            value = fmt(cmp.loc[k, (n, "mean")], kind)
            if n == baseline:
                row[n] = value
                continue
            d, se = cmp.loc[k, (n, "diff")], cmp.loc[k, (n, "diff_se")]
            half = 1.96 * se if np.isfinite(se) else np.nan
            change = (
                f"{_signed(d, kind)} ± {_signed(half, kind).lstrip('+')}"
                if np.isfinite(half)
                else _signed(d, kind)
            )
            # One cell per design keeps the table readable with many reforms.
            row[n] = f"{value} ({change})"
        band = BANDS.get(k)
        row["reference"] = f"{fmt(band[0], kind)}-{fmt(band[1], kind)} ({band[2]})" if band else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")


def scenario_metrics(result: Any) -> pd.DataFrame:
    """One design's metrics: mean, P5, P95 and the reference band, as strings."""
    s = result.summary()
    rows = []
    for k in s.index:
        label, kind = METRICS.get(k, (k, "num"))
        band = BANDS.get(k)
        v = s.loc[k, "mean"]
        verdict = ""
        if band:
            verdict = "within" if band[0] <= v <= band[1] else ("below" if v < band[0] else "above")
        rows.append(
            {
                "metric": label,
                "mean": fmt(v, kind),
                "P5": fmt(s.loc[k, "p5"], kind),
                "P95": fmt(s.loc[k, "p95"], kind),
                "reference band": (
                    f"{fmt(band[0], kind)}-{fmt(band[1], kind)} ({band[2]})" if band else ""
                ),
                "vs band": verdict,
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def group_sizes(result: Any, design: Mapping[str, Any] | None, grouping: str) -> pd.Series:
    """Reps per group (for suppressing small groups)."""
    reps = result.reps
    if grouping == "quartile":
        # The engine's quartiles: rank r of n goes to quartile (4 r) // n.
        n = len(reps)
        counts = np.bincount((np.arange(n) * 4) // max(n, 1), minlength=4)
        return pd.Series(counts, index=["Q1 (bottom)", "Q2", "Q3", "Q4 (top)"])
    if grouping == "region":
        return reps["region"].astype(str).value_counts()
    if design is None:
        return pd.Series(dtype=float)
    from simlib.engine.simulate import _tenure_band
    from simlib.scenario import _load_dataset

    ds = _load_dataset(design["data"])
    attrs = ds.reps.set_index("rep_id").reindex(reps["rep_id"])
    if grouping == "tenure":
        year = int(result.provenance.get("year"))
        band = _tenure_band(
            attrs["hire_date"].reset_index(drop=True), pd.Timestamp(f"{year}-01-01")
        )
        return band.value_counts()
    if grouping in attrs:
        return attrs[grouping].astype(str).fillna("unknown").value_counts()
    return pd.Series(dtype=float)


def difference_by_group(
    results: Mapping[str, Any],
    grouping: str,
    baseline: str = "baseline",
    min_group: int = 5,
    design: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Who gains and who loses: mean pay per rep by group under each design, and the
    change against the baseline (paired draw by draw, with a 95% interval).

    Parameters
    ----------
    grouping : {"quartile", "region", "tenure"}
        Performance quartile (ranked by attainment in each simulated year), the
        region, or the tenure band at the start of the plan year.
    min_group : int
        Groups with fewer reps are left out (and said so in the last row).
    """
    key, _ = GROUP_TABLES[grouping]
    base = results[baseline]
    if key not in base.group_draws:
        return pd.DataFrame()
    sizes = group_sizes(base, design, grouping)
    b = base.group_draws[key]
    # A % change on a base far below typical pay reads as a huge swing (+3,487% on a
    # base of 539): below this the change is given in money only.
    typical = float(np.nanmean(base.reps["mean_payout"])) if "mean_payout" in base.reps else 0.0
    small_base = MIN_BASE_FOR_PCT * typical
    rows = []
    hidden = [str(g) for g in b.columns if sizes.get(str(g), 0) < min_group]
    for g in b.columns:
        if str(g) in hidden:
            continue
        row = {
            "group": str(g),
            "reps": int(sizes.get(str(g), 0)),
            baseline: fmt(b[g].mean(), "money"),
        }
        for name, res in results.items():
            if name == baseline or key not in res.group_draws or g not in res.group_draws[key]:
                continue
            d = res.group_draws[key][g].to_numpy(float) - b[g].to_numpy(float)
            if len(d) != len(b):
                continue
            d = d[np.isfinite(d)]
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
            base_mean = float(b[g].mean())
            rel = d.mean() / base_mean if abs(base_mean) >= max(small_base, 1e-9) else np.nan
            row[f"{name}: change"] = (
                f"{d.mean():+,.0f} ({rel:+.1%}) ± {1.96 * se:,.0f}"
                if np.isfinite(rel)
                else f"{d.mean():+,.0f} ± {1.96 * se:,.0f} (no %: small base)"
            )
        rows.append(row)
    out = pd.DataFrame(rows).set_index("group") if rows else pd.DataFrame()
    if hidden:
        out.attrs["suppressed"] = hidden
    return out


#: % changes are shown only on bases of at least this share of the average pay per rep.
MIN_BASE_FOR_PCT = 0.10


def pay_multiple_by_quartile(
    results: Mapping[str, Any], baseline: str = "baseline", min_group: int = 5
) -> pd.DataFrame:
    """Pay as a multiple of target incentive by performance quartile, per design.

    Reps are ranked by their expected attainment under the baseline (the same reps
    in every column) and split into quarters; each cell is the quarter's expected
    payout over its target incentive (1.0 = paid exactly the target incentive).
    Money by quartile can mislead when the best performers carry smaller target
    incentives (junior reps on smaller quotas): this view takes that out. Reps
    without a target incentive (outside the plan) are left out.
    """
    base = results[baseline].reps
    if not {"target_incentive", "mean_payout", "mean_attainment"} <= set(base.columns):
        return pd.DataFrame()
    paid = base.loc[base["target_incentive"] > 0, ["rep_id", "mean_attainment",
                                                   "target_incentive"]].copy()  # fmt: skip
    n = len(paid)
    if n < 4 * min_group:
        return pd.DataFrame()
    # Rank r of n goes to quarter (4 r) // n, as the engine forms its quartiles.
    rank = paid["mean_attainment"].rank(method="first").to_numpy(int) - 1
    labels = np.array(["Q1 (bottom)", "Q2", "Q3", "Q4 (top)"])
    paid["quartile"] = labels[(rank * 4) // n]
    out = paid.groupby("quartile").agg(
        reps=("rep_id", "size"), ti=("target_incentive", "sum"),
        att=("mean_attainment", "mean"),
    )  # fmt: skip
    table = pd.DataFrame(
        {"reps": out["reps"], "mean attainment": out["att"].map(lambda v: fmt(v, "pct")),
         "mean target incentive": (out["ti"] / out["reps"]).map(lambda v: fmt(v, "money"))}
    )  # fmt: skip
    for name, res in results.items():
        r = res.reps.set_index("rep_id")["mean_payout"].reindex(paid["rep_id"]).to_numpy(float)
        pay = pd.Series(r, index=paid.index).groupby(paid["quartile"]).sum()
        table[f"{name}: pay / target incentive"] = (pay / out["ti"]).map(lambda v: f"{v:.2f}x")
    table.index.name = "performance quartile (baseline expected attainment)"
    return table


def budget_risk(results: Mapping[str, Any]) -> pd.DataFrame:
    """Budget risk per design: expected and P95 cost, chance and expected size of an overspend."""
    rows = []
    for name, res in results.items():
        cost = res.per_draw["total_payout"].to_numpy(float)
        budget = float(res.provenance.get("budget", np.nan))
        over = np.clip(cost - budget, 0, None)
        rows.append(
            {
                "scenario": name,
                "budget": fmt(budget, "money"),
                "expected cost": fmt(cost.mean(), "money"),
                "P95 cost (1 year in 20 costs more)": fmt(np.quantile(cost, 0.95), "money"),
                "chance of overspend": fmt((cost > budget).mean(), "pct"),
                "expected overspend": fmt(over.mean(), "money"),
            }
        )
    return pd.DataFrame(rows).set_index("scenario")


def target_difficulty(result: Any, min_group: int = 5) -> pd.DataFrame:
    """How hard the targets are, as the simulation sees them: by region, the expected
    share of reps reaching quota and the chance the region reaches its own target,
    flagged against the 60-70% design band (45% too hard, 85% too easy)."""
    reps = result.reps
    by = reps.groupby(reps["region"].astype(str))
    out = pd.DataFrame({"reps": by.size(), "share_at_quota": by["p_at_quota"].mean()})
    if "region_reaches_target" in result.group_draws:
        reach = result.group_draws["region_reaches_target"].mean()
        reach.index = reach.index.astype(str)
        out["region_reaches_target"] = reach.reindex(out.index)
    out = out.loc[out["reps"] >= min_group]
    s = out["share_at_quota"]
    out["reading"] = np.select(
        [s < 0.45, s < 0.60, s <= 0.70, s <= 0.85],
        ["too hard (<45%)", "hard (below 60-70%)", "in band (60-70%)", "easy (above 60-70%)"],
        "too easy (>85%)",
    )
    total = pd.DataFrame(
        {
            "reps": [len(reps)],
            "share_at_quota": [reps["p_at_quota"].mean()],
            "region_reaches_target": [result.per_draw["company_reaches_target"].mean()],
            "reading": [""],
        },
        index=["whole company"],
    )
    out = pd.concat([out, total])
    out.index.name = "region"
    for c in ("share_at_quota", "region_reaches_target"):
        if c in out:
            out[c] = out[c].map(lambda v: fmt(v, "pct"))
    return out.rename(
        columns={
            "share_at_quota": "expected share of reps at quota",
            "region_reaches_target": "chance the region reaches its target",
        }
    )


#: Bands of a rep's chance of reaching quota, for the spread of target difficulty.
P_QUOTA_BANDS = (0.0, 0.25, 0.5, 0.75, 1.0)


def rep_difficulty(
    result: Any, design: Mapping[str, Any] | None = None, min_group: int = 5
) -> pd.DataFrame:
    """How target difficulty spreads over reps: each rep's chance of reaching quota
    (the simulation's ``p_at_quota``, from their own targets, whether set by a cascade
    or taken from the data), as the share of reps in four bands, by region and by
    tenure band and for the whole company. A fair cascade puts most reps in the middle
    bands; many reps under 25% (or over 75%) means targets that are out of reach (or
    given away) for them, whatever the company average says. Groups under
    ``min_group`` reps are left out.
    """
    reps = result.reps.loc[:, ["rep_id", "region", "p_at_quota"]].copy()
    if "target_incentive" in result.reps:
        reps = reps.loc[result.reps["target_incentive"].to_numpy() > 0]
    labels = ["under 25%", "25-50%", "50-75%", "75% or more"]
    reps["band"] = pd.cut(reps["p_at_quota"], P_QUOTA_BANDS, labels=labels, right=False,
                          include_lowest=True)  # fmt: skip
    reps.loc[reps["p_at_quota"] >= 1.0, "band"] = labels[-1]
    groups: list[tuple[str, pd.Series]] = [("region", reps["region"].astype(str))]
    if design is not None:
        from simlib.engine.simulate import _tenure_band
        from simlib.scenario import _load_dataset

        ds = _load_dataset(design["data"])
        hire = ds.reps.set_index("rep_id")["hire_date"].reindex(reps["rep_id"])
        year = int(result.provenance.get("year"))
        tenure = _tenure_band(hire.reset_index(drop=True), pd.Timestamp(f"{year}-01-01"))
        groups.append(("tenure", pd.Series(tenure.to_numpy(), index=reps.index).astype(str)))
    groups.append(("whole company", pd.Series("all reps", index=reps.index)))
    rows = []
    for by, key in groups:
        for g, part in reps.groupby(key, observed=True):
            if len(part) < min_group:
                continue
            shares = part["band"].value_counts(normalize=True).reindex(labels, fill_value=0)
            rows.append({"by": by, "group": str(g), "reps": len(part),
                         "median chance": fmt(part["p_at_quota"].median(), "pct"),
                         **{f"chance {k}": fmt(v, "pct") for k, v in shares.items()}})  # fmt: skip
    return pd.DataFrame(rows).set_index(["by", "group"]) if rows else pd.DataFrame()


def cascade_difficulty(design: Mapping[str, Any], min_group: int = 5) -> pd.DataFrame | None:
    """For a design whose targets come from a cascade: the cascade's own difficulty
    diagnostics by region and tenure (:func:`simlib.targets.difficulty`: each rep's
    chance of reaching target from their run rate and the company forecast), groups
    under ``min_group`` reps left out. ``None`` when targets come from the data."""
    from simlib import targets as tg
    from simlib.scenario import Scenario

    if (design.get("targets") or {}).get("source", "data") != "cascade":
        return None
    sc = Scenario(name="design", design=dict(design))
    diff = tg.difficulty(sc.cascade(), sc.dataset())
    g = diff.groups.loc[diff.groups["reps"] >= min_group].copy()
    return g.set_index(["kpi", "by", "group"])


def appraisal_outcomes(result: Any) -> pd.DataFrame:
    """Expected share of reps in each grade, with P5-P95 over draws."""
    if "grade_share" not in result.group_draws:
        return pd.DataFrame()
    g = result.group_draws["grade_share"]
    return pd.DataFrame(
        {
            "expected share": g.mean().map(lambda v: fmt(v, "pct")),
            "P5": g.quantile(0.05).map(lambda v: fmt(v, "pct")),
            "P95": g.quantile(0.95).map(lambda v: fmt(v, "pct")),
        }
    )


def pay_gaps(result: Any, grouping: str, min_group: int = 5, design=None) -> pd.DataFrame:
    """Pay gap of each group at equal attainment, as a share of average pay (0 = paid
    like everyone else; -0.05 = 5% of average pay less than the other reps with the
    same attainment), with the 95% interval of its expected value over the
    simulated years and its spread from year to year (P5-P95)."""
    key = f"pay_gap:{grouping}"
    if key not in result.group_draws:
        return pd.DataFrame()
    g = result.group_draws[key]
    sizes = group_sizes(result, design, grouping)
    keep = [c for c in g.columns if sizes.get(str(c), 0) >= min_group]

    def interval(c) -> str:
        x = g[c].to_numpy(float)
        x = x[np.isfinite(x)]
        if len(x) < 2:
            return ""
        half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
        return f"{fmt(x.mean() - half, 'pct')} to {fmt(x.mean() + half, 'pct')}"

    return pd.DataFrame(
        {
            "reps": [int(sizes.get(str(c), 0)) for c in keep],
            "gap at equal attainment (share of average pay)": [
                fmt(g[c].mean(), "pct") for c in keep
            ],
            "95% interval of the expected gap": [interval(c) for c in keep],
            "P5 over simulated years": [fmt(g[c].quantile(0.05), "pct") for c in keep],
            "P95 over simulated years": [fmt(g[c].quantile(0.95), "pct") for c in keep],
        },
        index=pd.Index([str(c) for c in keep], name=grouping),
    )


def individual_pay(result: Any) -> pd.DataFrame:
    """Per-rep expected pay (only for reports whose scenario allows individual pay)."""
    cols = ["rep_id", "region", "position", "target_incentive", "mean_payout", "payout_p5",
            "payout_p95", "mean_attainment", "p_at_quota"]  # fmt: skip
    return result.reps[[c for c in cols if c in result.reps]].round(3)


# ------------------------------------------------------------------ figures
def _primary_curve(design: Mapping[str, Any]) -> tuple[str, list] | None:
    for c in design["plan"]["components"]:
        if c.get("type") in ("quota_bonus", "team") and c.get("curve"):
            return c["name"], c["curve"]
    return None


def plot_curves(designs: Mapping[str, Mapping[str, Any]], max_attainment: float = 2.2):
    """The main payout curve of each design on one chart (factor x target incentive)."""
    import matplotlib.pyplot as plt

    from simlib.plans.curve import PayoutCurve

    fig, ax = plt.subplots(figsize=(7, 4))
    a = np.linspace(0, max_attainment, 881)
    # Designs sharing a curve are drawn once, labelled together (no hidden lines).
    same: dict[tuple, list[str]] = {}
    for name, d in designs.items():
        pc = _primary_curve(d)
        if pc is not None:
            same.setdefault((pc[0], tuple(map(tuple, pc[1]))), []).append(name)
    for (comp, pts), names in same.items():
        ax.plot(a * 100, PayoutCurve(pts)(a), label=f"{', '.join(names)} ({comp})", lw=1.6)
    ax.axvspan(70, 80, color="0.9", zorder=0, label="usual threshold 70-80%")
    ax.set_xlabel("attainment (% of quota)")
    ax.set_ylabel("payout factor (x target amount)")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("Payout curves")
    fig.tight_layout()
    return fig


def plot_attainment(results: Mapping[str, Any]):
    """Share of rep-years by attainment band (same draws for every design)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name, res in results.items():
        h = res.attainment_hist
        ax.step(h["attainment_from"] * 100, h["share"], where="post", label=name, lw=1.3)
    ax.axvline(100, color="0.5", ls=":", lw=1)
    ax.set_xlabel("attainment of the quota KPI (% of quota)")
    ax.set_ylabel("share of rep-years")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("Attainment distribution")
    fig.tight_layout()
    return fig


def plot_cost_distribution(results: Mapping[str, Any]):
    """Total payout over the simulated years for each design, with the budget."""
    import matplotlib.pyplot as plt

    names = list(results)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(names)))
    data = [results[n].per_draw["total_payout"].to_numpy() / 1e6 for n in names]
    ax.boxplot(data, vert=False, tick_labels=names, whis=(5, 95), showfliers=False)
    budgets = {float(results[n].provenance.get("budget", np.nan)) for n in names}
    for b in budgets:
        if np.isfinite(b):
            ax.axvline(b / 1e6, color="tab:red", ls="--", lw=1)
    ax.set_xlabel("total incentive payout (millions; box: P25-P75, whiskers P5-P95; red: budget)")
    ax.set_title("Cost over the simulated years")
    fig.tight_layout()
    return fig


def plot_pay_distribution(results: Mapping[str, Any]):
    """Distribution of reps' expected payout as a multiple of their target incentive."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    bins = np.linspace(0, 3, 31)
    for name, res in results.items():
        r = res.reps
        ok = r["target_incentive"] > 0
        mult = (r.loc[ok, "mean_payout"] / r.loc[ok, "target_incentive"]).clip(upper=3)
        ax.hist(mult, bins=bins, histtype="step", lw=1.3, label=name, density=True)
    ax.set_xlabel("expected payout / target incentive (per rep)")
    ax.set_ylabel("density")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("Payout distribution across reps")
    fig.tight_layout()
    return fig


def plot_pay_vs_attainment(result: Any):
    """Expected payout multiple against expected attainment, one dot per rep (no names)."""
    import matplotlib.pyplot as plt

    r = result.reps
    ok = r["target_incentive"] > 0
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.scatter(
        r.loc[ok, "mean_attainment"] * 100,
        r.loc[ok, "mean_payout"] / r.loc[ok, "target_incentive"],
        s=8,
        alpha=0.5,
    )
    ax.set_xlabel("expected attainment (% of quota)")
    ax.set_ylabel("expected payout / target incentive")
    ax.set_title("Does pay follow performance?")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ loading
@dataclass
class BatchView:
    """A batch read back from its store, for the report notebooks."""

    store: Any
    batch: str
    items: pd.DataFrame
    results: dict[str, Any]
    designs: dict[str, dict[str, Any]]

    def design(self, name: str) -> dict[str, Any]:
        return self.designs[name]


def load_batch(store_path: str, batch: str, scenarios: Sequence[str] | None = None) -> BatchView:
    """Every successful run of ``batch`` (or only ``scenarios``) with its resolved
    design (from the stored scenario text)."""
    import yaml

    from simlib.store import Store

    st = Store(store_path, read_only=True)
    items = st.items(batch)
    results = st.load_batch(batch, scenarios)
    # The design as the file states it now (report settings included); a reused run's
    # own text is the fallback for stores written before designs were kept per item.
    current = st.item_designs(batch)
    designs = {}
    for row in items.itertuples():
        if row.scenario in results and isinstance(row.run_key, str):
            text = current.get(row.scenario) or st.provenance(row.run_key)["scenario_text"]
            designs[row.scenario] = yaml.safe_load(text)
    return BatchView(st, batch, items, results, designs)

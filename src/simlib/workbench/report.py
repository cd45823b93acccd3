"""Tables and words for the scenario and comparison reports (figures: :mod:`simlib.workbench.figures`).

The report notebooks stay thin: they call these functions on results read back
from the store (:mod:`simlib.workbench.store`). Everything here works on
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

from simlib import formatting as fm
from simlib import i18n
from simlib import metrics as m
from simlib import vocabulary as voc
from simlib.decision import GROUP_TABLES, GROUP_WORDS, group_label, group_sizes
from simlib.i18n import N_, _

#: Plain names and formats of the engine's per-draw metrics: (label, kind), from the
#: one vocabulary (:mod:`simlib.vocabulary`).
_KIND = {"money": "money", "share": "pct", "ratio": "pct", "multiple": "x", "number": "num"}
METRICS: dict[str, tuple[str, str]] = {
    k: (mt.name, "pct2" if _KIND[mt.unit] == "pct" and mt.digits == 2 else _KIND[mt.unit])
    for k, mt in voc.METRICS.items()
    if k == mt.key
}

#: Reference band shown beside each metric: (low, high, source), from the vocabulary.
BANDS: dict[str, tuple[float, float, str]] = {
    k: (mt.band.low, mt.band.high, mt.band.source)
    for k, mt in voc.METRICS.items()
    if k == mt.key and mt.band is not None and k != "budget_ratio"
}

#: The metrics a leadership page shows side by side first (the rest go to the appendix).
KEY_METRICS: tuple[str, ...] = (
    "total_payout", "budget_ratio", "over_budget", "pay_performance_spearman",
    "share_at_quota", "share_at_threshold", "share_at_cap", "leverage_p90",
    "cost_of_sales", "variable_pay_share", "payout_gini",
)  # fmt: skip


def fmt(value: float, kind: str, currency: str | None = None) -> str:
    """One number as a reader expects it (:mod:`simlib.formatting`): money in the
    currency with thousands separators and no cents (millions from a million up),
    rates as percentages, a dash for a missing value."""
    if kind == "money":
        return fm.money(value, currency)
    if kind == "pct":
        return fm.pct(value, 1)
    if kind == "pct2":
        return fm.pct(value, 2)
    if kind == "x":
        return fm.multiple(value)
    return fm.number(value, 2)


def _signed(value: float, kind: str, currency: str | None = None) -> str:
    if kind in ("pct", "pct2"):
        return fm.points(value, 2 if kind == "pct2" else 1)
    if kind == "money":
        return fm.money(value, currency, sign=True)
    return fm.number(value, 2, sign=True)


# ------------------------------------------------------------------ goals
#: The goals designs are judged against when a scenario file states none.
Goal = voc.Goal
GOALS: tuple[voc.Goal, ...] = voc.DEFAULT_GOALS


def goal_table(results: Mapping[str, Any], goals: Sequence[Goal] = GOALS) -> pd.DataFrame:
    """Which design meets which goal: one row per scenario, one column per goal.

    Cells read like ``"yes (64.2%)"``; judged on the mean over draws.
    """
    rows = {}
    for name, res in results.items():
        row = {}
        for g in goals:
            v = voc.value(res, g.metric)
            word = _("yes") if g.met(v) else _("no")
            row[g.title] = _("{word} ({value})").format(
                word=word, value=voc.metric(g.metric).show(v)
            )
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = _("scenario")
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
        return _("The baseline {name} did not run, so nothing can be compared with it.").format(
            name=repr(baseline)
        )
    base = results[baseline]
    names = list(results)
    cmp = m.compare([results[n] for n in names], baseline=names.index(baseline))
    lines = []
    scores = {}
    for name in names:
        res = results[name]
        met = [g for g in goals if g.met(voc.value(res, g.metric))]
        miss = [g for g in goals if g not in met]
        scores[name] = len(met)
        cost = res.per_draw["total_payout"].mean()
        if name == baseline:
            head = _("**{name}** (the baseline) costs {cost} a year on average").format(
                name=name, cost=fmt(cost, "money")
            )
        elif "budget_neutral_factor" in res.provenance:
            f = res.provenance["budget_neutral_factor"]
            head = _(
                "**{name}** costs {cost}, the baseline's cost by construction "
                "(payout levels x{factor})"
            ).format(name=name, cost=fmt(cost, "money"), factor=f"{f:.3f}")
        else:
            d = cmp.loc["total_payout", (name, "diff")]
            se = cmp.loc["total_payout", (name, "diff_se")]
            rel = d / base.per_draw["total_payout"].mean()
            sig = abs(d) > 1.96 * se if np.isfinite(se) else True
            head = _(
                "**{name}** costs {cost}, {change} against the baseline "
                "({diff} ± {margin}, 95% interval of the paired difference{noise})"
            ).format(
                name=name,
                cost=fmt(cost, "money"),
                change=i18n.percent(rel, 1, signed=True),
                diff=_signed(d, "money"),
                margin=fm.money(1.96 * se),
                noise="" if sig else _("; not distinguishable from no change"),
            )
        sep = _(", ")
        met_txt = sep.join(g.title.lower() for g in met) or _("none of the goals")
        miss_txt = sep.join(g.title.lower() for g in miss)
        line = _("- {head}. Meets: {met}.").format(head=head, met=met_txt)
        if miss:
            line += " " + _("Misses: {missed}.").format(missed=miss_txt)
        lines.append(line)
    from simlib.decision import decide

    best = max(scores.values())
    ranked = decide(results, baseline, goals).ranking
    leaders = [ranked[0]]
    intro = _(
        "{n} designs were simulated on the same {years} possible years "
        "(the same random years for every design, so differences are not noise between runs). "
        "Goals: {goals}."
    ).format(
        n=len(names),
        years=fm.count(len(base.per_draw)),
        goals=_(", ").join(g.title.lower() for g in goals),
    )
    verdict = (
        _("**Ranked first against the goals ({best} of {total} met): {leaders}.**").format(
            best=best, total=len(goals), leaders=_(", ").join(leaders)
        )
        if best
        else _("**No design meets any goal.**")
    )
    return "\n".join([intro, "", verdict, "", *lines])


# ------------------------------------------------------------------ tables
def metrics_table(
    results: Mapping[str, Any],
    baseline: str = "baseline",
    metrics: Sequence[str] | None = None,
    currency: str | None = None,
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
        label, kind = METRICS.get(k, (fm.label(k), "num"))
        row = {N_("metric"): _(label)}
        for n in names:
            value = fmt(cmp.loc[k, (n, "mean")], kind, currency)
            if n == baseline:
                row[n] = value
                continue
            d, se = cmp.loc[k, (n, "diff")], cmp.loc[k, (n, "diff_se")]
            half = 1.96 * se if np.isfinite(se) else np.nan
            if kind == "money":
                change = fm.money_pm(d, half, currency, scale=cmp.loc[k, (n, "mean")])
            elif np.isfinite(half):
                change = f"{_signed(d, kind, currency)} ± {_signed(half, kind).lstrip('+')}"
            else:
                change = _signed(d, kind, currency)
            # One cell per design keeps the table readable with many reforms.
            row[n] = f"{value} ({change})"
        row[N_("reference")] = voc.metric(k).band_text() if k in BANDS else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")


def scenario_metrics(result: Any, currency: str | None = None) -> pd.DataFrame:
    """One design's metrics: mean, P5, P95, the reference band and the reading of the
    mean against it (:mod:`simlib.vocabulary`), as strings. Metrics a design does not
    have (no budget, no appraisal) are left out rather than shown empty."""
    s = result.summary_frame()
    rows = []
    for k in s.index:
        label, kind = METRICS.get(k, (fm.label(k), "num"))
        label = _(label)
        v = s.loc[k, "mean"]
        if not np.isfinite(v):
            continue
        mt = voc.METRICS.get(k)
        rows.append(
            {
                "metric": label,
                "mean": fmt(v, kind, currency),
                "P5": fmt(s.loc[k, "p5"], kind, currency),
                "P95": fmt(s.loc[k, "p95"], kind, currency),
                N_("reference band"): mt.band_text() if mt is not None and k in BANDS else "",
                N_("reading"): mt.read(v).text if mt is not None and k in BANDS else "",
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def difference_by_group(
    results: Mapping[str, Any],
    grouping: str,
    baseline: str = "baseline",
    min_group: int = 5,
    design: Mapping[str, Any] | None = None,
    currency: str | None = None,
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
    key = GROUP_TABLES[grouping][0]
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
    for g in fm.ordered(b.columns, grouping):
        if str(g) in hidden:
            continue
        row = {
            "group": group_label(g),
            "reps": int(sizes.get(str(g), 0)),
            f"{baseline}: " + _("mean pay"): fm.money(b[g].mean(), currency),
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
            pm = fm.money_pm(d.mean(), 1.96 * se, currency)
            row[f"{name}: " + _("change")] = (
                f"{pm} ({fm.pct(rel, sign=True)})"
                if np.isfinite(rel)
                else f"{pm} " + _("(no %: small base)")
            )
        rows.append(row)
    out = pd.DataFrame(rows).set_index("group") if rows else pd.DataFrame()
    if hidden:
        out.attrs["suppressed"] = hidden
    return out


#: % changes are shown only on bases of at least this share of the average pay per rep.
MIN_BASE_FOR_PCT = 0.10


def pay_multiple_by_quartile(
    results: Mapping[str, Any],
    baseline: str = "baseline",
    min_group: int = 5,
    currency: str | None = None,
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
        {"reps": out["reps"], N_("mean attainment"): out["att"].map(lambda v: fmt(v, "pct")),
         N_("mean target incentive"): (out["ti"] / out["reps"]).map(
             lambda v: fmt(v, "money", currency))}
    )  # fmt: skip
    for name, res in results.items():
        r = res.reps.set_index("rep_id")["mean_payout"].reindex(paid["rep_id"]).to_numpy(float)
        pay = pd.Series(r, index=paid.index).groupby(paid["quartile"]).sum()
        table[f"{name}: " + _("pay / target incentive")] = (pay / out["ti"]).map(
            lambda v: f"{v:.2f}x")  # fmt: skip
    table.index = [group_label(q) for q in table.index]
    table.index.name = N_("performance quartile (baseline expected attainment)")
    return table


def budget_risk(results: Mapping[str, Any], currency: str | None = None) -> pd.DataFrame:
    """Budget risk per design: expected and P95 cost, chance and expected size of an overspend."""
    rows = []
    for name, res in results.items():
        cost = res.per_draw["total_payout"].to_numpy(float)
        budget = float(res.provenance.get("budget", np.nan))
        over = np.clip(cost - budget, 0, None)
        rows.append(
            {
                "scenario": name,
                N_("budget"): fmt(budget, "money", currency),
                N_("expected cost"): fmt(voc.value(res, "total_payout"), "money", currency),
                N_("P95 cost (1 year in 20 costs more)"): fmt(
                    np.quantile(cost, 0.95), "money", currency
                ),  # fmt: skip
                N_("chance of overspend"): fmt(voc.value(res, "over_budget"), "pct"),
                N_("expected overspend"): fmt(over.mean(), "money", currency),
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
    out["reading"] = [voc.metric("share_at_quota").read(v).text for v in out["share_at_quota"]]
    total = pd.DataFrame(
        {
            "reps": [len(reps)],
            "share_at_quota": [voc.value(result, "share_at_quota")],
            "region_reaches_target": [voc.value(result, "company_reaches_target")],
            "reading": [
                voc.metric("share_at_quota").read(voc.value(result, "share_at_quota")).text
            ],
        },
        index=[_("whole company")],
    )
    out = pd.concat([out, total])
    out.index.name = N_("region")
    for c in ("share_at_quota", "region_reaches_target"):
        if c in out:
            out[c] = out[c].map(lambda v: fmt(v, "pct"))
    return out.rename(
        columns={
            "share_at_quota": N_("expected share of reps at quota"),
            "region_reaches_target": N_("chance the region reaches its target"),
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
    labels = [_("under 25%"), "25-50%", "50-75%", _("75% or more")]
    reps["band"] = pd.cut(reps["p_at_quota"], P_QUOTA_BANDS, labels=labels, right=False,
                          include_lowest=True)  # fmt: skip
    reps.loc[reps["p_at_quota"] >= 1.0, "band"] = labels[-1]
    groups: list[tuple[str, pd.Series]] = [("region", reps["region"].astype(str))]
    if design is not None:
        from simlib.data.tenure import tenure_band
        from simlib.scenario import Scenario

        ds = Scenario(name="design", design=dict(design)).dataset()
        hire = ds.reps.set_index("rep_id")["hire_date"].reindex(reps["rep_id"])
        year = int(result.provenance.get("year"))
        tenure = tenure_band(hire.reset_index(drop=True), pd.Timestamp(f"{year}-01-01"))
        groups.append(("tenure", pd.Series(tenure.to_numpy(), index=reps.index).astype(str)))
    groups.append((_("whole company"), pd.Series(_("all reps"), index=reps.index)))
    rows = []
    for by, key in groups:
        parts = dict(list(reps.groupby(key, observed=True)))
        for g in fm.ordered(parts, by):
            part = parts[g]
            if len(part) < min_group:
                continue
            shares = part["band"].value_counts(normalize=True).reindex(labels, fill_value=0)
            rows.append({"by": _(by), "group": group_label(g), "reps": len(part),
                         N_("median chance"): fmt(part["p_at_quota"].median(), "pct"),
                         **{_("chance {band}").format(band=k): fmt(v, "pct")
                            for k, v in shares.items()}})  # fmt: skip
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
            N_("expected share"): g.mean().map(lambda v: fmt(v, "pct")),
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
    order = fm.ordered([str(c) for c in keep], grouping)
    keep = sorted(keep, key=lambda c: order.index(str(c)))

    def interval(c) -> str:
        x = g[c].to_numpy(float)
        x = x[np.isfinite(x)]
        if len(x) < 2:
            return ""
        half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
        return _("{low} to {high}").format(
            low=fmt(x.mean() - half, "pct"), high=fmt(x.mean() + half, "pct")
        )

    return pd.DataFrame(
        {
            "reps": [int(sizes.get(str(c), 0)) for c in keep],
            N_("gap at equal attainment (share of average pay)"): [
                fmt(g[c].mean(), "pct") for c in keep
            ],
            N_("95% interval of the expected gap"): [interval(c) for c in keep],
            N_("P5 over simulated years"): [fmt(g[c].quantile(0.05), "pct") for c in keep],
            N_("P95 over simulated years"): [fmt(g[c].quantile(0.95), "pct") for c in keep],
        },
        index=pd.Index([group_label(c) for c in keep], name=grouping),
    )


def individual_pay_values(result: Any) -> pd.DataFrame:
    """Per-rep expected pay as numbers (currency; rates as fractions): the table that
    :func:`individual_pay` formats for a page and a workbook keeps as numbers."""
    cols = ["rep_id", "region", "position", "target_incentive", "mean_payout", "payout_p5",
            "payout_p95", "mean_attainment", "p_at_quota"]  # fmt: skip
    return result.reps[[c for c in cols if c in result.reps]].copy()


def individual_pay(result: Any, currency: str | None = None) -> pd.DataFrame:
    """Per-rep expected pay (only for reports whose scenario allows individual pay):
    amounts in the currency to the unit, rates as percentages."""
    out = individual_pay_values(result)
    for c in ("target_incentive", "mean_payout", "payout_p5", "payout_p95"):
        if c in out:
            out[c] = out[c].map(lambda x: fm.money(x, currency, exact=True))
    for c in ("mean_attainment", "p_at_quota"):
        if c in out:
            out[c] = out[c].map(fm.pct)
    return out


# ------------------------------------------------------------------ payout curves in words
def curve_takeaway(points: Sequence[Sequence[float]]) -> str:
    """A payout curve in a few words: ``pays from 75%, up to 2.5x at 160%``."""
    pts = [(float(a), float(p)) for a, p in points]
    start = next((a for a, p in pts if p > 0), None)
    top_a, top_p = max(pts, key=lambda t: (t[1], -t[0]))
    if start is None:
        return _("pays nothing")
    if top_a >= NO_CAP_FROM:  # the "no cap" point of a sweep: the slope never stops
        return _("pays from {start}, no cap").format(start=f"{start:.0%}")
    return _("pays from {start}, up to {top} at {at}").format(
        start=f"{start:.0%}", top=f"{top_p:g}x", at=f"{top_a:.0%}"
    )


#: A curve's last point this far out (multiples of quota) is the scenario's "no cap".
NO_CAP_FROM = 9.0


#: A pay gap at equal attainment this large (share of average pay) gets a callout.
GAP_CALLOUT = 0.10


def pay_gap_callouts(result: Any, groupings: Sequence[str], min_group: int = 5,
                     design: Mapping[str, Any] | None = None,
                     threshold: float = GAP_CALLOUT, top: int = 3) -> list[str]:  # fmt: skip
    """Sentences for the largest pay gaps at equal attainment (at most ``top``), of at
    least ``threshold`` and with a 95% interval that excludes zero (a gap that is the
    design's, not chance), largest first; a last sentence counts the others."""
    found: list[tuple[float, str]] = []
    for grouping in groupings:
        key = f"pay_gap:{grouping}"
        if key not in result.group_draws:
            continue
        g = result.group_draws[key]
        sizes = group_sizes(result, design, grouping)
        for c in g.columns:
            n = int(sizes.get(str(c), 0))
            x = g[c].to_numpy(float)
            x = x[np.isfinite(x)]
            if n < min_group or len(x) < 2:
                continue
            mean, half = x.mean(), 1.96 * x.std(ddof=1) / np.sqrt(len(x))
            if abs(mean) >= threshold and abs(mean) > half:
                said = _("{group} ({n} reps) is paid {gap} of average pay less than other reps "
                         "with the same attainment.") if mean < 0 else _(
                         "{group} ({n} reps) is paid {gap} of average pay more than other reps "
                         "with the same attainment.")  # fmt: skip
                who = (_(GROUP_WORDS.get(grouping, grouping)).capitalize() + _gap_space()
                       + group_label(c))  # fmt: skip
                found.append((abs(mean), said.format(group=who, n=n, gap=fm.pct(abs(mean), 0))))
    found.sort(key=lambda t: -t[0])
    out = [text for _key, text in found[:top]]
    if len(found) > top:
        out.append(_("{n} more gap(s) of {threshold} or more in the tables below.").format(
            n=len(found) - top, threshold=fm.pct(threshold, 0)))  # fmt: skip
    return out


def _gap_space() -> str:
    """Between a grouping's name and a group's (``Region North``, ``大区华北``)."""
    from simlib import i18n

    return "" if i18n.is_chinese() else " "


def recorded_caveats(header: Mapping[str, Any]) -> list[str]:
    """The caveats a batch recorded, in the current language when it recorded them per
    language (a batch run before that kept one list, in its run's language)."""
    recorded = header.get("caveats") or []
    if isinstance(recorded, Mapping):
        return list(recorded.get(i18n.current()) or recorded.get(i18n.DEFAULT) or [])
    return list(recorded)


def batch_decision(view: BatchView, baseline: str = "baseline", caveats: Sequence[str] = ()):
    """The decision for a batch read back from its store (:func:`simlib.decision.decide`
    with the file's goals, its designs, minimum group size and currency); None when the
    baseline has no result. The index and the comparison both show this one.

    ``caveats`` (sentences) are shown after the ones the decision finds, and after any
    the batch recorded in its header under ``caveats`` (see
    :func:`simlib.workbench.batch.batch_header`)."""
    from simlib.decision import decide

    if baseline not in view.results:
        return None
    header = view.store.batch_header(view.batch)
    goals = voc.parse_goals(header["goals"]) if header.get("goals") else None
    base = view.design(baseline)
    return decide(
        view.results,
        baseline,
        goals=goals,
        designs=view.designs,
        # Caveats recorded with the batch (data coverage findings, say), then the caller's.
        caveats=[*recorded_caveats(header), *caveats],
        min_group=int((base.get("report") or {}).get("min_group", 5)),
        currency=voc.design_currency(base),
    )


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

    from simlib.workbench.store import Store

    st = Store(store_path, read_only=True)
    with st.held():
        items = st.items(batch)
        # The design as the file states it now (report settings included); a reused run's
        # own text is the fallback for stores written before designs were kept per item.
        current = st.item_designs(batch)
    results = st.load_batch(batch, scenarios, items=items)
    rows = [r for r in items.itertuples() if r.scenario in results and isinstance(r.run_key, str)]
    texts = {r.scenario: current.get(r.scenario) for r in rows}
    missing = [r for r in rows if not texts[r.scenario]]
    if missing:
        with st.held():
            for r in missing:
                texts[r.scenario] = st.provenance(r.run_key)["scenario_text"]
    designs = {name: yaml.safe_load(text) for name, text in texts.items()}
    return BatchView(st, batch, items, results, designs)

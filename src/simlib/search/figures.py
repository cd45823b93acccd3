"""Figures and tables of a design search's report page (read from its output folder).

Everything here speaks the language in force (:mod:`simlib.i18n`): metric names,
table headers, chart titles and legends, and numbers (money with its currency, in
万/亿 in Chinese; shares as percentages).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib.i18n import N_, _, ngettext

#: Plain names of the metrics a search page shows (translated where shown).
NAMES = {
    "contribution": N_("Contribution (revenue - pay)"),
    "total_payout": N_("Expected incentive cost"),
    "budget_ratio": N_("Cost / budget"),
    "over_budget": N_("P(overspend)"),
    "share_at_quota": N_("Share of reps at quota"),
    "share_at_cap": N_("Share of reps at the cap"),
    "share_at_threshold": N_("Share of reps below threshold"),
    "pay_performance_spearman": N_("Pay-performance (Spearman)"),
    "cost_of_sales": N_("Cash cost of sales"),
    "incentive_cost_of_sales": N_("Incentive cost of sales"),
    "variable_pay_share": N_("Variable share of pay"),
    "revenue": N_("Revenue"),
    "merit_cost_at_matrix": N_("Merit raise cost"),
}


#: How each metric reads: money (with the currency) or a share (percent).
MONEY = frozenset({"contribution", "total_payout", "revenue", "merit_cost_at_matrix"})
SHARES = frozenset(
    {"budget_ratio", "over_budget", "share_at_quota", "cost_of_sales", "share_at_cap",
     "share_at_threshold", "incentive_cost_of_sales", "variable_pay_share"}
)  # fmt: skip


def metric_name(metric: str) -> str:
    """A metric's plain name in the language in force (its code when it has none)."""
    return _(NAMES[metric]) if metric in NAMES else metric


_name = metric_name


def _missing(value: Any) -> bool:
    try:
        return value is None or not np.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def money(value: float, currency: str | None) -> str:
    """An amount with its currency (``CNY 598,437``, ``59.8万元``); without a known
    currency the bare number in the locale's style."""
    if _missing(value):
        return i18n.MISSING
    if currency:
        return i18n.money(value, currency)
    if i18n.is_chinese():
        text, unit = i18n.chinese_amount(value)
        return text + unit
    return i18n.number(value)


def fmt(metric: str, value: float, currency: str | None = None) -> str:
    """A metric's value as a reader reads it: money with its currency (``CNY 12.3 m``,
    ``1,230万元``), ``62.3%`` or ``0.894``; a dash when there is none."""
    if _missing(value):
        return i18n.MISSING
    if metric in MONEY:
        return money(value, currency)
    if metric in SHARES or metric.startswith("pay_change:") or metric.startswith("pay_gap:"):
        return i18n.percent(value, 1)
    return i18n.number(value, 3)


def _currency(info: dict[str, Any]) -> str | None:
    return info.get("currency")


def in_language(info: dict[str, Any], key: str) -> Any:
    """The search's ``explanation`` or ``conflicts`` in the language in force (a search
    written before it kept both languages has one text: that one)."""
    by_lang = info.get("in_languages") or {}
    got = by_lang.get(i18n.current())
    return got[key] if got is not None else info.get(key)


def decision(info: dict[str, Any]) -> str:
    """The decision in a few lines of markdown: what to adopt, and what it does to each goal."""
    rec = info.get("recommended")
    if rec is None:
        return "**" + _("The search found no design that could be simulated.") + "**"
    goals_rec = info["goals_at_recommended"]
    goals_base = info["goals_at_baseline"]
    met_rec = sum(bool(g["met"]) for g in goals_rec)
    met_base = sum(bool(g["met"]) for g in goals_base)
    head = "**" + _("Recommended design: {design}.").format(design=rec["design"]) + "**"
    if goals_rec:
        head += " " + ngettext(
            "It meets {met} of {n} goal; today's plan (the baseline) meets {base}.",
            "It meets {met} of {n} goals; today's plan (the baseline) meets {base}.",
            len(goals_rec),
        ).format(met=met_rec, n=len(goals_rec), base=met_base)
    verdict = (
        _("It meets every goal.")
        if info["meets_goals"]
        else _("No design the search tried meets every goal: see *Which goals conflict* below.")
    )
    return f"{head} {verdict}\n\n{in_language(info, 'explanation')}"


def conflicts(info: dict[str, Any]) -> list[str]:
    """Which goals pull against each other and by how much, in the language in force."""
    return list(in_language(info, "conflicts") or [])


def _bound(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def goal_name(goal: dict[str, Any]) -> str:
    """A goal as the page names it: the name the scenario file gives it, else its
    metric and bounds in words (``Cost / budget ≤ 100.0%``)."""
    metric, low, high = goal["metric"], _bound(goal.get("min")), _bound(goal.get("max"))
    if not i18n.is_chinese():
        return str(goal["goal"])
    if low is not None and high is not None:
        default = f"{metric} within {low:g}-{high:g}"
    elif low is not None:
        default = f"{metric} at least {low:g}"
    else:
        default = f"{metric} at most {high:g}"
    if goal["goal"] != default:
        return str(goal["goal"])
    return f"{metric_name(metric)} {bounds(metric, low, high)}"


def bounds(metric: str, low: Any, high: Any, currency: str | None = None) -> str:
    """A goal's bounds in words: ``60.0% to 70.0%``, ``≤ 100.0%``, ``≥ 0.800``."""
    low, high = _bound(low), _bound(high)
    if low is not None and high is not None:
        return _("{low} to {high}").format(
            low=fmt(metric, low, currency), high=fmt(metric, high, currency)
        )
    if low is not None:
        return "≥ " + fmt(metric, low, currency)
    if high is not None:
        return "≤ " + fmt(metric, high, currency)
    return ""


def base_name(info: dict[str, Any]) -> str:
    """The search's base design as the page names it (the baseline in the page's language)."""
    base = str(info.get("base", ""))
    return _("baseline") if base == "baseline" else base


def comparison(info: dict[str, Any]) -> pd.DataFrame:
    """Recommended design against the baseline and the search's base, goal by goal."""
    rec = info.get("recommended") or {"metrics": {}}
    cur = _currency(info)
    rows = []
    goals = {g["metric"]: g for g in info["goals_at_baseline"]}
    metrics = [info["objective"]["metric"], "total_payout", *goals]
    base_col = _("search base ({base})").format(base=base_name(info))
    for m in dict.fromkeys(metrics):
        g = goals.get(m)
        rows.append(
            {
                _("measure"): metric_name(m),
                _("goal"): "" if g is None else bounds(m, g.get("min"), g.get("max"), cur),
                _("baseline"): fmt(m, info["baseline"]["metrics"].get(m, np.nan), cur),
                base_col: fmt(m, info["base_design"]["metrics"].get(m, np.nan), cur),
                _("recommended"): fmt(m, rec["metrics"].get(m, np.nan), cur),
            }
        )
    return pd.DataFrame(rows).set_index(_("measure"))


def _yes_no(x: Any) -> str:
    return _("yes") if bool(x) else _("no")


def goals_table(info: dict[str, Any]) -> pd.DataFrame:
    """Each goal at the recommended design: value, met, slack, and whether it binds."""
    df = pd.DataFrame(info["goals_at_recommended"])
    if df.empty:
        return df
    cur = _currency(info)
    out = pd.DataFrame(
        {
            _("goal"): [goal_name(g) for g in info["goals_at_recommended"]],
            _("value"): [fmt(m, v, cur) for m, v in zip(df["metric"], df["value"], strict=True)],
            _("met"): [_yes_no(x) for x in df["met"]],
            _("room to the bound"): [
                fmt(m, v, cur) for m, v in zip(df["metric"], df["slack"], strict=True)
            ],
            _("binds"): [_yes_no(x) for x in df["binds"]],
        }
    )
    return out.set_index(_("goal"))


def frontier_table(info: dict[str, Any]) -> pd.DataFrame:
    """The frontier's designs: parameters, the frontier's measures in words and units,
    each goal's status, and whether the design was confirmed at full draws."""
    fr = info["frontier"]
    if fr.empty:
        return fr
    cur = _currency(info)
    params = list(info.get("parameters", {}))
    metrics = [a[0] for a in info.get("axes", [])]
    out = pd.DataFrame({_("design"): fr["design"]})
    for p in params:
        if p in fr:
            out[p] = [v if isinstance(v, str) else i18n.number(v, 3) for v in fr[p]]
    for m in metrics:
        if m in fr:
            out[metric_name(m)] = [fmt(m, v, cur) for v in fr[m]]
    done = {"design", "meets_goals", "confirmed", *params, *metrics}
    status = {"met": _("met"), "missed": _("missed")}
    goals = {g["goal"]: goal_name(g) for g in info.get("goals_at_baseline", [])}
    for c in fr.columns:
        if c not in done:  # a goal's status column: met or missed
            out[goals.get(c, c)] = [status.get(v, v) for v in fr[c].astype(str)]
    if "meets_goals" in fr:
        out[_("meets every goal")] = [_yes_no(x) for x in fr["meets_goals"]]
    if "confirmed" in fr:
        out[_("confirmed at full draws")] = [_yes_no(x) for x in fr["confirmed"]]
    return out.set_index(_("design"))


def _money_axis(ax, metric: str, currency: str | None, axis: str) -> None:
    """Money ticks in 万/亿 (Chinese) or millions, the currency in the axis label."""
    if metric not in MONEY:
        if metric in SHARES:
            from matplotlib.ticker import PercentFormatter

            (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0))
        return
    from simlib.topics.format import money_axis

    money_axis(ax, currency or "", axis)


def plot_frontier(info: dict[str, Any], ax=None):
    """Every screened design on the objective and the first trade-off axis; returns the axes.

    Designs meeting every goal are filled, others hollow; frontier points are ringed,
    the recommended design is a star.
    """
    import matplotlib.pyplot as plt

    i18n.chart_font()
    ev = info["evaluations"]
    axes = info["axes"]
    obj = axes[0][0]
    other = axes[1][0] if len(axes) > 1 else "total_payout"
    if ax is None:
        _fig, ax = plt.subplots(figsize=(7, 4.5))
    if ev.empty or obj not in ev or other not in ev:
        ax.text(0.5, 0.5, _("no designs to show"), ha="center", transform=ax.transAxes)
        return ax
    ok = ev["meets_goals"].astype(bool)
    ax.scatter(ev.loc[ok, other], ev.loc[ok, obj], s=22, color="tab:green",
               label=_("meets every goal"))  # fmt: skip
    ax.scatter(ev.loc[~ok, other], ev.loc[~ok, obj], s=22, facecolors="none",
               edgecolors="tab:gray", label=_("misses a goal"))  # fmt: skip
    fr = info["frontier"]
    if not fr.empty and other in fr:
        ax.scatter(fr[other], fr[obj], s=70, facecolors="none", edgecolors="tab:blue",
                   linewidths=1.5, label=_("frontier"))  # fmt: skip
    base_label = _("search base ({base})").format(base=base_name(info))
    for key, marker, label in (("baseline", "s", _("baseline")),
                               ("base_design", "D", base_label)):  # fmt: skip
        m = info[key]["metrics"]
        if obj in m and other in m:
            ax.scatter([m[other]], [m[obj]], marker=marker, s=60, color="black", label=label)
    rec = info.get("recommended")
    if rec and obj in rec["metrics"] and other in rec["metrics"]:
        ax.scatter([rec["metrics"][other]], [rec["metrics"][obj]], marker="*", s=220,
                   color="tab:orange", label=_("recommended"), zorder=5)  # fmt: skip
    ax.set_xlabel(metric_name(other))
    ax.set_ylabel(metric_name(obj))
    _money_axis(ax, other, _currency(info), "x")
    _money_axis(ax, obj, _currency(info), "y")
    ax.legend(fontsize=8, loc="best")
    ax.set_title(_("Designs screened: objective against the trade-off"))
    return ax


def plot_sensitivity(info: dict[str, Any], ax=None):
    """The objective as each parameter moves alone from the recommended design: one
    panel per parameter. ``ax``: the panels to draw in (an array of axes, at least one
    per parameter; a single axes when one parameter was tuned); returns the axes drawn
    in (unused panels hidden)."""
    import matplotlib.pyplot as plt

    i18n.chart_font()
    sens = info["sensitivity"]
    params = list(dict.fromkeys(sens["parameter"])) if not sens.empty else []
    n = max(len(params), 1)
    obj = info["objective"]["metric"]
    own = ax is None
    if own:
        cols = min(n, 3)
        rows = int(np.ceil(n / cols))
        fig, axs = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    else:
        axs = np.atleast_1d(np.asarray(ax, dtype=object))
        if axs.size < len(params):
            raise ValueError(  # internal: the design page passes one axis per parameter
                f"plot_sensitivity: {len(params)} parameters need as many axes, got {axs.size}"
            )
        fig = axs.flat[0].figure
    for a in list(axs.flat)[len(params) :]:
        a.set_visible(False)
    for a, p in zip(axs.flat, params, strict=False):
        d = sens.loc[sens["parameter"] == p]
        x = d["value"].astype(str).where(~_numeric(d["value"]), d["value"])
        numeric = bool(_numeric(d["value"]).all())
        xs = pd.to_numeric(d["value"]) if numeric else np.arange(len(d))
        ok = d["meets_goals"].astype(bool).to_numpy()
        a.plot(xs, d["objective"], color="tab:gray", lw=1)
        a.scatter(np.asarray(xs)[ok], d["objective"].to_numpy()[ok], color="tab:green", s=20)
        a.scatter(np.asarray(xs)[~ok], d["objective"].to_numpy()[~ok], facecolors="none",
                  edgecolors="tab:red", s=20)  # fmt: skip
        at = d["at_recommended"].astype(bool).to_numpy()
        a.scatter(np.asarray(xs)[at], d["objective"].to_numpy()[at], marker="*", s=120,
                  color="tab:orange", zorder=5)  # fmt: skip
        if not numeric:
            a.set_xticks(xs, [_("none") if v == "none" else v for v in x])
        a.set_title(p, fontsize=10)
        a.set_ylabel(metric_name(obj), fontsize=8)
        _money_axis(a, obj, _currency(info), "y")
    if own:
        fig.suptitle(_("Objective as each parameter moves alone (red: misses a goal)"),
                     fontsize=11)  # fmt: skip
        fig.tight_layout()
    return axs


def _numeric(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").notna()


def how_found(info: dict[str, Any]) -> str:
    """How the search ran, in one sentence: optimiser, seed, generations, draws."""
    s = info.get("settings") or {}
    if not {"seed", "generations", "population", "evaluations"} <= set(s):
        return _("Found by {how}.").format(how=info.get("found_by", ""))
    return _(
        "Found by `simlib design {source}`: differential evolution (scipy), seed {seed}, "
        "{generations} generations of {population} designs, {evaluations} designs screened "
        "at {screening} draws, {confirmed} confirmed at {confirmation} draws with simulation "
        "seed {simulation_seed} (the same random years for every design)."
    ).format(
        source=info.get("source", ""), seed=s["seed"], generations=s["generations"],
        population=s["population"], evaluations=i18n.number(s["evaluations"]),
        screening=i18n.number(s.get("screening_draws")), confirmed=s.get("confirmed"),
        confirmation=i18n.number(s.get("confirmation_draws")),
        simulation_seed=s.get("simulation_seed"),
    )  # fmt: skip

"""Figures for the scenario and comparison reports.

Each function draws on ``ax`` (matplotlib axes; a new figure of the report's size
when ``None``) and returns the axes it drew on, like pandas and seaborn plots, so
an analyst can place a figure in a grid of their own: ``fig, (a, b) =
plt.subplots(1, 2); plot_attainment(results, ax=a)``. A figure the function creates
is laid out tightly; ``ax.figure`` is the figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from simlib import formatting as fm
from simlib import vocabulary as voc
from simlib.i18n import _
from simlib.plans.components import REGISTRY
from simlib.workbench.report import curve_takeaway

#: Pay multiples above this are drawn at the edge of the chart (and counted in a note).
PAY_MULTIPLE_AXIS = 3.0


def _axes(ax, figsize: tuple[float, float]):
    """``ax``, or the axes of a new figure of ``figsize``; and whether it is new."""
    if ax is not None:
        return ax, False
    import matplotlib.pyplot as plt

    _fig, new = plt.subplots(figsize=figsize)
    return new, True


def _primary_curve(design: Mapping[str, Any]) -> tuple[str, list] | None:
    for c in design["plan"]["components"]:
        kind = REGISTRY.get(c.get("type"))
        if kind is not None and kind.pays_on_quota and c.get("curve"):
            return c["name"], c["curve"]
    return None


def plot_curves(designs: Mapping[str, Mapping[str, Any]], max_attainment: float = 2.2, ax=None):
    """The main payout curve of each design on one chart (factor x target incentive)."""
    from simlib.plans.curve import PayoutCurve

    ax, new = _axes(ax, (7.5, 3.8))
    a = np.linspace(0, max_attainment, 881)
    # Designs sharing a curve are drawn once, labelled together (no hidden lines).
    same: dict[tuple, list[str]] = {}
    for name, d in designs.items():
        pc = _primary_curve(d)
        if pc is not None:
            same.setdefault((pc[0], tuple(map(tuple, pc[1]))), []).append(name)
    for (_comp, pts), names in same.items():
        who = ", ".join(names)
        # A long list of designs sharing one curve goes on its own line of the legend.
        label = f"{who}:{chr(10) if len(who) > 40 else ' '}{curve_takeaway(pts)}"
        ax.plot(a * 100, PayoutCurve(pts)(a), label=label, lw=1.6)
    ax.axvspan(70, 80, color="0.9", zorder=0, label=_("usual threshold 70-80%"))
    ax.set_xlabel(_("attainment (% of quota)"))
    ax.set_ylabel(_("payout (x target incentive)"))
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    words = [(_("{design} and others") if len(names) > 1 else "{design}").format(design=names[0])
             + " " + curve_takeaway(pts) for (_comp, pts), names in same.items()]  # fmt: skip
    title = _("; ").join(words) if 0 < len(words) <= 2 else _(
        "Where each design starts paying, how fast it rises, where it stops")  # fmt: skip
    ax.set_title(title, fontsize=10)
    if new:
        ax.figure.tight_layout()
    return ax


def plot_attainment(results: Mapping[str, Any], ax=None):
    """Attainment across rep-years as a cumulative share (an ECDF per distinct curve):
    designs whose attainment is identical (no behavioural response) share one line."""
    ax, new = _axes(ax, (7.5, 3.4))
    same: dict[tuple, list[str]] = {}
    hists = {}
    for name, res in results.items():
        h = res.attainment_hist
        key = tuple(np.round(h["share"].to_numpy(float), 12))
        same.setdefault(key, []).append(name)
        hists[key] = h
    at_quota = {}
    for key, names in same.items():
        h = hists[key]
        x = h["attainment_from"].to_numpy(float) * 100
        cum = np.cumsum(h["share"].to_numpy(float))
        label = _("every design") if len(same) == 1 and len(names) > 1 else ", ".join(names)
        ax.step(x, cum, where="post", label=label, lw=1.5)
        below = float(h.loc[h["attainment_from"] < 1.0, "share"].sum())
        at_quota[label] = 1 - below
    ax.axvline(100, color="0.4", ls=":", lw=1)
    ax.set_xlim(0, min(250, float(max(h["attainment_from"].max() for h in hists.values())) * 100))
    fm.percent_axis(ax, "y")
    ax.set_xlabel(_("attainment of the quota KPI (% of quota)"))
    ax.set_ylabel(_("share of rep-years at or below"))
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    first = next(iter(results.values()))
    share = voc.show(first, "share_at_quota")
    title = _("{share} of reps reach quota under every design (no behavioural response)") if (
        len(same) == 1) else _("{share} of reps reach quota under {design}")  # fmt: skip
    ax.set_title(title.format(share=share, design=next(iter(results))), fontsize=10)
    if new:
        ax.figure.tight_layout()
    return ax


def plot_cost_distribution(results: Mapping[str, Any], currency: str | None = None, ax=None):
    """Incentive cost over the simulated years against the budget.

    One design: a histogram of its yearly cost with the budget line. Several: one
    row per design (box: middle half; whiskers: 5th-95th percentile) with the budget.
    Ticks in millions of the currency; the title says the overspend risk.
    """
    names = list(results)
    budgets = sorted({float(results[n].provenance.get("budget", np.nan)) for n in names})
    budgets = [b for b in budgets if np.isfinite(b)]
    if len(names) == 1:
        res = results[names[0]]
        cost = res.per_draw["total_payout"].to_numpy(float)
        ax, new = _axes(ax, (7.5, 3.2))
        ax.hist(cost, bins=min(30, max(8, len(cost) // 10)), color="#4a7fb5", alpha=0.85)
        ax.set_ylabel(_("simulated years"))
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(_("incentive cost of a year"))
        for b in budgets:
            ax.axvline(b, color="#b3261e", ls="--", lw=1.5, label=_("budget"))
        lo, hi = min(cost.min(), *budgets), max(cost.max(), *budgets)
        pad = 0.05 * (hi - lo if hi > lo else abs(hi) or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        risk = voc.value(res, "over_budget")
        title = (_("{design}: {risk} chance a year costs more than the budget").format(
                     design=names[0], risk=fm.pct(risk, 0))
                 if np.isfinite(risk) else _("{design}: yearly incentive cost").format(
                     design=names[0]))  # fmt: skip
        if budgets:
            ax.legend(fontsize=8, frameon=False)
    else:
        ax, new = _axes(ax, (7.5, max(2.6, 0.6 + 0.42 * len(names))))
        data = [results[n].per_draw["total_payout"].to_numpy(float) for n in names]
        ax.boxplot(
            data, orientation="horizontal", tick_labels=names, whis=(5, 95), showfliers=False
        )
        ax.invert_yaxis()
        for b in budgets:
            ax.axvline(b, color="#b3261e", ls="--", lw=1.5)
        ax.set_xlabel(
            _("incentive cost of a year (box: middle half; whiskers: P5-P95; red: budget)")
        )
        over = [n for n in names if voc.value(results[n], "over_budget") > 0.5]
        title = (_("{n} of {total} designs overspend the budget in most years").format(
                     n=len(over), total=len(names))
                 if over else _("Every design stays within the budget in most years"))  # fmt: skip
    fm.money_axis(ax, currency, "x")
    ax.set_title(title, fontsize=10)
    if new:
        ax.figure.tight_layout()
    return ax


def plot_pay_distribution(results: Mapping[str, Any], ax=None):
    """How reps' expected pay spreads, as a multiple of their target incentive: small
    multiples (one panel per design, same axes), not overlapping histograms.

    ``ax``: one axes per design (an array or sequence; a single axes for one design);
    default a new grid of at most four columns. Returns the array of axes.
    """
    names = list(results)
    new = ax is None
    if new:
        import matplotlib.pyplot as plt

        cols = min(4, len(names))
        rows = int(np.ceil(len(names) / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(min(10, 2.6 * cols + 0.6), 1.9 * rows + 0.7),
                                 sharex=True, sharey=True, squeeze=False)  # fmt: skip
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object))
        if axes.size < len(names):
            # internal: the report notebooks pass one axis per design
            raise ValueError(f"plot_pay_distribution: {len(names)} designs need as many axes")
        fig = axes.flat[0].figure
    bins = np.linspace(0, PAY_MULTIPLE_AXIS, 31)
    beyond = 0
    for a, name in zip(axes.flat, names, strict=False):
        r = results[name].reps
        ok = r["target_incentive"] > 0
        mult = (r.loc[ok, "mean_payout"] / r.loc[ok, "target_incentive"]).to_numpy(float)
        beyond += int((mult > PAY_MULTIPLE_AXIS).sum())
        a.hist(np.clip(mult, 0, PAY_MULTIPLE_AXIS), bins=bins, color="#4a7fb5")
        a.axvline(1.0, color="0.3", ls=":", lw=1)
        med = float(np.median(mult)) if mult.size else np.nan
        a.set_title(name + "\n" + _("median {multiple}").format(multiple=fm.multiple(med, 2)),
                    fontsize=8)  # fmt: skip
    if not new:
        for a in axes.flat[: len(names)]:
            a.set_xlabel(_("expected pay / target incentive"), fontsize=8)
        return axes
    for a in axes.flat[len(names) :]:
        a.set_visible(False)
    fig.supxlabel(_("expected pay / target incentive (dotted: 1.0x, paid the target)"),
                  fontsize=8)  # fmt: skip
    fig.supylabel(_("reps"), fontsize=8)
    note = _(" ({n} value(s) above {edge} drawn at the edge)").format(
        n=beyond, edge=f"{PAY_MULTIPLE_AXIS:g}x") if beyond else ""  # fmt: skip
    fig.suptitle(_("How pay spreads across reps under each design") + note, fontsize=10)
    fig.tight_layout()
    return axes


def plot_pay_vs_attainment(result: Any, ax=None):
    """Expected payout multiple against expected attainment, one dot per rep (no names);
    axes clipped at the 99th percentile where outliers would squash the rest."""
    r = result.reps
    ok = r["target_incentive"] > 0
    x = r.loc[ok, "mean_attainment"].to_numpy(float)
    y = (r.loc[ok, "mean_payout"] / r.loc[ok, "target_incentive"]).to_numpy(float)
    x0, x1, nx = fm.clip_range(x, q=0.97, floor=0.0)
    y0, y1, ny = fm.clip_range(y, q=0.97, floor=0.0)
    ax, new = _axes(ax, (6.5, 3.8))
    ax.scatter(np.clip(x, x0, x1), np.clip(y, y0, y1), s=8, alpha=0.5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    fm.percent_axis(ax, "x")
    ax.set_xlabel(_("expected attainment (% of quota)"))
    ax.set_ylabel(_("expected pay / target incentive"))
    pp = voc.metric("pay_performance")
    v = voc.value(result, "pay_performance")
    follows = {
        "loose": _("Pay follows performance loosely (pay-performance {value})"),
        "moderate": _("Pay follows performance moderately (pay-performance {value})"),
        "strong": _("Pay follows performance strongly (pay-performance {value})"),
    }
    said = follows.get(pp.read(v).label, _("Pay against performance"))
    ax.set_title(said.format(value=pp.show(v)), fontsize=10)
    n_out = max(nx, ny)
    if n_out:
        ax.annotate(_("{n} rep(s) beyond the axes drawn at the edge").format(n=n_out),
                    (0.01, 0.97), xycoords="axes fraction", va="top", fontsize=8,
                    color="0.35")  # fmt: skip
    if new:
        ax.figure.tight_layout()
    return ax

"""The decision first: designs ranked against the scenario's goals, the recommendation
and why, what it costs, who loses, and the caveats that change the reading.

:func:`decide` works on simulated results (the store's, or a notebook's own); the
index page and the comparison report show the same :meth:`Decision.html`, so the
two pages say the same thing with the same numbers.

Ranking rule (stated on the page): goals are taken in priority order (1 first). A
design that meets a goal beats one that misses it, the first goal that tells two
designs apart deciding; designs that meet and miss the same goals are ordered by how
far they fall short of the missed goals, then by how comfortably they meet the others
(cheaper within budget, closer to the middle of a band), again in priority order; a
reform that does no better than today's plan on any goal ranks after it (the status quo is kept when a
change buys nothing the goals ask for). Two designs are never printed as a tie.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from simlib import formatting as f
from simlib import i18n
from simlib import vocabulary as v
from simlib.i18n import N_, _, ngettext

#: Shortfalls are compared to this many decimals (relative to the goal's bound), so
#: simulation noise far below what a page shows does not decide a ranking.
SHORTFALL_DECIMALS = 3
#: A group's pay cut is named among the losers when it is at least this large.
LOSS_TO_NAME = 0.01


def _gap() -> str:
    """What goes between two sentences: a space in English, nothing in Chinese."""
    return "" if i18n.is_chinese() else " "


@dataclass
class Row:
    """One design judged against the goals."""

    name: str
    values: dict[str, float]
    met: tuple[bool, ...]
    shortfall: tuple[float, ...]
    cost: float
    cost_diff: float
    cost_half: float  # half-width of the 95% interval of the paired difference
    cost_rel: float
    over_budget: float
    budget: float


@dataclass
class Loss:
    design: str
    grouping: str
    group: str
    rel: float  # change of mean pay per rep against the baseline (negative = cut)
    reps: int


@dataclass
class Decision:
    """What the first screen of the index and the comparison says."""

    goals: tuple[v.Goal, ...]
    rows: list[Row]  # ranked, best first
    baseline: str
    recommended: str
    why: str
    losses: list[Loss]
    caveats: list[str]
    currency: str | None
    draws: int
    goals_source: str
    suppressed: list[str] = field(default_factory=list)

    @property
    def ranking(self) -> list[str]:
        return [r.name for r in self.rows]

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    def cost_sentence(self, name: str | None = None) -> str:
        """``+CNY 2.9 m ± 0.12 m a year against today's plan (+26.9%; ± is the 95%
        interval), CNY 14.1 m in all``."""
        r = self.row(name or self.recommended)
        if r.name == self.baseline:
            return _("{cost} a year (today's plan: no change)").format(
                cost=f.money(r.cost, self.currency)
            )
        pm = f.money_pm(r.cost_diff, r.cost_half, self.currency, scale=r.cost)
        return _(
            "{change} a year against today's plan ({rel}; ± is the 95% interval), {cost} in all"
        ).format(change=pm, rel=f.pct(r.cost_rel, sign=True), cost=f.money(r.cost, self.currency))

    def losers_sentence(self, name: str | None = None, n: int = 2) -> str:
        name = name or self.recommended
        mine = sorted((x for x in self.losses if x.design == name), key=lambda x: x.rel)[:n]
        if name == self.baseline:
            return _("nobody: today's plan changes no one's pay.")
        if not mine:
            return _("no group's pay falls by 1% or more.")
        parts = [
            ngettext(
                "{group} ({grouping}, {n} rep) {change} pay",
                "{group} ({grouping}, {n} reps) {change} pay",
                x.reps,
            ).format(
                group=escape(x.group),
                grouping=escape(_(x.grouping)),
                n=f.count(x.reps),
                change=f.pct(x.rel, sign=True),
            )
            for x in mine
        ]
        return _("{items}.").format(items=_("; ").join(parts))

    def html(self) -> str:
        """The decision box (self-contained HTML: its own styles, no scripts)."""
        rec = self.row(self.recommended)
        cur = self.currency
        priority = _("priority {n}")
        gh = "".join(
            f"<th title='{escape(g.why)}'>{escape(g.title)}<br><small>"
            f"{escape(priority.format(n=g.priority))}</small></th>"
            for g in self.goals
        )
        body = []
        for i, r in enumerate(self.rows, 1):
            cells = []
            for g, ok in zip(self.goals, r.met, strict=True):
                shown = v.metric(g.metric).show(r.values[g.metric], cur)
                cells.append(
                    f"<td class='{'met' if ok else 'miss'}'>{'✓' if ok else '✗'} {escape(shown)}</td>"
                )
            change = (
                _("today's plan")
                if r.name == self.baseline
                else f.money_pm(r.cost_diff, r.cost_half, cur, scale=r.cost)
            )
            cls = " class='recommended'" if r.name == self.recommended else ""
            body.append(
                f"<tr{cls}><td>{i}</td><td>{escape(r.name)}</td>{''.join(cells)}"
                f"<td>{escape(change)}</td><td>{escape(f.pct(r.over_budget, 0))}</td></tr>"
            )
        worst = min(self.losses, key=lambda x: x.rel, default=None)
        extra_loss = ""
        shown = {self.recommended, *(r.name for r in self.rows[1:2])}
        if worst is not None and worst.design not in shown and worst.rel < -LOSS_TO_NAME:
            extra_loss = "<li><b>{head}</b> {text}</li>".format(
                head=escape(_("Largest cut in any design:")),
                text=_("{design} cuts {group}'s pay ({grouping}) by {cut}.").format(
                    design=escape(worst.design),
                    group=escape(worst.group),
                    grouping=escape(_(worst.grouping)),
                    cut=f.pct(-worst.rel),
                ),
            )
        caveats = "".join(f"<li>{escape(c)}</li>" for c in self.caveats)
        nxt = ""
        if len(self.rows) > 1:
            second = self.rows[1].name
            nxt = "<li><b>{head}</b> {text}</li>".format(
                head=escape(_("Next best:")),
                text=_("{design}, {cost}; who loses most: {losers}").format(
                    design=escape(second),
                    cost=escape(self.cost_sentence(second)),
                    losers=self.losers_sentence(second, n=1),
                ),
            )
        t = {
            k: escape(_(k))
            for k in (
                N_("Decision"), N_("Cost:"), N_("Overspend risk:"), N_("Who loses most:"),
                N_("Rank"), N_("Design"), N_("Cost change a year (95% interval)"),
                N_("Overspend risk"), N_("Read with care:"),
            )
        }  # fmt: skip
        recommended = _("Recommended: {design}.").format(
            design=f"<b>{escape(self.recommended)}</b>"
        )
        risk = _("{risk} chance that a year costs more than the budget of {budget}.").format(
            risk=escape(f.pct(rec.over_budget, 0)), budget=escape(f.money(rec.budget, cur))
        )
        cost = escape(_("{cost}.").format(cost=self.cost_sentence()))
        title = escape(_("Designs ranked against the goals"))
        ranked = _("{title} ({source}; {n} simulated years, the same for every design):").format(
            title=f"<b>{title}</b>", source=escape(self.goals_source), n=f.count(self.draws)
        )
        return f"""<section class="decision" id="decision">
<style>
.decision{{border:2px solid #1f4e79;border-radius:6px;padding:.8em 1.2em;margin:.5em 0 1.5em;
background:#f5f9fd;font-family:system-ui,'PingFang SC','Microsoft YaHei','Noto Sans SC','Noto Sans CJK SC',sans-serif;color:#1a1a1a;line-height:1.4}}
.decision h2{{margin:.1em 0 .4em;font-size:1.35em;color:#1f4e79}}
.decision .rec{{font-size:1.15em;margin:.2em 0 .5em}}
.decision ul{{margin:.3em 0 .6em 1.2em;padding:0}}
.decision table{{border-collapse:collapse;font-size:.85em;margin:.4em 0;background:#fff}}
.decision th,.decision td,.jp-RenderedHTMLCommon .decision th,
.jp-RenderedHTMLCommon .decision td{{border:1px solid #ccd;padding:.25em .5em;text-align:left;
vertical-align:top}}
.decision td.met{{color:#1b5e20}} .decision td.miss{{color:#8a1c1c}}
.decision tr.recommended td{{font-weight:600;background:#e8f1fa}}
.decision .caveats{{color:#5a3d00}}
.decision small{{font-weight:normal;color:#555}}
</style>
<h2>{t["Decision"]}</h2>
<p class="rec">{recommended}{_gap()}{escape(self.why)}</p>
<ul>
<li><b>{t["Cost:"]}</b> {cost}</li>
<li><b>{t["Overspend risk:"]}</b> {risk}</li>
<li><b>{t["Who loses most:"]}</b> {self.losers_sentence()}</li>
{nxt}
{extra_loss}
</ul>
<p>{ranked}</p>
<table><thead><tr><th>{t["Rank"]}</th><th>{t["Design"]}</th>{gh}
<th>{t["Cost change a year (95% interval)"]}</th>
<th>{t["Overspend risk"]}</th></tr></thead><tbody>{"".join(body)}</tbody></table>
{f'<p class="caveats"><b>{t["Read with care:"]}</b></p><ul class="caveats">{caveats}</ul>' if caveats else ""}
</section>"""

    def _repr_html_(self) -> str:
        return self.html()


def _paired(base: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """Mean paired difference and the half-width of its 95% interval."""
    if len(base) == len(other):
        d = other - base
        d = d[np.isfinite(d)]
        se = d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else np.nan
        return float(d.mean()) if d.size else np.nan, float(1.96 * se)
    a, b = base[np.isfinite(base)], other[np.isfinite(other)]
    se = np.hypot(a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size))
    return float(b.mean() - a.mean()), float(1.96 * se)


def _margin(goal: v.Goal, value: float) -> float:
    """How comfortably ``value`` sits on the goal's good side, relative to the goal's
    scale (higher is better): beyond an at-least bound, below an at-most bound, near
    the middle of a band."""
    if value is None or not np.isfinite(value):
        return -np.inf
    if goal.test == "at_least":
        m = (value - goal.low) / max(abs(goal.low), 1e-9)
    elif goal.test == "at_most":
        m = (goal.high - value) / max(abs(goal.high), 1e-9)
    else:
        mid = (goal.low + goal.high) / 2
        m = -abs(value - mid) / max(abs(mid), 1e-9)
    return round(float(m), SHORTFALL_DECIMALS)


def _key(row: Row, goals: Sequence[v.Goal], is_base: bool, position: int) -> tuple:
    miss = tuple(not x for x in row.met)
    short = tuple(round(s, SHORTFALL_DECIMALS) if np.isfinite(s) else np.inf
                  for s in row.shortfall)  # fmt: skip
    margin = tuple(-_margin(g, row.values[g.metric]) for g in goals)
    return (miss, short, margin, 0 if is_base else 1, position)


def _why(first: Row, second: Row | None, goals: Sequence[v.Goal], baseline: str,
         cur: str | None) -> str:  # fmt: skip
    met = [g.title.lower() for g, ok in zip(goals, first.met, strict=True) if ok]
    if met:
        head = ngettext(
            "It meets {n} of {total} goal ({goals}).",
            "It meets {n} of {total} goals ({goals}).",
            len(goals),
        ).format(n=len(met), total=len(goals), goals=_(", ").join(met))
    else:
        head = ngettext(
            "It meets {n} of {total} goal.", "It meets {n} of {total} goals.", len(goals)
        ).format(n=len(met), total=len(goals))
    if second is None:
        return head

    def fields(g: v.Goal) -> dict[str, Any]:
        m = v.metric(g.metric)
        return {
            "first": first.name, "second": second.name, "priority": g.priority,
            "goal": g.title.lower(), "a": m.show(first.values[g.metric], cur),
            "b": m.show(second.values[g.metric], cur),
        }  # fmt: skip

    for i, g in enumerate(goals):
        if first.met[i] != second.met[i]:
            return (
                head
                + _gap()
                + _(
                    "It ranks above {second} because it meets the priority-{priority} goal, "
                    "{goal} ({a} against {b})."
                ).format(**fields(g))
            )
    for i, g in enumerate(goals):
        s1, s2 = (round(x, SHORTFALL_DECIMALS) for x in (first.shortfall[i], second.shortfall[i]))
        if s1 != s2:
            return (
                head
                + _gap()
                + _(
                    "It ranks above {second}, which meets the same goals, because it comes closer "
                    "to the priority-{priority} goal, {goal} ({a} against {b})."
                ).format(**fields(g))
            )
    for g in goals:
        a, b = first.values[g.metric], second.values[g.metric]
        if _margin(g, a) != _margin(g, b):
            return (
                head
                + _gap()
                + _(
                    "{second} meets the same goals; {first} ranks above it because it does better "
                    "on the priority-{priority} goal, {goal} ({a} against {b})."
                ).format(**fields(g))
            )
    if first.name == baseline:
        return (
            head
            + _gap()
            + _(
                "No reform does better on any goal ({second} scores the same on every one), so "
                "today's plan is kept: a change should buy something the goals ask for."
            ).format(second=second.name)
        )
    return (
        head
        + _gap()
        + _("It ranks above {second} by its place in the scenario file.").format(second=second.name)
    )


#: Per-group tables for "who gains, who loses": (group_draws key, plain name).
#: The plain names are catalog messages: show them with ``_()``.
GROUP_TABLES: dict[str, tuple[str, str]] = {
    "quartile": ("pay_by_quartile",
                 N_("performance quartile (by attainment in each simulated year)")),
    "region": ("mean_pay:region", N_("region")),
    "tenure": ("mean_pay:tenure", N_("tenure band")),
}  # fmt: skip
#: Short names of the groupings, for sentences ("Q1 (bottom) (performance quartile)");
#: catalog messages, shown with ``_()``.
GROUP_WORDS = {"quartile": N_("performance quartile"), "region": N_("region"),
               "tenure": N_("tenure")}  # fmt: skip
#: Group labels simlib forms (quartiles, tenure bands): catalog messages, shown with
#: :func:`group_label`; the data's own group names (regions) are shown as they are.
GROUP_LABELS = (N_("Q1 (bottom)"), N_("Q4 (top)"), N_("<1y"), N_("1-3y"), N_("3-5y"),
                N_("5y+"))  # fmt: skip


def group_label(group: Any) -> str:
    """A group as a page shows it: ``Q4 (top)`` -> ``Q4（最高）`` in Chinese."""
    text = str(group)
    return _(text) if text in GROUP_LABELS else text


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
    from simlib.data.tenure import tenure_band
    from simlib.scenario import Scenario

    ds = Scenario(name="design", design=dict(design)).dataset()
    attrs = ds.reps.set_index("rep_id").reindex(reps["rep_id"])
    if grouping == "tenure":
        year = int(result.provenance.get("year"))
        band = tenure_band(attrs["hire_date"].reset_index(drop=True), pd.Timestamp(f"{year}-01-01"))
        return band.value_counts()
    if grouping in attrs:
        return attrs[grouping].astype(str).fillna("unknown").value_counts()
    return pd.Series(dtype=float)


def _losses(results, baseline, designs, min_group) -> tuple[list[Loss], list[str]]:
    base = results[baseline]
    out: list[Loss] = []
    hidden: set[str] = set()
    design = (designs or {}).get(baseline)
    for grouping, (key, _words) in GROUP_TABLES.items():
        if key not in base.group_draws:
            continue
        sizes = group_sizes(base, design, grouping)
        b = base.group_draws[key]
        for g in b.columns:
            n = int(sizes.get(str(g), 0))
            if n < min_group:
                hidden.add(f"{_(GROUP_WORDS.get(grouping, grouping))} {group_label(g)}")
                continue
            bm = float(np.nanmean(b[g].to_numpy(float)))
            if not np.isfinite(bm) or bm <= 0:
                continue
            for name, res in results.items():
                if name == baseline or key not in res.group_draws:
                    continue
                if g not in res.group_draws[key]:
                    continue
                d, _half = _paired(b[g].to_numpy(float), res.group_draws[key][g].to_numpy(float))
                rel = d / bm
                if np.isfinite(rel) and rel <= -LOSS_TO_NAME:
                    out.append(Loss(name, GROUP_WORDS.get(grouping, grouping),
                                    group_label(g), rel, n))  # fmt: skip
    return out, sorted(hidden)


def decide(
    results: Mapping[str, Any],
    baseline: str = "baseline",
    goals: Sequence[v.Goal] | None = None,
    designs: Mapping[str, Mapping[str, Any]] | None = None,
    caveats: Sequence[str] = (),
    min_group: int = 5,
    currency: str | None = None,
) -> Decision:
    """Rank the designs against the goals and say what leadership needs to decide.

    Parameters
    ----------
    results : mapping of name -> SimulationResult
        Every design, simulated on the same years (same seed and draws), the
        baseline among them.
    baseline : str
        Today's plan: the design every other is compared with.
    goals : sequence of Goal, optional
        The scenario file's goals (:func:`simlib.vocabulary.parse_goals`); default
        the practice bands (:data:`simlib.vocabulary.DEFAULT_GOALS`).
    designs : mapping of name -> design, optional
        The designs as stated (for the behaviour caveat and tenure groups).
    caveats : sequence of str
        Further caveats that change the reading (data coverage findings, say);
        shown after the ones found here.
    min_group : int
        Groups with fewer reps are not named among the losers.
    currency : str, optional
        ISO code of the dataset's currency (``CNY``).
    """
    if baseline not in results:
        raise KeyError(
            _("the baseline {baseline!r} has no result (have {results})").format(
                baseline=baseline, results=sorted(results)
            )
        )
    goals = tuple(sorted(goals or v.DEFAULT_GOALS, key=lambda g: g.priority))
    source = _("the scenario file's goals") if goals != v.DEFAULT_GOALS else _(
        "goals: the practice bands, as the scenario file states none")  # fmt: skip
    base = results[baseline]
    base_cost = base.per_draw["total_payout"].to_numpy(float)
    rows = []
    for name, res in results.items():
        vals = {g.metric: v.value(res, g.metric) for g in goals}
        cost = v.value(res, "total_payout")
        if name == baseline:
            diff, half = 0.0, 0.0
        else:
            diff, half = _paired(base_cost, res.per_draw["total_payout"].to_numpy(float))
        rows.append(Row(
            name, vals, tuple(g.met(vals[g.metric]) for g in goals),
            tuple(g.shortfall(vals[g.metric]) for g in goals), cost, diff, half,
            diff / v.value(base, "total_payout"), v.value(res, "over_budget"),
            float(res.provenance.get("budget", np.nan)),
        ))  # fmt: skip
    order = {n: i for i, n in enumerate(results)}
    rows.sort(key=lambda r: _key(r, goals, r.name == baseline, order[r.name]))
    why = _why(rows[0], rows[1] if len(rows) > 1 else None, goals, baseline, currency)
    losses, hidden = _losses(results, baseline, designs, min_group)
    found = _caveats(results, baseline, goals, designs, hidden, min_group)
    return Decision(goals, rows, baseline, rows[0].name, why, losses, [*found, *caveats],
                    currency, len(base.per_draw), source, hidden)  # fmt: skip


def _caveats(results, baseline, goals, designs, hidden, min_group) -> list[str]:
    out = []
    if designs is not None and all(not (d or {}).get("behavior") for d in designs.values()):
        out.append(_(
            "No behavioural response is modelled: every design sees the same sales, so revenue "
            "is held fixed and a reform shows its cost but none of the extra sales it may bring."
        ))  # fmt: skip
    same = [g for g in goals if g.metric not in ("budget_ratio", "over_budget")
            and len({round(v.value(r, g.metric), 6) for r in results.values()}) == 1]  # fmt: skip
    if same and len(results) > 1:
        out.append(_("{metrics}: the same for every design, so it does not tell them apart.")
                   .format(metrics=_(", ").join(v.metric(g.metric).name for g in same)))  # fmt: skip
    q = v.metric("share_at_quota")
    reading = q.read(v.value(results[baseline], "share_at_quota"))
    if reading.label in ("too hard", "hard", "easy", "too easy"):
        out.append(_(
            "Targets: {share} of reps reach quota under today's plan ({reading}); every design "
            "is judged on these targets."
        ).format(share=q.show(v.value(results[baseline], "share_at_quota")), reading=reading.text))  # fmt: skip
    if hidden:
        out.append(_(
            "Groups with fewer than {min_group} reps are not shown or named ({n} left out: "
            "{groups})."
        ).format(min_group=min_group, n=len(hidden), groups=_(", ").join(hidden)))  # fmt: skip
    return out


def summary_lines(result: Any, name: str, plan_name: str, base: Any | None = None,
                  currency: str | None = None, baseline: str = "baseline",
                  losers: str | None = None) -> list[str]:  # fmt: skip
    """The three lines a scenario page opens with (markdown): the design's name and
    cost first, then how hard its targets are and how well pay follows performance,
    then who loses most (``losers``, from :meth:`Decision.losers_sentence`) and who
    the page covers."""
    cost = v.value(result, "total_payout")
    line1 = _("**{name}** ({plan}): incentive cost **{cost}** a year").format(
        name=name, plan=plan_name, cost=f.money(cost, currency)
    )
    br = v.value(result, "budget_ratio")
    if np.isfinite(br):
        line1 += _(", {share} of the budget, overspend risk {risk}").format(
            share=f.pct(br, 0), risk=f.pct(v.value(result, "over_budget"), 0)
        )
    if base is not None and name != baseline:
        d, half = _paired(base.per_draw["total_payout"].to_numpy(float),
                          result.per_draw["total_payout"].to_numpy(float))  # fmt: skip
        pm = f.money_pm(d, half, currency, scale=v.value(base, "total_payout"))
        line1 += _("; {change} against today's plan").format(change=pm)
    q, pp = v.metric("share_at_quota"), v.metric("pay_performance")
    qv, pv = v.value(result, "share_at_quota"), v.value(result, "pay_performance")
    line2 = _(
        "{share} of reps reach quota ({reading}); pay-performance {pp} ({pp_reading})."
    ).format(share=q.show(qv), reading=q.read(qv).text, pp=pp.show(pv), pp_reading=pp.read(pv).word)
    n_plan = len(result.reps)
    lead = (
        _("Who loses most: {losers}").format(losers=losers) + _gap()
        if losers and name != baseline
        else ""
    )
    n_data = result.provenance.get("reps")
    year = result.provenance.get("year")
    draws = len(result.per_draw)
    if n_data and int(n_data) != n_plan:
        line3 = _(
            "{n} reps in the plan (of {n_data} in the data); {draws} simulated years of {year}."
        ).format(n=f.count(n_plan), n_data=f.count(int(n_data)), draws=f.count(draws), year=year)
    else:
        line3 = ngettext(
            "{n} rep in the plan; {draws} simulated years of {year}.",
            "{n} reps in the plan; {draws} simulated years of {year}.",
            n_plan,
        ).format(n=f.count(n_plan), draws=f.count(draws), year=year)
    return [line1 + _("."), line2, lead + line3]

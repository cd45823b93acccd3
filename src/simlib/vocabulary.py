"""One vocabulary of metrics: each metric's name, definition, unit, display, direction,
reference band (with its source) and the rule that reads a value against the band.

Every report page, ``simlib describe``, the command line and the what-if read metrics
through this module, so the same design simulated with the same seed shows the same
number, in the same words, with the same verdict, wherever it appears:

>>> from simlib import vocabulary as v
>>> v.METRICS["share_at_quota"].show(0.597)
'59.7%'
>>> v.METRICS["share_at_quota"].read(0.597).text
'below the 60-70% design aim: hard'
>>> v.METRICS["pay_performance"].read(0.613).label
'moderate'

A design's value of a metric is :func:`value`: the mean over its simulated years
(fixed summation order, so it does not depend on how draws were chunked).

Reference bands come from ``docs/practice.md``. The module imports nothing above
:mod:`simlib.formatting`, so every floor of the library (the target diagnostics too)
reads values by the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simlib import formatting as f
from simlib.i18n import N_, _


@dataclass(frozen=True)
class Reading:
    """A value read against its metric's reference band."""

    label: str  # "hard", "within", "strong" ... (a key: compare with it, show :attr:`word`)
    text: str  # "below the 60-70% design aim: hard", in the language in force
    ok: bool | None  # True: where practice wants it; False: outside; None: no band

    @property
    def word(self) -> str:
        """The label as a reader sees it, in the language in force."""
        return _(self.label) if self.label else ""


@dataclass(frozen=True)
class Band:
    """A metric's reference band and how values outside it read.

    ``cuts`` are the edges, increasing, and ``labels`` has one more entry than
    ``cuts``: the reading of each interval (``[cut_i, cut_i+1)``, the last one closed).
    ``good`` lists the labels practice wants.
    """

    low: float
    high: float
    source: str
    cuts: tuple[float, ...]
    labels: tuple[str, ...]
    texts: tuple[str, ...]
    good: tuple[str, ...]

    def read(self, value: float) -> Reading:
        if value is None or not np.isfinite(value):
            return Reading(N_("no value"), _("no value"), None)
        i = int(np.searchsorted(np.asarray(self.cuts), value, side="right"))
        return Reading(self.labels[i], _(self.texts[i]), self.labels[i] in self.good)


@dataclass(frozen=True)
class Metric:
    """One metric of a simulated design.

    Attributes
    ----------
    key : str
        The column of ``SimulationResult.per_draw`` (and the name goals use).
    name_msg, definition_msg : str
        What a page calls it, and what it measures in one sentence a reader can check,
        in English (the catalog's msgids); :attr:`name` and :attr:`definition` give them
        in the language in force.
    unit : {"money", "share", "ratio", "multiple", "number"}
        ``share`` and ``ratio`` are fractions shown as percentages (a ratio such as
        cost / budget can pass 100%); ``money`` is in the dataset's currency.
    direction : {1, -1, 0}
        1: higher is better; -1: lower is better; 0: neither (judged against a band).
    band : Band or None
        The practice band and the rule that reads a value against it.
    """

    key: str
    name_msg: str
    definition_msg: str
    unit: str
    direction: int
    band: Band | None = None
    digits: int = 1
    aliases: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """What a page calls the metric, in the language in force."""
        return _(self.name_msg)

    @property
    def definition(self) -> str:
        """What the metric measures, in the language in force."""
        return _(self.definition_msg)

    def show(self, value: Any, currency: str | None = None, exact: bool = False) -> str:
        """The value as every page shows it."""
        if self.unit == "money":
            return f.money(value, currency, exact=exact)
        if self.unit in ("share", "ratio"):
            return f.pct(value, self.digits)
        if self.unit == "multiple":
            return f.multiple(value)
        return f.number(value, self.digits)

    def show_change(self, diff: Any, currency: str | None = None) -> str:
        """A change of the metric (against the baseline), signed."""
        if self.unit == "money":
            return f.money(diff, currency, sign=True)
        if self.unit in ("share", "ratio"):
            return f.points(diff, self.digits)
        if self.unit == "multiple":
            return f.number(diff, 2, sign=True) + "x" if np.isfinite(diff) else f.MISSING
        return f.number(diff, self.digits, sign=True)

    def read(self, value: Any) -> Reading:
        """The value against the practice band (``no band`` when practice gives none)."""
        if self.band is None:
            return Reading(N_("no band"), "", None)
        return self.band.read(float(value) if value is not None else np.nan)

    def band_text(self) -> str:
        """``60-70% (Alexander Group design aim)``, or empty."""
        if self.band is None:
            return ""
        lo, hi = self.band.low, self.band.high
        if self.unit in ("share", "ratio"):
            rng = f"{lo * 100:.0f}-{hi * 100:.0f}%"
        elif self.unit == "multiple":
            rng = f"{lo:g}-{hi:g}x"
        elif hi >= 1 and self.key == "pay_performance_spearman":
            rng = _("at least {low}").format(low=f"{lo:.1f}")
        else:
            rng = f"{lo:g}-{hi:g}"
        return f"{rng} ({_(self.band.source)})"


#: Share at quota: below 45% too hard, 45% to under 60% hard, 60-70% within the design
#: aim, over 70% to 85% easy, above 85% too easy (Alexander Group; docs/practice.md).
_QUOTA_AIM, _QUOTA_TOO_HARD, _QUOTA_TOO_EASY = (0.60, 0.70), 0.45, 0.85
_QUOTA = Band(
    *_QUOTA_AIM, N_("Alexander Group design aim; above 85% too easy, below 45% too hard"),
    # 60% and 70% are within the aim, 45% is hard (not too hard), 85% easy (not too easy).
    cuts=(_QUOTA_TOO_HARD, _QUOTA_AIM[0], _QUOTA_AIM[1] + 1e-12, _QUOTA_TOO_EASY + 1e-12),
    labels=(N_("too hard"), N_("hard"), N_("within"), N_("easy"), N_("too easy")),
    texts=(
        N_("too hard: below 45%"),
        N_("below the 60-70% design aim: hard"),
        N_("within the 60-70% design aim"),
        N_("above the 60-70% design aim: easy"),
        N_("too easy: above 85%"),
    ),
    good=("within",),
)  # fmt: skip
_PAY_PERF = Band(
    0.80, 1.00, N_("Falcon Incentives rule of thumb: 0.8 or more strong, 0.6-0.8 moderate"),
    cuts=(0.6, 0.8),
    labels=(N_("loose"), N_("moderate"), N_("strong")),
    texts=(
        N_("loose: pay barely follows performance (below 0.6)"),
        N_("moderate: 0.6-0.8, short of the 0.8 that practice calls strong"),
        N_("strong: 0.8 or more"),
    ),
    good=("strong",),
)  # fmt: skip
_COST_OF_SALES = Band(
    0.03, 0.09, N_("ZS: cash compensation is typically 3-9% of revenue"),
    cuts=(0.03, 0.09 + 1e-12),
    labels=(N_("below"), N_("within"), N_("above")),
    texts=(N_("below the usual 3-9% of revenue"), N_("within the usual 3-9% of revenue"),
           N_("above the usual 3-9% of revenue")),
    good=("within",),
)  # fmt: skip
_LEVERAGE = Band(
    2.0, 3.0, N_("SalesGlobe: the 90th-percentile rep earns about 2x (some plans 3x) target"),
    cuts=(2.0 - 0.05, 3.0 + 1e-12),
    labels=(N_("below"), N_("within"), N_("above")),
    texts=(N_("below the usual 2-3x upside"), N_("within the usual 2-3x upside"),
           N_("above the usual 2-3x upside")),
    good=("within",),
)  # fmt: skip
_BUDGET = Band(
    0.0, 1.0, N_("the incentive budget"),
    cuts=(1.0 + 1e-12,),
    labels=(N_("within"), N_("over")),
    texts=(N_("within budget"), N_("over budget")),
    good=("within",),
)  # fmt: skip

PAY_PERFORMANCE_DEFINITION = N_(
    "Spearman rank correlation, across the reps with a target incentive and an "
    "attainment, between each rep's payout as a multiple of their target incentive "
    "and their attainment of the plan's quota KPI, over one plan year; for a "
    "simulated design, the mean over its simulated years."
)

_LIST: tuple[Metric, ...] = (
    Metric("total_payout", N_("Incentive cost"), N_("Total incentive paid in a plan year."), "money", -1),
    Metric("budget_ratio", N_("Cost / budget"), N_("Incentive cost over the incentive budget."), "ratio",
           -1, _BUDGET),
    Metric("over_budget", N_("Overspend risk"),
           N_("Chance that a plan year's incentive cost exceeds the budget."), "share", -1),
    Metric("revenue", N_("Revenue"), N_("Revenue of the reps in the plan in a plan year."), "money", 1),
    Metric("cost_of_sales", N_("Cash cost of sales"),
           N_("(Base salary + incentive) of the reps in the plan over their revenue."), "share", 0,
           _COST_OF_SALES, digits=2),
    Metric("incentive_cost_of_sales", N_("Incentive cost of sales"),
           N_("Incentive paid over revenue."), "share", -1, digits=2),
    Metric("variable_pay_share", N_("Variable share of cash pay"),
           N_("Incentive over (base + incentive)."), "share", 0),
    Metric("leverage_p90", N_("Upside (top-decile pay / target)"),
           N_("Payout of the 90th-percentile rep as a multiple of their target incentive."),
           "multiple", 0, _LEVERAGE),
    Metric("share_at_threshold", N_("Share at threshold"),
           N_("Share of reps whose quota-KPI attainment reaches the plan's threshold."), "share", 1),
    Metric("share_at_quota", N_("Share at quota"),
           N_("Share of reps (with a target) whose annual attainment of the quota KPI is 100% "
           "or more."), "share", 0, _QUOTA),
    Metric("share_at_cap", N_("Share at cap"), N_("Share of reps at or above the plan's cap."),
           "share", -1),
    Metric("mean_attainment", N_("Mean attainment"), N_("Mean attainment of the quota KPI."), "share", 1),
    Metric("median_attainment", N_("Median attainment"), N_("Median attainment of the quota KPI."),
           "share", 1),
    Metric("pay_performance_spearman", N_("Pay-performance"), PAY_PERFORMANCE_DEFINITION, "number",
           1, _PAY_PERF, digits=2, aliases=("pay_performance",)),
    Metric("payout_gini", N_("Payout inequality (Gini)"),
           N_("Gini coefficient of payout across reps (0 equal, 1 one rep takes all)."), "number", 0,
           digits=2),
    Metric("company_reaches_target", N_("Chance the company reaches its target"),
           N_("Share of simulated years in which the company's quota-KPI total reaches its target."),
           "share", 1),
    Metric("cost_of_sales_bottom_quartile", N_("Cash cost of sales, bottom quartile"),
           N_("Cash cost of sales of the bottom performance quartile."), "share", -1, digits=2),
    Metric("cost_of_sales_top_quartile", N_("Cash cost of sales, top quartile"),
           N_("Cash cost of sales of the top performance quartile."), "share", -1, digits=2),
    Metric("improvement_plan_share", N_("Share flagged for an improvement plan"),
           N_("Share of reps below the improvement-plan attainment floor."), "share", -1),
    Metric("promotion_ready_share", N_("Share ready for promotion"),
           N_("Share of rated reps at or above the promotion grade."), "share", 0),
    Metric("merit_cost_at_matrix", N_("Merit increase cost"),
           N_("Cost of the merit increases the merit matrix gives."), "money", -1),
)  # fmt: skip

#: Every metric, by key; aliases (``pay_performance``) point to the same metric.
METRICS: dict[str, Metric] = {m.key: m for m in _LIST}
METRICS.update({a: m for m in _LIST for a in m.aliases})


def metric(key: str) -> Metric:
    """The metric called ``key`` (or one of its aliases); a clear error otherwise."""
    try:
        return METRICS[key]
    except KeyError:
        raise KeyError(
            _("no metric {key!r}; known: {known}").format(
                key=key, known=", ".join(m.key for m in _LIST)
            )
        ) from None


def value(result: Any, key: str) -> float:
    """A design's value of a metric: the mean over its simulated years, in a fixed
    summation order (the number every page shows)."""
    from simlib.metrics import Distribution

    k = metric(key).key
    if k not in result.per_draw:
        return float("nan")
    return Distribution.of(result.per_draw[k].to_numpy(float)).mean


def show(result: Any, key: str, currency: str | None = None) -> str:
    """:func:`value` formatted as every page shows it."""
    return metric(key).show(value(result, key), currency)


def design_currency(design: Mapping[str, Any] | None) -> str | None:
    """The currency a design's amounts are in: its ``report.currency``, else its plan's
    ``currency``, else None (amounts then show without a currency code)."""
    if not design:
        return None
    rep = design.get("report") or {}
    plan = design.get("plan") if isinstance(design.get("plan"), Mapping) else {}
    return rep.get("currency") or plan.get("currency") or None


# ------------------------------------------------------------------ goals
@dataclass(frozen=True)
class Goal:
    """A goal a design is judged against: a metric, a test, a priority (1 = first).

    ``test`` is ``at_most`` (value <= high), ``at_least`` (value >= low) or
    ``between`` (low <= value <= high).
    """

    metric: str
    test: str
    low: float
    high: float
    priority: int
    source: str = ""
    name: str = ""

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        m = metric(self.metric)

        def show(x: float) -> str:
            return f"{x * 100:g}%" if m.unit in ("share", "ratio") else m.show(x)

        if self.metric == "budget_ratio" and self.test == "at_most" and self.high == 1.0:
            return _("Cost within budget")
        if self.test == "at_most":
            return _("{metric} at most {bound}").format(metric=m.name, bound=show(self.high))
        if self.test == "at_least":
            return _("{metric} at least {bound}").format(metric=m.name, bound=show(self.low))
        return _("{metric} {low}-{high}").format(
            metric=m.name, low=show(self.low).rstrip("%"), high=show(self.high)
        )

    @property
    def why(self) -> str:
        """Why the goal is set (its ``source``), in the language in force when it is one
        of the practice bands' sources."""
        return _(self.source) if self.source else ""

    def met(self, v: float) -> bool:
        if v is None or not np.isfinite(v):
            return False
        return self.shortfall(v) == 0.0

    def shortfall(self, v: float) -> float:
        """How far ``v`` is from meeting the goal, relative to the goal's own scale
        (0 when met): e.g. 0.10 = 10% short of the bound. Infinite for no value."""
        if v is None or not np.isfinite(v):
            return float("inf")
        scale_lo = max(abs(self.low), 1e-9)
        scale_hi = max(abs(self.high), 1e-9)
        if self.test == "at_most":
            return max(0.0, (v - self.high) / scale_hi)
        if self.test == "at_least":
            return max(0.0, (self.low - v) / scale_lo)
        if v < self.low:
            return (self.low - v) / scale_lo
        return max(0.0, (v - self.high) / scale_hi)


#: The goals when a scenario file states none: the practice bands, in this priority.
DEFAULT_GOALS: tuple[Goal, ...] = (
    Goal("budget_ratio", "at_most", 0.0, 1.0, 1, N_("the incentive budget")),
    Goal("over_budget", "at_most", 0.0, 0.10, 2, N_("chance of overspending at most 1 year in 10")),
    Goal("pay_performance_spearman", "at_least", 0.80, 1.0, 3, _PAY_PERF.source),
    Goal("share_at_quota", "between", 0.60, 0.70, 4, N_("Alexander Group design aim")),
    Goal("cost_of_sales", "between", 0.03, 0.09, 5, _COST_OF_SALES.source),
)

#: The keys a ``goals:`` entry of a scenario file accepts.
GOAL_KEYS = ("metric", "at_most", "at_least", "between", "priority", "name", "why")


def parse_goals(entries: Any, where: str = "goals") -> tuple[Goal, ...]:
    """Goals from a scenario file's ``goals:`` list, validated strictly.

    Each entry names a ``metric`` (a key of :data:`METRICS`), exactly one of
    ``at_most: x``, ``at_least: x`` or ``between: [low, high]`` (rates as fractions:
    0.6, not 60), an optional ``priority`` (a whole number, 1 = first; default: the
    entry's position) and optional ``name`` and ``why``. Priorities must differ, so
    the ranking of designs is never a tie between goals. Raises
    :class:`~simlib.errors.SpecError` naming every problem's path.
    """
    from simlib.errors import SpecError

    errors: list[tuple[str, str]] = []
    if not isinstance(entries, Sequence) or isinstance(entries, str | bytes) or not entries:
        raise SpecError([(where, _("expected a non-empty list of goals"))])
    goals: list[Goal] = []
    for i, e in enumerate(entries):
        here = f"{where}[{i}]"
        if not isinstance(e, Mapping):
            errors.append(
                (here, _("expected a mapping with 'metric' and a bound, got {e!r}").format(e=e))
            )
            continue
        unknown = sorted(set(map(str, e)) - set(GOAL_KEYS))
        if unknown:
            errors.append(
                (
                    here,
                    _("unknown key(s) {unknown}; allowed: {GOAL_KEYS}").format(
                        unknown=unknown, GOAL_KEYS=list(GOAL_KEYS)
                    ),
                )
            )
        key = e.get("metric")
        if not isinstance(key, str) or key not in METRICS:
            errors.append(
                (
                    f"{here}.metric",
                    _("expected one of {known}, got {key!r}").format(
                        known=sorted(m.key for m in _LIST), key=key
                    ),
                )
            )
            continue
        tests = [t for t in ("at_most", "at_least", "between") if t in e]
        if len(tests) != 1:
            errors.append((here, _("give exactly one of at_most, at_least, between")))
            continue
        test, bound = tests[0], e[tests[0]]
        if test == "between":
            ok = (isinstance(bound, Sequence) and not isinstance(bound, str) and len(bound) == 2
                  and all(_is_number(b) for b in bound) and bound[0] <= bound[1])  # fmt: skip
            if not ok:
                errors.append(
                    (
                        f"{here}.between",
                        _("expected [low, high] with low <= high, got {bound!r}").format(
                            bound=bound
                        ),
                    )
                )
                continue
            low, high = float(bound[0]), float(bound[1])
        else:
            if not _is_number(bound):
                errors.append(
                    (f"{here}.{test}", _("expected a number, got {bound!r}").format(bound=bound))
                )
                continue
            low = high = float(bound)
        m = METRICS[key]
        if m.unit in ("share",) and not (0.0 <= low and high <= 1.0):
            errors.append(
                (
                    f"{here}.{test}",
                    _(
                        "{name} is a share: give a fraction between 0 and 1 (0.6, not 60), got "
                        "{bound!r}"
                    ).format(name=m.name, bound=bound),
                )
            )
            continue
        prio = e.get("priority", i + 1)
        if isinstance(prio, bool) or not isinstance(prio, int) or prio < 1:
            errors.append(
                (
                    f"{here}.priority",
                    _("expected a whole number of at least 1, got {prio!r}").format(prio=prio),
                )
            )
            continue
        for k in ("name", "why"):
            if k in e and not isinstance(e[k], str):
                errors.append((f"{here}.{k}", _("expected text, got {e!r}").format(e=e[k])))
        goals.append(
            Goal(m.key, test, low, high, prio, str(e.get("why", "")), str(e.get("name", "")))
        )
    prios = [g.priority for g in goals]
    dup = sorted({p for p in prios if prios.count(p) > 1})
    if dup:
        errors.append(
            (
                where,
                _("priorities must differ (each goal its own rank); repeated: {dup}").format(
                    dup=dup
                ),
            )
        )
    metrics_ = [g.metric for g in goals]
    twice = sorted({k for k in metrics_ if metrics_.count(k) > 1})
    if twice:
        errors.append((where, _("one goal per metric; repeated: {twice}").format(twice=twice)))
    if errors:
        raise SpecError(errors)
    return tuple(sorted(goals, key=lambda g: g.priority))


def goals_to_data(goals: Sequence[Goal]) -> list[dict[str, Any]]:
    """Goals as the ``goals:`` entries that :func:`parse_goals` reads back."""
    out = []
    for g in goals:
        d: dict[str, Any] = {"metric": g.metric, "priority": g.priority}
        if g.test == "between":
            d["between"] = [g.low, g.high]
        else:
            d[g.test] = g.high if g.test == "at_most" else g.low
        if g.name:
            d["name"] = g.name
        if g.source:
            d["why"] = g.source
        out.append(d)
    return out


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and np.isfinite(x)


def describe_metrics(keys: Sequence[str] | None = None) -> str:
    """The vocabulary as text (for ``simlib describe`` and the report appendix)."""
    lines = []
    for m in (metric(k) for k in keys) if keys else _LIST:
        band = m.band_text()
        ref = " " + _("Reference: {band}.").format(band=band) if band else ""
        lines.append(f"- {m.name}: {m.definition}{ref}")
    return "\n".join(lines)

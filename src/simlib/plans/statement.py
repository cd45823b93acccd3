"""Pay statements: one rep's pay for one month, every step in numbers and words.

Built from the trace the core keeps (``PreparedPlan.payout(..., trace=True)``),
so the numbers on the statement are the numbers paid, like OpenFisca's tracer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib.i18n import _
from simlib.plans.core import PlanPayout, PreparedPlan
from simlib.plans.curve import PayoutCurve
from simlib.plans.spec import Commission, QuotaBonus, Scorecard, Spif, Team


@dataclass(frozen=True)
class PayStatement:
    """One rep's pay for one month, step by step.

    Attributes
    ----------
    rep_id, period : the rep and month.
    steps : pandas.DataFrame
        ``line, step, detail, amount``: the words and numbers of each step;
        ``amount`` is set on the rows that are payments.
    lines : dict of str to float
        Payment per line (component, plan cap, clawback, draw) this month.
    total : float
        What is paid this month.
    """

    rep_id: str
    period: pd.Period
    steps: pd.DataFrame
    lines: dict
    total: float
    currency: str = "CNY"

    def __str__(self) -> str:
        out = [
            _("Pay statement: {rep}, {month}").format(
                rep=self.rep_id, month=i18n.month(self.period)
            )
        ]
        cur = None
        for _i, r in self.steps.iterrows():
            if r["line"] != cur:
                cur = r["line"]
                out.append(f"\n{cur}")
            amt = "" if pd.isna(r["amount"]) else f"  = {_money(r['amount'], self.currency)}"
            out.append(f"  - {r['step']}: {r['detail']}{amt}")
        out.append(
            "\n"
            + _("Total paid this month: {amount}").format(amount=_money(self.total, self.currency))
        )
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"


def _money(x: float, cur: str) -> str:
    return i18n.money_exact(x, cur)


def _num(x: float) -> str:
    return i18n.number(x, 2)


#: Words of the plan spec a statement shows (periods, commission modes, bases).
_SPEC_WORDS = (i18n.N_("month"), i18n.N_("quarter"), i18n.N_("year"), i18n.N_("marginal"),
               i18n.N_("retroactive"), i18n.N_("attainment"), i18n.N_("value"))  # fmt: skip
#: Component types as a statement names them.
_TYPES = {"quota_bonus": i18n.N_("quota bonus"), "team": i18n.N_("team bonus"),
          "commission": i18n.N_("commission"), "spif": i18n.N_("SPIF"),
          "scorecard": i18n.N_("scorecard")}  # fmt: skip


def statement(plan, prep: PreparedPlan, pay: PlanPayout, rep_id: str, period: Any, labels=None):
    """The pay statement of ``rep_id`` for ``period``, in the language in force; KPI and
    component names from ``labels`` (:class:`simlib.labels.Labels`) where it has them."""
    from simlib.plans.plan import PlanInputError, _periods

    cur = plan.spec.currency
    hits = np.flatnonzero(prep.rep_ids == rep_id)
    if len(hits) == 0:
        raise PlanInputError(
            f"rep {rep_id!r} is not among the reps paid (no actuals or targets for them)"
        )
    r = int(hits[0])
    if not prep.paid[r]:
        raise PlanInputError(
            f"rep {rep_id!r} is not paid by plan {plan.name!r} (positions {plan.spec.positions}); "
            "they only count in their unit's team attainment"
        )
    try:
        per = _periods([period])[0]
    except PlanInputError:
        raise PlanInputError(f"period {period!r} is not a month; expected e.g. '2026-03'") from None
    tt = pd.PeriodIndex(prep.periods).get_indexer([per])[0]
    if tt < 0:
        raise PlanInputError(
            f"period {per} is outside the months paid ({prep.periods[0]}..{prep.periods[-1]})"
        )
    t = int(tt)
    rows: list[tuple[str, str, str, float]] = []

    # Chinese statements name KPIs and components as the data do; English ones keep
    # the codes, as they always have.
    named = labels is not None and i18n.is_chinese()

    def kpi(k: str) -> str:
        return labels.name("kpi", k) if named else k

    def comp(name: str) -> str:
        return labels.name("component", name) if named else name

    def span(first, last) -> str:
        return i18n.month_span(first, last) if i18n.is_chinese() else f"{first}..{last}"

    def add(line: str, step: str, detail: str, amount: float = np.nan) -> None:
        rows.append((line, step, detail, amount))

    def at(x, j):
        return float(np.asarray(x)[r, j]) if np.ndim(x) >= 2 else float(np.asarray(x)[j])

    pr = prep.prorate[r]
    if plan.spec.target_incentive is not None:
        add(
            _("target incentive"),
            _("annual"),
            _("{amount} a year; this month counts {share} of its days (hire, exit, leave)").format(
                amount=_money(prep.target_incentive[r], cur), share=i18n.percent(pr[t])
            ),
        )
    elif pr[t] < 1:
        add(
            _("days"),
            _("worked"),
            _("this month counts {share} of its days (hire, exit, leave)").format(
                share=i18n.percent(pr[t])
            ),
        )

    def att_words(x: float) -> str:
        return (
            _("unlimited (a lower-is-better KPI at 0, its best)")
            if np.isinf(x)
            else i18n.percent(x, 2)
        )

    def no_target(tr: dict, j: int) -> bool:
        return "no_target" in tr and bool(at(tr["no_target"], j))

    for c in plan.spec.components:
        kind = _(_TYPES[c.type]) if i18n.is_chinese() and c.type in _TYPES else c.type
        line = f"{comp(c.name)} ({kind})"
        amount = float(pay.lines[c.name][r, t])
        w = prep.windows[c.name]
        if isinstance(c, Scorecard) and c.applies_to:
            add(
                line,
                _("role"),
                _(
                    "multiplies {components} by the performance coefficient; pays nothing itself"
                ).format(components=", ".join(comp(a) for a in c.applies_to)),
                amount,
            )
            continue
        j = w.containing(t)
        if j >= len(w.ends) or w.ends[j] != t:
            nxt = (
                _("; next measured at the end of {month}").format(
                    month=i18n.month(prep.periods[w.ends[j]])
                )
                if j < len(w.ends)
                else ""
            )
            add(
                line,
                _("not measured this month"),
                _("measured per {period}").format(period=_(w.period)) + nxt,
                amount,
            )
            continue
        tr = pay.trace[c.name]
        s, e = int(w.starts[j]), int(w.ends[j])
        span_ = span(prep.periods[s], prep.periods[e]) + (
            _(" (year to date, true-up)") if plan.spec.true_up else ""
        )
        add(line, _("measured"), span_)
        if isinstance(c, (QuotaBonus, Team)):
            curve = PayoutCurve(c.curve)
            a, q = at(tr["_actual"], j), at(tr["_target"], j)
            lower = prep.kpi_direction.get(c.kpi, "higher") == "lower"
            ratio = (
                _("target {target} / {kpi} {actual}")
                if lower
                else _("{kpi} {actual} / target {target}")
            ).format(kpi=kpi(c.kpi), actual=_num(a), target=_num(q))
            if isinstance(c, Team):
                ta, ia = at(tr["team_attainment"], j), at(tr["individual_attainment"], j)
                tsum, qsum = at(tr["team_actual"], j), at(tr["team_target"], j)
                add(
                    line,
                    _("attainment"),
                    _(
                        "team ({level}: {kpi} {team_actual} / target {team_target} summed over "
                        "everyone in it with a target) {team_att} x {team_w} + own {ratio} = "
                        "{own_att} x {own_w} = {att}"
                    ).format(
                        level=labels.name("level", c.level) if named else c.level,
                        kpi=kpi(c.kpi), team_actual=_num(tsum), team_target=_num(qsum),
                        team_att=att_words(ta), team_w=f"{c.blend.team:g}", ratio=ratio,
                        own_att=att_words(ia), own_w=f"{c.blend.individual:g}",
                        att=att_words(at(tr["attainment"], j)),
                    ),
                )  # fmt: skip
            elif no_target(tr, j):
                add(
                    line,
                    _("attainment"),
                    _("no target for {kpi} in this window: pays nothing").format(kpi=kpi(c.kpi)),
                )
            else:
                add(line, _("attainment"), f"{ratio} = {att_words(at(tr['attainment'], j))}")
            att = at(tr["attainment"], j)
            add(
                line,
                _("curve"),
                _("{where} -> factor {factor}").format(
                    where=curve.locate(att), factor=f"{at(tr['factor'], j):.4f}"
                ),
            )
            tp = at(tr["target_pay"], j)
            add(
                line,
                _("target payout"),
                _("weight {weight} x target incentive for the window {ti} = {amount}").format(
                    weight=f"{c.weight:g}",
                    ti=_money(at(tr["ti_window"], j), cur),
                    amount=_money(tp, cur),
                ),
            )
            add(
                line,
                _("earned"),
                f"{_money(tp, cur)} x {at(tr['factor'], j):.4f} = {_money(at(tr['raw'], j), cur)}",
            )
        elif isinstance(c, Commission):
            v, sc = at(tr["value"], j), at(tr["scale"], j)
            unit = _("of a year") if c.basis == "value" else _("(window target)")
            sched = (
                _("flat {rate}").format(rate=i18n.percent(c.rate, 2))
                if c.rate is not None
                else ", ".join(
                    _("{rate} above {value}").format(
                        rate=i18n.percent(tier.rate, 2), value=_num(tier.above * sc)
                    )
                    for tier in c.tiers
                )
            )
            extra = ""
            if c.threshold is not None:
                extra += _("; nothing below {value}").format(value=_num(c.threshold * sc))
            if c.cap is not None:
                extra += _("; nothing above {value}").format(value=_num(c.cap * sc))
            add(
                line,
                _("value"),
                _("{kpi} {value}; breaks scaled by {scale} {unit}").format(
                    kpi=kpi(c.kpi), value=_num(v), scale=f"{sc:.4g}", unit=unit
                ),
            )
            if c.basis == "attainment" and no_target(tr, j):
                add(
                    line,
                    _("no target"),
                    _("no target for {kpi} in this window: pays nothing").format(kpi=kpi(c.kpi)),
                )
            add(
                line,
                _("earned"),
                _("{mode} commission: {schedule}{extra} -> {amount}").format(
                    mode=_(c.mode),
                    schedule=sched,
                    extra=extra,
                    amount=_money(at(tr["raw"], j), cur),
                ),
            )
        elif isinstance(c, Spif):
            u = at(tr["units"], j)
            add(
                line,
                _("earned"),
                _("{units} {kpi} between {start} and {end} x {each} = {amount}").format(
                    units=_num(u), kpi=kpi(c.kpi), start=c.start, end=c.end,
                    each=_money(c.amount, cur), amount=_money(at(tr["raw"], j), cur),
                ),
            )  # fmt: skip
        elif isinstance(c, Scorecard):
            if bool(at(tr["no_score"], j)):
                add(
                    line,
                    _("no score"),
                    _("no appraisal score or rating for this window: pays nothing"),
                )
            add(
                line,
                _("earned"),
                _("weight {weight} x target incentive {ti} x performance coefficient {coef} = {amount}").format(
                    weight=f"{c.weight:g}", ti=_money(at(tr["ti_window"], j), cur),
                    coef=f"{at(tr['coefficient'], j):.4f}", amount=_money(at(tr["raw"], j), cur),
                ),
            )  # fmt: skip
        if c.gate is not None:
            gm, ok = at(tr["gate_measure"], j), bool(at(tr["gate_ok"], j))
            gw = prep.period_windows[c.name]
            gspan = span(prep.periods[int(gw.starts[j])], prep.periods[int(gw.ends[j])])
            add(
                line,
                _("gate"),
                _("{kpi} {basis} over {span} {value} {op} {min}: ").format(
                    kpi=kpi(c.gate.kpi), basis=_(c.gate.basis), span=gspan, value=f"{gm:.4g}",
                    op=">=" if ok else "<", min=f"{c.gate.min:g}",
                )
                + (_("held") if ok else _("failed, so this component pays nothing this period")),
            )  # fmt: skip
        if c.modifier is not None:
            mm = at(tr["modifier_measure"], j)
            mcurve = PayoutCurve(c.modifier.curve, below=None)
            add(
                line,
                _("modifier"),
                f"{kpi(c.modifier.kpi)} {_(c.modifier.basis)} {mm:.4g}: {mcurve.locate(mm)} -> x {at(tr['modifier_factor'], j):.4f}",
            )
        for k in tr:
            if k.startswith("coefficient:"):
                add(
                    line,
                    _("scorecard"),
                    _("performance coefficient from {scorecard}: x {coef}").format(
                        scorecard=comp(k.split(":", 1)[1]), coef=f"{at(tr[k], j):.4f}"
                    ),
                )
        ent = at(tr["entitlement"], j)
        add(
            line,
            _("entitlement"),
            _money(ent, cur) + (_(" (year to date)") if plan.spec.true_up else ""),
        )
        if plan.spec.true_up and tr.get("paid_before") is not None:
            before = at(tr["paid_before"], j)
            if w.prev[j] >= 0:
                add(
                    line,
                    _("true-up"),
                    _(
                        "entitlement {entitled} minus already paid this year {paid} = {amount}"
                    ).format(
                        entitled=_money(ent, cur),
                        paid=_money(before, cur),
                        amount=_money(ent - before, cur),
                    )
                    + (
                        _(" (held: a negative true-up is not paid)")
                        if plan.spec.negative_true_up == "hold" and ent - before < 0
                        else ""
                    )
                    + (
                        ""
                        if c.gate is None or bool(at(tr["gate_ok"], j))
                        else _("; the gate failed: 0")
                    ),
                )
        if c.max_payout is not None:
            bit = bool(at(tr["capped"], j))
            so_far = at(tr["cap_paid_before"], j)
            add(
                line,
                _("component cap"),
                _("at most {limit} in the plan year; paid so far this year {paid}: ").format(
                    limit=_money(at(tr["cap_limit"], j), cur), paid=_money(so_far, cur)
                )
                + (_("the cap bit") if bit else _("not reached")),
            )
        add(line, _("paid"), _("this month"), amount)
    for name, arr in pay.lines.items():
        if name in {c.name for c in plan.spec.components}:
            continue
        amount = float(arr[r, t])
        if name == "plan_cap":
            pc = pay.trace.get("plan_cap", {})
            rule = []
            if plan.spec.max_payout_multiple is not None:
                rule.append(
                    _("{multiple} x year-to-date target incentive").format(
                        multiple=f"{plan.spec.max_payout_multiple:g}"
                    )
                )
            if plan.spec.max_payout is not None:
                rule.append(_("{amount} a year").format(amount=_money(plan.spec.max_payout, cur)))
            nums = ""
            if pc:
                nums = _("; earned this year to date {earned}, limit {limit}, held back so far {held}").format(
                    earned=_money(at(pc["ytd_earned"], t), cur), limit=_money(at(pc["limit"], t), cur),
                    held=_money(at(pc["held"], t), cur),
                )  # fmt: skip
            add(
                _("plan cap"),
                _("rule"),
                _("year-to-date pay at most {rule}{numbers}: ").format(
                    rule=_(" and ").join(rule), numbers=nums
                )
                + (
                    _("the cap bit, this much is held back")
                    if amount < 0
                    else _("releases pay held back earlier as the year-to-date limit grows")
                    if amount > 0
                    else _("not reached")
                ),
                amount,
            )
        elif name.startswith("clawback:"):
            cb = plan.component(name.split(":", 1)[1]).clawback
            ct = pay.trace.get(name, {})
            what = ""
            if ct:
                m_now = at(ct["measure"], t)
                rev = [
                    (t - k, at(ct["paid"], t - k))
                    for k, hit in ct["hits"]
                    if t - k >= 0 and bool(np.asarray(hit)[r, t - k])
                ]
                what = _("; {kpi} this month {value}").format(
                    kpi=kpi(cb.kpi), value=f"{m_now:.4g}"
                ) + (_(" (short)") if m_now < cb.min else "")
                for s0, p0 in rev:
                    what += _("; reverses {share} of the {paid} paid in {month} = {amount}").format(
                        share=f"{cb.share:.0%}", paid=_money(p0, cur),
                        month=i18n.month(prep.periods[s0]), amount=_money(cb.share * p0, cur),
                    )  # fmt: skip
            add(
                _("clawback: {component}").format(component=comp(name.split(":", 1)[1]))
                if i18n.is_chinese()
                else name,
                _("rule"),
                _(
                    "{share} of a payment (as paid, after the plan cap) is reversed if {kpi} "
                    "({basis}) falls below {min} within {months} months{what}"
                ).format(
                    share=f"{cb.share:.0%}", kpi=kpi(cb.kpi), basis=_(cb.basis),
                    min=f"{cb.min:g}", months=cb.within_months, what=what,
                ),
                amount,
            )  # fmt: skip
        elif name == "draw":
            d = plan.spec.draw
            dt_ = pay.trace.get("draw", {})
            dm = d.amount * prep.prorate[r, t] * prep.draw_mask[r, t]
            extra = ""
            if dt_:
                if at(dt_["forgiven"], t) > 0:
                    extra += _("; balance of {amount} from last plan year forgiven").format(
                        amount=_money(at(dt_["forgiven"], t), cur)
                    )
                extra += _("; unrecovered balance after this month {amount}").format(
                    amount=_money(at(dt_["balance"], t), cur)
                )
                extra += (
                    _(" (forgiven at the end of the plan year)")
                    if d.unrecovered == "forgive"
                    else _(" (carried into the next year)")
                )
            who = (
                ""
                if d.months is None
                else _(" (new hires, first {months} months after joining)").format(months=d.months)
            )
            add(
                _("draw"),
                _("rule"),
                (
                    _("recoverable draw{who} of {amount} this month (top-up positive, recovery negative){extra}")
                    if d.recoverable
                    else _("non-recoverable draw{who} of {amount} this month (top-up positive, recovery negative){extra}")
                ).format(who=who, amount=_money(dm, cur), extra=extra),
                amount,
            )  # fmt: skip
    lines = {n: float(a[r, t]) for n, a in pay.lines.items()}
    steps = pd.DataFrame(rows, columns=["line", "step", "detail", "amount"])
    return PayStatement(rep_id, per, steps, lines, float(pay.total[r, t]), cur)

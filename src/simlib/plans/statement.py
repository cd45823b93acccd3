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
from simlib.plans.components import StatementContext
from simlib.plans.core import PlanPayout, PreparedPlan
from simlib.plans.curve import PayoutCurve
from simlib.plans.inputs import PlanInputError
from simlib.plans.inputs import periods_of as _periods


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


def statement(plan, prep: PreparedPlan, pay: PlanPayout, rep_id: str, period: Any, labels=None):
    """The pay statement of ``rep_id`` for ``period``, in the language in force; KPI and
    component names from ``labels`` (:class:`simlib.labels.Labels`) where it has them."""
    r, t, per = _locate(plan, prep, rep_id, period)
    cur = plan.spec.currency
    # Chinese statements name KPIs and components as the data do; English ones keep
    # the codes, as they always have.
    named = labels is not None and i18n.is_chinese()
    ctx = StatementContext(
        prep=prep,
        r=r,
        t=t,
        currency=cur,
        kpi=(lambda k: labels.name("kpi", k)) if named else (lambda k: k),
        comp=(lambda n: labels.name("component", n)) if named else (lambda n: n),
        level=(lambda v: labels.name("level", v)) if named else (lambda v: v),
        rows=[],
    )
    pr = prep.prorate[r]
    if plan.spec.target_incentive is not None:
        ctx.add(
            _("target incentive"),
            _("annual"),
            _("{amount} a year; this month counts {share} of its days (hire, exit, leave)").format(
                amount=_money(prep.target_incentive[r], cur), share=i18n.percent(pr[t])
            ),
        )
    elif pr[t] < 1:
        ctx.add(
            _("days"),
            _("worked"),
            _("this month counts {share} of its days (hire, exit, leave)").format(
                share=i18n.percent(pr[t])
            ),
        )
    for c in plan.spec.components:
        _component_steps(plan, pay, ctx, c)
    names = {c.name for c in plan.spec.components}
    for name, arr in pay.lines.items():
        if name in names:
            continue
        amount = float(arr[r, t])
        if name == "plan_cap":
            _plan_cap_steps(plan, pay, ctx, amount)
        elif name.startswith("clawback:"):
            _clawback_steps(plan, pay, ctx, name, amount)
        elif name == "draw":
            _draw_steps(plan, pay, ctx, amount)
    lines = {n: float(a[r, t]) for n, a in pay.lines.items()}
    steps = pd.DataFrame(ctx.rows, columns=["line", "step", "detail", "amount"])
    return PayStatement(rep_id, per, steps, lines, float(pay.total[r, t]), cur)


def _locate(plan, prep: PreparedPlan, rep_id: str, period: Any) -> tuple[int, int, pd.Period]:
    """The rep's row and the month's column, or an error saying why there are none."""
    hits = np.flatnonzero(prep.rep_ids == rep_id)
    if len(hits) == 0:
        raise PlanInputError(
            _("rep {rep!r} is not among the reps paid (no actuals or targets for them)").format(
                rep=rep_id
            )
        )
    r = int(hits[0])
    if not prep.paid[r]:
        raise PlanInputError(
            _(
                "rep {rep!r} is not paid by plan {plan!r} (positions {positions}); "
                "they only count in their unit's team attainment"
            ).format(rep=rep_id, plan=plan.name, positions=plan.spec.positions)
        )
    try:
        per = _periods([period])[0]
    except PlanInputError:
        raise PlanInputError(
            _("period {period!r} is not a month; expected e.g. '2026-03'").format(period=period)
        ) from None
    tt = pd.PeriodIndex(prep.periods).get_indexer([per])[0]
    if tt < 0:
        raise PlanInputError(
            _("period {period} is outside the months paid ({first}..{last})").format(
                period=per, first=prep.periods[0], last=prep.periods[-1]
            )
        )
    return r, int(tt), per


def _span(first, last) -> str:
    return i18n.month_span(first, last) if i18n.is_chinese() else f"{first}..{last}"


def _component_steps(plan, pay: PlanPayout, ctx: StatementContext, c) -> None:
    """One component's steps: measured window, its own steps, then what all share."""
    prep, r, t = ctx.prep, ctx.r, ctx.t
    kind = _(c.type_words) if i18n.is_chinese() and c.type_words else c.type
    line = f"{ctx.comp(c.name)} ({kind})"
    amount = float(pay.lines[c.name][r, t])
    w = prep.windows[c.name]
    role = c.role(ctx.comp)
    if role is not None:
        ctx.add(line, _("role"), role, amount)
        return
    j = w.containing(t)
    if j >= len(w.ends) or w.ends[j] != t:
        nxt = (
            _("; next measured at the end of {month}").format(
                month=i18n.month(prep.periods[w.ends[j]])
            )
            if j < len(w.ends)
            else ""
        )
        ctx.add(
            line,
            _("not measured this month"),
            _("measured per {period}").format(period=_(w.period)) + nxt,
            amount,
        )
        return
    tr = pay.trace[c.name]
    s, e = int(w.starts[j]), int(w.ends[j])
    span_ = _span(prep.periods[s], prep.periods[e]) + (
        _(" (year to date, true-up)") if plan.spec.true_up else ""
    )
    ctx.add(line, _("measured"), span_)
    c.explain(ctx, line, tr, j)
    _shared_steps(plan, ctx, c, line, tr, j)
    ctx.add(line, _("paid"), _("this month"), amount)


def _shared_steps(plan, ctx: StatementContext, c, line: str, tr: dict, j: int) -> None:
    """Gate, modifier, scorecard coefficients, entitlement, true-up and component cap."""
    prep, cur, at = ctx.prep, ctx.currency, ctx.at
    w = prep.windows[c.name]
    if c.gate is not None:
        gm, ok = at(tr["gate_measure"], j), bool(at(tr["gate_ok"], j))
        gw = prep.period_windows[c.name]
        gspan = _span(prep.periods[int(gw.starts[j])], prep.periods[int(gw.ends[j])])
        ctx.add(
            line,
            _("gate"),
            _("{kpi} {basis} over {span} {value} {op} {min}: ").format(
                kpi=ctx.kpi(c.gate.kpi), basis=_(c.gate.basis), span=gspan, value=f"{gm:.4g}",
                op=">=" if ok else "<", min=f"{c.gate.min:g}",
            )
            + (_("held") if ok else _("failed, so this component pays nothing this period")),
        )  # fmt: skip
    if c.modifier is not None:
        mm = at(tr["modifier_measure"], j)
        mcurve = PayoutCurve(c.modifier.curve, below=None)
        ctx.add(
            line,
            _("modifier"),
            f"{ctx.kpi(c.modifier.kpi)} {_(c.modifier.basis)} {mm:.4g}: {mcurve.locate(mm)} -> x {at(tr['modifier_factor'], j):.4f}",
        )
    for k in tr:
        if k.startswith("coefficient:"):
            ctx.add(
                line,
                _("scorecard"),
                _("performance coefficient from {scorecard}: x {coef}").format(
                    scorecard=ctx.comp(k.split(":", 1)[1]), coef=f"{at(tr[k], j):.4f}"
                ),
            )
    ent = at(tr["entitlement"], j)
    ctx.add(
        line,
        _("entitlement"),
        _money(ent, cur) + (_(" (year to date)") if plan.spec.true_up else ""),
    )
    if plan.spec.true_up and tr.get("paid_before") is not None and w.prev[j] >= 0:
        before = at(tr["paid_before"], j)
        ctx.add(
            line,
            _("true-up"),
            _("entitlement {entitled} minus already paid this year {paid} = {amount}").format(
                entitled=_money(ent, cur),
                paid=_money(before, cur),
                amount=_money(ent - before, cur),
            )
            + (
                _(" (held: a negative true-up is not paid)")
                if plan.spec.negative_true_up == "hold" and ent - before < 0
                else ""
            )
            + ("" if c.gate is None or bool(at(tr["gate_ok"], j)) else _("; the gate failed: 0")),
        )
    if c.max_payout is not None:
        bit = bool(at(tr["capped"], j))
        so_far = at(tr["cap_paid_before"], j)
        ctx.add(
            line,
            _("component cap"),
            _("at most {limit} in the plan year; paid so far this year {paid}: ").format(
                limit=_money(at(tr["cap_limit"], j), cur), paid=_money(so_far, cur)
            )
            + (_("the cap bit") if bit else _("not reached")),
        )


def _plan_cap_steps(plan, pay: PlanPayout, ctx: StatementContext, amount: float) -> None:
    cur, t, at = ctx.currency, ctx.t, ctx.at
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
    ctx.add(
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


def _clawback_steps(plan, pay: PlanPayout, ctx: StatementContext, name: str, amount: float):
    cur, r, t, at = ctx.currency, ctx.r, ctx.t, ctx.at
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
        what = _("; {kpi} this month {value}").format(kpi=ctx.kpi(cb.kpi), value=f"{m_now:.4g}") + (
            _(" (short)") if m_now < cb.min else ""
        )
        for s0, p0 in rev:
            what += _("; reverses {share} of the {paid} paid in {month} = {amount}").format(
                share=f"{cb.share:.0%}", paid=_money(p0, cur),
                month=i18n.month(ctx.prep.periods[s0]), amount=_money(cb.share * p0, cur),
            )  # fmt: skip
    ctx.add(
        _("clawback: {component}").format(component=ctx.comp(name.split(":", 1)[1]))
        if i18n.is_chinese()
        else name,
        _("rule"),
        _(
            "{share} of a payment (as paid, after the plan cap) is reversed if {kpi} "
            "({basis}) falls below {min} within {months} months{what}"
        ).format(
            share=f"{cb.share:.0%}", kpi=ctx.kpi(cb.kpi), basis=_(cb.basis),
            min=f"{cb.min:g}", months=cb.within_months, what=what,
        ),
        amount,
    )  # fmt: skip


def _draw_steps(plan, pay: PlanPayout, ctx: StatementContext, amount: float) -> None:
    cur, r, t, at = ctx.currency, ctx.r, ctx.t, ctx.at
    d = plan.spec.draw
    dt_ = pay.trace.get("draw", {})
    dm = d.amount * ctx.prep.prorate[r, t] * ctx.prep.draw_mask[r, t]
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
    ctx.add(
        _("draw"),
        _("rule"),
        (
            _("recoverable draw{who} of {amount} this month (top-up positive, recovery negative){extra}")
            if d.recoverable
            else _("non-recoverable draw{who} of {amount} this month (top-up positive, recovery negative){extra}")
        ).format(who=who, amount=_money(dm, cur), extra=extra),
        amount,
    )  # fmt: skip

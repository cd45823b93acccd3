"""Pay statements: one rep's pay for one month, every step in numbers and words.

Built from the trace the core keeps (``PreparedPlan.payout(..., trace=True)``),
so the numbers on the statement are the numbers paid, like OpenFisca's tracer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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
        out = [f"Pay statement: {self.rep_id}, {self.period}"]
        cur = None
        for _, r in self.steps.iterrows():
            if r["line"] != cur:
                cur = r["line"]
                out.append(f"\n{cur}")
            amt = "" if pd.isna(r["amount"]) else f"  = {r['amount']:,.2f} {self.currency}"
            out.append(f"  - {r['step']}: {r['detail']}{amt}")
        out.append(f"\nTotal paid this month: {self.total:,.2f} {self.currency}")
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"


def _money(x: float, cur: str) -> str:
    return f"{x:,.2f} {cur}"


def statement(plan, prep: PreparedPlan, pay: PlanPayout, rep_id: str, period: Any):
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

    def add(line: str, step: str, detail: str, amount: float = np.nan) -> None:
        rows.append((line, step, detail, amount))

    def at(x, j):
        return float(np.asarray(x)[r, j]) if np.ndim(x) >= 2 else float(np.asarray(x)[j])

    pr = prep.prorate[r]
    if plan.spec.target_incentive is not None:
        add(
            "target incentive",
            "annual",
            f"{_money(prep.target_incentive[r], cur)} a year; this month counts {pr[t]:.0%} of its days (hire, exit, leave)",
        )
    elif pr[t] < 1:
        add("days", "worked", f"this month counts {pr[t]:.0%} of its days (hire, exit, leave)")

    def att_words(x: float) -> str:
        return "unlimited (a lower-is-better KPI at 0, its best)" if np.isinf(x) else f"{x:.2%}"

    def no_target(tr: dict, j: int) -> bool:
        return "no_target" in tr and bool(at(tr["no_target"], j))

    for c in plan.spec.components:
        line = f"{c.name} ({c.type})"
        amount = float(pay.lines[c.name][r, t])
        w = prep.windows[c.name]
        if isinstance(c, Scorecard) and c.applies_to:
            add(
                line,
                "role",
                f"multiplies {', '.join(c.applies_to)} by the performance coefficient; pays nothing itself",
                amount,
            )
            continue
        j = w.containing(t)
        if j >= len(w.ends) or w.ends[j] != t:
            nxt = (
                f"; next measured at the end of {prep.periods[w.ends[j]]}"
                if j < len(w.ends)
                else ""
            )
            add(line, "not measured this month", f"measured per {w.period}{nxt}", amount)
            continue
        tr = pay.trace[c.name]
        s, e = int(w.starts[j]), int(w.ends[j])
        span = f"{prep.periods[s]}..{prep.periods[e]}" + (
            " (year to date, true-up)" if plan.spec.true_up else ""
        )
        add(line, "measured", span)
        if isinstance(c, (QuotaBonus, Team)):
            curve = PayoutCurve(c.curve)
            a, q = at(tr["_actual"], j), at(tr["_target"], j)
            lower = prep.kpi_direction.get(c.kpi, "higher") == "lower"
            ratio = (
                f"target {q:,.2f} / {c.kpi} {a:,.2f}"
                if lower
                else f"{c.kpi} {a:,.2f} / target {q:,.2f}"
            )
            if isinstance(c, Team):
                ta, ia = at(tr["team_attainment"], j), at(tr["individual_attainment"], j)
                tsum, qsum = at(tr["team_actual"], j), at(tr["team_target"], j)
                add(
                    line,
                    "attainment",
                    f"team ({c.level}: {c.kpi} {tsum:,.2f} / target {qsum:,.2f} summed over everyone "
                    f"in it with a target) {att_words(ta)} x {c.blend.team:g} + own {ratio} = "
                    f"{att_words(ia)} x {c.blend.individual:g} = {att_words(at(tr['attainment'], j))}",
                )
            elif no_target(tr, j):
                add(line, "attainment", f"no target for {c.kpi} in this window: pays nothing")
            else:
                add(line, "attainment", f"{ratio} = {att_words(at(tr['attainment'], j))}")
            att = at(tr["attainment"], j)
            add(line, "curve", f"{curve.locate(att)} -> factor {at(tr['factor'], j):.4f}")
            tp = at(tr["target_pay"], j)
            add(
                line,
                "target payout",
                f"weight {c.weight:g} x target incentive for the window {_money(at(tr['ti_window'], j), cur)} = {_money(tp, cur)}",
            )
            add(
                line,
                "earned",
                f"{_money(tp, cur)} x {at(tr['factor'], j):.4f} = {_money(at(tr['raw'], j), cur)}",
            )
        elif isinstance(c, Commission):
            v, sc = at(tr["value"], j), at(tr["scale"], j)
            unit = "of a year" if c.basis == "value" else "(window target)"
            sched = (
                f"flat {c.rate:.2%}"
                if c.rate is not None
                else ", ".join(f"{tier.rate:.2%} above {tier.above * sc:,.2f}" for tier in c.tiers)
            )
            extra = ""
            if c.threshold is not None:
                extra += f"; nothing below {c.threshold * sc:,.2f}"
            if c.cap is not None:
                extra += f"; nothing above {c.cap * sc:,.2f}"
            add(line, "value", f"{c.kpi} {v:,.2f}; breaks scaled by {sc:.4g} {unit}")
            if c.basis == "attainment" and no_target(tr, j):
                add(line, "no target", f"no target for {c.kpi} in this window: pays nothing")
            add(
                line,
                "earned",
                f"{c.mode} commission: {sched}{extra} -> {_money(at(tr['raw'], j), cur)}",
            )
        elif isinstance(c, Spif):
            u = at(tr["units"], j)
            add(
                line,
                "earned",
                f"{u:,.2f} {c.kpi} between {c.start} and {c.end} x {_money(c.amount, cur)} = {_money(at(tr['raw'], j), cur)}",
            )
        elif isinstance(c, Scorecard):
            if bool(at(tr["no_score"], j)):
                add(line, "no score", "no appraisal score or rating for this window: pays nothing")
            add(
                line,
                "earned",
                f"weight {c.weight:g} x target incentive {_money(at(tr['ti_window'], j), cur)} x performance coefficient {at(tr['coefficient'], j):.4f} = {_money(at(tr['raw'], j), cur)}",
            )
        if c.gate is not None:
            gm, ok = at(tr["gate_measure"], j), bool(at(tr["gate_ok"], j))
            gw = prep.period_windows[c.name]
            gspan = f"{prep.periods[int(gw.starts[j])]}..{prep.periods[int(gw.ends[j])]}"
            add(
                line,
                "gate",
                f"{c.gate.kpi} {c.gate.basis} over {gspan} {gm:.4g} {'>=' if ok else '<'} {c.gate.min:g}: "
                + ("held" if ok else "failed, so this component pays nothing this period"),
            )
        if c.modifier is not None:
            mm = at(tr["modifier_measure"], j)
            mcurve = PayoutCurve(c.modifier.curve, below=None)
            add(
                line,
                "modifier",
                f"{c.modifier.kpi} {c.modifier.basis} {mm:.4g}: {mcurve.locate(mm)} -> x {at(tr['modifier_factor'], j):.4f}",
            )
        for k in tr:
            if k.startswith("coefficient:"):
                add(
                    line,
                    "scorecard",
                    f"performance coefficient from {k.split(':', 1)[1]}: x {at(tr[k], j):.4f}",
                )
        ent = at(tr["entitlement"], j)
        add(
            line, "entitlement", _money(ent, cur) + (" (year to date)" if plan.spec.true_up else "")
        )
        if plan.spec.true_up and tr.get("paid_before") is not None:
            before = at(tr["paid_before"], j)
            if w.prev[j] >= 0:
                add(
                    line,
                    "true-up",
                    f"entitlement {_money(ent, cur)} minus already paid this year {_money(before, cur)} = {_money(ent - before, cur)}"
                    + (
                        " (held: a negative true-up is not paid)"
                        if plan.spec.negative_true_up == "hold" and ent - before < 0
                        else ""
                    )
                    + (
                        ""
                        if c.gate is None or bool(at(tr["gate_ok"], j))
                        else "; the gate failed: 0"
                    ),
                )
        if c.max_payout is not None:
            bit = bool(at(tr["capped"], j))
            so_far = at(tr["cap_paid_before"], j)
            add(
                line,
                "component cap",
                f"at most {_money(at(tr['cap_limit'], j), cur)} in the plan year; paid so far this year "
                f"{_money(so_far, cur)}: " + ("the cap bit" if bit else "not reached"),
            )
        add(line, "paid", "this month", amount)
    for name, arr in pay.lines.items():
        if name in {c.name for c in plan.spec.components}:
            continue
        amount = float(arr[r, t])
        if name == "plan_cap":
            pc = pay.trace.get("plan_cap", {})
            rule = []
            if plan.spec.max_payout_multiple is not None:
                rule.append(f"{plan.spec.max_payout_multiple:g} x year-to-date target incentive")
            if plan.spec.max_payout is not None:
                rule.append(f"{_money(plan.spec.max_payout, cur)} a year")
            nums = ""
            if pc:
                nums = (
                    f"; earned this year to date {_money(at(pc['ytd_earned'], t), cur)}, limit "
                    f"{_money(at(pc['limit'], t), cur)}, held back so far {_money(at(pc['held'], t), cur)}"
                )
            add(
                "plan cap",
                "rule",
                f"year-to-date pay at most {' and '.join(rule)}{nums}: "
                + (
                    "the cap bit, this much is held back"
                    if amount < 0
                    else "releases pay held back earlier as the year-to-date limit grows"
                    if amount > 0
                    else "not reached"
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
                what = f"; {cb.kpi} this month {m_now:.4g}" + (" (short)" if m_now < cb.min else "")
                for s0, p0 in rev:
                    what += (
                        f"; reverses {cb.share:.0%} of the {_money(p0, cur)} paid in "
                        f"{prep.periods[s0]} = {_money(cb.share * p0, cur)}"
                    )
            add(
                name,
                "rule",
                f"{cb.share:.0%} of a payment (as paid, after the plan cap) is reversed if {cb.kpi} ({cb.basis}) falls below {cb.min:g} within {cb.within_months} months{what}",
                amount,
            )
        elif name == "draw":
            d = plan.spec.draw
            dt_ = pay.trace.get("draw", {})
            dm = d.amount * prep.prorate[r, t] * prep.draw_mask[r, t]
            extra = ""
            if dt_:
                if at(dt_["forgiven"], t) > 0:
                    extra += f"; balance of {_money(at(dt_['forgiven'], t), cur)} from last plan year forgiven"
                extra += (
                    f"; unrecovered balance after this month {_money(at(dt_['balance'], t), cur)}"
                )
                extra += (
                    " (forgiven at the end of the plan year)"
                    if d.unrecovered == "forgive"
                    else " (carried into the next year)"
                )
            who = "" if d.months is None else f" (new hires, first {d.months} months after joining)"
            add(
                "draw",
                "rule",
                f"{'recoverable' if d.recoverable else 'non-recoverable'} draw{who} of {_money(dm, cur)} this month (top-up positive, recovery negative){extra}",
                amount,
            )
    lines = {n: float(a[r, t]) for n, a in pay.lines.items()}
    steps = pd.DataFrame(rows, columns=["line", "step", "detail", "amount"])
    return PayStatement(rep_id, per, steps, lines, float(pay.total[r, t]), cur)

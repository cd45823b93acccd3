"""Plain-language plan summaries and checks against practitioner norms.

Reference bands (``docs/practice.md``):

* leverage: the 90th-percentile performer earns about 2x target incentive, some
  plans 3x (SalesGlobe);
* accelerators above 100%: 1.5x-2.5x the base rate (practitioner guides);
* threshold: often 70-80% of quota; hard, bump or two-step (Alexander Group);
* caps: commonly advised against; removing a cap and ratchet raised revenue
  about 9% in a field study (SalesGlobe; Misra & Nair 2011, QME);
* measures per plan: 71% of organisations use three or fewer (WorldatWork /
  OpenSymmetry survey);
* payout frequency: commission plans monthly 57% / quarterly 29%; bonus plans
  quarterly 43% / annual 50% (Wilson Group);
* pay mix: hunters 40-60% variable, farmers 20-40%, managers 10-30%.
"""

from __future__ import annotations

import numpy as np

from simlib.plans.curve import PayoutCurve
from simlib.plans.spec import Commission, QuotaBonus, Scorecard, Spif, Team


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def _curve_words(points) -> str:
    c = PayoutCurve(points)
    parts = []
    x, y = c.x, c.y
    parts.append(f"below {_pct(x[0])} of target it pays nothing")
    for i in range(len(x)):
        if i > 0 and x[i] == x[i - 1]:
            parts.append(f"at {_pct(x[i])} it jumps to {_pct(y[i])} of target")
        else:
            parts.append(f"at {_pct(x[i])} it pays {_pct(y[i])}")
    parts.append(f"above {_pct(x[-1])} it stays at {_pct(y[-1])} (the cap)")
    return "; ".join(parts)


def _modifier_words(m, name) -> str:
    """The modifier's levels, e.g. "92% or less: x0.8; 96%: x1; 99% or more: x1.2"."""
    pts = m.curve

    def lvl(x: float) -> str:
        return _pct(x) if m.basis == "attainment" or abs(x) <= 1.5 else f"{x:g}"

    parts = [f"{lvl(pts[0][0])} or less: x{pts[0][1]:g}"]
    parts += [f"{lvl(x)}: x{y:g}" for x, y in pts[1:-1]]
    if len(pts) > 1:
        parts.append(f"{lvl(pts[-1][0])} or more: x{pts[-1][1]:g}")
    what = f"your {name}" + (" attainment" if m.basis == "attainment" else "")
    return f" It is multiplied by a factor from {what} ({'; '.join(parts)}; in between, in proportion)."


def describe(plan, labels: dict[str, str] | None = None) -> str:
    """The plan in plain language; ``labels`` maps KPI names to the words a rep knows
    (e.g. ``ds.kpis`` labels: ``hv_retention`` -> "High-value retention")."""
    s = plan.spec
    cur = s.currency
    labels = labels or {}

    def k(name: str) -> str:
        return labels.get(name, name)

    out = [f"# {s.name}", ""]
    if s.description:
        out += [s.description.strip(), ""]
    if s.positions:
        out.append(f"This plan covers: {', '.join(s.positions)}.")
    ti = s.target_incentive
    if ti is not None:
        if ti.pay_mix is not None:
            out.append(
                f"Your target incentive is set by a {ti.pay_mix.base:.0%}/{ti.pay_mix.variable:.0%} pay mix: "
                f"{ti.pay_mix.variable / ti.pay_mix.base:.4g} x your annual base salary. Base plus target "
                "incentive is your on-target earnings (OTE)."
            )
        elif ti.amount is not None:
            out.append(f"Your target incentive is {ti.amount:,.0f} {cur} a year.")
        else:
            lst = ", ".join(f"{k}: {v:,.0f} {cur}" for k, v in ti.by_position.items())
            out.append(f"Your target incentive depends on your position ({lst} a year).")
    per = {"month": "every month", "quarter": "every quarter", "year": "once a year"}[s.period]
    out.append(
        f"Results are measured and paid {per}"
        + (
            ", on your year-to-date results: each payment is what you have earned so far this year minus what you were already paid"
            + (
                " (a negative difference is held against later payments, never taken back)."
                if s.negative_true_up == "hold"
                else " (if that difference is negative, it is taken back)."
            )
            if s.true_up
            else "."
        )
    )
    p = s.proration
    pro = [w for w, on in (("a start", p.hire), ("an exit", p.exit), ("leave", p.leave)) if on]
    if pro:
        words = pro[0] if len(pro) == 1 else ", ".join(pro[:-1]) + " or " + pro[-1]
        scaled = []
        if ti is not None:
            scaled.append("your target incentive")
        if any(isinstance(c, Commission) and c.basis == "value" for c in s.components):
            scaled.append("commission tier breaks")
        if s.max_payout is not None or any(c.max_payout is not None for c in s.components):
            scaled.append("annual caps")
        if s.draw is not None:
            scaled.append("the draw")
        if scaled:
            what = scaled[0] if len(scaled) == 1 else ", ".join(scaled[:-1]) + " and " + scaled[-1]
            verb = "counts" if len(scaled) == 1 else "count"
            out.append(f"In a month with {words}, {what} {verb} only the days you worked.")
    out += ["", "## How you earn"]
    for i, c in enumerate(s.components, 1):
        label = c.label or c.name
        per_c = f" (measured per {c.period})" if c.period and c.period != s.period else ""
        if isinstance(c, QuotaBonus):
            txt = f"{label}: {c.weight:.0%} of your target incentive, paid by how much of your {k(c.kpi)} target you reach{per_c}: {_curve_words(c.curve)}."
        elif isinstance(c, Team):
            txt = (
                f"{label}: {c.weight:.0%} of your target incentive, paid on {c.blend.team:.0%} your {c.level}'s "
                f"{k(c.kpi)} attainment (everyone in your {c.level} with a target, whatever their "
                f"position) and {c.blend.individual:.0%} your own{per_c}: {_curve_words(c.curve)}."
            )
        elif isinstance(c, Commission):
            unit = cur + " a year" if c.basis == "value" else "of target"
            if c.rate is not None:
                sched = f"{c.rate:.2%} of your {k(c.kpi)}"
            else:
                tiers = "; ".join(f"{t.rate:.2%} above {_num(t.above)} {unit}" for t in c.tiers)
                how = (
                    "each rate applies to the part of your value in its tier"
                    if c.mode == "marginal"
                    else "the rate of the highest tier you reach applies to all your value"
                )
                sched = f"tiered on your {k(c.kpi)} ({tiers}; {how})"
            lim = ""
            if c.threshold is not None:
                if c.mode == "marginal":
                    lim += f"; nothing on the first {_num(c.threshold)} {unit}"
                else:
                    lim += (
                        f"; nothing until you reach {_num(c.threshold)} {unit}, then the rate "
                        "applies to all of it from the first unit"
                    )
            if c.cap is not None:
                lim += f"; nothing on value above {_num(c.cap)} {unit}"
            if c.basis == "attainment":
                lim += "; without a target for the period it pays nothing"
            txt = f"{label}: commission {sched}{lim}{per_c}."
        elif isinstance(c, Spif):
            txt = (
                f"{label}: {c.amount:,.0f} {cur} for each unit of {k(c.kpi)} from {c.start} to {c.end}"
                f"{per_c} (a period whose net count is below zero pays nothing)."
            )
        elif isinstance(c, Scorecard):
            src = (
                "your appraisal rating ("
                + ", ".join(f"{k}: x{v:g}" for k, v in c.ratings.items())
                + ")"
                if c.ratings
                else "your appraisal score"
            )
            if c.applies_to:
                txt = f"{label}: {', '.join(c.applies_to)} are multiplied by a performance coefficient from {src}."
            else:
                txt = f"{label}: {c.weight:.0%} of your target incentive times a performance coefficient from {src}."
        else:  # pragma: no cover
            txt = f"{label}: {c.type}"
        if c.gate is not None:
            what = (
                _pct(c.gate.min) + " of target"
                if c.gate.basis == "attainment"
                else f"{c.gate.min:g}"
            )
            txt += f" It pays only if your {k(c.gate.kpi)} reaches {what} in the same period"
            per_g = c.period or s.period
            if s.true_up and per_g != "year":
                txt += (
                    f" (measured over that {per_g} alone, not the year to date): a {per_g} that "
                    "misses it pays nothing and takes nothing back, and the next one that "
                    "reaches it pays everything earned so far this year minus what was paid."
                )
            else:
                txt += "."
        if c.modifier is not None:
            txt += _modifier_words(c.modifier, k(c.modifier.kpi))
        if c.max_payout is not None:
            txt += (
                f" It pays at most {c.max_payout:,.0f} {cur} in a plan year in total, counted on "
                "its payments so far this year (a short campaign can reach the whole amount); "
                "less if you work only part of the year."
            )
        if c.clawback is not None:
            cb = c.clawback
            txt += (
                f" If your {k(cb.kpi)} falls below {cb.min:g} within {cb.within_months} months of a "
                f"payment, {cb.share:.0%} of what was actually paid (after any plan cap) is taken "
                "back, once."
            )
        out.append(f"{i}. {txt}")
    if s.max_payout_multiple is not None:
        out.append(
            f"\nIn total you can be paid at most {s.max_payout_multiple:g} x your target incentive "
            "earned so far in the year (the limit grows month by month)."
        )
    if s.max_payout is not None:
        out.append(
            f"\nIn total you can be paid at most {s.max_payout:,.0f} {cur} in a plan year "
            "(less if you work only part of the year)."
        )
    if s.draw is not None:
        d = s.draw
        who = (
            f"in your first {d.months} months after you join (the month you join counts as the first)"
            if d.months is not None
            else "every month"
        )
        txt = f"\nYou are paid at least {d.amount:,.0f} {cur} a month as a draw {who}"
        if d.recoverable:
            txt += (
                ": what the draw adds above your earnings is recovered from your later earnings "
                "above it"
                + (
                    "; a balance not recovered by the end of the plan year is forgiven."
                    if d.unrecovered == "forgive"
                    else "; a balance not recovered by the end of the plan year carries into the "
                    "next year."
                )
            )
        else:
            txt += "; it is a guaranteed minimum and is not recovered."
        out.append(txt)
    warns = practice_warnings(plan)
    if warns:
        out += ["", "## Checks against common practice"] + [f"- {w}" for w in warns]
    if s.reference:
        out += ["", f"Reference: {s.reference}"]
    return "\n".join(out)


def plan_leverage(plan) -> float | None:
    """Most a plan's target-incentive components pay, as a multiple of target incentive.

    ``None`` when a component has no ceiling (a commission without a cap).
    """
    total = 0.0
    for c in plan.spec.components:
        if isinstance(c, (QuotaBonus, Team)):
            mod = max(q[1] for q in c.modifier.curve) if c.modifier else 1.0
            total += c.weight * PayoutCurve(c.curve).max_factor * mod
        elif isinstance(c, Scorecard) and not c.applies_to:
            if c.ratings:
                total += c.weight * max(c.ratings.values())
            elif c.curve:
                total += c.weight * max(q[1] for q in c.curve)
            else:
                return None
    return total


def practice_warnings(plan) -> list[str]:
    s = plan.spec
    w: list[str] = []
    measures = sorted({c.kpi for c in s.components if hasattr(c, "kpi")})
    if s.max_payout is not None:
        pass  # reported with the other caps below
    if len(measures) > 3:
        w.append(
            f"{len(measures)} measures ({', '.join(measures)}): 71% of organisations use three or fewer per plan (WorldatWork / OpenSymmetry survey)."
        )
    for c in s.components:
        pts = getattr(c, "curve", None)
        if pts and any(pts[j][1] < pts[j - 1][1] for j in range(1, len(pts))):
            stated = " (stated: allow_decreasing)" if getattr(c, "allow_decreasing", False) else ""
            w.append(
                f"{c.name}: the payout falls as attainment rises{stated}, so selling more can "
                "pay less; pay stops following performance over that stretch."
            )
    capped = []
    if s.max_payout_multiple is not None:
        capped.append(f"a plan cap at {s.max_payout_multiple:g}x target incentive")
    if s.max_payout is not None:
        capped.append(f"a plan cap at {s.max_payout:,.0f} a year")
    for c in s.components:
        if c.max_payout is not None:
            capped.append(f"{c.name} capped at {c.max_payout:,.0f} a year")
        if isinstance(c, (QuotaBonus, Team)):
            capped.append(f"{c.name}'s curve flat above {_pct(c.curve[-1][0])}")
        if isinstance(c, Commission) and c.cap is not None:
            capped.append(f"{c.name} earns nothing above {c.cap:,.4g}")
    if capped:
        w.append(
            "Caps: "
            + "; ".join(capped)
            + ". Caps are commonly advised against: removing a cap and ratchet raised revenue about 9% in a field study (SalesGlobe; Misra & Nair 2011)."
        )
    lev = plan_leverage(plan)
    has_ti = any(
        isinstance(c, (QuotaBonus, Team)) or (isinstance(c, Scorecard) and not c.applies_to)
        for c in s.components
    )
    if has_ti and lev is not None and not (2.0 <= lev <= 3.0):
        w.append(
            f"Leverage {lev:.2g}x target incentive at most; practice: the 90th-percentile performer earns about 2x, some plans 3x (SalesGlobe)."
        )
    for c in s.components:
        if isinstance(c, (QuotaBonus, Team)):
            cv = PayoutCurve(c.curve)
            if cv.threshold > 0 and not (0.7 <= cv.threshold <= 0.8):
                w.append(
                    f"{c.name}: threshold at {_pct(cv.threshold)} of target; often 70-80% (Alexander Group)."
                )
            # Accelerator: slope above 100% against the slope up to 100%.
            base = cv(1.0) / 1.0 if cv(1.0) > 0 else np.nan
            above = [x for x in cv.x if x > 1.0]
            if above and np.isfinite(base) and base > 0:
                hi = above[0]
                acc = (cv(hi) - cv(1.0)) / (hi - 1.0) / base
                if not (1.5 <= acc <= 2.5):
                    w.append(
                        f"{c.name}: the slope above 100% is {acc:.2g}x the average rate up to 100%; accelerators are usually 1.5-2.5x (practitioner guides)."
                    )
            per = c.period or s.period
            if per == "month":
                w.append(
                    f"{c.name}: a bonus paid monthly; bonus plans pay quarterly (43%) or annually (50%) (Wilson Group)."
                )
    ti = s.target_incentive
    if ti is not None and ti.pay_mix is not None:
        v = ti.pay_mix.variable
        if v > 0.6 or v < 0.1:
            w.append(
                f"Pay mix {ti.pay_mix.base:.0%}/{v:.0%}: outside the usual range (hunters 40-60% variable, farmers 20-40%, managers 10-30%)."
            )
    return w

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

from simlib.i18n import _
from simlib.plans.curve import PayoutCurve
from simlib.plans.spec import Commission, QuotaBonus, Scorecard, Spif, Team


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def _sp() -> str:
    """The space between two sentences: none in Chinese."""
    from simlib import i18n

    return "" if i18n.is_chinese() else " "


def _cur(code: str) -> str:
    """The currency as the text names it: 元 for CNY in Chinese, else the code."""
    from simlib import i18n

    return "元" if i18n.is_chinese() and code.upper() in ("CNY", "RMB") else code


def _join(parts: list[str]) -> str:
    return _("; ").join(parts)


def _curve_words(points) -> str:
    c = PayoutCurve(points)
    parts = []
    x, y = c.x, c.y
    parts.append(_("below {point} of target it pays nothing").format(point=_pct(x[0])))
    for i in range(len(x)):
        if i > 0 and x[i] == x[i - 1]:
            parts.append(
                _("at {point} it jumps to {factor} of target").format(
                    point=_pct(x[i]), factor=_pct(y[i])
                )
            )
        else:
            parts.append(
                _("at {point} it pays {factor}").format(point=_pct(x[i]), factor=_pct(y[i]))
            )
    parts.append(
        _("above {point} it stays at {factor} (the cap)").format(
            point=_pct(x[-1]), factor=_pct(y[-1])
        )
    )
    return _join(parts)


def _modifier_words(m, name) -> str:
    """The modifier's levels, e.g. "92% or less: x0.8; 96%: x1; 99% or more: x1.2"."""
    pts = m.curve

    def lvl(x: float) -> str:
        return _pct(x) if m.basis == "attainment" or abs(x) <= 1.5 else f"{x:g}"

    parts = [_("{level} or less: x{factor}").format(level=lvl(pts[0][0]), factor=f"{pts[0][1]:g}")]
    parts += [f"{lvl(x)}: x{y:g}" for x, y in pts[1:-1]]
    if len(pts) > 1:
        parts.append(
            _("{level} or more: x{factor}").format(level=lvl(pts[-1][0]), factor=f"{pts[-1][1]:g}")
        )
    what = (_("your {kpi} attainment") if m.basis == "attainment" else _("your {kpi}")).format(
        kpi=name
    )
    return _sp() + _(
        "It is multiplied by a factor from {what} ({levels}; in between, in proportion)."
    ).format(what=what, levels=_join(parts))


def describe(plan, labels: dict[str, str] | None = None) -> str:
    """The plan in plain language (in the language in force, :mod:`simlib.i18n`);
    ``labels`` maps KPI names to the words a rep knows (e.g. ``ds.kpis`` labels:
    ``hv_retention`` -> "High-value retention")."""
    s = plan.spec
    cur = s.currency
    labels = labels or {}

    def k(name: str) -> str:
        return labels.get(name, name)

    out = [f"# {s.name}", ""]
    if s.description:
        out += [s.description.strip(), ""]
    if s.positions:
        out.append(_("This plan covers: {positions}.").format(positions=", ".join(s.positions)))
    ti = s.target_incentive
    if ti is not None:
        if ti.pay_mix is not None:
            out.append(
                _(
                    "Your target incentive is set by a {base}/{variable} pay mix: {multiple} x "
                    "your annual base salary. Base plus target incentive is your on-target "
                    "earnings (OTE)."
                ).format(
                    base=f"{ti.pay_mix.base:.0%}", variable=f"{ti.pay_mix.variable:.0%}",
                    multiple=f"{ti.pay_mix.variable / ti.pay_mix.base:.4g}",
                )
            )  # fmt: skip
        elif ti.amount is not None:
            out.append(
                _("Your target incentive is {amount} {currency} a year.").format(
                    amount=f"{ti.amount:,.0f}", currency=_cur(cur)
                )
            )
        else:
            lst = ", ".join(f"{k}: {v:,.0f} {cur}" for k, v in ti.by_position.items())
            out.append(
                _("Your target incentive depends on your position ({amounts} a year).").format(
                    amounts=lst
                )
            )
    per = {"month": _("every month"), "quarter": _("every quarter"), "year": _("once a year")}[
        s.period
    ]
    if s.true_up:
        held = (
            _(" (a negative difference is held against later payments, never taken back).")
            if s.negative_true_up == "hold"
            else _(" (if that difference is negative, it is taken back).")
        )
        out.append(
            _(
                "Results are measured and paid {every}, on your year-to-date results: each "
                "payment is what you have earned so far this year minus what you were "
                "already paid"
            ).format(every=per)
            + held
        )
    else:
        out.append(_("Results are measured and paid {every}.").format(every=per))
    p = s.proration
    pro = [
        w for w, on in ((_("a start"), p.hire), (_("an exit"), p.exit), (_("leave"), p.leave)) if on
    ]
    if pro:
        words = pro[0] if len(pro) == 1 else _(", ").join(pro[:-1]) + _(" or ") + pro[-1]
        scaled = []
        if ti is not None:
            scaled.append(_("your target incentive"))
        if any(isinstance(c, Commission) and c.basis == "value" for c in s.components):
            scaled.append(_("commission tier breaks"))
        if s.max_payout is not None or any(c.max_payout is not None for c in s.components):
            scaled.append(_("annual caps"))
        if s.draw is not None:
            scaled.append(_("the draw"))
        if scaled:
            what = (
                scaled[0]
                if len(scaled) == 1
                else _(", ").join(scaled[:-1]) + _(" and ") + scaled[-1]
            )
            out.append(
                (
                    _("In a month with {events}, {what} counts only the days you worked.")
                    if len(scaled) == 1
                    else _("In a month with {events}, {what} count only the days you worked.")
                ).format(events=words, what=what)
            )
    out += ["", "## " + _("How you earn")]
    for i, c in enumerate(s.components, 1):
        label = c.label or c.name
        per_c = (
            _(" (measured per {period})").format(period=_(c.period))
            if c.period and c.period != s.period
            else ""
        )
        if isinstance(c, QuotaBonus):
            txt = _(
                "{label}: {weight} of your target incentive, paid by how much of your {kpi} "
                "target you reach{per}: {curve}."
            ).format(
                label=label, weight=f"{c.weight:.0%}", kpi=k(c.kpi), per=per_c,
                curve=_curve_words(c.curve),
            )  # fmt: skip
        elif isinstance(c, Team):
            txt = _(
                "{label}: {weight} of your target incentive, paid on {team} your {level}'s "
                "{kpi} attainment (everyone in your {level} with a target, whatever their "
                "position) and {own} your own{per}: {curve}."
            ).format(
                label=label, weight=f"{c.weight:.0%}", team=f"{c.blend.team:.0%}",
                level=c.level, kpi=k(c.kpi), own=f"{c.blend.individual:.0%}", per=per_c,
                curve=_curve_words(c.curve),
            )  # fmt: skip
        elif isinstance(c, Commission):
            unit = (
                _("{currency} a year").format(currency=_cur(cur))
                if c.basis == "value"
                else _("of target")
            )
            if c.rate is not None:
                sched = _("{rate} of your {kpi}").format(rate=f"{c.rate:.2%}", kpi=k(c.kpi))
            else:
                tiers = _join(
                    [
                        _("{rate} above {value} {unit}").format(
                            rate=f"{t.rate:.2%}", value=_num(t.above), unit=unit
                        )
                        for t in c.tiers
                    ]
                )
                how = (
                    _("each rate applies to the part of your value in its tier")
                    if c.mode == "marginal"
                    else _("the rate of the highest tier you reach applies to all your value")
                )
                sched = _("tiered on your {kpi} ({tiers}; {how})").format(
                    kpi=k(c.kpi), tiers=tiers, how=how
                )
            lim = ""
            if c.threshold is not None:
                if c.mode == "marginal":
                    lim += _("; nothing on the first {value} {unit}").format(
                        value=_num(c.threshold), unit=unit
                    )
                else:
                    lim += _(
                        "; nothing until you reach {value} {unit}, then the rate applies to "
                        "all of it from the first unit"
                    ).format(value=_num(c.threshold), unit=unit)
            if c.cap is not None:
                lim += _("; nothing on value above {value} {unit}").format(
                    value=_num(c.cap), unit=unit
                )
            if c.basis == "attainment":
                lim += _("; without a target for the period it pays nothing")
            txt = _("{label}: commission {schedule}{limits}{per}.").format(
                label=label, schedule=sched, limits=lim, per=per_c
            )
        elif isinstance(c, Spif):
            txt = _(
                "{label}: {amount} {currency} for each unit of {kpi} from {start} to {end}{per} "
                "(a period whose net count is below zero pays nothing)."
            ).format(
                label=label, amount=f"{c.amount:,.0f}", currency=_cur(cur), kpi=k(c.kpi),
                start=c.start, end=c.end, per=per_c,
            )  # fmt: skip
        elif isinstance(c, Scorecard):
            src = (
                _("your appraisal rating ({ratings})").format(
                    ratings=", ".join(f"{k}: x{v:g}" for k, v in c.ratings.items())
                )
                if c.ratings
                else _("your appraisal score")
            )
            if c.applies_to:
                txt = _(
                    "{label}: {components} are multiplied by a performance coefficient from "
                    "{source}."
                ).format(label=label, components=", ".join(c.applies_to), source=src)
            else:
                txt = _(
                    "{label}: {weight} of your target incentive times a performance "
                    "coefficient from {source}."
                ).format(label=label, weight=f"{c.weight:.0%}", source=src)
        else:  # pragma: no cover
            txt = f"{label}: {c.type}"
        if c.gate is not None:
            what = (
                _("{value} of target").format(value=_pct(c.gate.min))
                if c.gate.basis == "attainment"
                else f"{c.gate.min:g}"
            )
            txt += _sp() + _("It pays only if your {kpi} reaches {what} in the same period").format(
                kpi=k(c.gate.kpi), what=what
            )
            per_g = c.period or s.period
            if s.true_up and per_g != "year":
                txt += _(
                    " (measured over that {period} alone, not the year to date): a {period} "
                    "that misses it pays nothing and takes nothing back, and the next one that "
                    "reaches it pays everything earned so far this year minus what was paid."
                ).format(period=_(per_g))
            else:
                txt += _(".")
        if c.modifier is not None:
            txt += _modifier_words(c.modifier, k(c.modifier.kpi))
        if c.max_payout is not None:
            txt += _sp() + _(
                "It pays at most {amount} {currency} in a plan year in total, counted on its "
                "payments so far this year (a short campaign can reach the whole amount); less "
                "if you work only part of the year."
            ).format(amount=f"{c.max_payout:,.0f}", currency=_cur(cur))
        if c.clawback is not None:
            cb = c.clawback
            txt += _sp() + _(
                "If your {kpi} falls below {min} within {months} months of a payment, {share} "
                "of what was actually paid (after any plan cap) is taken back, once."
            ).format(
                kpi=k(cb.kpi), min=f"{cb.min:g}", months=cb.within_months,
                share=f"{cb.share:.0%}",
            )  # fmt: skip
        out.append(f"{i}. {txt}")
    if s.max_payout_multiple is not None:
        out.append(
            "\n"
            + _(
                "In total you can be paid at most {multiple} x your target incentive earned "
                "so far in the year (the limit grows month by month)."
            ).format(multiple=f"{s.max_payout_multiple:g}")
        )
    if s.max_payout is not None:
        out.append(
            "\n"
            + _(
                "In total you can be paid at most {amount} {currency} in a plan year (less if "
                "you work only part of the year)."
            ).format(amount=f"{s.max_payout:,.0f}", currency=_cur(cur))
        )
    if s.draw is not None:
        d = s.draw
        who = (
            _(
                "in your first {months} months after you join (the month you join counts as "
                "the first)"
            ).format(months=d.months)
            if d.months is not None
            else _("every month")
        )
        txt = "\n" + _("You are paid at least {amount} {currency} a month as a draw {who}").format(
            amount=f"{d.amount:,.0f}", currency=_cur(cur), who=who
        )
        if d.recoverable:
            txt += _(
                ": what the draw adds above your earnings is recovered from your later "
                "earnings above it"
            ) + (
                _("; a balance not recovered by the end of the plan year is forgiven.")
                if d.unrecovered == "forgive"
                else _(
                    "; a balance not recovered by the end of the plan year carries into the "
                    "next year."
                )
            )
        else:
            txt += _("; it is a guaranteed minimum and is not recovered.")
        out.append(txt)
    warns = practice_warnings(plan)
    if warns:
        out += ["", "## " + _("Checks against common practice")] + [f"- {w}" for w in warns]
    if s.reference:
        out += ["", _("Reference: {reference}").format(reference=s.reference)]
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
    """Where the plan departs from practitioner norms, one sentence each, in the
    language in force."""
    s = plan.spec
    w: list[str] = []
    measures = sorted({c.kpi for c in s.components if hasattr(c, "kpi")})
    if len(measures) > 3:
        w.append(
            _(
                "{n} measures ({names}): 71% of organisations use three or fewer per plan "
                "(WorldatWork / OpenSymmetry survey)."
            ).format(n=len(measures), names=", ".join(measures))
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
        capped.append(
            _("a plan cap at {multiple}x target incentive").format(
                multiple=f"{s.max_payout_multiple:g}"
            )
        )
    if s.max_payout is not None:
        capped.append(_("a plan cap at {amount} a year").format(amount=f"{s.max_payout:,.0f}"))
    for c in s.components:
        if c.max_payout is not None:
            capped.append(
                _("{component} capped at {amount} a year").format(
                    component=c.name, amount=f"{c.max_payout:,.0f}"
                )
            )
        if isinstance(c, (QuotaBonus, Team)):
            capped.append(
                _("{component}'s curve flat above {point}").format(
                    component=c.name, point=_pct(c.curve[-1][0])
                )
            )
        if isinstance(c, Commission) and c.cap is not None:
            capped.append(
                _("{component} earns nothing above {value}").format(
                    component=c.name, value=f"{c.cap:,.4g}"
                )
            )
    if capped:
        w.append(
            _(
                "Caps: {caps}. Caps are commonly advised against: removing a cap and ratchet "
                "raised revenue about 9% in a field study (SalesGlobe; Misra & Nair 2011)."
            ).format(caps=_join(capped))
        )
    lev = plan_leverage(plan)
    has_ti = any(
        isinstance(c, (QuotaBonus, Team)) or (isinstance(c, Scorecard) and not c.applies_to)
        for c in s.components
    )
    if has_ti and lev is not None and not (2.0 <= lev <= 3.0):
        w.append(
            _(
                "Leverage {leverage}x target incentive at most; practice: the 90th-percentile "
                "performer earns about 2x, some plans 3x (SalesGlobe)."
            ).format(leverage=f"{lev:.2g}")
        )
    for c in s.components:
        if isinstance(c, (QuotaBonus, Team)):
            cv = PayoutCurve(c.curve)
            if cv.threshold > 0 and not (0.7 <= cv.threshold <= 0.8):
                w.append(
                    _(
                        "{component}: threshold at {point} of target; often 70-80% (Alexander "
                        "Group)."
                    ).format(component=c.name, point=_pct(cv.threshold))
                )
            # Accelerator: slope above 100% against the slope up to 100%.
            base = cv(1.0) / 1.0 if cv(1.0) > 0 else np.nan
            above = [x for x in cv.x if x > 1.0]
            if above and np.isfinite(base) and base > 0:
                hi = above[0]
                acc = (cv(hi) - cv(1.0)) / (hi - 1.0) / base
                if not (1.5 <= acc <= 2.5):
                    w.append(
                        _(
                            "{component}: the slope above 100% is {ratio}x the average rate up "
                            "to 100%; accelerators are usually 1.5-2.5x (practitioner guides)."
                        ).format(component=c.name, ratio=f"{acc:.2g}")
                    )
            per = c.period or s.period
            if per == "month":
                w.append(
                    _(
                        "{component}: a bonus paid monthly; bonus plans pay quarterly (43%) or "
                        "annually (50%) (Wilson Group)."
                    ).format(component=c.name)
                )
    ti = s.target_incentive
    if ti is not None and ti.pay_mix is not None:
        v = ti.pay_mix.variable
        if v > 0.6 or v < 0.1:
            w.append(
                _(
                    "Pay mix {base}/{variable}: outside the usual range (hunters 40-60% "
                    "variable, farmers 20-40%, managers 10-30%)."
                ).format(base=f"{ti.pay_mix.base:.0%}", variable=f"{v:.0%}")
            )
    return w

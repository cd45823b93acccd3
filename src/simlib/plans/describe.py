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

from simlib.i18n import _
from simlib.plans.components import DescribeContext
from simlib.plans.words import currency_words as _cur
from simlib.plans.words import join as _join
from simlib.plans.words import modifier_words as _modifier_words
from simlib.plans.words import pct as _pct
from simlib.plans.words import sp as _sp


def describe(plan, labels: dict[str, str] | None = None) -> str:
    """The plan in plain language (in the language in force, :mod:`simlib.i18n`);
    ``labels`` maps KPI names to the words a rep knows (e.g. ``ds.kpis`` labels:
    ``hv_retention`` -> "High-value retention")."""
    s = plan.spec
    labels = labels or {}

    def k(name: str) -> str:
        return labels.get(name, name)

    out = [f"# {s.name}", ""]
    if s.description:
        out += [s.description.strip(), ""]
    if s.positions:
        out.append(_("This plan covers: {positions}.").format(positions=", ".join(s.positions)))
    ti = _target_incentive_words(s)
    if ti:
        out.append(ti)
    out.append(_period_words(s))
    days = _proration_words(s)
    if days:
        out.append(days)
    out += ["", "## " + _("How you earn")]
    for i, c in enumerate(s.components, 1):
        out.append(f"{i}. {_component_words(s, c, k)}")
    out += _plan_limit_words(s)
    warns = practice_warnings(plan)
    if warns:
        out += ["", "## " + _("Checks against common practice")] + [f"- {w}" for w in warns]
    if s.reference:
        out += ["", _("Reference: {reference}").format(reference=s.reference)]
    return "\n".join(out)


def _target_incentive_words(s) -> str | None:
    ti = s.target_incentive
    if ti is None:
        return None
    if ti.pay_mix is not None:
        return _(
            "Your target incentive is set by a {base}/{variable} pay mix: {multiple} x "
            "your annual base salary. Base plus target incentive is your on-target "
            "earnings (OTE)."
        ).format(
            base=f"{ti.pay_mix.base:.0%}", variable=f"{ti.pay_mix.variable:.0%}",
            multiple=f"{ti.pay_mix.variable / ti.pay_mix.base:.4g}",
        )  # fmt: skip
    if ti.amount is not None:
        return _("Your target incentive is {amount} {currency} a year.").format(
            amount=f"{ti.amount:,.0f}", currency=_cur(s.currency)
        )
    lst = ", ".join(f"{k}: {v:,.0f} {_cur(s.currency)}" for k, v in ti.by_position.items())
    return _("Your target incentive depends on your position ({amounts} a year).").format(
        amounts=lst
    )


def _period_words(s) -> str:
    per = {"month": _("every month"), "quarter": _("every quarter"), "year": _("once a year")}[
        s.period
    ]
    if not s.true_up:
        return _("Results are measured and paid {every}.").format(every=per)
    held = (
        _(" (a negative difference is held against later payments, never taken back).")
        if s.negative_true_up == "hold"
        else _(" (if that difference is negative, it is taken back).")
    )
    return (
        _(
            "Results are measured and paid {every}, on your year-to-date results: each "
            "payment is what you have earned so far this year minus what you were "
            "already paid"
        ).format(every=per)
        + held
    )


def _proration_words(s) -> str | None:
    p = s.proration
    pro = [
        w for w, on in ((_("a start"), p.hire), (_("an exit"), p.exit), (_("leave"), p.leave)) if on
    ]
    if not pro:
        return None
    words = pro[0] if len(pro) == 1 else _(", ").join(pro[:-1]) + _(" or ") + pro[-1]
    scaled = []
    if s.target_incentive is not None:
        scaled.append(_("your target incentive"))
    if any(c.scales_with_days() for c in s.components):
        scaled.append(_("commission tier breaks"))
    if s.max_payout is not None or any(c.max_payout is not None for c in s.components):
        scaled.append(_("annual caps"))
    if s.draw is not None:
        scaled.append(_("the draw"))
    if not scaled:
        return None
    what = scaled[0] if len(scaled) == 1 else _(", ").join(scaled[:-1]) + _(" and ") + scaled[-1]
    return (
        _("In a month with {events}, {what} counts only the days you worked.")
        if len(scaled) == 1
        else _("In a month with {events}, {what} count only the days you worked.")
    ).format(events=words, what=what)


def _component_words(s, c, k) -> str:
    """One component: its own sentence, then its gate, modifier, cap and clawback."""
    cur = s.currency
    per_c = (
        _(" (measured per {period})").format(period=_(c.period))
        if c.period and c.period != s.period
        else ""
    )
    txt = c.describe(DescribeContext(kpi=k, currency=_cur(cur), per=per_c))
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
    return txt


def _plan_limit_words(s) -> list[str]:
    """The plan cap and the draw, each a paragraph."""
    out = []
    cur = s.currency
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
    return out


def plan_leverage(plan) -> float | None:
    """Most a plan's target-incentive components pay, as a multiple of target incentive.

    ``None`` when a component has no ceiling (a commission without a cap).
    """
    total = 0.0
    for c in plan.spec.components:
        m = c.max_multiple()
        if m is None:
            return None
        total += m
    return total


def practice_warnings(plan) -> list[str]:
    """Where the plan departs from practitioner norms, one sentence each, in the
    language in force."""
    s = plan.spec
    w: list[str] = []
    measures = sorted({c.own_kpi for c in s.components if c.own_kpi is not None})
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
            w.append(
                (
                    _(
                        "{component}: the payout falls as attainment rises (stated: "
                        "allow_decreasing), so selling more can pay less; pay stops following "
                        "performance over that stretch."
                    )
                    if getattr(c, "allow_decreasing", False)
                    else _(
                        "{component}: the payout falls as attainment rises, so selling more can "
                        "pay less; pay stops following performance over that stretch."
                    )
                ).format(component=c.name)
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
        capped += c.cap_words()
    if capped:
        w.append(
            _(
                "Caps: {caps}. Caps are commonly advised against: removing a cap and ratchet "
                "raised revenue about 9% in a field study (SalesGlobe; Misra & Nair 2011)."
            ).format(caps=_join(capped))
        )
    lev = plan_leverage(plan)
    has_ti = any(c.ti_weight() is not None for c in s.components)
    if has_ti and lev is not None and not (2.0 <= lev <= 3.0):
        w.append(
            _(
                "Leverage {leverage}x target incentive at most; practice: the 90th-percentile "
                "performer earns about 2x, some plans 3x (SalesGlobe)."
            ).format(leverage=f"{lev:.2g}")
        )
    for c in s.components:
        w += c.practice_checks(s.period)
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

"""What a quota bonus and a team bonus share: ``weight`` x target incentive x a payout
curve of attainment, its checks against practice and its statement steps."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from simlib.i18n import _
from simlib.plans.components.base import Problem, StatementContext, curve_problems
from simlib.plans.curve import PayoutCurve
from simlib.plans.words import pct


class CurveBonus:
    """Methods of a component with ``kpi``, ``weight``, ``curve`` (a bonus on a curve)."""

    pays_on_quota: ClassVar[bool] = True

    def needs_target(self) -> bool:
        return True

    def ti_weight(self) -> float | None:
        return self.weight

    def threshold_payout(self, ti: float = 1.0) -> float | None:
        """What it pays at its threshold for a target incentive ``ti`` (a multiple of it
        for the default 1)."""
        return self.weight * ti * self.curve[0][1]

    def max_multiple(self) -> float | None:
        mod = max(q[1] for q in self.modifier.curve) if self.modifier else 1.0
        return self.weight * PayoutCurve(self.curve).max_factor * mod

    def check_curve(self, path: str) -> list[Problem]:
        return curve_problems(self.curve, f"{path}.curve")

    def payout_curve(self) -> PayoutCurve | None:
        return PayoutCurve(self.curve, below=0.0)

    def own_curves(self) -> list[tuple[str, list]]:
        return [("payout", self.curve)]

    def cap_words(self) -> list[str]:
        return [
            _("{component}'s curve flat above {point}").format(
                component=self.name, point=pct(self.curve[-1][0])
            )
        ]

    def practice_checks(self, plan_period: str) -> list[str]:
        w: list[str] = []
        cv = PayoutCurve(self.curve)
        if cv.threshold > 0 and not (0.7 <= cv.threshold <= 0.8):
            w.append(
                _(
                    "{component}: threshold at {point} of target; often 70-80% (Alexander Group)."
                ).format(component=self.name, point=pct(cv.threshold))
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
                    ).format(component=self.name, ratio=f"{acc:.2g}")
                )
        if (self.period or plan_period) == "month":
            w.append(
                _(
                    "{component}: a bonus paid monthly; bonus plans pay quarterly (43%) or "
                    "annually (50%) (Wilson Group)."
                ).format(component=self.name)
            )
        return w

    def ratio_words(self, ctx: StatementContext, tr: dict, j: int) -> str:
        """The rep's own attainment as a fraction in words (target / actual when lower
        is better)."""
        a, q = ctx.at(tr["_actual"], j), ctx.at(tr["_target"], j)
        lower = ctx.prep.kpi_direction.get(self.kpi, "higher") == "lower"
        return (
            _("target {target} / {kpi} {actual}")
            if lower
            else _("{kpi} {actual} / target {target}")
        ).format(kpi=ctx.kpi(self.kpi), actual=ctx.num(a), target=ctx.num(q))

    def explain_attainment(self, ctx: StatementContext, line: str, tr: dict, j: int) -> None:
        if ctx.no_target(tr, j):
            ctx.add(
                line,
                _("attainment"),
                _("no target for {kpi} in this window: pays nothing").format(kpi=ctx.kpi(self.kpi)),
            )
        else:
            ratio = self.ratio_words(ctx, tr, j)
            ctx.add(
                line, _("attainment"), f"{ratio} = {ctx.att_words(ctx.at(tr['attainment'], j))}"
            )

    def explain(self, ctx: StatementContext, line: str, tr: dict, j: int) -> None:
        self.explain_attainment(ctx, line, tr, j)
        att = ctx.at(tr["attainment"], j)
        ctx.add(
            line,
            _("curve"),
            _("{where} -> factor {factor}").format(
                where=PayoutCurve(self.curve).locate(att), factor=f"{ctx.at(tr['factor'], j):.4f}"
            ),
        )
        tp = ctx.at(tr["target_pay"], j)
        ctx.add(
            line,
            _("target payout"),
            _("weight {weight} x target incentive for the window {ti} = {amount}").format(
                weight=f"{self.weight:g}",
                ti=ctx.money(ctx.at(tr["ti_window"], j)),
                amount=ctx.money(tp),
            ),
        )
        ctx.add(
            line,
            _("earned"),
            f"{ctx.money(tp)} x {ctx.at(tr['factor'], j):.4f} = {ctx.money(ctx.at(tr['raw'], j))}",
        )

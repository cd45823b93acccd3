"""Quota bonus: ``weight`` x target incentive x ``curve(attainment of kpi)``."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from simlib.i18n import N_, _
from simlib.plans.components.base import (
    DescribeContext,
    PlanComponent,
    Points,
    Problem,
    as_points,
)
from simlib.plans.components.curve_bonus import CurveBonus
from simlib.plans.words import curve_words


class QuotaBonus(CurveBonus, PlanComponent):
    """``weight`` x target incentive x ``curve(attainment of kpi)``."""

    type: Literal["quota_bonus"] = "quota_bonus"
    kpi: str
    weight: float = Field(gt=0, le=1)
    curve: Points
    #: A curve whose payout falls as attainment rises is warned about unless stated.
    allow_decreasing: bool = False

    _pts = field_validator("curve", mode="before")(as_points)

    type_words: ClassVar[str] = N_("quota bonus")

    def check(self, path: str) -> list[Problem]:
        return self.check_curve(path)

    def entitlement(self, prep, w):
        att = prep.attainment(self.kpi, w)
        factor = prep.curves[self.name](att)
        target_pay = self.weight * prep.ti_window(w)
        raw = target_pay * factor
        return raw, {"attainment": att, "factor": factor, "target_pay": target_pay}

    def describe(self, ctx: DescribeContext) -> str:
        return _(
            "{label}: {weight} of your target incentive, paid by how much of your {kpi} "
            "target you reach{per}: {curve}."
        ).format(
            label=self.label or self.name, weight=f"{self.weight:.0%}", kpi=ctx.kpi(self.kpi),
            per=ctx.per, curve=curve_words(self.curve),
        )  # fmt: skip

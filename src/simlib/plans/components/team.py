"""Team bonus: a quota bonus on a blend of the unit's attainment and the rep's own."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from simlib.i18n import N_, _
from simlib.plans.components.base import (
    DescribeContext,
    PlanComponent,
    Points,
    Problem,
    StatementContext,
    as_points,
)
from simlib.plans.components.curve_bonus import CurveBonus
from simlib.plans.inputs import PlanInputError, require_columns
from simlib.plans.words import curve_words
from simlib.spec import StrictModel


class Blend(StrictModel):
    """How much of the measured attainment is the team's and how much the rep's."""

    team: float = Field(ge=0, le=1)
    individual: float = Field(ge=0, le=1)


def team_index(units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How a team component sums over units: ``(order, starts, inv, labels)``.

    ``order`` sorts reps by unit (stable: reps keep their order within a unit),
    ``starts`` are where each unit's block begins in that order, ``inv`` is each
    rep's unit number and ``labels`` the units' names, in block order.
    """
    codes, uniq = pd.factorize(np.asarray(units))
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    group_sorted = np.cumsum(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) - 1
    inv = np.empty(len(codes), dtype=np.int64)
    inv[order] = group_sorted
    return order, starts, inv, np.asarray(uniq)[sorted_codes[starts]]


class Team(CurveBonus, PlanComponent):
    """Like a quota bonus, on a blend of the unit's attainment (at ``level``) and the rep's.

    The unit's attainment is the sum of its reps' actuals over the sum of their
    targets (团队业绩和个人业绩结合).
    """

    type: Literal["team"] = "team"
    kpi: str
    level: str
    weight: float = Field(gt=0, le=1)
    blend: Blend = Blend(team=1.0, individual=0.0)
    curve: Points
    #: A curve whose payout falls as attainment rises is warned about unless stated.
    allow_decreasing: bool = False

    _pts = field_validator("curve", mode="before")(as_points)

    type_words: ClassVar[str] = N_("team bonus")
    sums_over_units: ClassVar[bool] = True

    def check(self, path: str) -> list[Problem]:
        errs = self.check_curve(path)
        if abs(self.blend.team + self.blend.individual - 1) > 1e-9:
            errs.append(
                (
                    f"{path}.blend",
                    _("team and individual weights must sum to 1 (they sum to {total:g})").format(
                        total=self.blend.team + self.blend.individual
                    ),
                )
            )
        return errs

    def bind(self, reps, periods, hierarchy) -> dict[str, Any]:
        if hierarchy is None:
            raise PlanInputError(
                _(
                    "component {name!r} is a team component: pass ds= (or hierarchy=) "
                    "so reps can be grouped at level {level!r}"
                ).format(name=self.name, level=self.level)
            )
        require_columns(reps, "reps", ["rep_id", "unit_id"])
        try:
            units = hierarchy.ancestor_at(reps["unit_id"].to_numpy(), self.level)
        except KeyError as exc:
            raise PlanInputError(
                _("component {name!r}: {problem}").format(name=self.name, problem=exc.args[0])
            ) from None
        units = np.where(
            pd.isna(units), "rep:" + reps["rep_id"].astype(str).to_numpy(), units
        ).astype(str)
        return {"teams": team_index(units)}

    def entitlement(self, prep, w):
        a_i, q_i = prep.window_sum("a", self.kpi, w), prep.window_sum("q", self.kpi, w)
        # The unit's actual counts only members with a target in the window,
        # so a rep without a quota does not inflate the unit's attainment.
        with_q = q_i > 0
        a_team = prep.team_sum(self.name, a_i if with_q.all() else a_i * with_q)
        # Targets usually have no draws axis: sum them once, not once per draw.
        q_team = prep.team_sum(self.name, q_i)
        team_att = prep.attainment_from(self.kpi, a_team, q_team, None)
        ind_att = prep.attainment(self.kpi, w)
        att = 0.0
        # Only weighted terms: 0 x inf (a lower-is-better KPI at 0) would be NaN.
        if self.blend.team > 0:
            att = att + self.blend.team * team_att
        if self.blend.individual > 0:
            att = att + self.blend.individual * ind_att
        factor = prep.curves[self.name](att)
        target_pay = self.weight * prep.ti_window(w)
        raw = target_pay * factor
        return raw, {
            "team_attainment": team_att,
            "team_actual": a_team,
            "team_target": q_team,
            "individual_attainment": ind_att,
            "attainment": att,
            "factor": factor,
            "target_pay": target_pay,
        }

    def describe(self, ctx: DescribeContext) -> str:
        return _(
            "{label}: {weight} of your target incentive, paid on {team} your {level}'s "
            "{kpi} attainment (everyone in your {level} with a target, whatever their "
            "position) and {own} your own{per}: {curve}."
        ).format(
            label=self.label or self.name, weight=f"{self.weight:.0%}",
            team=f"{self.blend.team:.0%}", level=self.level, kpi=ctx.kpi(self.kpi),
            own=f"{self.blend.individual:.0%}", per=ctx.per, curve=curve_words(self.curve),
        )  # fmt: skip

    def explain_attainment(self, ctx: StatementContext, line: str, tr: dict, j: int) -> None:
        ta, ia = ctx.at(tr["team_attainment"], j), ctx.at(tr["individual_attainment"], j)
        tsum, qsum = ctx.at(tr["team_actual"], j), ctx.at(tr["team_target"], j)
        ctx.add(
            line,
            _("attainment"),
            _(
                "team ({level}: {kpi} {team_actual} / target {team_target} summed over "
                "everyone in it with a target) {team_att} x {team_w} + own {ratio} = "
                "{own_att} x {own_w} = {att}"
            ).format(
                level=ctx.level(self.level), kpi=ctx.kpi(self.kpi), team_actual=ctx.num(tsum),
                team_target=ctx.num(qsum), team_att=ctx.att_words(ta),
                team_w=f"{self.blend.team:g}", ratio=self.ratio_words(ctx, tr, j),
                own_att=ctx.att_words(ia), own_w=f"{self.blend.individual:g}",
                att=ctx.att_words(ctx.at(tr["attainment"], j)),
            ),
        )  # fmt: skip

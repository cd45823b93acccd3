"""Scorecard: a performance coefficient (绩效系数) from the appraisal."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from simlib.i18n import N_, _
from simlib.plans.components.base import (
    DescribeContext,
    PlanComponent,
    Points,
    Problem,
    StatementContext,
    as_points,
    curve_problems,
)
from simlib.plans.curve import PayoutCurve
from simlib.plans.inputs import PlanInputError, number_column


class Scorecard(PlanComponent):
    """A performance coefficient (绩效系数) from the appraisal.

    Either ``ratings`` (rating label -> coefficient) or ``curve`` (score ->
    coefficient; without either the score *is* the coefficient). With
    ``applies_to`` the coefficient multiplies those components and the scorecard
    pays nothing itself; otherwise it pays ``weight`` x target incentive x
    coefficient.
    """

    type: Literal["scorecard"] = "scorecard"
    weight: float | None = Field(default=None, gt=0, le=1)
    ratings: dict[str, float] | None = None
    curve: Points | None = None
    applies_to: list[str] | None = None
    #: A curve whose coefficient falls as the score rises is warned about unless stated.
    allow_decreasing: bool = False

    _pts = field_validator("curve", mode="before")(as_points)

    type_words: ClassVar[str] = N_("scorecard")
    rated: ClassVar[bool] = True

    # ------------------------------------------------------------------- spec
    def ti_weight(self) -> float | None:
        return self.weight if self.applies_to is None else None

    def max_multiple(self) -> float | None:
        if self.applies_to:
            return 0.0
        if self.ratings:
            return self.weight * max(self.ratings.values())
        if self.curve:
            return self.weight * max(q[1] for q in self.curve)
        return None

    def check(self, path: str) -> list[Problem]:
        p = path
        errs: list[Problem] = []
        for k, v in (self.ratings or {}).items():
            if not (math.isfinite(v) and v >= 0):
                errs.append(
                    (
                        f"{p}.ratings.{k}",
                        _("a performance coefficient must be a number >= 0, got {v:g}").format(v=v),
                    )
                )
        if self.ratings is not None and self.curve is not None:
            errs.append((p, _("give 'ratings' or 'curve', not both")))
        if self.curve is not None:
            errs += curve_problems(self.curve, f"{p}.curve")
        if self.applies_to is None:
            if self.weight is None:
                errs.append((f"{p}.weight", _("a scorecard that pays on its own needs a weight")))
        elif self.weight is not None:
            errs.append(
                (
                    f"{p}.weight",
                    _("a scorecard with applies_to multiplies other components; it has no weight"),
                )
            )
        return errs

    def check_references(self, path: str, names: dict[str, int]) -> list[Problem]:
        errs: list[Problem] = []
        for j, n in enumerate(self.applies_to or []):
            if n not in names:
                errs.append(
                    (f"{path}.applies_to[{j}]", _("no component named {name!r}").format(name=n))
                )
            elif n == self.name:
                errs.append((f"{path}.applies_to[{j}]", _("a scorecard cannot apply to itself")))
        return errs

    # ---------------------------------------------------------------- payment
    def factor_curve(self) -> PayoutCurve | None:
        return PayoutCurve(self.curve, below=None) if self.curve is not None else None

    def own_curves(self) -> list[tuple[str, list]]:
        return [("coefficient", self.curve)] if self.curve is not None else []

    def pays(self) -> bool:
        return not self.applies_to

    def multiplies(self) -> list[str]:
        return list(self.applies_to or [])

    def entitlement(self, prep, w):
        coef, no_score = prep.coefficient(self, w)
        ti_w = prep.ti_window(w)
        target_pay = self.weight * ti_w
        raw = target_pay * coef
        return raw, {
            "coefficient": coef,
            "target_pay": target_pay,
            "ti_window": ti_w,
            "no_score": no_score,
        }

    def score_values(self, scores, index: int):
        """The coefficient source per row of ``scores``: the ``rating`` mapped through
        ``ratings``, or the ``score``."""
        if self.ratings:
            if "rating" not in scores.columns:
                raise PlanInputError(
                    _(
                        "scores: plan.components[{index}] ({name!r}) maps ratings "
                        "{ratings}; expected a 'rating' column"
                    ).format(index=index, name=self.name, ratings=sorted(self.ratings))
                )
            lab = scores["rating"].astype(str)
            bad = sorted(set(lab[scores["rating"].notna()]) - set(self.ratings))
            if bad:
                raise PlanInputError(
                    _(
                        "scores: rating(s) {bad} are not in plan.components[{index}].ratings "
                        "{ratings}"
                    ).format(bad=bad, index=index, ratings=sorted(self.ratings))
                )
            return lab.map(self.ratings).to_numpy(dtype=float)
        if "score" not in scores.columns:
            raise PlanInputError(
                _(
                    "scores: plan.components[{index}] ({name!r}) reads a score; expected a "
                    "'score' column"
                ).format(index=index, name=self.name)
            )
        return number_column(scores, "score", "scores")

    # ------------------------------------------------------------------ words
    def _source_words(self) -> str:
        if self.ratings:
            return _("your appraisal rating ({ratings})").format(
                ratings=", ".join(f"{k}: x{v:g}" for k, v in self.ratings.items())
            )
        return _("your appraisal score")

    def describe(self, ctx: DescribeContext) -> str:
        label = self.label or self.name
        if self.applies_to:
            return _(
                "{label}: {components} are multiplied by a performance coefficient from {source}."
            ).format(
                label=label, components=", ".join(self.applies_to), source=self._source_words()
            )
        return _(
            "{label}: {weight} of your target incentive times a performance "
            "coefficient from {source}."
        ).format(label=label, weight=f"{self.weight:.0%}", source=self._source_words())

    def role(self, comp: Callable[[str], str]) -> str | None:
        if not self.applies_to:
            return None
        return _(
            "multiplies {components} by the performance coefficient; pays nothing itself"
        ).format(components=", ".join(comp(a) for a in self.applies_to))

    def explain(self, ctx: StatementContext, line: str, tr: dict, j: int) -> None:
        if bool(ctx.at(tr["no_score"], j)):
            ctx.add(
                line,
                _("no score"),
                _("no appraisal score or rating for this window: pays nothing"),
            )
        ctx.add(
            line,
            _("earned"),
            _("weight {weight} x target incentive {ti} x performance coefficient {coef} = {amount}").format(
                weight=f"{self.weight:g}", ti=ctx.money(ctx.at(tr["ti_window"], j)),
                coef=f"{ctx.at(tr['coefficient'], j):.4f}", amount=ctx.money(ctx.at(tr["raw"], j)),
            ),
        )  # fmt: skip

"""Response-model specs: data a scenario file can name (``behavior: [...]``).

Validated by pydantic through :mod:`simlib.spec`: unknown keys and out-of-range
values are errors naming their path, e.g. ``behavior[1].share``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from simlib.errors import SimlibError, SpecError
from simlib.i18n import _
from simlib.spec import StrictModel, spec_errors


class BehaviorError(SimlibError, ValueError):
    """A response model cannot be applied as asked."""


# =========================================================================== specs
class NoneSpec(StrictModel):
    """Mechanical replay: nobody changes how they work."""

    model: Literal["none"] = "none"


class ElasticitySpec(StrictModel):
    """Output responds to the marginal pay rate at the rep's expected attainment.

    ``multiplier = clip((max(rate, floor * ref) / ref) ** elasticity,
    1 / (1 + max_change), 1 + max_change)``, where ``rate`` is the pay per unit
    of the quota KPI a rep earns around their expected attainment (the average
    slope of their annual pay over ``expected * (1 +/- window)``) and ``ref`` is
    the rate under which history was earned.

    With a *reference plan* (the plan in force when the history was earned:
    ``simulate(behavior_reference=...)`` or ``reference_plan`` in the spec) each
    paid rep's ``ref`` is their own marginal rate under that plan, so the
    reference plan itself replays history unchanged (factor exactly 1) and only
    the *change* of incentive moves output; ``reference_rate`` then only scales
    the floor (default: the median positive reference rate). Without a
    reference plan ``reference_rate`` is required: one rate for everyone.
    """

    model: Literal["elasticity"] = "elasticity"
    elasticity: float = Field(0.1, ge=0, le=3)
    reference_rate: float | None = Field(None, gt=0)
    window: float = Field(0.1, gt=0, le=0.5)
    floor: float = Field(0.25, ge=0, le=1)
    max_change: float = Field(0.5, gt=0, le=2)


class EffortSpec(StrictModel):
    """Each rep chooses effort to maximize expected pay minus cost and risk premium.

    A rep with mechanical expected annual output ``Y0`` (quota KPI units) who puts
    in effort ``e`` (1 = the effort behind history) sells ``Y = Y0 * (e + sigma *
    Z)``, ``Z`` standard normal, and values the plan's annual pay ``P(Y)`` at::

        CE(e) = E[P] - risk_aversion / (2 * Y0) * Var[P] + intrinsic * cost * Y0 * e
                - Y0 * cost * e ** (1 + 1/elasticity) / (1 + 1/elasticity)

    With a linear plan ``P = beta * Y`` and no intrinsic motivation the chosen
    effort is ``(beta / cost) ** elasticity``; with ``elasticity = 1`` (quadratic
    cost) this is Holmstrom & Milgrom's agent, and the commission maximizing total surplus is ``beta* = 1 /
    (1 + r c sigma^2)`` (see :func:`best_linear_rate`).

    Parameters (fields)
    -------------------
    cost : float, optional
        ``c``: the marginal pay rate (pay per unit of quota-KPI sales) at which a
        rep puts in the historical effort (e = 1). With a *reference plan* (the
        plan in force when the history was earned: ``simulate(
        behavior_reference=...)``, which a scenario sets to its baseline plan, or
        ``reference_plan`` in the spec) the response is the ratio of each rep's
        optimal effort under the simulated plan to that under the reference plan,
        so the reference plan replays history unchanged and only the change of
        incentive moves output; ``cost`` then defaults to the reference plan's
        median marginal rate over paid reps ``/ (1 - intrinsic)``. Without a
        reference plan ``cost`` is required and efforts are absolute.
    elasticity : float
        ``eta``: elasticity of effort to the marginal pay rate (1 = quadratic
        cost, Holmstrom-Milgrom; the default 0.3 is an *assumption* giving
        responses of the order field studies report, e.g. about 9% more revenue
        when a cap and ratchet were removed, Misra & Nair 2011).
    risk_aversion : float
        ``r``: absolute risk aversion times the rep's expected annual output
        (unitless, so comparable across reps of any size).
    intrinsic : float
        Value a rep puts on a unit of output beyond pay (career, recognition,
        keeping the job), as a share of ``cost``: keeps effort above zero where
        the plan pays nothing at the margin (there effort is ``intrinsic **
        elasticity``). Default 0.5, an *assumption*.
    sigma : float, optional
        Relative standard deviation of a rep's annual output as the rep sees it.
        Default: from the parametric sales model's sigmas.
    min_effort, max_effort : float
        Range searched, and the bounds of the factor applied to sales.
    """

    model: Literal["effort"] = "effort"
    cost: float | None = Field(None, gt=0)
    elasticity: float = Field(0.3, gt=0, le=5)
    risk_aversion: float = Field(0.0, ge=0)
    intrinsic: float = Field(0.5, ge=0, lt=1)
    sigma: float | None = Field(None, gt=0, le=2)
    min_effort: float = Field(0.5, gt=0)
    max_effort: float = Field(1.5, gt=0)
    grid: int = Field(201, ge=11, le=5001)

    @model_validator(mode="after")
    def _range(self) -> EffortSpec:
        if self.min_effort >= self.max_effort:
            raise ValueError(
                _("min_effort ({min_effort}) must be below max_effort ({max_effort})").format(
                    min_effort=self.min_effort, max_effort=self.max_effort
                )
            )
        return self


class TimingSpec(StrictModel):
    """Period-end pull-in and push-out around the kinks of the payout curve.

    At the end of each measurement period of the quota component (a month,
    quarter or year), for each draw and rep:

    * **pull-in**: if period attainment is within ``band`` below a kink (the
      threshold, 100%, an accelerator point) and ``share`` of the next
      ``window`` months' sales would reach it, exactly the missing amount is
      booked now and taken from those months (the deal closed early). In the
      plan year's last period the next months are next year: the pulled sales
      count now and next year pays for them (outside the simulation).
    * **push-out after the cap**: sales above the cap earn nothing, so up to
      ``share`` of the period's last month, no more than the excess, slips to
      the next month.
    * **push-out when lost** (``lost_band``): a rep more than ``lost_band``
      below the threshold defers ``share`` of the last month to the next period,
      where it may still pay (Oyer 1998).

    Every summed KPI moves by the same fraction (a deal carries its customers);
    rates are untouched.

    Kinks are the points where pay jumps or the slope rises (threshold, steps,
    accelerators); where the slope falls (a decelerator, the cap) reaching
    early buys nothing. A commission-only plan has none. The simulated year
    wraps: past December the "next months" are this January (in a steady state
    next January sells like this one, and last December's pull-ins and push-outs
    reached this January in turn), so the year's total is kept. A year-long
    window cannot wrap onto itself: there the pull-in borrows from next year
    (assumed to start like this December) and pushes leave the year, both
    outside the simulation. ``discount`` is the price concession on a pulled-in deal (a share of
    its value, money KPIs only): Larkin (2014) puts the revenue cost of such
    timing at 6-8%.

    ``net_of_reference`` (default on): the history already shows the
    period-end pattern the plan in force produced (the sales model replays it),
    so with a reference plan only kinks, caps and thresholds the simulated plan
    adds (or moves) act again; simulating the plan in force changes nothing.
    """

    model: Literal["timing"] = "timing"
    window: int = Field(1, ge=1, le=3)
    share: float = Field(0.3, ge=0, le=1)
    band: float = Field(0.1, gt=0, le=0.5)
    lost_band: float | None = Field(None, gt=0, le=1)
    push_after_cap: bool = True
    kinks: list[float] | None = None
    discount: float = Field(0.0, ge=0, lt=1)
    net_of_reference: bool = True

    @field_validator("kinks")
    @classmethod
    def _kinks(cls, v: list[float] | None) -> list[float] | None:
        if v is None:
            return v
        if not v:
            raise ValueError(_("expected at least one attainment (e.g. [1.0]) or leave kinks out"))
        bad = [x for x in v if not (np.isfinite(x) and x > 0)]
        if bad:
            raise ValueError(
                _("expected finite attainments above 0 (1.0 = quota), got {bad}").format(bad=bad)
            )
        return v


class RatchetSpec(StrictModel):
    """Reps above their annual quota hold back a share of the beat.

    When next year's quota is ``target * (1 + growth) + up * beat + down *
    miss`` (:func:`simlib.targets.ratchet`, whose ``up`` this is), every unit
    sold beyond quota costs ``up`` units of next year's quota. A rep weighs that
    cost, ``up`` x the pay rate around quota (what a unit more quota takes away),
    against the gain, the plan's pay rate beyond quota (over ``above``), and
    holds back ``share x cost / (cost + gain)`` of what they sell beyond quota:
    more the harder the ratchet, less the steeper the accelerator, all of
    ``share`` when the plan pays nothing beyond quota. Held-back sales are lost
    to the simulated year (effort withheld or deals slipped past it). With
    ``up = 0`` nothing is held back. History gives evidence, not the number: the rule's
    ``up`` is estimated by :func:`simlib.behavior.target_revision`, and hold-back
    shows as bunching of annual attainment just above 100%
    (:func:`simlib.behavior.ratchet_test_ds`); ``share`` itself is an assumption.
    """

    model: Literal["ratchet"] = "ratchet"
    share: float = Field(0.3, ge=0, le=1)
    up: float = Field(0.5, ge=0, le=1)
    above: float = Field(0.2, gt=0, le=2)


ModelSpec = Annotated[
    NoneSpec | ElasticitySpec | EffortSpec | TimingSpec | RatchetSpec,
    Field(discriminator="model"),
]


class BehaviorSpec(StrictModel):
    """A list of response models applied in order, and the plan history was earned under.

    ``reference_plan`` (a plan file path, a plan dict or a
    :class:`~simlib.plans.Plan`) is the plan in force in the history the sales
    model replays: effort and elasticity respond to the change of incentive
    from it. ``simulate(behavior_reference=...)`` sets it from outside (a
    scenario passes its baseline plan).
    """

    models: list[ModelSpec] = Field(default_factory=list)
    reference_plan: Any = None


def parse_behavior(data: Any) -> BehaviorSpec:
    """Validate a behaviour spec: a model name, a dict, or a list of them.

    Examples
    --------
    >>> spec = parse_behavior([{"model": "effort", "elasticity": 0.5},
    ...                        {"model": "timing", "window": 1, "share": 0.3}])
    >>> [m.model for m in spec.models]
    ['effort', 'timing']
    >>> parse_behavior({"model": "timing", "share": 2})
    Traceback (most recent call last):
    ...
    simlib.errors.SpecError: behavior[0].share: Input should be less than or equal to 1
    """
    if isinstance(data, BehaviorSpec):
        return data
    if data is None:
        return BehaviorSpec()
    if isinstance(data, Mapping) and "models" in data and "model" not in data:
        extra = sorted(set(data) - {"models", "reference_plan"})
        if extra:
            raise SpecError(
                [(f"behavior.{extra[0]}", _("unknown key; expected models, reference_plan"))]
            )
        inner = parse_behavior(data["models"])
        return BehaviorSpec(models=inner.models, reference_plan=data.get("reference_plan"))
    items = data if isinstance(data, (list, tuple)) else [data]
    items = [{"model": x} if isinstance(x, str) else x for x in items]
    try:
        return BehaviorSpec.model_validate({"models": items})
    except ValidationError as exc:
        err = spec_errors(exc, "behavior", BehaviorSpec)
        # Drop the union tag pydantic puts after the index (the model name).
        tag = re.compile(r"^behavior\.models(\[\d+\])\.(none|elasticity|effort|timing|ratchet)")
        fixed = [
            (tag.sub(r"behavior\1", p).replace("behavior.models", "behavior", 1), msg)
            for p, msg in err.errors
        ]
        raise SpecError(fixed) from None


def is_mechanical(spec: Any) -> bool:
    """True when the spec changes nothing (absent, ``none`` or an empty list)."""
    if spec is None:
        return True
    if isinstance(spec, Mapping | list | tuple | str | BehaviorSpec):
        return all(isinstance(m, NoneSpec) for m in parse_behavior(spec).models)
    return False

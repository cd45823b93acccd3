"""The plan as data: pydantic models for a plan and its components.

A plan is a dict or YAML file. Structure (types, unknown keys) is checked by
pydantic through :func:`simlib.spec.parse_spec`; rules that span fields (curve
points increasing, weights summing to 1, known KPIs, a cap above the threshold)
are checked by :func:`check_plan`, which names the path of every problem, e.g.
``plan.components[1].curve[2]: attainment must increase (0.9 after 1.0)``.

Units, everywhere: amounts in the dataset currency (the sample uses CNY) and,
where they are levels (tier breaks, component caps), **annual** amounts that a
shorter measurement period uses pro rata; rates, weights and attainment as
fractions (0.06, not 6).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from simlib.i18n import _
from simlib.plans.components import (
    REGISTRY,
    Blend,
    Clawback,
    Commission,
    Component,
    Gate,
    Modifier,
    QuotaBonus,
    Scorecard,
    Spif,
    Team,
    Tier,
)
from simlib.plans.components.base import (
    MAX_CURVE_ATTAINMENT,
    MAX_PAYOUT_FACTOR,
    Basis,
    Period,
    PlanComponent,
    Points,
    Problem,
    curve_problems,
)
from simlib.plans.windows import PERIOD_MONTHS
from simlib.spec import StrictModel

#: The largest amount (currency) or rate any plan number may hold.
MAX_PLAN_NUMBER = 1e12
#: Components whose amounts are a weight of the target incentive.
TI_TYPES = tuple(t for t, cls in REGISTRY.items() if cls.ti_weight is not PlanComponent.ti_weight)


class PayMix(StrictModel):
    """Base / variable split of on-target earnings (e.g. 0.6 / 0.4)."""

    base: float = Field(gt=0, le=1)
    variable: float = Field(ge=0, lt=1)


class TargetIncentive(StrictModel):
    """Annual target incentive: one of ``pay_mix`` (on ``base_salary``), ``amount`` or
    ``by_position`` (position -> amount)."""

    pay_mix: PayMix | None = None
    amount: float | None = Field(default=None, ge=0)
    by_position: dict[str, float] | None = None


class Draw(StrictModel):
    """A monthly advance: pay at least ``amount`` a month (pro rata to days employed).

    Recoverable: the top-ups are recovered from later earnings above the draw.
    Non-recoverable: a guaranteed minimum. ``months``: the draw applies only in
    the first ``months`` months after the hire date (the hire month is the
    first); ``None`` for everyone, every month. ``unrecovered``: what happens to
    a balance not yet recovered at the end of the plan year: ``forgive`` (written
    off) or ``carry`` (recovered from the next year's earnings).
    """

    amount: float = Field(gt=0)
    recoverable: bool = True
    months: int | None = Field(default=None, ge=1, le=60)
    unrecovered: Literal["forgive", "carry"] = "forgive"


class Proration(StrictModel):
    """Which absences scale the target incentive, tier breaks and caps, by days."""

    hire: bool = True
    exit: bool = True
    leave: bool = True


class PlanSpec(StrictModel):
    """A whole incentive plan."""

    name: str = Field(min_length=1)
    description: str = ""
    reference: str | None = None
    currency: str = "CNY"
    period: Period = "quarter"
    true_up: bool = False
    negative_true_up: Literal["recover", "hold"] = "recover"
    year_start_month: int = Field(default=1, ge=1, le=12)
    target_incentive: TargetIncentive | None = None
    kpis: list[str] | None = None
    #: Positions the plan covers (``reps.position``); ``None``: everyone given.
    positions: list[str] | None = None
    components: list[Component] = Field(min_length=1)
    #: Plan cap: total pay for the year to date at most this multiple of the year-to-date
    #: target incentive (needs a target incentive).
    max_payout_multiple: float | None = Field(default=None, gt=0)
    #: Plan cap as an annual amount (currency): total pay in a plan year at most this,
    #: counted on year-to-date pay (part-year staff: the share of the year worked).
    max_payout: float | None = Field(default=None, gt=0)
    draw: Draw | None = None
    proration: Proration = Proration()


def _number_problems(value: Any, path: str) -> list[tuple[str, str]]:
    """Every number of a plan (outside curves, checked above) finite and not absurd."""
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "curve":
                out += _number_problems(v, f"{path}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            out += _number_problems(v, f"{path}[{i}]")
    elif isinstance(value, float) and not isinstance(value, bool):
        if not math.isfinite(value):
            out.append((path, _("must be a finite number, got {value}").format(value=value)))
        elif abs(value) > MAX_PLAN_NUMBER:
            out.append(
                (
                    path,
                    _("{value:g} is absurd: at most {limit:g}").format(
                        value=value, limit=MAX_PLAN_NUMBER
                    ),
                )
            )
    return out


def decreasing_curves(spec: PlanSpec, root: str = "plan") -> list[tuple[str, str]]:
    """Curves whose payout falls as attainment rises, unless the component says
    ``allow_decreasing: true``: ``(path, message)`` pairs, for warnings."""
    out = []
    for i, c in enumerate(spec.components):
        pts = getattr(c, "curve", None)
        if not pts or getattr(c, "allow_decreasing", True):
            continue
        for j in range(1, len(pts)):
            if pts[j][1] < pts[j - 1][1]:
                out.append(
                    (
                        f"{root}.components[{i}].curve[{j}]",
                        _(
                            "the payout falls from {high} to {low} as attainment rises from "
                            "{before} to {after}: selling more would pay less. Set "
                            "allow_decreasing: true on the component if that is meant."
                        ).format(
                            high=f"{pts[j - 1][1]:g}", low=f"{pts[j][1]:g}",
                            before=f"{pts[j - 1][0]:g}", after=f"{pts[j][0]:g}",
                        ),
                    )
                )  # fmt: skip
                break
    return out


def _component_problems(
    spec: PlanSpec, known: set[str] | None, root: str
) -> tuple[list[Problem], dict[str, int]]:
    """Names, KPIs and each component's own rules; the names seen (name -> index)."""
    errs: list[Problem] = []
    names: dict[str, int] = {}

    def kpi_ok(name: str, path: str) -> None:
        if known is not None and name not in known:
            errs.append(
                (
                    path,
                    _("unknown KPI {name!r}; the plan knows {known}").format(
                        name=name, known=sorted(known)
                    ),
                )
            )

    for i, c in enumerate(spec.components):
        p = f"{root}.components[{i}]"
        if c.name in names:
            errs.append(
                (
                    f"{p}.name",
                    _("{name!r} is already the name of components[{i}]").format(
                        name=c.name, i=names[c.name]
                    ),
                )
            )
        names[c.name] = i
        if c.name in ("total", "draw", "plan_cap") or c.name.startswith("clawback:"):
            errs.append(
                (f"{p}.name", _("{name!r} is reserved; choose another name").format(name=c.name))
            )
        if c.own_kpi is not None:
            kpi_ok(c.own_kpi, f"{p}.kpi")
        for sub in ("gate", "modifier", "clawback"):
            s = getattr(c, sub)
            if s is not None:
                kpi_ok(s.kpi, f"{p}.{sub}.kpi")
        if c.modifier is not None:
            errs += curve_problems(c.modifier.curve, f"{p}.modifier.curve")
        errs += c.check(p)
    for i, c in enumerate(spec.components):
        errs += c.check_references(f"{root}.components[{i}]", names)
    return errs, names


def _cap_problems(spec: PlanSpec, has_ti: bool, root: str) -> list[Problem]:
    """Plan and component caps that a target-incentive plan could never pay under."""
    errs: list[Problem] = []
    ti = spec.target_incentive
    if spec.max_payout_multiple is not None and not has_ti and ti is None:
        errs.append(
            (
                f"{root}.max_payout_multiple",
                _(
                    "a plan cap as a multiple of target incentive needs a target_incentive; "
                    "for a plan without one (e.g. commission only) give max_payout "
                    "(an annual amount)"
                ),
            )
        )
    # Cap below threshold: a cap the first payment above a threshold already exceeds.
    thr_pay = [
        (i, pay)
        for i, c in enumerate(spec.components)
        if (pay := c.threshold_payout()) is not None and pay > 0
    ]
    if spec.max_payout_multiple is not None and thr_pay:
        i, lowest = min(thr_pay, key=lambda x: x[1])
        if spec.max_payout_multiple < lowest:
            errs.append(
                (
                    f"{root}.max_payout_multiple",
                    _(
                        "plan cap {cap:g}x target incentive is below what "
                        "components[{i}] pays at its threshold ({lowest:g}x); raise the cap"
                    ).format(cap=spec.max_payout_multiple, i=i, lowest=lowest),
                )
            )
    if ti is not None and ti.amount is not None:
        for i, c in enumerate(spec.components):
            at_thr = c.threshold_payout(ti.amount) if c.max_payout is not None else None
            if at_thr is not None and c.max_payout < at_thr:
                errs.append(
                    (
                        f"{root}.components[{i}].max_payout",
                        _(
                            "cap {cap:,.0f} a year is below what the component pays "
                            "at its threshold over a year ({at_threshold:,.0f}); raise the cap"
                        ).format(cap=c.max_payout, at_threshold=at_thr),
                    )
                )
    return errs


def _target_incentive_problems(ti: TargetIncentive | None, root: str) -> list[Problem]:
    errs: list[Problem] = []
    if ti is not None and ti.by_position is not None:
        for k, v in ti.by_position.items():
            if not (math.isfinite(v) and v >= 0):
                errs.append(
                    (
                        f"{root}.target_incentive.by_position.{k}",
                        _("a target incentive must be an amount >= 0, got {v:g}").format(v=v),
                    )
                )
    if ti is not None:
        given = [k for k in ("pay_mix", "amount", "by_position") if getattr(ti, k) is not None]
        if len(given) != 1:
            errs.append(
                (
                    f"{root}.target_incentive",
                    _("give exactly one of pay_mix, amount, by_position (got {given})").format(
                        given=given or _("none")
                    ),
                )
            )
        if ti.pay_mix is not None and abs(ti.pay_mix.base + ti.pay_mix.variable - 1) > 1e-9:
            errs.append(
                (
                    f"{root}.target_incentive.pay_mix",
                    _("base and variable must sum to 1 (they sum to {total:g})").format(
                        total=ti.pay_mix.base + ti.pay_mix.variable
                    ),
                )
            )
    return errs


def check_plan(
    spec: PlanSpec, kpis: list[str] | None = None, root: str = "plan"
) -> list[tuple[str, str]]:
    """Rules that span fields; returns ``(path, message)`` pairs (empty when valid).

    ``kpis`` (e.g. ``ds.kpi_names``) adds a check that every KPI the plan names
    exists; the plan's own ``kpis`` list is checked the same way.
    """
    errs: list[tuple[str, str]] = _number_problems(spec.model_dump(), root)
    known = set(spec.kpis) if spec.kpis is not None else None
    if kpis is not None:
        known = set(kpis) if known is None else known & set(kpis)
    found, _names = _component_problems(spec, known, root)
    errs += found
    ti_weight = 0.0
    has_ti = False
    for c in spec.components:
        w = c.ti_weight()
        if w is not None:
            ti_weight += w
            has_ti = True
    if has_ti and abs(ti_weight - 1) > 1e-9:
        errs.append(
            (
                f"{root}.components",
                _(
                    "weights of the target-incentive components ({types}) must sum to 1; "
                    "they sum to {total:g}"
                ).format(types=", ".join(TI_TYPES), total=ti_weight),
            )
        )
    if has_ti and spec.target_incentive is None:
        errs.append(
            (
                f"{root}.target_incentive",
                _("required: components are weights of the target incentive"),
            )
        )
    errs += _cap_problems(spec, has_ti, root)
    errs += _target_incentive_problems(spec.target_incentive, root)
    return errs


__all__ = [
    "MAX_CURVE_ATTAINMENT",
    "MAX_PAYOUT_FACTOR",
    "MAX_PLAN_NUMBER",
    "PERIOD_MONTHS",
    "TI_TYPES",
    "Basis",
    "Blend",
    "Clawback",
    "Commission",
    "Component",
    "Draw",
    "Gate",
    "Modifier",
    "PayMix",
    "Period",
    "PlanSpec",
    "Points",
    "Proration",
    "QuotaBonus",
    "Scorecard",
    "Spif",
    "TargetIncentive",
    "Team",
    "Tier",
    "check_plan",
    "decreasing_curves",
]

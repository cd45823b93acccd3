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

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from simlib.spec import StrictModel

#: The largest payout factor a curve may reach: 100x the component's target payout.
#: Real plans stop at 2-3x (accelerators cap around 200-300%); a factor of 1e300 is
#: a typo that would print a cost of "inf".
MAX_PAYOUT_FACTOR = 100.0
#: The largest attainment a curve point may sit at (100x quota); "no cap" is 10x.
MAX_CURVE_ATTAINMENT = 100.0
#: The largest amount (currency) or rate any plan number may hold.
MAX_PLAN_NUMBER = 1e12

Period = Literal["month", "quarter", "year"]
Basis = Literal["attainment", "value"]
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _as_points(v: Any) -> Any:
    """Accept ``[[0.8, 0.5], ...]`` or ``[{attainment: 0.8, payout: 0.5}, ...]``."""
    if isinstance(v, list):
        out = []
        for i, p in enumerate(v):
            if isinstance(p, dict):
                if set(p) != {"attainment", "payout"}:
                    raise ValueError(
                        f"point {i}: expected the keys 'attainment' and 'payout', got {sorted(p)}"
                    )
                out.append((p["attainment"], p["payout"]))
            else:
                out.append(p)
        return out
    return v


Points = Annotated[list[tuple[float, float]], Field(min_length=1)]


class Gate(StrictModel):
    """A hurdle: the component pays only when ``kpi`` reaches ``min`` in the same period.

    ``basis`` says whether ``min`` is an attainment (0.9 = 90% of the KPI's
    target) or a value in the KPI's own unit (a rate such as 0.85 retention).
    The gate is measured over the measurement period itself (a quarter for a
    quarterly component), also under year-to-date true-up: a period whose gate
    fails pays nothing (and takes nothing back); the next period whose gate
    holds pays the year-to-date entitlement minus what was already paid.
    """

    kpi: str
    min: float
    basis: Basis = "attainment"


class Modifier(StrictModel):
    """A multiplier from another KPI, e.g. high-value retention x0.8-1.2.

    ``curve`` maps the KPI's measure (attainment or value, per ``basis``) to a
    factor; it is flat beyond its first and last points.
    """

    kpi: str
    basis: Basis = "value"
    curve: Points

    _pts = field_validator("curve", mode="before")(_as_points)


class Clawback(StrictModel):
    """Reverse ``share`` of a payment when ``kpi`` falls below ``min`` within ``within_months``.

    The measure is monthly (value or attainment, per ``basis``); a payment is
    clawed back once, in the first month after it was paid in which the KPI
    falls short.
    """

    kpi: str
    min: float
    basis: Basis = "value"
    within_months: int = Field(ge=1, le=24)
    share: float = Field(gt=0, le=1)


class _Component(StrictModel):
    name: str = Field(min_length=1)
    label: str | None = None
    #: Measurement period; defaults to the plan's.
    period: Period | None = None
    gate: Gate | None = None
    modifier: Modifier | None = None
    clawback: Clawback | None = None
    #: Component cap: the most it pays in a plan year (currency), applied to the
    #: component's year-to-date payments; part-year staff get the share of the year
    #: they worked (hire, exit, leave per ``proration``).
    max_payout: float | None = Field(default=None, gt=0)


class QuotaBonus(_Component):
    """``weight`` x target incentive x ``curve(attainment of kpi)``."""

    type: Literal["quota_bonus"] = "quota_bonus"
    kpi: str
    weight: float = Field(gt=0, le=1)
    curve: Points
    #: A curve whose payout falls as attainment rises is warned about unless stated.
    allow_decreasing: bool = False

    _pts = field_validator("curve", mode="before")(_as_points)


class Blend(StrictModel):
    """How much of the measured attainment is the team's and how much the rep's."""

    team: float = Field(ge=0, le=1)
    individual: float = Field(ge=0, le=1)


class Team(_Component):
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

    _pts = field_validator("curve", mode="before")(_as_points)


class Tier(StrictModel):
    """Commission ``rate`` on value above ``above`` (currency per year, or attainment)."""

    above: float = Field(ge=0)
    rate: float = Field(ge=0)


class Commission(_Component):
    """Commission on the value of ``kpi``: a flat ``rate`` or ``tiers``.

    ``mode``: ``marginal`` pays each tier's rate on the part of value in it;
    ``retroactive`` pays the reached tier's rate on all value. ``basis``: tier
    breaks, ``threshold`` and ``cap`` are annual currency amounts (``value``) or
    attainment fractions (``attainment``; a rep without a target for the window
    earns nothing, recorded as "no target").

    ``threshold``: in ``marginal`` mode nothing is earned on the first
    ``threshold`` of value (commission on value between ``threshold`` and
    ``cap``); in ``retroactive`` mode it is a qualifier: below it nothing is
    earned, at or above it the reached rate applies to all value up to ``cap``
    (retroactive to the first unit). ``cap``: no commission on value above it.
    """

    type: Literal["commission"] = "commission"
    kpi: str
    rate: float | None = Field(default=None, ge=0)
    tiers: list[Tier] | None = None
    mode: Literal["marginal", "retroactive"] = "marginal"
    basis: Basis = "value"
    threshold: float | None = Field(default=None, ge=0)
    cap: float | None = Field(default=None, ge=0)


class Spif(_Component):
    """A fixed ``amount`` (currency) per unit of ``kpi`` sold between ``start`` and ``end``."""

    type: Literal["spif"] = "spif"
    kpi: str
    amount: float = Field(ge=0)
    start: dt.date
    end: dt.date


class Scorecard(_Component):
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

    _pts = field_validator("curve", mode="before")(_as_points)


Component = Annotated[
    QuotaBonus | Team | Commission | Spif | Scorecard, Field(discriminator="type")
]
#: Components whose amounts are a weight of the target incentive.
TI_TYPES = ("quota_bonus", "team", "scorecard")


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


def _curve_problems(points: list[tuple[float, float]], path: str) -> list[tuple[str, str]]:
    out = []
    for i in range(1, len(points)):
        if points[i][0] < points[i - 1][0]:
            out.append(
                (
                    f"{path}[{i}]",
                    f"attainment must increase ({points[i][0]} after {points[i - 1][0]})",
                )
            )
        if i >= 2 and points[i][0] == points[i - 1][0] == points[i - 2][0]:
            out.append((f"{path}[{i}]", "at most two points may share an attainment (one jump)"))
    for i, (a, f) in enumerate(points):
        if not (math.isfinite(a) and math.isfinite(f)):
            out.append(
                (f"{path}[{i}]", f"attainment and payout must be finite numbers, got ({a}, {f})")
            )
        elif a < 0 or f < 0:
            out.append((f"{path}[{i}]", "attainment and payout must not be negative"))
        elif f > MAX_PAYOUT_FACTOR:
            out.append(
                (
                    f"{path}[{i}]",
                    f"payout factor {f:g} is absurd: at most {MAX_PAYOUT_FACTOR:g} (x the "
                    "target payout; real plans stop at 2-3x)",
                )
            )
        elif a > MAX_CURVE_ATTAINMENT:
            out.append(
                (
                    f"{path}[{i}]",
                    f"attainment {a:g} is absurd: at most {MAX_CURVE_ATTAINMENT:g} "
                    "(a fraction of quota: 1.2 is 120%)",
                )
            )
    return out


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
            out.append((path, f"must be a finite number, got {value}"))
        elif abs(value) > MAX_PLAN_NUMBER:
            out.append((path, f"{value:g} is absurd: at most {MAX_PLAN_NUMBER:g}"))
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
                        f"the payout falls from {pts[j - 1][1]:g} to {pts[j][1]:g} as attainment "
                        f"rises from {pts[j - 1][0]:g} to {pts[j][0]:g}: selling more would pay "
                        "less. Set allow_decreasing: true on the component if that is meant.",
                    )
                )
                break
    return out


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
    names: dict[str, int] = {}

    def kpi_ok(name: str, path: str) -> None:
        if known is not None and name not in known:
            errs.append((path, f"unknown KPI {name!r}; the plan knows {sorted(known)}"))

    ti_weight = 0.0
    has_ti = False
    for i, c in enumerate(spec.components):
        p = f"{root}.components[{i}]"
        if c.name in names:
            errs.append(
                (f"{p}.name", f"{c.name!r} is already the name of components[{names[c.name]}]")
            )
        names[c.name] = i
        if c.name in ("total", "draw", "plan_cap") or c.name.startswith("clawback:"):
            errs.append((f"{p}.name", f"{c.name!r} is reserved; choose another name"))
        if hasattr(c, "kpi"):
            kpi_ok(c.kpi, f"{p}.kpi")
        for sub in ("gate", "modifier", "clawback"):
            s = getattr(c, sub)
            if s is not None:
                kpi_ok(s.kpi, f"{p}.{sub}.kpi")
        if c.modifier is not None:
            errs += _curve_problems(c.modifier.curve, f"{p}.modifier.curve")
        if isinstance(c, (QuotaBonus, Team)):
            errs += _curve_problems(c.curve, f"{p}.curve")
            ti_weight += c.weight
            has_ti = True
        if isinstance(c, Team) and abs(c.blend.team + c.blend.individual - 1) > 1e-9:
            errs.append(
                (
                    f"{p}.blend",
                    f"team and individual weights must sum to 1 (they sum to {c.blend.team + c.blend.individual:g})",
                )
            )
        if isinstance(c, Commission):
            if (c.rate is None) == (c.tiers is None):
                errs.append((p, "give exactly one of 'rate' (flat) or 'tiers'"))
            if c.tiers is not None:
                if not c.tiers:
                    errs.append((f"{p}.tiers", "at least one tier is needed"))
                for j in range(1, len(c.tiers)):
                    if c.tiers[j].above <= c.tiers[j - 1].above:
                        errs.append(
                            (
                                f"{p}.tiers[{j}].above",
                                f"tier breaks must increase ({c.tiers[j].above} after {c.tiers[j - 1].above})",
                            )
                        )
            if c.threshold is not None and c.cap is not None and c.cap <= c.threshold:
                errs.append(
                    (f"{p}.cap", f"cap ({c.cap}) must be above the threshold ({c.threshold})")
                )
            if c.tiers and c.cap is not None:
                for j, tier in enumerate(c.tiers):
                    if tier.above >= c.cap:
                        errs.append(
                            (
                                f"{p}.tiers[{j}].above",
                                f"tier break {tier.above:g} is at or above the cap ({c.cap:g}), "
                                "so this tier could never pay; lower the break or raise the cap",
                            )
                        )
        if isinstance(c, Spif) and c.end < c.start:
            errs.append((f"{p}.end", f"end ({c.end}) is before start ({c.start})"))
        if isinstance(c, Scorecard):
            for k, v in (c.ratings or {}).items():
                if not (math.isfinite(v) and v >= 0):
                    errs.append(
                        (
                            f"{p}.ratings.{k}",
                            f"a performance coefficient must be a number >= 0, got {v:g}",
                        )
                    )
            if c.ratings is not None and c.curve is not None:
                errs.append((p, "give 'ratings' or 'curve', not both"))
            if c.curve is not None:
                errs += _curve_problems(c.curve, f"{p}.curve")
            if c.applies_to is None:
                if c.weight is None:
                    errs.append((f"{p}.weight", "a scorecard that pays on its own needs a weight"))
                else:
                    ti_weight += c.weight
                    has_ti = True
            elif c.weight is not None:
                errs.append(
                    (
                        f"{p}.weight",
                        "a scorecard with applies_to multiplies other components; it has no weight",
                    )
                )
    for i, c in enumerate(spec.components):
        if isinstance(c, Scorecard) and c.applies_to:
            for j, n in enumerate(c.applies_to):
                if n not in names:
                    errs.append(
                        (f"{root}.components[{i}].applies_to[{j}]", f"no component named {n!r}")
                    )
                elif n == c.name:
                    errs.append(
                        (
                            f"{root}.components[{i}].applies_to[{j}]",
                            "a scorecard cannot apply to itself",
                        )
                    )
    if has_ti and abs(ti_weight - 1) > 1e-9:
        errs.append(
            (
                f"{root}.components",
                f"weights of the target-incentive components (quota_bonus, team, scorecard) must sum to 1; they sum to {ti_weight:g}",
            )
        )
    if has_ti and spec.target_incentive is None:
        errs.append(
            (f"{root}.target_incentive", "required: components are weights of the target incentive")
        )
    ti = spec.target_incentive
    if spec.max_payout_multiple is not None and not has_ti and ti is None:
        errs.append(
            (
                f"{root}.max_payout_multiple",
                "a plan cap as a multiple of target incentive needs a target_incentive; "
                "for a plan without one (e.g. commission only) give max_payout (an annual amount)",
            )
        )
    # Cap below threshold: a cap the first payment above a threshold already exceeds.
    thr_pay = [
        (i, c.weight * c.curve[0][1])
        for i, c in enumerate(spec.components)
        if isinstance(c, (QuotaBonus, Team)) and c.curve[0][1] > 0
    ]
    if spec.max_payout_multiple is not None and thr_pay:
        i, lowest = min(thr_pay, key=lambda x: x[1])
        if spec.max_payout_multiple < lowest:
            errs.append(
                (
                    f"{root}.max_payout_multiple",
                    f"plan cap {spec.max_payout_multiple:g}x target incentive is below what "
                    f"components[{i}] pays at its threshold ({lowest:g}x); raise the cap",
                )
            )
    if ti is not None and ti.amount is not None:
        for i, c in enumerate(spec.components):
            if isinstance(c, (QuotaBonus, Team)) and c.max_payout is not None:
                at_thr = c.weight * ti.amount * c.curve[0][1]
                if c.max_payout < at_thr:
                    errs.append(
                        (
                            f"{root}.components[{i}].max_payout",
                            f"cap {c.max_payout:,.0f} a year is below what the component pays "
                            f"at its threshold over a year ({at_thr:,.0f}); raise the cap",
                        )
                    )
    if ti is not None and ti.by_position is not None:
        for k, v in ti.by_position.items():
            if not (math.isfinite(v) and v >= 0):
                errs.append(
                    (
                        f"{root}.target_incentive.by_position.{k}",
                        f"a target incentive must be an amount >= 0, got {v:g}",
                    )
                )
    if ti is not None:
        given = [k for k in ("pay_mix", "amount", "by_position") if getattr(ti, k) is not None]
        if len(given) != 1:
            errs.append(
                (
                    f"{root}.target_incentive",
                    f"give exactly one of pay_mix, amount, by_position (got {given or 'none'})",
                )
            )
        if ti.pay_mix is not None and abs(ti.pay_mix.base + ti.pay_mix.variable - 1) > 1e-9:
            errs.append(
                (
                    f"{root}.target_incentive.pay_mix",
                    f"base and variable must sum to 1 (they sum to {ti.pay_mix.base + ti.pay_mix.variable:g})",
                )
            )
    return errs

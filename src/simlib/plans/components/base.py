"""What every plan component is and does: the shared keys and the interface.

A component type is one class deriving from :class:`PlanComponent` (a pydantic
model: its keys are the YAML keys) that owns

* its rules beyond types (:meth:`~PlanComponent.check`),
* its arithmetic (:meth:`~PlanComponent.entitlement`: the raw entitlement per
  measurement window, on arrays of shape ``(..., reps, windows)``),
* its plain-language description (:meth:`~PlanComponent.describe`),
* its pay-statement steps (:meth:`~PlanComponent.explain`).

What all components share (gate, modifier, component cap, clawback, true-up) is
done by the plan around these calls. The defaults below are what a component
without that feature does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from simlib.i18n import _
from simlib.plans.curve import PayoutCurve
from simlib.spec import StrictModel

if TYPE_CHECKING:
    from simlib.plans.core import PreparedPlan
    from simlib.plans.windows import Windows

#: The largest payout factor a curve may reach: 100x the component's target payout.
#: Real plans stop at 2-3x (accelerators cap around 200-300%); a factor of 1e300 is
#: a typo that would print a cost of "inf".
MAX_PAYOUT_FACTOR = 100.0
#: The largest attainment a curve point may sit at (100x quota); "no cap" is 10x.
MAX_CURVE_ATTAINMENT = 100.0

Period = Literal["month", "quarter", "year"]
Basis = Literal["attainment", "value"]
#: A ``(path, message)`` pair: one problem of a plan spec.
Problem = tuple[str, str]


def as_points(v: Any) -> Any:
    """Accept ``[[0.8, 0.5], ...]`` or ``[{attainment: 0.8, payout: 0.5}, ...]``."""
    if isinstance(v, list):
        out = []
        for i, p in enumerate(v):
            if isinstance(p, dict):
                if set(p) != {"attainment", "payout"}:
                    raise ValueError(
                        _(
                            "point {i}: expected the keys 'attainment' and 'payout', got {keys}"
                        ).format(i=i, keys=sorted(p))
                    )
                out.append((p["attainment"], p["payout"]))
            else:
                out.append(p)
        return out
    return v


def curve_problems(points: list[tuple[float, float]], path: str) -> list[tuple[str, str]]:
    out = []
    for i in range(1, len(points)):
        if points[i][0] < points[i - 1][0]:
            out.append(
                (
                    f"{path}[{i}]",
                    _("attainment must increase ({x} after {previous})").format(
                        x=points[i][0], previous=points[i - 1][0]
                    ),
                )
            )
        if i >= 2 and points[i][0] == points[i - 1][0] == points[i - 2][0]:
            out.append((f"{path}[{i}]", _("at most two points may share an attainment (one jump)")))
    for i, (a, f) in enumerate(points):
        if not (math.isfinite(a) and math.isfinite(f)):
            out.append(
                (
                    f"{path}[{i}]",
                    _("attainment and payout must be finite numbers, got ({a}, {f})").format(
                        a=a, f=f
                    ),
                )
            )
        elif a < 0 or f < 0:
            out.append((f"{path}[{i}]", _("attainment and payout must not be negative")))
        elif f > MAX_PAYOUT_FACTOR:
            out.append(
                (
                    f"{path}[{i}]",
                    _(
                        "payout factor {f:g} is absurd: at most {limit:g} (x the "
                        "target payout; real plans stop at 2-3x)"
                    ).format(f=f, limit=MAX_PAYOUT_FACTOR),
                )
            )
        elif a > MAX_CURVE_ATTAINMENT:
            out.append(
                (
                    f"{path}[{i}]",
                    _(
                        "attainment {a:g} is absurd: at most {limit:g} "
                        "(a fraction of quota: 1.2 is 120%)"
                    ).format(a=a, limit=MAX_CURVE_ATTAINMENT),
                )
            )
    return out


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

    _pts = field_validator("curve", mode="before")(as_points)


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


@dataclass
class DescribeContext:
    """What a component's description needs from the plan: KPI words, the currency as
    the text names it, and the words for a measurement period other than the plan's."""

    kpi: Callable[[str], str]
    currency: str
    per: str


@dataclass
class StatementContext:
    """One pay statement being written: the rep's row ``r``, the month ``t``, the
    words for KPIs and components, and :meth:`add` for a step."""

    prep: PreparedPlan
    r: int
    t: int
    currency: str
    kpi: Callable[[str], str]
    comp: Callable[[str], str]
    level: Callable[[str], str]
    rows: list

    def add(self, line: str, step: str, detail: str, amount: float = np.nan) -> None:
        self.rows.append((line, step, detail, amount))

    def at(self, x, j: int) -> float:
        """The rep's value in window (or month) ``j`` of a trace array."""
        return float(np.asarray(x)[self.r, j]) if np.ndim(x) >= 2 else float(np.asarray(x)[j])

    def money(self, x: float) -> str:
        from simlib import i18n

        return i18n.money_exact(x, self.currency)

    @staticmethod
    def num(x: float) -> str:
        from simlib import i18n

        return i18n.number(x, 2)

    @staticmethod
    def att_words(x: float) -> str:
        from simlib import i18n
        from simlib.i18n import _

        return (
            _("unlimited (a lower-is-better KPI at 0, its best)")
            if np.isinf(x)
            else i18n.percent(x, 2)
        )

    def no_target(self, tr: dict, j: int) -> bool:
        return "no_target" in tr and bool(self.at(tr["no_target"], j))


class PlanComponent(StrictModel):
    """The keys every component has; the interface every component type implements."""

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

    # How a pay statement names the type (a message id, translated when shown).
    type_words: ClassVar[str] = ""
    # Whether the component sums over units of the hierarchy (needs every rep of a unit).
    sums_over_units: ClassVar[bool] = False
    # Whether it pays on a curve of attainment of quota: the first such component's KPI
    # is the plan's quota KPI and its curve the one reps steer by.
    pays_on_quota: ClassVar[bool] = False
    # Whether it pays on the rep's appraisal rating (a run needs an appraisal).
    rated: ClassVar[bool] = False

    @classmethod
    def scale_pay_levels(cls, spec: dict[str, Any], factor: float) -> None:
        """Scale, in a component's spec as written (a dict, changed in place), the
        amounts it pays in currency: a budget-neutral design scales every pay level by
        one factor. Shares of the target incentive follow the incentive by themselves."""
        if spec.get("max_payout") is not None:
            spec["max_payout"] = spec["max_payout"] * factor

    # ------------------------------------------------------------------- spec
    @property
    def own_kpi(self) -> str | None:
        """The KPI the component measures itself (``None`` for a scorecard)."""
        return getattr(self, "kpi", None)

    def kpis(self) -> list[str]:
        """Every KPI the component reads: its own, its gate's, modifier's, clawback's."""
        out: list[str] = []
        for k in (
            self.own_kpi,
            self.gate.kpi if self.gate else None,
            self.modifier.kpi if self.modifier else None,
            self.clawback.kpi if self.clawback else None,
        ):
            if k is not None and k not in out:
                out.append(k)
        return out

    def needs_target(self) -> bool:
        """Whether the component measures attainment on its own KPI (needs a target)."""
        return False

    def ti_weight(self) -> float | None:
        """Its weight of the target incentive; ``None`` when it is not paid on it."""
        return None

    def threshold_payout(self) -> float | None:
        """What it pays at its threshold, as a multiple of target incentive (curve bonuses)."""
        return None

    def max_multiple(self) -> float | None:
        """Most it pays as a multiple of target incentive (0 if not a share of it; ``None``:
        no ceiling)."""
        return 0.0

    def check(self, path: str) -> list[Problem]:
        """Rules spanning this component's own keys: ``(path, message)`` pairs."""
        return []

    def check_references(self, path: str, names: dict[str, int]) -> list[Problem]:
        """Rules on the other components it names (``names``: name -> index)."""
        return []

    # ----------------------------------------------------------------- curves
    def payout_curve(self) -> PayoutCurve | None:
        """The payout curve (attainment -> factor) of a bonus paid on a curve."""
        return None

    def factor_curve(self) -> PayoutCurve | None:
        """The curve the arithmetic evaluates (payout or coefficient curve)."""
        return self.payout_curve()

    def own_curves(self) -> list[tuple[str, list]]:
        """``(kind, points)`` of its own curves: ``payout`` or ``coefficient``."""
        return []

    def curves(self) -> list[tuple[str, list]]:
        """Its own curves, then the modifier's."""
        out = self.own_curves()
        if self.modifier is not None:
            out.append(("modifier", self.modifier.curve))
        return out

    def panels(self) -> list[str]:
        """The chart panels it draws (:meth:`draw`), by kind."""
        return [kind for kind, _pts in self.curves()]

    def draw(self, ax, kind: str) -> None:
        """Draw one of its curves (``kind`` from :meth:`panels`) on matplotlib ``ax``."""
        from simlib.plans.components.drawing import draw_curve

        draw_curve(self, ax, kind)

    # ---------------------------------------------------------------- payment
    def bind(self, reps, periods, hierarchy) -> dict[str, Any]:
        """Per-rep constants the arithmetic needs, by kind (``teams``, ``spif_masks``)."""
        return {}

    def pays(self) -> bool:
        """Whether it has a payment line of its own (a multiplying scorecard has not)."""
        return True

    def multiplies(self) -> list[str]:
        """Names of the components it multiplies."""
        return []

    def entitlement(self, prep: PreparedPlan, w: Windows) -> tuple[np.ndarray, dict]:
        """The raw entitlement per window, before gate, modifier, cap and true-up, and
        the steps a pay statement shows (a dict of arrays)."""
        raise NotImplementedError(f"component type {self.type!r}")  # type: ignore[attr-defined]  # internal: each component type overrides it

    def trace_kpi(self) -> str | None:
        """The KPI whose window actual and target the trace keeps."""
        return self.own_kpi

    def tidy_actual(self, tr: dict) -> tuple[Any, Any]:
        """Window actual and target for the tidy payout frame (``None`` when none)."""
        return tr.get("_actual"), tr.get("_target")

    def score_values(self, scores, index: int):
        """Scores for a scorecard, one value per row of ``scores``; ``None`` otherwise."""
        return None

    # ------------------------------------------------------------------ words
    def describe(self, ctx: DescribeContext) -> str:
        """One sentence: how the component pays, in the language in force."""
        raise NotImplementedError(f"component type {self.type!r}")  # type: ignore[attr-defined]  # internal: each component type overrides it

    def scales_with_days(self) -> bool:
        """Whether amounts of its own (annual levels) count only the days worked."""
        return False

    def cap_words(self) -> list[str]:
        """Its ceilings, for the practice check on caps."""
        return []

    def practice_checks(self, plan_period: str) -> list[str]:
        """Where it departs from practitioner norms, one sentence each."""
        return []

    def role(self, comp: Callable[[str], str]) -> str | None:
        """What a component without a payment of its own does, for a pay statement."""
        return None

    def explain(self, ctx: StatementContext, line: str, tr: dict, j: int) -> None:
        """Add its own steps for window ``j`` (attainment, curve, earned) to a statement."""
        raise NotImplementedError(f"component type {self.type!r}")  # type: ignore[attr-defined]  # internal: each component type overrides it

"""The cascade spec: how a company target is split level by level, as data.

A spec is a dict or YAML file validated by :class:`CascadeSpec` (unknown keys are
errors; every error names its path, e.g. ``cascade.levels.team.padding``). Example
(``scenarios/cascades/baseline.yaml``)::

    default: {method: history}
    levels:
      region: {method: blend, blend: {history: 0.7, potential: 0.3}}
      team:   {method: potential, padding: 0.03}
      rep:    {method: capacity, guardrail: {max_increase: 0.3, max_decrease: 0.1}}
    kpis:
      new_customers:
        levels: {rep: {method: even}}
    rounding: {currency: 1000, count: 1}
    calendarization: {method: seasonal, years: 2}

Keys of ``levels`` are level names from ``ds.units.level`` plus ``rep`` (the
people at the bottom). The rule of a level says how a parent's target is split
among children *at that level*.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PositiveFloat, model_validator

from simlib.errors import SpecError
from simlib.i18n import _
from simlib.spec import StrictModel, load_yaml, parse_spec

SplitMethod = Literal["even", "history", "potential", "blend", "capacity"]
BASIC_METHODS = ("even", "history", "potential", "capacity")
REP_LEVEL = "rep"


class HistoryRule(StrictModel):
    """Which history a ``history`` split uses.

    ``last_year``: the calendar year before the target year. ``ttm``: the last 12
    months with data before the target year (the same as ``last_year`` when the
    data ends in December). ``ewm``: every month before the target year, weighted
    ``0.5 ** (age_in_months / halflife_months)`` so recent months count most.
    """

    basis: Literal["last_year", "ttm", "ewm"] = "last_year"
    halflife_months: float = Field(6.0, gt=0)
    annualize: bool = Field(
        True,
        description="Scale a rep's history to 12 months when they worked only part of "
        "the window, so that last year's new hires are not treated as small.",
    )


class CapacityRule(StrictModel):
    """Capacity = months a rep is expected to work in the target year, each month
    weighted by a ramp factor for new hires (practice: about 3 months for SDRs to 5
    for account executives to reach full productivity, Bridge Group)."""

    ramp: list[float] = Field(
        default_factory=lambda: [0.25, 0.5, 0.75],
        description="Productivity in the 1st, 2nd, ... month after hire (fractions); "
        "1.0 after the list ends.",
    )

    @model_validator(mode="after")
    def _ramp_fractions(self) -> CapacityRule:
        if any(not (0.0 <= r <= 1.0) for r in self.ramp):
            raise ValueError(_("ramp factors must be fractions between 0 and 1"))
        return self


class Guardrail(StrictModel):
    """Limits on a child's annual target, relative to its last-year actual.

    ``max_increase`` 0.3 means at most +30% on last year's actual; ``max_decrease``
    0.1 at most -10%; ``max_change`` sets both. ``floor`` is a minimum annual target
    in KPI units (CNY, customers). Children without a last-year actual (new teams,
    new hires) are bound by the floor only.
    """

    max_change: float | None = Field(None, ge=0)
    max_increase: float | None = Field(None, ge=0)
    max_decrease: float | None = Field(None, ge=0, le=1)
    floor: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one_way(self) -> Guardrail:
        if self.max_change is not None and (
            self.max_increase is not None or self.max_decrease is not None
        ):
            raise ValueError(_("give max_change, or max_increase / max_decrease, not both"))
        if self.max_change is not None and self.max_change > 1:
            raise ValueError(
                _("max_change above 1 would allow a negative target; use max_increase")
            )
        return self

    @property
    def up(self) -> float | None:
        return self.max_change if self.max_change is not None else self.max_increase

    @property
    def down(self) -> float | None:
        return self.max_change if self.max_change is not None else self.max_decrease


class LevelRule(StrictModel):
    """How a parent's target is split among its children at one level."""

    method: SplitMethod = "history"
    history: HistoryRule = Field(default_factory=HistoryRule)
    capacity: CapacityRule = Field(default_factory=CapacityRule)
    blend: dict[Literal["even", "history", "potential", "capacity"], float] | None = None
    padding: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Over-assignment: children's targets sum to the parent's times "
        "(1 + padding). 0.05 = 5%.",
    )
    guardrail: Guardrail | None = None
    rate_rule: Literal["same", "history_relative"] = Field(
        "same",
        description="For rate KPIs (aggregation mean), which are never split: 'same' "
        "gives each child the parent's rate; 'history_relative' gives the child its "
        "last-year rate plus the parent's planned improvement in points.",
    )

    @model_validator(mode="after")
    def _blend(self) -> LevelRule:
        if self.method == "blend":
            if not self.blend:
                raise ValueError(
                    _("method 'blend' needs blend weights, e.g. {history: 0.7, potential: 0.3}")
                )
            if any(v < 0 for v in self.blend.values()):
                raise ValueError(_("blend weights must be non-negative"))
            if sum(self.blend.values()) <= 0:
                raise ValueError(
                    _("blend weights sum to zero; give at least one a positive weight")
                )
        elif self.blend is not None:
            raise ValueError(
                _("blend weights are only used with method 'blend', not {method!r}").format(
                    method=self.method
                )
            )
        return self

    def uses(self, basic: str) -> bool:
        if self.method == "blend":
            return bool(self.blend and self.blend.get(basic, 0) > 0)  # type: ignore[call-overload]
        return self.method == basic


class KpiRules(StrictModel):
    """Overrides for one KPI."""

    default: LevelRule | None = None
    levels: dict[str, LevelRule] = Field(default_factory=dict)


class Calendarization(StrictModel):
    """How an annual target becomes monthly targets.

    ``seasonal``: each month's share of the year is the average over the last
    ``years`` complete years of that month's share of the annual actual, for the
    rep's unit at ``profile_level``; when not given, the rep's own unit (a unit
    without a complete year of history takes the company's profile). A coarser
    ``profile_level`` (e.g. ``region``) is steadier for small teams. ``flat``: equal
    months. A rep who joins or leaves during the year gets targets only for months
    employed (the annual target is spread over those months).
    """

    method: Literal["seasonal", "flat"] = "seasonal"
    years: int = Field(3, ge=1)
    profile_level: str | None = None


class CascadeSpec(StrictModel):
    """A target cascade (层层分解), validated; see the module docstring."""

    name: str = "cascade"
    description: str = ""
    default: LevelRule = Field(default_factory=LevelRule)
    levels: dict[str, LevelRule] = Field(default_factory=dict)
    kpis: dict[str, KpiRules] = Field(default_factory=dict)
    rounding: dict[str, PositiveFloat] = Field(
        default_factory=lambda: {"currency": 1.0, "count": 1.0},
        description="Rounding unit per KPI unit ('currency', 'count') or per KPI name: "
        "CNY 1,000 -> 1000. Count KPIs are always whole numbers.",
    )
    rounding_method: Literal["hamilton", "jefferson", "webster", "huntington_hill"] = "hamilton"
    calendarization: Calendarization = Field(default_factory=Calendarization)

    # ----------------------------------------------------------------- lookup
    def rule(self, level: str, kpi: str) -> LevelRule:
        """The rule for splitting into ``level`` for ``kpi`` (KPI override first)."""
        k = self.kpis.get(kpi)
        if k is not None:
            if level in k.levels:
                return k.levels[level]
            if k.default is not None:
                return k.default
        return self.levels.get(level, self.default)

    def rule_path(self, level: str, kpi: str) -> str:
        """Spec path of the rule :meth:`rule` returns, as the user wrote it (for errors):
        ``cascade.kpis.<kpi>.levels.<level>``, ``cascade.kpis.<kpi>.default``,
        ``cascade.levels.<level>`` or ``cascade.default``."""
        k = self.kpis.get(kpi)
        if k is not None:
            if level in k.levels:
                return f"cascade.kpis.{kpi}.levels.{level}"
            if k.default is not None:
                return f"cascade.kpis.{kpi}.default"
        if level in self.levels:
            return f"cascade.levels.{level}"
        return "cascade.default"

    @classmethod
    def from_yaml(cls, path: str | Path) -> CascadeSpec:
        data = load_yaml(path)
        if isinstance(data, dict) and set(data) == {"cascade"}:
            data = data["cascade"]
        return parse_spec(cls, data, root="cascade")

    def check_against(self, levels: list[str], kpis: list[str], has_potential: bool) -> None:
        """Errors for names the dataset does not have (levels, KPIs, potential)."""
        known = [*levels, REP_LEVEL]
        errors: list[tuple[str, str]] = []

        def check_rules(prefix: str, rules: dict[str, LevelRule], default: LevelRule | None):
            for lvl, r in rules.items():
                if lvl not in known:
                    errors.append(
                        (
                            f"{prefix}.levels.{lvl}",
                            _("no such level; the data's levels are {levels}").format(levels=known),
                        )
                    )
                elif lvl == levels[0]:
                    errors.append(
                        (
                            f"{prefix}.levels.{lvl}",
                            _("the top level gets the company target; it is not split"),
                        )
                    )
                if r.uses("potential") and not has_potential:
                    errors.append(
                        (
                            f"{prefix}.levels.{lvl}.method",
                            _("uses potential but the dataset has no potential table"),
                        )
                    )
            if default is not None and default.uses("potential") and not has_potential:
                errors.append(
                    (
                        f"{prefix}.default.method",
                        _("uses potential but the dataset has no potential table"),
                    )
                )

        check_rules("cascade", self.levels, self.default)
        for kpi, kr in self.kpis.items():
            if kpi not in kpis:
                errors.append(
                    (f"cascade.kpis.{kpi}", _("no such KPI; the data has {kpis}").format(kpis=kpis))
                )
            check_rules(f"cascade.kpis.{kpi}", kr.levels, kr.default)
        for key in self.rounding:
            if key not in ("currency", "count", "rate") and key not in kpis:
                errors.append(
                    (
                        f"cascade.rounding.{key}",
                        _("not a KPI unit (currency, count) nor a KPI of the data {kpis}").format(
                            kpis=kpis
                        ),
                    )
                )
        pl = self.calendarization.profile_level
        if pl is not None and pl not in levels:
            errors.append(
                (
                    "cascade.calendarization.profile_level",
                    _("no such level; the data's levels are {levels}").format(levels=levels),
                )
            )
        if errors:
            raise SpecError(errors)


def parse_cascade_spec(spec: CascadeSpec | dict[str, Any] | str | Path | None) -> CascadeSpec:
    """Accept a spec object, a dict, a YAML path, or ``None`` (all defaults)."""
    if spec is None:
        return CascadeSpec()
    if isinstance(spec, CascadeSpec):
        return spec
    if isinstance(spec, (str, Path)):
        return CascadeSpec.from_yaml(spec)
    return parse_spec(CascadeSpec, spec, root="cascade")

"""The ``search:`` section of a scenario file: what to tune, the goals, what to maximise.

A design search is written as data, like every other spec, and validated
strictly (unknown keys are errors naming their path)::

    search:
      base: proposed                 # the design the search starts from (default: baseline)
      what: Tune threshold, cap and team share of the proposed plan
      why: No hand-written design meets every goal
      parameters:                    # scenario paths, as in reforms and sweeps
        plan.components[0].curve[0][0]: {low: 0.6, high: 0.9, label: threshold}
        plan.components[0].curve[-1][0]: {choices: [1.4, 1.6, 2.0, none], label: cap}
        plan.components[1].weight:
          {low: 0.1, high: 0.4, step: 0.05, label: team share,
           complement: plan.components[0].weight}      # set to 1 - value
      constraints:
        - {metric: budget_ratio, max: 1.0}              # expected cost within budget
        - {metric: over_budget, max: 0.10}              # P(overspend) at most 10%
        - {metric: share_at_quota, min: 0.60, max: 0.70}
        - {metric: pay_performance_spearman, min: 0.80}
        - {metric: "pay_gap:gender", max: 0.05}         # largest gap at equal attainment
        - {metric: "pay_change:region", min: -0.05}     # no region's mean pay falls > 5%
      objective: {maximize: contribution, margin: 1.0}
      frontier: {total_payout: min}                     # trade-off axes besides the objective
      screening: {draws: 40}
      confirmation: {draws: 400, designs: 5}
      optimizer: {population: 6, generations: 8, seed: 1}

**Parameters** are addressed with the scenario path language of reforms and
sweeps (:func:`simlib.scenario.set_path`), so the cap rule holds: setting a
curve's last attainment (``curve[-1][0]``) moves the cap along the last rising
segment's slope, and ``none`` removes it. Cap paths are applied after every
other parameter (the slope they keep is the one the other points give).

**Metrics** are the simulation's per-draw metrics (``budget_ratio``,
``over_budget``, ``share_at_quota``, ``pay_performance_spearman``,
``cost_of_sales``, ...), judged on their mean over draws, plus:

* ``contribution``: ``margin`` x revenue minus total pay, per draw (currency);
  with ``participation: true`` it also counts the change in reps' certainty
  equivalent against the search's base design (what base salary could fall,
  or must rise, to keep reps as well off: the participation constraint of
  Holmstrom & Milgrom 1987; needs the ``effort`` behaviour model);
* ``pay_gap:<group>``: the largest absolute pay gap at equal attainment across
  the groups of ``<group>`` (a grouping of the simulation: region, tenure,
  gender ...);
* ``pay_change:<group>``: the lowest change in a group's mean pay against the
  file's baseline (-0.05: the worst-off group is paid 5% less).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from simlib.errors import SpecError
from simlib.i18n import _
from simlib.spec import StrictModel, spec_errors

#: Metrics every simulation result carries (mean over draws is judged).
PER_DRAW_METRICS = (
    "total_payout", "budget_ratio", "over_budget", "revenue", "cost_of_sales",
    "incentive_cost_of_sales", "variable_pay_share", "leverage_p90", "share_at_threshold",
    "share_at_quota", "share_at_cap", "median_attainment", "pay_performance_spearman",
    "payout_gini", "company_reaches_target", "cost_of_sales_bottom_quartile",
    "cost_of_sales_top_quartile", "improvement_plan_share", "promotion_ready_share",
    "merit_cost_at_matrix",
)  # fmt: skip
GROUP_METRICS = ("pay_gap", "pay_change")


def check_metric(name: str) -> str:
    """A metric name the search can judge, else ValueError saying which exist."""
    if name == "contribution" or name in PER_DRAW_METRICS:
        return name
    kind, sep, group = name.partition(":")
    if sep and kind in GROUP_METRICS and group:
        return name
    raise ValueError(
        _(
            "unknown metric {name}; use contribution, pay_gap:<group>, pay_change:<group> or a "
            "simulation metric ({metrics})"
        ).format(name=repr(name), metrics=", ".join(PER_DRAW_METRICS))
    )


class ParameterSpec(StrictModel):
    """One tuned parameter: a range (``low``-``high``, optional ``step``) or ``choices``."""

    low: float | None = None
    high: float | None = None
    #: Grid step within ``low``-``high`` (searched as whole steps).
    step: float | None = Field(default=None, gt=0)
    #: The only values allowed (``none`` removes a cap).
    choices: list[Any] | None = None
    #: Short name in reports and design names (default: from the path).
    label: str | None = None
    #: A second path set to ``1 - value`` (pay mix base, the other component's weight).
    complement: str | None = None

    @model_validator(mode="after")
    def _range(self) -> ParameterSpec:
        if self.choices is not None:
            if self.low is not None or self.high is not None or self.step is not None:
                raise ValueError(
                    _("give either choices or low/high (with an optional step), not both")
                )
            if len(self.choices) < 2:
                raise ValueError(_("choices: give at least two values (one value is not a search)"))
            return self
        if self.low is None or self.high is None:
            raise ValueError(_("give low and high (a range) or choices (a list)"))
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError(_("low and high must be finite numbers"))
        if self.low >= self.high:
            raise ValueError(
                _("low ({low}) must be below high ({high})").format(
                    low=f"{self.low:g}", high=f"{self.high:g}"
                )
            )
        if self.step is not None and self.step > self.high - self.low:
            raise ValueError(
                _("step ({step}) is wider than the range {low}-{high}").format(
                    step=f"{self.step:g}", low=f"{self.low:g}", high=f"{self.high:g}"
                )
            )
        return self


class ConstraintSpec(StrictModel):
    """A goal every recommended design must meet: ``min <= mean(metric) <= max``."""

    metric: str
    min: float | None = None
    max: float | None = None
    #: Plain-language name in reports (default: the metric and its bounds).
    name: str | None = None

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        return check_metric(v)

    @model_validator(mode="after")
    def _bounds(self) -> ConstraintSpec:
        if self.min is None and self.max is None:
            raise ValueError(_("give min, max or both"))
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(
                _("min ({min}) is above max ({max}): no design can meet it").format(
                    min=f"{self.min:g}", max=f"{self.max:g}"
                )
            )
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.min is not None and self.max is not None:
            return f"{self.metric} within {self.min:g}-{self.max:g}"
        if self.min is not None:
            return f"{self.metric} at least {self.min:g}"
        return f"{self.metric} at most {self.max:g}"

    def shown(self) -> str:
        """:attr:`label` in the current language (the label itself keys stored results)."""
        if self.name:
            return self.name
        if self.min is not None and self.max is not None:
            return _("{metric} within {low}-{high}").format(
                metric=self.metric, low=f"{self.min:g}", high=f"{self.max:g}"
            )
        if self.min is not None:
            return _("{metric} at least {low}").format(metric=self.metric, low=f"{self.min:g}")
        return _("{metric} at most {high}").format(metric=self.metric, high=f"{self.max:g}")


class ObjectiveSpec(StrictModel):
    """What the search maximises (or minimises), judged on the mean over draws."""

    maximize: str | None = None
    minimize: str | None = None
    #: Contribution per unit of revenue (gross margin); 1 counts revenue itself.
    margin: float = Field(default=1.0, gt=0, le=1)
    #: Count the change in reps' certainty equivalent (participation constraint).
    participation: bool = False

    @model_validator(mode="after")
    def _one(self) -> ObjectiveSpec:
        if (self.maximize is None) == (self.minimize is None):
            raise ValueError(_("give exactly one of maximize or minimize"))
        check_metric(self.metric)
        return self

    @property
    def metric(self) -> str:
        return self.maximize if self.maximize is not None else str(self.minimize)

    @property
    def sense(self) -> int:
        """+1 to maximise, -1 to minimise."""
        return 1 if self.maximize is not None else -1


class ScreeningSpec(StrictModel):
    """The cheap fidelity the optimiser searches with (same seed: same random years)."""

    draws: int = Field(default=40, ge=2, le=100_000)


class ConfirmationSpec(StrictModel):
    """Full-fidelity re-run of the best designs before one is recommended."""

    #: Draws (default: the base design's ``simulation.draws``).
    draws: int | None = Field(default=None, ge=2, le=1_000_000)
    #: How many designs are confirmed (the best feasible first, then frontier points).
    designs: int = Field(default=5, ge=1, le=100)


class OptimizerSpec(StrictModel):
    """Settings of scipy's differential evolution (see :func:`scipy.optimize.differential_evolution`)."""

    #: Candidates per generation, as a multiple of the number of parameters.
    population: int = Field(default=6, ge=2, le=100)
    generations: int = Field(default=8, ge=1, le=1000)
    #: Seed of the optimiser (default: the base design's simulation seed).
    seed: int | None = Field(default=None, ge=0)
    #: Stop early when the population's spread falls under this share of its mean
    #: fitness (scipy's ``tol``); 0 runs every generation.
    tol: float = Field(default=0.0, ge=0)
    #: Refine the best design with L-BFGS-B (only when no parameter is discrete).
    polish: bool = False
    mutation: tuple[float, float] = (0.5, 1.0)
    recombination: float = Field(default=0.7, ge=0, le=1)


class SearchSpec(StrictModel):
    """The ``search:`` section of a scenario file (see the module docs)."""

    base: str = "baseline"
    what: str = Field(default="Design search", min_length=1)
    why: str = ""
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    constraints: list[ConstraintSpec] = Field(default_factory=list)
    objective: ObjectiveSpec = ObjectiveSpec(maximize="contribution")
    #: Trade-off axes of the frontier besides the objective: metric -> min or max.
    frontier: dict[str, Literal["min", "max"]] = Field(
        default_factory=lambda: {"total_payout": "min"}
    )
    screening: ScreeningSpec = ScreeningSpec()
    confirmation: ConfirmationSpec = ConfirmationSpec()
    optimizer: OptimizerSpec = OptimizerSpec()

    @field_validator("frontier")
    @classmethod
    def _frontier(cls, v: dict[str, str]) -> dict[str, str]:
        for k in v:
            check_metric(k)
        return v

    @model_validator(mode="after")
    def _labels(self) -> SearchSpec:
        labels = [p.label or _short(path) for path, p in self.parameters.items()]
        dup = sorted({x for x in labels if labels.count(x) > 1})
        if dup:
            raise ValueError(
                _("parameters share the label(s) {labels}; give each a distinct label").format(
                    labels=dup
                )
            )
        return self

    def label(self, path: str) -> str:
        return self.parameters[path].label or _short(path)


def _short(path: str) -> str:
    from simlib.scenario.paths import short_label

    return short_label(path)


def shown_goal(label: str, spec: SearchSpec) -> str:
    """A goal's stored label in the current language (the label itself if no goal has it)."""
    return next((c.shown() for c in spec.constraints if c.label == label), label)


def parse_search(data: Any, root: str = "search") -> SearchSpec:
    """Validate a ``search:`` section (a dict from YAML); errors name the path under ``root``.

    A parameter's key is itself a scenario path, so it is shown quoted:
    ``search.parameters['plan.components[0].curve[0][0]'].low``.
    """
    if isinstance(data, SearchSpec):
        return data
    try:
        return SearchSpec.model_validate(data)
    except ValidationError as exc:
        # Messages as every spec words them; paths rendered here so that a key
        # holding a path keeps its brackets.
        worded = spec_errors(exc, root, SearchSpec).errors
        paths = [_loc_path(root, tuple(e["loc"])) for e in exc.errors()]
        raise SpecError(
            [(p, msg) for p, (_where, msg) in zip(paths, worded, strict=True)]
        ) from None


def _loc_path(root: str, loc: tuple[Any, ...]) -> str:
    out = root
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and loc[i - 1] in ("parameters", "frontier"):
            out += f"[{part!r}]"
        else:
            out += f".{part}"
    return out


def check_space(spec: SearchSpec, members: dict[str, Any], root: str = "search") -> None:
    """Explain bounds no design can take, before anything is simulated.

    Each parameter's path must exist in the base design, and each end of its range
    (every choice) must give a valid design when set alone on the base (a
    threshold above the next point of the curve, a weight above 1 ...). Raises one
    :class:`SpecError` listing every problem with its path.
    """
    from simlib.scenario.search_space import DesignSpace

    errors: list[tuple[str, str]] = []
    if spec.base not in members:
        why = _("no scenario {name} (have {names})").format(
            name=repr(spec.base), names=sorted(members)
        )
        raise SpecError([(f"{root}.base", why)])
    base = members[spec.base]
    space = DesignSpace(spec, base.design)
    for path, p in spec.parameters.items():
        here = f"{root}.parameters[{path!r}]"
        ends = p.choices if p.choices is not None else [p.low, p.high]
        names = (
            [f"choices[{i}]" for i in range(len(ends))]
            if p.choices is not None
            else ["low", "high"]
        )
        for nm, value in zip(names, ends, strict=True):
            try:
                space.apply({path: value}, validate=True)
            except SpecError as exc:
                why = "; ".join(f"{w}: {m}" for w, m in exc.errors)
                errors.append((f"{here}.{nm}", _no_design(value, why)))
            except (ValueError, TypeError) as exc:
                errors.append((f"{here}.{nm}", _no_design(value, exc)))
    if errors:
        raise SpecError(errors)


def _no_design(value: Any, why: Any) -> str:
    return _("{value} gives no valid design ({why})").format(value=repr(value), why=why)


def describe_search(spec: SearchSpec) -> list[str]:
    """A search section in plain words (``simlib describe``)."""
    obj = spec.objective
    lines = [
        _("## design search (on {base})").format(base=spec.base),
        spec.what.rstrip(".") + "." + (_(" Why: {why}").format(why=spec.why) if spec.why else ""),
    ]
    for path, p in spec.parameters.items():
        if p.choices is not None:
            rng = _("one of {values}").format(values=", ".join(str(c) for c in p.choices))
        elif p.step:
            rng = _("{low} to {high} by {step}").format(
                low=f"{p.low:g}", high=f"{p.high:g}", step=f"{p.step:g}"
            )
        else:
            rng = _("{low} to {high}").format(low=f"{p.low:g}", high=f"{p.high:g}")
        comp = _(" ({path} = 1 - it)").format(path=p.complement) if p.complement else ""
        lines.append(
            "- "
            + _("tunes {label} ({path}): {range}").format(
                label=spec.label(path), path=path, range=rng
            )
            + comp
        )
    lines += ["- " + _("goal: {goal}").format(goal=c.shown()) for c in spec.constraints]
    aim = _("maximises {metric}") if obj.sense > 0 else _("minimises {metric}")
    lines.append(
        "- "
        + aim.format(metric=obj.metric)
        + (
            _(" (margin {margin})").format(margin=f"{obj.margin:g}")
            if obj.metric == "contribution"
            else ""
        )
        + (_(" counting reps' certainty equivalent") if obj.participation else "")
    )
    confirm = (
        _("{n} design(s) at {draws} draws").format(
            n=spec.confirmation.designs, draws=spec.confirmation.draws
        )
        if spec.confirmation.draws
        else _("{n} design(s) at the base design's draws").format(n=spec.confirmation.designs)
    )
    lines.append(
        "- "
        + _("screens at {draws} draws, confirms {confirm}").format(
            draws=spec.screening.draws, confirm=confirm
        )
    )
    return lines

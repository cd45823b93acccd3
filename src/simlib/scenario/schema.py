"""The scenario file's schema: the header, the baseline design and its settings,
reforms and sweeps (pydantic models; unknown keys are errors).

See :mod:`simlib.scenario` for the file layout.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from simlib.data.checks import DataChecksSettings
from simlib.errors import SimlibError, SimlibWarning
from simlib.i18n import _
from simlib.limits import MAX_DRAWS, MAX_SCENARIOS, MAX_SEED
from simlib.spec import StrictModel

#: Where "no cap" puts the curve's last point (attainment, as a multiple of quota).
NO_CAP_ATTAINMENT = 10.0
#: Fields whose string value is a file to read and inline.
FILE_FIELDS = ("plan", "appraisal", "targets.cascade", "outcomes.merit")
BASELINE = "baseline"
#: Design keys that do not change a simulation's result (left out of the hash).
NOT_SIMULATED = ("data", "report")


class ScenarioWarning(SimlibWarning):
    """Something in a scenario file is probably not what the author meant."""


class ScenarioError(SimlibError, ValueError):
    """A scenario cannot be built or run as written (the message says which and why)."""


class SimulationSettings(StrictModel):
    """How the Monte Carlo runs (see :func:`simlib.simulate` for each option)."""

    # strict: `draws: true` or `seed: 1.5` is a mistake, not 1.
    draws: int = Field(default=500, ge=1, le=MAX_DRAWS, strict=True)
    seed: int = Field(default=1, ge=0, le=MAX_SEED, strict=True)
    backend: Literal["local", "dask"] = "local"
    address: str | None = None
    n_workers: int = Field(default=2, ge=1)
    threads: int | None = Field(default=None, ge=1)
    chunk_size: int | None = Field(default=None, ge=1)
    #: Plan year simulated; default the last year with targets.
    year: int | None = None
    sales: Literal["parametric", "bootstrap"] = "parametric"
    sales_options: dict[str, Any] = Field(default_factory=dict)
    expected: Literal["history", "target"] = "history"
    #: Expected growth on last year's sales (0.05 = 5%); estimated when omitted.
    growth: float | dict[str, float] | None = None
    #: Annual rep turnover (0.14 = 14%), or "history" for the data's own rate.
    turnover: float | Literal["history"] | None = None
    #: Incentive budget (currency); default the plan's total target incentive.
    budget: float | None = Field(default=None, gt=0)
    #: Rep groups for equity metrics; default region, tenure and, when the reps
    #: table has the (optional) column, gender.
    groupings: list[str] | None = None

    @model_validator(mode="after")
    def _known_sales_options(self) -> SimulationSettings:
        # Checked here, not only when the engine starts, so `validate` refuses a
        # misspelt option (and no unchecked value rides along into the store).
        from simlib.engine.simulate import PARAMETRIC_OPTIONS

        allowed = {"parametric": PARAMETRIC_OPTIONS, "bootstrap": ("block",)}[self.sales]
        unknown = sorted(str(k) for k in self.sales_options if k not in allowed)
        if unknown:
            raise ValueError(
                _(
                    "sales_options: unknown option(s) {unknown} for the {model} sales "
                    "model; allowed: {allowed}"
                ).format(unknown=unknown, model=self.sales, allowed=", ".join(allowed))
            )
        return self


class TargetsSettings(StrictModel):
    """Where each rep's targets come from.

    ``source: data`` uses the dataset's targets table. ``source: cascade`` splits a
    company target top-down with a cascade spec (:func:`simlib.targets.cascade`);
    the company target is given per KPI (``company_target``) or as growth on last
    year's actuals (``company_growth``: 0.05 = 5% more; rate KPIs keep last year's
    level).
    """

    source: Literal["data", "cascade"] = "data"
    cascade: str | dict[str, Any] | None = None
    company_target: dict[str, float] | None = None
    company_growth: float | None = Field(default=None, gt=-1, lt=5)

    @model_validator(mode="after")
    def _complete(self) -> TargetsSettings:
        if self.source == "cascade":
            if self.cascade is None:
                raise ValueError(
                    _("source 'cascade' needs a cascade spec (cascade: <file or rules>)")
                )
            if (self.company_target is None) == (self.company_growth is None):
                raise ValueError(
                    _("source 'cascade' needs one of company_target or company_growth")
                )
        return self


class OutcomesSettings(StrictModel):
    """Pay outcomes beyond the plan: the merit matrix and the improvement-plan floor."""

    merit: str | dict[str, Any] | None = None
    #: Attainment (of the quota KPI) below which a rep is flagged for an improvement plan.
    pip_floor: float | None = Field(default=None, ge=0, le=2)
    #: Lowest appraisal grade counted as ready for promotion (a grade name of the
    #: scheme, e.g. 良好); default: the engine's (top grade on scales of three or
    #: fewer, the top two on longer ones).
    promotion_grade: str | None = None


class ReportSettings(StrictModel):
    """What the reports may show."""

    #: Groups (regions, tenure bands...) with fewer reps than this are not shown.
    min_group: int = Field(default=5, ge=1)
    #: Show individual reps' pay (off for leadership reports).
    show_individual_pay: bool = False
    #: ISO code of the currency the data's amounts are in (``CNY``), shown on every amount.
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    #: The language of the reports and messages: en or zh-CN (``--lang`` overrides).
    language: str | None = None

    @field_validator("language")
    @classmethod
    def _known_language(cls, v: str | None) -> str | None:
        from simlib.i18n import normalize

        return None if v is None else normalize(v)


class Design(StrictModel):
    """One complete design: everything a simulation needs."""

    #: The dataset: a folder, an Excel workbook or a DuckDB file (see the dataset page).
    data: str
    #: Where each rep's targets come from.
    targets: TargetsSettings = TargetsSettings()
    #: The incentive plan: a plan file, or the plan written inline.
    plan: str | dict[str, Any]
    #: The appraisal scheme: a scorecard file, or written inline; null for none.
    appraisal: str | dict[str, Any] | None = None
    #: What ratings drive: merit raises, improvement plans, promotion.
    outcomes: OutcomesSettings = OutcomesSettings()
    #: Behavioural response spec, passed to ``simulate(behavior=...)`` as written
    #: (validated by :mod:`simlib.behavior`).
    behavior: Any = None
    simulation: SimulationSettings = SimulationSettings()
    report: ReportSettings = ReportSettings()
    #: What a data check does when it finds something: warn (default) or error;
    #: how a partial last year is used (see :mod:`simlib.data.checks`).
    data_checks: DataChecksSettings = DataChecksSettings()


class ReformSpec(StrictModel):
    """A named reform: what it changes on its base, and why."""

    #: Name shown in reports (default: the reform's key).
    title: str | None = None
    #: What the reform changes, in words.
    what: str = Field(min_length=1)
    #: Why it is worth trying.
    why: str = ""
    #: The scenario it changes: `baseline` or another reform (reforms chain).
    base: str = BASELINE
    #: What changes: nested keys merged into the base, or paths such as
    #: `plan.components[0].weight`.
    changes: dict[str, Any] = Field(min_length=1)
    #: Also run a version scaled so its expected cost equals the baseline's.
    budget_neutral: bool = False


class SweepSpec(StrictModel):
    """A grid of values expanding into one scenario per combination."""

    name: str = Field(min_length=1)
    what: str = Field(min_length=1)
    why: str = ""
    base: str = BASELINE
    grid: dict[str, list[Any]] = Field(min_length=1)
    #: Short names for the grid's paths in scenario names (path -> label).
    labels: dict[str, str] = Field(default_factory=dict)
    #: Also run each member scaled so its expected cost equals the baseline's.
    budget_neutral: bool = False

    @model_validator(mode="after")
    def _values(self) -> SweepSpec:
        for path, values in self.grid.items():
            if not values:
                raise ValueError(_("grid[{path!r}]: give at least one value").format(path=path))
        unknown = sorted(set(self.labels) - set(self.grid))
        if unknown:
            raise ValueError(
                _("labels: {unknown} are not paths of the grid").format(unknown=unknown)
            )
        return self


class ScenarioFileSpec(StrictModel):
    """A scenario file: header, baseline, reforms, sweeps."""

    #: What the batch is called in its reports.
    title: str = Field(min_length=1)
    #: Who asks (a person or team), and when.
    author: str = Field(min_length=1)
    #: What the file compares, in a sentence or two.
    what: str = Field(min_length=1)
    #: Why the question is asked: the decision it informs.
    why: str = Field(min_length=1)
    #: Output folder name under reports/ (default: the file's name without .yaml).
    batch: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$")
    #: The design in force: a design (below), against which every reform is compared.
    baseline: dict[str, Any]
    #: Named reforms: name -> what it changes on its base.
    reforms: dict[str, ReformSpec] = Field(default_factory=dict)
    #: Grids of values, each combination one scenario.
    sweeps: list[SweepSpec] = Field(default_factory=list)
    #: A design search (``simlib design``): validated by :mod:`simlib.scenario.search_spec`.
    search: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _bounded(self) -> ScenarioFileSpec:
        # Counted before any member is built: a grid of 10,000 x 10,000 values
        # would otherwise take hours just to expand.
        total = 1 + len(self.reforms)
        for sw in self.sweeps:
            n = 1
            for values in sw.grid.values():
                n *= len(values)
            total += n
        if total > MAX_SCENARIOS:
            raise ValueError(
                _(
                    "sweeps: the file expands to {n:,} scenarios; expected at most "
                    "{limit:,} (split the sweep into coarser grids)"
                ).format(n=total, limit=MAX_SCENARIOS)
            )
        return self

    #: What leadership wants, in priority order (see :func:`simlib.vocabulary.parse_goals`);
    #: checked in full after the rest of the file. Default: the practice bands.
    goals: Any = None

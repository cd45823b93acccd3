"""Scenario files: a baseline design, named reforms as deltas, and sweeps.

A scenario file is what an HR strategist writes to ask "what if": one
**baseline** (the data, how targets are set, the incentive plan, the appraisal
scheme, the outcomes, behaviour and simulation settings), then **reforms** that
state only what changes, and **sweeps** that expand a grid of values into named
scenarios. This follows the policy-microsimulation practice of OpenFisca and
Tax-Calculator (reforms are deltas on a baseline and can chain; every file says
what it changes and why) and PolicyEngine's lesson that a scenario is validated
in full *before* anything runs, that unknown keys are errors and that a reform
which changes nothing deserves a warning.

File layout::

    title: Account-manager plan review 2027
    author: Comp & Ben team
    what: Current plan against the proposed one, a team-weighted variant ...
    why: The current plan's threshold and cap sit outside practice ...
    batch: demo                      # folder name under reports/ (default: file stem)
    baseline:
      data: data/sample
      targets: {source: data}        # or {source: cascade, cascade: <spec>, company_growth: 0.05}
      plan: scenarios/plans/am_current.yaml      # a path or the plan inline
      appraisal: scenarios/appraisal/five_grade_forced.yaml
      outcomes: {merit: {...}, pip_floor: 0.7}
      behavior: null                 # passed to simulate(behavior=...) unchanged
      simulation: {draws: 500, seed: 1}
      report: {min_group: 5, show_individual_pay: false}
    reforms:
      proposed:
        what: The proposed plan
        why: ...
        changes: {plan: scenarios/plans/am_proposed.yaml}
      team_heavy:
        base: proposed               # chains: a delta on another reform
        what: 40% of target incentive on the branch result
        changes:
          plan.components[0].weight: 0.6
          plan.components[1].weight: 0.4
    sweeps:
      - name: cap
        base: proposed
        what: Where the accelerator stops
        grid:
          plan.components[0].curve[-1][0]: [1.4, 2.0, none]
    goals:                           # optional; default: the practice bands
      - {metric: budget_ratio, at_most: 1.0, priority: 1}
      - {metric: pay_performance, at_least: 0.8, priority: 2}
      - {metric: share_at_quota, between: [0.6, 0.7], priority: 3}

**Goals** say what leadership wants, in priority order: each names a metric of
:mod:`simlib.vocabulary`, exactly one of ``at_most``, ``at_least`` or ``between``
(rates as fractions) and a ``priority`` (1 first; all different). The reports rank
the designs against them (:mod:`simlib.decision`).

**Changes** are deep-merged into the base: a nested mapping changes only the
keys it names, anything else (a list, a number, a string) replaces the value.
A key written as a path (``plan.components[0].weight``; negative indices count
from the end) sets one value. A string given for ``plan``, ``appraisal``,
``targets.cascade`` or ``outcomes.merit`` is a file, read and inlined, so the
resolved scenario (what is hashed and stored) holds the rules themselves.

**Relative paths** (``data`` and the files above) are read relative to the
scenario file's own folder; when nothing is there, relative to the project root
(so files shipped in the repository work from any working directory). The
working directory is never used. Paths are made absolute once, when the file is
read, and notebooks receive absolute paths.

One rule is specific to payout curves, because it is what a cap sweep means:
setting the attainment of a curve's **last point** (``curve[-1][0]``) moves the
cap, the point where the curve stops rising. The last *rising* segment's slope
continues to the new cap (a flat tail after it, like ``[1.2, 1.4], [2.0, 1.4]``,
is dropped: its zero slope would make every cap pay the same); ``none`` removes
the cap (the slope continues to 10x quota, beyond any attainment the sample
produces). A reform whose edited curves pay exactly what they paid before is
warned about, like one that changes nothing.

A ``search:`` section (optional) turns the file into a design search that
``simlib design`` runs: the parameters to tune (paths as above, with bounds or
choices), the goals and the objective; see :mod:`simlib.search.spec`.

The scenario's :attr:`Scenario.hash` covers what the simulation reads: not the
report settings, not the data's path (the batch keys runs on the data's content
hash and :func:`simlib.code_version`).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from simlib.data.checks import DataChecksSettings
from simlib.errors import SimlibError, SimlibWarning, SpecError
from simlib.i18n import N_, _
from simlib.limits import MAX_DRAWS, MAX_SCENARIOS, MAX_SEED
from simlib.spec import StrictModel, load_yaml, parse_spec

#: Where "no cap" puts the curve's last point (attainment, as a multiple of quota).
NO_CAP_ATTAINMENT = 10.0
#: Fields whose string value is a file to read and inline.
FILE_FIELDS = ("plan", "appraisal", "targets.cascade", "outcomes.merit")
BASELINE = "baseline"
#: Design keys that do not change a simulation's result (left out of the hash).
_NOT_SIMULATED = ("data", "report")


class ScenarioWarning(SimlibWarning):
    """Something in a scenario file is probably not what the author meant."""


class ScenarioError(SimlibError, ValueError):
    """A scenario cannot be built or run as written (the message says which and why)."""


# ------------------------------------------------------------------ the spec
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
                f"sales_options: unknown option(s) {unknown} for the {self.sales} sales "
                f"model; allowed: {', '.join(allowed)}"
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
                raise ValueError("source 'cascade' needs a cascade spec (cascade: <file or rules>)")
            if (self.company_target is None) == (self.company_growth is None):
                raise ValueError("source 'cascade' needs one of company_target or company_growth")
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
                raise ValueError(f"grid[{path!r}]: give at least one value")
        unknown = sorted(set(self.labels) - set(self.grid))
        if unknown:
            raise ValueError(f"labels: {unknown} are not paths of the grid")
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
    #: A design search (``simlib design``): validated by :mod:`simlib.search.spec`.
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
                f"sweeps: the file expands to {total:,} scenarios; expected at most "
                f"{MAX_SCENARIOS:,} (split the sweep into coarser grids)"
            )
        return self

    #: What leadership wants, in priority order (see :func:`simlib.vocabulary.parse_goals`);
    #: checked in full after the rest of the file. Default: the practice bands.
    goals: Any = None


# --------------------------------------------------------------- path edits
_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``plan.components[0].curve[-1][0]`` -> ``['plan', 'components', 0, 'curve', -1, 0]``."""
    out: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read the path {path!r} at {path[pos:]!r}")
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    return out


def _is_path(key: str) -> bool:
    return "." in key or "[" in key


def _is_none(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip().lower() in ("none", "no cap", "null"))


def _get(obj: Any, tokens: list[str | int], where: str) -> Any:
    cur = obj
    for i, t in enumerate(tokens):
        here = _render(tokens[: i + 1])
        if isinstance(t, int):
            if not isinstance(cur, list) or not -len(cur) <= t < len(cur):
                n = len(cur) if isinstance(cur, list) else "no"
                raise SpecError([(where, f"{here}: no such element ({n} items)")])
        elif not isinstance(cur, dict) or t not in cur:
            have = sorted(cur) if isinstance(cur, dict) else type(cur).__name__
            raise SpecError([(where, f"{here}: no such key (the base has {have})")])
        cur = cur[t]
    return cur


def _render(tokens: list[str | int]) -> str:
    out = ""
    for t in tokens:
        out += f"[{t}]" if isinstance(t, int) else (f".{t}" if out else t)
    return out


def set_path(obj: dict, path: str, value: Any, where: str = "changes") -> None:
    """Set one value in a nested dict/list by path (in place).

    Setting the attainment of a payout curve's last point keeps the last
    segment's slope (the factor at the cap follows); ``none`` removes the cap.
    """
    try:
        tokens = parse_path(path)
    except ValueError as exc:
        raise SpecError([(where, str(exc))]) from None
    parent = _get(obj, tokens[:-1], where) if len(tokens) > 1 else obj
    last = tokens[-1]
    if (
        len(tokens) >= 3
        and tokens[-1] == 0
        and tokens[-2] == -1
        and tokens[-3] == "curve"
        and isinstance(parent, list)
    ):
        curve = _get(obj, tokens[:-2], where)
        _set_cap(curve, value, where)
        return
    if isinstance(last, int):
        if not isinstance(parent, list) or not -len(parent) <= last < len(parent):
            raise SpecError([(where, f"{path}: no such element")])
        parent[last] = copy.deepcopy(value)
    else:
        if not isinstance(parent, dict):
            raise SpecError([(where, f"{path}: {_render(tokens[:-1])} is not a mapping")])
        parent[last] = copy.deepcopy(value)


def _set_cap(curve: list, value: Any, where: str) -> None:
    """Move a curve's cap: the point where its rising part stops.

    The cap is where the last *rising* segment ends. A curve that ends in an
    explicit flat tail (``[1.2, 1.4], [2.0, 1.4]``: nothing more is paid past
    120%) has its cap at the start of that tail, so the tail is dropped and the
    last rising segment's slope continues to the new cap; keeping the flat
    tail's zero slope would make every cap pay the same.
    """
    if len(curve) < 2:
        raise SpecError([(where, "a cap needs a curve of at least two points")])
    pts = [(float(a), float(b)) for a, b in curve]
    rising = [
        i for i in range(1, len(pts)) if pts[i][0] > pts[i - 1][0] and pts[i][1] > pts[i - 1][1]
    ]
    # No rising segment at all: the last segment is the only one a cap can move.
    end = rising[-1] if rising else len(pts) - 1
    (x0, y0), (x1, y1) = pts[end - 1], pts[end]
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    new_x = NO_CAP_ATTAINMENT if _is_none(value) else value
    if isinstance(new_x, bool) or not isinstance(new_x, int | float) or new_x <= x0:
        raise SpecError(
            [(where, f"cap {value!r} must be a number above the point before it ({x0:g})")]
        )
    del curve[end:]
    curve.append([float(new_x), float(y0 + slope * (new_x - x0))])


def same_payout(a: Any, b: Any) -> bool:
    """Whether two payout curves pay the same at every attainment."""
    import numpy as np

    try:
        xs = np.unique(np.r_[np.asarray(a, float)[:, 0], np.asarray(b, float)[:, 0]])
    except (TypeError, ValueError, IndexError):
        return False
    from simlib.plans.curve import PayoutCurve

    probe = np.unique(np.r_[xs, xs - 1e-9, xs + 1e-9, (xs[:-1] + xs[1:]) / 2, xs[-1] * 2 + 1])
    try:
        ca, cb = PayoutCurve(a), PayoutCurve(b)
    except ValueError:
        return False
    return bool(np.allclose(ca(probe), cb(probe), rtol=0, atol=1e-12))


def deep_merge(base: dict, changes: Mapping[str, Any], where: str, loader) -> dict:
    """``base`` with ``changes`` merged in (mappings merge, other values replace)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        here = f"{where}.{key}"
        if _is_path(key):
            if _is_file_field(key) and isinstance(value, str):
                value = loader(key, value, here)
            set_path(out, key, value, here)
            continue
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge_nested(out[key], value, here, key, loader)
        elif _is_file_field(key) and isinstance(value, str):
            out[key] = loader(key, value, here)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_nested(base: dict, changes: Mapping, where: str, prefix: str, loader) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        full = f"{prefix}.{key}"
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge_nested(out[key], value, f"{where}.{key}", full, loader)
        elif _is_file_field(full) and isinstance(value, str):
            out[key] = loader(full, value, f"{where}.{key}")
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_file_field(path: str) -> bool:
    return path in FILE_FIELDS


def diff(a: Any, b: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Leaf differences ``(path, old, new)`` between two nested dicts/lists."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            p = f"{prefix}.{k}" if prefix else str(k)
            if k not in b:
                out.append((p, a[k], None))
            elif k not in a:
                out.append((p, None, b[k]))
            else:
                out.extend(diff(a[k], b[k], p))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(diff(x, y, f"{prefix}[{i}]"))
        return out
    return [] if a == b else [(prefix, a, b)]


# ------------------------------------------------------------------ the object
@dataclass
class Scenario:
    """One resolved design, plus (on the file's baseline) its reforms and sweeps.

    Build with :meth:`from_yaml` / :meth:`from_dict`; ``sl.simulate(scenario)``
    runs it. The object returned for a file is its baseline; ``sc.scenarios``
    lists every scenario in the file (baseline, reforms, sweep members, in file
    order) and ``sc["name"]`` picks one.

    Attributes
    ----------
    name : str
        ``baseline``, the reform's name, or ``<sweep>: <label>=<value>, ...``.
    design : dict
        The resolved design (files inlined): what is hashed and stored.
    kind : {"baseline", "reform", "sweep"}
    base : str or None
        The scenario this one is a delta on.
    what, why, title : str
        From the reform (or the file header for the baseline).
    changes : list of (path, old, new)
        Every value that differs from the base, for :meth:`describe`.
    sources : dict
        Field -> file it was read from (``plan`` -> ``scenarios/plans/am_current.yaml``).
    """

    name: str
    design: dict[str, Any]
    kind: str = BASELINE
    base: str | None = None
    what: str = ""
    why: str = ""
    title: str = ""
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    budget_neutral: bool = False
    file: Path | None = None
    header: dict[str, str] = field(default_factory=dict)
    batch: str = "scenarios"
    members: dict[str, Scenario] = field(default_factory=dict, repr=False)
    failed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Multiplier applied to payout levels (budget-neutral variants), else None.
    scale_factor: float | None = None
    #: The file's design search (:class:`simlib.search.SearchSpec`), else None.
    search: Any = None
    #: The file's goals (:class:`simlib.vocabulary.Goal`, by priority); None: the defaults.
    goals: tuple | None = None

    # ------------------------------------------------------------ building
    @classmethod
    def from_yaml(cls, path: str | Path, strict: bool = True) -> Scenario:
        """Read and validate a scenario file.

        Parameters
        ----------
        path : str or Path
            The YAML file.
        strict : bool
            ``True``: any problem raises one :class:`SpecError` listing them all.
            ``False``: a reform or sweep that cannot be built is left out and
            recorded in ``.failed`` (name -> why), so a batch can run the others.
            Problems in the header or the baseline always raise.
        """
        path = Path(path)
        data = load_yaml(path)
        return cls.from_dict(data, root_dir=path.parent, strict=strict, file=path)

    @classmethod
    def from_dict(
        cls,
        data: Any,
        root_dir: str | Path | None = None,
        strict: bool = True,
        file: Path | None = None,
    ) -> Scenario:
        """Validate a scenario given as a dict (see the module docs for the layout)."""
        root = file.name if file is not None else "scenario"
        # A file's name is followed by ": " (``s.yaml: title``), as in every other message.
        spec = parse_spec(ScenarioFileSpec, data, f"{root}:" if file is not None else root)
        root_dir = Path(root_dir) if root_dir is not None else Path.cwd()
        loader = _FileLoader(root_dir)
        header = {"title": spec.title, "author": spec.author, "what": spec.what, "why": spec.why}
        goals = None
        if spec.goals is not None:
            from simlib.vocabulary import parse_goals

            goals = parse_goals(spec.goals, f"{root}: goals")
        batch = spec.batch or (file.stem if file is not None else "scenarios")

        base_raw = loader.inline_all(spec.baseline, f"{root}: baseline")
        base_design = _validate_design(base_raw, f"{root}: baseline")
        baseline = cls(
            name=BASELINE,
            design=base_design,
            what=spec.what,
            why=spec.why,
            title=spec.title,
            sources=dict(loader.sources),
            file=file,
            header=header,
            batch=batch,
        )
        resolved: dict[str, Scenario] = {BASELINE: baseline}
        failed: dict[str, str] = {}
        errors: list[tuple[str, str]] = []

        def fail(name: str, exc: Exception) -> None:
            if isinstance(exc, SpecError):
                errors.extend(exc.errors)
            else:
                errors.append((f"{root}: {name}", str(exc)))
            failed[name] = str(exc)

        # Reforms may chain in any order in the file: resolve by dependency.
        pending = dict(spec.reforms)
        if BASELINE in pending:
            errors.append((f"{root}: reforms.{BASELINE}", "'baseline' is reserved"))
            pending.pop(BASELINE)
        while pending:
            progressed = False
            for name, rf in list(pending.items()):
                where = f"{root}: reforms.{name}"
                if rf.base in failed:
                    fail(name, SpecError([(f"{where}.base", f"its base {rf.base!r} failed")]))
                elif rf.base in resolved:
                    try:
                        resolved[name] = _derive(
                            resolved[rf.base], name, "reform", rf.changes, loader, where,
                            what=rf.what, why=rf.why, title=rf.title or name,
                            budget_neutral=rf.budget_neutral,
                        )  # fmt: skip
                    except (SpecError, SimlibError, ValueError) as exc:
                        fail(name, exc)
                elif rf.base not in spec.reforms:
                    fail(
                        name,
                        SpecError(
                            [
                                (
                                    f"{where}.base",
                                    f"no scenario {rf.base!r} (have {sorted(resolved)})",
                                )
                            ]
                        ),
                    )
                else:
                    continue
                pending.pop(name)
                progressed = True
            if not progressed:
                for name in pending:
                    fail(
                        name,
                        SpecError([(f"{root}: reforms.{name}.base", "reforms chain in a cycle")]),
                    )
                break

        for i, sw in enumerate(spec.sweeps):
            where = f"{root}: sweeps[{i}]"
            if sw.base not in resolved:
                fail(sw.name, SpecError([(f"{where}.base", f"no scenario {sw.base!r}")]))
                continue
            paths = list(sw.grid)
            for combo in itertools.product(*(sw.grid[p] for p in paths)):
                label = ", ".join(
                    f"{sw.labels.get(p, _short(p))}={_fmt_value(v)}"
                    for p, v in zip(paths, combo, strict=True)
                )
                # A one-parameter sweep named like its parameter reads "cap=1.4".
                single = len(paths) == 1 and sw.labels.get(paths[0], _short(paths[0])) == sw.name
                name = label if single else f"{sw.name}: {label}"
                if name in resolved or name in failed:
                    other = (
                        "the reform" if name in spec.reforms else "another sweep member"
                    ) + f" {name!r}"
                    fail(
                        f"sweep {sw.name}: {label}",
                        SpecError(
                            [
                                (
                                    f"{where}",
                                    f"sweep {sw.name!r} makes a scenario named {name!r}, "
                                    f"which collides with {other}; rename one (or give the "
                                    "sweep a different name or labels)",
                                )
                            ]
                        ),
                    )
                    continue
                try:
                    resolved[name] = _derive(
                        resolved[sw.base], name, "sweep", dict(zip(paths, combo, strict=True)),
                        loader, f"{where}.grid", what=f"{sw.what} ({label})", why=sw.why,
                        title=name, budget_neutral=sw.budget_neutral,
                    )  # fmt: skip
                except (SpecError, SimlibError, ValueError) as exc:
                    fail(name, exc)
        if spec.search is not None:
            from simlib.search.spec import check_space, parse_search

            try:
                baseline.search = parse_search(spec.search, f"{root}: search")
                check_space(baseline.search, resolved, f"{root}: search")
            except SpecError as exc:
                errors.extend(exc.errors)
                baseline.search = None
        if errors and strict:
            raise SpecError(errors)
        baseline.members = resolved
        baseline.failed = failed
        for sc in resolved.values():
            sc.members = resolved
            sc.failed = failed
            sc.file, sc.header, sc.batch = file, header, batch
            sc.goals = goals
        return baseline

    # ------------------------------------------------------------ looking
    @property
    def scenarios(self) -> list[Scenario]:
        """Every scenario of the file, baseline first."""
        return list(self.members.values()) if self.members else [self]

    def __getitem__(self, name: str) -> Scenario:
        try:
            return self.members[name]
        except KeyError:
            raise KeyError(f"no scenario {name!r}; the file has {list(self.members)}") from None

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, kind={self.kind!r}, base={self.base!r})"

    @property
    def text(self) -> str:
        """The resolved design as YAML (what is stored with each run)."""
        return yaml.safe_dump(self.design, sort_keys=True, allow_unicode=True)

    @property
    def hash(self) -> str:
        """SHA-256 of what the simulation reads (canonical JSON): same rules, same hash.

        The report settings are left out (showing individual pay does not change a
        simulated year) and so is the data *path*: the batch keys a run on the
        data's content hash instead, so the same data under another folder, or a
        path written relative instead of absolute, reuses the stored run.
        """
        sim = {k: v for k, v in self.design.items() if k not in _NOT_SIMULATED}
        blob = json.dumps(sim, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def settings(self) -> SimulationSettings:
        return SimulationSettings.model_validate(self.design.get("simulation", {}))

    @property
    def report_settings(self) -> ReportSettings:
        return ReportSettings.model_validate(self.design.get("report", {}))

    @property
    def plan_name(self) -> str:
        return str(self.design["plan"].get("name", "plan"))

    def describe(self) -> str:
        """What the file asks and, for each reform, what it changes, in plain language."""
        lines = [f"# {self.header.get('title', self.title)}"]
        if self.header:
            lines += [
                _("Author: {author}").format(author=self.header["author"]),
                "",
                _("What: {what}").format(what=self.header["what"]),
                _("Why: {why}").format(why=self.header["why"]),
            ]
        from simlib.vocabulary import DEFAULT_GOALS

        goals = self.goals or DEFAULT_GOALS
        lines += ["", "## goals" + ("" if self.goals else " (none stated: the practice bands)")]
        lines += [f"{g.priority}. {g.title}" + (f": {g.source}" if g.source else "")
                  for g in goals]  # fmt: skip
        base = self.members.get(BASELINE, self)
        lines += ["", "## baseline", *_baseline_words(base)]
        for sc in self.scenarios:
            if sc.kind == BASELINE:
                continue
            on = _(" (on {base})").format(base=sc.base) if sc.base != BASELINE else ""
            lines += ["", f"## {sc.name}{on}"]
            lines.append(sc.what)
            if sc.why:
                lines.append(_("Why: {why}").format(why=sc.why))
            words = change_words(sc.changes, self.members.get(sc.base or BASELINE, base), sc)
            lines += [w if w.startswith("  - ") else f"- {w}" for w in words] or [
                "- " + _("changes nothing")
            ]
            if sc.budget_neutral:
                lines.append(
                    "- "
                    + _(
                        "also run budget-neutral: payout levels scaled so the expected cost "
                        "equals the baseline's"
                    )
                )
        for name, why in self.failed.items():
            lines += ["", f"## {name}: " + _("CANNOT BE BUILT"), why]
        if self.search is not None:
            from simlib.search.spec import describe_search

            lines += ["", *describe_search(self.search)]
        return "\n".join(lines)

    # ------------------------------------------------------------ running
    def dataset(self):
        """The dataset this scenario runs on (loaded once per process and path)."""
        return _load_dataset(self.design["data"])

    def plan(self):
        """The incentive plan, validated against the dataset's KPIs."""
        from simlib.plans import Plan

        return Plan.from_dict(
            self.design["plan"], kpis=self.dataset().kpi_names, root=f"{self.name}: plan"
        )

    def targets(self):
        """Rep targets (tidy) for the simulation, or None to use the dataset's table."""
        t = TargetsSettings.model_validate(self.design.get("targets", {}))
        if t.source == "data":
            return None
        return self.cascade().rep_targets()

    def cascade(self):
        """The target cascade (``targets.source: cascade``), computed once per process."""
        t = TargetsSettings.model_validate(self.design.get("targets", {}))
        if t.source != "cascade":
            raise ScenarioError(f"{self.name}: targets come from the data, not a cascade")
        ds = self.dataset()
        year = self.settings.year or int(ds.periods[-1].year + 1)
        partial = self.data_check_settings.partial_year
        key = json.dumps(
            [ds.content_hash(), t.model_dump(), year, partial], sort_keys=True, default=str
        )
        if key not in _CASCADES:
            from simlib import targets as tg

            company = t.company_target or _grown_company_target(ds, year, t.company_growth, partial)
            _CASCADES[key] = tg.cascade(
                ds, company, spec=t.cascade, year=year, partial_year=partial
            )
        return _CASCADES[key]

    @property
    def data_check_settings(self) -> DataChecksSettings:
        """The scenario's ``data_checks`` rules (defaults when it gives none)."""
        return DataChecksSettings.model_validate(self.design.get("data_checks") or {})

    def data_checks(self):
        """Every data check on this scenario's data, targets and (when it has one)
        cascade, with its ``data_checks`` rules applied (:mod:`simlib.data.checks`).

        Raises what building the targets raises (a refused partial year, for one).
        """
        from simlib.data.checks import check_attainment_spread, check_dataset

        ds = self.dataset()
        settings = self.data_check_settings
        tg = self.targets()
        checks = check_dataset(ds, targets=tg, year=self.settings.year, settings=settings)
        if tg is not None:
            checks = checks.plus(check_attainment_spread(ds, self.cascade(), settings))
        return checks

    def simulation_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`simlib.simulate` (what ``sl.simulate(sc)`` calls)."""
        s = self.settings
        out = self.design.get("outcomes") or {}
        ds = self.dataset()
        kwargs: dict[str, Any] = dict(
            ds=ds,
            plan=self.plan(),
            targets=self.targets(),
            year=s.year,
            sales=s.sales,
            sales_options=dict(s.sales_options),
            expected=s.expected,
            growth=s.growth,
            appraisal=self.design.get("appraisal"),
            merit=out.get("merit"),
            pip_floor=out.get("pip_floor"),
            promotion_grade=out.get("promotion_grade"),
            budget=s.budget,
            groupings=tuple(s.groupings) if s.groupings is not None else None,
            turnover=s.turnover,
            draws=s.draws,
            seed=s.seed,
            chunk_size=s.chunk_size,
            backend=s.backend,
            address=s.address,
            n_workers=s.n_workers,
            threads=s.threads,
            progress=False,
            name=self.name,
            data_checks=self.data_checks(),
        )
        behavior = self.design.get("behavior")
        if behavior is not None:
            kwargs["behavior"] = behavior
            states_reference = isinstance(behavior, dict) and "reference_plan" in behavior
            if not states_reference:
                # Reps respond to a plan *relative to the plan their history was earned
                # under*: the baseline's. Under the baseline itself nothing changes.
                base = self.members.get(BASELINE, self)
                kwargs["behavior_reference"] = base.plan()
        return kwargs

    def check(self) -> list[tuple[str, str]]:
        """Dry-run the set-up a simulation does, without simulating: ``(where, problem)`` pairs.

        Loads the data and checks what only the data can tell: the plan's KPIs
        exist, the plan year has targets, the plan covers reps with targets, the
        groupings name a region, tenure or a reps column, the appraisal scheme
        fits the data and its grades match the merit matrix and the promotion
        grade, and a target cascade can be built. ``simlib validate`` runs this
        for every scenario of a file. Empty list: the scenario is ready to run.
        """
        import pandas as pd

        where = f"{self.name}"
        problems: list[tuple[str, str]] = []

        def add(path: str, exc: Exception) -> None:
            if isinstance(exc, SpecError):
                problems.extend(
                    (p if p.startswith(f"{where}:") else f"{where}: {p}", m) for p, m in exc.errors
                )
            else:
                problems.append((f"{where}: {path}", str(exc)))

        try:
            ds = self.dataset()
        except (SimlibError, OSError, ValueError) as exc:
            return [(f"{where}: data", str(exc))]
        s = self.settings
        plan = None
        unknown = _plan_kpis(self.design["plan"]) - set(ds.kpi_names)
        if unknown:
            problems.extend(
                (f"{where}: {path}", f"KPI {k!r} is not in the data (it has {ds.kpi_names})")
                for path, k in _plan_kpi_paths(self.design["plan"])
                if k in unknown
            )
        else:
            try:
                plan = self.plan()
            except (SimlibError, ValueError) as exc:
                add("plan", exc)
        try:
            tg = self.targets()
            tg = ds.targets if tg is None else tg
        except (SimlibError, ValueError, KeyError) as exc:
            add("targets", exc)
            tg = None
        if tg is None and not problems:
            problems.append((f"{where}: targets", "the dataset has no targets table"))
        year = s.year
        if tg is not None:
            years = sorted({int(y) for y in pd.PeriodIndex(tg["period"]).year})
            year = year if year is not None else years[-1]
            if year not in years:
                problems.append(
                    (
                        f"{where}: simulation.year",
                        f"{year} has no targets; the targets cover {', '.join(map(str, years))}",
                    )
                )
            elif plan is not None:
                ids = tg.loc[pd.PeriodIndex(tg["period"]).year == year, "rep_id"].unique()
                reps = ds.reps.loc[ds.reps["rep_id"].isin(ids)]
                if not bool(pd.Series(plan.covers(reps)).any()):
                    problems.append(
                        (
                            f"{where}: plan.positions",
                            f"no reps with targets in {year} hold the plan's positions "
                            f"{plan.spec.positions}",
                        )
                    )
        known = {"region", "tenure", *map(str, ds.reps.columns)}
        for i, g in enumerate(s.groupings or ()):
            if g not in known:
                extra = sorted(known - {"region", "tenure", "rep_id"})
                problems.append(
                    (
                        f"{where}: simulation.groupings[{i}]",
                        f"unknown group {g!r}; use 'region', 'tenure' or a reps column "
                        f"({', '.join(extra)})",
                    )
                )
        app = self.design.get("appraisal")
        out = OutcomesSettings.model_validate(self.design.get("outcomes") or {})
        if app is not None:
            from simlib import appraisal as ap

            try:
                card = ap.load_scorecard(app)
                grades = list(card.rating.names)
                missing = sorted(set(card.kpi_names) - set(ds.kpi_names))
                if missing:
                    problems.append(
                        (
                            f"{where}: appraisal",
                            f"KPI(s) {missing} are not in the data (it has {ds.kpi_names})",
                        )
                    )
            except (SimlibError, ValueError) as exc:
                add("appraisal", exc)
                grades = None
            if grades is not None and isinstance(out.merit, dict):
                from simlib import outcomes as oc

                try:
                    mm = oc.MeritMatrix.from_dict(out.merit)
                    if len(mm.grades) != len(grades):
                        problems.append(
                            (
                                f"{where}: outcomes.merit",
                                f"the merit matrix has {len(mm.grades)} grades "
                                f"({', '.join(map(str, mm.grades))}), the appraisal scheme "
                                f"{len(grades)} ({', '.join(grades)})",
                            )
                        )
                except (SimlibError, ValueError) as exc:
                    add("outcomes.merit", exc)
            if grades is not None and out.promotion_grade is not None:
                if out.promotion_grade not in grades:
                    problems.append(
                        (
                            f"{where}: outcomes.promotion_grade",
                            f"{out.promotion_grade!r} is not a grade; the grades are {grades}",
                        )
                    )
        else:
            if out.merit is not None:
                problems.append(
                    (f"{where}: outcomes.merit", "a merit matrix needs an appraisal scheme")
                )
            if out.promotion_grade is not None:
                problems.append(
                    (
                        f"{where}: outcomes.promotion_grade",
                        "promotion readiness needs an appraisal scheme",
                    )
                )
        problems += _team_level_problems(self.design["plan"], ds, where)
        problems += self._data_check_problems(where)
        return problems

    def _data_check_problems(self, where: str) -> list[tuple[str, str]]:
        """Data-check errors as problems; data-check warnings as warnings."""
        from simlib.data.checks import DataCheckWarning

        try:
            checks = self.data_checks()
        except (SimlibError, ValueError, KeyError):
            return []  # building the targets failed (a refused partial year, ...): reported above
        for f in checks.warnings:
            warnings.warn(f"{where}: [{f.check}] {f.text()}", DataCheckWarning, stacklevel=3)
        return [(f"{where}: data_checks.{f.check}", f.text()) for f in checks.errors]

    def with_changes(self, name: str, changes: Mapping[str, Any], what: str = "") -> Scenario:
        """A new scenario: this one with ``changes`` applied (paths or nested mappings)."""
        loader = _FileLoader(self.file.parent if self.file else Path.cwd())
        sc = _derive(self, name, "reform", dict(changes), loader, name, what=what or name)
        sc.members, sc.file, sc.header, sc.batch = self.members, self.file, self.header, self.batch
        return sc


# ------------------------------------------------------------ helpers
def _plan_kpi_paths(plan: dict) -> list[tuple[str, str]]:
    """Every KPI a plan names, with where: ``[("plan.components[0].kpi", "revenue"), ...]``."""
    out = [(f"plan.kpis[{i}]", str(k)) for i, k in enumerate(plan.get("kpis") or [])]
    for i, c in enumerate(plan.get("components") or []):
        if not isinstance(c, dict):
            continue
        if isinstance(c.get("kpi"), str):
            out.append((f"plan.components[{i}].kpi", c["kpi"]))
        for part in ("gate", "modifier", "clawback"):
            if isinstance(c.get(part), dict) and isinstance(c[part].get("kpi"), str):
                out.append((f"plan.components[{i}].{part}.kpi", c[part]["kpi"]))
    return out


def _team_level_problems(plan: Any, ds, where: str) -> list[tuple[str, str]]:
    """Team components measuring a level the data's hierarchy does not have."""
    from simlib.data.org import Hierarchy

    comps = plan.get("components") if isinstance(plan, dict) else None
    if not isinstance(comps, list):
        return []
    try:
        levels = list(Hierarchy.of(ds).levels)
    except (SimlibError, ValueError):
        return []
    out = []
    for i, c in enumerate(comps):
        if isinstance(c, dict) and c.get("type") == "team" and "level" in c:
            if c["level"] not in levels:
                out.append(
                    (
                        f"{where}: plan.components[{i}].level",
                        f"level {c['level']!r} is not in the data's hierarchy "
                        f"(its levels are {', '.join(map(str, levels))})",
                    )
                )
    return out


def _plan_kpis(plan: dict) -> set[str]:
    return {k for _, k in _plan_kpi_paths(plan)}


def _project_root() -> Path:
    """The source checkout's root (``scenarios/``, ``data/`` and ``notebooks/`` live there)."""
    return Path(__file__).resolve().parents[2]


class _FileLoader:
    """Reads the files a scenario names.

    **One rule for relative paths** (``data``, ``plan``, ``appraisal``,
    ``targets.cascade``, ``outcomes.merit``): relative to the folder of the
    scenario file that names them; when nothing is there, relative to the
    project root (so a file shipped in the repository, like ``scenarios/demo.yaml``
    naming ``scenarios/plans/am_current.yaml``, works from any working
    directory). The working directory is never consulted: the same file means
    the same thing wherever the command is run. Every path is resolved to an
    absolute one once, here; notebooks (which run in the project root) receive
    absolute paths.
    """

    def __init__(self, root_dir: Path) -> None:
        self.root_dir = Path(root_dir).resolve()
        self.sources: dict[str, str] = {}

    def find(self, value: str, where: str) -> Path:
        p = Path(value).expanduser()
        tried = [p] if p.is_absolute() else [self.root_dir / p, _project_root() / p]
        for cand in tried:
            if cand.exists():
                return cand.resolve()
        looked = " or ".join(str(c) for c in dict.fromkeys(tried))
        raise SpecError([(where, f"file not found: {value} (looked for {looked})")])

    def __call__(self, field_path: str, value: str, where: str) -> dict:
        p = self.find(value, where)
        data = load_yaml(p)
        if field_path == "appraisal" and isinstance(data, dict) and set(data) == {"scorecard"}:
            data = data["scorecard"]
        if not isinstance(data, dict):
            raise SpecError([(where, f"{value}: expected a mapping in the file")])
        self.sources[field_path] = value
        return data

    def inline_all(self, raw: dict, where: str) -> dict:
        out = copy.deepcopy(raw)
        for fp in FILE_FIELDS:
            tokens = fp.split(".")
            parent = out
            for t in tokens[:-1]:
                parent = parent.get(t) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and isinstance(parent.get(tokens[-1]), str):
                parent[tokens[-1]] = self(fp, parent[tokens[-1]], f"{where}.{fp}")
        if isinstance(out.get("data"), str):
            out["data"] = str(self.find(out["data"], f"{where}.data"))
        return out


def _validate_design(raw: dict, where: str) -> dict:
    """Check a resolved design in full: the scenario keys, then the plan, scorecard,
    cascade and merit matrix each with their own rules; return it unchanged."""
    design = parse_spec(Design, raw, where)
    errors: list[tuple[str, str]] = []
    from simlib.plans import Plan

    try:
        Plan.from_dict(raw["plan"], root=f"{where}.plan")
    except SpecError as exc:
        errors.extend(exc.errors)
    if isinstance(design.appraisal, dict):
        from simlib.appraisal.scorecard import Scorecard

        try:
            Scorecard.from_dict(design.appraisal)
        except SpecError as exc:
            errors.extend((f"{where}.appraisal: {p}", m) for p, m in exc.errors)
    if isinstance(design.outcomes.merit, dict):
        from simlib.outcomes import MeritMatrixSpec

        try:
            parse_spec(MeritMatrixSpec, design.outcomes.merit, f"{where}.outcomes.merit")
        except SpecError as exc:
            errors.extend(exc.errors)
    if design.behavior is not None:
        from simlib.behavior import parse_behavior

        try:
            parse_behavior(design.behavior)
        except SpecError as exc:
            errors.extend((f"{where}.{p}", m) for p, m in exc.errors)
    if isinstance(design.targets.cascade, dict):
        from simlib.targets.spec import parse_cascade_spec

        try:
            parse_cascade_spec(design.targets.cascade)
        except SpecError as exc:
            errors.extend((f"{where}.targets.cascade: {p}", m) for p, m in exc.errors)
    if errors:
        raise SpecError(errors)
    return raw


def _derive(
    base: Scenario,
    name: str,
    kind: str,
    changes: Mapping[str, Any],
    loader: _FileLoader,
    where: str,
    what: str = "",
    why: str = "",
    title: str = "",
    budget_neutral: bool = False,
) -> Scenario:
    loader.sources = dict(base.sources)
    raw = deep_merge(base.design, changes, where, loader)
    if isinstance(raw.get("data"), str) and raw["data"] != base.design.get("data"):
        # A reform's own data path follows the same rule as the baseline's.
        raw["data"] = str(loader.find(raw["data"], f"{where}.data"))
    design = _validate_design(raw, f"{where}")
    changed = diff(base.design, design)
    sc = Scenario(
        name=name,
        design=design,
        kind=kind,
        base=base.name,
        what=what,
        why=why,
        title=title or name,
        changes=changed,
        sources=dict(loader.sources),
        budget_neutral=budget_neutral,
    )
    msg = None
    if not changed:
        msg = f"{where}: changes nothing compared with {base.name!r} (every value is already so)"
    elif _only_curves_pay_the_same(changed, base.design, design):
        msg = (
            f"{where}: changes nothing compared with {base.name!r}: the payout curves it "
            "edits pay exactly the same at every attainment"
        )
    if msg:
        sc.notes.append(msg)
        warnings.warn(msg, ScenarioWarning, stacklevel=4)
    return sc


def _only_curves_pay_the_same(changed: list, old: dict, new: dict) -> bool:
    """True when every change is to a component's payout curve and each edited curve
    pays what it paid before (a cap moved along a flat stretch, a redundant point)."""
    idx = set()
    for path, _old, _new in changed:
        m = _COMP.match(path)
        if not m or m.group(2) != "curve":
            return False
        idx.add(int(m.group(1)))
    try:
        return all(
            same_payout(
                old["plan"]["components"][i]["curve"], new["plan"]["components"][i]["curve"]
            )
            for i in idx
        )
    except (KeyError, IndexError, TypeError):
        return False


def _short(path: str) -> str:
    if path.endswith("curve[-1][0]"):
        return "cap"
    if path.endswith("curve[0][0]"):
        return "threshold"
    return path.rsplit(".", 1)[-1]


def _fmt_value(v: Any) -> str:
    if _is_none(v):
        return "none"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


_LOADED: dict[tuple[str, float], Any] = {}
_CASCADES: dict[str, Any] = {}


def _load_dataset(path: str):
    """Load (and cache by path and modification time) a dataset."""
    from simlib.data.io import load_dataset

    p = Path(path)
    try:
        stamp = (
            max((f.stat().st_mtime for f in p.iterdir()), default=0.0)
            if p.is_dir()
            else p.stat().st_mtime
        )
    except FileNotFoundError:
        raise ScenarioError(f"data: {path} not found") from None
    key = (str(p.resolve()), stamp)
    if key not in _LOADED:
        _LOADED.clear()  # one dataset at a time is what a batch uses
        _LOADED[key] = load_dataset(p)
    return _LOADED[key]


def _grown_company_target(
    ds, year: int, growth: float, partial_year: str = "annualize"
) -> dict[str, float]:
    """Last year's company actual per KPI, grown by ``growth`` (rate KPIs kept).

    A last year with fewer than 12 months of data is never taken for a full year:
    it is annualized by the seasonal profile of the full years before it, or
    refused (``partial_year``), see :func:`simlib.data.checks.last_year_actual`.
    """
    from simlib.data.checks import DataCheckWarning, last_year_actual

    s = ds.sales.loc[ds.sales["period"].dt.year == year - 1]
    out = {}
    for kpi in ds.kpi_names:
        v = s.loc[s["kpi"] == kpi, "value"]
        if ds.kpi(kpi)["aggregation"] == "sum":
            ly = last_year_actual(ds, kpi, year - 1, partial_year)
            if ly.partial:
                warnings.warn(
                    f"company_growth: {year - 1} has {ly.months} of 12 months of data; the "
                    f"company {kpi} target grows {ly.basis}",
                    DataCheckWarning,
                    stacklevel=3,
                )
            out[kpi] = ly.value * (1 + growth)
        else:
            out[kpi] = float(v.mean())
    return out


# ------------------------------------------------------------ plain words
def _pct(x: Any) -> str:
    return f"{x:.0%}" if isinstance(x, int | float) else str(x)


def _component_name(design: dict, idx: int) -> str:
    try:
        return str(design["plan"]["components"][idx]["name"])
    except (KeyError, IndexError, TypeError):
        return f"component {idx}"


def _curve_text(points: Any) -> str:
    """``75% -> 0.3x, 100% -> 1x, 160% -> 2.5x``; an uncapped end reads "no cap"."""
    try:
        pts = [(float(a), float(b)) for a, b in points]
        if len(pts) >= 2 and pts[-1][0] >= NO_CAP_ATTAINMENT:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            slope = (y1 - y0) / (x1 - x0)
            head = ", ".join(f"{_pct(a)} -> {b:g}x" for a, b in pts[:-1])
            return _("{points}, then +{slope}x per 100% of quota with no cap").format(
                points=head, slope=f"{slope:g}"
            )
        return ", ".join(f"{_pct(a)} -> {b:g}x" for a, b in pts)
    except (TypeError, ValueError, ZeroDivisionError):
        return str(points)


_PERIOD_WORDS = {"month": N_("monthly"), "quarter": N_("quarterly"), "half": N_("half-yearly"),
                 "year": N_("yearly")}  # fmt: skip
_TYPE_WORDS = {"quota_bonus": N_("quota bonus"), "team": N_("team bonus"),
               "commission": N_("commission"), "spif": N_("SPIF"),
               "scorecard": N_("scorecard bonus")}  # fmt: skip


def _period_words(p: Any) -> str:
    return _(_PERIOD_WORDS[p]) if p in _PERIOD_WORDS else str(p)


def _component_words(c: dict) -> str:
    t = c.get("type", "")
    kind = _(_TYPE_WORDS[t]) if t in _TYPE_WORDS else c.get("type", "component")
    bits = [f"{kind} {c.get('name')!r}"]
    if c.get("kpi"):
        bits.append(
            _("on {kpi}").format(kpi=c["kpi"])
            + (_(" at {level} level").format(level=c["level"]) if c.get("level") else "")
        )
    text = " ".join(bits)
    if c.get("weight") is not None:
        text += _(", with {weight} of target incentive").format(weight=_pct(c["weight"]))
    return text


def _gate_words(g: Any) -> str:
    if not isinstance(g, dict):
        return _("no gate")
    basis = _("attainment") if g.get("basis", "attainment") == "attainment" else _("value")
    return _("paid only when {kpi} {basis} is at least {min}").format(
        kpi=g.get("kpi"), basis=basis, min=_pct(g.get("min"))
    )


def plan_change_words(old: dict, new: dict) -> list[str]:
    """What differs between two plans, parameter by parameter, in plain words.

    Components are matched by name (else by position within their type); for each:
    weight, threshold, cap, the factor paid at the cap, the curve's points, gates
    and component caps. Then plan-level settings: measurement period, true-up,
    variable share of pay, plan caps, draws, positions.
    """
    out: list[str] = []
    if old.get("period") != new.get("period"):
        out.append(
            _("measured {new} instead of {old}").format(
                new=_period_words(new.get("period")), old=_period_words(old.get("period"))
            )
        )
    if bool(old.get("true_up")) != bool(new.get("true_up")):
        out.append(
            _("trued up to the year to date each period")
            if new.get("true_up")
            else _("no year-to-date true-up any more")
        )
    pm_o = ((old.get("target_incentive") or {}).get("pay_mix") or {}).get("variable")
    pm_n = ((new.get("target_incentive") or {}).get("pay_mix") or {}).get("variable")
    if pm_o != pm_n and pm_o is not None and pm_n is not None:
        out.append(
            _("variable share of on-target pay {old} -> {new}").format(
                old=_pct(pm_o), new=_pct(pm_n)
            )
        )
    oc = [c for c in old.get("components") or [] if isinstance(c, dict)]
    nc = [c for c in new.get("components") or [] if isinstance(c, dict)]
    matched: list[tuple[dict, dict]] = []
    left = list(oc)
    for c in nc:
        same = next((o for o in left if o.get("name") == c.get("name")), None)
        if same is None:
            same = next((o for o in left if o.get("type") == c.get("type")), None)
        if same is None:
            out.append(_("adds a {component}").format(component=_component_words(c)))
            continue
        left.remove(same)
        matched.append((same, c))
    for o in left:
        out.append(_("drops the {component}").format(component=_component_words(o)))
    for o, c in matched:
        name = c.get("name")
        if o.get("name") != name:
            out.append(
                _("component {old} becomes {new}").format(old=repr(o.get("name")), new=repr(name))
            )
        if o.get("weight") != c.get("weight") and c.get("weight") is not None:
            out.append(
                _("{component} weight {old} -> {new} of target incentive").format(
                    component=repr(name), old=_pct(o.get("weight")), new=_pct(c["weight"])
                )
            )
        if o.get("kpi") != c.get("kpi"):
            out.append(
                _("{component} measured on {new} instead of {old}").format(
                    component=repr(name), new=c.get("kpi"), old=o.get("kpi")
                )
            )
        co, cn = o.get("curve"), c.get("curve")
        if co and cn and co != cn:
            bits = []
            if co[0][0] != cn[0][0]:
                bits.append(
                    _("threshold {old} -> {new} of quota").format(
                        old=_pct(co[0][0]), new=_pct(cn[0][0])
                    )
                )
            if co[-1][0] != cn[-1][0]:
                bits.append(
                    _("cap {old} of quota removed").format(old=_pct(co[-1][0]))
                    if cn[-1][0] >= NO_CAP_ATTAINMENT
                    else _("cap {old} -> {new} of quota").format(
                        old=_pct(co[-1][0]), new=_pct(cn[-1][0])
                    )
                )
            if co[-1][1] != cn[-1][1] and cn[-1][0] < NO_CAP_ATTAINMENT:
                bits.append(
                    _("most it pays {old}x -> {new}x target").format(
                        old=f"{co[-1][1]:g}", new=f"{cn[-1][1]:g}"
                    )
                )
            out.append(
                _("{component} payout curve: {what} (was {old}; now {new})").format(
                    component=repr(name), what=_("; ").join(bits) if bits else _("new shape"),
                    old=_curve_text(co), new=_curve_text(cn))
            )  # fmt: skip
        if o.get("gate") != c.get("gate"):
            out.append(
                _("{component}: {gate} (was: {old})").format(
                    component=repr(name), gate=_gate_words(c.get("gate")),
                    old=_gate_words(o.get("gate")))
            )  # fmt: skip
        if o.get("max_payout") != c.get("max_payout"):
            out.append(
                _("{component} cap in currency {old} -> {new}").format(
                    component=repr(name), old=o.get("max_payout"), new=c.get("max_payout"))
            )  # fmt: skip
        if o.get("blend") != c.get("blend") and c.get("blend"):
            out.append(
                _("{component} measured {team} on the team, {own} on the rep").format(
                    component=repr(name), team=_pct(c["blend"].get("team")),
                    own=_pct(c["blend"].get("individual")))
            )  # fmt: skip
    none = _("none")
    for key, words in (("max_payout_multiple", N_("plan cap (x target incentive)")),
                       ("max_payout", N_("plan cap (currency a year)"))):  # fmt: skip
        if old.get(key) != new.get(key):
            out.append(f"{_(words)} {old.get(key) or none} -> {new.get(key) or none}")
    if old.get("draw") != new.get("draw"):
        out.append(
            _("draw {old} -> {new}").format(
                old=old.get("draw") or none, new=new.get("draw") or none
            )
        )
    if old.get("positions") != new.get("positions"):
        out.append(
            _("covers positions {new} (was {old})").format(
                new=new.get("positions"), old=old.get("positions")
            )
        )
    return out


def _merit_words(m: Any) -> str:
    """A merit matrix in a sentence: its grades and the raise range of each."""
    if not isinstance(m, dict):
        return _("none")
    try:
        rows = [
            f"{g} {_pct_raise(min(r))}-{_pct_raise(max(r))}"
            for g, r in zip(m["grades"], m["raises"], strict=True)
        ]
    except (KeyError, TypeError, ValueError):
        return str(m)
    return _("{n} grades, raise by compa-ratio band: {rows}").format(
        n=len(rows), rows=", ".join(rows)
    )


def _pct_raise(x: float) -> str:
    return f"{x:.1%}".replace(".0%", "%")


def _baseline_words(sc: Scenario) -> list[str]:
    d = sc.design
    s = sc.settings
    t = d.get("targets") or {}
    out = [
        "- " + _("data: {data}").format(data=d["data"]),
        "- " + _("plan: {plan}").format(plan=d["plan"].get("name"))
        + (f" ({sc.sources['plan']})" if "plan" in sc.sources else ""),
        "- " + _("targets: {source}").format(source=(
            _("the dataset's targets table")
            if t.get("source", "data") == "data"
            else _("cascaded from the company target")
        )),
        "- " + _("appraisal: {appraisal}").format(appraisal=(
            str(d["appraisal"].get("name")) if isinstance(d.get("appraisal"), dict) else _("none")
        )),
        "- " + _("simulation: {draws} draws, seed {seed}, {sales} sales model").format(
            draws=f"{s.draws:,}", seed=s.seed, sales=s.sales),
    ]  # fmt: skip
    if d.get("behavior") is not None:
        out.append("- " + _("behavioural response: on"))
    return out


_COMP = re.compile(r"^plan\.components\[(\d+)\]\.(\w+)(.*)$")


def change_words(changes: list[tuple[str, Any, Any]], base: Scenario, sc: Scenario) -> list[str]:
    """Each change in words (one line per change, grouped where it helps)."""
    out: list[str] = []
    plan_old = base.design["plan"].get("name")
    plan_new = sc.design["plan"].get("name")
    if plan_old != plan_new:
        src = sc.sources.get("plan")
        out.append(
            _("replaces the plan {old} with {new}").format(old=repr(plan_old), new=repr(plan_new))
            + (f" ({src})" if src else "") + ":"
        )  # fmt: skip
        out += [f"  - {w}" for w in plan_change_words(base.design["plan"], sc.design["plan"])]
        changes = [c for c in changes if not c[0].startswith("plan")]
    if any(c[0].startswith("outcomes.merit") for c in changes):
        out.append(
            _("merit matrix: {new} (was {old})").format(
                new=_merit_words((sc.design.get("outcomes") or {}).get("merit")),
                old=_merit_words((base.design.get("outcomes") or {}).get("merit")),
            )
        )
        changes = [c for c in changes if not c[0].startswith("outcomes.merit")]
    if isinstance(sc.design.get("appraisal"), dict) and base.design.get(
        "appraisal"
    ) != sc.design.get("appraisal"):
        old = (base.design.get("appraisal") or {}).get("name", "none")
        new = sc.design["appraisal"].get("name")
        if old != new:
            out.append(
                _("appraises with {new} instead of {old}").format(new=repr(new), old=repr(old))
            )
            changes = [c for c in changes if not c[0].startswith("appraisal")]
    seen_curves: set[int] = set()
    for path, old, new in changes:
        m = _COMP.match(path)
        if m:
            i, fld, rest = int(m.group(1)), m.group(2), m.group(3)
            comp = _component_name(sc.design, i)
            if fld == "curve":
                if i in seen_curves:
                    continue
                seen_curves.add(i)
                oc = base.design["plan"]["components"][i].get("curve")
                nc = sc.design["plan"]["components"][i].get("curve")
                cap_o, cap_n = oc[-1][0], nc[-1][0]
                bits = []
                if oc[0][0] != nc[0][0]:
                    bits.append(
                        _("threshold {old} -> {new}").format(old=_pct(oc[0][0]), new=_pct(nc[0][0]))
                    )
                if cap_o != cap_n:
                    bits.append(
                        _("cap removed (the accelerator continues)")
                        if cap_n >= NO_CAP_ATTAINMENT
                        else _("cap {old} -> {new} of quota").format(
                            old=_pct(cap_o), new=_pct(cap_n)
                        )
                    )
                what = _("; ").join(bits) if bits else _("new shape")
                out.append(
                    _("changes the payout curve of {component}: {what} (was {old}; now {new})")
                    .format(component=repr(comp), what=what, old=_curve_text(oc),
                            new=_curve_text(nc))
                )  # fmt: skip
                continue
            if fld == "weight" and not rest:
                out.append(
                    _("weights {component} at {new} of target incentive (was {old})").format(
                        component=repr(comp), new=_pct(new), old=_pct(old))
                )  # fmt: skip
                continue
            out.append(
                _("sets {field} of {component} to {new} (was {old})").format(
                    field=f"{fld}{rest}", component=repr(comp), new=repr(new), old=repr(old))
            )  # fmt: skip
            continue
        if path.startswith("plan.target_incentive.pay_mix.variable"):
            out.append(_("variable share of on-target pay {old} -> {new}").format(
                old=_pct(old), new=_pct(new)))  # fmt: skip
        elif path.startswith("simulation."):
            out.append(_("simulation setting {name}: {old} -> {new}").format(
                name=path.split(".", 1)[1], old=repr(old), new=repr(new)))  # fmt: skip
        elif path == "behavior" or path.startswith("behavior."):
            out.append(_("behavioural response {name}: {old} -> {new}").format(
                name=path, old=repr(old), new=repr(new)))  # fmt: skip
        elif path.startswith("outcomes.pip_floor"):
            out.append(_("improvement-plan floor {old} -> {new} attainment").format(
                old=_pct(old), new=_pct(new)))  # fmt: skip
        else:
            out.append(_("sets {field} to {new} (was {old})").format(
                field=path, new=repr(new), old=repr(old)))  # fmt: skip
    return out


# ------------------------------------------------------------ budget neutral
def scale_payouts(design: dict, factor: float) -> dict:
    """A copy of ``design`` whose payout levels are ``factor`` times as large.

    Scales the target incentive (the pay-mix variable share, a flat amount or
    the amounts by position), commission rates and tier rates, SPIF amounts,
    component caps and the plan cap in currency (``max_payout``) and the draw. Curve shapes, thresholds and caps in
    attainment stay as they are: a budget-neutral reform keeps its design and
    changes only how much each point pays.
    """
    if not factor > 0:
        raise ScenarioError(f"scale factor must be positive, got {factor}")
    d = copy.deepcopy(design)
    plan = d["plan"]
    ti = plan.get("target_incentive")
    if ti:
        if ti.get("pay_mix"):
            pm = ti["pay_mix"]
            # The target incentive is salary x variable / base; scale that ratio and
            # keep base + variable = 1 (the plan's rule).
            ratio = pm["variable"] / pm["base"] * factor
            pm["base"], pm["variable"] = 1.0 / (1.0 + ratio), ratio / (1.0 + ratio)
        if ti.get("amount") is not None:
            ti["amount"] = ti["amount"] * factor
        if ti.get("by_position"):
            ti["by_position"] = {k: v * factor for k, v in ti["by_position"].items()}
    for c in plan["components"]:
        if c.get("type") == "commission":
            if c.get("rate") is not None:
                c["rate"] = c["rate"] * factor
            for t in c.get("tiers") or []:
                t["rate"] = t["rate"] * factor
        if c.get("type") == "spif":
            c["amount"] = c["amount"] * factor
        if c.get("max_payout") is not None:
            c["max_payout"] = c["max_payout"] * factor
    if plan.get("max_payout") is not None:
        # The plan cap in currency is a payout level too; the multiple-of-target
        # cap (max_payout_multiple) follows the scaled target incentive by itself.
        plan["max_payout"] = plan["max_payout"] * factor
    if plan.get("draw"):
        plan["draw"]["amount"] = plan["draw"]["amount"] * factor
    return d


@dataclass(frozen=True)
class BudgetNeutral:
    """The budget-neutral variant of a reform.

    Attributes
    ----------
    scenario : Scenario
        The reform with payout levels scaled by ``factor``.
    factor : float
        Multiplier on payout levels (0.9 = every payout level 10% lower).
    cost : float
        Its expected total payout (currency), from the same draws as the baseline.
    target_cost : float
        The baseline's expected total payout.
    iterations : int
        Simulations run to find the factor.
    """

    scenario: Scenario
    factor: float
    cost: float
    target_cost: float
    iterations: int
    result: Any = None


def budget_neutral(
    reform: Scenario,
    target_cost: float,
    rtol: float = 0.002,
    max_iter: int = 8,
    draws: int | None = None,
    simulate_fn=None,
) -> BudgetNeutral:
    """Scale a reform's payout levels so its expected cost equals ``target_cost``.

    Each trial is a simulation with the reform's seed, so every trial sees the
    same random years as the baseline (common random numbers) and the cost is a
    smooth, increasing function of the factor. The root is found by the secant
    method from factor 1 and ``target / cost(1)``, which is exact in one step
    when every payout scales with the target incentive; caps in currency or
    draws make it non-linear and take a few more steps (Tax-Calculator users ask
    the same question: "what rate makes this reform revenue-neutral?", #1802).

    Parameters
    ----------
    reform : Scenario
        The reform to scale.
    target_cost : float
        The expected total payout to match (currency; the baseline's ``total_payout`` mean).
    rtol : float
        Stop when the cost is within this fraction of the target (0.002 = 0.2%).
    """
    from simlib.engine import simulate

    sim = simulate_fn or simulate
    if not target_cost > 0:
        raise ScenarioError(f"budget-neutral: target cost must be positive, got {target_cost}")

    def run(factor: float):
        sc = Scenario(
            name=f"{reform.name} (budget-neutral)",
            design=scale_payouts(reform.design, factor),
            kind=reform.kind,
            base=reform.base,
            what=f"{reform.what}; payout levels x{factor:.3f} to cost the same as the baseline",
            why=reform.why,
            title=f"{reform.title} (budget-neutral)",
            changes=reform.changes,
            sources=reform.sources,
            file=reform.file,
            header=reform.header,
            batch=reform.batch,
            members=reform.members,
            scale_factor=factor,
        )
        kw = {"draws": draws} if draws else {}
        res = sim(sc, **kw)
        return sc, res, float(res.per_draw["total_payout"].mean())

    f0, (sc0, res0, c0) = 1.0, run(1.0)
    if not c0 > 0:
        raise ScenarioError(f"budget-neutral: {reform.name!r} pays nothing; nothing to scale")
    best = (sc0, res0, c0, f0)
    f1 = target_cost / c0
    it = 1
    prev = (f0, c0)
    while it < max_iter:
        sc1, res1, c1 = run(f1)
        it += 1
        best = (sc1, res1, c1, f1)
        if abs(c1 - target_cost) <= rtol * target_cost:
            break
        (fp, cp) = prev
        slope = (c1 - cp) / (f1 - fp) if f1 != fp else c1 / f1
        prev = (f1, c1)
        f1 = f1 + (target_cost - c1) / slope if slope > 0 else f1 * target_cost / c1
    sc, res, cost, factor = best
    if abs(cost - target_cost) > rtol * target_cost:
        raise ScenarioError(
            f"budget-neutral: no factor within {rtol:.1%} of the target after {it} simulations "
            f"(last factor {factor:.4f}, cost {cost:,.0f} vs {target_cost:,.0f})"
        )
    res.provenance["budget_neutral_factor"] = factor
    return BudgetNeutral(sc, factor, cost, target_cost, it, res)

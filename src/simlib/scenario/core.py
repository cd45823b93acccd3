"""The :class:`Scenario`: one resolved design, built from a scenario file with its
reforms and sweeps (see :mod:`simlib.scenario` for the file layout).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simlib.data.checks import DataChecksSettings
from simlib.errors import SimlibError, SpecError
from simlib.i18n import _
from simlib.scenario import checks
from simlib.scenario.loader import (
    FileLoader,
    cached_dataset,
    grown_company_target,
    validate_design,
)
from simlib.scenario.paths import (
    COMPONENT_PATH,
    deep_merge,
    diff,
    fmt_value,
    same_payout,
    short_label,
)
from simlib.scenario.schema import (
    BASELINE,
    FILE_FIELDS,
    NOT_SIMULATED,
    ReportSettings,
    ScenarioError,
    ScenarioFileSpec,
    ScenarioWarning,
    SimulationSettings,
    TargetsSettings,
)
from simlib.spec import load_yaml, parse_spec

#: Target cascades built this process, by data, settings, year and partial-year rule.
_CASCADES: dict[str, Any] = {}


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
        Every value that differs from the base (told in words by
        :func:`simlib.topics.scenario_words.describe_scenario`).
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
        loader = FileLoader(root_dir)
        header = {"title": spec.title, "author": spec.author, "what": spec.what, "why": spec.why}
        goals = None
        if spec.goals is not None:
            from simlib.vocabulary import parse_goals

            goals = parse_goals(spec.goals, f"{root}: goals")
        batch = spec.batch or (file.stem if file is not None else "scenarios")

        base_raw = loader.inline_all(spec.baseline, f"{root}: baseline")
        base_design = validate_design(base_raw, f"{root}: baseline")
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
        build = _Build(root, loader, {BASELINE: baseline})
        build.reforms(spec.reforms)
        build.sweeps(spec.sweeps, spec.reforms)
        resolved, failed, errors = build.resolved, build.failed, build.errors
        if spec.search is not None:
            from simlib.scenario.search_spec import check_space, parse_search

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
            raise KeyError(
                _("no scenario {name!r}; the file has {names}").format(
                    name=name, names=list(self.members)
                )
            ) from None

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
        sim = {k: v for k, v in self.design.items() if k not in NOT_SIMULATED}
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

    # ------------------------------------------------------------ running
    def dataset(self):
        """The dataset this scenario runs on (loaded once per process and path)."""
        return cached_dataset(self.design["data"])

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
            raise ScenarioError(
                _("{name}: targets come from the data, not a cascade").format(name=self.name)
            )
        ds = self.dataset()
        year = self.settings.year or int(ds.periods[-1].year + 1)
        partial = self.data_check_settings.partial_year
        key = json.dumps(
            [ds.content_hash(), t.model_dump(), year, partial], sort_keys=True, default=str
        )
        if key not in _CASCADES:
            from simlib import targets as tg

            company = t.company_target or grown_company_target(ds, year, t.company_growth, partial)
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
        return checks.check(self)

    def with_changes(self, name: str, changes: Mapping[str, Any], what: str = "") -> Scenario:
        """A new scenario: this one with ``changes`` applied (paths or nested mappings)."""
        loader = FileLoader(self.file.parent if self.file else Path.cwd())
        sc = _derive(self, name, "reform", dict(changes), loader, name, what=what or name)
        sc.members, sc.file, sc.header, sc.batch = self.members, self.file, self.header, self.batch
        return sc


@dataclass
class _Build:
    """The scenarios of one file as they are built: each reform and sweep member on
    its base, the ones that cannot be built (name -> why) and every problem found."""

    root: str
    loader: FileLoader
    resolved: dict[str, Scenario]
    failed: dict[str, str] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, name: str, exc: Exception) -> None:
        if isinstance(exc, SpecError):
            self.errors.extend(exc.errors)
        else:
            self.errors.append((f"{self.root}: {name}", str(exc)))
        self.failed[name] = str(exc)

    def reforms(self, reforms: Mapping[str, Any]) -> None:
        """Build every reform; reforms may chain in any order in the file, so they are
        resolved by dependency (a base before the reforms on it)."""
        root = self.root
        pending = dict(reforms)
        if BASELINE in pending:
            self.errors.append((f"{root}: reforms.{BASELINE}", _("'baseline' is reserved")))
            pending.pop(BASELINE)
        while pending:
            progressed = False
            for name, rf in list(pending.items()):
                where = f"{root}: reforms.{name}"
                if rf.base in self.failed:
                    problem = _("its base {base!r} failed").format(base=rf.base)
                    self.fail(name, SpecError([(f"{where}.base", problem)]))
                elif rf.base in self.resolved:
                    self.derive(
                        self.resolved[rf.base], name, "reform", rf.changes, where,
                        what=rf.what, why=rf.why, title=rf.title or name,
                        budget_neutral=rf.budget_neutral,
                    )  # fmt: skip
                elif rf.base not in reforms:
                    have = sorted(self.resolved)
                    problem = _("no scenario {name!r} (have {have})").format(
                        name=rf.base, have=have
                    )
                    self.fail(name, SpecError([(f"{where}.base", problem)]))
                else:
                    continue
                pending.pop(name)
                progressed = True
            if not progressed:
                for name in pending:
                    where = f"{root}: reforms.{name}.base"
                    self.fail(name, SpecError([(where, _("reforms chain in a cycle"))]))
                break

    def sweeps(self, sweeps: list, reforms: Mapping[str, Any]) -> None:
        """Build one scenario per combination of each sweep's grid."""
        for i, sw in enumerate(sweeps):
            where = f"{self.root}: sweeps[{i}]"
            if sw.base not in self.resolved:
                problem = _("no scenario {name!r}").format(name=sw.base)
                self.fail(sw.name, SpecError([(f"{where}.base", problem)]))
                continue
            paths = list(sw.grid)
            # A one-parameter sweep named like its parameter reads "cap=1.4".
            single = len(paths) == 1 and sw.labels.get(paths[0], short_label(paths[0])) == sw.name
            for combo in itertools.product(*(sw.grid[p] for p in paths)):
                label = ", ".join(
                    f"{sw.labels.get(p, short_label(p))}={fmt_value(v)}"
                    for p, v in zip(paths, combo, strict=True)
                )
                name = label if single else f"{sw.name}: {label}"
                if name in self.resolved or name in self.failed:
                    other = (
                        "the reform" if name in reforms else "another sweep member"
                    ) + f" {name!r}"
                    problem = (
                        f"sweep {sw.name!r} makes a scenario named {name!r}, which collides "
                        f"with {other}; rename one (or give the sweep a different name or labels)"
                    )
                    self.fail(f"sweep {sw.name}: {label}", SpecError([(where, problem)]))
                    continue
                self.derive(
                    self.resolved[sw.base], name, "sweep", dict(zip(paths, combo, strict=True)),
                    f"{where}.grid", what=f"{sw.what} ({label})", why=sw.why, title=name,
                    budget_neutral=sw.budget_neutral,
                )  # fmt: skip

    def derive(self, base: Scenario, name: str, kind: str, changes, where: str, **kw) -> None:
        try:
            # Warnings point at the code that read the file (past from_dict and this class).
            self.resolved[name] = _derive(
                base, name, kind, changes, self.loader, where, stacklevel=6, **kw
            )
        except (SpecError, SimlibError, ValueError) as exc:
            self.fail(name, exc)


def _derive(
    base: Scenario,
    name: str,
    kind: str,
    changes: Mapping[str, Any],
    loader: FileLoader,
    where: str,
    what: str = "",
    why: str = "",
    title: str = "",
    budget_neutral: bool = False,
    stacklevel: int = 4,
) -> Scenario:
    loader.sources = dict(base.sources)
    raw = deep_merge(base.design, changes, where, loader)
    for key, value in changes.items():
        if key in FILE_FIELDS and not isinstance(value, str):
            loader.sources.pop(key, None)  # written inline: no longer read from the base's file
    if isinstance(raw.get("data"), str) and raw["data"] != base.design.get("data"):
        # A reform's own data path follows the same rule as the baseline's.
        raw["data"] = str(loader.find(raw["data"], f"{where}.data"))
    design = validate_design(raw, f"{where}")
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
        msg = _(
            "{where}: changes nothing compared with {base!r} (every value is already so)"
        ).format(where=where, base=base.name)
    elif _only_curves_pay_the_same(changed, base.design, design):
        msg = _(
            "{where}: changes nothing compared with {base!r}: the payout curves it "
            "edits pay exactly the same at every attainment"
        ).format(where=where, base=base.name)
    if msg:
        sc.notes.append(msg)
        warnings.warn(msg, ScenarioWarning, stacklevel=stacklevel)
    return sc


def _only_curves_pay_the_same(changed: list, old: dict, new: dict) -> bool:
    """True when every change is to a component's payout curve and each edited curve
    pays what it paid before (a cap moved along a flat stretch, a redundant point)."""
    idx = set()
    for path, _old, _new in changed:
        m = COMPONENT_PATH.match(path)
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

"""What a scenario's dry run checks against its data (``simlib validate``).

:func:`check` loads the data and finds what only the data can tell; each part
returns ``(where, problem)`` pairs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from simlib.errors import SimlibError, SpecError
from simlib.i18n import _
from simlib.scenario.schema import OutcomesSettings

if TYPE_CHECKING:
    from simlib.scenario.core import Scenario


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
    """Components summing over units of a level the data's hierarchy does not have."""
    from simlib.data.org import Hierarchy
    from simlib.plans.components import REGISTRY

    comps = plan.get("components") if isinstance(plan, dict) else None
    if not isinstance(comps, list):
        return []
    try:
        levels = list(Hierarchy.of(ds).levels)
    except (SimlibError, ValueError):
        return []
    out = []
    for i, c in enumerate(comps):
        kind = REGISTRY.get(str(c.get("type"))) if isinstance(c, dict) else None
        if kind is not None and kind.sums_over_units and "level" in c:
            if c["level"] not in levels:
                out.append(
                    (
                        f"{where}: plan.components[{i}].level",
                        _(
                            "level {level!r} is not in the data's hierarchy "
                            "(its levels are {levels})"
                        ).format(level=c["level"], levels=", ".join(map(str, levels))),
                    )
                )
    return out


def _plan_kpis(plan: dict) -> set[str]:
    return {k for _path, k in _plan_kpi_paths(plan)}


class _Problems(list):
    """``(where, problem)`` pairs of one scenario, each place prefixed with its name."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def note(self, path: str, problem: str) -> None:
        self.append((f"{self.where}: {path}", problem))

    def add(self, path: str, exc: Exception) -> None:
        if isinstance(exc, SpecError):
            w = self.where
            self.extend((p if p.startswith(f"{w}:") else f"{w}: {p}", m) for p, m in exc.errors)
        else:
            self.note(path, str(exc))


def check(sc: Scenario) -> list[tuple[str, str]]:
    """Dry-run the set-up a simulation does (see :meth:`Scenario.check`)."""
    where = f"{sc.name}"
    problems = _Problems(where)
    try:
        ds = sc.dataset()
    except (SimlibError, OSError, ValueError) as exc:
        return [(f"{where}: data", str(exc))]
    plan = _plan_problems(sc, ds, problems)
    _target_problems(sc, ds, plan, problems)
    _grouping_problems(sc, ds, problems)
    _appraisal_problems(sc, ds, problems)
    problems += _team_level_problems(sc.design["plan"], ds, where)
    problems += _data_check_problems(sc, where)
    return list(problems)


def _plan_problems(sc: Scenario, ds, problems: _Problems):
    """The plan's KPIs are in the data and the plan builds; the plan, else None."""
    unknown = _plan_kpis(sc.design["plan"]) - set(ds.kpi_names)
    if unknown:
        for path, k in _plan_kpi_paths(sc.design["plan"]):
            if k in unknown:
                problems.note(path, f"KPI {k!r} is not in the data (it has {ds.kpi_names})")
        return None
    try:
        return sc.plan()
    except (SimlibError, ValueError) as exc:
        problems.add("plan", exc)
        return None


def _target_problems(sc: Scenario, ds, plan: Any, problems: _Problems) -> None:
    """The plan year has targets and the plan covers reps with targets."""
    import pandas as pd

    try:
        tg = sc.targets()
        tg = ds.targets if tg is None else tg
    except (SimlibError, ValueError, KeyError) as exc:
        problems.add("targets", exc)
        tg = None
    if tg is None and not problems:
        problems.note("targets", "the dataset has no targets table")
    if tg is None:
        return
    years = sorted({int(y) for y in pd.PeriodIndex(tg["period"]).year})
    year = sc.settings.year if sc.settings.year is not None else years[-1]
    if year not in years:
        problems.note(
            "simulation.year",
            f"{year} has no targets; the targets cover {', '.join(map(str, years))}",
        )
    elif plan is not None:
        ids = tg.loc[pd.PeriodIndex(tg["period"]).year == year, "rep_id"].unique()
        reps = ds.reps.loc[ds.reps["rep_id"].isin(ids)]
        if not bool(pd.Series(plan.covers(reps)).any()):
            problems.note(
                "plan.positions",
                f"no reps with targets in {year} hold the plan's positions {plan.spec.positions}",
            )


def _grouping_problems(sc: Scenario, ds, problems: _Problems) -> None:
    """Each grouping names a region, tenure or a reps column."""
    known = {"region", "tenure", *map(str, ds.reps.columns)}
    for i, g in enumerate(sc.settings.groupings or ()):
        if g not in known:
            extra = sorted(known - {"region", "tenure", "rep_id"})
            problems.note(
                f"simulation.groupings[{i}]",
                f"unknown group {g!r}; use 'region', 'tenure' or a reps column "
                f"({', '.join(extra)})",
            )


def _appraisal_problems(sc: Scenario, ds, problems: _Problems) -> None:
    """The appraisal scheme fits the data; its grades are the merit matrix's (same
    names, same order) and include the promotion grade; merit and promotion have a
    scheme to read."""
    app = sc.design.get("appraisal")
    out = OutcomesSettings.model_validate(sc.design.get("outcomes") or {})
    if app is None:
        if out.merit is not None:
            problems.note("outcomes.merit", "a merit matrix needs an appraisal scheme")
        if out.promotion_grade is not None:
            problems.note(
                "outcomes.promotion_grade", "promotion readiness needs an appraisal scheme"
            )
        return
    from simlib import appraisal as ap

    try:
        card = ap.load_scorecard(app)
        grades = list(card.rating.names)
        missing = sorted(set(card.kpi_names) - set(ds.kpi_names))
        if missing:
            problems.note(
                "appraisal", f"KPI(s) {missing} are not in the data (it has {ds.kpi_names})"
            )
    except (SimlibError, ValueError) as exc:
        problems.add("appraisal", exc)
        return
    if isinstance(out.merit, dict):
        from simlib import outcomes as oc

        try:
            mm = oc.MeritMatrix.from_dict(out.merit)
            if len(mm.grades) != len(grades):
                problems.note(
                    "outcomes.merit",
                    f"the merit matrix has {len(mm.grades)} grades "
                    f"({', '.join(map(str, mm.grades))}), the appraisal scheme "
                    f"{len(grades)} ({', '.join(grades)})",
                )
            elif list(map(str, mm.grades)) != grades:
                problems.note(
                    "outcomes.merit",
                    f"the merit matrix's grades ({', '.join(map(str, mm.grades))}) are not the "
                    f"appraisal scheme's ({', '.join(grades)}); name them the same, best first",
                )
        except (SimlibError, ValueError) as exc:
            problems.add("outcomes.merit", exc)
    if out.promotion_grade is not None and out.promotion_grade not in grades:
        problems.note(
            "outcomes.promotion_grade",
            f"{out.promotion_grade!r} is not a grade; the grades are {grades}",
        )


def _data_check_problems(sc: Scenario, where: str) -> list[tuple[str, str]]:
    """Data-check errors as problems; data-check warnings as warnings."""
    from simlib.data.checks import DataCheckWarning

    try:
        found = sc.data_checks()
    except (SimlibError, ValueError, KeyError):
        return []  # building the targets failed (a refused partial year, ...): reported above
    for f in found.warnings:
        warnings.warn(
            _("{where}: [{check}] {text}").format(where=where, check=f.check, text=f.text()),
            DataCheckWarning,
            stacklevel=4,
        )
    return [(f"{where}: data_checks.{f.check}", f.text()) for f in found.errors]

"""Running a design search: screen with differential evolution, confirm the best at full draws.

Why differential evolution (:func:`scipy.optimize.differential_evolution`): the
design space mixes continuous parameters (a threshold, a weight) with discrete
ones (a cap or none, a stepped pay mix), the goals make the feasible region
irregular, and a simulated objective is only piecewise smooth (curves have
kinks; a few screening draws add some noise). Differential evolution needs no
gradients, handles integer coordinates (``integrality``), is seeded
(deterministic), evaluates a whole generation at once through a ``workers``
map (so candidates run in parallel on Dask), and ships with scipy, already a
dependency. The Pareto frontier is then taken over every design evaluated.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib.errors import SimlibError, SpecError
from simlib.i18n import _, ngettext
from simlib.scenario.search_space import DesignSpace
from simlib.scenario.search_spec import SearchSpec, check_space
from simlib.search.evaluate import Evaluation, Evaluator, fitness, scaled_violation
from simlib.search.frontier import non_dominated


class SearchError(SimlibError, ValueError):
    """A design search cannot run as written (the message says which and why)."""


@dataclass
class SearchResult:
    """What a design search found.

    Attributes
    ----------
    spec : SearchSpec
        The search section as validated.
    space : DesignSpace
    evaluations : list of Evaluation
        Every design screened, in the order first evaluated.
    confirmed : list of Evaluation
        The final set re-simulated at full draws (same seed), best first.
    recommended : Evaluation or None
        The best confirmed design meeting every goal; when none does, the one
        missing them by least (``meets_goals`` then False).
    baseline, base : Evaluation
        The file's baseline and the search's base design at full draws.
    frontier : pandas.DataFrame
        The screened designs no other screened design beats on every axis
        (objective and ``spec.frontier``), with each goal's status.
    sensitivity : pandas.DataFrame
        The objective as each parameter moves alone from the recommended design.
    settings : dict
        Seed, draws, generations, population, evaluations, seconds.
    currency : str or None
        The currency of the baseline's amounts (its ``report.currency`` or plan's).
    """

    spec: SearchSpec
    space: DesignSpace
    evaluations: list[Evaluation]
    confirmed: list[Evaluation]
    recommended: Evaluation | None
    baseline: Evaluation
    base: Evaluation
    frontier: pd.DataFrame
    sensitivity: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    base_values: dict[str, Any] | None = None
    currency: str | None = None

    @property
    def meets_goals(self) -> bool:
        return self.recommended is not None and self.recommended.feasible

    @property
    def axes(self) -> list[tuple[str, int]]:
        """Frontier axes: (metric, +1 higher is better / -1 lower)."""
        return _axes(self.spec)

    def table(self, evaluations: Sequence[Evaluation] | None = None) -> pd.DataFrame:
        """One row per design: parameters, metrics, goal shortfalls, whether all are met."""
        evs = self.evaluations if evaluations is None else evaluations
        rows = []
        for ev in evs:
            row: dict[str, Any] = {"design": ev.name, "draws": ev.draws}
            for path, label in zip(self.space.paths, self.space.labels, strict=True):
                row[label] = ev.values.get(path)
            row.update(ev.metrics)
            # The objective's standard error over the draws: how much a screening
            # ranking can be trusted (differences between designs are tighter: same years).
            row[f"{self.spec.objective.metric} s.e."] = ev.objective_se
            for k, v in ev.violations.items():
                row[f"misses: {k}"] = v
            row["meets_goals"] = ev.feasible
            row["error"] = ev.error
            rows.append(row)
        return pd.DataFrame(rows)

    def goals(self, ev: Evaluation) -> pd.DataFrame:
        """Each goal at one design: value, bounds, met, slack and whether it binds."""
        rows = []
        for c in self.spec.constraints:
            v = ev.metrics.get(c.metric, float("nan"))
            room = [
                x
                for x in ((v - c.min) if c.min is not None else None,
                          (c.max - v) if c.max is not None else None)
                if x is not None
            ]  # fmt: skip
            slack = min(room) if room else float("nan")
            scale = max([abs(b) for b in (c.min, c.max) if b is not None] + [1e-3])
            rows.append(
                {
                    "goal": c.label,
                    "metric": c.metric,
                    "value": v,
                    "min": c.min,
                    "max": c.max,
                    "met": ev.violations.get(c.label, 0.0) == 0,
                    "slack": slack,
                    # Binding: met with under 5% of the bound to spare, so the
                    # objective would improve if the goal were relaxed.
                    "binds": bool(np.isfinite(slack) and 0 <= slack <= 0.05 * scale),
                }
            )
        return pd.DataFrame(rows)

    def conflicts(self) -> list[str]:
        """Goals that no screened design met together, though each was met alone, in words."""
        cons = self.spec.constraints
        evs = [e for e in self.evaluations if e.error is None]
        if not cons or not evs:
            return []
        met = np.array([[e.violations.get(c.label, 1) == 0 for c in cons] for e in evs])
        out = []
        for i in range(len(cons)):
            for j in range(i + 1, len(cons)):
                if met[:, i].any() and met[:, j].any() and not (met[:, i] & met[:, j]).any():
                    # The design that meets i and misses j by least, and vice versa.
                    gap_j = min(
                        e.violations[cons[j].label] for e, m in zip(evs, met, strict=True) if m[i]
                    )
                    gap_i = min(
                        e.violations[cons[i].label] for e, m in zip(evs, met, strict=True) if m[j]
                    )
                    out.append(
                        _(
                            "{first} and {second} conflict: designs meeting the first miss the "
                            "second by at least {gap_second}; designs meeting the second miss "
                            "the first by at least {gap_first}"
                        ).format(first=_goal_name(cons[i]), second=_goal_name(cons[j]),
                                 gap_second=_gap(gap_j), gap_first=_gap(gap_i))
                    )  # fmt: skip
        for k, c in enumerate(cons):
            if met[:, k].any():
                continue
            # How close designs came, alone and while meeting every other goal: the gap
            # between the two is what the other goals cost on this one.
            closest = min(evs, key=lambda e: e.violations[c.label])
            others = [
                _("{goal} by {gap}").format(
                    goal=_goal_name(o), gap=_gap(closest.violations[o.label])
                )
                for o in cons
                if o is not c and closest.violations[o.label] > 0
            ]
            value = closest.metrics.get(c.metric, float("nan"))
            text = _(
                "No screened design meets {goal}: the closest ({design}) has {metric} {value}, "
                "missing it by {gap}"
            ).format(goal=_goal_name(c), design=closest.name, metric=metric_name(c.metric),
                     value=metric_value(c.metric, value, self.currency),
                     gap=_gap(closest.violations[c.label]))  # fmt: skip
            text += (
                _(", and misses {goals}").format(goals="; ".join(others))
                if others
                else _(" and meets every other goal")
            )
            rest = [
                e for e, m in zip(evs, met, strict=True)
                if all(m[j] for j in range(len(cons)) if j != k)
            ]  # fmt: skip
            if rest and others:
                best = min(rest, key=lambda e: e.violations[c.label])
                text += _(
                    "; among designs meeting every other goal the closest has {metric} {value} "
                    "(misses by {gap})"
                ).format(metric=metric_name(c.metric), gap=_gap(best.violations[c.label]),
                         value=metric_value(c.metric, best.metrics.get(c.metric, float("nan")),
                                            self.currency))  # fmt: skip
            elif not rest:
                text += _("; no screened design meets every other goal either")
            out.append(text)
        failed = [e for e in self.evaluations if e.error is not None]
        if failed:
            out.append(
                ngettext(
                    "{n} screened design could not be simulated, e.g. {design}: {error}",
                    "{n} screened designs could not be simulated, e.g. {design}: {error}",
                    len(failed),
                ).format(n=len(failed), design=failed[0].name, error=failed[0].error)
            )
        return out

    def explanation(self) -> str:
        """The outcome in words: the recommended design and its goals, or why none meets them."""
        rec = self.recommended
        obj = self.spec.objective.metric
        if rec is None:
            return _("The search found no design that could be simulated.")

        def value(ev: Evaluation) -> str:
            return metric_value(obj, ev.objective(self.spec), self.currency)

        head = _(
            "Recommended: {design}. {objective} {value} against {baseline} for the baseline "
            "and {base} for the search's base design ({draws} draws, the same random years "
            "for each)."
        ).format(design=rec.name, objective=metric_name(obj), value=value(rec),
                 baseline=value(self.baseline), base=value(self.base),
                 draws=i18n.number(rec.draws))  # fmt: skip
        if self.meets_goals:
            g = self.goals(rec)
            binding = ", ".join(_goal_name(c) for c, b in zip(self.spec.constraints, g["binds"],
                                                             strict=True) if b) or _("none")  # fmt: skip
            return (
                head
                + " "
                + _("It meets every goal. Goals that bind: {goals}.").format(goals=binding)
            )
        names = {c.label: _goal_name(c) for c in self.spec.constraints}
        missed = [_("{goal} (by {gap})").format(goal=names.get(k, k), gap=_gap(v))
                  for k, v in rec.violations.items() if v > 0]  # fmt: skip
        lines = [head + " " + _(
            "No design the search tried meets every goal; the closest misses {goals}."
        ).format(goals="; ".join(missed))]  # fmt: skip
        stop = "。" if i18n.is_chinese() else "."
        lines += [c.rstrip(".。") + stop for c in self.conflicts()]
        return " ".join(lines)

    def in_every_language(self) -> dict[str, dict[str, Any]]:
        """The explanation and the conflicts in each language simlib speaks (a search
        runs once; its page is read in any of them)."""
        out = {}
        for lang in i18n.LANGUAGES:
            with i18n.use(lang):
                out[lang] = {"explanation": self.explanation(), "conflicts": self.conflicts()}
        return out


def _goal_name(c: Any) -> str:
    """A goal as the page names it (its own name, else its metric and bounds in words)."""
    from simlib.search.figures import goal_name

    return goal_name({"goal": c.label, "metric": c.metric, "min": c.min, "max": c.max})


def _gap(v: float) -> str:
    """By how much a goal is missed (in the goal's own units, four significant digits)."""
    return f"{v:.4g}"


def metric_name(metric: str) -> str:
    """A metric as the search's page names it, in the language in force."""
    from simlib.search.figures import metric_name as name

    return name(metric)


def metric_value(metric: str, value: float, currency: str | None = None) -> str:
    """A metric's value as a reader reads it (money with its currency, shares in %)."""
    from simlib.search.figures import fmt

    return fmt(metric, value, currency)


class _Cache:
    """Evaluations by parameter values, so a design the optimiser revisits is not re-simulated."""

    def __init__(self, space: DesignSpace, evaluator: Evaluator, spec: SearchSpec,
                 mapper: Callable) -> None:  # fmt: skip
        self.space, self.evaluator, self.spec, self.mapper = space, evaluator, spec, mapper
        self.by_key: dict[tuple, Evaluation] = {}
        self.order: list[Evaluation] = []
        self.scale = 1.0

    @staticmethod
    def key(values: dict[str, Any]) -> tuple:
        return tuple(
            (k, round(v, 12) if isinstance(v, float) else str(v)) for k, v in values.items()
        )

    def remember(self, values: dict[str, Any], ev: Evaluation) -> None:
        """Record a design evaluated outside the optimiser (the base design)."""
        ev.name = self.space.name(values)
        self.by_key[self.key(values)] = ev
        self.order.append(ev)

    def evaluate_many(self, xs: Iterable[np.ndarray]) -> list[Evaluation]:
        vals = [self.space.values(x) for x in xs]
        todo: dict[tuple, dict] = {}
        for v in vals:
            k = self.key(v)
            if k not in self.by_key and k not in todo:
                todo[k] = v
        jobs = []
        for v in todo.values():
            name = self.space.name(v)
            try:
                design, error = self.space.apply(v, validate=True), None
            except (SpecError, ValueError, TypeError) as exc:
                design, error = None, str(exc)
            jobs.append((design, v, name, error))
        for (k, _v), ev in zip(todo.items(), self.mapper(self.evaluator, jobs), strict=True):
            self.by_key[k] = ev
            self.order.append(ev)
        return [self.by_key[self.key(v)] for v in vals]

    def fitness(self, x: np.ndarray) -> float:
        return fitness(self.spec, self.evaluate_many([x])[0], self.scale)

    def map(self, func: Callable, xs: Iterable[np.ndarray]) -> list[float]:
        """The ``workers`` map differential evolution calls once per generation.

        Simulates the generation's new designs together (in parallel where the
        mapper can), then lets ``func`` (the optimiser's wrapper of
        :meth:`fitness`) read each from the cache.
        """
        xs = list(xs)
        self.evaluate_many(xs)
        return [func(x) for x in xs]


def _local_map(evaluator: Evaluator, jobs: list[tuple]) -> list[Evaluation]:
    return [evaluator(*job) for job in jobs]


def _dask_map(address: str | None, n_workers: int):
    """A mapper running candidates on a Dask cluster (the scheduler at ``address``, or local)."""
    from distributed import Client

    from simlib.engine.backends import local_cluster

    state: dict[str, Any] = {}

    def mapper(evaluator: Evaluator, jobs: list[tuple]) -> list[Evaluation]:
        if "client" not in state:
            if address:
                state["client"] = Client(address)
            else:
                state["cluster"] = local_cluster(n_workers)
                state["client"] = Client(state["cluster"])
        client = state["client"]
        futures = [client.submit(evaluator, *job, pure=False) for job in jobs]
        return client.gather(futures)

    def close() -> None:
        if "client" in state:
            state["client"].close()
        if "cluster" in state:
            state["cluster"].close()

    mapper.close = close  # type: ignore[attr-defined]
    return mapper


def base_values(space: DesignSpace) -> dict[str, Any] | None:
    """The base design's own value of each parameter, when it lies in the space."""
    from simlib.scenario import get_path, parse_path

    out = {}
    for path in space.paths:
        p = space.spec.parameters[path]
        try:
            v = get_path(space.base_design, parse_path(path), "search")
        except (SpecError, ValueError):
            return None
        if p.choices is not None:
            from simlib.scenario.search_space import same_value

            hit = next((c for c in p.choices if same_value(c, v)), None)
            if hit is None and isinstance(v, int | float) and v >= 10.0:
                hit = next((c for c in p.choices if same_value(c, "none")), None)
            if hit is None:
                return None
            out[path] = hit
        elif isinstance(v, int | float) and p.low <= v <= p.high:
            if p.step is not None and not math.isclose(
                (v - p.low) / p.step, round((v - p.low) / p.step), abs_tol=1e-9
            ):
                return None
            out[path] = v
        else:
            return None
    return out


def run_search(
    scenario: Any,
    spec: SearchSpec | None = None,
    progress: Callable[[str], None] | None = None,
) -> SearchResult:
    """Search the design space of a scenario file's ``search:`` section.

    1. The baseline and the search's base design are simulated at screening draws
       (the yardsticks: group pay for ``pay_change``, reps' certainty equivalent for
       ``participation``, the objective's scale).
    2. Differential evolution (seeded, ``updating="deferred"`` so a generation is
       evaluated at once and the result does not depend on the backend) screens
       designs at ``screening.draws``; every candidate uses the base's seed
       (common random numbers). The base design starts in the population.
    3. The best feasible designs and the frontier points are re-simulated at full
       draws (same seed); the best of them meeting every goal is recommended.
    4. Sensitivity: each parameter moved alone from the recommended design.

    Parameters
    ----------
    scenario : Scenario
        A scenario file's baseline (``Scenario.from_yaml``) with a ``search`` section,
        or any scenario of it when ``spec`` is given.
    spec : SearchSpec, optional
        Overrides the file's section.
    progress : callable, optional
        Called with a line of text at each stage.
    """
    from scipy.optimize import differential_evolution

    spec = spec or getattr(scenario, "search", None)
    if spec is None:
        raise SearchError(
            _("{scenario}: the scenario file has no search: section").format(scenario=scenario.name)
        )
    members = scenario.members or {scenario.name: scenario}
    check_space(spec, members)
    base_sc = members[spec.base]
    baseline_sc = members.get("baseline", base_sc)
    settings = base_sc.settings
    say = progress or (lambda _msg: None)
    started = time.perf_counter()

    space = DesignSpace(spec, base_sc.design)
    if settings.backend == "dask":
        mapper = _dask_map(settings.address, settings.n_workers)
    else:
        mapper = _local_map
    screen = Evaluator(spec, baseline_sc.design, spec.screening.draws)
    full_draws = spec.confirmation.draws or settings.draws
    full = Evaluator(spec, baseline_sc.design, full_draws, keep=True, reuse=False)
    try:
        say(
            _("simulating the baseline and the base design at {draws} draws").format(
                draws=spec.screening.draws
            )
        )
        bv = base_values(space)
        _refs, base_screen = screen.references(base_sc.design, bv or {}, spec.base)
        if base_screen.error is not None:
            # Every candidate would fail the same way: say so now, not after the search.
            raise SearchError(
                _("search: the base design {base} cannot be judged: {error}").format(
                    base=repr(spec.base), error=base_screen.error
                )
            )
        cache = _Cache(space, screen, spec, mapper)
        if bv is not None:
            # The base design starts in the population: its screening run is this one.
            cache.remember(bv, base_screen)
        obj0 = base_screen.objective(spec)
        cache.scale = abs(obj0) if np.isfinite(obj0) and abs(obj0) > 0 else 1.0
        seed = spec.optimizer.seed if spec.optimizer.seed is not None else settings.seed
        x0 = space.point(bv) if bv is not None else None
        say(
            _(
                "differential evolution: {generations} generations of {n} designs, seed {seed}"
            ).format(
                generations=spec.optimizer.generations,
                n=spec.optimizer.population * len(space.paths),
                seed=seed,
            )
        )
        de = differential_evolution(
            cache.fitness,
            space.bounds,
            seed=seed,
            maxiter=spec.optimizer.generations,
            popsize=spec.optimizer.population,
            tol=spec.optimizer.tol,
            mutation=spec.optimizer.mutation,
            recombination=spec.optimizer.recombination,
            polish=spec.optimizer.polish and not space.integrality.any(),
            integrality=space.integrality if space.integrality.any() else None,
            updating="deferred",
            workers=cache.map,
            x0=x0,
            init="latinhypercube",
        )
        evaluations = list(cache.order)
        say(
            _("screened {n} designs; confirming the best at {draws} draws").format(
                n=len(evaluations), draws=full_draws
            )
        )

        frontier_mask = _frontier_mask(spec, evaluations)
        chosen = _final_set(spec, evaluations, frontier_mask, cache.scale)
        baseline_full, base_full = full.references(base_sc.design, bv or {}, spec.base)
        confirmed = [full(space.apply(e.values), e.values, e.name) for e in chosen]
        confirmed.sort(key=lambda e: fitness(spec, e, cache.scale))
        recommended = confirmed[0] if confirmed else None
        frontier = _frontier_table(spec, space, evaluations, frontier_mask, confirmed)
        sens = (
            _sensitivity(spec, space, cache, recommended)
            if recommended is not None and recommended.values
            else pd.DataFrame()
        )
    finally:
        close = getattr(mapper, "close", None)
        if close is not None:
            close()
    result = SearchResult(
        spec=spec,
        space=space,
        evaluations=evaluations,
        confirmed=confirmed,
        recommended=recommended,
        baseline=baseline_full,
        base=base_full,
        frontier=frontier,
        sensitivity=sens,
        base_values=bv,
        currency=_currency(scenario),
        settings={
            "seed": seed,
            "simulation_seed": settings.seed,
            "screening_draws": spec.screening.draws,
            "confirmation_draws": full_draws,
            "generations": spec.optimizer.generations,
            "population": spec.optimizer.population * len(space.paths),
            "optimizer": "scipy.optimize.differential_evolution",
            "optimizer_message": str(de.message),
            "evaluations": len(evaluations),
            "confirmed": len(confirmed),
            "backend": settings.backend,
            "seconds": round(time.perf_counter() - started, 2),
        },
    )
    return result


def _currency(scenario: Any) -> str | None:
    from simlib.scenario import BASELINE
    from simlib.vocabulary import design_currency

    members = getattr(scenario, "members", {}) or {}
    base = members.get(BASELINE, scenario)
    return design_currency(getattr(base, "design", None))


def _axes(spec: SearchSpec) -> list[tuple[str, int]]:
    out = [(spec.objective.metric, spec.objective.sense)]
    for k, d in spec.frontier.items():
        if k != spec.objective.metric:
            out.append((k, 1 if d == "max" else -1))
    return out


def _frontier_mask(spec: SearchSpec, evaluations: Sequence[Evaluation]) -> np.ndarray:
    """Non-dominated among designs meeting every goal (all designs when none does)."""
    axes = _axes(spec)
    if not evaluations:
        return np.zeros(0, dtype=bool)
    v = np.array([[e.metrics.get(k, np.nan) for k, _ in axes] for e in evaluations])
    ok = np.array([e.feasible for e in evaluations])
    pool = ok if ok.any() else np.array([e.error is None for e in evaluations])
    mask = np.zeros(len(evaluations), dtype=bool)
    if pool.any():
        mask[np.flatnonzero(pool)] = non_dominated(v[pool], [s for _, s in axes])
    return mask


def _final_set(spec: SearchSpec, evaluations, mask, scale) -> list[Evaluation]:
    """The designs confirmed at full draws: the best by fitness, then frontier points."""
    n = spec.confirmation.designs
    ranked = sorted(range(len(evaluations)), key=lambda i: fitness(spec, evaluations[i], scale))
    chosen: list[int] = ranked[: max(1, n // 2)]
    front = [i for i in ranked if mask[i] and i not in chosen]
    chosen += front[: n - len(chosen)]
    chosen += [i for i in ranked if i not in chosen][: n - len(chosen)]
    return [evaluations[i] for i in chosen if evaluations[i].error is None]


def _frontier_table(spec, space, evaluations, mask, confirmed) -> pd.DataFrame:
    confirmed_names = {e.name: e for e in confirmed}
    rows = []
    for ev, on in zip(evaluations, mask, strict=True):
        if not on:
            continue
        row: dict[str, Any] = {"design": ev.name}
        for path, label in zip(space.paths, space.labels, strict=True):
            row[label] = ev.values.get(path)
        for k, _sense in _axes(spec):
            row[k] = ev.metrics.get(k, np.nan)
        for c in spec.constraints:
            row[c.label] = "met" if ev.violations.get(c.label, 1) == 0 else "missed"
        row["meets_goals"] = ev.feasible
        row["confirmed"] = ev.name in confirmed_names
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values(spec.objective.metric, ascending=spec.objective.sense < 0)
    return out.reset_index(drop=True)


def _sensitivity(spec, space, cache: _Cache, rec: Evaluation, points: int = 5) -> pd.DataFrame:
    """The objective as each parameter moves alone across its range (screening draws)."""
    x_rec = space.point(rec.values)
    rows = []
    for i, (path, label) in enumerate(zip(space.paths, space.labels, strict=True)):
        if space.integrality[i]:
            grid = np.arange(space.lower[i], space.upper[i] + 1)
            if len(grid) > 2 * points:
                grid = np.unique(np.round(np.linspace(space.lower[i], space.upper[i], points)))
        else:
            grid = np.linspace(space.lower[i], space.upper[i], points)
        grid = np.unique(np.r_[grid, x_rec[i]])
        xs = []
        for g in grid:
            x = x_rec.copy()
            x[i] = g
            xs.append(x)
        for x, ev in zip(xs, cache.evaluate_many(xs), strict=True):
            rows.append(
                {
                    "parameter": label,
                    "value": ev.values[path],
                    "objective": ev.objective(spec),
                    "meets_goals": ev.feasible,
                    "shortfall": scaled_violation(spec, ev),
                    "at_recommended": bool(np.isclose(x[i], x_rec[i])),
                }
            )
    return pd.DataFrame(rows)


__all__ = ["SearchError", "SearchResult", "run_search"]

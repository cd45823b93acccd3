"""``simulate``: many possible years of one design, reduced to distributions.

The entry point over the engine's parts: the run's settings
(:mod:`simlib.engine.settings`), the set-up of everything that does not depend on
the draw (:mod:`simlib.engine.setup`), the chunk kernel that computes a chunk of
draws (:mod:`simlib.engine.kernel`), the backend that runs the chunks
(:mod:`simlib.engine.backends`), the reduction that adds them up
(:mod:`simlib.engine.reduce`) and the result (:mod:`simlib.engine.result`).

Draws run in chunks so memory stays flat as draws grow. Each draw has its own
random generator spawned from one ``SeedSequence``, per-draw aggregates are
computed inside the draw, and per-rep summaries are accumulated exactly (fixed
point) or by fixed-bin histograms, so the same seed gives bit-identical results
whatever the chunk size, worker count or backend.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from simlib.data.dataset import Dataset
from simlib.data.io import release_unused_memory
from simlib.data.tenure import tenure_band
from simlib.engine.backends import run_dask, run_local
from simlib.engine.expected import Turnover, annual_turnover, expected_sales
from simlib.engine.kernel import (
    ATTAINMENT_BINS,
    LOG_PAY_BINS,
    PAY_SUM,
    POPULATION_BINS,
    RATIO_SUM,
    ChunkKernel,
)
from simlib.engine.reduce import reduce_stream
from simlib.engine.result import SimulationResult
from simlib.engine.sales import BootstrapSales, ParametricSales
from simlib.engine.seeds import chunks
from simlib.engine.settings import PARAMETRIC_OPTIONS, ModelOptions, RunSettings, SimulationError
from simlib.engine.setup import (
    REP_COLUMNS,
    Design,
    Setup,
    SetupCache,
    annual_sigma,
    load_plan,
    prepare,
)
from simlib.errors import SimlibWarning
from simlib.i18n import _

#: Names kept importable from this module.
_annual_sigma = annual_sigma
_tenure_band = tenure_band
__all__ = [
    "ATTAINMENT_BINS",
    "LOG_PAY_BINS",
    "PARAMETRIC_OPTIONS",
    "PAY_SUM",
    "POPULATION_BINS",
    "RATIO_SUM",
    "REP_COLUMNS",
    "SimulationError",
    "SimulationResult",
    "Turnover",
    "annual_turnover",
    "arguments",
    "expected_sales",
    "load_plan",
    "run",
    "simulate",
]


def simulate(
    scenario: Any = None,
    *,
    ds: Dataset | None = None,
    plan: Any = None,
    targets: pd.DataFrame | None = None,
    year: int | None = None,
    sales: str | Any = "parametric",
    sales_options: Mapping[str, Any] | None = None,
    expected: str = "history",
    growth: float | Mapping[str, float] | None = None,
    appraisal: Any = None,
    merit: Any = None,
    pip_floor: float | None = None,
    promotion_grade: str | None = None,
    budget: float | None = None,
    groupings: Sequence[str] | None = None,
    behavior: Any = None,
    behavior_reference: Any = None,
    turnover: float | str | None = None,
    vacancy_months: int = 1,
    ramp_months: int = 4,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    backend: str | None = None,
    address: str | None = None,
    n_workers: int | None = None,
    threads: int | None = None,
    progress: bool | None = None,
    keep_cube: bool | None = None,
    name: str | None = None,
    data_checks: Any = None,
) -> SimulationResult:
    """Simulate one design over ``draws`` possible years.

    Parameters
    ----------
    scenario : Scenario, optional
        A scenario (see :mod:`simlib.scenario`) supplying every part below;
        keyword arguments given here override its simulation settings.
    ds : Dataset
        History (sales, reps, hierarchy, KPI rules).
    plan : Plan or dict or path
        The incentive plan; its ``positions`` select the reps simulated.
    targets : pandas.DataFrame, optional
        Rep-level monthly targets (``rep_id, period, kpi, target``), e.g. from
        :func:`simlib.targets.cascade`; default ``ds.targets``.
    year : int, optional
        The plan year simulated; default the last year with targets.
    sales : {"parametric", "bootstrap"} or a sales model
        How uncertainty is drawn (see :mod:`simlib.engine.sales`).
        ``sales_options`` go to the model: for ``parametric`` explicit
        ``sigma_rep``, ``sigma_company``, ``sigma_region``, ``sigma_month``,
        ``kpi_correlation`` (else estimated from history); for ``bootstrap``
        ``block`` ("month", "quarter" (default), "year").
    expected : {"history", "target"}
        What sales are centred on: each rep's history-based forecast, or the
        target (see :func:`expected_sales`). ``growth`` adjusts the forecast.
    appraisal : Scorecard or dict or path, optional
        Appraisal scheme: rates every rep every draw; a scorecard component of the
        plan reads the resulting performance coefficient.
    merit : MeritMatrix or dict, optional
        Merit matrix; its cost at the matrix is reported per draw.
    pip_floor : float, optional
        Improvement-plan flag also for quota-KPI attainment under this level.
    promotion_grade : str, optional
        A rep is promotion-ready in a draw when rated at or above this grade
        (default: the top grade on scales of three grades or fewer, the second
        best on longer scales) this year and in the last real appraisal
        (the year before, from history): two consecutive periods, the common
        career-ladder rule (5 CFR 335.104: at least "fully successful").
    budget : float, optional
        Incentive budget (currency); default the population's target incentive
        (what the plan costs when everyone is exactly at target). A plan without
        a target incentive (pure commission) has no default: budget metrics are
        then NaN unless a budget is given.
    groupings : sequence of str, optional
        Rep groups for equity metrics: ``region``, ``tenure`` or any ``reps``
        column (``gender`` ...). Default: region, tenure and gender when the
        dataset has it; a name that is neither is an error.
    turnover : float or "history", optional
        Switch on attrition and replacement hires (see :class:`Turnover`): an
        annual rate, or ``"history"`` for the rate in the dataset's last 12
        months before the simulated year. ``vacancy_months`` and ``ramp_months``
        shape the replacement.
    behavior : str, dict, list or callable, optional
        How reps respond to the plan (see :mod:`simlib.behavior`): a model name
        (``"effort"``), a spec dict (``{"model": "timing", "window": 1, "share":
        0.3}``) or a list of them applied in order. ``None`` or ``"none"`` is
        mechanical replay and leaves results bit-identical. A plain callable
        ``f(sales (n, R, T, K), work) -> sales`` is also accepted. Only reps the
        plan pays respond; reps simulated for a team total keep their sales.
    behavior_reference : Plan or dict or path, optional
        The plan in force when the history was earned (a scenario passes its
        baseline plan). ``effort`` and ``elasticity`` respond to the change of
        incentive from it: simulating the reference plan itself replays history
        unchanged. Same as ``reference_plan`` in a behaviour spec (give one).
    draws, seed : int
        Number of simulated years (default 1000, at most
        :data:`simlib.limits.MAX_DRAWS`) and the run's seed (0 to 2**63-1,
        default 1).
    chunk_size : int, optional
        Draws per chunk (default: about 64 MB of working arrays per chunk).
    backend : {"local", "dask"}
        ``local`` runs chunks in this process on ``threads`` threads (default:
        up to 2, the cores there are); ``dask`` runs on the cluster at
        ``address`` or a ``LocalCluster`` of ``n_workers`` started for the run,
        each worker holding one partition of whole units of the population
        (see ``docs/scale.md``); the results are the local run's, bit for bit.
    progress : bool, optional
        Progress bar (default: only on a terminal).
    keep_cube : bool
        Also return the raw sales and pay arrays (small runs only).
    data_checks : DataChecks or mapping, optional
        The data checks' rules (a scenario's ``data_checks``) or their findings
        (:mod:`simlib.data.checks`). Every run checks the data's coverage: findings
        a rule makes errors stop it, the others are warned about and stored as
        ``provenance["caveats"]``.
    """
    if scenario is not None:
        return _of_scenario(
            scenario, draws=draws, seed=seed, chunk_size=chunk_size, backend=backend,
            address=address, n_workers=n_workers, threads=threads, progress=progress,
            keep_cube=keep_cube,
        )  # fmt: skip
    return run(*arguments(
        ds=ds, plan=plan, targets=targets, year=year, sales=sales, sales_options=sales_options,
        expected=expected, growth=growth, appraisal=appraisal, merit=merit, pip_floor=pip_floor,
        promotion_grade=promotion_grade, budget=budget, groupings=groupings, behavior=behavior,
        behavior_reference=behavior_reference, turnover=turnover, vacancy_months=vacancy_months,
        ramp_months=ramp_months, draws=draws, seed=seed, chunk_size=chunk_size, backend=backend,
        address=address, n_workers=n_workers, threads=threads, progress=progress,
        keep_cube=keep_cube, name=name, data_checks=data_checks,
    ))  # fmt: skip


def arguments(**kwargs: Any) -> tuple[Design, RunSettings, ModelOptions]:
    """:func:`simulate`'s keyword arguments as what :func:`run` takes: the design, the
    run's settings and the model's options (bad values raise :class:`SimulationError`)."""
    if kwargs.get("ds") is None or kwargs.get("plan") is None:
        raise SimulationError(_("simulate needs ds= and plan= (or a scenario)"))
    settings = RunSettings.of(**{k: kwargs.pop(k, None) for k in RunSettings.model_fields})
    options = ModelOptions.of(
        **{k: kwargs.pop(k) for k in ModelOptions.model_fields if k in kwargs}
    )
    return Design(**kwargs), settings, options


def _of_scenario(scenario: Any, **overrides: Any) -> SimulationResult:
    """A scenario's own simulation, with the run settings given here overriding its own."""
    if not hasattr(scenario, "simulation_kwargs"):
        raise TypeError(_("scenario: expected a simlib.Scenario"))
    kwargs = dict(scenario.simulation_kwargs())
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return simulate(**kwargs)


def run(
    design: Design,
    settings: RunSettings,
    options: ModelOptions | None = None,
    cache: SetupCache | None = None,
) -> SimulationResult:
    """Simulate ``design`` as ``settings`` say: set up, run the chunks, reduce.

    ``cache`` keeps the set-up parts that do not depend on the plan for the next
    design (see :class:`~simlib.engine.cache.SetupCache`)."""
    options = ModelOptions() if options is None else options
    started, started_cpu = time.perf_counter(), time.thread_time()
    setup = prepare(design, settings, options, cache)
    # The set-up's intermediates are freed when it returns (the year's target rows,
    # Arrow text among them, unless a cache keeps them for the next design): handed
    # back before the draws take their share.
    release_unused_memory()
    stream = _stream(setup, settings)
    set_up, set_up_cpu = time.perf_counter() - started, time.thread_time() - started_cpu
    result = reduce_stream(stream, setup.work, setup.layout, setup.reps, settings.draws)
    phases = {"set-up and fitting": set_up, **result.phase_seconds}
    result.phase_seconds = {k: v for k, v in phases.items() if not k.startswith("cpu:")}
    result.phase_cpu_seconds = {
        "set-up and fitting": set_up_cpu,
        **{k[4:]: v for k, v in phases.items() if k.startswith("cpu:")},
    }
    result.name = design.name or setup.plan.name
    result.provenance = setup.provenance(design, settings, result.name)
    result.seconds = time.perf_counter() - started
    return result


def _stream(setup: Setup, settings: RunSettings) -> Iterator[tuple[tuple[int, int], Any]]:
    """The chunks' results in draw order, from the backend the settings name."""
    work = setup.work
    ranges = chunks(settings.draws, settings.chunk_for(setup.layout.shape))
    if settings.backend == "local":
        return run_local(work, ranges, progress=settings.progress, threads=settings.thread_count())
    return run_dask(
        work, ranges, address=settings.address, n_workers=settings.n_workers,
        progress=settings.progress, partitioner=_partitioner(work),
    )  # fmt: skip


def _partitioner(work: ChunkKernel) -> Callable[[int], Any] | None:
    """How the ``dask`` backend splits ``work`` into partitions of whole units (see
    :mod:`simlib.engine.partition`); ``None`` when it cannot, with a warning."""
    from simlib.engine import partition as pt

    if work.behavior is not None or not isinstance(
        work.sales_model, (ParametricSales, BootstrapSales)
    ):
        warnings.warn(
            _(
                "backend='dask': this design (a behaviour model or a custom sales model) is "
                "not split into partitions of the population; every worker holds all reps"
            ),
            SimlibWarning,
            stacklevel=3,
        )
        return None

    def split(n_workers: int) -> pt.Split:
        return pt.Split(work, pt.unit_partitions(work, n_workers))

    return split

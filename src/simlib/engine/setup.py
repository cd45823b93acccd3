"""The set-up of a simulation: everything that does not depend on the draw.

From a :class:`Design` (dataset, plan, targets, appraisal, outcomes, behaviour) the
set-up finds the population simulated and paid, lays the targets on a (reps,
months, KPIs) grid, fits the sales model, prepares the plan and the appraisal and
binds the behaviour model, and packs it all into the :class:`ChunkKernel` that
every chunk of draws runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.data.tenure import tenure_band
from simlib.engine.cache import SetupCache, file_key, fingerprint
from simlib.engine.expected import Turnover, annual_turnover, expected_sales
from simlib.engine.kernel import ChunkKernel
from simlib.engine.sales import BootstrapSales, Layout, ParametricSales
from simlib.engine.settings import (
    PARAMETRIC_OPTIONS,
    ModelOptions,
    RunSettings,
    SimulationError,
)
from simlib.errors import SimlibError
from simlib.i18n import _

REP_COLUMNS = ("rep_id", "unit_id", "position", "hire_date", "exit_date", "base_salary", "grade")


@dataclass(frozen=True)
class Design:
    """What is simulated (see :func:`simlib.simulate` for each field)."""

    ds: Dataset
    plan: Any
    targets: pd.DataFrame | None = None
    year: int | None = None
    sales: str | Any = "parametric"
    sales_options: Mapping[str, Any] | None = None
    expected: str = "history"
    appraisal: Any = None
    merit: Any = None
    pip_floor: float | None = None
    promotion_grade: str | None = None
    groupings: Sequence[str] | None = None
    behavior: Any = None
    behavior_reference: Any = None
    name: str | None = None
    data_checks: Any = None


@dataclass
class Setup:
    """The prepared simulation: the kernel and what the result's provenance reports."""

    work: ChunkKernel
    layout: Layout
    reps: pd.DataFrame
    plan: Any
    year: int
    model: Any
    checks: Any
    primary_kpi: str
    threshold: float
    cap: float | None
    behavior_spec: Any = None
    reference: Any = None

    def provenance(self, design: Design, settings: RunSettings, name: str) -> dict[str, Any]:
        """Seed, draws, data hash, package version, settings: what makes the result
        recomputable."""
        from simlib import code_version
        from simlib.plans import Plan

        work, model, ds = self.work, self.model, design.ds
        out = {
            "scenario": name,
            "plan": self.plan.name,
            "year": self.year,
            "draws": settings.draws,
            "seed": settings.seed,
            "sales_model": type(model).__name__,
            "expected": design.expected,
            "data_hash": ds.content_hash(),
            "data_source": ds.source,
            "simlib_version": code_version(),
            "budget": work.budget,
            "target_incentive_total": float(work.target_incentive.sum()),
            "reps": len(self.reps),
            "primary_kpi": self.primary_kpi,
            "turnover": work.turnover.annual if work.turnover is not None else None,
            "threshold": self.threshold,
            "cap": self.cap,
            "caveats": self.checks.records(),
        }
        if self.behavior_spec is not None:
            out["behavior"] = [b.model_dump() for b in self.behavior_spec.models]
            ref = self.reference
            if ref is not None:
                out["behavior_reference"] = (
                    ref.name if isinstance(ref, Plan) else
                    ref.get("name") if isinstance(ref, Mapping) else str(ref)
                )  # fmt: skip
            if work.behavior is not None:
                out["behavior_summary"] = work.behavior.summary()
        if isinstance(model, ParametricSales) and model.fitted:
            out["sales_fit"] = {
                k: np.asarray(v).round(4).tolist()
                for k, v in model.fitted.items()
                if k.startswith("sigma_")
            }
        return out


def prepare(
    design: Design,
    settings: RunSettings,
    options: ModelOptions,
    cache: SetupCache | None = None,
) -> Setup:
    """Everything a run needs before its first draw (see the module's description).

    With ``cache``, the parts that do not depend on the plan are taken from it when
    an earlier design computed them from the same inputs (see :class:`SetupCache`).
    """
    ds = design.ds
    plan = load_plan(design.plan, ds)

    def reuse(kind: str, key: tuple, build: Callable[[], Any]) -> Any:
        return build() if cache is None else cache.get(kind, key, build)

    target_key = (ds, fingerprint(design.targets) if cache is not None else None, design.year)
    tg, year, periods = reuse(
        "target rows", target_key, lambda: _target_rows(ds, design.targets, design.year)
    )
    checks = _data_checks(design, year)
    reps = _population(ds, plan, tg, year)
    kpis = ds.kpi_names
    rep_ids = reps["rep_id"].to_numpy()

    def grid() -> tuple[Any, ...]:
        layout = Layout.from_dataset(ds, periods, rep_ids=rep_ids, kpis=kpis)
        target_arr = _target_array(layout, tg, periods, kpis)
        exp, level, exposure = expected_sales(
            ds, layout, target_arr, basis=design.expected, growth=options.growth
        )
        return layout, target_arr, exp, level, exposure

    grid_key = (*target_key, rep_ids, design.expected, options.growth)
    layout, target_arr, exp, level, exposure = reuse("grid", grid_key, grid)
    model = (
        reuse(
            "sales model",
            (*grid_key, design.sales, dict(design.sales_options or {})),
            lambda: _sales_model(design, layout, periods, exp, level, exposure),
        )
        if isinstance(design.sales, str)
        else design.sales
    )
    pp = _plan_parts(ds, plan, reps, periods, kpis)
    region_codes, region_labels, group_map = reuse(
        "groupings",
        (*grid_key, pp["paid"], design.groupings),
        lambda: _groupings(ds, reps, pp["reps_paid"], periods, design.groupings),
    )
    rules = pp["rules"]
    weight_col = (
        rules["weight_kpi"]
        if "weight_kpi" in rules.columns
        else pd.Series(pd.NA, index=rules.index)
    )
    weight_of = np.array(
        [kpis.index(w) if isinstance(w, str) and w in kpis else -1 for w in weight_col.tolist()]
    )

    def appraisal_parts() -> dict[str, Any]:
        return _appraisal_parts(
            design, plan, pp["reps_paid"], pp["paid"], target_arr, year, periods
        )

    # Without an appraisal the parts are empty, and refusing a rated plan needs the plan.
    ap = (
        appraisal_parts()
        if design.appraisal is None or cache is None
        else cache.get(
            "appraisal",
            (
                *grid_key,
                pp["paid"],
                file_key(design.appraisal),
                file_key(design.merit),
                design.promotion_grade,
            ),
            appraisal_parts,
        )
    )
    ti = pp["ti"]
    work = ChunkKernel(
        seed=settings.seed,
        sales_model=model,
        kpis=tuple(kpis),
        targets=target_arr,
        plan=pp["prep"],
        scorecard=ap["scorecard"],
        scorecard_kpis=ap["sc_kpis"],
        primary=kpis.index(pp["primary_kpi"]),
        revenue=kpis.index(pp["currency"][0]),
        summed=pp["summed"],
        lower=pp["lower"],
        target_incentive=ti,
        base_salary=pp["base"],
        threshold=pp["threshold"],
        cap=pp["cap"],
        budget=float(options.budget) if options.budget is not None else float(ti.sum()),
        groupings=group_map,
        region_codes=region_codes.astype(np.int64),
        region_labels=[str(x) for x in region_labels],
        merit=ap["merit_parts"],
        pip_floor=design.pip_floor,
        grade_names=ap["grade_names"],
        behavior=None,
        keep_cube=settings.keep_cube,
        paid=pp["paid"],
        weight_of=weight_of,
        promotion_grade=ap["promo"],
        prior_grade=ap["prior_grade"],
        rated=ap["rated"],
    )
    behavior_spec, ref_src = _bind_behavior(work, design, plan, pp, reps, periods, exp, model)
    if options.turnover is not None:
        rate = (
            annual_turnover(ds, pd.period_range(periods[0] - 12, periods[0] - 1, freq="M"))
            if options.turnover == "history"
            else float(options.turnover)
        )
        work.turnover = Turnover(
            rate,
            len(reps),
            len(periods),
            options.vacancy_months,
            options.ramp_months,
            roster=layout.roster,
            roster_size=layout.roster_size,
        )
        work.is_rate = layout.is_rate
    return Setup(
        work=work,
        layout=layout,
        reps=reps,
        plan=plan,
        year=year,
        model=model,
        checks=checks,
        primary_kpi=pp["primary_kpi"],
        threshold=pp["threshold"],
        cap=pp["cap"],
        behavior_spec=behavior_spec,
        reference=ref_src,
    )


def _target_rows(
    ds: Dataset, targets: pd.DataFrame | None, year: int | None
) -> tuple[pd.DataFrame, int, pd.PeriodIndex]:
    """The target rows of the simulated year, the year and its months."""
    tg = ds.targets if targets is None else targets
    if tg is None:
        raise SimulationError(
            _(
                "no targets: pass targets= (e.g. from simlib.targets.cascade) or use a dataset "
                "with a targets table"
            )
        )
    missing_cols = [c for c in ("rep_id", "period", "kpi", "target") if c not in tg.columns]
    if missing_cols:
        raise SimulationError(
            _("targets: missing column(s) {missing}; expected rep_id, period, kpi, target").format(
                missing=missing_cols
            )
        )
    tg = tg.loc[tg["rep_id"].notna()]
    unknown_kpis = sorted(set(map(str, tg["kpi"].unique())) - set(ds.kpi_names))
    if unknown_kpis:
        raise SimulationError(
            _("targets: unknown KPI(s) {unknown}; the dataset's KPIs are {kpis}").format(
                unknown=unknown_kpis, kpis=ds.kpi_names
            )
        )
    periods_all = pd.PeriodIndex(tg["period"])
    year = int(periods_all.year.max()) if year is None else int(year)
    periods = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    tg = tg.loc[periods_all.year == year]
    if tg.empty:
        raise SimulationError(_("targets: no rows for {year}").format(year=year))
    return tg, year, periods


def _data_checks(design: Design, year: int) -> Any:
    """The data checks' findings: errors stop the run, warnings are emitted."""
    from simlib.data.checks import DataChecks, check_dataset

    dc = design.data_checks
    checks = (
        dc
        if isinstance(dc, DataChecks)
        else check_dataset(design.ds, targets=design.targets, year=year, settings=dc)
    )
    checks.raise_errors(design.name or "")
    # Without the design's name: designs on one dataset share their findings, and
    # Python shows a repeated warning once.
    checks.emit(stacklevel=2)
    return checks


def _population(ds: Dataset, plan: Any, tg: pd.DataFrame, year: int) -> pd.DataFrame:
    """The reps simulated: those with targets the plan covers, or, when a team
    component measures whole units, everyone in them (the plan pays only its reps)."""
    reps = ds.reps.loc[ds.reps["rep_id"].isin(tg["rep_id"].unique())].reset_index(drop=True)
    covered = np.asarray(plan.covers(reps), dtype=bool)
    if not covered.any():
        raise SimulationError(
            _(
                "plan {plan!r}: no reps with targets in {year} hold its positions {positions}"
            ).format(plan=plan.name, year=year, positions=plan.spec.positions)
        )
    if not any(c.sums_over_units for c in plan.components):
        reps = reps.loc[covered].reset_index(drop=True)
    return reps


def _target_array(
    layout: Layout, tg: pd.DataFrame, periods: pd.PeriodIndex, kpis: list[str]
) -> np.ndarray:
    """Targets on the (reps, months, KPIs) grid; NaN where there is none."""
    r_idx = pd.Index(layout.rep_ids).get_indexer(tg["rep_id"])
    t_idx = periods.get_indexer(pd.PeriodIndex(tg["period"]))
    k_idx = pd.Index(kpis).get_indexer(tg["kpi"])
    keep = (r_idx >= 0) & (t_idx >= 0) & (k_idx >= 0)
    target_arr = np.full(layout.shape, np.nan)
    target_arr[r_idx[keep], t_idx[keep], k_idx[keep]] = tg["target"].to_numpy(float)[keep]
    return target_arr


def _sales_model(
    design: Design,
    layout: Layout,
    periods: pd.PeriodIndex,
    exp: np.ndarray,
    level: np.ndarray,
    exposure: np.ndarray,
) -> Any:
    """The sales model: given, or ``parametric`` / ``bootstrap`` fitted on the history
    before the simulated year."""
    ds, sales = design.ds, design.sales
    if not isinstance(sales, str):
        return sales
    opts = dict(design.sales_options or {})
    history = ds.periods[ds.periods < periods[0]]
    if sales == "parametric":
        explicit = {k: opts.pop(k) for k in list(opts) if k in PARAMETRIC_OPTIONS}
        if opts:
            raise SimulationError(
                _("sales_options: unknown option(s) {options} for the parametric model").format(
                    options=sorted(opts)
                )
            )
        if explicit:
            return ParametricSales(layout, exp, **explicit)
        return ParametricSales.fit(ds, layout, exp, history=history)
    if sales == "bootstrap":
        block = opts.pop("block", "quarter")
        if opts:
            raise SimulationError(
                _("sales_options: unknown option(s) {options} for the bootstrap").format(
                    options=sorted(opts)
                )
            )
        return BootstrapSales.fit(
            ds, layout, level, block=block, history=history, exposure=exposure
        )
    raise SimulationError(
        _("sales: expected 'parametric', 'bootstrap' or a model, got {sales!r}").format(sales=sales)
    )


def _plan_parts(
    ds: Dataset, plan: Any, reps: pd.DataFrame, periods: pd.PeriodIndex, kpis: list[str]
) -> dict[str, Any]:
    """The prepared plan, who it pays, their prorated target incentive and base
    salary, the KPI rules and the quota KPI with its threshold and cap."""
    prep = plan.prepare(reps, periods, ds=ds)
    paid = np.flatnonzero(prep.paid)
    reps_paid = reps.iloc[paid].reset_index(drop=True)
    employed_share = prep.prorate.mean(axis=1)[paid]
    ti = prep.target_incentive[paid] * employed_share
    base = reps_paid["base_salary"].to_numpy(float) * employed_share
    rules = ds.kpis.set_index("kpi").loc[kpis]
    quota_like = [c for c in plan.components if c.pays_on_quota]
    primary_kpi = quota_like[0].kpi if quota_like else None
    primary_curve = plan.curve(quota_like[0].name) if quota_like else None
    if primary_kpi is None:
        primary_kpi = next(k for k in kpis if rules.loc[k, "unit"] == "currency")
    currency = [k for k in kpis if rules.loc[k, "unit"] == "currency"]
    if not currency:
        raise SimulationError(_("cost of sales needs a currency KPI (unit 'currency') in ds.kpis"))
    return {
        "prep": prep,
        "paid": paid,
        "reps_paid": reps_paid,
        "ti": ti,
        "base": base,
        "rules": rules,
        "summed": (rules["aggregation"] != "mean").to_numpy(),
        "lower": (rules["direction"] == "lower").to_numpy(),
        "primary_kpi": primary_kpi,
        "currency": currency,
        "threshold": primary_curve.threshold if primary_curve is not None else 1.0,
        "cap": primary_curve.cap if primary_curve is not None else None,
    }


def _groupings(
    ds: Dataset,
    reps: pd.DataFrame,
    reps_paid: pd.DataFrame,
    periods: pd.PeriodIndex,
    groupings: Sequence[str] | None,
) -> tuple[np.ndarray, Any, dict[str, tuple[np.ndarray, list[str]]]]:
    """Region codes and labels of the paid reps, and the equity groupings."""
    from simlib.data.org import Hierarchy

    h = Hierarchy.of(ds)
    region_level = h.levels[1] if len(h.levels) > 1 else h.levels[0]
    region_ids = pd.Series(h.rep_unit_at(reps_paid, region_level).to_numpy()).fillna(h.root)
    region_codes, region_labels = pd.factorize(region_ids, sort=True)
    group_map: dict[str, tuple[np.ndarray, list[str]]] = {}
    if groupings is None:
        groupings = ["region", "tenure"] + (["gender"] if "gender" in reps.columns else [])
    for g in groupings:
        if g == "region":
            values = region_ids
        elif g == "tenure":
            values = tenure_band(reps_paid["hire_date"], periods[0].start_time)
        elif g in reps_paid.columns:
            values = reps_paid[g].astype(str)
        else:
            extra = [c for c in reps.columns if c not in REP_COLUMNS]
            raise SimulationError(
                _(
                    "groupings: unknown group {group!r}; use 'region', 'tenure' or a reps "
                    "column ({columns})"
                ).format(
                    group=g,
                    columns=", ".join(extra) or _("the reps table has no optional columns"),
                )
            )
        codes, labels = pd.factorize(pd.Series(values).fillna("unknown"), sort=True)
        group_map[g] = (codes.astype(np.int64), [str(x) for x in labels])
    return region_codes, region_labels, group_map


def _appraisal_parts(
    design: Design,
    plan: Any,
    reps_paid: pd.DataFrame,
    paid: np.ndarray,
    target_arr: np.ndarray,
    year: int,
    periods: pd.PeriodIndex,
) -> dict[str, Any]:
    """The prepared scorecard, who it rates, the grades, the promotion rule and the
    merit matrix (all empty without an appraisal)."""
    out: dict[str, Any] = {
        "scorecard": None, "sc_kpis": [], "grade_names": [], "merit_parts": None,
        "promo": 1, "prior_grade": None, "rated": None,
    }  # fmt: skip
    ds, appraisal = design.ds, design.appraisal
    if appraisal is None:
        if any(c.rated for c in plan.components):
            raise SimulationError(
                _("the plan has a scorecard component: pass appraisal= so reps are rated")
            )
        return out
    from simlib import appraisal as ap

    kpis = ds.kpi_names
    sc = ap.load_scorecard(appraisal) if not isinstance(appraisal, ap.Scorecard) else appraisal
    weights = None
    if sc.weights is not None and sc.weights.method in ("entropy", "critic", "combined"):
        weights = ap.appraise(ds, sc, period=str(year - 1)).weights
    competence = None
    paid_ids = reps_paid["rep_id"].to_numpy()
    if sc.competence is not None:
        competence = _competence_scores(ds, paid_ids, periods[-1], sc.competence)
    # Rated: reps with a target (> 0) on every KPI the scorecard appraises.
    sc_idx = [kpis.index(k) for k in sc.kpi_names]
    tp = target_arr[paid][..., sc_idx]
    has_target = (np.isfinite(tp).any(axis=1) & (np.nan_to_num(tp).sum(axis=1) > 0)).all(axis=1)
    rated = np.flatnonzero(has_target)
    if len(rated) == 0:
        raise SimulationError(_("appraisal: no rep has a target on every appraised KPI"))
    comp_rated = competence[rated] if competence is not None else None
    out["scorecard"] = ap.prepare(ds, sc, paid_ids[rated], weights=weights, competence=comp_rated)
    out["rated"] = rated
    out["sc_kpis"] = [kpis.index(k) for k in sc.kpi_names]
    grade_names = out["grade_names"] = list(sc.rating.names)
    promotion_grade = design.promotion_grade
    if promotion_grade is None:
        # Default: the top grade on a scale of three or fewer (20/70/10: the top
        # 20%), the top two on longer scales (10/20/40/20/10: the top 30%).
        out["promo"] = 0 if len(grade_names) <= 3 else 1
    elif promotion_grade in grade_names:
        out["promo"] = grade_names.index(promotion_grade)
    else:
        raise SimulationError(
            _("promotion_grade: {grade!r} is not a grade; the grades are {grades}").format(
                grade=promotion_grade, grades=grade_names
            )
        )
    out["prior_grade"] = _prior_grades(ds, sc, year - 1, paid_ids)
    if design.merit is not None:
        from simlib import outcomes as oc

        merit = design.merit
        mm = merit if isinstance(merit, oc.MeritMatrix) else oc.MeritMatrix.from_dict(merit)
        if len(mm.grades) != len(grade_names):
            raise SimulationError(
                _("merit: the matrix has {n} grades, the scorecard {m}").format(
                    n=len(mm.grades), m=len(grade_names)
                )
            )
        compa = oc.compa_ratio(reps_paid).to_numpy(float)
        out["merit_parts"] = (mm, compa, reps_paid["base_salary"].to_numpy(float))
    return out


def _bind_behavior(
    work: ChunkKernel,
    design: Design,
    plan: Any,
    pp: dict[str, Any],
    reps: pd.DataFrame,
    periods: pd.PeriodIndex,
    exp: np.ndarray,
    model: Any,
) -> tuple[Any, Any]:
    """Set ``work.behavior`` from the design's behaviour; returns the parsed spec and
    the reference plan as given (both ``None`` without a behaviour spec)."""
    behavior, behavior_reference = design.behavior, design.behavior_reference
    if callable(behavior) and not isinstance(behavior, (str, Mapping, list, tuple)):
        work.behavior = behavior
        return None, None
    if behavior is None:
        return None, None
    from simlib import behavior as bh

    ds, kpis, prep = design.ds, design.ds.kpi_names, pp["prep"]
    behavior_spec = bh.parse_behavior(behavior)
    if behavior_reference is not None and behavior_spec.reference_plan is not None:
        raise SimulationError(
            _(
                "behavior: reference plan given twice (behavior_reference= and "
                "behavior.reference_plan); give one"
            )
        )
    ref_src = behavior_reference if behavior_reference is not None else behavior_spec.reference_plan
    if not bh.is_mechanical(behavior_spec):
        reference = None
        if ref_src is not None:
            ref_plan = load_plan(ref_src, ds)
            same = ref_plan.spec.model_dump() == plan.spec.model_dump()
            # The incentive these same reps faced in history: paid as the plan pays them.
            reference = (
                "self"
                if same
                else (ref_plan, ref_plan.prepare(reps, periods, ds=ds, paid=prep.paid))
            )
        primary = kpis.index(pp["primary_kpi"])
        ctx = bh.context_from_plan(
            plan, prep, exp, work.targets, kpis, pp["summed"], primary,
            sigma=annual_sigma(model, primary, (exp[..., primary] > 0).sum(1)),
            paid=np.asarray(prep.paid, dtype=bool), reference=reference,
            currency=np.isin(np.asarray(kpis), pp["currency"]),
        )  # fmt: skip
        work.behavior = bh.bind(behavior_spec, ctx)
    return behavior_spec, ref_src


def annual_sigma(model: Any, k: int, months: np.ndarray) -> np.ndarray | None:
    """Relative s.d. of each rep's annual sales on KPI ``k`` under a parametric model.

    The rep shock is drawn once a year; the individual monthly shocks average
    over the ``months[r]`` months the rep is expected to sell (variance / m: a
    rep joining in July faces a noisier half year than a full year); the company
    and region shocks are AR(1) with persistence ``rho``, so their average over
    ``m`` months keeps ``sum over i, j of rho^|i-j| / m^2`` of their variance.
    ``None`` for models without sigmas (the bootstrap): the ``effort`` model then
    asks for ``sigma`` explicitly.
    """
    if not isinstance(model, ParametricSales):
        return None
    months = np.clip(np.asarray(months, dtype=np.int64), 1, None)

    def kept(rho: float) -> np.ndarray:
        out = np.empty(13)
        for n in range(1, 13):
            i = np.arange(n)
            out[n] = float((float(rho) ** np.abs(i[:, None] - i[None, :])).sum() / n**2)
        return out[np.minimum(months, 12)]

    var = (
        model.sigma_rep[k] ** 2
        + model.sigma_company[k] ** 2 * kept(getattr(model, "rho_company", 0.0))
        + model.sigma_region[k] ** 2 * kept(getattr(model, "rho_region", 0.0))
        + model.sigma_month[k] ** 2 / months
    )
    return np.sqrt(var)


def _competence_scores(
    ds: Dataset, rep_ids: np.ndarray, as_of: pd.Period, spec: Any = None
) -> np.ndarray:
    """Each rep's latest competence assessment up to ``as_of`` (items weighted as the
    scorecard says); reps never assessed get the population median."""
    from simlib.appraisal import competence_scores

    if ds.competence is None:
        raise SimulationError(
            _("the scorecard counts competence but the dataset has no competence table")
        )
    c = ds.competence.loc[ds.competence["period"] <= as_of]
    latest = c.loc[c.groupby("rep_id")["period"].transform("max") == c["period"]]
    per_rep = competence_scores(latest[["rep_id", "item", "score"]], spec)
    out = per_rep.reindex(rep_ids).to_numpy(float)
    return np.where(np.isnan(out), np.nanmedian(per_rep.to_numpy()), out)


def _prior_grades(ds: Dataset, sc: Any, year: int, rep_ids: np.ndarray) -> np.ndarray | None:
    """Grades of the last real appraisal (``year``) for ``rep_ids`` (worst grade for
    reps not rated then), or None when that year cannot be appraised."""
    from simlib import appraisal as ap

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            past = ap.appraise(ds, sc, period=str(year))
    except (SimlibError, ValueError, KeyError):  # no usable history that year: no prior rule
        return None
    gi = past.reps.set_index("rep_id")["grade_index"].reindex(rep_ids)
    worst = len(sc.rating.names) - 1
    return np.where(gi.isna() | (gi < 0), worst, gi).astype(np.int64)


def load_plan(plan: Any, ds: Dataset):
    """A :class:`~simlib.plans.Plan` from a Plan, dict or YAML path."""
    from simlib.plans import Plan

    if isinstance(plan, Plan):
        return plan
    if isinstance(plan, Mapping):
        return Plan.from_dict(plan, kpis=ds.kpi_names)
    return Plan.from_yaml(Path(plan), kpis=ds.kpi_names)

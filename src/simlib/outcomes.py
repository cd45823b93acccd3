"""What appraisal drives: performance coefficient, merit raises, promotion, PIP, training needs.

The source document: appraisal results feed the performance coefficient (绩效系数),
salary adjustment and promotion (调薪和晋升) through defined standards; those who
fall short get an improvement plan (绩效改进计划); training needs (培训需求分析)
come from the gaps. Reference bands (``docs/practice.md``,
"Appraisal and pay"):

- merit matrix, for a 3% merit budget (Remunera guide): top rating and
  compa-ratio < 0.9: 6-8%; middle rating and compa-ratio 0.9-1.1: 2-3%; the
  bottom two ratings: 0-1%;
- promotion: a rating of at least "fully successful" for career-ladder
  promotion (US 5 CFR 335.104); readiness judged by time in grade against the
  job's average (Oracle HCM documentation).

Core functions take numpy arrays (grade indices, salaries) and are vectorized;
tidy functions take an :class:`~simlib.appraisal.Appraisal` or a stacked history
from :func:`~simlib.appraisal.appraise_history`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from simlib.errors import SimlibError, SimlibWarning
from simlib.i18n import _
from simlib.spec import StrictModel, parse_spec


class OutcomeError(SimlibError, ValueError):
    """Outcome rules cannot be applied to the given data."""


class OutcomeWarning(SimlibWarning):
    """An outcome rule is applied with less information than it asks for."""


# ------------------------------------------------------ performance coefficient
def performance_coefficient(
    grade_index: np.ndarray,
    coefficients: Sequence[float] | Mapping[str, float],
    grades: Sequence[str] | None = None,
) -> np.ndarray:
    """The performance coefficient (绩效系数) per rep from their grade.

    Parameters
    ----------
    grade_index : (..., reps) int array
        0 = best grade (as the rating core returns); any leading draw axes.
    coefficients : list of float, or mapping grade name -> float
        Multiplier per grade, best first, e.g. ``[1.2, 1.0, 0.8]`` for a 20/70/10
        scheme. A mapping needs ``grades`` (the names in order).

    Returns
    -------
    Array of coefficients, same shape as ``grade_index``; the plans module
    multiplies a scorecard component's payout by it.

    Examples
    --------
    >>> performance_coefficient(np.array([0, 1, 2, 1]), [1.2, 1.0, 0.8]).tolist()
    [1.2, 1.0, 0.8, 1.0]
    """
    if isinstance(coefficients, Mapping):
        if grades is None:
            raise OutcomeError(
                _("coefficients given by grade name: pass grades (names, best first)")
            )
        missing = [g for g in grades if g not in coefficients]
        if missing:
            raise OutcomeError(_("no coefficient for grade(s) {missing}").format(missing=missing))
        c = np.array([float(coefficients[g]) for g in grades])
    else:
        c = np.asarray(coefficients, dtype=float)
    gi = np.asarray(grade_index)
    if gi.size and (gi.min() < 0 or gi.max() >= len(c)):
        raise OutcomeError(
            _("grade index outside 0..{last} (unrated reps have -1)").format(last=len(c) - 1)
        )
    return c[gi]


# ---------------------------------------------------------------- compa-ratio
def compa_ratio(reps: pd.DataFrame, midpoints: Mapping[str, float] | None = None) -> pd.Series:
    """Compa-ratio = annual base salary / the midpoint of the rep's grade's pay range.

    Parameters
    ----------
    reps : DataFrame
        With ``rep_id``, ``grade`` and ``base_salary`` (annual, dataset currency).
    midpoints : mapping grade -> midpoint, optional
        The pay-range midpoints. **When omitted, the median base salary of each
        grade is used as its midpoint** (``attrs["midpoint_source"]`` says so):
        a stand-in that makes the median rep of every grade 1.0 by construction.

    Returns
    -------
    pandas.Series indexed by ``rep_id``.
    """
    sal = reps.set_index("rep_id")["base_salary"].astype(float)
    grade = reps.set_index("rep_id")["grade"].astype(str)
    if midpoints is None:
        mid = sal.groupby(grade).median()
        source = "median base salary per grade (no pay-range midpoints given)"
    else:
        mid = pd.Series(dict(midpoints), dtype=float)
        missing = sorted(set(grade) - set(mid.index))
        if missing:
            raise OutcomeError(
                _("midpoints: no midpoint for grade(s) {missing}").format(missing=missing)
            )
        source = "given midpoints"
    cr = sal / grade.map(mid).astype(float)
    cr.name = "compa_ratio"
    cr.attrs["midpoint_source"] = source
    cr.attrs["midpoints"] = mid.to_dict()
    return cr


# ---------------------------------------------------------------- merit matrix
class MeritMatrixSpec(StrictModel):
    """Merit matrix as data: ``raises[g][b]`` for grade g (best first) and compa band b.

    ``compa_bands`` are the band edges, e.g. ``[0.9, 1.1]`` -> three bands:
    below 0.9, 0.9 to under 1.1, 1.1 and above. Raises are fractions (0.06).
    """

    grades: list[str] = Field(min_length=1)
    compa_bands: list[float]
    raises: list[list[float]]

    @model_validator(mode="after")
    def _shape(self) -> MeritMatrixSpec:
        if any(b <= a for a, b in zip(self.compa_bands, self.compa_bands[1:], strict=False)):
            raise ValueError(
                _("compa_bands must increase, got {compa_bands}").format(
                    compa_bands=self.compa_bands
                )
            )
        nb = len(self.compa_bands) + 1
        if len(self.raises) != len(self.grades):
            raise ValueError(
                _("raises: {n_raises} rows for {n_grades} grades {grades}").format(
                    n_raises=len(self.raises), n_grades=len(self.grades), grades=self.grades
                )
            )
        for i, row in enumerate(self.raises):
            if len(row) != nb:
                raise ValueError(
                    _("raises[{i}]: {n_row} entries for {nb} compa-ratio bands").format(
                        i=i, n_row=len(row), nb=nb
                    )
                )
            if any(x < 0 or x > 1 for x in row):
                raise ValueError(
                    _("raises[{i}]: raises are fractions in [0, 1] (0.06, not 6)").format(i=i)
                )
        return self


@dataclass(frozen=True)
class MeritMatrix:
    """Raise % by rating (rows, best first) and compa-ratio band (columns, low to high).

    Examples
    --------
    The practice band for a 3% budget (Remunera guide), three grades:

    >>> mm = MeritMatrix(["top", "middle", "bottom"], [0.9, 1.1],
    ...                  np.array([[0.07, 0.05, 0.04], [0.04, 0.025, 0.015], [0.01, 0.0, 0.0]]))
    >>> mm.rate(np.array([0, 1]), np.array([0.85, 1.0])).tolist()
    [0.07, 0.025]
    """

    grades: list[str]
    compa_bands: list[float]
    raises: np.ndarray

    @classmethod
    def from_dict(cls, data: Any) -> MeritMatrix:
        spec = parse_spec(MeritMatrixSpec, data, root="merit_matrix")
        return cls(list(spec.grades), list(spec.compa_bands), np.array(spec.raises, float))

    def band(self, compa: np.ndarray) -> np.ndarray:
        """Column index of each compa-ratio."""
        return np.searchsorted(np.asarray(self.compa_bands), np.asarray(compa, float), "right")

    def rate(self, grade_index: np.ndarray, compa: np.ndarray) -> np.ndarray:
        """Raise fraction per rep (vectorized)."""
        gi = np.asarray(grade_index)
        if gi.size and (gi.min() < 0 or gi.max() >= len(self.grades)):
            raise OutcomeError(_("grade index outside 0..{last}").format(last=len(self.grades) - 1))
        return self.raises[gi, self.band(compa)]

    def monotonicity_problems(self) -> list[str]:
        """Cells where a better grade gets less, or a higher compa-ratio gets more."""
        r = self.raises
        out = []
        for g, b in zip(*np.nonzero(r[1:] > r[:-1] + 1e-15), strict=True):
            out.append(f"raises[{g + 1}][{b}] ({r[g + 1, b]}) > raises[{g}][{b}] ({r[g, b]})")
        for g, b in zip(*np.nonzero(r[:, 1:] > r[:, :-1] + 1e-15), strict=True):
            out.append(f"raises[{g}][{b + 1}] ({r[g, b + 1]}) > raises[{g}][{b}] ({r[g, b]})")
        return out

    def to_frame(self) -> pd.DataFrame:
        edges = self.compa_bands
        cols = [f"< {edges[0]:g}"]
        cols += [f"{a:g} - {b:g}" for a, b in zip(edges, edges[1:], strict=False)]
        cols += [f">= {edges[-1]:g}"]
        return pd.DataFrame(self.raises, index=self.grades, columns=cols)


@dataclass(frozen=True)
class MeritResult:
    """A merit round solved to a budget.

    Attributes
    ----------
    raise_amount : numpy.ndarray
        Annual raise per rep in currency, whole cents, summing exactly to the budget.
    raise_pct : numpy.ndarray
        ``raise_amount / base_salary``.
    scale : float
        Factor applied to the matrix (budget / cost at the matrix as written).
    scaled : MeritMatrix
        The matrix times ``scale`` (what the raises follow, before cent rounding).
    cost_at_matrix : float
        What the matrix as written would cost.
    """

    raise_amount: np.ndarray
    raise_pct: np.ndarray
    scale: float
    scaled: MeritMatrix
    cost_at_matrix: float
    budget: float


def _monotone_cents(cents: np.ndarray, salary: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Move single cents so a higher matrix rate never ends with a lower raise %.

    Rounding to cents can invert two raises whose exact percentages are within a
    cent of each other (a 1-cent budget over salaries 10 and 100 at 7% and 5%:
    the cent goes to the larger exact amount, the 5% rep). While some rep in a
    higher-rate cell has a lower raise % than some rep in a lower-rate cell, one
    cent moves from the latter (highest % below) to the former (lowest % above).
    Cents only ever move towards higher rates, so this ends; the total is
    unchanged. With real salaries and budgets it never triggers (cells differ
    by far more than a cent per salary).
    """
    paid = salary > 0
    if paid.sum() < 2:
        return cents
    cents = cents.copy()
    idx = np.flatnonzero(paid)
    levels, lv = np.unique(-rate[idx], return_inverse=True)  # level 0 = highest rate
    nlev = len(levels)
    if nlev < 2:
        return cents
    sal = salary[idx]
    for _step in range(10 * len(idx) + 1000):
        pct = cents[idx] / sal
        lo = np.full(nlev, np.inf)
        np.minimum.at(lo, lv, pct)
        hi = np.full(nlev, -np.inf)
        np.maximum.at(hi, lv, pct)
        # best % among all strictly lower-rate levels
        below = np.maximum.accumulate(hi[::-1])[::-1]
        below = np.r_[below[1:], -np.inf]
        bad = np.flatnonzero(lo < below - 1e-15)
        if not len(bad):
            return cents
        level = bad[0]
        up = np.flatnonzero(lv == level)
        i = up[np.argmin(pct[up])]
        down = np.flatnonzero(lv > level)
        j = down[np.argmax(pct[down])]
        cents[idx[j]] -= 1
        cents[idx[i]] += 1
    # internal: the cent moves above always converge; reaching here is a bug
    raise OutcomeError("could not make raises monotone in the matrix rate (please report)")


def solve_merit_budget(
    matrix: MeritMatrix,
    base_salary: np.ndarray,
    grade_index: np.ndarray,
    compa: np.ndarray,
    budget: float,
    unit: float = 0.01,
    rep_ids: Sequence[str] | None = None,
) -> MeritResult:
    """Scale a merit matrix so the raises spend ``budget`` exactly, to the cent.

    Method: every cell is multiplied by one factor ``budget / cost`` (which keeps
    the matrix's shape: raises stay monotone in rating and decreasing in
    compa-ratio wherever the matrix is), then each rep's exact amount is rounded
    to whole cents by the largest-remainder method
    (:func:`simlib.targets.apportion`, Hamilton), so the cents sum to the budget
    and no rep is more than one cent from their exact share. Where rounding
    would give a rep in a higher-rate cell a lower raise % than one in a
    lower-rate cell (only when cells differ by under a cent per salary: tiny
    budgets or salaries), single cents are moved to restore the order, so raise
    % is always monotone in the matrix rate.

    Parameters
    ----------
    base_salary : (reps,) array
        Annual base salary, dataset currency.
    grade_index, compa : (reps,) arrays
        Grade (0 = best) and compa-ratio per rep.
    budget : float
        Total merit spend, dataset currency, a whole number of ``unit``.
    unit : float
        Rounding unit (0.01 = cents).
    rep_ids : list of str, optional
        Names for error messages (a rep without a salary is named).

    Raises
    ------
    OutcomeError
        If the budget is not a whole number of units, or the matrix as written
        costs nothing (every eligible rep sits in a 0% cell), so no factor can
        reach the budget.
    """
    from simlib.targets import apportion

    sal = np.asarray(base_salary, dtype=float)
    bad = ~np.isfinite(sal) | (sal < 0)
    if bad.any():
        where = ", ".join(
            f"{rep_ids[i]}" if rep_ids is not None else f"#{i}" for i in np.flatnonzero(bad)[:5]
        )
        raise OutcomeError(
            _(
                "base salaries must be finite and >= 0: {n} rep(s) without one "
                "({where}{more}); fix reps.base_salary"
            ).format(n=int(bad.sum()), where=where, more=", ..." if bad.sum() > 5 else "")
        )
    units_total = budget / unit
    if not np.isclose(units_total, round(units_total), rtol=0, atol=1e-6) or budget < 0:
        raise OutcomeError(
            _("budget {budget!r} is not a whole number of {unit} units").format(
                budget=budget, unit=unit
            )
        )
    units_total = int(round(units_total))
    base = sal * matrix.rate(grade_index, compa)
    cost = float(base.sum())
    if cost <= 0:
        if units_total == 0:
            scale = 0.0
            amounts = np.zeros_like(sal)
        else:
            raise OutcomeError(
                _(
                    "the merit matrix as written gives nobody a raise (all in 0% cells): it cannot "
                    "be scaled to a positive budget"
                )
            )
    else:
        scale = budget / cost
        cents = np.asarray(apportion(base, units_total, method="hamilton"), dtype=np.int64)
        cents = _monotone_cents(cents, sal, matrix.rate(grade_index, compa))
        amounts = cents * unit
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(sal > 0, amounts / np.where(sal > 0, sal, 1.0), 0.0)
    scaled = MeritMatrix(matrix.grades, matrix.compa_bands, matrix.raises * scale)
    return MeritResult(amounts, pct, float(scale), scaled, cost, float(budget))


def merit_round(
    app: Any,
    reps: pd.DataFrame,
    matrix: MeritMatrix,
    budget: float | None = None,
    budget_rate: float | None = None,
    midpoints: Mapping[str, float] | None = None,
) -> tuple[pd.DataFrame, MeritResult]:
    """Merit raises for an appraisal's rated reps (tidy edge).

    Parameters
    ----------
    app : Appraisal
        Its grades must be the matrix's rows (same names, same order).
    reps : DataFrame
        ``ds.reps`` (base salary, grade).
    budget, budget_rate : float
        The merit budget in currency, or as a share of the rated reps' payroll
        (0.03 = 3%, rounded to the cent). Give exactly one.

    Returns
    -------
    (frame, result): per rep ``rep_id, rating, grade, base_salary, compa_ratio,
    compa_band, matrix_raise_pct, raise_pct, raise_amount``; and the
    :class:`MeritResult`.
    """
    if app.scorecard.rating.names != list(matrix.grades):
        raise OutcomeError(
            _("merit matrix grades {grades} differ from the rating's {names}").format(
                grades=matrix.grades, names=app.scorecard.rating.names
            )
        )
    if (budget is None) == (budget_rate is None):
        raise OutcomeError(_("give exactly one of budget (currency) or budget_rate (share)"))
    r = app.rated
    info = reps.set_index("rep_id").loc[r["rep_id"]]
    cr_all = compa_ratio(reps, midpoints)
    cr = cr_all.reindex(r["rep_id"]).to_numpy()
    sal = info["base_salary"].to_numpy(float)
    missing = ~np.isfinite(sal)
    if missing.any():
        names = r["rep_id"].astype(str).to_numpy()[missing][:5].tolist()
        raise OutcomeError(
            _(
                "reps.base_salary: missing for {n} rated rep(s) {names}; a merit raise "
                "needs every rated rep's salary"
            ).format(n=int(missing.sum()), names=names)
        )
    if budget is None:
        budget = round(float(budget_rate) * float(sal.sum()), 2)
    gi = r["grade_index"].to_numpy()
    res = solve_merit_budget(
        matrix, sal, gi, cr, float(budget), rep_ids=r["rep_id"].astype(str).tolist()
    )
    frame = pd.DataFrame(
        {
            "rep_id": r["rep_id"].to_numpy(),
            "unit_id": r["unit_id"].to_numpy(),
            "rating": r["rating"].to_numpy(),
            "grade": info["grade"].astype(str).to_numpy(),
            "base_salary": sal,
            "compa_ratio": cr,
            "compa_band": matrix.to_frame().columns[matrix.band(cr)],
            "matrix_raise_pct": matrix.rate(gi, cr),
            "raise_pct": res.raise_pct,
            "raise_amount": res.raise_amount,
        }
    )
    frame.attrs["midpoint_source"] = cr_all.attrs["midpoint_source"]
    return frame, res


# ------------------------------------------------------------------ promotion
def _grade_matrix(history: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """(rep x period) grade-index matrix from a stacked history; -1 where not rated."""
    periods = history[["period_index", "period"]].drop_duplicates().sort_values("period_index")
    m = history.pivot_table(
        index="rep_id", columns="period_index", values="grade_index", aggfunc="first"
    )
    m = m.reindex(columns=periods["period_index"]).fillna(-1).astype(int)
    return m, periods["period"].tolist()


def trailing_run(ok: np.ndarray) -> np.ndarray:
    """Length of the run of True at the end of each row: (reps, periods) -> (reps,)."""
    rev = ok[:, ::-1]
    return np.where(rev.all(axis=1), ok.shape[1], np.argmin(rev, axis=1))


def promotion_eligibility(
    history: pd.DataFrame,
    reps: pd.DataFrame,
    grades: Sequence[str],
    min_rating: str,
    consecutive: int = 2,
    min_years_in_grade: float = 0.0,
    as_of: str | pd.Timestamp | None = None,
    grade_since: str = "grade_since",
) -> pd.DataFrame:
    """Who is eligible for promotion: rated at or above a level N periods running, and time in grade.

    Parameters
    ----------
    history : DataFrame
        From :func:`simlib.appraisal.appraise_history` (``rep_id``,
        ``period_index``, ``period``, ``grade_index``).
    grades : list of str
        Grade names, best first.
    min_rating : str
        The lowest grade that counts (e.g. 合格 / "fully successful": US 5 CFR
        335.104 asks at least that for career-ladder promotion).
    consecutive : int
        How many of the most recent periods must all be at or above it (an
        unrated period breaks the run).
    min_years_in_grade : float
        Readiness by time in grade (Oracle HCM practice compares it with the
        job's average). Measured from ``reps[grade_since]`` when that column
        exists, else **from the hire date** (``time_basis`` says which).
    as_of : date, optional
        Default: the end of the last period in the history.

    Returns
    -------
    DataFrame per rep: ``rep_id, run`` (current periods in a row at or above the
    level), ``ratings`` (most recent last), ``years_in_grade``, ``time_basis``,
    ``meets_rating``, ``meets_time``, ``eligible``.
    """
    if min_rating not in grades:
        raise OutcomeError(
            _("min_rating {min_rating!r} is not one of the grades {grades}").format(
                min_rating=min_rating, grades=list(grades)
            )
        )
    level = list(grades).index(min_rating)
    m, periods = _grade_matrix(history)
    if consecutive > len(periods):
        raise OutcomeError(
            _(
                "consecutive={consecutive} periods asked but the history has {n_periods} "
                "({periods}): nobody could qualify; appraise more periods or lower it"
            ).format(consecutive=consecutive, n_periods=len(periods), periods=periods)
        )
    if consecutive < 1:
        raise OutcomeError(
            _("consecutive must be >= 1, got {consecutive}").format(consecutive=consecutive)
        )
    gi = m.to_numpy()
    ok = (gi >= 0) & (gi <= level)
    run = trailing_run(ok)
    if as_of is None:
        from simlib.appraisal.appraise import period_months

        as_of = period_months(periods[-1])[-1].end_time
    as_of = pd.Timestamp(as_of)
    info = reps.set_index("rep_id").reindex(m.index)
    if grade_since in info.columns:
        since = pd.to_datetime(info[grade_since])
        basis = f"{grade_since} column"
    else:
        since = pd.to_datetime(info["hire_date"])
        basis = "hire date (no grade_since column: time with the company stands in)"
        if min_years_in_grade > 0:
            warnings.warn(
                _(
                    "promotion_eligibility: reps has no {column!r} column, so time in grade "
                    "is measured from the hire date (an upper bound: it overstates readiness "
                    "for reps promoted since hire)"
                ).format(column=grade_since),
                OutcomeWarning,
                stacklevel=2,
            )
    years = (as_of - since).dt.days.to_numpy() / 365.25
    names = np.array(list(grades) + ["-"], dtype=object)
    ratings = [" > ".join(names[row]) for row in np.where(gi >= 0, gi, len(grades))]
    out = pd.DataFrame(
        {
            "rep_id": m.index.to_numpy(),
            "run": run,
            "ratings": ratings,
            "years_in_grade": years,
            "time_basis": basis,
            "meets_rating": run >= consecutive,
            "meets_time": years >= min_years_in_grade,
        }
    )
    out["eligible"] = out["meets_rating"] & out["meets_time"]
    return out


# ------------------------------------------------------------------------ PIP
def improvement_flags(
    history: pd.DataFrame,
    latest: Any,
    bottom_grades: int = 1,
    consecutive: int = 2,
    attainment_floor: float | Mapping[str, float] | None = 0.7,
    kpis_behind: int = 2,
) -> pd.DataFrame:
    """Performance-improvement-plan (绩效改进计划) flags, with the KPIs behind each.

    Flags
    -----
    ``consecutive_bottom``
        The ``consecutive`` most recent ratings are all in the bottom
        ``bottom_grades`` grades.
    ``attainment_floor``
        In the latest period, attainment of a KPI is under its floor (one
        fraction for all KPIs, or per KPI).

    The KPIs behind a ``consecutive_bottom`` flag are the ``kpis_behind`` KPIs
    that cost the most points in the latest period (weight x (100 - points),
    largest first); behind an ``attainment_floor`` flag, the KPIs under their floor.

    Parameters
    ----------
    history : DataFrame
        :func:`~simlib.appraisal.appraise_history` output (oldest first).
    latest : Appraisal
        The latest period's appraisal (its KPI detail explains the flags).

    Returns
    -------
    DataFrame with one row per flagged rep: ``rep_id, unit_id, flags``
    (``;``-separated), ``kpis`` (``;``-separated), ``detail`` (words).
    """
    n_grades = len(latest.scorecard.rating.grades)
    m, periods = _grade_matrix(history)
    if consecutive > len(periods):
        raise OutcomeError(
            _(
                "consecutive={consecutive} periods asked but the history has {n_periods} "
                "({periods}): no rep could be flagged; appraise more periods or lower it"
            ).format(consecutive=consecutive, n_periods=len(periods), periods=periods)
        )
    gi = m.to_numpy()
    bottom = gi >= n_grades - bottom_grades
    run = trailing_run(bottom)
    flag_bottom = pd.Series(run >= consecutive, index=m.index)

    k = latest.kpis.copy()
    k["shortfall_points"] = k["weight"] * np.maximum(0.0, 100.0 - k["score"])
    if isinstance(attainment_floor, Mapping):
        known = set(latest.scorecard.kpi_names)
        unknown = sorted(set(attainment_floor) - known)
        if unknown:
            raise OutcomeError(
                _(
                    "attainment_floor: {unknown} not appraised KPIs (the scorecard has {known})"
                ).format(unknown=unknown, known=sorted(known))
            )
    if attainment_floor is None:
        k["under_floor"] = False
    else:
        floor = (
            k["kpi"].map(dict(attainment_floor)).astype(float)
            if isinstance(attainment_floor, Mapping)
            else pd.Series(float(attainment_floor), index=k.index)
        )
        k["under_floor"] = k["attainment"] < floor
    under = k[k["under_floor"]].groupby("rep_id")["kpi"].agg(list)
    worst = (
        k[k["shortfall_points"] > 0]
        .sort_values(["rep_id", "shortfall_points"], ascending=[True, False])
        .groupby("rep_id")
        .head(kpis_behind)
        .groupby("rep_id")["kpi"]
        .agg(list)
    )
    att = k.set_index(["rep_id", "kpi"])["attainment"]
    units = latest.reps.set_index("rep_id")["unit_id"]
    names = np.array(latest.scorecard.rating.names + [_("not rated")], dtype=object)
    rows = []
    flagged = sorted(set(flag_bottom[flag_bottom].index) | set(under.index))
    for rep in flagged:  # only the flagged few, to build their words
        flags, kpis, detail = [], [], []
        if flag_bottom.get(rep, False):
            flags.append("consecutive_bottom")
            last = gi[m.index.get_loc(rep), -consecutive:]
            last_names = _(", ").join(names[np.where(last >= 0, last, n_grades)])
            detail.append(_("last ratings {ratings}").format(ratings=last_names))
            for kp in worst.get(rep, []):
                kpis.append(kp)
        if rep in under.index:
            flags.append("attainment_floor")
            for kp in under[rep]:
                if kp not in kpis:
                    kpis.append(kp)
                detail.append(
                    _("{kpi} attainment {attainment}").format(
                        kpi=kp, attainment=f"{att[(rep, kp)]:.0%}"
                    )
                )
        rows.append(
            {
                "rep_id": rep,
                "unit_id": units.get(rep),
                "flags": ";".join(flags),
                "kpis": ";".join(kpis),
                "detail": _("; ").join(detail),
            }
        )
    return pd.DataFrame(rows, columns=["rep_id", "unit_id", "flags", "kpis", "detail"])


# ------------------------------------------------------------- training needs
def training_needs(
    app: Any,
    top_n: int = 3,
    meets: float = 3.0,
    unit_col: str = "unit_id",
    min_gap: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training needs (培训需求分析) from KPI and competence gaps, per person and per unit.

    Gaps are put on one 0-1 "shortfall" scale so KPIs and competences rank together:

    - KPI: ``1 - attainment`` when under target (0 otherwise), capped at 1;
    - competence item (1-5): ``(meets - score) / (meets - 1)`` when under the
      "meets expectations" anchor (default 3), i.e. 1 at the bottom of the scale.

    Parameters
    ----------
    top_n : int
        A person's needs are their ``top_n`` largest gaps above ``min_gap``.
    unit_col : str
        Column of ``app.reps`` to aggregate by (``unit_id``, ``team_id``, ``group_id``).

    Returns
    -------
    person : DataFrame
        ``rep_id, unit, area, kind ("kpi" | "competence"), gap, rank`` (1 = largest).
    unit : DataFrame
        Per unit and area: ``reps`` (rated reps in the unit), ``reps_with_need``
        (area among their top needs), ``share``, ``mean_gap`` (over those reps),
        ``priority`` = share x mean_gap, ``rank`` within the unit (1 = train first).
    """
    r = app.rated
    k = app.kpis
    kg = pd.DataFrame(
        {
            "rep_id": k["rep_id"],
            "area": k["kpi"],
            "kind": "kpi",
            "gap": np.clip(1.0 - k["attainment"].to_numpy(float), 0.0, 1.0),
        }
    )
    c = app.competence[app.competence["rep_id"].isin(r["rep_id"])]
    cg = pd.DataFrame(
        {
            "rep_id": c["rep_id"],
            "area": c["item"],
            "kind": "competence",
            "gap": np.clip((meets - c["score"].to_numpy(float)) / (meets - 1.0), 0.0, 1.0),
        }
    )
    g = pd.concat([kg, cg], ignore_index=True)
    g = g[g["gap"] > min_gap]
    g = g.sort_values(["rep_id", "gap", "area"], ascending=[True, False, True])
    g["rank"] = g.groupby("rep_id").cumcount() + 1
    person = g[g["rank"] <= top_n].copy()
    units = r.set_index("rep_id")[unit_col]
    person.insert(1, "unit", person["rep_id"].map(units).to_numpy())
    size = r.groupby(unit_col).size()
    agg = person.groupby(["unit", "area", "kind"], as_index=False).agg(
        reps_with_need=("rep_id", "nunique"), mean_gap=("gap", "mean")
    )
    agg.insert(3, "reps", agg["unit"].map(size).to_numpy())
    agg["share"] = agg["reps_with_need"] / agg["reps"]
    agg["priority"] = agg["share"] * agg["mean_gap"]
    agg = agg.sort_values(["unit", "priority"], ascending=[True, False])
    agg["rank"] = agg.groupby("unit").cumcount() + 1
    return person.reset_index(drop=True), agg.reset_index(drop=True)


__all__ = [
    "MeritMatrix",
    "MeritMatrixSpec",
    "MeritResult",
    "OutcomeError",
    "compa_ratio",
    "improvement_flags",
    "merit_round",
    "performance_coefficient",
    "promotion_eligibility",
    "solve_merit_budget",
    "trailing_run",
    "training_needs",
]

"""The tidy edge: appraise a dataset's reps over a period with a scorecard.

:func:`appraise` turns the ``sales``, ``targets`` and ``competence`` tables into
one row per rep: attainment and points per KPI, the KPI composite, competence
points, the individual score, the unit's (team) score, the blended score, the
rating and its performance coefficient. It calls the same numpy core the Monte
Carlo engine uses (:mod:`simlib.appraisal.scorecard`, :mod:`simlib.appraisal.rating`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simlib.appraisal.rating import Groups, calibrate, forced_counts, rate_bands, rate_forced
from simlib.appraisal.scorecard import (
    Scorecard,
    attainment,
    blend,
    competence_points,
    composite,
    load_scorecard,
    score_kpis,
    team_scores,
)
from simlib.appraisal.steps import (
    IndividualScores,
    individual_scores,
    ineligible_note,
    ineligible_reasons,
    level_lookup,
    mean_weight_kpis,
    period_competence,
    team_part,
)
from simlib.appraisal.weights import Weights
from simlib.data.checks.coverage import period_ordinals, positions_in
from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.i18n import _


@dataclass(frozen=True)
class Appraisal:
    """One appraisal round: who scored what and got which rating.

    Attributes
    ----------
    reps : pandas.DataFrame
        One row per rep employed in the period. Columns: ``rep_id``, ``unit_id``
        (the rep's own unit: its head is the assessing manager), ``group_id`` (the
        unit ranked within, for forced distribution), ``team_id`` (the unit
        blended in), ``months`` employed, ``eligible`` and ``reason`` (why not),
        ``attainment_<kpi>`` and ``score_<kpi>`` per KPI, ``kpi_score``,
        ``competence_score``, ``individual_score``, ``team_score``, ``score``
        (blended, what is rated), ``grade_index`` (0 = best), ``rating``,
        ``coefficient`` (when the grades carry one).
    kpis : pandas.DataFrame
        Long: ``rep_id, kpi, actual, target, attainment, score, weight,
        contribution`` (points the KPI adds to the KPI composite), eligible reps.
    competence : pandas.DataFrame
        Long: ``rep_id, item, score`` (1-5, mean over the period's assessments).
    weights : Weights
        The KPI weights used, with how they were obtained.
    scorecard : Scorecard
    period : str
        The appraisal period label (``"2026"``, ``"2026H1"``).
    effective : numpy.ndarray
        (eligible reps, KPIs): the points each KPI feeds into the blended score
        per unit of weight (individual and team parts combined), so that
        ``score = effective @ weights + offset``. Used by sensitivity analysis.
        Holds after a ``mean`` calibration of the individual score (a linear
        step); after ``zscore``/``mixed`` calibration the score is not linear
        in the weights and the analyses that need it say so
        (``NotImplementedError``).
    offset : numpy.ndarray
        (eligible reps,): the part of the score that does not depend on KPI
        weights (competence).
    """

    reps: pd.DataFrame
    kpis: pd.DataFrame
    competence: pd.DataFrame
    weights: Weights
    scorecard: Scorecard
    period: str
    effective: np.ndarray
    offset: np.ndarray
    groups: Groups
    notes: list[str] = field(default_factory=list)

    @property
    def rated(self) -> pd.DataFrame:
        """The eligible (rated) reps only."""
        return self.reps[self.reps["eligible"]].reset_index(drop=True)

    def rating_counts(self, by: str | None = None) -> pd.DataFrame:
        """Counts per grade (columns in grade order), overall or per ``by`` column."""
        r = self.rated
        grades = self.scorecard.rating.names
        cat = pd.Categorical(r["rating"], categories=grades, ordered=True)
        if by is None:
            return pd.Series(cat).value_counts().reindex(grades).to_frame("reps").T
        return pd.crosstab(r[by], cat).reindex(columns=grades, fill_value=0)

    def rate(self, scores: np.ndarray) -> np.ndarray:
        """Rate any (..., eligible reps) scores with this appraisal's scheme and groups."""
        return rate_scores(self.scorecard, scores, self.groups, warn=False)


def rate_scores(
    sc: Scorecard, scores: np.ndarray, groups: Groups | None, warn: bool = True
) -> np.ndarray:
    """Grade indices (0 = best) for scores under the scorecard's rating scheme."""
    r = sc.rating
    if r.type == "bands":
        return rate_bands(scores, r.thresholds)
    return rate_forced(
        scores,
        groups,
        r.shares,
        ties=r.ties,
        min_group=r.min_group if warn else None,
        quota_tolerance=r.quota_tolerance if warn else None,
    )


_PERIOD = re.compile(r"^(\d{4})(?:([HQ])([1-4]))?$")


def period_months(period: str | int) -> pd.PeriodIndex:
    """Months of an appraisal period: ``2026`` / ``"2026"``, ``"2026H1"``, ``"2026Q3"``.

    Examples
    --------
    >>> [str(p) for p in period_months("2026Q3")]
    ['2026-07', '2026-08', '2026-09']
    >>> len(period_months("2026h2")), str(period_months(2026)[0])
    (6, '2026-01')
    """
    m = _PERIOD.match(str(period).strip().upper())
    if not m:
        raise ValueError(
            _("appraisal period {period!r}: expected YYYY, YYYYH1/H2 or YYYYQ1-Q4").format(
                period=period
            )
        )
    year, kind, k = int(m.group(1)), m.group(2), m.group(3)
    if kind is None:
        return pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    k = int(k)
    if kind == "H":
        if k > 2:
            raise ValueError(
                _("appraisal period {period!r}: a half is H1 or H2").format(period=period)
            )
        start = 1 + 6 * (k - 1)
        return pd.period_range(f"{year}-{start:02d}", periods=6, freq="M")
    start = 1 + 3 * (k - 1)
    return pd.period_range(f"{year}-{start:02d}", periods=3, freq="M")


def last_full_year(ds: Dataset) -> str:
    """The last calendar year with all twelve months of sales."""
    p = ds.periods
    years = pd.Series(p.year).value_counts()
    full = sorted(y for y, n in years.items() if n == 12)
    if not full:
        raise ValueError(
            _("the dataset has no complete calendar year of sales ({first}..{last})").format(
                first=p[0], last=p[-1]
            )
        )
    return str(full[-1])


def _rep_kpi_table(
    ds: Dataset, months: pd.PeriodIndex, kpis: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Actual and target per rep and KPI over ``months`` (each KPI's own aggregation).

    Targets count only for months in which the rep has a sales row, so a part-year
    rep is measured against the part-year target.

    Rows are found by the dataset's integer codes (:meth:`Dataset.sales_codes`) and
    each sales row's target is read from a (reps, months, KPIs) grid: a join on the
    text keys held several times the year's rows in hash tables and copies, the
    highest point of a large run's set-up. Rows keep their order in the sales table,
    so each rep's sums add the same numbers in the same order as a join would.
    """
    if ds.targets is None:
        raise ValueError(
            _(
                "the dataset has no targets table: attainment-based appraisal needs rep targets "
                "(actual / target)"
            )
        )
    sc = ds.sales_codes()
    month_ord = np.asarray(months.asi8, dtype=np.int64)
    kpi_code = pd.Index(ds.kpi_names).get_indexer(kpis)
    rows = np.flatnonzero(np.isin(sc.month, month_ord) & np.isin(sc.kpi, kpi_code))
    rep, kpi_of_row = sc.rep[rows], sc.kpi[rows]
    if (rep < 0).any():
        raise ValueError(
            _("{n} sales row(s) in {first}..{last} name a rep the reps table does not hold").format(
                n=int((rep < 0).sum()), first=months[0], last=months[-1]
            )
        )
    at_month = pd.Index(month_ord).get_indexer(sc.month[rows])
    grid = _target_grid(ds, months, kpis)
    rep_ids = ds.reps["rep_id"]
    worked = pd.Series(rep * len(months) + at_month).groupby(rep).nunique()
    months_worked = pd.Series(worked.to_numpy(), index=_rep_index(rep_ids, worked.index))
    agg = ds.kpis.set_index("kpi")["aggregation"]
    wkpi = mean_weight_kpis(ds, kpis)
    parts_a, parts_t = [], []
    for j, kpi in enumerate(kpis):  # a handful of KPIs; rows are grouped by pandas, not looped
        of_kpi = kpi_of_row == kpi_code[j]
        r, t = rep[of_kpi], at_month[of_kpi]
        m = pd.DataFrame({"value": sc.value[rows[of_kpi]], "target": grid[r, t, j]})
        how = "sum" if agg.get(kpi, "sum") == "sum" else "mean"
        if how == "mean" and kpi in wkpi:
            # A rate weighted by another KPI (churn by revenue): each month counts with
            # the rep's value of the weight KPI that month (org.rollup's rule, over months).
            weight = _month_values(ds, months, wkpi[kpi])
            w = weight[r, t]
            m["_w"] = np.where(np.isnan(w), 0.0, w)
            m = m.assign(_wa=m["value"] * m["_w"], _wt=m["target"] * m["_w"])
            g = m.groupby(r)
            wsum = g["_w"].sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                act = g["_wa"].sum() / wsum.where(wsum > 0)
                tg = g["_wt"].sum(min_count=1) / wsum.where(wsum > 0)
        else:
            g = m.groupby(r)
            act = g["value"].agg(how)
            # min_count=1: a rep with no target rows at all gets NaN, not 0.
            tg = g["target"].sum(min_count=1) if how == "sum" else g["target"].mean()
        # Any month without a target makes the comparison unfair: mark it missing.
        complete = g["target"].count() == g.size()
        index = _rep_index(rep_ids, act.index)
        parts_a.append(pd.Series(act.to_numpy(), index=index, name=kpi).sort_index())
        tg = tg.where(complete)
        parts_t.append(pd.Series(tg.to_numpy(), index=index, name=kpi).sort_index())
    actual = pd.concat(parts_a, axis=1).reindex(columns=kpis)
    target = pd.concat(parts_t, axis=1).reindex(index=actual.index, columns=kpis)
    return actual, target, months_worked


def _rep_index(rep_ids: pd.Series, codes: pd.Index) -> pd.Index:
    """The ``rep_id`` of each rep code (its row in ``ds.reps``)."""
    return pd.Index(rep_ids.array.take(np.asarray(codes, dtype=np.int64)), name="rep_id")


def _target_grid(ds: Dataset, months: pd.PeriodIndex, kpis: list[str]) -> np.ndarray:
    """Rep targets on a (reps of ``ds.reps``, ``months``, ``kpis``) grid; NaN where none."""
    t = ds.targets
    grid = np.full((len(ds.reps), len(months), len(kpis)), np.nan)
    if t is None or "rep_id" not in t.columns:
        return grid
    # One mask, then only the three key columns of its rows: a filtered copy of the
    # whole table held every column of a year's targets again.
    rows = np.flatnonzero(
        (t["rep_id"].notna() & t["period"].isin(months) & t["kpi"].isin(kpis)).to_numpy()
    )
    r = positions_in(t["rep_id"].take(rows), ds.reps["rep_id"].astype(str).tolist())
    m = pd.Index(months.asi8).get_indexer(period_ordinals(t["period"].take(rows)))
    k = positions_in(t["kpi"].take(rows), kpis)
    keep = (r >= 0) & (m >= 0) & (k >= 0)
    grid[r[keep], m[keep], k[keep]] = t["target"].take(rows).to_numpy(float)[keep]
    return grid


def _month_values(ds: Dataset, months: pd.PeriodIndex, kpi: str) -> np.ndarray:
    """One KPI's sales on a (reps of ``ds.reps``, ``months``) grid; NaN where none."""
    return ds.sales_array([kpi], months, ds.reps["rep_id"].to_numpy())[:, :, 0]


def appraise(
    ds: Dataset,
    scorecard: Scorecard | dict | str | Path,
    period: str | int | None = None,
    min_months: int | None = None,
) -> Appraisal:
    """Appraise every rep employed in ``period`` with ``scorecard``.

    Parameters
    ----------
    ds : Dataset
        Needs ``targets`` (rep-level) for attainment; ``competence`` when the
        scorecard counts competence items.
    scorecard : Scorecard, dict or YAML path
    period : str or int, optional
        ``2026``, ``"2026H1"``, ``"2026Q4"``; default the last full calendar year.
    min_months : int, optional
        Months of employment needed to be rated; default half the period's
        months (rounded up). Shorter-tenure reps are listed with
        ``eligible=False`` and a reason, never silently dropped.

    Returns
    -------
    Appraisal
    """
    sc = load_scorecard(scorecard)
    label = last_full_year(ds) if period is None else str(period).upper()
    months = period_months(label)
    kpis = sc.kpi_names
    for k in kpis:
        ds.kpi(k)  # clear error for a KPI the data does not have
    min_months = int(np.ceil(len(months) / 2)) if min_months is None else int(min_months)
    notes: list[str] = []

    actual, target, worked = _rep_kpi_table(ds, months, kpis)
    reps = ds.reps.set_index("rep_id").loc[actual.index].reset_index()
    n = len(reps)
    if n == 0:
        raise ValueError(
            _("no rep has sales in {label} ({first}..{last})").format(
                label=label, first=months[0], last=months[-1]
            )
        )
    direction = {k.kpi: (k.direction or str(ds.kpi(k.kpi)["direction"])) for k in sc.kpis}
    low = np.array([direction[k] == "lower" for k in kpis])
    att = attainment(actual.to_numpy(float), target.to_numpy(float), low)
    unit = reps["unit_id"].astype(str).to_numpy()
    at_level = level_lookup(Hierarchy.of(ds), unit)

    months_arr = worked.reindex(actual.index).fillna(0).to_numpy(int)
    reason = ineligible_reasons(att, months_arr, min_months, kpis, label)
    comp_long, comp_score = period_competence(ds, sc, months, actual.index, notes)
    if sc.competence is not None:
        if ds.competence is None:
            raise ValueError(
                _("the scorecard counts competence but the dataset has no competence table")
            )
        miss = np.isnan(comp_score) & (reason == "")
        reason[miss] = _("no competence assessment in {period}").format(period=label)
    eligible = reason == ""
    if not eligible.any():
        raise ValueError(
            _("no rep is eligible for appraisal in {label}: {reasons}").format(
                label=label, reasons=pd.Series(reason).value_counts().to_dict()
            )
        )
    e_idx = np.flatnonzero(eligible)

    ind = individual_scores(
        sc, att, actual.to_numpy(float), comp_score, unit, e_idx, at_level, notes
    )
    w = ind.weights.to_numpy()
    tw = sc.team.weight if sc.team is not None else 0.0
    team = team_part(ds, sc, months, actual, target, att, low, w, at_level, e_idx, notes)
    score = blend(ind.individual, team.score, tw)
    effective = (1 - tw) * ind.kpi_part + tw * team.points
    offset = (1 - tw) * ind.competence_part

    group_id = at_level(sc.rating.within, "rating.within")
    groups = Groups(group_id[e_idx])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grade = rate_scores(sc, score, groups)
    for wmsg in caught:
        notes.append(str(wmsg.message))
        warnings.warn(str(wmsg.message), wmsg.category, stacklevel=2)

    out = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].astype(str).to_numpy(),
            "unit_id": unit,
            "group_id": group_id,
            "team_id": team.team_id,
            "months": months_arr,
            "eligible": eligible,
            "reason": reason,
        }
    )
    _add_score_columns(out, sc, att, e_idx, ind, team.score, score, grade, comp_score)
    long = pd.DataFrame(
        {
            "rep_id": np.repeat(out["rep_id"].to_numpy()[e_idx], len(kpis)),
            "kpi": np.tile(kpis, len(e_idx)),
            "actual": actual.to_numpy(float)[e_idx].ravel(),
            "target": target.to_numpy(float)[e_idx].ravel(),
            "attainment": att[e_idx].ravel(),
            "score": ind.scores.ravel(),
            "weight": np.tile(w, len(e_idx)),
        }
    )
    long["contribution"] = long["score"] * long["weight"]
    note = ineligible_note(reason, eligible)
    if note is not None:
        notes.append(note)
    return Appraisal(
        reps=out,
        kpis=long,
        competence=comp_long,
        weights=ind.weights,
        scorecard=sc,
        period=label,
        effective=effective,
        offset=offset,
        groups=groups,
        notes=notes,
    )


def _add_score_columns(
    out: pd.DataFrame,
    sc: Scorecard,
    att: np.ndarray,
    e_idx: np.ndarray,
    ind: IndividualScores,
    team_score: np.ndarray,
    score: np.ndarray,
    grade: np.ndarray,
    comp_score: np.ndarray,
) -> None:
    """Attainment and points per KPI, the scores, the rating and its coefficient
    (NaN / <NA> for reps not rated)."""
    n = len(out)

    def put(values: np.ndarray) -> np.ndarray:
        col = np.full(n, np.nan)
        col[e_idx] = values
        return col

    for j, k in enumerate(sc.kpi_names):
        out[f"attainment_{k}"] = att[:, j]
        out[f"score_{k}"] = put(ind.scores[:, j])
    out["kpi_score"] = put(ind.kpi_score)
    out["competence_score"] = put(ind.competence_points) if sc.competence is not None else np.nan
    out["competence_raw"] = comp_score
    out["individual_score"] = put(ind.individual)
    out["team_score"] = put(team_score)
    out["score"] = put(score)
    gi = np.full(n, -1, dtype=np.int64)
    gi[e_idx] = grade
    out["grade_index"] = gi
    names = np.array(sc.rating.names, dtype=object)
    out["rating"] = pd.array(np.where(gi >= 0, names[np.maximum(gi, 0)], None), dtype="string")
    coef = sc.rating.coefficients
    if coef is not None:
        cvals = np.array([coef[x] for x in sc.rating.names])
        out["coefficient"] = np.where(gi >= 0, cvals[np.maximum(gi, 0)], np.nan)


def appraise_history(
    ds: Dataset,
    scorecard: Scorecard | dict | str | Path,
    periods: Sequence[str | int],
    min_months: int | None = None,
) -> pd.DataFrame:
    """Appraise several periods (oldest first) and stack the per-rep frames.

    Returns the :attr:`Appraisal.reps` frames with a ``period`` column and a
    ``period_index`` (0 = first), the input for promotion and PIP rules.
    """
    frames = []
    for i, p in enumerate(periods):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = appraise(ds, scorecard, p, min_months=min_months)
        f = a.reps.copy()
        f.insert(0, "period", a.period)
        f.insert(1, "period_index", i)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------- prepared core for simulation
@dataclass(frozen=True)
class Evaluation:
    """Arrays from :meth:`PreparedScorecard.evaluate`, each with the input's leading axes.

    ``kpi_points`` is (..., reps, kpis); the others are (..., reps). ``team_score``
    is ``None`` without a team blend; ``coefficient`` is ``None`` when the grades
    carry no coefficient.
    """

    attainment: np.ndarray
    kpi_points: np.ndarray
    kpi_score: np.ndarray
    individual: np.ndarray
    team_score: np.ndarray | None
    score: np.ndarray
    grade_index: np.ndarray
    coefficient: np.ndarray | None


@dataclass(frozen=True)
class PreparedScorecard:
    """A scorecard bound to a fixed set of reps, for the Monte Carlo engine.

    Everything that does not change between draws is computed once: the KPI
    weights, each rep's groups (ranking group, team, relative-rule groups), the
    forced-distribution counts per group (by largest remainder) and the
    competence points. :meth:`evaluate` then scores and rates any number of
    draws of actuals and targets with the same code :func:`appraise` uses, so a
    simulated appraisal follows exactly the rules of a real one.

    Build with :func:`prepare`.
    """

    scorecard: Scorecard
    rep_ids: np.ndarray
    weights: Weights
    lower_is_better: np.ndarray
    summed: np.ndarray
    rating_groups: Groups
    team_groups: Groups | None
    level_groups: dict[str, Groups]
    counts: np.ndarray | None
    competence_points: np.ndarray | None
    #: Per KPI: the scorecard column of its ``weight_kpi`` (unit means weighted by
    #: it, e.g. churn by revenue), -1 for a headcount mean; ``None`` when no KPI has one.
    mean_weight_index: np.ndarray | None = None
    #: Groups the individual score is calibrated across (``scorecard.calibration``).
    calibration_groups: Groups | None = None

    def evaluate(self, actual: np.ndarray, target: np.ndarray) -> Evaluation:
        """Score and rate draws of results.

        Parameters
        ----------
        actual, target : (..., reps, kpis) arrays
            The period's actual and target per rep and KPI (KPIs in scorecard
            order); leading axes are draws. Targets may be (reps, kpis) and are
            broadcast. Every rep must have a finite attainment (rate eligible reps
            only). The team score rolls up the reps passed in (``appraise`` also
            counts unrated reps with results towards their unit).
        """
        sc = self.scorecard
        act = np.asarray(actual, dtype=float)
        tgt = np.broadcast_to(np.asarray(target, dtype=float), act.shape)
        att = attainment(act, tgt, self.lower_is_better)
        pts = score_kpis(sc, att, act, self.level_groups)
        w = self.weights.to_numpy()
        kpi = composite(pts, w)
        cw = sc.competence.weight if sc.competence is not None else 0.0
        comp = self.competence_points if self.competence_points is not None else 0.0
        individual = (1 - cw) * kpi + cw * comp
        if sc.calibration is not None and self.calibration_groups is not None:
            individual = calibrate(individual, self.calibration_groups, sc.calibration.method)
        team = None
        if sc.team is not None and self.team_groups is not None:
            mean_w = None
            if self.mean_weight_index is not None and (self.mean_weight_index >= 0).any():
                mean_w = np.ones(act.shape)
                for j, src in enumerate(self.mean_weight_index):  # a handful of KPIs
                    if src >= 0:
                        mean_w[..., j] = act[..., src]
            _, team = team_scores(
                sc, act, tgt, self.lower_is_better, self.summed, self.team_groups, w, mean_w
            )
        score = blend(individual, team, sc.team.weight if sc.team is not None else 0.0)
        r = sc.rating
        if r.type == "bands":
            grade = rate_bands(score, r.thresholds)
        else:
            grade = rate_forced(
                score,
                self.rating_groups,
                r.shares,
                ties=r.ties,
                min_group=None,
                counts=self.counts,
                quota_tolerance=None,
            )
        coef = None
        if r.coefficients is not None:
            coef = np.array([r.coefficients[g] for g in r.names])[grade]
        return Evaluation(att, pts, kpi, individual, team, score, grade, coef)


def prepare(
    ds: Dataset,
    scorecard: Scorecard | dict | str | Path,
    rep_ids: Sequence[str],
    weights: Weights | None = None,
    competence: np.ndarray | None = None,
) -> PreparedScorecard:
    """Bind a scorecard to reps for repeated (simulated) appraisals.

    Parameters
    ----------
    ds : Dataset
        Supplies the hierarchy (groups) and the KPI directions and roll-up rules.
    rep_ids : list of str
        The reps to appraise, in the order of the arrays passed to ``evaluate``.
    weights : Weights, optional
        Required when the scorecard's weights come from data (entropy, CRITIC,
        combined): pass the weights of a reference appraisal (e.g. last year's
        ``Appraisal.weights``) so they stay fixed across draws.
    competence : (reps,) array, optional
        Competence scores (1-5) per rep, required when the scorecard counts
        competence.
    """
    sc = load_scorecard(scorecard)
    rep_ids = np.asarray(rep_ids, dtype=object).astype(str)
    reps = ds.reps.set_index("rep_id")
    missing = [r for r in rep_ids if r not in reps.index]
    if missing:
        raise KeyError(_("rep_id(s) not in the dataset: {missing}").format(missing=missing[:5]))
    unit = reps.loc[rep_ids, "unit_id"].astype(str).to_numpy()
    h = Hierarchy.of(ds)

    def at_level(level: str, where: str) -> np.ndarray:
        if level == "company":
            return np.full(len(rep_ids), h.root, dtype=object)
        if level not in h.levels:
            raise ValueError(
                _("scorecard.{where}: unknown level {level!r}; levels {levels}").format(
                    where=where, level=level, levels=h.levels
                )
            )
        return h.ancestor_at(unit, level)

    if weights is None:
        if sc.weights is not None and sc.weights.method in ("entropy", "critic", "combined"):
            raise ValueError(
                _(
                    "scorecard.weights: method {method!r} derives weights from data; pass fixed "
                    "weights (e.g. a reference appraisal's .weights)"
                ).format(method=sc.weights.method)
            )
        weights = sc.resolve_weights()
    if weights.names != sc.kpi_names:
        raise ValueError(
            _("weights cover {names}; the scorecard's KPIs are {kpi_names}").format(
                names=weights.names, kpi_names=sc.kpi_names
            )
        )
    kpis = sc.kpi_names
    lower = np.array([(k.direction or str(ds.kpi(k.kpi)["direction"])) == "lower" for k in sc.kpis])
    agg = ds.kpis.set_index("kpi")["aggregation"].reindex(kpis).fillna("sum").to_numpy()
    level_groups = {}
    for i, item in enumerate(sc.kpis):
        within = getattr(item.rule, "within", "company")
        if within != "company" and within not in level_groups:
            level_groups[within] = Groups(at_level(within, f"kpis[{i}].rule.within"))
    rating_groups = Groups(at_level(sc.rating.within, "rating.within"))
    team_groups = Groups(at_level(sc.team.level, "team.level")) if sc.team is not None else None
    counts = forced_counts(rating_groups, sc.rating.shares) if sc.rating.type == "forced" else None
    comp_pts = None
    if sc.competence is not None:
        if competence is None:
            raise ValueError(_("the scorecard counts competence: pass competence scores (1-5)"))
        c = np.asarray(competence, dtype=float)
        if c.shape != (len(rep_ids),) or np.isnan(c).any():
            raise ValueError(_("competence: one score (1-5) per rep, no missing values"))
        comp_pts = competence_points(c, sc.competence)
    mean_idx = None
    wkpi = mean_weight_kpis(ds, kpis)
    if wkpi and sc.team is not None:
        absent = {k: v for k, v in wkpi.items() if v not in kpis}
        if absent:
            raise ValueError(
                _(
                    "scorecard.team: the unit mean of {pairs} (weight_kpi), which the scorecard "
                    "does not appraise, so simulated draws cannot weight it; add it to "
                    "scorecard.kpis with weight 0"
                ).format(
                    pairs=_(", ").join(
                        _("{kpi} is weighted by {weight_kpi}").format(kpi=k, weight_kpi=v)
                        for k, v in absent.items()
                    )
                )
            )
        mean_idx = np.array([kpis.index(wkpi[k]) if k in wkpi else -1 for k in kpis])
    cal_groups = None
    if sc.calibration is not None:
        if sc.calibration.method == "mixed":
            raise NotImplementedError(
                _(
                    "scorecard.calibration.method: 'mixed' fits a model per appraisal and is not "
                    "available in simulations; use 'mean' or 'zscore'"
                )
            )
        by = sc.calibration.by
        cal_groups = Groups(unit if by == "unit" else at_level(by, "calibration.by"))
    return PreparedScorecard(
        sc, rep_ids, weights, lower, agg == "sum", rating_groups, team_groups, level_groups,
        counts, comp_pts, mean_idx, cal_groups,
    )  # fmt: skip

"""The steps of an appraisal round (:func:`simlib.appraisal.appraise`), one function each.

Who is rated and why not, the period's competence scores, the eligible reps' own
(individual) scores and the unit (team) part blended with them; each step appends
the reader's notes it has to the round's ``notes``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from simlib.appraisal.rating import Groups, calibrate
from simlib.appraisal.scorecard import (
    CompetenceSpec,
    Scorecard,
    competence_points,
    composite,
    score_kpis,
    team_scores,
)
from simlib.appraisal.weights import Weights
from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.i18n import _, ngettext


def mean_weight_kpis(ds: Dataset, kpis: Sequence[str]) -> dict[str, str]:
    """For each appraised ``mean`` KPI with a ``weight_kpi`` in ``ds.kpis``: that weight KPI.

    A unit's churn rate is its reps' churn weighted by their revenue when the
    KPI table says ``weight_kpi: revenue`` (the same rule as
    :func:`simlib.data.org.rollup`); without one, each rep counts once.
    """
    t = ds.kpis.set_index("kpi")
    if "weight_kpi" not in t.columns:
        return {}
    out = {}
    for k in kpis:
        if k in t.index and str(t.loc[k, "aggregation"]) == "mean":
            wk = t.loc[k, "weight_kpi"]
            if pd.notna(wk) and str(wk).strip():
                out[k] = str(wk)
    return out


def competence_scores(items: pd.DataFrame, spec: CompetenceSpec | None = None) -> pd.Series:
    """Each rep's competence score (1-5) from their item scores: the mean, or the weighted mean.

    Parameters
    ----------
    items : DataFrame
        ``rep_id, item, score`` (one row per rep and item, e.g. the mean of the
        period's assessments).
    spec : CompetenceSpec, optional
        With ``item_weights``, items are weighted (a rep missing an item is
        scored on the others, weights rescaled); otherwise every item counts once.

    Examples
    --------
    >>> t = pd.DataFrame({"rep_id": ["r", "r"], "item": ["a", "b"], "score": [4.0, 2.0]})
    >>> float(competence_scores(t).iloc[0])
    3.0
    """
    if spec is None or spec.item_weights is None:
        return items.groupby("rep_id")["score"].mean()
    w = items["item"].map(spec.item_weights).fillna(0.0).astype(float)
    t = items.assign(_w=w, _ws=w * items["score"])
    g = t.groupby("rep_id")[["_w", "_ws"]].sum()
    return (g["_ws"] / g["_w"].where(g["_w"] > 0)).rename("score")


def level_lookup(h: Hierarchy, unit: np.ndarray) -> Callable[[str, str], np.ndarray]:
    """A function ``(level, where) -> each rep's unit at that level`` (``company``:
    the root); an unknown level is refused naming ``scorecard.<where>``."""

    def at_level(level: str, where: str) -> np.ndarray:
        if level == "company":
            return np.full(len(unit), h.root, dtype=object)
        if level not in h.levels:
            raise ValueError(
                _(
                    "scorecard.{where}: unknown level {level!r}; the units table has levels "
                    "{levels} (or use 'company')"
                ).format(where=where, level=level, levels=h.levels)
            )
        return h.ancestor_at(unit, level)

    return at_level


def ineligible_reasons(
    att: np.ndarray, months_worked: np.ndarray, min_months: int, kpis: list[str], label: str
) -> np.ndarray:
    """Why each rep is not rated ("" when they are): too few months, or a KPI without target."""
    reason = np.full(len(att), "", dtype=object)
    reason[months_worked < min_months] = _("employed under {n} months in {period}").format(
        n=min_months, period=label
    )
    for j, k in enumerate(kpis):
        miss = np.isnan(att[:, j]) & (reason == "")
        reason[miss] = _("no target for {kpi} in {period}").format(kpi=k, period=label)
    return reason


def period_competence(
    ds: Dataset, sc: Scorecard, months: pd.PeriodIndex, rep_ids: pd.Index, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean item score per rep over the period's assessments (long) and each rep's
    competence score (NaN without assessment), in the order of ``rep_ids``."""
    comp_long = pd.DataFrame(columns=["rep_id", "item", "score"])
    comp_score = np.full(len(rep_ids), np.nan)
    if ds.competence is None:
        return comp_long, comp_score
    c = ds.competence[ds.competence["period"].isin(months)]
    used = sc.competence.used_items if sc.competence is not None else None
    if used is not None:
        unknown = sorted(set(used) - set(ds.competence["item"].unique()))
        if unknown:
            where = "items" if sc.competence.items is not None else "item_weights"
            raise ValueError(
                _(
                    "scorecard.competence.{where}: {unknown} not in the competence table (items: "
                    "{items})"
                ).format(
                    where=where,
                    unknown=unknown,
                    items=sorted(ds.competence["item"].unique()),
                )
            )
        c = c[c["item"].isin(used)]
    comp_long = c.groupby(["rep_id", "item"], as_index=False)["score"].mean()
    per_rep = competence_scores(comp_long, sc.competence)
    comp_score = per_rep.reindex(rep_ids).to_numpy(float)
    if sc.competence is not None and sc.competence.item_weights is not None:
        n_items = comp_long.groupby("rep_id")["item"].nunique().reindex(rep_ids)
        partial = int((n_items < len(sc.competence.item_weights)).sum())
        if partial:
            notes.append(
                ngettext(
                    "{n} rep not assessed on every weighted competence item: "
                    "scored on the items they have, weights rescaled",
                    "{n} reps not assessed on every weighted competence item: "
                    "scored on the items they have, weights rescaled",
                    partial,
                ).format(n=partial)
            )
    return comp_long, comp_score


class IndividualScores(NamedTuple):
    """The eligible reps' own scores: KPI points, weights, competence, calibration."""

    scores: np.ndarray  # (eligible, KPIs) points per KPI
    weights: Weights
    kpi_score: np.ndarray  # KPI composite
    competence_points: np.ndarray
    individual: np.ndarray  # after calibration
    kpi_part: np.ndarray  # per unit of KPI weight, calibrated like ``individual``
    competence_part: np.ndarray


def individual_scores(
    sc: Scorecard,
    att: np.ndarray,
    actual: np.ndarray,
    comp_score: np.ndarray,
    unit: np.ndarray,
    e_idx: np.ndarray,
    at_level: Callable[[str, str], np.ndarray],
    notes: list[str],
) -> IndividualScores:
    """KPI points (relative rules rank within groups of eligible reps), the weights,
    the competence points and the calibrated individual score of the eligible reps."""
    level_groups: dict[str, Groups] = {}
    for i, item in enumerate(sc.kpis):
        within = getattr(item.rule, "within", "company")
        if within != "company" and within not in level_groups:
            level_groups[within] = Groups(at_level(within, f"kpis[{i}].rule.within")[e_idx])
    scores_e = score_kpis(sc, att[e_idx], actual[e_idx], level_groups)
    finite = np.where(np.isfinite(scores_e), scores_e, np.nan)
    weights = sc.resolve_weights(finite)
    kpi_comp = composite(scores_e, weights.to_numpy())

    cw = sc.competence.weight if sc.competence is not None else 0.0
    comp_pts = np.zeros(len(e_idx))
    if sc.competence is not None:
        raw = comp_score[e_idx]
        if sc.competence.calibrate != "none":
            raw = calibrate(raw, Groups(unit[e_idx]), sc.competence.calibrate)
            notes.append(
                _("competence scores calibrated by the rep's unit ({method})").format(
                    method=sc.competence.calibrate
                )
            )
        comp_pts = competence_points(raw, sc.competence)
    individual = (1 - cw) * kpi_comp + cw * comp_pts
    kpi_part = (1 - cw) * scores_e  # per unit of KPI weight
    comp_part = cw * comp_pts
    cal = sc.calibration
    if cal is not None:
        by = unit if cal.by == "unit" else at_level(cal.by, "calibration.by")
        cal_groups = Groups(by[e_idx])
        individual = calibrate(individual, cal_groups, cal.method)
        if cal.method == "mean":
            # "mean" calibration is linear: apply it to each KPI column and to the
            # competence part, so score = effective @ weights + offset still holds.
            kpi_part = calibrate(kpi_part.T, cal_groups, "mean").T
            comp_part = calibrate(comp_part, cal_groups, "mean")
        across = (
            _("individual scores calibrated ({method}) across units (the unit head rates)")
            if cal.by == "unit"
            else _("individual scores calibrated ({method}) across {level} units")
        )
        notes.append(across.format(method=cal.method, level=_(cal.by)))
    return IndividualScores(scores_e, weights, kpi_comp, comp_pts, individual, kpi_part, comp_part)


class TeamPart(NamedTuple):
    """The unit (team) each rep is blended with and its points."""

    team_id: np.ndarray  # every rep
    points: np.ndarray  # (eligible, KPIs) the unit's points per KPI
    score: np.ndarray  # (eligible,) the unit's composite


def team_part(
    ds: Dataset,
    sc: Scorecard,
    months: pd.PeriodIndex,
    actual: pd.DataFrame,
    target: pd.DataFrame,
    att: np.ndarray,
    low: np.ndarray,
    w: np.ndarray,
    at_level: Callable[[str, str], np.ndarray],
    e_idx: np.ndarray,
    notes: list[str],
) -> TeamPart:
    """The unit's own attainment scored (all its reps with data, eligible or not)."""
    n = len(actual)
    kpis = list(actual.columns)
    if sc.team is None:
        return TeamPart(
            np.full(n, None, dtype=object),
            np.zeros((len(e_idx), len(kpis))),
            np.full(len(e_idx), np.nan),
        )
    team_id = at_level(sc.team.level, "team.level")
    has = ~np.isnan(att).any(axis=1)  # reps with a full comparison count for the unit
    agg = ds.kpis.set_index("kpi")["aggregation"].reindex(kpis).fillna("sum").to_numpy()
    wkpi = mean_weight_kpis(ds, kpis)
    mean_w = None
    if wkpi:
        # Each rep's period total of the weight KPI (their revenue, for churn).
        sales_p = ds.sales[ds.sales["period"].isin(months)]
        tot = sales_p.groupby(["rep_id", "kpi"])["value"].sum().unstack("kpi")
        mean_w = np.ones((n, len(kpis)))
        for j, k in enumerate(kpis):
            if k in wkpi:
                col = tot[wkpi[k]] if wkpi[k] in tot.columns else pd.Series(dtype=float)
                mean_w[:, j] = col.reindex(actual.index).fillna(0.0).to_numpy(float)
        notes.append(
            _("unit means weighted: {pairs} (weight_kpi in the KPI table)").format(
                pairs=_(", ").join(
                    _("{kpi} by {weight_kpi}").format(kpi=k, weight_kpi=v) for k, v in wkpi.items()
                )
            )
        )
    pts_all, _unit_scores = team_scores(
        sc,
        np.where(has[:, None], actual.to_numpy(float), np.nan),
        np.where(has[:, None], target.to_numpy(float), np.nan),
        low,
        agg == "sum",
        Groups(team_id),
        w,
        mean_weights=mean_w,
    )
    team_pts_kpi = pts_all[e_idx]
    team_score_e = composite(team_pts_kpi, w)
    if np.isnan(team_score_e).any():
        raise ValueError(_("a unit's team score is undefined (no targets in the unit)"))
    return TeamPart(team_id, team_pts_kpi, team_score_e)


def ineligible_note(reason: np.ndarray, eligible: np.ndarray) -> str | None:
    """ "k of n reps not rated: <reason> (count), ..." or None when every rep is rated."""
    n_inel = int((~eligible).sum())
    if not n_inel:
        return None
    reasons = _(", ").join(
        _("{reason} ({n})").format(reason=k, n=v)
        for k, v in pd.Series(reason[~eligible]).value_counts().items()
    )
    return ngettext(
        "{k} of {n} rep not rated: {reasons}",
        "{k} of {n} reps not rated: {reasons}",
        len(reason),
    ).format(k=n_inel, n=len(reason), reasons=reasons)

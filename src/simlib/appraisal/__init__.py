"""Appraisal: KPI scorecards, weights (manual, AHP, entropy, CRITIC), ratings, calibration.

>>> import simlib as sl
>>> w = sl.appraisal.ahp([[1, 3], [1/3, 1]], ["revenue", "new_customers"])
>>> w.weights.round(2).tolist(), w.consistency_ratio
([0.75, 0.25], 0.0)

Sub-modules: :mod:`~simlib.appraisal.weights` (weights),
:mod:`~simlib.appraisal.scorecard` (the spec and the vectorized scoring core),
:mod:`~simlib.appraisal.rating` (bands, forced distribution, calibration),
:mod:`~simlib.appraisal.appraise` (the tidy edge over a Dataset) and
:mod:`~simlib.appraisal.analysis` (sensitivity and design diagnostics).
"""

from __future__ import annotations

from simlib.appraisal.analysis import (
    break_even_weights,
    decisive_kpis,
    kpi_correlations,
    rating_distribution,
    rating_variance_shares,
    shift_weight,
    variance_shares,
    weight_sensitivity,
)
from simlib.appraisal.appraise import (
    Appraisal,
    Evaluation,
    PreparedScorecard,
    appraise,
    appraise_history,
    last_full_year,
    period_months,
    prepare,
    rate_scores,
)
from simlib.appraisal.rating import (
    Groups,
    QuotaDeviationWarning,
    RatingError,
    SmallGroupWarning,
    calibrate,
    forced_counts,
    percentile_within,
    rate_bands,
    rate_forced,
    zscore_within,
)
from simlib.appraisal.scorecard import (
    Scorecard,
    attainment,
    blend,
    competence_points,
    composite,
    load_scorecard,
    score_kpis,
    score_rule,
    team_scores,
)
from simlib.appraisal.steps import competence_scores
from simlib.appraisal.weights import (
    SAATY_RANDOM_INDEX,
    InconsistentJudgmentsError,
    InconsistentJudgmentsWarning,
    Weights,
    ahp,
    ahp_hierarchy,
    combine,
    critic_weights,
    entropy_weights,
    manual,
    pairwise_matrix,
)

__all__ = [
    "SAATY_RANDOM_INDEX",
    "Appraisal",
    "Evaluation",
    "PreparedScorecard",
    "Groups",
    "InconsistentJudgmentsError",
    "InconsistentJudgmentsWarning",
    "RatingError",
    "Scorecard",
    "QuotaDeviationWarning",
    "SmallGroupWarning",
    "Weights",
    "ahp",
    "ahp_hierarchy",
    "appraise",
    "appraise_history",
    "attainment",
    "blend",
    "break_even_weights",
    "calibrate",
    "combine",
    "competence_points",
    "competence_scores",
    "composite",
    "critic_weights",
    "decisive_kpis",
    "entropy_weights",
    "forced_counts",
    "kpi_correlations",
    "last_full_year",
    "load_scorecard",
    "manual",
    "pairwise_matrix",
    "percentile_within",
    "period_months",
    "prepare",
    "rate_bands",
    "rate_forced",
    "rate_scores",
    "rating_distribution",
    "rating_variance_shares",
    "score_kpis",
    "score_rule",
    "shift_weight",
    "team_scores",
    "variance_shares",
    "weight_sensitivity",
    "zscore_within",
]

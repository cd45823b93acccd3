"""Weight sensitivity and appraisal-design diagnostics.

The source document asks whether the indicators "grasp what is key, the
standards are reasonable and the method fits" (指标抓住关键、标准合理、方法适用).
These functions answer that with numbers:

- :func:`weight_sensitivity`: ratings and rankings when each KPI weight moves by
  +/- delta (the other weights rescaled to keep the sum 1);
- :func:`break_even_weights`: how far each weight can move before the top-rated
  or bottom-rated group changes (closed form: scores are linear in the weight);
- :func:`kpi_correlations`: each KPI's points vs the composite and vs revenue;
- :func:`rating_distribution`: grade shares by unit or by manager (unit head);
- :func:`variance_shares`: share of the score variance each KPI accounts for;
- :func:`rating_variance_shares`: share of the rating variance each KPI explains
  (Shapley / LMG split of R²);
- :func:`decisive_kpis`: how often one KPI alone decides a rep's rating.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from simlib.appraisal.appraise import Appraisal
from simlib.appraisal.rating import SCORE_DECIMALS, Groups, forced_counts, tie_key
from simlib.i18n import _


def _require_linear(app: Appraisal, what: str) -> None:
    """The analyses below rely on ``score = effective @ weights + offset``."""
    cal = app.scorecard.calibration
    if cal is not None and cal.method != "mean":
        raise NotImplementedError(
            _(
                "{what}: the score is calibrated with {method!r}, which is not linear in the KPI "
                "weights; use scorecard.calibration.method 'mean' for this analysis"
            ).format(what=what, method=cal.method)
        )


def shift_weight(w: np.ndarray, k: int, new: float) -> np.ndarray:
    """Set weight ``k`` to ``new`` and rescale the others proportionally so the sum stays 1.

    When every other weight is 0 (``w[k]`` is 1) they share the remainder
    equally. A scorecard with one KPI has nothing to shift to: ``ValueError``.
    """
    w = np.asarray(w, dtype=float)
    if len(w) < 2:
        raise ValueError(_("one KPI only: its weight is 1 and cannot move"))
    new = float(np.clip(new, 0.0, 1.0))
    out = w.copy()
    rest = 1.0 - w[k]
    if rest > 1e-12:
        out *= (1.0 - new) / rest
    else:
        out[:] = (1.0 - new) / (len(w) - 1)
    out[k] = new
    return out


def _others(m: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Points of the other KPIs per unit of their combined weight, as :func:`shift_weight` moves them."""
    rest = 1.0 - w[k]
    if rest > 1e-12:
        return (m @ w - m[:, k] * w[k]) / rest
    # All other weights are 0: shift_weight spreads the freed weight equally over them.
    return (m.sum(axis=1) - m[:, k]) / (m.shape[1] - 1)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def weight_sensitivity(app: Appraisal, delta: float = 0.05) -> pd.DataFrame:
    """Ratings and rankings when each KPI weight moves by +/- ``delta``.

    Parameters
    ----------
    app : Appraisal
        A finished appraisal (its scores are ``effective @ weights + offset``).
    delta : float
        Change in one weight, as a fraction (0.05 = five percentage points).

    Returns
    -------
    pandas.DataFrame
        One row per KPI and direction: ``kpi``, ``change`` (+delta / -delta),
        ``weight_from``, ``weight_to``, ``rating_changed`` (share of rated reps
        whose grade changes), ``moved_up``, ``moved_down`` (shares),
        ``rank_correlation`` (Spearman, new vs current score),
        ``top_changed`` and ``bottom_changed`` (reps entering or leaving the
        best / worst grade). All draws of the ±delta scenarios are rated in one
        vectorized call.
    """
    _require_linear(app, "weight_sensitivity")
    w = app.weights.to_numpy()
    names = app.weights.names
    base_grade = app.rated["grade_index"].to_numpy()
    base_score = app.effective @ w + app.offset
    rows, ws = [], []
    if len(names) < 2:
        return pd.DataFrame()  # one KPI: there is no weight to move
    for k, name in enumerate(names):
        for sign in (+1, -1):
            new = w[k] + sign * delta
            if new < 0 or new > 1:
                continue
            ws.append(shift_weight(w, k, new))
            rows.append((name, sign * delta, w[k], new))
    if not ws:
        return pd.DataFrame()
    W = np.stack(ws)  # (scenarios, kpis)
    scores = W @ app.effective.T + app.offset  # (scenarios, reps)
    grades = app.rate(scores)
    last = len(app.scorecard.rating.grades) - 1
    out = []
    for i, (name, ch, w0, w1) in enumerate(rows):
        g = grades[i]
        out.append(
            {
                "kpi": name,
                "change": ch,
                "weight_from": w0,
                "weight_to": w1,
                "rating_changed": float(np.mean(g != base_grade)),
                "moved_up": float(np.mean(g < base_grade)),
                "moved_down": float(np.mean(g > base_grade)),
                "rank_correlation": _spearman(scores[i], base_score),
                "top_changed": int(np.sum((g == 0) != (base_grade == 0))),
                "bottom_changed": int(np.sum((g == last) != (base_grade == last))),
            }
        )
    return pd.DataFrame(out)


def _group_extremes(v: np.ndarray, member: np.ndarray, g: Groups) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the lowest member score and the highest non-member score (blocked layout).

    ``v`` and ``member`` are already in the blocked order ``g.perm``.
    """
    nonempty = g.sizes > 0
    starts = g.starts[nonempty]
    lo = np.minimum.reduceat(np.where(member, v, np.inf), starts)
    hi = np.maximum.reduceat(np.where(member, -np.inf, v), starts)
    return lo, hi


def _upper_slots(s0: np.ndarray, slope: np.ndarray, quota: np.ndarray, g: Groups) -> np.ndarray:
    """Reps in the first ``quota`` places of their group just after the current weight.

    Ranked by score, ties (after rounding) broken by the slope: the order an
    arbitrarily small move of the weight produces. Whatever the tie rule, the
    group's best grade can only change when a rep from these places and one
    from below swap (or tie), so this split, not today's grades, is what the
    crossing search watches: under ``ties="down"`` a tied pair at the boundary
    leaves a slot that a third rep takes by passing *them*.
    """
    order = np.lexsort((-slope, -tie_key(s0), g.codes))
    pos = np.empty(len(s0), dtype=np.int64)
    pos[order] = np.arange(len(s0))
    place = pos - g.starts[g.codes]
    return place < quota[g.codes]


def _forced_crossing(
    s0: np.ndarray, slope: np.ndarray, member: np.ndarray, g: Groups, span: float
) -> float:
    """Smallest step tau in (0, span] at which a non-member's score passes a member's (same group).

    Scores move as ``s0 + slope * tau``. ``h(tau)`` = the largest (non-member minus
    member) score gap over groups is convex in tau (a max of lines minus a min of
    lines), and at most ~0 at tau = 0, so ``{tau: h(tau) > tol}`` is a half-line
    and bisection finds its start exactly (to float precision) in O(reps) per
    step: no insiders x outsiders matrix, so a company of 100k reps is fine.
    Returns ``inf`` when no crossing happens within ``span``.
    """
    if span <= 0:
        return np.inf
    sp, bp, mp = s0[g.perm], slope[g.perm], member[g.perm]
    tol = 10.0**-SCORE_DECIMALS

    def crossed(tau: float) -> bool:
        lo, hi = _group_extremes(sp + bp * tau, mp, g)
        return bool((hi - lo > tol).any())

    if crossed(0.0):
        return 0.0
    if not crossed(span):
        return np.inf
    a, b = 0.0, span
    for _step in range(80):  # halves the bracket to float resolution
        mid = 0.5 * (a + b)
        if mid in (a, b):
            break
        if crossed(mid):
            b = mid
        else:
            a = mid
    return b


def _band_crossing(s0: np.ndarray, slope: np.ndarray, threshold: float, span: float) -> float:
    """Smallest step tau in (0, span] at which a score moving towards ``threshold`` reaches it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(slope != 0, (threshold - s0) / slope, np.nan)
    # Reps already at the threshold (tau ~ 0) are left to the probe in break_even_weights.
    ok = (tau > 1e-12) & (tau <= span)
    return float(tau[ok].min()) if ok.any() else np.inf


def break_even_weights(app: Appraisal) -> pd.DataFrame:
    """For each KPI weight: how far it can move before the top or bottom group changes.

    With the other weights rescaled proportionally (:func:`shift_weight`), every
    rep's score is linear in the weight t of the KPI: ``score = alpha + beta t``.

    - Forced distribution: the best (worst) grade of a ranking group changes when a
      non-member's line passes a member's; the first such point is found by
      bisection on a convex gap function (exact to float precision, O(reps) per
      step, see :func:`_forced_crossing`).
    - Absolute bands: it changes when a rep's line crosses the best grade's
      minimum (for the bottom group, the second-worst grade's minimum).

    Ties are handled by the tie rule itself: the candidate point is checked by
    rating the scores half-way to it with :meth:`Appraisal.rate`. When reps are
    tied at a group boundary (two reps level at a cap, both top under
    ``ties="up"``, or a score exactly on a band's minimum) any move of the
    weight can split them: the break-even weight is then today's weight
    (``delta`` 0, ``immediate`` True).

    Returns
    -------
    pandas.DataFrame
        ``kpi``, ``group`` ("top" / "bottom"), ``weight``, ``weight_up`` and
        ``weight_down`` (the weight at which the group first changes when the
        weight rises / falls; NaN if it never does within [0, 1]),
        ``delta_up``, ``delta_down`` (the same as changes from today's weight),
        ``immediate_up`` / ``immediate_down`` (True when a tie at the boundary
        makes any change of the weight change the group).
    """
    _require_linear(app, "break_even_weights")
    w = app.weights.to_numpy()
    m = app.effective
    b = app.offset
    grade = app.rated["grade_index"].to_numpy()
    rating = app.scorecard.rating
    last = len(rating.grades) - 1
    counts = (
        forced_counts(app.groups, rating.shares) if rating.type == "forced" else np.zeros((0, 0))
    )
    out = []
    for k, name in enumerate(app.weights.names):
        t0 = float(w[k])
        if len(w) < 2:
            alpha, beta = np.asarray(b + m[:, k], float), np.zeros(len(b))
        else:
            others = _others(m, w, k)
            alpha = others + b  # score(t) = m_k t + (1 - t) * others + b
            beta = m[:, k] - others
        s0 = alpha + beta * t0
        row: dict[str, object] = {"kpi": name}
        for label, member, th in (
            ("top", grade == 0, rating.thresholds[0]),
            ("bottom", grade == last, rating.thresholds[last - 1] if last >= 1 else None),
        ):
            res = {"group": label, "weight": t0}
            for side, direction, limit in (("up", 1.0, 1.0), ("down", -1.0, 0.0)):
                span = abs(limit - t0) if len(w) >= 2 else 0.0
                slope = direction * beta
                if rating.type == "forced":
                    # Members of the bottom group sit below the others: flip the scale.
                    flip = 1.0 if label == "top" else -1.0
                    quota = counts[:, 0 if label == "top" else last]
                    upper = _upper_slots(flip * s0, flip * slope, quota, app.groups)
                    tau = _forced_crossing(flip * s0, flip * slope, upper, app.groups, span)
                else:
                    tau = _band_crossing(s0, slope, float(th), span)
                t_star, immediate = np.nan, False
                if span > 0 and tau <= 1e-9:
                    t_star, immediate = t0, True  # a tie at the boundary splits at once
                elif span > 0:
                    probe = t0 + direction * 0.5 * min(tau, span)
                    g = app.rate(alpha + beta * probe)
                    member_at = g == (0 if label == "top" else last)
                    if (member_at != member).any():
                        t_star, immediate = t0, True
                    elif tau < span - 1e-12:
                        t_star = t0 + direction * tau
                    else:
                        # Reps that only become level at the limit itself (all of
                        # one KPI's points, say) change the group there by the tie rule.
                        g = app.rate(alpha + beta * limit)
                        if ((g == (0 if label == "top" else last)) != member).any():
                            t_star = limit
                res[f"weight_{side}"] = t_star
                res[f"delta_{side}"] = t_star - t0
                res[f"immediate_{side}"] = immediate
            out.append({**row, **res})
    cols = ["kpi", "group", "weight", "weight_up", "weight_down", "delta_up", "delta_down",
            "immediate_up", "immediate_down"]  # fmt: skip
    return pd.DataFrame(out, columns=cols)


def kpi_correlations(app: Appraisal, revenue: str | None = "revenue") -> pd.DataFrame:
    """Correlation of each KPI's points with the blended score and with revenue.

    A KPI whose points barely correlate with revenue may not be "grasping what is
    key"; one that correlates ~1 with the composite dominates it.

    Returns
    -------
    pandas.DataFrame indexed by KPI: ``weight``, ``corr_with_score`` (Pearson),
    ``corr_with_revenue`` (Pearson with the rep's revenue in the period; NaN if
    there is no such KPI), ``rank_corr_with_score`` (Spearman).
    """
    r = app.rated
    rev = None
    if revenue is not None:
        kp = app.kpis[app.kpis["kpi"] == revenue]
        if len(kp):
            rev = kp.set_index("rep_id")["actual"].reindex(r["rep_id"]).to_numpy()
    rows = {}
    for k in app.weights.names:
        x = r[f"score_{k}"].to_numpy()
        rows[k] = {
            "weight": app.weights[k],
            "corr_with_score": _corr(x, r["score"].to_numpy()),
            "corr_with_revenue": _corr(x, rev) if rev is not None else np.nan,
            "rank_corr_with_score": _spearman(x, r["score"].to_numpy()),
        }
    if app.scorecard.competence is not None:
        x = r["competence_score"].to_numpy()
        rows["(competence)"] = {
            "weight": app.scorecard.competence.weight,
            "corr_with_score": _corr(x, r["score"].to_numpy()),
            "corr_with_revenue": _corr(x, rev) if rev is not None else np.nan,
            "rank_corr_with_score": _spearman(x, r["score"].to_numpy()),
        }
    return pd.DataFrame(rows).T


def _corr(a: np.ndarray, b: np.ndarray | None) -> float:
    if b is None:
        return float("nan")
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or a[ok].std() == 0 or b[ok].std() == 0:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def rating_distribution(app: Appraisal, by: str = "group_id", min_n: int = 1) -> pd.DataFrame:
    """Share of each grade per unit (``by="group_id"``, ``"team_id"``) or per manager.

    ``by="unit_id"`` groups reps by their own unit, whose head is their manager
    (the rater). Columns: ``n`` and one share per grade; ``mean_score``. Groups
    smaller than ``min_n`` are dropped (leadership reports suppress small
    groups). A lenient manager shows as a unit with many top grades under
    absolute bands.
    """
    r = app.rated
    grades = app.scorecard.rating.names
    counts = app.rating_counts(by)
    n = counts.sum(axis=1)
    shares = counts.div(n, axis=0)
    shares.insert(0, "n", n)
    shares["mean_score"] = r.groupby(by)["score"].mean().reindex(shares.index)
    shares = shares[shares["n"] >= min_n]
    shares.columns = ["n", *grades, "mean_score"]
    if by == "unit_id":
        # The data model has no manager column: the rep's own unit stands for its head.
        shares.attrs["note"] = _(
            "manager = head of the rep's own unit (no manager column in the data)"
        )
    return shares


def variance_shares(app: Appraisal) -> pd.Series:
    """Share of the variance of the blended *score* that each KPI (and competence) accounts for.

    The score is ``sum_k w_k E_k + c`` (E_k the KPI's effective points, c the
    competence part), so ``Var(score) = sum_k w_k Cov(E_k, score) + Cov(c, score)``
    and the shares ``w_k Cov(E_k, score) / Var(score)`` sum to 1 (the usual
    covariance decomposition). A share can be negative when a KPI runs against
    the others. This is about the score; for the *rating* (a step function of
    the score, coarser and, under forced distribution, relative) use
    :func:`rating_variance_shares`.
    """
    _require_linear(app, "variance_shares")
    w = app.weights.to_numpy()
    s = app.effective @ w + app.offset
    var = s.var()
    if var == 0:
        return pd.Series(np.nan, index=app.weights.names)
    sc = s - s.mean()
    parts = {
        k: w[j] * float(np.mean((app.effective[:, j] - app.effective[:, j].mean()) * sc)) / var
        for j, k in enumerate(app.weights.names)
    }
    if app.scorecard.competence is not None:
        parts["(competence)"] = float(np.mean((app.offset - app.offset.mean()) * sc)) / var
    return pd.Series(parts, name="variance_share")


def rating_variance_shares(app: Appraisal, max_predictors: int = 12) -> pd.DataFrame:
    """Share of the *rating* variance explained by each KPI (and competence): LMG / Shapley R².

    The grade index of the rated reps is regressed (least squares, with an
    intercept) on each KPI's weighted points ``w_k E_k`` (and the competence
    part); the R² is split between the predictors by averaging each one's
    increase in R² over every order of entry (Lindeman, Merenda & Gold 1980;
    Grömping 2006, *J. Stat. Software* 17(1), "relaimpo"), so the shares are
    non-negative and sum to the R². What is left, ``1 - R²``, is rating
    variance no linear mix of the parts explains (band steps, ties, the forced
    curve within groups).

    Returns
    -------
    pandas.DataFrame indexed by KPI (and ``(competence)``), plus a row
    ``(not explained)``: ``share`` (of the rating variance). ``attrs["r2"]`` is
    the R². A grade index of 0 = best; the sign does not matter to R².
    """
    _require_linear(app, "rating_variance_shares")
    w = app.weights.to_numpy()
    parts = {k: app.effective[:, j] * w[j] for j, k in enumerate(app.weights.names)}
    if app.scorecard.competence is not None:
        parts["(competence)"] = np.asarray(app.offset, float)
    names = list(parts)
    p = len(names)
    if p > max_predictors:
        raise ValueError(
            _(
                "{p} predictors: the Shapley split needs 2^{p} regressions; raise max_predictors"
            ).format(p=p)
        )
    y = app.rated["grade_index"].to_numpy(float)
    n = len(y)
    yc = y - y.mean()
    syy = float(yc @ yc)
    if syy == 0 or n < 3:
        out = pd.DataFrame({"share": np.nan}, index=[*names, "(not explained)"])
        out.attrs["r2"] = float("nan")
        return out
    x = np.column_stack([parts[k] for k in names])
    x = x - x.mean(axis=0)
    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):  # 2^p subsets of a handful of KPIs, not reps
        cols = [j for j in range(p) if mask >> j & 1]
        beta, *_rest = np.linalg.lstsq(x[:, cols], yc, rcond=None)
        resid = yc - x[:, cols] @ beta
        r2[mask] = max(0.0, 1.0 - float(resid @ resid) / syy)
    from math import factorial

    share = np.zeros(p)
    for j in range(p):
        for mask in range(1 << p):
            if mask >> j & 1:
                continue
            size = bin(mask).count("1")
            weight = factorial(size) * factorial(p - size - 1) / factorial(p)
            share[j] += weight * (r2[mask | 1 << j] - r2[mask])
    total = float(r2[(1 << p) - 1])
    out = pd.DataFrame({"share": [*share, 1.0 - total]}, index=[*names, "(not explained)"])
    out.attrs["r2"] = total
    return out


def decisive_kpis(
    app: Appraisal,
    neutral: Callable[[np.ndarray], np.ndarray] | None = None,
    chunk: int = 256,
) -> pd.DataFrame:
    """How often one KPI alone decides a rep's rating.

    For each rep and KPI, the KPI's points are replaced by a neutral value (the
    median over rated reps, by default) for that rep only, and the rep is rated
    again with everyone else unchanged. The KPI is *pivotal* for the rep when
    the grade changes. Each counterfactual is one "draw" of the vectorized
    rating core (chunked), so forced-distribution quotas are re-applied exactly.

    Returns
    -------
    pandas.DataFrame
        One row per KPI: ``pivotal_share`` (share of rated reps whose grade this
        KPI alone changes), ``sole_pivotal_share`` (share for whom it is the only
        pivotal KPI). ``attrs["decided_by_one_kpi"]`` is the share of reps with
        exactly one pivotal KPI.
    """
    _require_linear(app, "decisive_kpis")
    m = app.effective
    w = app.weights.to_numpy()
    b = app.offset
    base = app.rated["grade_index"].to_numpy()
    n, k = m.shape
    neutral_val = (neutral or (lambda x: np.median(x, axis=0)))(m)
    score0 = m @ w + b
    pivotal = np.zeros((n, k), dtype=bool)
    for j in range(k):
        change = (neutral_val[j] - m[:, j]) * w[j]  # each rep's score change
        for s0 in range(0, n, chunk):
            idx = np.arange(s0, min(n, s0 + chunk))
            scores = np.broadcast_to(score0, (len(idx), n)).copy()
            scores[np.arange(len(idx)), idx] += change[idx]
            g = app.rate(scores)
            pivotal[idx, j] = g[np.arange(len(idx)), idx] != base[idx]
    count = pivotal.sum(axis=1)
    out = pd.DataFrame(
        {
            "pivotal_share": pivotal.mean(axis=0),
            "sole_pivotal_share": (pivotal & (count == 1)[:, None]).mean(axis=0),
        },
        index=app.weights.names,
    )
    out.attrs["decided_by_one_kpi"] = float(np.mean(count == 1))
    out.attrs["decided_by_none"] = float(np.mean(count == 0))
    return out

"""Ratings from scores: absolute bands, forced distribution over groups, calibration.

The core works on numpy arrays of shape ``(..., reps)``: any leading axes are
Monte Carlo draws (or scenarios), and group membership (a rep's unit) is one
integer code per rep, fixed across draws. Nothing loops over reps or draws.

Forced distribution
-------------------
Within each group (a unit, or the whole company) reps are sorted by score, best
first, and the grade counts for a group of ``n`` come from the shares by the
largest-remainder (Hamilton) method, so they sum to ``n`` exactly (e.g. 10/20/40/
20/10 of 7 reps -> 1, 1, 3, 1, 1). Forced distribution is unreliable in small
groups: GE-style 20/70/10 and the five-grade 10/20/40/20/10 curve are usually
applied only to groups of at least 25-30 people (``docs/practice.md``,
"forced distribution"); smaller groups raise a
:class:`SmallGroupWarning`.

**Tie rule.** Reps with equal scores in the same group always get the same
grade. "Equal" means equal after rounding to :data:`SCORE_DECIMALS` decimal
places (1e-9 points): composites computed in a different order differ by ~1e-14
(0.5 x 40 + 0.3 x 115 + ... vs 0.5 x 100 + ...), and such float noise must not
split two reps who score the same on paper. With ``ties="up"`` (default) a run of tied scores that straddles a
grade boundary all receive the *better* grade (nobody is marked down by an
arbitrary tie-break; the better grade then holds more people than its quota and
the next grade fewer). ``ties="down"`` gives them all the worse grade (strict
quotas for the top grade). ``ties="split"`` is the only rule that splits a tie:
it follows the quota exactly and breaks ties by rep order (the position in the
input), which is arbitrary and should be used only when the policy says so.
The vectorized core and the tidy edge use the same code, so the rule is applied
identically in simulations and in reports.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np

from simlib.errors import SimlibError, SimlibWarning
from simlib.i18n import _, ngettext

Ties = Literal["up", "down", "split"]

#: Scores are compared after rounding to this many decimal places (points), so
#: float noise from summing weighted points in a different order never decides
#: a rank, a tie or a band. 1e-9 points is far below any real score difference.
SCORE_DECIMALS = 9


def tie_key(scores: np.ndarray) -> np.ndarray:
    """Scores rounded to :data:`SCORE_DECIMALS` places: the values ranks and ties are taken on."""
    return np.round(np.asarray(scores, dtype=float), SCORE_DECIMALS)


class SmallGroupWarning(SimlibWarning):
    """A forced distribution is applied to a group smaller than the set minimum."""


class QuotaDeviationWarning(SimlibWarning):
    """Ties (``ties="up"``/``"down"``) moved a group's grade counts far from its quotas.

    E.g. a scoring rule with a cap puts a third of a unit at the cap: under
    ``ties="up"`` all of them get the top grade, whatever its 20% quota.
    """


class RatingError(SimlibError, ValueError):
    """Scores or groups cannot be rated (missing scores, bad shares ...)."""


# ------------------------------------------------------------- group helpers
class Groups:
    """Fixed group membership of reps (their unit at some level), for vectorized group ops.

    Parameters
    ----------
    codes : (reps,) array of int or labels
        Group of each rep. Labels are factorized; ``labels`` keeps them.
    """

    def __init__(self, codes: Sequence | np.ndarray) -> None:
        arr = np.asarray(codes)
        if arr.ndim != 1:
            raise RatingError(
                _("group codes must be one per rep (1-D), got shape {shape}").format(
                    shape=arr.shape
                )
            )
        if arr.dtype.kind in "iu":
            if len(arr) and arr.min() < 0:
                raise RatingError(_("group codes must be >= 0 (a rep with no group?)"))
            uniq, inv = np.unique(arr, return_inverse=True)
        else:
            if any(x is None or (isinstance(x, float) and np.isnan(x)) for x in arr):
                raise RatingError(_("every rep needs a group; some group labels are missing"))
            uniq, inv = np.unique(arr.astype(str), return_inverse=True)
        self.labels = uniq
        self.codes = inv.astype(np.int64)
        self.n_groups = len(uniq)
        self.n = len(arr)
        self.sizes = np.bincount(self.codes, minlength=self.n_groups)
        # Reps reordered so each group is one contiguous block, groups in code order.
        self.perm = np.argsort(self.codes, kind="stable")
        self.sorted_codes = self.codes[self.perm]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        # For each position in the blocked layout, where its block starts.
        self.block_start = self.starts[self.sorted_codes]
        small = np.uint8 if self.n_groups <= 256 else np.uint16
        self._sort_codes = self.codes.astype(small) if self.n_groups <= 65536 else self.codes

    @classmethod
    def single(cls, n: int) -> Groups:
        return cls(np.zeros(n, dtype=np.int64))

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per-group sums along the last axis: (..., reps) -> (..., groups). NaN counts as 0."""
        v = np.nan_to_num(np.take(values, self.perm, axis=-1), nan=0.0)
        nonempty = self.sizes > 0
        out = np.zeros((*values.shape[:-1], self.n_groups))
        if self.n:
            out[..., nonempty] = np.add.reduceat(v, self.starts[nonempty], axis=-1)
        return out

    def count(self, values: np.ndarray) -> np.ndarray:
        """Per-group count of non-NaN values."""
        return self.sum((~np.isnan(values)).astype(float))

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Per-group mean ignoring NaN; NaN for a group with no values."""
        c = self.count(values)
        s = self.sum(values)
        # Underflow (subnormal attainments such as 1e-308) is harmless: the result is ~0.
        with np.errstate(invalid="ignore", divide="ignore", under="ignore"):
            return np.where(c > 0, s / np.where(c > 0, c, 1), np.nan)

    def broadcast(self, per_group: np.ndarray) -> np.ndarray:
        """(..., groups) -> (..., reps): each rep gets its group's value."""
        return np.take(per_group, self.codes, axis=-1)

    def sort_desc(self, values: np.ndarray) -> np.ndarray:
        """Indices that order reps by group, then by value descending, along the last axis.

        Two stable sorts (value, then group) instead of a Python loop; ties keep
        input order.
        """
        o1 = np.argsort(-values, axis=-1, kind="stable")
        # Small integer codes let numpy's stable sort use radix sort (linear time).
        o2 = np.argsort(self._sort_codes[o1], axis=-1, kind="stable")
        return np.take_along_axis(o1, o2, axis=-1)

    def tie_runs(self, sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For values sorted by :meth:`sort_desc`: first and last position of each tie run.

        A run is a maximal stretch of equal values within one group.
        """
        n = sorted_values.shape[-1]
        pos = np.arange(n)
        new = np.ones(sorted_values.shape, dtype=bool)
        if n > 1:
            same_group = self.sorted_codes[1:] == self.sorted_codes[:-1]
            new[..., 1:] = ~(same_group & (sorted_values[..., 1:] == sorted_values[..., :-1]))
        start = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
        is_end = np.ones(sorted_values.shape, dtype=bool)
        is_end[..., :-1] = new[..., 1:]
        end_rev = np.minimum.accumulate(np.where(is_end, pos, n)[..., ::-1], axis=-1)
        end = end_rev[..., ::-1]
        return start, end


# ------------------------------------------------------------------- bands
def rate_bands(scores: np.ndarray, thresholds: Sequence[float | None]) -> np.ndarray:
    """Absolute rating bands: grade index (0 = best) for each score.

    Parameters
    ----------
    scores : (..., reps) array
        Composite scores (points; 100 = on target).
    thresholds : list
        Minimum score of each grade, best grade first, strictly decreasing; the
        last may be ``None`` (everyone else). A score below every threshold when
        the last is not ``None`` is an error: the bands must cover every score.

    Returns
    -------
    (..., reps) int array of grade indices.
    """
    s = np.asarray(scores, dtype=float)
    if np.isnan(s).any():
        raise RatingError(_("scores contain NaN; rate only reps with a complete appraisal"))
    # 79.99999999999999 from float arithmetic reaches an 80-point band.
    s = tie_key(s)
    th = list(thresholds)
    last_open = th[-1] is None
    cut = np.array([t for t in th if t is not None], dtype=float)
    if len(cut) > 1 and not (np.diff(cut) < 0).all():
        raise RatingError(
            _("band thresholds must decrease from the best grade: {cut}").format(cut=cut.tolist())
        )
    # Number of thresholds the score does NOT reach = grade index.
    grade = (s[..., None] < cut).sum(axis=-1)
    if not last_open and (grade >= len(cut)).any():
        lo = float(s[grade >= len(cut)].min())
        raise RatingError(
            _(
                "score {lo:.4g} is below the lowest band ({lowest:.4g}); give the last grade no "
                "minimum so it catches everyone else"
            ).format(lo=lo, lowest=cut[-1])
        )
    return grade.astype(np.int64)


# ------------------------------------------------------- forced distribution
def forced_counts(groups: Groups, shares: Sequence[float]) -> np.ndarray:
    """(groups, grades) counts: each group's size apportioned to the shares by largest remainder.

    One call to :func:`simlib.targets.apportion` (Hamilton) for all groups. Its
    tie rule decides equal remainders: the larger share wins, then the grade
    listed first (the better one), e.g. 10/20/40/20/10 of 5 reps -> 1, 1, 2, 1, 0.
    """
    from simlib.targets import apportion

    k = len(shares)
    if groups.n_groups == 0:
        return np.zeros((0, k), dtype=np.int64)
    w = np.broadcast_to(np.asarray(shares, dtype=float), (groups.n_groups, k))
    return np.asarray(apportion(w, groups.sizes.astype(np.int64), method="hamilton")).astype(
        np.int64
    )


def rate_forced(
    scores: np.ndarray,
    groups: Groups | Sequence | np.ndarray | None,
    shares: Sequence[float],
    ties: Ties = "up",
    min_group: int | None = 25,
    counts: np.ndarray | None = None,
    quota_tolerance: float | None = 0.1,
) -> np.ndarray:
    """Forced-distribution ratings within groups; vectorized over leading draw axes.

    Parameters
    ----------
    scores : (..., reps) array
        Scores to rank (higher is better). No NaN: rate eligible reps only.
    groups : Groups or (reps,) codes or None
        The group each rep is ranked within (e.g. their branch); ``None`` ranks
        the whole company together.
    shares : list of float
        Share of each grade, best first, summing to 1 (e.g. ``[0.2, 0.7, 0.1]``).
    ties : {"up", "down", "split"}
        The tie rule (module docstring). Default ``"up"``.
    min_group : int or None
        Warn (:class:`SmallGroupWarning`) for groups smaller than this; the
        literature puts the floor for a meaningful forced curve at 25-30.
    counts : (groups, grades) int array, optional
        Precomputed :func:`forced_counts` (the Monte Carlo engine computes them
        once, since group sizes are fixed).
    quota_tolerance : float or None
        Warn (:class:`QuotaDeviationWarning`, with the counts) when ties move a
        grade's count in a group away from its quota by more than this share of
        the group (and by more than one rep). ``None`` skips the check (the
        Monte Carlo engine, which reports distributions itself).

    Returns
    -------
    (..., reps) int array of grade indices (0 = best).

    Examples
    --------
    >>> rate_forced(np.array([5.0, 4, 4, 3, 1]), None, [0.2, 0.6, 0.2], min_group=None).tolist()
    [0, 1, 1, 1, 2]
    """
    s = np.asarray(scores, dtype=float)
    if np.isnan(s).any():
        raise RatingError(_("scores contain NaN; rate only reps with a complete appraisal"))
    shares = np.asarray(shares, dtype=float)
    if (shares < 0).any() or not np.isclose(shares.sum(), 1.0, atol=1e-9):
        raise RatingError(
            _("grade shares must be >= 0 and sum to 1 (100%); they sum to {total:.6g}").format(
                total=shares.sum()
            )
        )
    if ties not in ("up", "down", "split"):
        raise RatingError(_("ties must be 'up', 'down' or 'split', got {ties!r}").format(ties=ties))
    g = (
        groups
        if isinstance(groups, Groups)
        else (Groups.single(s.shape[-1]) if groups is None else Groups(groups))
    )
    if g.n != s.shape[-1]:
        raise RatingError(_("{n} group codes for {n_reps} reps").format(n=g.n, n_reps=s.shape[-1]))
    if min_group:
        small = g.sizes < min_group
        if small.any():
            names = [str(x) for x in g.labels[small][:8]]
            warnings.warn(
                ngettext(
                    "forced distribution over {n} group smaller than {min} people "
                    "(e.g. {names}, sizes {sizes}); quotas in groups this small are "
                    "unreliable (practice: 25-30 minimum): rate over a higher level or use "
                    "absolute bands",
                    "forced distribution over {n} groups smaller than {min} people "
                    "(e.g. {names}, sizes {sizes}); quotas in groups this small are "
                    "unreliable (practice: 25-30 minimum): rate over a higher level or use "
                    "absolute bands",
                    int(small.sum()),
                ).format(
                    n=int(small.sum()),
                    min=min_group,
                    names=names,
                    sizes=g.sizes[small][:8].tolist(),
                ),
                SmallGroupWarning,
                stacklevel=2,
            )
    if counts is None:
        counts = forced_counts(g, shares)
    # Grade of each slot in the blocked (group-sorted) layout: fixed across draws.
    slot_grade = (
        np.concatenate([np.repeat(np.arange(len(shares)), c) for c in counts])
        if g.n
        else np.zeros(0, dtype=np.int64)
    )
    # Rank on rounded scores: float noise (~1e-14) must not split a tie (module docstring).
    s = tie_key(s)
    order = g.sort_desc(s)
    if ties == "split":
        sorted_grade = np.broadcast_to(slot_grade, s.shape)
    else:
        sv = np.take_along_axis(s, order, axis=-1)
        start, end = g.tie_runs(sv)
        sorted_grade = slot_grade[start if ties == "up" else end]
    out = np.empty(s.shape, dtype=np.int64)
    np.put_along_axis(out, order, sorted_grade, axis=-1)
    if quota_tolerance is not None and ties != "split" and g.n:
        _check_quotas(out, g, counts, quota_tolerance)
    return out


def _check_quotas(grade: np.ndarray, g: Groups, counts: np.ndarray, tol: float) -> None:
    """Warn when ties moved grade counts far from the quotas (one message, worst group)."""
    k = counts.shape[1]
    actual = np.stack([g.sum((grade == j).astype(float)) for j in range(k)], axis=-1)
    off = np.abs(actual - counts)  # (..., groups, grades)
    limit = np.maximum(1.0, tol * g.sizes)[:, None]
    bad = off > limit
    if not bad.any():
        return
    worst = np.unravel_index(int(np.argmax(np.where(bad, off, -1))), off.shape)
    gi = worst[-2]
    got = actual[worst[:-1]].astype(int).tolist()
    warnings.warn(
        _(
            "tied scores moved grade counts away from the quotas in group {group} "
            "({n} reps): quotas {quotas}, given {given} (tolerance {tolerance} of the "
            "group); many reps share a score (a cap or a step?): a finer scoring rule, or "
            "ties='down'/'split', keeps the curve"
        ).format(
            group=g.labels[gi],
            n=int(g.sizes[gi]),
            quotas=counts[gi].tolist(),
            given=got,
            tolerance=f"{tol:.0%}",
        ),
        QuotaDeviationWarning,
        stacklevel=3,
    )


def percentile_within(values: np.ndarray, groups: Groups) -> np.ndarray:
    """Mid-rank percentile (0-1, 1 = best) of each value within its group; ties share a rank."""
    v = tie_key(values)
    order = groups.sort_desc(v)
    sv = np.take_along_axis(v, order, axis=-1)
    start, end = groups.tie_runs(sv)
    rank_in_group = (start + end) / 2.0 - groups.block_start  # 0 = best
    size = groups.sizes[groups.sorted_codes]
    pct_sorted = 1.0 - (rank_in_group + 0.5) / size
    out = np.empty(v.shape)
    np.put_along_axis(out, order, pct_sorted, axis=-1)
    return out


def zscore_within(values: np.ndarray, groups: Groups) -> np.ndarray:
    """(value - group mean) / group standard deviation (population); 0 where the sd is 0."""
    v = np.asarray(values, dtype=float)
    mean = groups.mean(v)
    with np.errstate(under="ignore"):  # subnormal deviations square to ~0, harmlessly
        var = groups.mean((v - groups.broadcast(mean)) ** 2)
    sd = groups.broadcast(np.sqrt(var))
    with np.errstate(invalid="ignore", divide="ignore", under="ignore"):
        z = (v - groups.broadcast(mean)) / sd
    return np.where(sd > 0, z, 0.0)


# ------------------------------------------------------------- calibration
def calibrate(
    scores: np.ndarray,
    groups: Groups | Sequence | np.ndarray,
    method: Literal["zscore", "mean", "mixed"] = "zscore",
) -> np.ndarray:
    """Remove rater (manager / unit) leniency from scores.

    Parameters
    ----------
    scores : (..., reps) array
        Scores given by, or computed within, different units (NaN = not scored).
    groups : Groups or codes
        The rater of each rep: usually the rep's own unit, whose head assesses them.
    method : {"zscore", "mean", "mixed"}
        ``"zscore"``: standardize within each group, then rescale to the overall
        mean and standard deviation, so every rater's scores have the same
        centre and spread (assumes every group has the same true mix of talent:
        appropriate for manager ratings, not for results that really differ).
        ``"mean"``: shift each group to the overall mean, keeping spreads.
        ``"mixed"``: a random-intercept model ``score ~ 1 + (1 | rater)`` fitted
        with statsmodels ``MixedLM`` (REML); the rater's estimated leniency (its
        BLUP intercept, shrunk towards 0 for raters with few reps) is subtracted.
        Shrinkage makes it the safest choice for small units. Only for 1-D
        scores (it fits a model per call).

    Returns
    -------
    Calibrated scores, same shape; NaN stays NaN.
    """
    s = np.asarray(scores, dtype=float)
    g = groups if isinstance(groups, Groups) else Groups(groups)
    ok = ~np.isnan(s)
    if method == "mixed":
        if s.ndim != 1:
            raise RatingError(_("method='mixed' calibrates one set of scores (1-D) at a time"))
        from statsmodels.regression.mixed_linear_model import MixedLM

        y, codes = s[ok], g.codes[ok]
        if len(np.unique(codes)) < 2:
            return s.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on tiny groups
            # score ~ 1 + (1 | rater): the intercept as a column of ones (no formula).
            fit = MixedLM(y, np.ones((len(y), 1)), groups=codes).fit(reml=True)
        effect = np.zeros(g.n_groups)
        for k, v in fit.random_effects.items():
            effect[int(k)] = float(np.asarray(v)[0])
        return np.where(ok, s - effect[g.codes], np.nan)
    overall_mean = np.nanmean(s, axis=-1, keepdims=True)
    group_mean = g.broadcast(g.mean(s))
    if method == "mean":
        return np.where(ok, s - group_mean + overall_mean, np.nan)
    if method == "zscore":
        overall_sd = np.nanstd(s, axis=-1, keepdims=True)
        return np.where(ok, overall_mean + overall_sd * zscore_within(s, g), np.nan)
    raise RatingError(
        _("calibration method must be 'zscore', 'mean' or 'mixed', got {method!r}").format(
            method=method
        )
    )

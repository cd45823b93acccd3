"""Plan-health and fairness metrics, computed on per-draw arrays.

Each function takes arrays whose last axis is reps (any leading axes are draws)
and returns one value per draw, so a metric's distribution over draws (mean,
P5, P50, P95) is what reports show, never one average. Reference bands come from
``docs/practice.md``:

* share of reps at or above quota: design aim 60-70% (Alexander Group); above
  85% too easy, below 45% too hard;
* pay-performance alignment (Spearman of payout with attainment): >= 0.8 strong,
  0.6-0.8 moderate, < 0.6 loose (Falcon Incentives rule of thumb);
* leverage (P90 rep payout / target incentive): about 2x, some plans 3x (SalesGlobe);
* cost of sales (cash compensation / revenue): typically 3-9% (ZS); by quartile,
  bottom 52% vs top 17% in one study (Sibson 2010).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simlib.i18n import _

#: Reference bands shown beside metrics: (low, high, source).
REFERENCE_BANDS: dict[str, tuple[float, float, str]] = {
    "share_at_quota": (0.60, 0.70, "Alexander Group design aim"),
    "pay_performance_spearman": (0.80, 1.00, "Falcon Incentives: >= 0.8 strong"),
    "leverage": (2.0, 3.0, "SalesGlobe: P90 earns ~2x (some 3x) target incentive"),
    "cost_of_sales": (0.03, 0.09, "ZS: cash compensation / revenue typically 3-9%"),
}


def total(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Sum along ``axis`` in a fixed left-to-right order.

    ``ndarray.sum`` along a contiguous axis uses SIMD pairwise summation whose
    grouping depends on the array's memory alignment, so the same numbers can
    sum to results that differ in the last bit when they sit in differently
    allocated arrays (different chunk sizes, threads, workers). A running sum
    has one order, so per-draw results are bit-identical however draws are
    chunked.
    """
    x = np.asarray(x, dtype=float)
    if x.shape[axis] == 0:
        return np.zeros(np.delete(x.shape, axis if axis >= 0 else x.ndim + axis))
    return np.take(np.cumsum(x, axis=axis), -1, axis=axis)


#: A unit of :class:`ExactSums`: every float64 is a whole multiple of 2**-1126
#: (the smallest subnormal's 53-bit mantissa at its exponent).
_EXACT_SHIFT = 1126


@dataclass(frozen=True)
class ExactSums:
    """Exactly rounded sums, per cell, that do not depend on the order of addition.

    ``ints`` holds each cell's sum of finite values as a Python integer in units of
    2**-1126 (exact); ``special`` the sum of the non-finite values (0, inf, -inf or
    NaN: these add the same in any order). Sums of parts of the same values add
    with ``+`` to the sum of the whole, exactly, so a population's total is the same
    number whether it was summed at once or in partitions. :meth:`value` rounds once,
    to nearest (as :func:`math.fsum`).
    """

    ints: np.ndarray  # object array of int
    special: np.ndarray  # float

    def __add__(self, other: ExactSums) -> ExactSums:
        return ExactSums(
            np.asarray(self.ints + other.ints, dtype=object),
            np.asarray(self.special + other.special, dtype=float),
        )

    def value(self) -> np.ndarray:
        """The sums as float64, each correctly rounded (inf when beyond float range)."""
        out = np.empty(self.ints.shape)
        scale = 1 << _EXACT_SHIFT
        flat = out.reshape(-1)
        pairs = zip(self.ints.ravel().tolist(), self.special.ravel().tolist(), strict=True)
        for i, (n, s) in enumerate(pairs):
            if s != 0:
                flat[i] = s
                continue
            try:
                flat[i] = n / scale  # int / int: correctly rounded
            except OverflowError:
                flat[i] = math.copysign(math.inf, n)
        return out


def exact_sums(
    values: np.ndarray, groups: np.ndarray | None = None, n_groups: int = 1
) -> ExactSums:
    """Per draw (leading axes) and group, the exact sum of ``values`` over the last axis.

    Without ``groups`` one cell per draw (shape of the leading axes); with
    ``groups`` (an integer code per element of the last axis, or per element)
    cells of shape (..., n_groups). Each value is split (:func:`numpy.frexp`) into
    its exponent and a 53-bit integer mantissa, the mantissa into a 27-bit and a
    26-bit half; per cell and exponent :func:`numpy.bincount` adds the halves as
    floats, which is exact for integers below 2**53 (up to 2**26 values per cell),
    and the few partial sums per cell are combined as Python integers.
    """
    v = np.asarray(values, dtype=float)
    lead_shape = v.shape[:-1]
    lead = int(np.prod(lead_shape)) if lead_shape else 1
    v2 = v.reshape(lead, v.shape[-1] if v.ndim else 1)
    if groups is None:
        n_groups = 1
        cell = np.broadcast_to(np.arange(lead)[:, None], v2.shape)
    else:
        g = np.broadcast_to(groups, v.shape).reshape(v2.shape)
        cell = np.arange(lead)[:, None] * n_groups + g
    n_cells = lead * n_groups
    cell = cell.ravel()
    flat = v2.ravel()
    finite = np.isfinite(flat)
    special = np.bincount(cell, np.where(finite, 0.0, flat), minlength=n_cells)
    mant, exp = np.frexp(np.where(finite, flat, 0.0))
    ints = np.empty(n_cells, dtype=object)
    ints[:] = [0] * n_cells
    if flat.size:
        hi = np.trunc(mant * 2.0**27)
        lo = mant * 2.0**53 - hi * 2.0**26
        e0 = int(exp.min())
        ne = int(exp.max()) - e0 + 1
        key = cell * ne + (exp - e0)
        h = np.bincount(key, hi, minlength=n_cells * ne).reshape(n_cells, ne)
        lw = np.bincount(key, lo, minlength=n_cells * ne).reshape(n_cells, ne)
        rows, cols = np.nonzero((h != 0) | (lw != 0))
        hv, lv = h[rows, cols].tolist(), lw[rows, cols].tolist()
        acc = [0] * n_cells
        for r, c, a, b in zip(rows.tolist(), cols.tolist(), hv, lv, strict=True):
            acc[r] += ((int(a) << 26) + int(b)) << (c + e0 - 53 + _EXACT_SHIFT)
        ints[:] = acc
    shape = (*lead_shape, n_groups) if groups is not None else lead_shape
    return ExactSums(ints.reshape(shape), special.reshape(shape))


def exact_total(values: np.ndarray) -> np.ndarray:
    """Per draw, the correctly rounded sum of ``values`` over the last axis, whatever
    the order of the values (:func:`exact_sums`)."""
    return exact_sums(values).value()


#: Attainment bands for "equal attainment" comparisons (fractions of quota).
ATTAINMENT_BANDS: tuple[float, ...] = (0.0, 0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, np.inf)


def gini(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Gini coefficient of non-negative amounts along ``axis`` (0 equal, 1 one takes all).

    Uses the sorted-rank form G = sum((2i - n - 1) x_(i)) / (n sum x) with
    i = 1..n, which equals the mean absolute difference over twice the mean.
    All-zero rows give 0.
    """
    return gini_of_sorted(np.sort(np.moveaxis(np.asarray(x, dtype=float), axis, -1), axis=-1))


def gini_of_sorted(x: np.ndarray) -> np.ndarray:
    """:func:`gini` of amounts already sorted ascending along the last axis."""
    n = x.shape[-1]
    if n == 0:
        return np.full(x.shape[:-1], np.nan)
    i = np.arange(1, n + 1)
    whole = total(x)
    num = total((2 * i - n - 1) * x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(whole > 0, num / (n * whole), 0.0)


def average_ranks(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis, ties given their average rank (as
    ``scipy.stats.rankdata``), from ``order``, the indices that sort ``x``.

    One sort serves several statistics (ranks, quartiles, sorted values for Gini).
    """
    x = np.asarray(x, dtype=float)
    if np.isnan(x).any():
        return stats.rankdata(x, axis=-1)
    n = x.shape[-1]
    xs = np.take_along_axis(x, order, axis=-1)
    idx = np.broadcast_to(np.arange(n), xs.shape)
    new = np.ones(xs.shape, dtype=bool)
    new[..., 1:] = xs[..., 1:] != xs[..., :-1]
    first = np.maximum.accumulate(np.where(new, idx, 0), axis=-1)
    last_flag = np.ones(xs.shape, dtype=bool)
    last_flag[..., :-1] = new[..., 1:]
    last = np.flip(
        np.minimum.accumulate(np.flip(np.where(last_flag, idx, n - 1), axis=-1), axis=-1), axis=-1
    )
    ranks = np.empty(xs.shape)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=-1)
    return ranks


def spearman_of_ranks(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """:func:`spearman` from the two sides' ranks (last axis)."""
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    num = (rx * ry).sum(axis=-1)
    den = np.sqrt((rx**2).sum(axis=-1) * (ry**2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def spearman(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman rank correlation of ``x`` and ``y`` along ``axis`` (ties get average ranks).

    NaN where either side is constant (no ranking to correlate).
    """
    rx = np.moveaxis(stats.rankdata(x, axis=axis), axis, -1)
    ry = np.moveaxis(stats.rankdata(y, axis=axis), axis, -1)
    return spearman_of_ranks(rx, ry)


def pay_performance(
    attainment: np.ndarray, pay: np.ndarray, target_incentive: np.ndarray
) -> np.ndarray:
    """Pay-performance: how closely pay follows performance (the one definition
    every page uses, :data:`simlib.vocabulary.PAY_PERFORMANCE_DEFINITION`).

    The Spearman rank correlation, across reps, of payout as a multiple of target
    incentive with attainment of the quota KPI. Reps without a target incentive
    (outside the plan) or without an attainment (no target) in any draw are left
    out: pay relative to target incentive keeps salary differences from blurring
    the link, and a rep with nothing at stake says nothing about it.

    Parameters
    ----------
    attainment : array (..., reps)
        Attainment of the quota KPI (1.0 = quota); NaN for no target.
    pay : array (..., reps)
        Payout in the plan year (currency).
    target_incentive : array (reps,)
        Each rep's target incentive for the year (currency).

    Returns
    -------
    array (...)
        One correlation per draw; NaN when fewer than 3 reps qualify or either side
        is constant.
    """
    sides = pay_performance_sides(attainment, pay, target_incentive)
    if isinstance(sides, np.ndarray):
        return sides
    return spearman(*sides)


def pay_performance_sides(
    attainment: np.ndarray, pay: np.ndarray, target_incentive: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
    """The two sides :func:`pay_performance` ranks: (attainment, pay as a multiple of
    target incentive) of the reps that qualify, rounded so that equal values tie; or,
    when fewer than 3 reps qualify, the all-NaN answer (one per draw)."""
    a = np.asarray(attainment, dtype=float)
    p = np.asarray(pay, dtype=float)
    ti = np.broadcast_to(np.asarray(target_incentive, dtype=float), a.shape[-1:])
    finite = np.isfinite(a).reshape(-1, a.shape[-1]).all(axis=0)
    keep = (ti > 0) & finite
    if keep.sum() < 3:
        return np.full(a.shape[:-1], np.nan)
    # Equal multiples tie: two reps paid the same factor of their target incentive
    # (both below threshold, both on the same team result) differ only by rounding
    # noise in the last bits, which must not rank one above the other. Ten decimals
    # of a multiple or an attainment is far below any difference a plan makes.
    return np.round(a[..., keep], TIE_DECIMALS), np.round(p[..., keep] / ti[keep], TIE_DECIMALS)


#: Decimals to which pay multiples and attainments are rounded before ranking, so
#: values equal in exact arithmetic tie whatever order they were summed in.
TIE_DECIMALS = 10


def share_at_or_above(attainment: np.ndarray, level: float, axis: int = -1) -> np.ndarray:
    """Share of reps whose attainment is at least ``level`` (1.0 = quota).

    Reps without an attainment (NaN: no target) are left out of the share.
    """
    a = np.asarray(attainment, dtype=float)
    valid = ~np.isnan(a)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a >= level).sum(axis=axis) / valid.sum(axis=axis)


def grouped_sum(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per draw and group: the sum of ``values`` over the group's reps, shape (..., n_groups)."""
    v = np.asarray(values, dtype=float)
    g = np.broadcast_to(groups, v.shape)
    lead = int(np.prod(v.shape[:-1])) if v.ndim > 1 else 1
    flat = (np.arange(lead)[:, None] * n_groups + g.reshape(lead, -1)).ravel()
    out = np.bincount(flat, v.ravel(), minlength=lead * n_groups)
    return out.reshape(*v.shape[:-1], n_groups)


def quartile_codes(attainment: np.ndarray) -> np.ndarray:
    """Performance quartile (0 = bottom .. 3 = top) of each rep within its draw.

    Ranks by attainment along the last axis; ties broken by position so that
    quartiles have equal sizes (n // 4, with the remainder in the top ones).
    """
    a = np.asarray(attainment)
    n = a.shape[-1]
    order = np.argsort(a, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n)[(None,) * (a.ndim - 1)], axis=-1)
    return (ranks * 4) // max(n, 1)


def grouped_ratio(
    numerator: np.ndarray, denominator: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Per draw and group: sum(numerator) / sum(denominator) over the group's reps.

    ``groups`` is an integer code per rep, either (reps,) or the same shape as
    the values (codes that vary by draw, such as performance quartiles). Returns
    shape (..., n_groups); NaN where the denominator is zero.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    g = np.broadcast_to(groups, num.shape)
    lead = int(np.prod(num.shape[:-1])) if num.ndim > 1 else 1
    flat = (np.arange(lead)[:, None] * n_groups + g.reshape(lead, -1)).ravel()
    s_num = np.bincount(flat, num.ravel(), minlength=lead * n_groups).reshape(lead, n_groups)
    s_den = np.bincount(flat, np.broadcast_to(den, num.shape).ravel(), minlength=lead * n_groups)
    s_den = s_den.reshape(lead, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(s_den != 0, s_num / s_den, np.nan)
    return out.reshape(*num.shape[:-1], n_groups)


def pay_gap_at_equal_attainment(
    pay: np.ndarray,
    attainment: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    bands: tuple[float, ...] = ATTAINMENT_BANDS,
) -> np.ndarray:
    """Pay gap of each group against the whole population at equal attainment.

    Reps are put into attainment bands; within a band, a group's mean pay is
    compared with everyone's mean pay in that band; the ratios are averaged
    over bands weighted by the group's headcount in each. 0 means the group is
    paid like everyone else for the same performance; -0.05 means 5% less.

    Returns shape (..., n_groups); NaN for a group absent from the draw.
    """
    pay = np.asarray(pay, dtype=float)
    bands = np.asarray(bands, dtype=float)
    band = np.clip(np.searchsorted(bands, attainment, side="right") - 1, 0, len(bands) - 2)
    nb = len(bands) - 1
    g = np.broadcast_to(groups, pay.shape)
    cell = band * n_groups + g
    lead = int(np.prod(pay.shape[:-1])) if pay.ndim > 1 else 1
    offs = (np.arange(lead)[:, None] * nb * n_groups + cell.reshape(lead, -1)).ravel()
    size = lead * nb * n_groups
    pay_sum = np.bincount(offs, pay.ravel(), minlength=size).reshape(lead, nb, n_groups)
    count = np.bincount(offs, minlength=size).reshape(lead, nb, n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        group_mean = pay_sum / count
        band_mean = pay_sum.sum(axis=2) / count.sum(axis=2)
        ratio = group_mean / band_mean[:, :, None] - 1.0
        ok = (count > 0) & (band_mean[:, :, None] > 0)
        w = np.where(ok, count, 0.0)
        gap = np.where(ok, ratio, 0.0)
        out = (gap * w).sum(axis=1) / w.sum(axis=1)
    out = np.where(w.sum(axis=1) > 0, out, np.nan)
    return out.reshape(*pay.shape[:-1], n_groups)


#: Fine attainment bands for "equal attainment": 10 points of quota wide.
FINE_BANDS: tuple[float, ...] = (-np.inf, *np.round(np.arange(0.0, 2.01, 0.1), 2), np.inf)


def attainment_bands(attainment: np.ndarray, bands: tuple[float, ...] = FINE_BANDS) -> np.ndarray:
    """Each attainment's band: ``i`` where ``bands[i] <= attainment < bands[i + 1]``."""
    b = np.asarray(bands, dtype=float)
    return np.clip(np.searchsorted(b, attainment, side="right") - 1, 0, len(b) - 2)


def pay_gap_vs_others(
    pay: np.ndarray,
    attainment: np.ndarray | None,
    groups: np.ndarray,
    n_groups: int,
    bands: tuple[float, ...] = FINE_BANDS,
    band: np.ndarray | None = None,
) -> np.ndarray:
    """Pay gap of each group against everyone else at equal attainment, as a share of
    average pay.

    Reps are put into attainment bands 10 points wide. In each band the group's
    mean pay is compared with the mean pay of the reps *not* in the group; the
    differences are averaged over bands, weighted by the group's headcount there
    (bands where either side is empty are skipped), and divided by the average
    pay of everyone. Pay is the amount paid, so a gap that comes through a lower
    target incentive shows. 0 means paid like the others for the same
    performance; -0.05 means 5% of average pay less. (Differences, not ratios of
    band means: low-attainment bands pay little, and ratios there explode.)

    ``band``: the attainments' bands (:func:`attainment_bands`) when already known,
    for several groupings of the same reps; ``attainment`` is then not read.

    Returns shape (..., n_groups); NaN where a group shares no band with others.
    """
    pay = np.asarray(pay, dtype=float)
    if band is None:
        if attainment is None:
            raise ValueError("pay_gap_vs_others: give attainment or band")  # internal: caller bug
        band = attainment_bands(attainment, bands)
    nb = len(bands) - 1
    if np.shape(band) != pay.shape[-np.ndim(band) :] or (
        np.size(band) and not 0 <= np.min(band) <= np.max(band) < nb
    ):
        raise ValueError(  # internal: caller bug
            f"pay_gap_vs_others: band must hold codes 0..{nb - 1} shaped like pay's last axes"
        )
    g = np.broadcast_to(groups, pay.shape)
    lead = int(np.prod(pay.shape[:-1])) if pay.ndim > 1 else 1
    cell = (
        np.arange(lead)[:, None] * nb * n_groups + (band * n_groups + g).reshape(lead, -1)
    ).ravel()
    size = lead * nb * n_groups
    pay_sum = np.bincount(cell, pay.ravel(), minlength=size).reshape(lead, nb, n_groups)
    count = np.bincount(cell, minlength=size).reshape(lead, nb, n_groups).astype(float)
    return pay_gap_of_sums(pay_sum, count).reshape(*pay.shape[:-1], n_groups)


def pay_gap_of_sums(pay_sum: np.ndarray, count: np.ndarray) -> np.ndarray:
    """:func:`pay_gap_vs_others` from each draw's pay sums and headcounts per band and
    group, (draws, bands, groups) each: shape (draws, groups)."""
    count = np.asarray(count, dtype=float)
    others_sum = pay_sum.sum(axis=2, keepdims=True) - pay_sum
    others_n = count.sum(axis=2, keepdims=True) - count
    avg = pay_sum.sum(axis=(1, 2)) / count.sum(axis=(1, 2))  # (lead,)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = pay_sum / count - others_sum / others_n
        ok = (count > 0) & (others_n > 0)
        w = np.where(ok, count, 0.0)
        out = (np.where(ok, diff, 0.0) * w).sum(axis=1) / w.sum(axis=1)
        return out / np.where(avg > 0, avg, np.nan)[:, None]


@dataclass(frozen=True)
class Distribution:
    """Summary of a metric over draws."""

    mean: float
    p5: float
    p50: float
    p95: float
    se: float  # standard error of the mean over draws

    @classmethod
    def of(cls, values: np.ndarray) -> Distribution:
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return cls(np.nan, np.nan, np.nan, np.nan, np.nan)
        p5, p50, p95 = np.quantile(v, [0.05, 0.5, 0.95])
        mean = float(total(v)) / v.size  # fixed order: identical however draws were chunked
        se = (
            np.sqrt(float(total((v - mean) ** 2)) / (v.size - 1) / v.size) if v.size > 1 else np.nan
        )
        return cls(mean, float(p5), float(p50), float(p95), float(se))


def summarize(per_draw: pd.DataFrame) -> pd.DataFrame:
    """One row per metric (the frame's columns): mean, P5, P50, P95 and SE over draws."""
    rows = {name: Distribution.of(per_draw[name].to_numpy()).__dict__ for name in per_draw.columns}
    return pd.DataFrame.from_dict(rows, orient="index")


def compare(results: list, baseline: int = 0) -> pd.DataFrame:
    """Side-by-side metrics of several simulated designs, with differences against one.

    Parameters
    ----------
    results : list of SimulationResult
        Designs simulated on the same data; when they share the seed and number
        of draws, draw ``d`` is the same random year in each (common random
        numbers) and differences are taken draw by draw, which removes the
        noise the designs share.
    baseline : int
        Position of the result the others are compared with.

    Returns
    -------
    pandas.DataFrame
        Index: metric. Columns ``(scenario, statistic)``: ``mean``, ``p5``, ``p95``
        for every result, plus ``diff`` (mean difference against the baseline),
        ``diff_se`` (its standard error), ``diff_p5`` and ``diff_p95`` (spread of
        the per-draw difference; NaN when draws are not paired) for the others.
    """
    if not results:
        raise ValueError(_("compare: no results given"))
    base = results[baseline]
    names = [r.name for r in results]
    if len(set(names)) != len(names):
        raise ValueError(_("compare: scenario names must differ, got {names}").format(names=names))
    metrics_ = [c for c in base.per_draw.columns if all(c in r.per_draw for r in results)]
    cols: dict[tuple[str, str], pd.Series] = {}
    for r in results:
        s = summarize(r.per_draw[metrics_])
        for stat in ("mean", "p5", "p95"):
            cols[(r.name, stat)] = s[stat]
        if r is base:
            continue
        paired = (
            r.provenance.get("seed") == base.provenance.get("seed")
            and len(r.per_draw) == len(base.per_draw)
            and r.provenance.get("data_hash") == base.provenance.get("data_hash")
        )
        diff, se, p5, p95 = {}, {}, {}, {}
        for name in metrics_:
            a = base.per_draw[name].to_numpy(float)
            b = r.per_draw[name].to_numpy(float)
            if paired:
                d = b - a
                d = d[np.isfinite(d)]
                diff[name] = d.mean() if d.size else np.nan
                se[name] = d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else np.nan
                p5[name], p95[name] = np.quantile(d, [0.05, 0.95]) if d.size else (np.nan, np.nan)
            else:
                da, db = Distribution.of(a), Distribution.of(b)
                diff[name] = db.mean - da.mean
                se[name] = float(np.hypot(da.se, db.se))
                p5[name] = p95[name] = np.nan
        cols[(r.name, "diff")] = pd.Series(diff)
        cols[(r.name, "diff_se")] = pd.Series(se)
        cols[(r.name, "diff_p5")] = pd.Series(p5)
        cols[(r.name, "diff_p95")] = pd.Series(p95)
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["scenario", "statistic"])
    out.index.name = "metric"
    return out


def leverage(pay_multiple: np.ndarray, q: float = 0.9, axis: int = -1) -> np.ndarray:
    """Top-decile pay as a multiple of target incentive (``q`` = 0.9: the P90 rep).

    ``pay_multiple`` is payout / target incentive per rep; reps without a target
    incentive (NaN) are left out. About 2x is common practice (SalesGlobe).
    """
    a = np.asarray(pay_multiple, dtype=float)
    if a.shape[axis] == 0 or np.isnan(a).all():
        return np.full(np.delete(a.shape, axis if axis >= 0 else a.ndim + axis), np.nan)
    return np.nanquantile(a, q, axis=axis)


def plan_health(
    rep_pay: np.ndarray,
    target_incentive: np.ndarray,
    attainment: np.ndarray,
    threshold: float,
    cap: float | None,
    budget: float,
) -> dict[str, np.ndarray]:
    """The plan-health figures the reports show, for the reps a plan pays.

    Parameters
    ----------
    rep_pay : numpy.ndarray
        (..., reps) incentive paid in the year (currency).
    target_incentive : numpy.ndarray
        (reps,) the year's target incentive (currency; 0 for reps without one).
    attainment : numpy.ndarray
        (..., reps) annual attainment of the plan's main KPI (1.0 = quota; NaN: no
        target).
    threshold, cap : float
        The main payout curve's first and last points (attainment); ``cap`` None
        (or beyond any attainment) when uncapped.
    budget : float
        The incentive budget (currency); ``budget_ratio`` is cost / budget.

    Returns
    -------
    dict
        ``total_payout``, ``budget_ratio``, ``leverage_p90``, ``share_at_threshold``,
        ``share_at_quota``, ``share_at_cap``, ``pay_performance_spearman`` (keys and
        meanings of :data:`simlib.vocabulary.METRICS`; pay-performance is
        :func:`pay_performance`).
    """
    rep_pay = np.asarray(rep_pay, dtype=float)
    ti = np.asarray(target_incentive, dtype=float)
    att = np.asarray(attainment, dtype=float)
    total_pay = total(rep_pay)
    nan = np.full_like(total_pay, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        multiple = np.where(ti > 0, rep_pay / np.where(ti > 0, ti, 1.0), np.nan)
    has_ti = ti > 0
    return {
        "total_payout": total_pay,
        "budget_ratio": total_pay / budget if budget > 0 else nan,
        "leverage_p90": leverage(multiple[..., has_ti]) if has_ti.any() else nan,
        "share_at_threshold": share_at_or_above(att, threshold),
        "share_at_quota": share_at_or_above(att, 1.0),
        "share_at_cap": share_at_or_above(att, cap) if cap is not None else nan,
        # The one definition (pay as a multiple of target incentive against
        # attainment, reps with both), so the what-if agrees with every other page.
        "pay_performance_spearman": pay_performance(att, rep_pay, ti),
    }

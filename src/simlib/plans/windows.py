"""Measurement windows on the months axis and the array helpers every component uses.

A window is a month, quarter or year (or, under true-up, the year to date up to
it); :func:`window_sums` sums along the months axis of ``(..., reps, months)``
arrays into ``(..., reps, windows)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Windows:
    """Measurement windows over the months axis.

    ``ends[w]`` is the month (index) a window closes and pays; ``starts[w]`` the
    first month it measures (the year's first month under true-up); ``prev[w]``
    the earlier window of the same year whose entitlement was already paid under
    true-up (``-1`` for none).
    """

    ends: np.ndarray
    starts: np.ndarray
    prev: np.ndarray
    period: str
    #: First month of each window's own period (equal to ``starts`` without true-up).
    period_starts: np.ndarray = None  # type: ignore[assignment]
    true_up: bool = False
    #: Every period is a full ``n`` months from the first month (fast reshape sums).
    regular: bool = False

    def containing(self, t: int) -> int:
        """Index of the window whose payment month is at or after month ``t``."""
        return int(np.searchsorted(self.ends, t, side="left"))


def make_windows(
    month_in_year: np.ndarray, year_id: np.ndarray, period: str, true_up: bool
) -> Windows:
    n = PERIOD_MONTHS[period]
    T = len(month_in_year)
    last_of_year = np.r_[year_id[1:] != year_id[:-1], True]
    end = ((month_in_year + 1) % n == 0) | last_of_year
    ends = np.flatnonzero(end)
    period_starts = np.r_[0, ends[:-1] + 1].astype(np.int64)
    first_of_year = np.r_[True, year_id[1:] != year_id[:-1]]
    year_start = np.maximum.accumulate(np.where(first_of_year, np.arange(T), 0))
    starts = year_start[ends] if true_up else period_starts
    prev = np.full(len(ends), -1, dtype=np.int64)
    if true_up:
        same = year_id[ends[1:]] == year_id[ends[:-1]]
        prev[1:] = np.where(same, np.arange(len(ends) - 1), -1)
    regular = bool(np.all(ends - period_starts + 1 == n)) and len(ends) * n == T
    return Windows(
        ends=ends,
        starts=np.asarray(starts, dtype=np.int64),
        prev=prev,
        period=period,
        period_starts=period_starts,
        true_up=true_up,
        regular=regular,
    )


def window_sums(x: np.ndarray, w: Windows) -> np.ndarray:
    """Sums of ``x`` over each window along the last (months) axis: (..., T) -> (..., W).

    Each period is summed once (a reshape when periods are regular, else
    ``np.add.reduceat``); under true-up the year-to-date sums accumulate the
    period sums window by window (at most 12 vector additions).
    """
    n = PERIOD_MONTHS[w.period]
    if n == 1 and w.regular:
        base = x
    elif w.regular:
        # Strided additions, month by month in order: a reduction along a short
        # last axis costs a loop per row.
        base = x[..., 0::n] + x[..., 1::n]
        for i in range(2, n):
            base += x[..., i::n]
    else:
        base = np.add.reduceat(x, w.period_starts, axis=-1)
    if not w.true_up:
        return base
    out = np.array(base, dtype=float, copy=True)
    for j in range(out.shape[-1]):
        if w.prev[j] >= 0:
            out[..., j] += out[..., w.prev[j]]
    return out


def month_cumsum(x: np.ndarray, year_id: np.ndarray) -> np.ndarray:
    """Cumulative sum along months, restarting each plan year (a loop over <= 12 months per
    year of vector additions, faster than ``np.cumsum`` along a short last axis)."""
    out = np.array(x, dtype=float, copy=True)
    for t in range(1, out.shape[-1]):
        if year_id[t] == year_id[t - 1]:
            out[..., t] += out[..., t - 1]
    return out


def finite(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """NaN -> 0, with the mask of months that had data (``None`` when all had)."""
    if np.isfinite(a.sum()):  # one fast pass; NaN or inf anywhere makes the sum non-finite
        return a, None
    fin = np.isfinite(a)
    return np.where(fin, a, 0.0), fin


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, and 0 where there is no positive denominator (no target)."""
    den_ok = den > 0
    if den_ok.all():  # the common case: every rep has a target
        return num / den
    return np.divide(num, np.where(den_ok, den, 1.0)) * den_ok


def spread(pay: np.ndarray, w: Windows, full: tuple[int, ...]) -> np.ndarray:
    """Window payments onto the months grid (paid in each window's last month)."""
    n = PERIOD_MONTHS[w.period]
    if w.regular and n == 1:
        if pay.shape == full:  # every month pays: no scatter, no copy
            return pay
        return np.array(np.broadcast_to(pay, full), dtype=float)
    monthly = np.zeros(full)
    if w.regular:
        monthly[..., n - 1 :: n] = pay  # a strided slice, cheaper than fancy indexing
    else:
        monthly[..., w.ends] = pay
    return monthly

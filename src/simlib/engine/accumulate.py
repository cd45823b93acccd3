"""Per-rep summaries over draws that do not depend on how draws were chunked.

Floating-point addition is not associative, so summing chunk partials would give
results that differ in the last bits with the chunk size. Per-rep sums are
therefore kept in fixed point (int64, exact and associative) and per-rep
quantiles come from fixed-bin histograms (integer counts). Memory is flat in the
number of draws: O(reps x bins), never O(draws x reps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The per-rep quantiles reported (P5, P50, P95).
REP_QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class FixedPointSum:
    """Exact sum of per-draw values per rep, in units of ``resolution``.

    ``resolution`` is the smallest amount kept (e.g. CNY 0.0001 for pay, 1e-9 for
    attainment); each value is rounded to it once, then sums are exact integers.
    Values beyond +/- 9.2e18 x resolution over all draws would overflow: pick a
    resolution that leaves room (the defaults do for 10,000 draws of rep pay up
    to CNY 1e9).
    """

    resolution: float

    def partial(self, values: np.ndarray) -> np.ndarray:
        """Sum over the leading (draw) axis of ``values`` (draws, reps) -> int64 (reps,)."""
        v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
        return np.rint(v / self.resolution).astype(np.int64).sum(axis=0)

    def mean(self, total: np.ndarray, n: int) -> np.ndarray:
        return total.astype(float) * self.resolution / n


#: Reps per block when per-rep quantiles are read from the counts.
QUANTILE_BLOCK = 256


@dataclass(frozen=True)
class Histogram:
    """Fixed bins for per-rep quantiles: ``edges`` from ``low`` to ``high`` in ``bins`` steps.

    Values below ``low`` count in the first bin, above ``high`` in the last, so the
    quantiles reported are exact to one bin width inside the range and clipped
    outside it.
    """

    low: float
    high: float
    bins: int

    @property
    def width(self) -> float:
        return (self.high - self.low) / self.bins

    def partial(self, values: np.ndarray) -> np.ndarray:
        """Counts per rep and bin: (draws, reps) -> uint32 (reps, bins)."""
        v = np.asarray(values, dtype=float)
        finite = np.isfinite(v)
        pos = np.clip((np.where(finite, v, self.low) - self.low) / self.width, 0, self.bins - 1)
        idx = np.where(finite, pos.astype(np.int64), -1)
        reps = v.shape[1]
        flat = (np.arange(reps)[None, :] * self.bins + idx)[idx >= 0]
        return (
            np.bincount(flat, minlength=reps * self.bins).reshape(reps, self.bins).astype(np.uint32)
        )

    def index(self, values: np.ndarray) -> np.ndarray:
        """Each value's bin as uint16 (``bins`` for NaN): what a chunk ships instead of
        its counts, two bytes per rep and draw."""
        if self.bins >= np.iinfo(np.uint16).max:
            # internal: simlib's histograms have a few hundred bins
            raise ValueError("Histogram.index: too many bins for uint16")
        v = np.asarray(values, dtype=float)
        finite = ~np.isnan(v)
        pos = np.clip((np.where(finite, v, self.low) - self.low) / self.width, 0, self.bins - 1)
        return np.where(finite, pos.astype(np.int64), self.bins).astype(np.uint16)

    def add(self, counts: np.ndarray, index: np.ndarray) -> None:
        """Add the bins of ``index`` (draws, reps) to ``counts`` (reps, bins) in place."""
        rows = np.arange(index.shape[1])
        # One draw at a time every rep falls in exactly one bin, so a fancy-indexed
        # increment never meets the same cell twice: no sort, no (reps x bins) temporary.
        for idx in index:
            keep = idx < self.bins
            if keep.all():
                counts[rows, idx] += 1
            else:
                counts[rows[keep], idx[keep]] += 1

    def quantiles(self, counts: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
        """Quantiles per rep (reps, len(qs)), linear within the bin that holds them.

        Reps are taken a block at a time: the block's running counts stay in cache,
        and no float copy of all the counts is ever made."""
        out = np.full((counts.shape[0], len(qs)), np.nan)
        for a in range(0, counts.shape[0], QUANTILE_BLOCK):
            out[a : a + QUANTILE_BLOCK] = self._quantiles(counts[a : a + QUANTILE_BLOCK], qs)
        return out

    def _quantiles(self, counts: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
        counts = counts.astype(float)
        total = counts.sum(axis=1, keepdims=True)
        cum = np.cumsum(counts, axis=1)
        out = np.full((counts.shape[0], len(qs)), np.nan)
        rows = np.arange(counts.shape[0])
        for j, q in enumerate(qs):
            target = q * total[:, 0]
            b = np.argmax(cum >= target[:, None], axis=1)
            before = np.where(b > 0, cum[rows, b - 1], 0.0)
            inside = counts[rows, b]
            frac = np.where(inside > 0, (target - before) / np.where(inside > 0, inside, 1), 0.0)
            out[:, j] = np.where(total[:, 0] > 0, self.low + (b + frac) * self.width, np.nan)
        return out

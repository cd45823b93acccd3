"""Chunk-independent accumulation: exact sums and histogram quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlib.engine.accumulate import BinCounts, FixedPointSum, Histogram


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_fixed_point_sums_are_identical_for_any_chunking(chunk, seed):
    x = np.random.default_rng(seed).lognormal(10, 2, size=(97, 5))
    acc = FixedPointSum(1e-4)
    whole = acc.partial(x)
    parts = sum(acc.partial(x[a : a + chunk]) for a in range(0, len(x), chunk))
    assert np.array_equal(whole, parts)
    assert acc.mean(whole, len(x)) == pytest.approx(x.mean(axis=0), rel=1e-9)


def dense_counts(h: Histogram, values: np.ndarray) -> np.ndarray:
    """Reference: each (draw, rep) value's bin counted one by one in a (reps, bins) array."""
    out = np.zeros((values.shape[1], h.bins), dtype=np.int64)
    for (_, rep), b in np.ndenumerate(h.index(values)):
        if b < h.bins:  # a missing value is not counted
            out[rep, b] += 1
    return out


def test_histogram_quantiles_within_one_bin_of_exact():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 0.3, size=(5000, 3))
    h = Histogram(0.0, 3.0, 300)
    counts = BinCounts(h, reps=3, draws=5000)
    counts.add(h.index(x[:2000]))
    counts.add(h.index(x[2000:]))
    got = counts.quantiles((0.05, 0.5, 0.95))
    exact = np.quantile(x, [0.05, 0.5, 0.95], axis=0).T
    assert np.abs(got - exact).max() <= h.width
    assert counts.dense(0, 3).sum() == x.size


def test_histogram_clips_out_of_range_and_skips_nan():
    h = Histogram(0.0, 1.0, 10)
    counts = BinCounts(h, reps=1, draws=4, window=3)
    counts.add(h.index(np.array([[-5.0], [0.55], [7.0], [np.nan]])))
    assert counts.dense(0, 1)[0].tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]


def test_a_histogram_quantile_interpolates_within_its_bin():
    # 10 values in bin [0.2, 0.3) and 10 in [0.5, 0.6): the median is the 10th of
    # 20, at the top of the first bin; P5 (1 of 20) one tenth into it.
    h = Histogram(0.0, 1.0, 10)
    counts = np.zeros((1, 10), dtype=np.uint16)
    counts[0, 2] = counts[0, 5] = 10
    got = h.quantiles(counts, (0.05, 0.5))
    assert got[0] == pytest.approx([0.2 + 0.1 * 0.1, 0.3])
    assert np.isnan(h.quantiles(np.zeros((1, 10)), (0.5,))[0, 0])


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    reps=st.integers(1, 9),
    draws=st.integers(1, 60),
    chunk=st.integers(1, 25),
    window=st.integers(1, 30),
    spread=st.floats(0.01, 3.0),
)
def test_bin_counts_hold_exactly_the_counts_of_a_dense_array_for_any_chunking_and_window(
    seed, reps, draws, chunk, window, spread
):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, spread, size=(draws, reps))
    x[rng.random(x.shape) < 0.1] = np.nan
    x[:, 0] = np.nan if reps > 1 else x[:, 0]  # a rep with no value in any draw
    h = Histogram(0.0, 2.0, 20)
    counts = BinCounts(h, reps, draws, window=window)
    for a in range(0, draws, chunk):
        counts.add(h.index(x[a : a + chunk]))
        # Reading between chunks merges the spilled counts: the next chunk adds to them.
        assert np.array_equal(counts.dense(0, reps), dense_counts(h, x[: a + chunk]))
    whole = dense_counts(h, x)
    for a, b in [(0, reps), (reps // 2, reps), (0, (reps + 1) // 2)]:
        assert np.array_equal(counts.dense(a, b), whole[a:b])
    qs = (0.05, 0.5, 0.95)
    assert np.array_equal(counts.quantiles(qs), h.quantiles(whole, qs), equal_nan=True)

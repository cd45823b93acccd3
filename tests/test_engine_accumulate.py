"""Chunk-independent accumulation: exact sums and histogram quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlib.engine.accumulate import FixedPointSum, Histogram


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_fixed_point_sums_are_identical_for_any_chunking(chunk, seed):
    x = np.random.default_rng(seed).lognormal(10, 2, size=(97, 5))
    acc = FixedPointSum(1e-4)
    whole = acc.partial(x)
    parts = sum(acc.partial(x[a : a + chunk]) for a in range(0, len(x), chunk))
    assert np.array_equal(whole, parts)
    assert acc.mean(whole, len(x)) == pytest.approx(x.mean(axis=0), rel=1e-9)


def test_histogram_quantiles_within_one_bin_of_exact():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 0.3, size=(5000, 3))
    h = Histogram(0.0, 3.0, 300)
    counts = h.partial(x[:2000]) + h.partial(x[2000:])
    got = h.quantiles(counts, (0.05, 0.5, 0.95))
    exact = np.quantile(x, [0.05, 0.5, 0.95], axis=0).T
    assert np.abs(got - exact).max() <= h.width
    assert counts.sum() == x.size


def test_histogram_clips_out_of_range_and_skips_nan():
    h = Histogram(0.0, 1.0, 10)
    counts = h.partial(np.array([[-5.0], [0.55], [7.0], [np.nan]]))
    assert counts[0].tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]


def test_histogram_index_then_add_counts_like_partial():
    rng = np.random.default_rng(1)
    x = rng.normal(1.0, 0.5, size=(40, 7))
    x[3, 2] = np.nan
    h = Histogram(0.0, 2.0, 20)
    counts = np.zeros((7, 20), dtype=np.uint32)
    h.add(counts, h.index(x[:25]))
    h.add(counts, h.index(x[25:]))
    assert np.array_equal(counts, h.partial(x))

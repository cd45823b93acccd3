"""Metric primitives against hand calculations and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from simlib import metrics


def test_gini_hand_examples():
    # One person takes all of n = 4: G = (n - 1) / n = 0.75.
    assert metrics.gini(np.array([0, 0, 0, 10.0])) == pytest.approx(0.75)
    assert metrics.gini(np.array([5, 5, 5, 5.0])) == pytest.approx(0.0)
    # [1, 2, 3]: mean abs difference over all ordered pairs = (2*(1+2+1))/9 = 8/9;
    # G = MAD / (2 * mean) = (8/9) / 4 = 2/9.
    assert metrics.gini(np.array([3, 1, 2.0])) == pytest.approx(2 / 9)
    assert metrics.gini(np.zeros(3)) == 0.0


@settings(max_examples=60, deadline=None)
# Subnormal amounts (below 2e-308) are left out: the by-hand mean and differences lose
# their precision there, while no pay is that small.
@given(arrays(float, (3, 7), elements=st.floats(0, 1e6, allow_subnormal=False)))
def test_gini_matches_mean_absolute_difference_definition(x):
    got = metrics.gini(x)
    for row, g in zip(x, got, strict=True):
        mad = np.abs(row[:, None] - row[None, :]).mean()
        expected = mad / (2 * row.mean()) if row.sum() > 0 else 0.0
        assert g == pytest.approx(expected, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    arrays(float, (4, 9), elements=st.integers(0, 5).map(float)),
    arrays(float, (4, 9), elements=st.floats(-10, 10)),
)
def test_spearman_matches_scipy_row_by_row_with_ties(x, y):
    got = metrics.spearman(x, y)
    for i in range(x.shape[0]):
        if np.ptp(x[i]) == 0 or np.ptp(y[i]) == 0:
            assert np.isnan(got[i])
        else:
            assert got[i] == pytest.approx(stats.spearmanr(x[i], y[i]).statistic, abs=1e-12)


def test_quartiles_have_equal_sizes_and_order():
    a = np.array([[0.5, 1.2, 0.9, 1.0, 0.3, 2.0, 1.1, 0.8]])
    q = metrics.quartile_codes(a)
    assert np.bincount(q.ravel()).tolist() == [2, 2, 2, 2]
    assert q[0, 4] == 0 and q[0, 5] == 3  # lowest and highest attainment


def test_grouped_ratio_by_hand():
    pay = np.array([[10.0, 20, 30, 40]])
    rev = np.array([[100.0, 100, 300, 100]])
    g = np.array([0, 0, 1, 1])
    out = metrics.grouped_ratio(pay, rev, g, 2)
    assert out[0].tolist() == pytest.approx([30 / 200, 70 / 400])


def test_pay_gap_zero_when_groups_are_paid_alike_and_negative_when_not():
    att = np.array([0.95, 0.95, 1.05, 1.05])
    groups = np.array([0, 1, 0, 1])
    same = metrics.pay_gap_at_equal_attainment(np.array([100.0, 100, 200, 200]), att, groups, 2)
    assert same.tolist() == pytest.approx([0.0, 0.0])
    # Group 1 paid 10% less than group 0 in each band: band mean is 0.95 x group 0,
    # so group 1 sits at 0.9 / 0.95 - 1 and group 0 at 1 / 0.95 - 1.
    gap = metrics.pay_gap_at_equal_attainment(np.array([100.0, 90, 200, 180]), att, groups, 2)
    assert gap.tolist() == pytest.approx([1 / 0.95 - 1, 0.9 / 0.95 - 1])


def test_distribution_summary():
    d = metrics.Distribution.of(np.arange(101.0))
    assert (d.mean, d.p5, d.p50, d.p95) == (50.0, 5.0, 50.0, 95.0)
    assert d.se == pytest.approx(np.arange(101.0).std(ddof=1) / np.sqrt(101))


def test_pay_gap_vs_others_by_hand():
    # Two bands (0.95 and 1.05 attainment), two groups; group 1 is paid 10 less than
    # group 0 in each band. Average pay = (100 + 90 + 200 + 190) / 4 = 145.
    att = np.array([0.95, 0.95, 1.05, 1.05])
    groups = np.array([0, 1, 0, 1])
    gap = metrics.pay_gap_vs_others(np.array([100.0, 90, 200, 190]), att, groups, 2)
    assert gap.tolist() == pytest.approx([10 / 145, -10 / 145])
    same = metrics.pay_gap_vs_others(np.array([100.0, 100, 200, 200]), att, groups, 2)
    assert same.tolist() == pytest.approx([0.0, 0.0])
    # Tiny pay in a low band does not blow the gap up (a ratio would be +300%).
    low = metrics.pay_gap_vs_others(
        np.array([4.0, 1, 200, 200]), np.array([0.3, 0.3, 1.0, 1.0]), groups, 2
    )
    assert abs(low[0]) < 0.05
    # The bands given instead of the attainments: 0.95 and 1.05 in the 0.9 and 1.0 bands
    # (band 0 is below zero, then one band per 10 points).
    bands = metrics.attainment_bands(att)
    assert bands.tolist() == [10, 10, 11, 11]
    given_bands = metrics.pay_gap_vs_others(
        np.array([100.0, 90, 200, 190]), None, groups, 2, band=bands
    )
    assert given_bands.tolist() == gap.tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-3, 3), min_size=7, max_size=7), min_size=1, max_size=4))
def test_average_ranks_from_one_sort_equal_scipy_rankdata(rows):
    from scipy.stats import rankdata

    from simlib.metrics import average_ranks

    x = np.array(rows, dtype=float) / 2  # few distinct values: many ties
    order = np.argsort(x, axis=-1, kind="stable")
    np.testing.assert_array_equal(average_ranks(x, order), rankdata(x, axis=-1))


def test_gini_of_sorted_amounts_by_hand():
    from simlib.metrics import gini_of_sorted

    # (1, 2, 3, 4): mean absolute difference 20/16 = 1.25, over twice the mean 5: 0.25.
    assert gini_of_sorted(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(0.25)
    assert gini_of_sorted(np.zeros(3)) == 0.0


def test_plan_health_pay_performance_is_pay_over_target_incentive_against_attainment():
    """Five reps: one without an attainment (no target) and one without a target
    incentive are left out; the other three rank 1, 2, 3 on attainment and 2, 1, 3 on
    pay as a multiple of target incentive (1.0, 0.0, 3.0), so Spearman's rho is
    1 - 6 x (1 + 1 + 0) / (3 x (9 - 1)) = 0.5."""
    att = np.array([0.5, 1.0, 1.5, np.nan, 1.2])
    pay = np.array([100.0, 0.0, 450.0, 50.0, 300.0])
    ti = np.array([100.0, 100.0, 150.0, 100.0, 0.0])
    h = metrics.plan_health(pay, ti, att, threshold=0.8, cap=None, budget=1000.0)
    assert h["pay_performance_spearman"] == pytest.approx(0.5, abs=1e-12)
    assert h["pay_performance_spearman"] == pytest.approx(
        float(metrics.pay_performance(att, pay, ti))
    )


def test_equal_pay_multiples_tie_whatever_the_rounding_noise():
    """0.1 + 0.2 and 0.3 are the same multiple: the two reps share rank 1.5. Ranks
    (1.5, 1.5, 3, 4) against (1, 2, 3, 4): deviations (-1, -1, .5, 1.5) and (-1.5, -.5,
    .5, 1.5), so rho = 4.5 / sqrt(4.5 x 5) = sqrt(0.9)."""
    att = np.array([0.8, 0.9, 1.0, 1.1])
    pay = np.array([0.3, 0.1 + 0.2, 1.0, 2.0])
    ti = np.ones(4)
    assert float(metrics.pay_performance(att, pay, ti)) == pytest.approx(np.sqrt(0.9), rel=1e-12)

"""The chunk kernel's per-draw metrics computed from one sort give exactly the numbers
of their definitions in :mod:`simlib.metrics` and numpy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from simlib import metrics as m
from simlib.engine.kernel import median_of_sorted, pay_performance


def _cases():
    rng = np.random.default_rng(5)
    att = rng.lognormal(0, 0.3, (6, 500))
    att[:, ::7] = np.nan  # reps without a target
    att[:, 3::50] = np.round(att[:, 3::50], 1)  # ties
    pay = np.where(att > 0.9, 1000 * np.round(att, 1), 0.0)  # many equal pays
    pay[2, 10] = np.nan
    ti = rng.choice([0.0, 500.0, 800.0], 500)
    yield att, pay, ti
    yield att[:, :2], pay[:, :2], ti[:2]  # fewer than 3 reps qualify
    inf = att.copy()
    inf[1, 4] = np.inf  # lower-is-better at zero: infinitely good
    yield inf, pay, ti


@pytest.mark.parametrize("case", list(_cases()))
def test_pay_performance_equals_the_definition_bit_for_bit(case):
    att, pay, ti = case
    np.testing.assert_array_equal(pay_performance(att, pay, ti), m.pay_performance(att, pay, ti))


@pytest.mark.parametrize("n_reps", [1, 2, 7, 600, 601, 1001])
def test_median_from_the_sort_equals_nanmedian(n_reps):
    rng = np.random.default_rng(n_reps)
    att = rng.lognormal(0, 0.4, (5, n_reps))
    att[rng.random(att.shape) < 0.2] = np.nan
    att[0] = np.nan  # a draw where nobody has a target
    att[1, 0] = np.inf
    rank = np.where(np.isnan(att), -1.0, np.minimum(att, 1e9))
    order = np.argsort(rank, axis=-1, kind="stable")
    got = median_of_sorted(np.take_along_axis(rank, order, axis=-1), att)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(np.minimum(att, 1e9), axis=-1)
    np.testing.assert_array_equal(got, expected)

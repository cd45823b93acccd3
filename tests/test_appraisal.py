"""Appraisal: weights against published and hand-derived examples, scoring, ratings, specs.

Sources of the expected numbers are named in each test. Where no published
figures were at hand, the expected values are derived independently in the test
(closed forms, hand calculations written out).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from appraisal_fixtures import make_appraisal_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib.appraisal import (
    Groups,
    InconsistentJudgmentsError,
    InconsistentJudgmentsWarning,
    Scorecard,
    SmallGroupWarning,
    ahp,
    ahp_hierarchy,
    calibrate,
    combine,
    critic_weights,
    entropy_weights,
    forced_counts,
    manual,
    percentile_within,
    rate_bands,
    rate_forced,
    score_rule,
)
from simlib.errors import SpecError


def matrix_from_pairs(names: list[str], pairs: dict[tuple[str, str], float]) -> np.ndarray:
    """A reciprocal matrix from judgments written as {(i, j): a_ij}."""
    a = np.eye(len(names))
    ix = {n: i for i, n in enumerate(names)}
    for (i, j), v in pairs.items():
        a[ix[i], ix[j]] = v
        a[ix[j], ix[i]] = 1.0 / v
    return a


# --------------------------------------------------------------------- AHP
DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
# Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
# Int. J. Services Sciences 1(1), 83-98: relative consumption of drinks in the US.
DRINK_JUDGMENTS = {
    ("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2,
    ("coffee", "soda"): 1, ("coffee", "milk"): 1, ("water", "coffee"): 2,
    ("water", "wine"): 9, ("water", "tea"): 9, ("water", "beer"): 3,
    ("water", "soda"): 2, ("water", "milk"): 3, ("tea", "wine"): 3,
    ("beer", "wine"): 9, ("beer", "tea"): 3, ("beer", "milk"): 1,
    ("soda", "wine"): 9, ("soda", "tea"): 4, ("soda", "beer"): 2,
    ("soda", "milk"): 2, ("milk", "wine"): 9, ("milk", "tea"): 3,
}  # fmt: skip


def test_ahp_reproduces_saaty_2008_drinks_example():
    # Published derived priorities (Saaty 2008, table of the drinks example) and CR 0.022.
    published = {"coffee": 0.177, "wine": 0.019, "tea": 0.042, "beer": 0.116,
                 "soda": 0.190, "milk": 0.129, "water": 0.327}  # fmt: skip
    w = ahp(matrix_from_pairs(DRINKS, DRINK_JUDGMENTS), DRINKS)
    for k, v in published.items():
        assert w[k] == pytest.approx(v, abs=0.0006), k
    assert w.consistency_ratio == pytest.approx(0.022, abs=0.0006)
    assert w.random_index == 1.32  # Saaty (1980), n = 7
    assert w.lambda_max > 7
    assert w.consistency_index == pytest.approx((w.lambda_max - 7) / 6)
    assert w.weights.sum() == pytest.approx(1.0)
    rec = w.record()
    assert rec["method"] == "ahp-eigen" and rec["diagnostics"]["consistent"]


# Saaty, T. L. (2005). Theory and Applications of the Analytic Network Process,
# "choosing the best city to live in": goal -> 5 criteria -> 4 cities.
CITY_CRITERIA = ["Culture", "Family", "Housing", "Jobs", "Transportation"]
CITIES = ["Bethesda", "Boston", "Pittsburgh", "Santa Fe"]
CITY_JUDGMENTS = {
    "goal": {
        ("Culture", "Housing"): 3, ("Culture", "Transportation"): 5, ("Family", "Culture"): 5,
        ("Family", "Housing"): 7, ("Family", "Transportation"): 7,
        ("Housing", "Transportation"): 3, ("Jobs", "Culture"): 2, ("Jobs", "Housing"): 4,
        ("Jobs", "Transportation"): 7, ("Family", "Jobs"): 1,
    },
    "Culture": {
        ("Bethesda", "Pittsburgh"): 1, ("Boston", "Bethesda"): 2, ("Boston", "Pittsburgh"): 2.5,
        ("Boston", "Santa Fe"): 1, ("Santa Fe", "Bethesda"): 2, ("Santa Fe", "Pittsburgh"): 2.5,
    },
    "Family": {
        ("Bethesda", "Boston"): 2, ("Bethesda", "Santa Fe"): 4, ("Boston", "Santa Fe"): 2,
        ("Pittsburgh", "Bethesda"): 3, ("Pittsburgh", "Boston"): 8, ("Pittsburgh", "Santa Fe"): 9,
    },
    "Housing": {
        ("Bethesda", "Boston"): 5, ("Bethesda", "Santa Fe"): 2.5, ("Pittsburgh", "Bethesda"): 2,
        ("Pittsburgh", "Boston"): 9, ("Pittsburgh", "Santa Fe"): 7, ("Santa Fe", "Boston"): 4,
    },
    "Jobs": {
        ("Bethesda", "Pittsburgh"): 3, ("Bethesda", "Santa Fe"): 4, ("Boston", "Bethesda"): 2,
        ("Boston", "Pittsburgh"): 6, ("Boston", "Santa Fe"): 8, ("Pittsburgh", "Santa Fe"): 1,
    },
    "Transportation": {
        ("Bethesda", "Boston"): 1.5, ("Bethesda", "Santa Fe"): 4, ("Boston", "Santa Fe"): 2.5,
        ("Pittsburgh", "Bethesda"): 2, ("Pittsburgh", "Boston"): 3.5,
        ("Pittsburgh", "Santa Fe"): 9,
    },
}  # fmt: skip


def test_ahp_hierarchy_reproduces_saaty_2005_best_city():
    # Published overall priorities: Bethesda .229, Boston .275, Pittsburgh .385, Santa Fe .111.
    # Our hierarchy needs distinct leaves, so each city appears once per criterion
    # ("Culture/Boston"), and the test adds a city's leaves up.
    tree = {
        "criteria": CITY_CRITERIA,
        "pairwise": matrix_from_pairs(CITY_CRITERIA, CITY_JUDGMENTS["goal"]).tolist(),
        "sub": {
            c: {
                "criteria": [f"{c}/{city}" for city in CITIES],
                "pairwise": matrix_from_pairs(CITIES, CITY_JUDGMENTS[c]).tolist(),
            }
            for c in CITY_CRITERIA
        },
    }
    w = ahp_hierarchy(tree, on_inconsistent="ignore")
    assert w.weights.sum() == pytest.approx(1.0)
    by_city = w.weights.groupby(lambda s: s.split("/")[1]).sum()
    published = {"Bethesda": 0.229, "Boston": 0.275, "Pittsburgh": 0.385, "Santa Fe": 0.111}
    for city, v in published.items():
        assert by_city[city] == pytest.approx(v, abs=0.0006), city
    assert set(w.diagnostics["nodes"]) == {"(goal)", *CITY_CRITERIA}


def test_ahp_consistent_matrix_recovers_weights_exactly():
    # Closed form: a perfectly consistent matrix a_ij = w_i / w_j has eigenvector w,
    # lambda_max = n and CR = 0 (Saaty 1980), for both methods.
    true = np.array([0.5, 0.25, 0.15, 0.1])
    a = true[:, None] / true[None, :]
    for method in ("eigen", "geometric"):
        w = ahp(a, method=method)
        np.testing.assert_allclose(w.to_numpy(), true, atol=1e-12)
        assert w.lambda_max == pytest.approx(4.0)
        assert w.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_ahp_inconsistent_matrix_closed_form_and_warning():
    # A cyclic 3x3 judgment: revenue 3x new, new 3x retention, but retention 3x revenue.
    # For a 3x3 reciprocal matrix with c = a12 * a23 / a13, lambda_max = 1 + c^(1/3) + c^(-1/3)
    # (derived from the characteristic polynomial). Here c = 3 * 3 / (1/3) = 27, so
    # lambda_max = 1 + 3 + 1/3 = 13/3, CI = (13/3 - 3) / 2 = 2/3, CR = (2/3) / 0.58 = 1.149.
    # Each row's geometric mean is 1, so the weights are equal.
    a = [[1, 3, "1/3"], ["1/3", 1, 3], [3, "1/3", 1]]
    with pytest.warns(InconsistentJudgmentsWarning, match=r"consistency ratio 1\.149"):
        w = ahp(a, ["revenue", "new", "retention"])
    assert w.lambda_max == pytest.approx(13 / 3)
    assert w.consistency_index == pytest.approx(2 / 3)
    assert w.consistency_ratio == pytest.approx((2 / 3) / 0.58)
    assert w.consistency_ratio > 0.10
    np.testing.assert_allclose(w.to_numpy(), [1 / 3] * 3, atol=1e-9)
    with pytest.raises(InconsistentJudgmentsError, match="above 0.1"):
        ahp(a, on_inconsistent="raise")


def test_ahp_three_by_three_closed_form_for_a_mildly_inconsistent_matrix():
    # c = 2 * 3 / 4 = 1.5: lambda_max = 1 + 1.5^(1/3) + 1.5^(-1/3); the eigenvector of a 3x3
    # reciprocal matrix equals the row geometric means (a known n = 3 identity).
    a = np.array([[1, 2, 4], [1 / 2, 1, 3], [1 / 4, 1 / 3, 1]])
    c = 2 * 3 / 4
    lam = 1 + c ** (1 / 3) + c ** (-1 / 3)
    gm = np.array([(1 * 2 * 4) ** (1 / 3), (0.5 * 3) ** (1 / 3), (1 / 12) ** (1 / 3)])
    w = ahp(a)
    assert w.lambda_max == pytest.approx(lam)
    assert w.consistency_ratio == pytest.approx((lam - 3) / 2 / 0.58)
    np.testing.assert_allclose(w.to_numpy(), gm / gm.sum(), atol=1e-10)


@st.composite
def reciprocal_matrices(draw):
    n = draw(st.integers(3, 8))
    scale = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]
    a = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            v = draw(st.sampled_from(scale))
            a[i, j], a[j, i] = v, 1 / v
    return a


@settings(max_examples=60, deadline=None)
@given(reciprocal_matrices())
def test_ahp_properties_on_random_reciprocal_matrices(a):
    n = len(a)
    for method in ("eigen", "geometric"):
        w = ahp(a, method=method, on_inconsistent="ignore")
        v = w.to_numpy()
        assert v.sum() == pytest.approx(1.0) and (v > 0).all()
        # Perron: the principal eigenvalue of a positive reciprocal matrix is >= n.
        assert w.lambda_max >= n - 1e-9
        assert w.consistency_ratio >= 0
    if n == 3:  # the two methods coincide for n = 3
        np.testing.assert_allclose(
            ahp(a, on_inconsistent="ignore").to_numpy(),
            ahp(a, method="geometric", on_inconsistent="ignore").to_numpy(),
            atol=1e-9,
        )


def test_ahp_bad_matrices_name_the_entry():
    with pytest.raises(SpecError, match=r"pairwise\[1\]\[0\]: not reciprocal"):
        ahp([[1, 3], [3, 1]])
    with pytest.raises(SpecError, match=r"pairwise\[0\]\[1\]: judgment must be a positive"):
        ahp([[1, -2], [-0.5, 1]])
    with pytest.raises(SpecError, match=r"pairwise\[0\]\[1\]: judgment must be a positive"):
        ahp([[1, 0], [1, 1]])
    with pytest.raises(SpecError, match=r"pairwise\[1\]: row has 1 entries"):
        ahp([[1, 2], [0.5]])
    with pytest.raises(SpecError, match=r"pairwise\[1\]\[1\]: diagonal must be 1"):
        ahp([[1, 2], [0.5, 2]])
    # 0.33 typed for 1/3 is accepted (2% tolerance)
    assert ahp([[1, 3], [0.33, 1]]).weights.iloc[0] == pytest.approx(0.75, abs=0.002)


# ----------------------------------------------------------------- entropy
def test_entropy_weights_hand_calculation():
    # Columns (after min-max): A constant -> no information; B = [1, 0, 0] -> p = [1, 0, 0],
    # e = 0, d = 1; C = [1, 1, 0] -> p = [.5, .5, 0], e = ln 2 / ln 3, d = 1 - ln2/ln3.
    x = np.array([[5, 3, 2], [5, 1, 2], [5, 1, 0]], dtype=float)
    w = entropy_weights(x, criteria=["A", "B", "C"], normalization="minmax")
    d_c = 1 - math.log(2) / math.log(3)
    np.testing.assert_allclose(w.to_numpy(), [0, 1 / (1 + d_c), d_c / (1 + d_c)], atol=1e-12)
    assert w.diagnostics["entropy"]["C"] == pytest.approx(math.log(2) / math.log(3))
    # A cost column mirrored: C' = [0, 0, 2] as a cost KPI normalizes to the same [1, 1, 0].
    x2 = x.copy()
    x2[:, 2] = [0, 0, 2]
    w2 = entropy_weights(
        x2, benefit=[True, True, False], criteria=["A", "B", "C"], normalization="minmax"
    )
    np.testing.assert_allclose(w2.to_numpy(), w.to_numpy(), atol=1e-12)


def test_entropy_share_normalization_hand_calculation():
    # Zeleny-style shares: column [1, 1, 2] -> p = [.25, .25, .5];
    # e = -(2 * .25 ln .25 + .5 ln .5) / ln 3; second column [1, 2, 3] -> p = [1/6, 2/6, 3/6].
    x = np.array([[1, 1], [1, 2], [2, 3]], dtype=float)
    w = entropy_weights(x, normalization="share")

    def ent(p):
        p = np.asarray(p)
        return -(p * np.log(p)).sum() / math.log(3)

    d = np.array([1 - ent([0.25, 0.25, 0.5]), 1 - ent([1 / 6, 2 / 6, 3 / 6])])
    np.testing.assert_allclose(w.to_numpy(), d / d.sum(), atol=1e-12)


def test_entropy_weights_reproduce_published_examples():
    # Xu, X. (2004). A note on the subjective and objective integrated approach to determine
    # attribute weights. European Journal of Operational Research 156(2), 530-532:
    # entropy weights .4630, .3992, .1378, .0000 (p_ij = x_ij / sum_i x_ij).
    xu = np.array([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]])
    w = entropy_weights(xu, normalization="share")
    np.testing.assert_allclose(w.to_numpy(), [0.4630, 0.3992, 0.1378, 0.0000], atol=5e-5)
    # Zavadskas, E. K. & Podvezko, V. (2016). Integrated determination of objective criteria
    # weights in MCDM. Int. J. Information Technology & Decision Making 15(2), 267-283:
    # entropy weights .1146, .1981, .4185, .2689 (computed on the raw values).
    zp = np.array([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]])
    w = entropy_weights(zp, normalization="share")
    np.testing.assert_allclose(w.to_numpy(), [0.1146, 0.1981, 0.4185, 0.2689], atol=5e-5)
    # Ersoy, Y. (2021). Equipment selection for an e-commerce company using entropy-based
    # TOPSIS, EDAS and CODAS methods during the COVID-19. LogForum 17(3):
    # .405, .221, .134, .199, .007, .034.
    er = np.array(
        [
            [256, 8, 41, 1.6, 1.77, 7347.16],
            [256, 8, 32, 1.0, 1.8, 6919.99],
            [256, 8, 53, 1.6, 1.9, 8400],
            [256, 8, 41, 1.0, 1.75, 6808.9],
            [512, 8, 35, 1.6, 1.7, 8479.99],
            [256, 4, 35, 1.6, 1.7, 7499.99],
        ]
    )
    w = entropy_weights(er, normalization="share")
    np.testing.assert_allclose(w.to_numpy(), [0.405, 0.221, 0.134, 0.199, 0.007, 0.034], atol=5e-4)


def test_entropy_all_constant_is_an_error():
    with pytest.raises(ValueError, match="undefined"):
        entropy_weights(np.ones((4, 2)))


# ------------------------------------------------------------------ CRITIC
def test_critic_weights_hand_calculation():
    # Raw: c1 benefit [10, 15, 20] -> [0, .5, 1]; c2 cost [0, 4, 2] -> (4 - x)/4 = [1, 0, .5];
    # c3 benefit [5, 5, 7] -> [0, 0, 1].
    # Correlations by hand: r12 = -0.25 / sqrt(.5 * .5) = -0.5; r13 = 0.5 / sqrt(.5 * 2/3)
    # = 0.8660; r23 = 0. Sample standard deviations: .5, .5, sqrt(1/3) = .57735.
    # C1 = .5 * (1.5 + (1 - .8660)); C2 = .5 * (1.5 + 1); C3 = .57735 * ((1 - .8660) + 1).
    x = np.array([[10, 0, 5], [15, 4, 5], [20, 2, 7]], dtype=float)
    w = critic_weights(x, benefit=[True, False, True], criteria=["c1", "c2", "c3"])
    r13 = 0.5 / math.sqrt(0.5 * 2 / 3)
    c = np.array(
        [0.5 * (1.5 + 1 - r13), 0.5 * 2.5, math.sqrt(1 / 3) * (1 - r13 + 1)],
    )
    np.testing.assert_allclose(w.to_numpy(), c / c.sum(), atol=1e-12)
    assert w.diagnostics["correlation"].loc["c1", "c2"] == pytest.approx(-0.5)
    np.testing.assert_allclose(w.diagnostics["information"].to_numpy(), c, atol=1e-12)


def test_critic_reproduces_tus_and_adali_2019():
    # Tus, A. & Aytac Adali, E. (2019). The new combination with CRITIC and WASPAS methods for
    # the time and attendance software selection problem. Opsearch 56(2), 528-538.
    # Published CRITIC weights: .157, .249, .168, .121, .154, .151. They come out with every
    # column min-max normalized in the benefit direction (price included), which is how the
    # published numbers were obtained (pyrepo-mcda's test of this example does the same).
    m = np.array(
        [
            [5000, 3, 3, 4, 3, 2],
            [680, 5, 3, 2, 2, 1],
            [2000, 3, 2, 3, 4, 3],
            [600, 4, 3, 1, 2, 2],
            [800, 2, 4, 3, 3, 4],
        ],
        dtype=float,
    )
    w = critic_weights(m)
    np.testing.assert_allclose(w.to_numpy(), [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], atol=5e-4)
    # Declaring price a cost criterion changes its correlations' signs and so the weights.
    assert not np.allclose(critic_weights(m, benefit=[False] + [True] * 5).to_numpy(), w.to_numpy())


def test_critic_two_criteria_weights_proportional_to_spread():
    # With two criteria the conflict term (1 - r) is common, so w_j is proportional to sigma_j.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    r = (x - x.min(0)) / (x.max(0) - x.min(0))
    sd = r.std(0, ddof=1)
    np.testing.assert_allclose(critic_weights(x).to_numpy(), sd / sd.sum(), atol=1e-12)


def test_manual_and_combined_weights():
    m = manual({"revenue": 0.5, "new": 0.3, "retention": 0.2})
    with pytest.raises(SpecError, match="must sum to 1"):
        manual({"revenue": 0.5, "new": 0.3})
    e = sl.appraisal.Weights(pd.Series({"revenue": 0.2, "new": 0.2, "retention": 0.6}), "entropy")
    c = combine(m, e, alpha=0.75)
    np.testing.assert_allclose(c.to_numpy(), [0.425, 0.275, 0.3])
    mult = combine(m, e, how="multiplicative")
    # 0.5*0.2 = .10, 0.3*0.2 = .06, 0.2*0.6 = .12 -> divided by .28
    np.testing.assert_allclose(mult.to_numpy(), [0.10 / 0.28, 0.06 / 0.28, 0.12 / 0.28])
    assert c.record()["inputs"]["alpha"] == 0.75


# ----------------------------------------------------------------- scoring
def test_scoring_rules_by_hand():
    x = np.array([0.5, 0.8, 1.0, 1.1, 1.6])
    from simlib.appraisal.scorecard import BandsRule, LinearRule, RatioRule

    np.testing.assert_allclose(score_rule(RatioRule(cap=1.5), x), [50, 80, 100, 110, 150])
    lin = LinearRule(floor=0.8, ceiling=1.2, score_at_floor=60, score_at_ceiling=120)
    # 60 at .8, +60 per .4 of attainment: 1.0 -> 90, 1.1 -> 105; clipped outside.
    np.testing.assert_allclose(score_rule(lin, x), [60, 60, 90, 105, 120])
    lin0 = LinearRule(floor=0.8, ceiling=1.2, score_at_floor=60, score_below_floor=0)
    np.testing.assert_allclose(score_rule(lin0, x)[:2], [0, 60])
    bands = BandsRule(bands=[{"at_least": 0.8, "score": 60}, {"at_least": 1.0, "score": 100}])
    np.testing.assert_allclose(score_rule(bands, x), [0, 60, 100, 100, 100])
    # churn: lower is better, on the actual value
    churn = np.array([0.01, 0.02, 0.03, 0.05])
    cb = BandsRule(
        basis="actual",
        bands=[{"at_most": 0.04, "score": 60}, {"at_most": 0.02, "score": 100}],
    )
    np.testing.assert_allclose(score_rule(cb, None, churn), [100, 100, 60, 0])
    cl = LinearRule(basis="actual", floor=0.05, ceiling=0.01)  # falling scale
    np.testing.assert_allclose(score_rule(cl, None, churn), [100, 75, 50, 0])
    assert np.isnan(score_rule(RatioRule(), np.array([np.nan])))[0]


def test_percentile_and_zscore_within_groups_by_hand():
    v = np.array([10.0, 20.0, 20.0, 30.0, 5.0, 7.0])
    g = Groups(["a", "a", "a", "a", "b", "b"])
    # group a (n=4), best first: 30 (rank 0), 20, 20 (ranks 1, 2 -> mid 1.5), 10 (3)
    # percentile = 1 - (rank + .5) / n
    np.testing.assert_allclose(
        percentile_within(v, g), [1 - 3.5 / 4, 1 - 2 / 4, 1 - 2 / 4, 1 - 0.5 / 4, 0.25, 0.75]
    )
    z = sl.appraisal.zscore_within(v, g)
    a = v[:4]
    np.testing.assert_allclose(z[:4], (a - a.mean()) / a.std())
    np.testing.assert_allclose(z[4:], [-1, 1])


# ----------------------------------------------------------------- ratings
def test_forced_counts_follow_largest_remainder_by_hand():
    # 7 reps at 10/20/40/20/10: quotas .7, 1.4, 2.8, 1.4, .7 -> floors 0, 1, 2, 1, 0 (4);
    # 3 units left to the largest remainders .8 (grade 3), then .7 / .7 (grades 1 and 5,
    # equal shares: the first listed wins, then the other) -> 1, 1, 3, 1, 1.
    g = Groups(np.zeros(7, dtype=int))
    np.testing.assert_array_equal(forced_counts(g, [0.1, 0.2, 0.4, 0.2, 0.1]), [[1, 1, 3, 1, 1]])
    # 12 reps at 20/70/10: 2.4, 8.4, 1.2 -> 2, 8, 1, one left; remainders .4 / .4 tie -> the
    # larger share (70%) wins: 2, 9, 1.
    g12 = Groups(np.zeros(12, dtype=int))
    np.testing.assert_array_equal(forced_counts(g12, [0.2, 0.7, 0.1]), [[2, 9, 1]])
    # 30 reps at 10/20/40/20/10: exact 3, 6, 12, 6, 3.
    g30 = Groups(np.zeros(30, dtype=int))
    np.testing.assert_array_equal(forced_counts(g30, [0.1, 0.2, 0.4, 0.2, 0.1]), [[3, 6, 12, 6, 3]])


def test_forced_rating_distinct_scores_by_hand():
    s = np.array([70, 95, 80, 60, 99, 85, 75.0])  # ranks: 99, 95, 85, 80, 75, 70, 60
    grades = rate_forced(s, None, [0.1, 0.2, 0.4, 0.2, 0.1], min_group=None)
    # counts 1, 1, 3, 1, 1 -> 99: 0, 95: 1, 85/80/75: 2, 70: 3, 60: 4
    np.testing.assert_array_equal(grades, [3, 1, 2, 4, 0, 2, 2])


def test_forced_rating_tie_rule_by_hand():
    s = np.array([5, 4, 4, 3, 2, 2, 1.0])  # slots by counts 1,1,3,1,1: 0,1,2,2,2,3,4
    shares = [0.1, 0.2, 0.4, 0.2, 0.1]
    up = rate_forced(s, None, shares, ties="up", min_group=None)
    down = rate_forced(s, None, shares, ties="down", min_group=None)
    split = rate_forced(s, None, shares, ties="split", min_group=None)
    np.testing.assert_array_equal(up, [0, 1, 1, 2, 2, 2, 4])  # tied 4s take slot 1; 2s slot 4
    np.testing.assert_array_equal(down, [0, 2, 2, 2, 3, 3, 4])
    np.testing.assert_array_equal(split, [0, 1, 2, 2, 2, 3, 4])


def reference_forced(scores, groups, shares, ties):
    """A plain per-rep implementation of the documented rule, for comparison."""
    out = np.empty(len(scores), dtype=int)
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        counts = forced_counts(Groups(np.zeros(len(idx), dtype=int)), shares)[0]
        slot = np.repeat(np.arange(len(shares)), counts)
        for i in idx:
            higher = int(np.sum(scores[idx] > scores[i]))
            at_least = int(np.sum(scores[idx] >= scores[i]))
            out[i] = slot[higher] if ties == "up" else slot[at_least - 1]
    return out


@settings(max_examples=80, deadline=None)
@given(
    scores=st.lists(st.integers(0, 6), min_size=1, max_size=60),
    ngroups=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    shares=st.sampled_from([[0.2, 0.7, 0.1], [0.1, 0.2, 0.4, 0.2, 0.1], [0.5, 0.5]]),
    ties=st.sampled_from(["up", "down", "split"]),
)
def test_forced_rating_properties_with_many_ties(scores, ngroups, seed, shares, ties):
    s = np.array(scores, dtype=float)
    groups = np.random.default_rng(seed).integers(0, ngroups, len(s))
    grades = rate_forced(s, groups, shares, ties=ties, min_group=None)
    g = Groups(groups)
    counts = forced_counts(g, shares)
    for k, code in enumerate(g.labels):
        m = groups == code
        gs, ss = grades[m], s[m]
        # better score never gets a worse grade
        order = np.argsort(-ss, kind="stable")
        assert (np.diff(gs[order]) >= 0).all()
        if ties == "split":
            np.testing.assert_array_equal(np.bincount(gs, minlength=len(shares)), counts[k])
        else:
            # tied scores in a group share a grade
            for v in np.unique(ss):
                assert len(np.unique(gs[ss == v])) == 1
    if ties != "split":
        np.testing.assert_array_equal(grades, reference_forced(s, groups, shares, ties))


def test_forced_rating_vectorized_over_draws_matches_one_by_one():
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 10, size=(3, 4, 50)).astype(float)
    groups = rng.integers(0, 3, 50)
    shares = [0.2, 0.7, 0.1]
    all_at_once = rate_forced(scores, groups, shares, min_group=None)
    for i in range(3):
        for j in range(4):
            np.testing.assert_array_equal(
                all_at_once[i, j], rate_forced(scores[i, j], groups, shares, min_group=None)
            )


def test_forced_rating_warns_on_small_groups_and_rejects_nan():
    with pytest.warns(SmallGroupWarning, match="smaller than 25"):
        rate_forced(np.arange(10.0), None, [0.2, 0.7, 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rate_forced(np.arange(30.0), None, [0.2, 0.7, 0.1])
    with pytest.raises(sl.appraisal.RatingError, match="NaN"):
        rate_forced(np.array([1.0, np.nan]), None, [0.5, 0.5], min_group=None)


def test_rate_bands_by_hand():
    s = np.array([[130, 115, 100, 99.9, 70]])
    np.testing.assert_array_equal(rate_bands(s, [120, 100, None]), [[0, 1, 1, 2, 2]])
    with pytest.raises(sl.appraisal.RatingError, match="below the lowest band"):
        rate_bands(s, [120, 100, 80])


# ------------------------------------------------------------- calibration
def test_calibration_removes_a_lenient_raters_offset():
    # Two managers rate the same talent; manager B adds +1 to everyone.
    talent = np.array([2.0, 3.0, 4.0, 2.0, 3.0, 4.0])
    given_ = talent + np.array([0, 0, 0, 1, 1, 1])
    groups = ["A"] * 3 + ["B"] * 3
    for method in ("zscore", "mean"):
        c = calibrate(given_, groups, method)
        np.testing.assert_allclose(c[:3], c[3:])
        assert c.mean() == pytest.approx(given_.mean())
    # mixed model: the leniency estimate is shrunk, so the gap narrows but need not close
    rng = np.random.default_rng(3)
    t = rng.normal(3, 0.5, 200)
    g = np.repeat(np.arange(10), 20)
    lenient = np.where(g < 5, 0.0, 0.8)
    c = calibrate(t + lenient, g, "mixed")
    gap_before = (t + lenient)[g >= 5].mean() - (t + lenient)[g < 5].mean()
    gap_after = c[g >= 5].mean() - c[g < 5].mean()
    assert abs(gap_after) < 0.25 * abs(gap_before)


# ------------------------------------------------------- scorecard & specs
SC = {
    "name": "test",
    "kpis": [
        {"kpi": "revenue", "weight": 0.5, "rule": {"type": "ratio", "cap": 1.5}},
        {"kpi": "new_customers", "weight": 0.3},
        {"kpi": "churn", "weight": 0.2},
    ],
    "competence": {"weight": 0.2},
    "team": {"weight": 0.25, "level": "team"},
    "rating": {
        "type": "forced",
        "min_group": 5,
        "grades": [
            {"name": "A", "share": 0.2, "coefficient": 1.2},
            {"name": "B", "share": 0.7, "coefficient": 1.0},
            {"name": "C", "share": 0.1, "coefficient": 0.8},
        ],
    },
}


def test_invalid_specs_name_the_path():
    bad = {**SC, "kpis": [{**SC["kpis"][0], "weight": 0.4}, *SC["kpis"][1:]]}
    with pytest.raises(SpecError, match=r"scorecard\.kpis: weights must sum to 1 \(100%\)"):
        Scorecard.from_dict(bad)
    rating = {**SC["rating"], "grades": [{**g, "share": 0.3} for g in SC["rating"]["grades"]]}
    with pytest.raises(SpecError, match=r"scorecard\.rating: grades: shares must sum to 1"):
        Scorecard.from_dict({**SC, "rating": rating})
    kp = [{k: v for k, v in x.items() if k != "weight"} for x in SC["kpis"]]
    with pytest.raises(SpecError, match=r"scorecard\.weights\.pairwise\[2\]\[0\]: not reciprocal"):
        Scorecard.from_dict(
            {**SC, "kpis": kp, "weights": {"method": "ahp",
                                           "pairwise": [[1, 3, 5], [0.3333, 1, 2], [5, 0.5, 1]]}}
        )  # fmt: skip
    with pytest.raises(SpecError, match=r"scorecard\.weights\.pairwise\[0\]\[1\]: judgment must"):
        Scorecard.from_dict(
            {**SC, "kpis": kp, "weights": {"method": "ahp",
                                           "pairwise": [[1, -3, 5], [-1/3, 1, 2], [0.2, 0.5, 1]]}}
        )  # fmt: skip
    with pytest.raises(SpecError, match=r"scorecard\.kpis\[0\]\.rule\.cap"):
        Scorecard.from_dict({**SC, "kpis": [{**SC["kpis"][0], "rule": {"type": "ratio", "cap": -1}},
                                             *SC["kpis"][1:]]})  # fmt: skip
    with pytest.raises(SpecError, match=r"scorecard\.rating\.grades\[0\]\.shares: unknown key"):
        Scorecard.from_dict(
            {
                **SC,
                "rating": {**SC["rating"], "grades": [{"name": "A", "shares": 1}, {"name": "B"}]},
            }
        )
    with pytest.raises(SpecError, match=r"scorecard\.kpis\[1\]\.rule\.bands: .*at_least must incr"):
        Scorecard.from_dict({**SC, "kpis": [SC["kpis"][0], {**SC["kpis"][1], "rule": {
            "type": "steps", "bands": [{"at_least": 1, "score": 100}, {"at_least": 0.9, "score": 80}]
        }}, SC["kpis"][2]]})  # fmt: skip


def test_scorecard_yaml_examples_load(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "scenarios" / "appraisal"
    files = sorted(root.glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        sc = Scorecard.from_yaml(f)
        assert sc.kpi_names
    # The hierarchy example: results vs stewardship 3:1 -> .75 / .25; within results
    # revenue vs new customers 2:1 -> 2/3, 1/3. Global: .5, .25, .25.
    h = Scorecard.from_yaml(root / "ahp_hierarchy.yaml").resolve_weights()
    np.testing.assert_allclose(h.to_numpy(), [0.5, 0.25, 0.25])
    assert h.diagnostics["max_consistency_ratio"] == pytest.approx(0.0, abs=1e-12)
    tree = {"criteria": ["a", "b"], "pairwise": [[1, 2], [0.5, 1]]}
    kp = [{k: v for k, v in x.items() if k != "weight"} for x in SC["kpis"]]
    with pytest.raises(SpecError, match=r"scorecard\.weights\.hierarchy: leaves"):
        Scorecard.from_dict(
            {**SC, "kpis": kp, "weights": {"method": "ahp_hierarchy", "hierarchy": tree}}
        )
    bad_sub = {**tree, "sub": {"a": {"criteria": ["x", "y"], "pairwise": [[1, 2], [2, 1]]}}}
    with pytest.raises(SpecError, match=r"hierarchy\.sub\.a\.pairwise\[1\]\[0\]: not recip"):
        Scorecard.from_dict(
            {**SC, "kpis": kp, "weights": {"method": "ahp_hierarchy", "hierarchy": bad_sub}}
        )
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nkpis: [{kpi: revenue, weight: 0.9}]\nrating: {type: bands, "
                   "grades: [{name: A, min_score: 100}, {name: B}]}\n")  # fmt: skip
    with pytest.raises(SpecError, match=r"bad\.yaml: scorecard\.kpis: weights must sum"):
        Scorecard.from_yaml(bad)


def test_appraise_numbers_by_hand():
    ds = make_appraisal_dataset()
    with pytest.warns(SmallGroupWarning):
        app = sl.appraisal.appraise(ds, {**SC, "rating": {**SC["rating"], "min_group": 25}}, 2026)
    r = app.reps.set_index("rep_id")
    # a1 in 2026: revenue 1.1 -> 110, new 0.9 -> 90, churn .02/.02 -> 100
    # KPI composite .5*110 + .3*90 + .2*100 = 102; competence 3 -> 100 points;
    # individual .8*102 + .2*100 = 101.6.
    assert r.loc["a1", "kpi_score"] == pytest.approx(102.0)
    assert r.loc["a1", "individual_score"] == pytest.approx(101.6)
    # Team T1: revenue (1.1+.7+1.3+.9)/4 = 1.0 -> 100; new (0.9+1+1+1.2)/4 = 1.025 -> 102.5;
    # churn: mean actual (.02+.02+.016+.02)/4 = .019 -> .02/.019 -> 105.263...
    team = 0.5 * 100 + 0.3 * 102.5 + 0.2 * (100 * 0.02 / 0.019)
    assert r.loc["a1", "team_score"] == pytest.approx(team)
    assert r.loc["a1", "score"] == pytest.approx(0.75 * 101.6 + 0.25 * team)
    # a3: churn .016 -> attainment 1.25 -> ratio capped at 1.2 -> 120
    assert r.loc["a3", "score_churn"] == pytest.approx(120.0)
    # c5 hired in October: not rated, with the reason
    assert not r.loc["c5", "eligible"] and "under 6 months" in r.loc["c5", "reason"]
    # 12 rated at 20/70/10 -> 2 / 9 / 1 by largest remainder (see above)
    assert app.rating_counts().iloc[0].tolist() == [2, 9, 1]
    # the best two scores get A, the worst C
    rated = app.rated.sort_values("score", ascending=False)
    assert rated["rating"].tolist()[:2] == ["A", "A"] and rated["rating"].iloc[-1] == "C"
    assert set(rated["coefficient"]) == {1.2, 1.0, 0.8}
    # score = effective @ weights + offset (used by sensitivity)
    np.testing.assert_allclose(
        app.effective @ app.weights.to_numpy() + app.offset, app.rated["score"].to_numpy()
    )


def test_appraise_with_ahp_and_entropy_weights_blocks():
    ds = make_appraisal_dataset()
    kp = [{k: v for k, v in x.items() if k != "weight"} for x in SC["kpis"]]
    bands = {"type": "bands", "grades": [{"name": "A", "min_score": 110},
                                         {"name": "B", "min_score": 90}, {"name": "C"}]}  # fmt: skip
    sc_ahp = {**SC, "kpis": kp, "rating": bands,
              "weights": {"method": "ahp", "pairwise": [[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]]}}  # fmt: skip
    app = sl.appraisal.appraise(ds, sc_ahp, "2026")
    assert app.weights.method == "ahp-eigen"
    np.testing.assert_allclose(
        app.weights.to_numpy(),
        ahp([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]).to_numpy(),
    )
    sc_ent = {**sc_ahp, "weights": {"method": "entropy"}}
    app2 = sl.appraisal.appraise(ds, sc_ent, "2026")
    pts = app2.rated[[f"score_{k}" for k in ["revenue", "new_customers", "churn"]]].to_numpy()
    np.testing.assert_allclose(app2.weights.to_numpy(), entropy_weights(pts).to_numpy())
    # bands: every score >= 110 is A
    r = app2.rated
    assert (r.loc[r["score"] >= 110, "rating"] == "A").all()
    assert (r.loc[r["score"] < 90, "rating"] == "C").all()


def test_sensitivity_and_break_even_agree_with_brute_force():
    ds = make_appraisal_dataset()
    sc = {**SC, "rating": {**SC["rating"], "min_group": 1}}
    app = sl.appraisal.appraise(ds, sc, 2026)
    sens = sl.appraisal.weight_sensitivity(app, delta=0.1)
    assert len(sens) == 6 and sens["rank_correlation"].between(-1, 1).all()
    be = sl.appraisal.break_even_weights(app)
    w = app.weights.to_numpy()
    top0 = app.rated["grade_index"].to_numpy() == 0
    for _, row in be[be["group"] == "top"].iterrows():
        k = app.weights.names.index(row["kpi"])
        for t_star, direction in ((row["weight_up"], 1), (row["weight_down"], -1)):
            # brute force on a fine grid between today's weight and the break-even point
            end = t_star if not np.isnan(t_star) else (1.0 if direction > 0 else 0.0)
            grid = np.linspace(w[k], end, 400)[1:-1]
            for t in grid:
                wt = sl.appraisal.shift_weight(w, k, t)
                g = app.rate(app.effective @ wt + app.offset)
                assert ((g == 0) == top0).all(), (row["kpi"], t)
            if not np.isnan(t_star):
                beyond = t_star + direction * 1e-3
                wt = sl.appraisal.shift_weight(w, k, beyond)
                g = app.rate(app.effective @ wt + app.offset)
                assert ((g == 0) != top0).any(), (row["kpi"], beyond)


def test_design_diagnostics():
    ds = make_appraisal_dataset()
    sc = {**SC, "rating": {**SC["rating"], "min_group": 1}}
    app = sl.appraisal.appraise(ds, sc, 2026)
    vs = sl.appraisal.variance_shares(app)
    assert vs.sum() == pytest.approx(1.0)
    corr = sl.appraisal.kpi_correlations(app)
    # revenue points are 100 x attainment and every target is 100/month: corr with revenue = 1
    assert corr.loc["revenue", "corr_with_revenue"] == pytest.approx(1.0)
    dist = sl.appraisal.rating_distribution(app, by="unit_id")
    assert dist["n"].sum() == 12
    np.testing.assert_allclose(dist[["A", "B", "C"]].sum(axis=1), 1.0)
    dec = sl.appraisal.decisive_kpis(app)
    assert dec["pivotal_share"].between(0, 1).all()
    assert 0 <= dec.attrs["decided_by_one_kpi"] <= 1
    # brute-force one rep/KPI: neutralize revenue for the rep it is pivotal for
    m = app.effective.copy()
    med = np.median(m, axis=0)
    base = app.rated["grade_index"].to_numpy()
    piv = np.zeros(len(base), bool)
    for i in range(len(base)):
        mm = m.copy()
        mm[i, 0] = med[0]
        piv[i] = app.rate(mm @ app.weights.to_numpy() + app.offset)[i] != base[i]
    assert dec.loc["revenue", "pivotal_share"] == pytest.approx(piv.mean())


def test_period_parsing():
    assert len(sl.appraisal.period_months("2026H2")) == 6
    assert str(sl.appraisal.period_months(2026)[0]) == "2026-01"
    assert str(sl.appraisal.period_months("2026q3")[0]) == "2026-07"
    with pytest.raises(ValueError, match="expected YYYY"):
        sl.appraisal.period_months("26")


def test_unknown_level_names_the_spec_path():
    ds = make_appraisal_dataset()
    with pytest.raises(ValueError, match=r"scorecard\.rating\.within: unknown level 'branch'"):
        sl.appraisal.appraise(ds, {**SC, "rating": {**SC["rating"], "within": "branch"}}, 2026)
    with pytest.raises(ValueError, match=r"scorecard\.team\.level: unknown level"):
        sl.appraisal.appraise(ds, {**SC, "team": {"weight": 0.2, "level": "district"}}, 2026)


def test_team_scores_vectorized_over_draws():
    sc = Scorecard.from_dict(SC)
    rng = np.random.default_rng(5)
    actual = rng.uniform(50, 150, size=(4, 9, 3))
    target = np.full((4, 9, 3), 100.0)
    teams = Groups([0, 0, 0, 1, 1, 2, 2, 2, 2])
    low = np.array([False, False, True])
    summed = np.array([True, True, False])
    w = np.array([0.5, 0.3, 0.2])
    pts, score = sl.appraisal.team_scores(sc, actual, target, low, summed, teams, w)
    for d in range(4):
        _, s_d = sl.appraisal.team_scores(sc, actual[d], target[d], low, summed, teams, w)
        np.testing.assert_allclose(score[d], s_d)
    # by hand for draw 0, unit 1 (reps 3 and 4): revenue and new summed, churn averaged
    a = actual[0, 3:5]
    rev = 100 * min(a[:, 0].sum() / 200, 1.5)
    new = 100 * min(a[:, 1].sum() / 200, 1.2)
    churn = 100 * min(100 / a[:, 2].mean(), 1.2)
    assert score[0, 3] == pytest.approx(0.5 * rev + 0.3 * new + 0.2 * churn)
    assert score[0, 3] == score[0, 4]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(0, 20, allow_nan=False),
            st.just(np.nan),
            st.just(np.inf),
            st.just(0.0),
        ),
        min_size=6,
        max_size=30,
    ),
    st.sampled_from(
        [
            {"type": "ratio", "cap": 1.5},
            {"type": "linear", "floor": 0.8, "ceiling": 1.2},
            {"type": "steps", "bands": [{"at_least": 0.9, "score": 80}]},
            {"type": "zscore", "within": "company"},
            {"type": "percentile"},
        ]
    ),
)
def test_scoring_never_crashes_and_stays_in_range_on_odd_attainment(values, rule):
    spec = {**SC, "kpis": [{"kpi": "revenue", "weight": 1.0, "rule": rule}]}
    sc = Scorecard.from_dict(spec)
    x = np.array(values, dtype=float)[:, None]
    with np.errstate(all="raise"):  # no hidden divide-by-zero or invalid operations
        pts = sl.appraisal.score_kpis(sc, np.stack([x, x]))
    assert pts.shape == (2, len(values), 1)
    nan_in = np.isnan(x[:, 0])
    assert np.isnan(pts[0, nan_in, 0]).all()
    ok = pts[0, ~nan_in, 0]
    assert np.isfinite(ok).all() and (ok >= 0).all() and (ok <= 150).all()
    # higher attainment never scores lower (all rules are monotone)
    fin = ~nan_in
    order = np.argsort(x[fin, 0], kind="stable")
    assert (np.diff(pts[0, fin, 0][order]) >= -1e-9).all()


def test_prepared_core_matches_appraise_and_vectorizes_over_draws():
    ds = make_appraisal_dataset()
    sc = {**SC, "rating": {**SC["rating"], "min_group": 1}}
    app = sl.appraisal.appraise(ds, sc, 2025)  # 2025: all 12 reps rated, no partial unit
    r = app.rated
    ids = r["rep_id"].tolist()
    wide = app.kpis.pivot(index="rep_id", columns="kpi")
    kp = ["revenue", "new_customers", "churn"]
    actual = wide["actual"].loc[ids, kp].to_numpy()
    target = wide["target"].loc[ids, kp].to_numpy()
    prep = sl.appraisal.prepare(ds, sc, ids, competence=r["competence_raw"].to_numpy())
    ev = prep.evaluate(actual, target)
    np.testing.assert_allclose(ev.score, r["score"].to_numpy())
    np.testing.assert_array_equal(ev.grade_index, r["grade_index"].to_numpy())
    np.testing.assert_allclose(ev.team_score, r["team_score"].to_numpy())
    # many draws at once = one by one
    rng = np.random.default_rng(2)
    draws = actual * rng.lognormal(0, 0.2, size=(5, *actual.shape))
    evs = prep.evaluate(draws, target)
    for d in range(5):
        one = prep.evaluate(draws[d], target)
        np.testing.assert_allclose(evs.score[d], one.score)
        np.testing.assert_array_equal(evs.grade_index[d], one.grade_index)
    assert evs.grade_index.shape == (5, 12)
    # forced counts hold in every draw: 12 reps at 20/70/10 -> 2/9/1 (ties aside)
    assert (
        np.sort(evs.score, axis=1)[:, ::-1][:, :2] > np.sort(evs.score, axis=1)[:, ::-1][:, 2:3]
    ).all()
    np.testing.assert_array_equal((evs.grade_index == 0).sum(axis=1), [2] * 5)
    with pytest.raises(ValueError, match="pass competence"):
        sl.appraisal.prepare(ds, sc, ids)


def test_docstring_examples_run():
    import doctest

    import simlib.appraisal
    import simlib.appraisal.weights
    import simlib.outcomes

    for mod in (simlib.appraisal, simlib.appraisal.weights, simlib.outcomes):
        res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert res.failed == 0 and res.attempted > 0, mod.__name__


def test_missing_target_month_makes_a_rep_unrated_with_the_reason():
    from dataclasses import replace

    ds = make_appraisal_dataset()
    t = ds.targets
    drop = (
        (t["rep_id"] == "a2") & (t["kpi"] == "churn") & (t["period"] == pd.Period("2026-05", "M"))
    )
    ds2 = replace(ds, targets=t[~drop].reset_index(drop=True), _cache={})
    sc = {**SC, "rating": {**SC["rating"], "min_group": 1}}
    app = sl.appraisal.appraise(ds2, sc, 2026)
    r = app.reps.set_index("rep_id")
    assert not r.loc["a2", "eligible"]
    assert r.loc["a2", "reason"] == "no target for churn in 2026"
    assert any("no target for churn" in n for n in app.notes)
    assert app.rated["rep_id"].nunique() == 11


def test_inconsistent_pairwise_in_a_spec_fails_at_load_when_asked():
    kp = [{k: v for k, v in x.items() if k != "weight"} for x in SC["kpis"]]
    cyclic = [[1, 3, "1/3"], ["1/3", 1, 3], [3, "1/3", 1]]  # CR 1.149 (see above)
    spec = {**SC, "kpis": kp, "weights": {"method": "ahp", "pairwise": cyclic,
                                          "on_inconsistent": "raise"}}  # fmt: skip
    with pytest.raises(InconsistentJudgmentsError, match=r"scorecard\.weights\.pairwise"):
        Scorecard.from_dict(spec)
    spec["weights"]["on_inconsistent"] = "warn"
    sc = Scorecard.from_dict(spec)  # loads; warns when the weights are used
    with pytest.warns(InconsistentJudgmentsWarning):
        sc.resolve_weights()

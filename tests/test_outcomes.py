"""Outcomes: coefficient, compa-ratio, merit budget solver, promotion, PIP flags, training needs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from appraisal_fixtures import make_appraisal_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib.errors import SpecError
from simlib.outcomes import (
    MeritMatrix,
    OutcomeError,
    OutcomeWarning,
    compa_ratio,
    improvement_flags,
    merit_round,
    performance_coefficient,
    promotion_eligibility,
    solve_merit_budget,
    trailing_run,
    training_needs,
)

# practice.md (Remunera guide, 3% budget): top rating & compa < 0.9: 6-8%; middle & 0.9-1.1:
# 2-3%; bottom two ratings 0-1%. A five-grade matrix inside those bands:
REMUNERA = MeritMatrix(
    ["优秀", "良好", "合格", "基本合格", "不合格"],
    [0.9, 1.1],
    np.array(
        [
            [0.07, 0.055, 0.04],
            [0.05, 0.04, 0.03],
            [0.035, 0.025, 0.015],
            [0.01, 0.005, 0.0],
            [0.0, 0.0, 0.0],
        ]
    ),
)

SC = {
    "name": "t",
    "kpis": [
        {"kpi": "revenue", "weight": 0.5, "rule": {"type": "ratio", "cap": 1.5}},
        {"kpi": "new_customers", "weight": 0.3},
        {"kpi": "churn", "weight": 0.2},
    ],
    "competence": {"weight": 0.2},
    "rating": {
        "type": "forced",
        "min_group": 1,
        "grades": [
            {"name": "A", "share": 0.2},
            {"name": "B", "share": 0.7},
            {"name": "C", "share": 0.1},
        ],
    },
}


def test_performance_coefficient():
    g = np.array([[0, 1, 2], [2, 2, 0]])
    np.testing.assert_allclose(
        performance_coefficient(g, [1.2, 1.0, 0.8]), [[1.2, 1.0, 0.8], [0.8, 0.8, 1.2]]
    )
    c = performance_coefficient(np.array([1]), {"A": 1.3, "B": 1.0, "C": 0.7}, ["A", "B", "C"])
    assert c.tolist() == [1.0]
    with pytest.raises(OutcomeError, match="grade index"):
        performance_coefficient(np.array([-1]), [1.0])


def test_compa_ratio_given_midpoints_and_median_fallback_is_declared():
    reps = pd.DataFrame(
        {"rep_id": ["x", "y", "z"], "grade": ["P1", "P1", "P2"], "base_salary": [90.0, 110.0, 50.0]}
    )
    cr = compa_ratio(reps, {"P1": 100.0, "P2": 40.0})
    np.testing.assert_allclose(cr.to_numpy(), [0.9, 1.1, 1.25])
    med = compa_ratio(reps)
    np.testing.assert_allclose(med.to_numpy(), [0.9, 1.1, 1.0])  # P1 median 100, P2 itself
    assert "median" in med.attrs["midpoint_source"]
    with pytest.raises(OutcomeError, match="P2"):
        compa_ratio(reps, {"P1": 100.0})


def test_merit_matrix_spec_errors_name_the_path():
    with pytest.raises(SpecError, match=r"merit_matrix: raises\[1\]: 2 entries for 3"):
        MeritMatrix.from_dict(
            {
                "grades": ["A", "B"],
                "compa_bands": [0.9, 1.1],
                "raises": [[0.05, 0.04, 0.03], [1, 2]],
            }
        )
    with pytest.raises(SpecError, match=r"fractions in \[0, 1\] \(0.06, not 6\)"):
        MeritMatrix.from_dict({"grades": ["A"], "compa_bands": [1.0], "raises": [[6, 4]]})
    with pytest.raises(SpecError, match=r"merit_matrix\.grades"):
        MeritMatrix.from_dict({"compa_bands": [1.0], "raises": [[0.06, 0.04]]})
    m = MeritMatrix.from_dict({"grades": ["A", "B"], "compa_bands": [1.0],
                               "raises": [[0.04, 0.05], [0.05, 0.02]]})  # fmt: skip
    probs = m.monotonicity_problems()
    assert any("raises[1][0]" in p for p in probs) and any("raises[0][1]" in p for p in probs)
    assert REMUNERA.monotonicity_problems() == []


def test_merit_solver_by_hand():
    # Three reps: salaries 100,000 / 80,000 / 50,000 CNY; grade 0 / 2 / 4; compa .85 / 1.0 / 1.2
    # Matrix rates: 7% / 2.5% / 0% -> cost at the matrix 7,000 + 2,000 + 0 = 9,000.
    # Budget 6,000.01: scale 6,000.01 / 9,000; exact amounts 4,666.6744... and 1,333.3355...
    # Cents by largest remainder: floors 466,667 + 133,333 = 600,000 cents; 1 cent left goes
    # to the larger remainder (.44 vs .56 -> the second rep): 4,666.67 and 1,333.34.
    res = solve_merit_budget(
        REMUNERA,
        np.array([100_000.0, 80_000.0, 50_000.0]),
        np.array([0, 2, 4]),
        np.array([0.85, 1.0, 1.2]),
        6000.01,
    )
    assert res.cost_at_matrix == pytest.approx(9000.0)
    assert res.scale == pytest.approx(6000.01 / 9000)
    np.testing.assert_allclose(res.raise_amount, [4666.67, 1333.34, 0.0])
    assert round(res.raise_amount.sum(), 2) == 6000.01
    np.testing.assert_allclose(res.raise_pct, [0.0466667, 0.01666675, 0.0])
    assert res.scaled.monotonicity_problems() == []


@st.composite
def populations(draw):
    n = draw(st.integers(1, 150))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    salary = np.round(rng.uniform(30_000, 300_000, n), 2)
    grade = rng.integers(0, 5, n)
    grade[0] = 0  # at least one rep in a paid cell, so the budget is reachable
    compa = rng.uniform(0.7, 1.3, n)
    compa[0] = 0.8
    budget_cents = draw(st.integers(0, 5_000_000_00))
    return salary, grade, compa, budget_cents


@settings(max_examples=120, deadline=None)
@given(populations())
def test_merit_solver_spends_the_budget_to_the_cent(pop):
    salary, grade, compa, budget_cents = pop
    budget = budget_cents / 100
    res = solve_merit_budget(REMUNERA, salary, grade, compa, budget)
    cents = np.round(res.raise_amount * 100).astype(np.int64)
    np.testing.assert_allclose(res.raise_amount * 100, cents, atol=1e-6)  # whole cents
    assert cents.sum() == budget_cents  # exactly the budget
    exact = salary * REMUNERA.rate(grade, compa) * res.scale
    if budget_cents >= 100 * len(salary):
        # Within a cent of the exact share. (Below ~1 CNY per rep, cells differ by under a
        # cent per salary and keeping raises monotone can move a rep further: see B6 test.)
        assert np.all(np.abs(res.raise_amount - exact) < 0.01 + 1e-9)
    # (monotonicity of the raises actually paid: test_actual_raises_are_monotone_in_rating_and_compa)


def test_merit_solver_rejects_unreachable_budgets():
    with pytest.raises(OutcomeError, match="nobody a raise"):
        solve_merit_budget(REMUNERA, np.array([100.0]), np.array([4]), np.array([1.0]), 10.0)
    with pytest.raises(OutcomeError, match="whole number"):
        solve_merit_budget(REMUNERA, np.array([100.0]), np.array([0]), np.array([1.0]), 10.001)


def test_merit_round_on_an_appraisal():
    ds = make_appraisal_dataset()
    app = sl.appraisal.appraise(ds, SC, 2026)
    mm = MeritMatrix(["A", "B", "C"], [0.9, 1.1], REMUNERA.raises[[0, 2, 4]])
    frame, res = merit_round(app, ds.reps, mm, budget_rate=0.03)
    payroll = frame["base_salary"].sum()
    assert round(frame["raise_amount"].sum(), 2) == round(0.03 * payroll, 2)
    assert "median" in frame.attrs["midpoint_source"]
    # C-rated reps sit in the 0% row
    assert (frame.loc[frame["rating"] == "C", "raise_amount"] == 0).all()
    with pytest.raises(OutcomeError, match="differ"):
        merit_round(app, ds.reps, REMUNERA, budget=100.0)


def test_trailing_run():
    ok = np.array([[True, True, True], [True, False, True], [False, False, False]])
    assert trailing_run(ok).tolist() == [3, 1, 0]


def _history():
    ds = make_appraisal_dataset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hist = sl.appraisal.appraise_history(ds, SC, ["2025", "2026"])
        latest = sl.appraisal.appraise(ds, SC, "2026")
    return ds, hist, latest


def test_promotion_eligibility_by_hand():
    ds, hist, _ = _history()
    grades = ["A", "B", "C"]
    out = promotion_eligibility(hist, ds.reps, grades, "A", consecutive=2).set_index("rep_id")
    # Who is rated A in both years, independently from the history frame:
    a = hist.pivot_table(index="rep_id", columns="period", values="rating", aggfunc="first")
    both_a = set(a.index[(a["2025"] == "A") & (a["2026"] == "A")])
    assert set(out.index[out["eligible"]]) == both_a
    # c5 was not rated in 2025 (not employed) nor 2026 (too short): run 0
    assert out.loc["c5", "run"] == 0 and not out.loc["c5", "eligible"]
    assert out.loc["c5", "ratings"] == "- > -"
    # time in grade from hire date (no grade_since column), declared
    assert "hire date" in out["time_basis"].iloc[0]
    with pytest.warns(OutcomeWarning, match="measured from the hire date"):
        strict = promotion_eligibility(
            hist, ds.reps, grades, "B", consecutive=1, min_years_in_grade=50
        )
    assert not strict["eligible"].any()
    reps2 = ds.reps.assign(grade_since=pd.Timestamp("2026-06-01"))
    gs = promotion_eligibility(hist, reps2, grades, "B", consecutive=1, min_years_in_grade=1)
    assert not gs["meets_time"].any()  # seven months in grade at the end of 2026
    with pytest.raises(OutcomeError, match="not one of the grades"):
        promotion_eligibility(hist, ds.reps, grades, "Z")


def test_improvement_flags_with_kpis_behind():
    ds, hist, latest = _history()
    flags = improvement_flags(hist, latest, consecutive=2, attainment_floor=0.6).set_index("rep_id")
    # c2 is last in both years (attainments 0.55-0.6): rated C twice
    assert "consecutive_bottom" in flags.loc["c2", "flags"]
    # In 2026 c2's shortfall points: revenue .5*(100-55)=22.5, new .3*(100-50)=15,
    # churn .2*(100-40)=12 -> the two KPIs behind: revenue, new_customers; plus the floor:
    # revenue .55, new .50 and churn .02/.05 = .40 are all under 0.6.
    assert flags.loc["c2", "kpis"].split(";")[:2] == ["revenue", "new_customers"]
    assert "attainment_floor" in flags.loc["c2", "flags"]
    assert set(flags.loc["c2", "kpis"].split(";")) == {"revenue", "new_customers", "churn"}
    # b2 (2026: revenue .65, new .6, churn .5) is under 0.6 only on churn
    assert flags.loc["b2", "kpis"].endswith("churn")
    # no one else is under 0.6 anywhere, and only c2 was bottom twice
    bottom_twice = hist.pivot_table(
        index="rep_id", columns="period", values="rating", aggfunc="first"
    )
    twice = set(bottom_twice.index[(bottom_twice == "C").all(axis=1)])
    assert set(flags.index[flags["flags"].str.contains("consecutive_bottom")]) == twice


def test_training_needs_by_hand():
    _, _, latest = _history()
    person, unit = training_needs(latest, top_n=2)
    c2 = person[person["rep_id"] == "c2"].set_index("area")
    # c2 gaps: churn 1 - .4 = .6, new 1 - .5 = .5, revenue .45; competence (meets 3):
    # product knowledge 1 -> (3 - 1) / 2 = 1.0, negotiation 2 -> .5. Top two: product
    # knowledge (1.0), churn (.6).
    assert list(c2.index) == ["product knowledge", "churn"]
    assert c2.loc["product knowledge", "gap"] == pytest.approx(1.0)
    assert c2.loc["churn", "gap"] == pytest.approx(0.6)
    # unit table: share of reps with the need x mean gap, ranked within unit
    t3 = unit[unit["unit"] == "T3"].set_index("area")
    n_t3 = 4  # c1-c4 rated (c5 too short)
    with_pk = person[(person["unit"] == "T3") & (person["area"] == "product knowledge")]
    assert t3.loc["product knowledge", "reps"] == n_t3
    assert t3.loc["product knowledge", "priority"] == pytest.approx(
        len(with_pk) / n_t3 * with_pk["gap"].mean()
    )
    assert (unit.groupby("unit")["rank"].min() == 1).all()


# ------------------------------------------------------ fixed defects (B6, T1, bad inputs)
def test_b6_raises_stay_monotone_after_rounding_to_the_cent():
    # Defect B6: budget 0.01, salaries 10 and 100; the better-rated rep's cell pays 7%, the
    # other's 5%. Exact amounts: cost 0.7 + 5 = 5.7; shares .01 * .7/5.7 and .01 * 5/5.7 ->
    # largest remainder gives the one cent to the 5% rep (raise % 0 vs 0.0001): inverted.
    # The only monotone split of one cent gives it to the 7% rep: raise % .001 and 0.
    mm = MeritMatrix(["A", "B"], [1.0], np.array([[0.07, 0.07], [0.05, 0.05]]))
    res = solve_merit_budget(mm, np.array([10.0, 100.0]), np.array([0, 1]), np.ones(2), 0.01)
    np.testing.assert_allclose(res.raise_amount, [0.01, 0.0])
    np.testing.assert_allclose(res.raise_pct, [0.001, 0.0])


@st.composite
def small_populations(draw):
    n = draw(st.integers(2, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    salary = np.round(rng.uniform(1, 500, n), 2)  # tiny salaries: rounding really bites
    grade = rng.integers(0, 5, n)
    grade[0] = 0
    compa = rng.uniform(0.7, 1.3, n)
    compa[0] = 0.8
    return salary, grade, compa, draw(st.integers(0, 5_000))


@settings(max_examples=150, deadline=None)
@given(st.one_of(populations(), small_populations()))
def test_actual_raises_are_monotone_in_rating_and_compa(pop):
    # Defect T1: the property on the raises actually paid (res.raise_pct), not on the matrix.
    salary, grade, compa, budget_cents = pop
    res = solve_merit_budget(REMUNERA, salary, grade, compa, budget_cents / 100)
    assert np.round(res.raise_amount * 100).astype(np.int64).sum() == budget_cents
    pct = res.raise_pct
    band = REMUNERA.band(compa)
    rate = REMUNERA.rate(grade, compa)
    # any two reps: a strictly higher matrix rate never gets a lower raise %
    hi = rate[:, None] > rate[None, :]
    assert not (hi & (pct[:, None] < pct[None, :] - 1e-15)).any()
    # so, in particular: better grade in the same band, lower band in the same grade
    same_band_better = (band[:, None] == band[None, :]) & (grade[:, None] < grade[None, :])
    assert not (same_band_better & (pct[:, None] < pct[None, :] - 1e-15)).any()
    same_grade_lower = (grade[:, None] == grade[None, :]) & (band[:, None] < band[None, :])
    assert not (same_grade_lower & (pct[:, None] < pct[None, :] - 1e-15)).any()


def test_merit_round_names_reps_without_a_salary():
    ds = make_appraisal_dataset()
    app = sl.appraisal.appraise(ds, SC, 2026)
    mm = MeritMatrix(["A", "B", "C"], [0.9, 1.1], REMUNERA.raises[[0, 2, 4]])
    reps = ds.reps.copy()
    reps.loc[reps["rep_id"] == "b2", "base_salary"] = np.nan
    with pytest.raises(OutcomeError, match=r"base_salary.*\['b2'\]"):
        merit_round(app, reps, mm, budget_rate=0.03)
    with pytest.raises(OutcomeError, match="r2"):
        solve_merit_budget(
            mm, np.array([1.0, np.nan]), np.array([0, 1]), np.ones(2), 1.0, rep_ids=["r1", "r2"]
        )


def test_runs_longer_than_the_history_are_an_error_not_an_empty_list():
    # consecutive > periods in the history silently made nobody eligible.
    ds, hist, latest = _history()  # two periods
    with pytest.raises(OutcomeError, match="consecutive=3 periods asked but the history has 2"):
        promotion_eligibility(hist, ds.reps, ["A", "B", "C"], "B", consecutive=3)
    with pytest.raises(OutcomeError, match="consecutive=3"):
        improvement_flags(hist, latest, consecutive=3)
    # time in grade: 2020-01-01 hire to 2026-12-31 is 2556 days = 6.998 years (365.25-day years)
    with pytest.warns(UserWarning):
        out = promotion_eligibility(
            hist, ds.reps, ["A", "B", "C"], "B", consecutive=1, min_years_in_grade=7
        ).set_index("rep_id")
    assert out.loc["a1", "years_in_grade"] == pytest.approx(2556 / 365.25, abs=1e-3)
    assert not out["meets_time"].any()  # 6.998 < 7


def test_improvement_flag_details_in_chinese():
    from simlib import i18n

    ds, hist, latest = _history()
    with i18n.use("zh-CN"):
        flags = improvement_flags(hist, latest, consecutive=2, attainment_floor=0.6)
    detail = flags.set_index("rep_id").loc["c2", "detail"]
    # c2 was rated C in both years; its 2026 revenue attainment was 55%.
    assert detail.startswith("最近评级：C、C；")
    assert "revenue达成率55%" in detail
    assert "last ratings" not in detail and "attainment" not in detail

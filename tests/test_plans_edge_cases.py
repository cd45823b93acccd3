"""Regression tests for incentive plans: curves, gates, caps, true-ups and statements.

Each test reproduces one defect with numbers worked out by hand in the comments,
so that it failed on the code before the fix and passes on it.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_helpers import PERIODS, reps_frame
from plan_helpers import tidy as _tidy

from simlib.errors import SpecError
from simlib.plans import Plan, PlanInputError, payout_totals
from simlib.plans.plan import PlanWarning
from simlib.plans.spec import PlanSpec, check_plan
from simlib.spec import parse_spec


def tidy(arrays, rep_ids, periods, col="value"):
    return _tidy(arrays, rep_ids, periods, col, dropna=True)


def paths(d: dict, **kw) -> list[str]:
    with pytest.raises(SpecError) as ei:
        Plan.from_dict(d, **kw)
    return [p for p, _ in ei.value.problems] if hasattr(ei.value, "problems") else [str(ei.value)]


def spec_error(d: dict, **kw) -> str:
    with pytest.raises(SpecError) as ei:
        Plan.from_dict(d, **kw)
    return str(ei.value)


# ------------------------------------------------------------- (3) bug 1
def test_plan_cap_multiple_without_target_incentive_is_a_spec_error():
    d = {
        "name": "c",
        "period": "month",
        "max_payout_multiple": 2,
        "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": 0.05}],
    }
    msg = spec_error(d)
    assert "plan.max_payout_multiple" in msg and "target_incentive" in msg


def test_commission_plan_with_an_annual_plan_cap():
    # Flat 5% on 100,000 a month = 5,000 a month; plan cap 12,000 a year on
    # year-to-date pay: Jan 5,000, Feb 5,000, Mar 2,000 (12,000 reached), then 0.
    d = {
        "name": "c",
        "period": "month",
        "max_payout": 12000,
        "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": 0.05}],
    }
    prep = Plan.from_dict(d).prepare(reps_frame(1), PERIODS)
    out = prep.payout({"revenue": np.full((1, 12), 100000.0)}, {})
    np.testing.assert_allclose(out.lines["c"][0], 5000.0)
    np.testing.assert_allclose(out.total[0], [5000, 5000, 2000] + [0] * 9)
    # A rep who left at the end of June worked half the year: limit 6,000.
    reps = reps_frame(1, exit_date=[pd.Timestamp("2026-06-30")])
    prep = Plan.from_dict(d).prepare(reps, PERIODS)
    out = prep.payout({"revenue": np.full((1, 12), 100000.0)}, {})
    assert out.total[0].sum() == pytest.approx(6000.0)


# ------------------------------------------------------------- (3) bug 2, 13
def _tiered_attainment_plan() -> dict:
    return {
        "name": "t",
        "period": "month",
        "components": [
            {
                "type": "commission",
                "name": "c",
                "kpi": "revenue",
                "basis": "attainment",
                "threshold": 0.8,
                "tiers": [
                    {"above": 0.0, "rate": 0.01},
                    {"above": 1.0, "rate": 0.05},
                    {"above": 1.5, "rate": 0.10},
                ],
            }
        ],
    }


def test_attainment_commission_without_target_pays_nothing_and_says_so():
    plan = Plan.from_dict(_tiered_attainment_plan())
    prep = plan.prepare(reps_frame(3), PERIODS[:1])
    # r0: target 100, revenue 50 -> below the 80% threshold -> 0.
    # r1: no target (NaN), revenue 50 -> "no target" -> 0 (was 5.0, the top tier on all of it).
    # r2: target 100, revenue 120 -> 1% on 80..100 = 0.20 + 5% on 100..120 = 1.00 -> 1.20.
    out = prep.payout(
        {"revenue": np.array([[50.0], [50.0], [120.0]])},
        {"revenue": np.array([[100.0], [np.nan], [100.0]])},
        trace=True,
    )
    np.testing.assert_allclose(out.lines["c"][:, 0], [0.0, 0.0, 1.2])
    assert out.trace["c"]["no_target"][:, 0].tolist() == [False, True, False]


def test_evaluate_warns_once_listing_reps_with_actuals_but_no_target():
    plan = Plan.from_dict(_tiered_attainment_plan())
    ids = ["a", "b", "c"]
    act = tidy({"revenue": [[50.0], [50.0], [120.0]]}, ids, PERIODS[:1])
    tg = tidy({"revenue": [[100.0], [np.nan], [100.0]]}, ids, PERIODS[:1], "target")
    reps = pd.DataFrame({"rep_id": ids})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        pay = plan.evaluate(act, tg, reps, periods=PERIODS[:1])
    ours = [w for w in rec if issubclass(w.category, PlanWarning)]
    assert len(ours) == 1
    assert "['b']" in str(ours[0].message) and "no target" in str(ours[0].message)
    row = pay.set_index(["rep_id", "component"]).loc[("b", "c")]
    assert row["payout"] == 0.0 and row["note"] == "no target"
    assert pd.isna(pay.set_index(["rep_id", "component"]).loc[("c", "c"), "note"])
    # A quota bonus too: no target -> paid 0 with the note, never a top tier.
    d = {
        "name": "q",
        "period": "month",
        "target_incentive": {"amount": 12000},
        "components": [
            {
                "type": "quota_bonus",
                "name": "q",
                "kpi": "revenue",
                "weight": 1,
                "curve": [[0.8, 0.5], [1, 1]],
            }
        ],
    }
    with pytest.warns(PlanWarning, match=r"\['b'\]"):
        pay = Plan.from_dict(d).evaluate(act, tg, reps, periods=PERIODS[:1])
    got = pay.set_index(["rep_id", "component"])
    assert got.loc[("b", "q"), "payout"] == 0.0 and got.loc[("b", "q"), "note"] == "no target"


# ------------------------------------------------------------- (3) bug 3
def test_lower_is_better_kpi_at_zero_pays_the_curve_cap():
    d = {
        "name": "churn",
        "period": "month",
        "target_incentive": {"amount": 144000},  # 12,000 a month
        "components": [
            {
                "type": "quota_bonus",
                "name": "churn",
                "kpi": "churn",
                "weight": 1,
                "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
            }
        ],
    }
    rules = pd.DataFrame({"kpi": ["churn"], "aggregation": ["mean"], "direction": ["lower"]})
    prep = Plan.from_dict(d).prepare(reps_frame(4), PERIODS[:1], kpi_rules=rules)
    # Attainment target / actual: 0.02/0.02 = 1 -> 12,000; 0.02/0.04 = 0.5 -> 0;
    # 0.02/0.016 = 1.25 -> factor 1.5 -> 18,000; churn 0 (the best) -> +inf -> cap 2.0 -> 24,000.
    out = prep.payout(
        {"churn": np.array([[0.02], [0.04], [0.016], [0.0]])},
        {"churn": np.full((4, 1), 0.02)},
        trace=True,
    )
    np.testing.assert_allclose(out.total[:, 0], [12000, 0, 18000, 24000])
    assert np.isinf(out.trace["churn"]["attainment"][3, 0])
    # No churn data at all is not "churn 0": nothing is paid.
    out = prep.payout(
        {"churn": np.array([[np.nan], [0.04], [0.016], [0.0]])}, {"churn": np.full((4, 1), 0.02)}
    )
    assert out.total[0, 0] == 0.0


# ------------------------------------------------------------- (3) bug 4
def test_clawback_never_takes_back_more_than_was_paid():
    # Monthly plan, TI 12,000 a year (1,000 a month), plan cap 1.0x TI year to date.
    # Linear curve: revenue [300, 100] vs 100 -> component [3,000, 1,000].
    # Plan cap: YTD limit [1,000, 2,000], YTD earned [3,000, 4,000] -> adj [-2,000, 0].
    # Paid in Jan: 1,000. Retention falls to 0.5 in Feb: share 1.0 of what was PAID
    # (1,000, not 3,000) is reversed. Totals [1,000, 0]: the year nets 1,000 >= 0.
    d = {
        "name": "x",
        "period": "month",
        "target_incentive": {"amount": 12000},
        "max_payout_multiple": 1.0,
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1,
                "curve": [[0, 0], [1, 1], [3, 3]],
                "clawback": {"kpi": "ret", "min": 0.9, "within_months": 1, "share": 1.0},
            }
        ],
    }
    prep = Plan.from_dict(d).prepare(reps_frame(1), PERIODS[:2])
    out = prep.payout(
        {"revenue": np.array([[300.0, 100.0]]), "ret": np.array([[1.0, 0.5]])},
        {"revenue": np.full((1, 2), 100.0)},
    )
    np.testing.assert_allclose(out.lines["rev"][0], [3000, 1000])
    np.testing.assert_allclose(out.lines["plan_cap"][0], [-2000, 0])
    np.testing.assert_allclose(out.lines["clawback:rev"][0], [0, -1000])
    np.testing.assert_allclose(out.total[0], [1000, 0])


# ------------------------------------------------------------- (3) bug 5
def _team_plan() -> dict:
    return {
        "name": "team",
        "period": "quarter",
        "target_incentive": {"amount": 12000},
        "positions": ["account_manager"],
        "components": [
            {
                "type": "team",
                "name": "team",
                "kpi": "revenue",
                "level": "team",
                "weight": 1,
                "blend": {"team": 1, "individual": 0},
                "curve": [[0.8, 0.5], [1, 1], [3, 3]],
            }
        ],
    }


def test_team_attainment_is_the_whole_unit_not_only_the_plans_positions(tiny_ds):
    # tiny_ds: N1a holds r1 and r2; make r2 a store seller, outside the plan.
    reps = tiny_ds.reps.assign(
        position=["account_manager", "store_sales", "account_manager", "store_sales", "store_sales"]
    )
    s = tiny_ds.sales
    tg = s.loc[s["kpi"] == "revenue"].rename(columns={"value": "target"}).assign(target=150.0)
    plan = Plan.from_dict(_team_plan())
    pay = plan.evaluate(s, tg, reps, ds=tiny_ds, totals=False)
    # Q1: r1 revenue 100+200+300 = 600, r2 200+400+600 = 1,200, targets 3 x 150 each.
    # Whole team N1a: 1,800 / 900 = 200% (the plan's positions alone: 600/450 = 133%).
    # Factor 2.0 on the linear part; target pay 12,000 / 4 = 3,000 -> 6,000.
    row = pay.set_index(["rep_id", "period", "component"]).loc[
        ("r1", pd.Period("2026-03", "M"), "team")
    ]
    assert row["attainment"] == pytest.approx(2.0)
    assert row["payout"] == pytest.approx(6000.0)
    assert set(pay["rep_id"]) == {"r1", "r3"}  # r2 counted, never paid
    # The engine path: prepare on every rep of the unit; paid defaults to the positions.
    act = {
        "revenue": np.array(
            [
                [100.0, 200, 300],
                [200.0, 400, 600],
                [50.0, 100, np.nan],
                [300, 600, 900],
                [np.nan, 80, 120],
            ]
        )
    }
    prep = plan.prepare(reps, pd.period_range("2026-01", "2026-03", freq="M"), ds=tiny_ds)
    assert prep.paid.tolist() == [True, False, True, False, False]
    out = prep.payout(act, {"revenue": np.full((5, 3), 150.0)})
    assert out.total[0, 2] == pytest.approx(6000.0)
    assert np.all(out.total[~prep.paid] == 0.0)


def test_statement_of_a_team_component_shows_the_units_sums(tiny_ds):
    reps = tiny_ds.reps.assign(
        position=["account_manager", "store_sales", "account_manager", "store_sales", "store_sales"]
    )
    s = tiny_ds.sales
    tg = s.loc[s["kpi"] == "revenue"].rename(columns={"value": "target"}).assign(target=150.0)
    st_ = str(Plan.from_dict(_team_plan()).explain("r1", "2026-03", s, tg, reps, ds=tiny_ds))
    assert "revenue 1,800.00 / target 900.00" in st_
    assert "200.00%" in st_


# ------------------------------------------------------------- (3) bug 6, 7
def test_each_scorecard_uses_its_own_ratings_table():
    d = {
        "name": "s",
        "period": "year",
        "target_incentive": {"amount": 1200},
        "components": [
            {"type": "scorecard", "name": "s1", "weight": 0.5, "ratings": {"A": 2.0}},
            {"type": "scorecard", "name": "s2", "weight": 0.5, "ratings": {"A": 1.0}},
        ],
    }
    reps = pd.DataFrame({"rep_id": ["a"]})
    empty_a = pd.DataFrame({"rep_id": [], "period": [], "kpi": [], "value": []})
    empty_t = pd.DataFrame({"rep_id": [], "period": [], "kpi": [], "target": []})
    scores = pd.DataFrame({"rep_id": ["a"], "rating": ["A"]})
    # Scorecard-only plan: no KPI at all (a defect once).
    pay = Plan.from_dict(d).evaluate(
        empty_a, empty_t, reps, scores=scores, periods=PERIODS, totals=False
    )
    got = pay.groupby("component")["payout"].sum()
    # s1: 0.5 x 1,200 x 2.0 = 1,200; s2: 0.5 x 1,200 x 1.0 = 600.
    assert got["s1"] == pytest.approx(1200.0)
    assert got["s2"] == pytest.approx(600.0)


def test_a_rep_without_a_rating_is_an_input_error_not_a_zero():
    d = {
        "name": "s",
        "period": "year",
        "target_incentive": {"amount": 1200},
        "components": [{"type": "scorecard", "name": "s1", "weight": 1, "ratings": {"A": 1.0}}],
    }
    reps = pd.DataFrame({"rep_id": ["a", "b"]})
    empty_a = pd.DataFrame({"rep_id": [], "period": [], "kpi": [], "value": []})
    empty_t = pd.DataFrame({"rep_id": ["b"], "period": ["2026-01"], "kpi": ["x"], "target": [1]})
    with pytest.raises(PlanInputError, match=r"no score or rating for rep\(s\) \['b'\]"):
        Plan.from_dict(d).evaluate(
            empty_a,
            empty_t,
            reps,
            scores=pd.DataFrame({"rep_id": ["a"], "rating": ["A"]}),
            periods=PERIODS,
        )


def test_scorecard_coefficient_is_the_mean_of_the_months_with_a_score():
    d = {
        "name": "s",
        "period": "quarter",
        "target_incentive": {"amount": 12000},
        "components": [{"type": "scorecard", "name": "s", "weight": 1}],
    }
    prep = Plan.from_dict(d).prepare(reps_frame(2), PERIODS[:3])
    # r0: scores [1.2, NaN, 0.8] -> mean 1.0 -> 3,000 (not (1.2+0+0.8)/3 x 3,000 = 2,000).
    # r1: no score -> 0, recorded as "no score".
    out = prep.payout({}, {}, score=np.array([[1.2, np.nan, 0.8], [np.nan] * 3]), trace=True)
    np.testing.assert_allclose(out.total[:, 2], [3000.0, 0.0])
    assert out.trace["s"]["no_score"][:, 0].tolist() == [False, True]


# ------------------------------------------------------------- (3) bug 8
def test_component_cap_is_annual_on_year_to_date_payments():
    # SPIF 200 per new customer, March-May, cap 24,000 a year; 50 customers a month.
    # Mar 10,000, Apr 10,000, May 4,000 (24,000 reached); was 2,000 a month pro rata.
    d = {
        "name": "s",
        "period": "month",
        "components": [
            {
                "type": "spif",
                "name": "spif",
                "kpi": "new",
                "amount": 200,
                "start": "2026-03-01",
                "end": "2026-05-31",
                "max_payout": 24000,
            }
        ],
    }
    plan = Plan.from_dict(d)
    prep = plan.prepare(reps_frame(1), PERIODS)
    out = prep.payout({"new": np.full((1, 12), 50.0)}, {})
    expected = np.zeros(12)
    expected[2:5] = [10000, 10000, 4000]
    np.testing.assert_allclose(out.total[0], expected)
    assert "at most 24,000 CNY in a plan year" in plan.describe()


# ------------------------------------------------------------- (3) bug 10
def test_negative_coefficients_and_amounts_are_rejected_with_paths():
    d = {
        "name": "s",
        "period": "year",
        "target_incentive": {"by_position": {"am": -100.0}},
        "components": [
            {"type": "scorecard", "name": "s", "weight": 1, "ratings": {"A": 1.0, "D": -0.5}}
        ],
    }
    msg = spec_error(d)
    assert "plan.components[0].ratings.D" in msg
    assert "plan.target_incentive.by_position.am" in msg
    for bad in ({"amount": -5}, {"max_payout": -1}):
        spif = {
            "type": "spif",
            "name": "s",
            "kpi": "new",
            "amount": 10,
            "start": "2026-01-01",
            "end": "2026-12-31",
        }
        spif.update(bad)
        msg = spec_error({"name": "x", "components": [spif]})
        assert f"plan.components[0].{next(iter(bad))}" in msg


def test_spif_on_a_net_kpi_below_zero_pays_nothing():
    d = {
        "name": "s",
        "period": "month",
        "components": [
            {
                "type": "spif",
                "name": "s",
                "kpi": "net",
                "amount": 100,
                "start": "2026-01-01",
                "end": "2026-12-31",
            }
        ],
    }
    prep = Plan.from_dict(d).prepare(reps_frame(1), PERIODS[:2])
    out = prep.payout({"net": np.array([[-2.0, 3.0]])}, {})
    np.testing.assert_allclose(out.total[0], [0.0, 300.0])


# ------------------------------------------------------------- (3) bug 11
def _gated_true_up(period: str = "quarter") -> dict:
    return {
        "name": "g",
        "period": period,
        "true_up": True,
        "target_incentive": {"amount": 12000},
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1,
                "curve": [[0.8, 0.5], [1, 1], [1.5, 2]],
                "gate": {"kpi": "ret", "basis": "value", "min": 0.95},
            }
        ],
    }


@pytest.mark.parametrize(
    ("ret_by_quarter", "expected"),
    [
        # Q4 misses the gate: Q4 pays nothing; Q1-Q3 stand (was [.., -9,000] taking the year back).
        ([0.97, 0.97, 0.97, 0.80], [3000, 3000, 3000, 0]),
        # Q2 misses it: Q2 pays 0; Q3 holds and catches up: YTD 9,000 - paid 3,000 = 6,000.
        ([0.97, 0.80, 0.97, 0.97], [3000, 0, 6000, 3000]),
    ],
)
def test_gate_under_true_up_is_measured_per_period(ret_by_quarter, expected):
    plan = Plan.from_dict(_gated_true_up())
    rules = pd.DataFrame({"kpi": ["ret"], "aggregation": ["mean"]})
    prep = plan.prepare(reps_frame(1), PERIODS, kpi_rules=rules)
    ret = np.repeat(ret_by_quarter, 3)[None, :]
    # Revenue on target every month: YTD entitlement 3,000 per quarter reached.
    out = prep.payout(
        {"revenue": np.full((1, 12), 100.0), "ret": ret}, {"revenue": np.full((1, 12), 100.0)}
    )
    np.testing.assert_allclose(out.total[0, 2::3], expected)
    assert "measured over that quarter alone" in plan.describe()


# ------------------------------------------------------------- (3) bug 12
def test_threshold_meaning_per_mode_matches_the_words():
    # Flat 10%, threshold 100, value 150: marginal pays on 150 - 100 = 50 -> 5;
    # retroactive qualifies at 100 and pays on all 150 -> 15. describe() says which.
    def plan(mode):
        return Plan.from_dict(
            {
                "name": "c",
                "period": "year",
                "components": [
                    {
                        "type": "commission",
                        "name": "c",
                        "kpi": "v",
                        "rate": 0.1,
                        "threshold": 100,
                        "mode": mode,
                    }
                ],
            }
        )

    for mode, exp, words in (
        ("marginal", 5.0, "nothing on the first 100"),
        ("retroactive", 15.0, "then the rate applies to all of it"),
    ):
        p = plan(mode)
        out = p.prepare(reps_frame(1), PERIODS).payout({"v": np.full((1, 12), 12.5)}, {})
        assert out.total.sum() == pytest.approx(exp)
        assert words in p.describe()


# ------------------------------------------------------- (1) requirements
def test_cap_below_threshold_in_every_form_is_rejected():
    base = {
        "name": "p",
        "period": "quarter",
        "target_incentive": {"amount": 12000},
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1.0,
                "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
            }
        ],
    }
    assert "plan.max_payout_multiple" in spec_error({**base, "max_payout_multiple": 0.3})
    Plan.from_dict({**base, "max_payout_multiple": 0.5})  # exactly the threshold pay: allowed
    assert "plan.max_payout" in spec_error({**base, "max_payout": 0})
    comp = dict(base["components"][0], max_payout=5000)  # 0.5 x 12,000 = 6,000 at threshold
    assert "plan.components[0].max_payout" in spec_error({**base, "components": [comp]})
    com = {
        "name": "c",
        "components": [
            {
                "type": "commission",
                "name": "c",
                "kpi": "revenue",
                "cap": 1000,
                "tiers": [{"above": 0, "rate": 0.01}, {"above": 2000, "rate": 0.02}],
            }
        ],
    }
    assert "plan.components[0].tiers[1].above" in spec_error(com)


def test_gate_on_an_unknown_kpi_is_a_path_error_at_evaluate(tiny_ds):
    d = {
        "name": "g",
        "period": "quarter",
        "target_incentive": {"amount": 12000},
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1,
                "curve": [[0.8, 0.5], [1, 1]],
                "gate": {"kpi": "retention", "min": 0.9},
            }
        ],
    }
    plan = Plan.from_dict(d)  # no KPI list known yet: fine
    s = tiny_ds.sales
    tg = s.loc[s["kpi"] == "revenue"].rename(columns={"value": "target"})
    with pytest.raises(
        SpecError, match=r"plan\.components\[0\]\.gate\.kpi: unknown KPI 'retention'"
    ):
        plan.evaluate(s, tg, ds=tiny_ds)
    # Without a dataset: the missing actuals name the spec path.
    with pytest.raises(PlanInputError, match=r"plan\.components\[0\]\.gate\.kpi"):
        plan.evaluate(s, tg, tiny_ds.reps)


def test_draw_for_new_hires_only_and_the_balance_is_forgiven_at_year_end():
    # Draw 1,000 a month for the first 2 months after hire (hire month first).
    # r0 hired 2025-12-01: Dec 2025 and Jan 2026 -> only Jan is in the data.
    # r1 hired long ago: never a draw. Earnings 0 in Jan, 300 in Feb, 0 in Mar.
    d = {
        "name": "d",
        "period": "month",
        "year_start_month": 1,
        "draw": {"amount": 1000, "months": 2},
        "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": 1.0}],
    }
    reps = reps_frame(2, hire_date=pd.to_datetime(["2025-12-01", "2020-01-01"]))
    plan = Plan.from_dict(d)
    prep = plan.prepare(reps, PERIODS[:3])
    out = prep.payout({"revenue": np.array([[0.0, 300.0, 0.0], [0.0, 300.0, 0.0]])}, {})
    # r0: Jan draw 1,000 (balance 1,000), Feb 300 earned all recovered -> pay 0
    # (no draw any more: month 3 after hire), balance 700; Mar 0.
    np.testing.assert_allclose(out.total[0], [1000, 0, 0])
    np.testing.assert_allclose(out.total[1], [0, 300, 0])
    words = plan.describe()
    assert "first 2 months after you join" in words and "is forgiven" in words
    # Across a year end the unrecovered 1,000 is forgiven (or carried).
    per = pd.period_range("2025-12", "2026-02", freq="M")
    reps1 = reps_frame(1, hire_date=pd.to_datetime(["2025-12-01"]))
    rev = {"revenue": np.array([[0.0, 0.0, 1500.0]])}
    forgive = Plan.from_dict(d).prepare(reps1, per).payout(rev, {})
    carry = Plan.from_dict({**d, "draw": {**d["draw"], "unrecovered": "carry"}})
    carried = carry.prepare(reps1, per).payout(rev, {})
    # Dec draw 1,000; Jan draw 1,000 (second month). Forgive: Dec's 1,000 is written off
    # at the year end, Jan's recovered from Feb: 1,500 - 1,000 = 500 paid. Carry: 2,000
    # owed, Feb's 1,500 all recovered -> 0 paid, 500 still owed.
    np.testing.assert_allclose(forgive.total[0], [1000, 1000, 500])
    np.testing.assert_allclose(carried.total[0], [1000, 1000, 0])
    assert "carries into the next year" in carry.describe()


def test_the_store_plan_draw_reaches_new_hires_only(tiny_ds):
    plan = Plan.from_yaml("scenarios/plans/store_sales_commission.yaml")
    assert plan.spec.draw.months == 3
    reps = tiny_ds.reps
    prep = plan.prepare(reps, pd.period_range("2026-01", "2026-06", freq="M"))
    # Only r5 (store_sales, hired 2026-02-10) is new: Feb, Mar, Apr.
    np.testing.assert_array_equal(prep.draw_mask[4], [0, 1, 1, 1, 0, 0])
    assert prep.draw_mask[3].sum() == 0  # r4, store seller since 2019


def test_evaluate_returns_totals_in_the_frame(tiny_ds):
    s = tiny_ds.sales
    tg = s.loc[s["kpi"] == "revenue"].rename(columns={"value": "target"}).assign(target=150.0)
    plan = Plan.from_dict(
        {
            "name": "t",
            "period": "month",
            "target_incentive": {"amount": 12000},
            "max_payout_multiple": 2.0,
            "components": [
                {
                    "type": "quota_bonus",
                    "name": "rev",
                    "kpi": "revenue",
                    "weight": 1,
                    "curve": [[0.5, 0.5], [1, 1], [3, 3]],
                }
            ],
        }
    )
    pay = plan.evaluate(s, tg, ds=tiny_ds)
    tot = pay.loc[pay["component"] == "total"].set_index(["rep_id", "period"])["payout"]
    lines = pay.loc[pay["component"] != "total"].groupby(["rep_id", "period"])["payout"].sum()
    pd.testing.assert_series_equal(tot.sort_index(), lines.sort_index(), check_names=False)
    # payout_totals never double counts.
    pt = payout_totals(pay).set_index(["rep_id", "period"])["payout"]
    np.testing.assert_allclose(pt.sort_index().to_numpy(), lines.sort_index().to_numpy())
    # r1 in Jan: revenue 100 / 150 = 66.7% -> factor 0.5 + (0.1667/0.5) x 0.5 = 0.6667
    # -> 1,000 x 0.6667 = 666.67 (plan cap 2,000 not reached).
    assert tot[("r1", pd.Period("2026-01", "M"))] == pytest.approx(
        1000 * (0.5 + (1 / 6) / 0.5 * 0.5)
    )


def test_describe_names_modifier_levels_and_kpi_labels(tiny_ds):
    plan = Plan.from_yaml("scenarios/plans/telecom_account_manager.yaml")
    words = plan.describe(ds=tiny_ds)
    assert "92% or less: x0.8; 96%: x1; 99% or more: x1.2" in words
    assert "high-value retention" in words and "hv_retention" not in words.split("## Checks")[0]
    store = Plan.from_yaml("scenarios/plans/store_sales_commission.yaml").describe()
    assert "target incentive" not in store  # a commission plan has none


# ------------------------------------------------------------ (2) statements
def test_statement_words_and_numbers_recomputed_by_hand():
    """The telecom plan for one rep and quarter: every number on the statement is
    recomputed here from the inputs, and the statement's words must carry it."""
    from simlib.data.org import Hierarchy

    plan = Plan.from_yaml("scenarios/plans/telecom_account_manager.yaml")
    h = Hierarchy(
        pd.DataFrame(
            {
                "unit_id": ["hq", "b1"],
                "parent_id": [None, "hq"],
                "level": ["company", "branch"],
                "name": ["HQ", "B1"],
            }
        )
    )
    ids = ["k1", "k2", "s1"]
    reps = pd.DataFrame(
        {
            "rep_id": ids,
            "unit_id": ["b1"] * 3,
            "position": ["key_account_manager", "key_account_manager", "store_sales"],
            "base_salary": [120000.0, 90000.0, 60000.0],
        }
    )
    per = pd.period_range("2026-01", "2026-03", freq="M")
    rev = np.array([[40000.0, 45000, 50000], [30000, 30000, 30000], [10000, 10000, 10000]])
    tgt = np.full((3, 3), 40000.0)
    ret = np.array([[0.97] * 3, [0.9] * 3, [0.95] * 3])
    new = np.array([[1.0, 2, 3], [0, 0, 0], [0, 0, 0]])
    rules = pd.DataFrame(
        {
            "kpi": ["revenue", "hv_retention", "new_customers"],
            "aggregation": ["sum", "mean", "sum"],
            "direction": ["higher"] * 3,
        }
    )
    prep = plan.prepare(reps, per, hierarchy=h, kpi_rules=rules)
    run = (
        prep,
        prep.payout(
            {"revenue": rev, "hv_retention": ret, "new_customers": new},
            {"revenue": tgt},
            trace=True,
        ),
    )
    text = str(plan.explain("k1", "2026-03", run=run))
    # By hand, k1 in Q1:
    ti = 120000 * 0.4 / 0.6  # 80,000 a year
    ti_q = ti / 4  # 20,000
    att = (40000 + 45000 + 50000) / 120000  # 112.5%
    factor = 1.0 + (att - 1.0) * (2.0 - 1.0) / 0.5  # 1.25 on the 100%->150% segment
    earned = 0.7 * ti_q * factor  # 17,500
    modifier = 1.0 + (0.97 - 0.96) / (0.99 - 0.96) * 0.2  # 1.0667
    team_att = (135000 + 90000 + 30000) / (3 * 120000)  # whole branch incl. the store seller
    blend = 0.5 * team_att + 0.5 * att
    t_factor = 0.5 + (blend - 0.8) / 0.2 * 0.5 if blend < 1 else 1 + (blend - 1) * 2
    team_pay = 0.3 * ti_q * t_factor
    spif = 3 * 200  # March only: the campaign starts on 1 March
    assert f"revenue 135,000.00 / target 120,000.00 = {att:.2%}" in text
    assert f"factor {factor:.4f}" in text
    assert (
        f"weight 0.7 x target incentive for the window {ti_q:,.2f} CNY = {0.7 * ti_q:,.2f} CNY"
        in text
    )
    assert f"{0.7 * ti_q:,.2f} CNY x {factor:.4f} = {earned:,.2f} CNY" in text
    assert f"x {modifier:.4f}" in text and "between 96%" in text
    assert "revenue 255,000.00 / target 360,000.00" in text
    assert f"= {blend:.2%}" in text
    paid = dict(
        re.findall(r"^(\S+) \(\w+\)\n(?:.*\n)*?  - paid: this month  = ([\d,.-]+) CNY", text, re.M)
    )
    assert float(paid["revenue_bonus"].replace(",", "")) == pytest.approx(
        earned * modifier, abs=0.01
    )
    assert float(paid["branch_bonus"].replace(",", "")) == pytest.approx(team_pay, abs=0.01)
    assert float(paid["new_customer_spif"].replace(",", "")) == pytest.approx(spif, abs=0.01)
    total = earned * modifier + team_pay + spif
    assert f"Total paid this month: {total:,.2f} CNY" in text


# ------------------------------------------------------------ (2) properties
@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 10_000),
    st.sampled_from(["month", "quarter", "year"]),
    st.booleans(),
    st.sampled_from(["hold", "recover"]),
)
def test_pay_is_negative_only_where_a_clawback_or_recovered_true_up_says_so(
    seed, period, true_up, mode
):
    from simlib.data.org import Hierarchy

    rng = np.random.default_rng(seed)
    R = 6
    d = {
        "name": "x",
        "period": period,
        "true_up": true_up,
        "negative_true_up": mode,
        "target_incentive": {"amount": 2400},
        "max_payout_multiple": 1.5,
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 0.5,
                "curve": [[0.8, 0.5], [1.0, 1.0], [2.0, 3.0]],
                "gate": {"kpi": "ret", "min": 0.8, "basis": "value"},
                "clawback": {"kpi": "ret", "min": 0.7, "within_months": 2, "share": 0.5},
            },
            {
                "type": "team",
                "name": "team",
                "kpi": "revenue",
                "level": "team",
                "weight": 0.3,
                "blend": {"team": 0.5, "individual": 0.5},
                "curve": [[0.8, 0.5], [1.2, 1.5]],
            },
            {"type": "scorecard", "name": "sc", "weight": 0.2, "curve": [[1, 0.5], [5, 1.5]]},
            {
                "type": "spif",
                "name": "spif",
                "kpi": "net_new",
                "amount": 50,
                "start": "2026-02-01",
                "end": "2026-08-31",
            },
            {"type": "commission", "name": "com", "kpi": "revenue", "rate": 0.01},
        ],
    }
    h = Hierarchy(
        pd.DataFrame(
            {
                "unit_id": ["root", "a", "b"],
                "parent_id": [None, "root", "root"],
                "level": ["company", "team", "team"],
                "name": list("rab"),
            }
        )
    )
    reps = reps_frame(R, unit_id=["a", "a", "a", "b", "b", "b"])
    rules = pd.DataFrame({"kpi": ["ret"], "aggregation": ["mean"]})
    prep = Plan.from_dict(d).prepare(reps, PERIODS, hierarchy=h, kpi_rules=rules)
    actual = {
        "revenue": rng.gamma(1.5, 80.0, (2, R, 12)) * (rng.random((2, R, 12)) > 0.2),
        "ret": rng.uniform(0.6, 1.0, (2, R, 12)),
        "net_new": rng.integers(-3, 4, (2, R, 12)).astype(float),
    }
    target = {"revenue": np.full((R, 12), 100.0)}
    score = rng.uniform(1, 5, (R, 12))
    out = prep.payout(actual, target, score=score, trace=True)
    for name in ("team", "sc", "spif", "com"):
        if not (true_up and mode == "recover"):
            assert np.all(out.lines[name] >= -1e-9), name
    rev = out.lines["rev"]
    if not (true_up and mode == "recover"):
        assert np.all(rev >= -1e-9)
    else:
        # Negative only where the year-to-date entitlement fell below what was paid.
        t = out.trace["rev"]
        ends = prep.windows["rev"].ends
        neg = rev[..., ends] < -1e-9
        assert np.all(t["entitlement"][neg] < t["paid_before"][neg])
    assert np.all(out.lines["clawback:rev"] <= 1e-9)
    assert np.all(out.lines["plan_cap"][..., 0] <= 1e-9)
    # A clawback reverses at most what the component paid (after the plan cap).
    assert np.all(-out.lines["clawback:rev"].sum(-1) <= np.maximum(rev, 0).sum(-1) * 0.5 + 1e-6)
    if not (true_up and mode == "recover"):
        # Without clawbacks and recoveries nothing is negative: the total, less the
        # clawback line, is never below 0 year to date.
        ytd = np.cumsum(out.total - out.lines["clawback:rev"], axis=-1)
        assert np.all(ytd >= -1e-6)
    # Plan cap never exceeded, year to date.
    ytd_paid = np.cumsum(out.total - out.lines["clawback:rev"], axis=-1)
    assert np.all(ytd_paid <= 1.5 * 200 * np.arange(1, 13) + 1e-6)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 3, allow_nan=False), st.floats(0, 3, allow_nan=False)),
        min_size=2,
        max_size=6,
    )
)
def test_curves_with_decreasing_attainment_are_rejected_with_a_path(points):
    xs = [p[0] for p in points]
    d = {
        "name": "p",
        "target_incentive": {"amount": 1},
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1,
                "curve": [list(p) for p in points],
            }
        ],
    }
    spec = parse_spec(PlanSpec, d, "plan")
    errs = check_plan(spec)
    decreasing = [i for i in range(1, len(xs)) if xs[i] < xs[i - 1]]
    triple = [i for i in range(2, len(xs)) if xs[i] == xs[i - 1] == xs[i - 2]]
    got = {p for p, _ in errs}
    for i in decreasing:
        assert f"plan.components[0].curve[{i}]" in got
    if not decreasing and not triple:
        assert not errs
    if decreasing:
        with pytest.raises(SpecError, match=r"attainment must increase"):
            Plan.from_dict(d)


# --------------------------------------------------------- (4) bad inputs
def _bonus() -> Plan:
    return Plan.from_dict(
        {
            "name": "p",
            "period": "month",
            "target_incentive": {"pay_mix": {"base": 0.6, "variable": 0.4}},
            "components": [
                {
                    "type": "quota_bonus",
                    "name": "rev",
                    "kpi": "revenue",
                    "weight": 1,
                    "curve": [[0.8, 0.5], [1, 1]],
                }
            ],
        }
    )


def test_bad_inputs_get_one_clear_error_naming_the_place():
    plan = _bonus()
    ids = ["a", "b"]
    act = tidy({"revenue": np.full((2, 2), 100.0)}, ids, PERIODS[:2])
    tg = tidy({"revenue": np.full((2, 2), 100.0)}, ids, PERIODS[:2], "target")
    reps = reps_frame(2).assign(rep_id=ids)
    with pytest.raises(PlanInputError, match=r"reps, row 2, column 'rep_id': 'a' appears twice"):
        plan.evaluate(act, tg, reps.assign(rep_id=["a", "a"]))
    bad_p = act.astype({"period": str}).copy()
    bad_p.loc[1, "period"] = "2026-13"
    with pytest.raises(PlanInputError, match=r"actuals, row 2: '2026-13' is not a month"):
        plan.evaluate(bad_p, tg, reps)
    with pytest.raises(PlanInputError, match=r"reps, row 1, column 'base_salary': found '100k'"):
        plan.evaluate(
            act, tg, reps.astype({"base_salary": object}).assign(base_salary=["100k", 1.0])
        )
    with pytest.raises(PlanInputError, match=r"reps, row 2, column 'hire_date': 'sometime'"):
        plan.evaluate(act, tg, reps.assign(hire_date=["2020-01-01", "sometime"]))
    leave = pd.DataFrame({"rep_id": ["a"], "start": ["2026-02-10"], "end": ["2026-02-01"]})
    with pytest.raises(PlanInputError, match=r"leave, row 1: a leave spell needs"):
        plan.evaluate(act, tg, reps, leave=leave)
    with pytest.raises(PlanInputError, match=r"period 'March' is not a month"):
        plan.explain("a", "March", act, tg, reps)
    prep = plan.prepare(reps, PERIODS[:2])
    with pytest.raises(
        ValueError, match=r"targets for 'revenue' have shape \(3, 8\); expected \(2, 2\)"
    ):
        prep.payout({"revenue": np.ones((2, 2))}, {"revenue": np.ones((3, 8))})


def test_bad_curve_points_name_the_path():
    d = {
        "name": "p",
        "target_incentive": {"amount": 1},
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1,
                "curve": [[0.8, float("nan")], [1, 1]],
            }
        ],
    }
    assert "plan.components[0].curve[0]: attainment and payout must be finite" in spec_error(d)
    d["components"][0]["curve"] = [{"attainment": 0.8, "payout": 0.5}, {"attainment": 1, "pay": 1}]
    msg = spec_error(d)
    assert "plan.components[0].curve" in msg and "point 1" in msg and "'pay'" in msg


# ------------------------------------------------------- (1) replay headline
def test_replay_headline_numbers_by_hand():
    from simlib.plans import replay_summary

    plan = Plan.from_dict(
        {
            "name": "q",
            "period": "quarter",
            "target_incentive": {"amount": 12000},
            "components": [
                {
                    "type": "quota_bonus",
                    "name": "rev",
                    "kpi": "revenue",
                    "weight": 1,
                    "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
                }
            ],
        }
    )
    ids = ["r0", "r1", "r2", "r3"]
    per = PERIODS[:6]
    # Attainment per quarter (target 100 a month): r0 70%/70%, r1 90%/90%,
    # r2 100%/100%, r3 200%/100% (its half-year attainment is 150%, at the cap point).
    q_att = np.array([[0.7, 0.7], [0.9, 0.9], [1.0, 1.0], [2.0, 1.0]])
    rev = np.repeat(q_att, 3, axis=1) * 100.0
    act = tidy({"revenue": rev}, ids, per)
    tg = tidy({"revenue": np.full((4, 6), 100.0)}, ids, per, "target")
    reps = pd.DataFrame({"rep_id": ids})
    pay = plan.evaluate(act, tg, reps)
    summ = replay_summary(plan, pay, act, tg, reps)
    # Pay: target pay 3,000 a quarter; r0 0; r1 0.75 x 2 quarters = 4,500; r2 6,000;
    # r3 2.0 + 1.0 -> 9,000. Total 19,500 on revenue 420 + 540 + 600 + 900 = 2,460.
    assert summ.value("total payout") == pytest.approx(19500.0)
    assert summ.value("total revenue") == pytest.approx(2460.0)
    assert summ.value("cost of sales (payout / revenue)") == pytest.approx(19500 / 2460)
    # Pay / target incentive for the half year (6,000): 0, 0.75, 1.0, 1.5.
    assert summ.value("median payout / target incentive") == pytest.approx(0.875)
    assert summ.value("90th percentile payout / target incentive") == pytest.approx(1.35)
    # Counted per rep-quarter, as the plan measures: 8 rep-quarters.
    assert summ.value("share at or above threshold (80%)") == pytest.approx(6 / 8)
    assert summ.value("share at or above quota (100%)") == pytest.approx(4 / 8)
    # Only r3's Q1 reached the cap point; on half-year attainment r3 would count (1 in 4).
    assert summ.value("share at or above cap (150%)") == pytest.approx(1 / 8)
    assert (
        "rep-quarters"
        in summ.headline.set_index("metric").loc["share at or above cap (150%)", "reference"]
    )


@pytest.mark.parametrize(
    "name",
    ["telecom_account_manager", "store_sales_commission", "am_current", "am_proposed"],
)
def test_example_plans_say_what_they_pay(name, tiny_ds):
    plan = Plan.from_yaml(
        f"scenarios/plans/{name}.yaml", kpis=tiny_ds.kpi_names + ["new_customers"]
    )
    text = open(f"scenarios/plans/{name}.yaml", encoding="utf-8").read()
    for header in ("# Title:", "# Author:", "# What:", "# Why:"):
        assert header in text
    words = plan.describe()
    # Every component is described with its own numbers.
    for c in plan.spec.components:
        assert (c.label or c.name) in words
        if getattr(c, "weight", None):
            assert f"{c.weight:.0%} of your target incentive" in words
    if plan.spec.target_incentive is None:
        assert "target incentive" not in words.split("## Checks")[0]
    if plan.spec.draw is not None:
        assert f"{plan.spec.draw.amount:,.0f} CNY a month as a draw" in words


def test_statement_shows_plan_cap_clawback_and_draw_numbers():
    # The clawback case above: Jan component 3,000, plan cap limit 1,000 -> 1,000 paid;
    # Feb: retention 0.5 reverses 100% of the 1,000 paid in Jan.
    d = {
        "name": "x",
        "period": "month",
        "target_incentive": {"amount": 12000},
        "max_payout_multiple": 1.0,
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1,
                "curve": [[0, 0], [1, 1], [3, 3]],
                "clawback": {"kpi": "ret", "min": 0.9, "within_months": 1, "share": 1.0},
            }
        ],
    }
    plan = Plan.from_dict(d)
    prep = plan.prepare(reps_frame(1), PERIODS[:2])
    pay = prep.payout(
        {"revenue": np.array([[300.0, 100.0]]), "ret": np.array([[1.0, 0.5]])},
        {"revenue": np.full((1, 2), 100.0)},
        trace=True,
    )
    jan = str(plan.explain("r0", "2026-01", run=(prep, pay)))
    assert "earned this year to date 3,000.00 CNY, limit 1,000.00 CNY" in jan
    assert "the cap bit, this much is held back  = -2,000.00 CNY" in jan
    feb = str(plan.explain("r0", "2026-02", run=(prep, pay)))
    assert "ret this month 0.5 (short)" in feb
    assert (
        "reverses 100% of the 1,000.00 CNY paid in 2026-01 = 1,000.00 CNY  = -1,000.00 CNY" in feb
    )
    # A recoverable draw: the balance after each month, and what becomes of it.
    dd = {
        "name": "d",
        "period": "month",
        "draw": {"amount": 1000, "months": 2},
        "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": 1.0}],
    }
    plan = Plan.from_dict(dd)
    prep = plan.prepare(reps_frame(1, hire_date=["2026-01-01"]), PERIODS[:3])
    pay = prep.payout({"revenue": np.array([[0.0, 300.0, 0.0]])}, {}, trace=True)
    jan = str(plan.explain("r0", "2026-01", run=(prep, pay)))
    assert "unrecovered balance after this month 1,000.00 CNY (forgiven at the end" in jan
    assert "new hires, first 2 months after joining" in jan
    assert "target incentive" not in jan  # a commission plan has none
    feb = str(plan.explain("r0", "2026-02", run=(prep, pay)))
    # Feb: draw 1,000 >= earnings 300 - balance 1,000: pays 1,000, balance 1,700.
    assert "unrecovered balance after this month 1,700.00 CNY" in feb


def test_clawback_on_a_lower_is_better_kpi_at_zero_is_not_a_shortfall():
    # Clawback if churn attainment (target / actual) < 1 within a month. Churn 0 in Feb
    # is the best possible: nothing is reversed; churn 0.04 vs 0.02 (50%) in Feb reverses.
    d = {
        "name": "x",
        "period": "month",
        "components": [
            {
                "type": "spif",
                "name": "s",
                "kpi": "new",
                "amount": 100,
                "start": "2026-01-01",
                "end": "2026-12-31",
                "clawback": {
                    "kpi": "churn",
                    "basis": "attainment",
                    "min": 1.0,
                    "within_months": 1,
                    "share": 0.5,
                },
            }
        ],
    }
    rules = pd.DataFrame({"kpi": ["churn"], "aggregation": ["mean"], "direction": ["lower"]})
    prep = Plan.from_dict(d).prepare(reps_frame(2), PERIODS[:2], kpi_rules=rules)
    out = prep.payout(
        {"new": np.array([[1.0, 0.0], [1.0, 0.0]]), "churn": np.array([[0.02, 0.0], [0.02, 0.04]])},
        {"churn": np.full((2, 2), 0.02)},
    )
    np.testing.assert_allclose(out.lines["clawback:s"][:, 1], [0.0, -50.0])

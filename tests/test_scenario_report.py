"""Report helpers on hand-made results: goals, paired differences, group tables, suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.engine.simulate import SimulationResult
from simlib.workbench import report


def make(name, cost, quota, spearman, budget=100.0, groups=None, reps=None):
    n = len(cost)
    per_draw = pd.DataFrame(
        {
            "total_payout": cost,
            "budget_ratio": np.asarray(cost) / budget,
            "over_budget": (np.asarray(cost) > budget).astype(float),
            "share_at_quota": quota,
            "pay_performance_spearman": spearman,
            "cost_of_sales": np.full(n, 0.05),
        }
    )
    per_draw.index.name = "draw"
    reps = (
        reps
        if reps is not None
        else pd.DataFrame({"rep_id": list("abcdefgh"), "region": list("NNNNNNSS")})
    )
    return SimulationResult(
        name=name,
        per_draw=per_draw,
        group_draws=groups or {},
        reps=reps,
        attainment_hist=pd.DataFrame({"attainment_from": [0.0], "share": [1.0]}),
        provenance={"seed": 1, "data_hash": "h", "budget": budget, "draws": n},
    )


def test_goals_and_summary_by_hand():
    base = make("baseline", [90, 95, 100, 95], [0.65] * 4, [0.9] * 4)
    # Reform: +10 every draw, so the paired difference is exactly 10 with SE 0,
    # and one draw in four over the budget of 100.
    reform = make("reform", [100, 105, 110, 105], [0.5] * 4, [0.7] * 4)
    res = {"baseline": base, "reform": reform}
    g = report.goal_table(res)
    assert g.loc["baseline", "Cost within budget"].startswith("yes (95.0%)")
    assert g.loc["reform", "Cost within budget"].startswith("no (105.0%)")
    assert g.loc["reform", "Overspend risk at most 10%"] == "no (75.0%)"  # 3 of 4 draws > 100
    assert g.loc["baseline", "Share at quota 60-70%"].startswith("yes")
    text = report.executive_summary(res)
    assert "+10 ± 0" in text and "+10.5% against the baseline" in text
    assert "Ranked first against the goals (5 of 5 met): baseline" in text
    t = report.metrics_table(res)
    assert t.loc["Incentive cost", "reform"] == "105 (+10 ± 0)"
    assert t.loc["Share at quota", "reform"] == "50.0% (-15.0 pts ± 0.0 pts)"


def test_group_differences_are_paired_and_small_groups_hidden():
    labels = ["N", "S"]
    b = pd.DataFrame({"N": [10.0, 20.0, 30.0], "S": [5.0, 5.0, 5.0]})
    r = pd.DataFrame({"N": [12.0, 21.0, 33.0], "S": [6.0, 6.0, 6.0]})
    base = make("baseline", [1, 1, 1], [0.6] * 3, [0.9] * 3, groups={"mean_pay:region": b[labels]})
    ref = make("reform", [1, 1, 1], [0.6] * 3, [0.9] * 3, groups={"mean_pay:region": r[labels]})
    t = report.difference_by_group({"baseline": base, "reform": ref}, "region", min_group=3)
    # N has 6 reps, S has 2 (< 3): S is left out and said so.
    assert list(t.index) == ["N"]
    assert t.attrs["suppressed"] == ["S"]
    d = np.array([2.0, 1.0, 3.0])  # paired differences by hand: mean 2, sd 1
    se = 1.0 / np.sqrt(3)
    assert t.loc["N", "reform: change"] == f"+2 ± {1.96 * se:,.0f} (+10.0%)"
    assert d.mean() / 20.0 == pytest.approx(0.10)


def test_quartile_sizes_add_up():
    res = make(
        "b",
        [1],
        [0.6],
        [0.9],
        reps=pd.DataFrame({"rep_id": list("abcdefghij"), "region": ["N"] * 10}),
    )
    sizes = report.group_sizes(res, None, "quartile")
    # Ranks 0..9 -> quartile (4 r) // 10: 0,0,0,1,1,2,2,2,3,3.
    assert sizes.tolist() == [3, 2, 3, 2]
    att = np.array([[0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]])
    from simlib.metrics import quartile_codes

    assert np.bincount(quartile_codes(att)[0], minlength=4).tolist() == sizes.tolist()


def test_a_payout_curve_in_a_few_words():
    # The demo's proposed curve: nothing below 75%, 30% at 75%, a step to 60% at 85%,
    # 2.5x at 160% and flat after: "from 75%, up to 2.5x at 160%".
    proposed = [[0.75, 0.3], [0.85, 0.3], [0.85, 0.6], [1.0, 1.0], [1.6, 2.5], [2.0, 2.5]]
    assert report.curve_takeaway(proposed) == "pays from 75%, up to 2.5x at 160%"
    assert report.curve_takeaway([[0.9, 0.7], [1.2, 1.4]]) == "pays from 90%, up to 1.4x at 120%"
    assert report.curve_takeaway([[0.75, 0.3], [10.0, 23.5]]) == "pays from 75%, no cap"
    assert report.curve_takeaway([[1.0, 0.0], [2.0, 0.0]]) == "pays nothing"


def test_goals_and_summary_follow_the_chinese_setting():
    from simlib import i18n

    base = make("baseline", [90, 95, 100, 95], [0.65] * 4, [0.9] * 4)
    reform = make("reform", [100, 105, 110, 105], [0.5] * 4, [0.7] * 4)
    res = {"baseline": base, "reform": reform}
    with i18n.use("zh-CN"):
        text = report.executive_summary(res)
        goals = report.goal_table(res)
    # the same +10.5% and +10 ± 0 as in English, in Chinese sentences
    assert "比基准方案 +10.5%" in text and "+10 ± 0" in text
    assert "按目标排名第一（达到 5 项中的 5 项）：baseline" in text
    for english in ("against the baseline", "Meets:", "Ranked first", "designs were simulated"):
        assert english not in text
    assert goals.index.name == "方案"
    assert all(cell.startswith(("是", "否")) for cell in goals.to_numpy().ravel())

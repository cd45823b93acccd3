"""Comparison report tables: no % change on tiny bases, pay as a multiple
of target incentive by quartile, the spread of target difficulty over reps, and the
pay gap with the interval of its expected value. Hand-made results, hand-computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_scenario_report import make

from simlib.workbench import report


def reps_frame(ti, pay, att, p_quota=None, region=None):
    n = len(ti)
    return pd.DataFrame(
        {
            "rep_id": [f"r{i}" for i in range(n)],
            "region": region or ["N"] * n,
            "target_incentive": ti,
            "mean_payout": pay,
            "mean_attainment": att,
            "p_at_quota": p_quota if p_quota is not None else [0.5] * n,
        }
    )


def test_no_percent_change_on_a_tiny_base():
    # Typical pay per rep: mean of mean_payout = 100. Q1's baseline pay, 5, is under
    # 10% of that, so its change (+20 every draw) is given in money only; Q2 (base
    # 100, +10) keeps its percentage, +10.0%.
    reps = reps_frame([100] * 4, [100] * 4, [1.0] * 4)
    groups_b = {"pay_by_quartile": pd.DataFrame({"Q1 (bottom)": [5.0, 5.0], "Q2": [100.0, 100.0]})}
    groups_r = {
        "pay_by_quartile": pd.DataFrame({"Q1 (bottom)": [25.0, 25.0], "Q2": [110.0, 110.0]})
    }
    base = make("baseline", [1, 1], [0.5, 0.5], [0.9, 0.9], groups=groups_b, reps=reps)
    ref = make("r", [1, 1], [0.5, 0.5], [0.9, 0.9], groups=groups_r, reps=reps)
    t = report.difference_by_group({"baseline": base, "r": ref}, "quartile", min_group=1)
    assert t.loc["Q1 (bottom)", "r: change"] == "+20 ± 0 (no %: small base)"
    assert t.loc["Q2", "r: change"] == "+10 ± 0 (+10.0%)"


def test_pay_as_a_multiple_of_target_incentive_by_quartile():
    # Eight reps ranked by attainment; quartiles of two. The top two have small target
    # incentives (50) and are paid 75 each: less money than Q3 (paid 150 on TI 100)
    # but 1.5x their target, the highest multiple.
    ti = [100, 100, 100, 100, 100, 100, 50, 50]
    pay = [20, 40, 90, 110, 150, 150, 75, 75]
    att = [0.6, 0.7, 0.95, 1.05, 1.2, 1.3, 1.6, 1.8]
    base = make("baseline", [1.0], [0.5], [0.9], reps=reps_frame(ti, pay, att))
    reform_reps = reps_frame(ti, [p * 2 for p in pay], att)
    reform = make("r", [1.0], [0.5], [0.9], reps=reform_reps)
    t = report.pay_multiple_by_quartile({"baseline": base, "r": reform}, min_group=2)
    col = "baseline: pay / target incentive"
    # By hand: Q1 (20+40)/200 = 0.30, Q2 (90+110)/200 = 1.00, Q3 300/200 = 1.50,
    # Q4 150/100 = 1.50.
    assert t[col].tolist() == ["0.30x", "1.00x", "1.50x", "1.50x"]
    assert t["r: pay / target incentive"].tolist() == ["0.60x", "2.00x", "3.00x", "3.00x"]
    assert t.loc["Q4 (top)", "mean target incentive"] == report.fmt(50, "money")
    assert t["reps"].tolist() == [2, 2, 2, 2]


def test_rep_difficulty_spread_by_hand():
    # Ten reps in two regions; chances of reaching quota put by hand into the bands
    # [0, .25), [.25, .5), [.5, .75), [.75, 1].
    p = [0.1, 0.2, 0.3, 0.6, 0.9, 0.55, 0.6, 0.65, 0.7, 1.0]
    region = ["N"] * 5 + ["S"] * 5
    res = make("baseline", [1.0], [0.5], [0.9],
               reps=reps_frame([1] * 10, [1] * 10, [1] * 10, p_quota=p, region=region))  # fmt: skip
    t = report.rep_difficulty(res, None, min_group=5)
    n = t.loc[("region", "N")]
    assert n["chance under 25%"] == "40.0%" and n["chance 25-50%"] == "20.0%"
    assert n["chance 50-75%"] == "20.0%" and n["chance 75% or more"] == "20.0%"
    s = t.loc[("region", "S")]
    assert s["chance 50-75%"] == "80.0%" and s["chance 75% or more"] == "20.0%"
    assert t.loc[("whole company", "all reps"), "median chance"] == "60.0%"
    assert report.rep_difficulty(res, None, min_group=6).index.tolist() == [
        ("whole company", "all reps")
    ]


def test_pay_gap_shows_the_interval_of_its_expected_value():
    # Gap draws -0.1, 0.0, 0.1, 0.0: mean 0, sd sqrt(0.02 / 3) = 0.0816, half-width 1.96 sd / 2.
    g = {"pay_gap:region": pd.DataFrame({"N": [-0.1, 0.0, 0.1, 0.0]})}
    reps = reps_frame([1] * 6, [1] * 6, [1] * 6)
    res = make("baseline", [1.0] * 4, [0.5] * 4, [0.9] * 4, groups=g, reps=reps)
    t = report.pay_gaps(res, "region", min_group=5)
    half = 1.96 * np.sqrt(0.02 / 3) / 2
    assert t.loc["N", "95% interval of the expected gap"] == (
        f"{report.fmt(-half, 'pct')} to {report.fmt(half, 'pct')}"
    )
    assert t.loc["N", "gap at equal attainment (share of average pay)"] == report.fmt(0.0, "pct")
    assert half == pytest.approx(0.0800, abs=1e-4)  # 1.96 x 0.0816 / 2

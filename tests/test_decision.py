"""The decision box: designs ranked by the stated goals' priorities (never a tie), the
cost change and its interval, who loses most, and the caveats, checked by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlib import vocabulary as v
from simlib.decision import decide, summary_lines
from simlib.engine.simulate import SimulationResult


def make(name, cost, quota, payperf, budget=100.0, groups=None, regions="NNNNNNSS"):
    n = len(cost)
    cost = np.asarray(cost, float)
    per_draw = pd.DataFrame({
        "total_payout": cost,
        "budget_ratio": cost / budget,
        "over_budget": (cost > budget).astype(float),
        "share_at_quota": np.broadcast_to(quota, n),
        "pay_performance_spearman": np.broadcast_to(payperf, n),
        "cost_of_sales": np.full(n, 0.05),
    })  # fmt: skip
    reps = pd.DataFrame({"rep_id": [f"r{i}" for i in range(len(regions))],
                         "region": list(regions)})  # fmt: skip
    return SimulationResult(
        name=name, per_draw=per_draw, group_draws=groups or {}, reps=reps,
        attainment_hist=pd.DataFrame({"attainment_from": [0.0], "share": [1.0]}),
        provenance={"seed": 1, "data_hash": "h", "budget": budget, "draws": n, "reps": 8,
                    "year": 2026},
    )  # fmt: skip


GOALS = v.parse_goals([
    {"metric": "budget_ratio", "at_most": 1.0, "priority": 1},
    {"metric": "pay_performance", "at_least": 0.8, "priority": 2},
    {"metric": "share_at_quota", "between": [0.6, 0.7], "priority": 3},
])  # fmt: skip


def test_a_tie_on_goals_met_is_broken_by_the_first_priority_that_differs():
    # Both meet goals 1 and 2 and miss goal 3 by the same amount; the reform pays more
    # closely for performance (0.95 against 0.85): priority 2 decides, not a tie.
    base = make("baseline", [90, 90], 0.5, 0.85)
    reform = make("reform", [90, 90], 0.5, 0.95)
    d = decide({"baseline": base, "reform": reform}, goals=GOALS)
    assert d.ranking == ["reform", "baseline"]
    assert "priority-2 goal" in d.why and "0.95 against 0.85" in d.why


def test_a_higher_priority_goal_outranks_any_number_of_lower_ones():
    # The baseline misses the budget (priority 1) but meets goals 2 and 3; the reform
    # meets only the budget. Priorities, not counts, decide.
    base = make("baseline", [110, 110], 0.65, 0.9)
    reform = make("reform", [95, 95], 0.3, 0.5)
    d = decide({"baseline": base, "reform": reform}, goals=GOALS)
    assert d.ranking == ["reform", "baseline"]
    assert "meets the priority-1 goal" in d.why


def test_designs_missing_the_same_goals_rank_by_how_far_they_fall_short():
    # Both over budget: 105% is 5% short, 120% is 20% short of the at-most-100% goal.
    a = make("baseline", [120, 120], 0.65, 0.9)
    b = make("b", [105, 105], 0.65, 0.9)
    d = decide({"baseline": a, "b": b}, goals=GOALS)
    assert d.ranking == ["b", "baseline"]
    assert d.row("b").shortfall[0] == pytest.approx(0.05)
    assert "comes closer to the priority-1 goal" in d.why


def test_an_exact_tie_keeps_todays_plan_and_says_why():
    base = make("baseline", [90, 90], 0.5, 0.85)
    same = make("copy", [90, 90], 0.5, 0.85)
    d = decide({"copy": same, "baseline": base}, goals=GOALS)
    assert d.ranking == ["baseline", "copy"]
    assert "today's plan is kept" in d.why


def test_cost_change_and_interval_by_hand():
    base = make("baseline", [90, 95, 100, 95], 0.65, 0.9)
    # +10 in two draws, +12 and +8 in the others: mean 10, sd sqrt(8/3), half-width
    # 1.96 * sd / 2.
    reform = make("reform", [100, 107, 108, 105], 0.65, 0.9)
    d = decide({"baseline": base, "reform": reform}, goals=GOALS, currency="CNY")
    r = d.row("reform")
    assert r.cost_diff == pytest.approx(10.0)
    assert r.cost_half == pytest.approx(1.96 * np.sqrt(8 / 3) / 2)
    assert r.cost_rel == pytest.approx(10 / 95)
    assert r.over_budget == pytest.approx(0.75)  # 107, 108, 105 over a budget of 100
    s = d.cost_sentence("reform")
    assert (
        s
        == "+CNY 10 ± 2 a year against today's plan (+10.5%; ± is the 95% interval), CNY 105 in all"
    )


def test_the_group_that_loses_most_is_named_with_its_cut():
    b = pd.DataFrame({"N": [10.0, 20.0, 30.0], "S": [5.0, 5.0, 5.0]})
    r = pd.DataFrame({"N": [8.0, 16.0, 24.0], "S": [1.0, 1.0, 1.0]})
    base = make("baseline", [90, 90, 90], 0.65, 0.9, groups={"mean_pay:region": b})
    reform = make("reform", [85, 85, 85], 0.65, 0.95, groups={"mean_pay:region": r})
    d = decide({"baseline": base, "reform": reform}, goals=GOALS, min_group=3,
               caveats=["Two months of 2026 are missing from the sales data."])  # fmt: skip
    assert d.recommended == "reform"
    # N: mean pay 20 -> 16, a 20% cut; S (2 reps) is under the minimum: never named.
    (loss,) = d.losses
    assert (loss.group, loss.rel, loss.reps) == ("N", pytest.approx(-0.20), 6)
    assert d.losers_sentence() == "N (region, 6 reps) -20.0% pay."
    assert any("fewer than 3 reps" in c and "region S" in c for c in d.caveats)
    assert d.caveats[-1] == "Two months of 2026 are missing from the sales data."
    html = d.html()
    assert html.startswith('<section class="decision"') and "nan" not in html.lower()


def test_the_behaviour_and_target_caveats_are_said_when_they_apply():
    base = make("baseline", [90, 90], 0.5, 0.85)
    reform = make("reform", [95, 95], 0.5, 0.9)
    designs = {"baseline": {"behavior": None}, "reform": {}}
    d = decide({"baseline": base, "reform": reform}, goals=GOALS, designs=designs)
    text = " ".join(d.caveats)
    assert "revenue is held fixed" in text
    assert "Share at quota: the same for every design" in text
    assert "50.0% of reps reach quota" in text and "hard" in text
    designs["reform"] = {"behavior": {"model": "elasticity"}}
    d = decide({"baseline": base, "reform": reform}, goals=GOALS, designs=designs)
    assert "revenue is held fixed" not in " ".join(d.caveats)


def test_the_default_goals_are_the_practice_bands():
    base = make("baseline", [90, 90], 0.65, 0.85)
    d = decide({"baseline": base})
    assert [g.metric for g in d.goals] == [g.metric for g in v.DEFAULT_GOALS]
    assert "practice bands" in d.goals_source


def test_a_scenario_page_summary_leads_with_name_and_cost():
    base = make("baseline", [9e6, 9.5e6], 0.65, 0.85, budget=1e7)
    reform = make("reform", [1.1e7, 1.15e7], 0.58, 0.62, budget=1e7)
    lines = summary_lines(reform, "reform", "Plan B", base, "CNY")
    assert lines[0].startswith("**reform** (Plan B): incentive cost **CNY 11.2 m** a year")
    assert "+CNY 2.0 m ± 0.00 m against today's plan" in lines[0]
    assert lines[1] == ("58.0% of reps reach quota (below the 60-70% design aim: hard); "
                        "pay-performance 0.62 (moderate).")  # fmt: skip
    assert lines[2] == "8 reps in the plan; 2 simulated years of 2026."
    lines = summary_lines(
        reform, "reform", "Plan B", base, "CNY", losers="N (region, 6 reps) -20.0% pay."
    )
    assert lines[2] == ("Who loses most: N (region, 6 reps) -20.0% pay. 8 reps in the plan; 2 "
                        "simulated years of 2026.")  # fmt: skip


def test_a_batch_reads_its_goals_and_recorded_caveats_back_from_the_store(tmp_path):
    from simlib.workbench import report
    from simlib.workbench.store import Store

    st = Store(tmp_path / "results.duckdb")
    header = {"title": "t", "goals": v.goals_to_data(GOALS),
              "caveats": ["Sales for 2026 cover 9 months."]}  # fmt: skip
    st.set_batch("b", header)
    base = make("baseline", [90, 90], 0.5, 0.85)
    reform = make("reform", [90, 90], 0.5, 0.95)
    view = report.BatchView(st, "b", pd.DataFrame(), {"baseline": base, "reform": reform},
                            {"baseline": {"report": {"min_group": 1}}, "reform": {}})  # fmt: skip
    d = report.batch_decision(view, caveats=["Two regions report late."])
    assert d.goals == GOALS and d.recommended == "reform"
    assert d.caveats[-2:] == ["Sales for 2026 cover 9 months.", "Two regions report late."]
    assert "Sales for 2026 cover 9 months." in d.html()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.5, 1.5), st.floats(0.3, 0.9), st.floats(0.0, 1.0)),
        min_size=2, max_size=6,
    )
)  # fmt: skip
def test_every_design_gets_its_own_rank_and_the_first_priority_dominates(designs):
    results = {
        ("baseline" if i == 0 else f"d{i}"): make(
            "baseline" if i == 0 else f"d{i}", [100 * c, 100 * c], q, p
        )
        for i, (c, q, p) in enumerate(designs)
    }
    d = decide(results, goals=GOALS)
    assert sorted(d.ranking) == sorted(results)  # a total order: no tie, nobody dropped
    within = [n for n in d.ranking if d.row(n).met[0]]
    over = [n for n in d.ranking if not d.row(n).met[0]]
    assert d.ranking == within + over  # meeting priority 1 beats anything below it
    # Shuffling the input does not change the ranking of designs that differ.
    again = decide(dict(reversed(list(results.items()))), goals=GOALS)
    keys = {n: _key_values(d, n) for n in results}
    if len(set(keys.values())) == len(keys):
        assert again.ranking == d.ranking


def _key_values(d, name):
    r = d.row(name)
    return (r.met, tuple(round(x, 3) for x in r.shortfall),
            tuple(round(r.values[g.metric], 3) for g in GOALS))  # fmt: skip


def test_caveats_recorded_per_language_are_read_in_the_language_of_the_page(tmp_path):
    from simlib import i18n
    from simlib.workbench import report
    from simlib.workbench.store import Store

    st = Store(tmp_path / "results.duckdb")
    header = {"title": "t", "goals": v.goals_to_data(GOALS),
              "caveats": {"en": ["Sales for 2026 cover 9 months."],
                          "zh-CN": ["2026 年的销售数据只覆盖 9 个月。"]}}  # fmt: skip
    st.set_batch("b", header)
    base = make("baseline", [90, 90], 0.5, 0.85)
    reform = make("reform", [90, 90], 0.5, 0.95)
    view = report.BatchView(st, "b", pd.DataFrame(), {"baseline": base, "reform": reform},
                            {"baseline": {"report": {"min_group": 1}}, "reform": {}})  # fmt: skip
    assert report.batch_decision(view).caveats[-1] == "Sales for 2026 cover 9 months."
    with i18n.use("zh-CN"):
        assert report.batch_decision(view).caveats[-1] == "2026 年的销售数据只覆盖 9 个月。"


def test_a_batch_records_its_data_findings_in_every_language(tmp_path):
    from simlib import i18n
    from simlib.data import synthetic
    from simlib.scenario import Scenario
    from simlib.workbench.batch import _data_check_notes

    folder = tmp_path / "data"
    synthetic.generate(n_reps=60, months=24, seed=3).save(folder)
    sales = pd.read_csv(folder / "sales.csv")
    sales[sales["period"] <= "2026-09"].to_csv(folder / "sales.csv", index=False)  # 9 months
    plan = Path(__file__).resolve().parents[1] / "scenarios" / "plans" / "am_current.yaml"
    sc = Scenario.from_dict(
        {
            "title": "t",
            "author": "a",
            "what": "w",
            "why": "y",
            "baseline": {"data": str(folder), "plan": str(plan)},
        }  # fmt: skip
    )
    notes = _data_check_notes([sc])
    assert set(notes) == set(i18n.LANGUAGES)
    assert notes["en"] and len(notes["en"]) == len(notes["zh-CN"])
    assert all(n.startswith("data [") for n in notes["en"])
    assert all(n.startswith("数据 [") for n in notes["zh-CN"])

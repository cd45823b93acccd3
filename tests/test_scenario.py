"""Scenario files: validation with paths, deltas, chains, sweeps, no-op warnings,
plain-language descriptions and the budget-neutral solver."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib.errors import SpecError
from simlib.scenario import (
    NO_CAP_ATTAINMENT,
    Scenario,
    ScenarioWarning,
    budget_neutral,
    deep_merge,
    diff,
    parse_path,
    scale_payouts,
    set_path,
)
from simlib.topics.scenario_words import describe_scenario

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "scenarios" / "plans"


def base_file(data: str = "data/sample", **extra) -> dict:
    d = {
        "title": "Test file",
        "author": "tests",
        "what": "checks",
        "why": "because",
        "baseline": {
            "data": data,
            "plan": str(PLANS / "am_current.yaml"),
            "simulation": {"draws": 20, "seed": 3},
        },
    }
    d.update(extra)
    return d


def test_header_is_required_and_unknown_keys_are_rejected_with_paths():
    d = base_file()
    del d["why"]
    d["baseline"]["simulaton"] = {"draws": 5}  # misspelt
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(d, root_dir=ROOT)
    msgs = dict(e.value.errors)
    assert "scenario.why" in msgs
    d["why"] = "x"
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(d, root_dir=ROOT)
    assert any(p.endswith("baseline.simulaton") and "unknown key" in m for p, m in e.value.errors)


def test_error_inside_a_reform_names_the_reform_and_the_plan_path():
    d = base_file(
        reforms={
            "bad_curve": {
                "what": "a curve going backwards",
                "changes": {"plan.components[0].curve[1][0]": 0.5},
            }
        }
    )
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(d, root_dir=ROOT)
    (path, msg), *_ = e.value.errors
    assert "reforms.bad_curve" in path and "plan.components[0].curve" in path
    assert "attainment must increase" in msg
    # Non-strict: the reform is left out and recorded; the baseline stands.
    sc = Scenario.from_dict(d, root_dir=ROOT, strict=False)
    assert [s.name for s in sc.scenarios] == ["baseline"]
    assert "attainment must increase" in sc.failed["bad_curve"]


def test_path_into_a_missing_element_names_it():
    d = base_file(reforms={"r": {"what": "x", "changes": {"plan.components[3].weight": 0.5}}})
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(d, root_dir=ROOT)
    assert "components[3]: no such element (1 items)" in str(e.value)


def test_reform_changes_only_what_it_says_and_chains():
    d = base_file(
        reforms={
            "team_heavy": {
                "base": "proposed",  # declared before its base: order does not matter
                "what": "more team pay",
                "changes": {"plan.components[0].weight": 0.6, "plan.components[1].weight": 0.4},
            },
            "proposed": {
                "what": "proposed plan",
                "changes": {"plan": str(PLANS / "am_proposed.yaml")},
            },
        }
    )
    sc = Scenario.from_dict(d, root_dir=ROOT)
    assert [s.name for s in sc.scenarios] == ["baseline", "proposed", "team_heavy"]
    proposed = yaml.safe_load((PLANS / "am_proposed.yaml").read_text())
    assert sc["proposed"].design["plan"] == proposed
    th = sc["team_heavy"].design["plan"]
    assert [c["weight"] for c in th["components"]] == [0.6, 0.4]
    # Everything else is the proposed plan's.
    expect = copy.deepcopy(proposed)
    expect["components"][0]["weight"], expect["components"][1]["weight"] = 0.6, 0.4
    assert th == expect
    assert sc["team_heavy"].base == "proposed"
    assert sorted(p for p, _, _ in sc["team_heavy"].changes) == [
        "plan.components[0].weight",
        "plan.components[1].weight",
    ]


def test_nested_changes_merge_and_lists_replace():
    base = {"simulation": {"draws": 10, "seed": 1}, "plan": {"kpis": ["a", "b"]}}
    out = deep_merge(base, {"simulation": {"draws": 99}, "plan": {"kpis": ["c"]}}, "x", None)
    assert out == {"simulation": {"draws": 99, "seed": 1}, "plan": {"kpis": ["c"]}}
    assert base["simulation"]["draws"] == 10  # the base is untouched


def test_a_reform_that_changes_nothing_warns():
    d = base_file(reforms={"same": {"what": "x", "changes": {"simulation": {"seed": 3}}}})
    with pytest.warns(ScenarioWarning, match="changes nothing"):
        sc = Scenario.from_dict(d, root_dir=ROOT)
    assert sc["same"].changes == []
    assert "changes nothing" in describe_scenario(sc)


def test_a_real_change_does_not_warn():
    d = base_file(reforms={"more": {"what": "x", "changes": {"simulation": {"seed": 4}}}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        Scenario.from_dict(d, root_dir=ROOT)


def test_cap_sweep_expands_the_grid_and_keeps_the_slope():
    d = base_file(
        reforms={"proposed": {"what": "p", "changes": {"plan": str(PLANS / "am_proposed.yaml")}}},
        sweeps=[
            {
                "name": "grid",
                "base": "proposed",
                "what": "cap x threshold",
                "grid": {
                    "plan.components[0].curve[-1][0]": [1.5, 2.0, "none"],
                    "plan.components[0].curve[0][0]": [0.7, 0.8],
                },
            }
        ],
    )
    sc = Scenario.from_dict(d, root_dir=ROOT)
    names = [s.name for s in sc.scenarios if s.kind == "sweep"]
    assert len(names) == 6
    assert "grid: cap=1.5, threshold=0.7" in names and "grid: cap=none, threshold=0.8" in names
    # The proposed curve's last segment runs (1.0, 1.0) -> (1.6, 2.5): slope 2.5.
    c = sc["grid: cap=2, threshold=0.8"].design["plan"]["components"][0]["curve"]
    assert c[-1] == [2.0, pytest.approx(1.0 + 2.5 * 1.0)]
    assert c[0][0] == 0.8
    nc = sc["grid: cap=none, threshold=0.7"].design["plan"]["components"][0]["curve"]
    assert nc[-1] == [NO_CAP_ATTAINMENT, pytest.approx(1.0 + 2.5 * (NO_CAP_ATTAINMENT - 1.0))]
    text = describe_scenario(sc)
    assert "cap removed" in text and "cap 160% -> 200% of quota" in text


def test_single_parameter_sweep_named_like_its_parameter():
    d = base_file(
        sweeps=[{"name": "cap", "what": "c", "grid": {"plan.components[0].curve[-1][0]": [1.3]}}]
    )
    sc = Scenario.from_dict(d, root_dir=ROOT)
    assert [s.name for s in sc.scenarios] == ["baseline", "cap=1.3"]


def test_describe_speaks_plain_language():
    sc = Scenario.from_yaml(ROOT / "scenarios" / "demo.yaml")
    text = describe_scenario(sc)
    assert (
        "replaces the plan 'Account manager plan (current)' with 'Account manager plan (proposed)'"
        in text
    )
    assert "weights 'branch_bonus' at 40% of target incentive (was 20%)" in text
    assert "appraises with '20/70/10 company-wide, AHP weights'" in text
    assert "budget-neutral" in text


def test_hash_follows_the_rules_not_the_file_layout():
    a = Scenario.from_dict(base_file(), root_dir=ROOT)
    d = base_file()
    d["title"] = "another title"  # header is not part of the design
    b = Scenario.from_dict(d, root_dir=ROOT)
    assert a.hash == b.hash
    c = Scenario.from_dict(
        base_file(reforms={"r": {"what": "x", "changes": {"simulation.seed": 4}}}), root_dir=ROOT
    )
    assert c["r"].hash != a.hash


def test_simulation_kwargs_drive_simulate():
    sc = Scenario.from_dict(base_file(), root_dir=ROOT)
    kw = sc.simulation_kwargs()
    assert kw["draws"] == 20 and kw["seed"] == 3 and kw["name"] == "baseline"
    res = sl.simulate(**kw)
    assert len(res.per_draw) == 20
    assert res.provenance["seed"] == 3


@settings(max_examples=40, deadline=None)
@given(
    st.recursive(
        st.integers(0, 5) | st.text("ab", max_size=2),
        lambda kids: (
            st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from("xyz"), kids, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_diff_is_empty_exactly_when_equal(obj):
    assert diff(obj, copy.deepcopy(obj)) == []
    if isinstance(obj, dict):
        other = copy.deepcopy(obj)
        other["new"] = 1
        assert diff(obj, other) == [("new", None, 1)]


def test_parse_and_set_paths():
    assert parse_path("plan.components[0].curve[-1][0]") == [
        "plan",
        "components",
        0,
        "curve",
        -1,
        0,
    ]
    d = {"a": {"b": [1, 2, 3]}}
    set_path(d, "a.b[-1]", 9)
    assert d == {"a": {"b": [1, 2, 9]}}
    with pytest.raises(SpecError, match="no such key"):
        set_path(d, "a.c.d", 1)


def test_scale_payouts_keeps_the_pay_mix_rule():
    sc = Scenario.from_dict(base_file(), root_dir=ROOT)
    scaled = scale_payouts(sc.design, 1.2)
    pm = scaled["plan"]["target_incentive"]["pay_mix"]
    # am_current: 0.7 / 0.3 -> target incentive = salary x 0.3/0.7; x1.2 -> 0.36/0.7.
    assert pm["base"] + pm["variable"] == pytest.approx(1.0)
    assert pm["variable"] / pm["base"] == pytest.approx(0.3 / 0.7 * 1.2)


def test_budget_neutral_hits_the_baseline_cost():
    d = base_file(
        reforms={"proposed": {"what": "p", "changes": {"plan": str(PLANS / "am_proposed.yaml")}}}
    )
    sc = Scenario.from_dict(d, root_dir=ROOT)
    base = sl.simulate(**sc.simulation_kwargs())
    target = float(base.per_draw["total_payout"].mean())

    def sim(s, **kw):
        return sl.simulate(**s.simulation_kwargs())

    reform = sim(sc["proposed"])
    bn = budget_neutral(sc["proposed"], target, rtol=0.001, simulate_fn=sim)
    assert abs(bn.cost - target) <= 0.001 * target
    # Every payout of these plans is a multiple of the target incentive, so cost is
    # linear in the factor and the closed form is target / cost(1).
    assert bn.factor == pytest.approx(target / reform.per_draw["total_payout"].mean(), rel=1e-6)
    # Re-simulating the scaled design independently gives the same cost.
    again = sl.simulate(**bn.scenario.simulation_kwargs())
    assert again.per_draw["total_payout"].mean() == pytest.approx(bn.cost, rel=1e-9)
    # Linear cost: the secant step from factor 1 lands on the root, so exactly two
    # simulations (factor 1, then target / cost(1)) are run.
    assert np.isfinite(bn.factor) and bn.iterations == 2


@pytest.mark.slow  # the cascade's difficulty check fits the company forecast (a few seconds)
def test_cascade_targets_and_behavior_pass_through(tmp_path):
    from simlib.workbench import report

    data = tmp_path / "data"
    sl.data.synthetic.generate(n_reps=80, months=36, seed=9).save(data)
    d = base_file(data=str(data))
    d["baseline"]["targets"] = {
        "source": "cascade",
        "cascade": str(ROOT / "scenarios" / "cascades" / "even_flat.yaml"),
        "company_growth": 0.05,
    }
    # Validated with simlib.behavior's own rules, passed to simulate as written.
    d["baseline"]["behavior"] = {"model": "effort", "elasticity": 0.5}
    d["baseline"]["simulation"]["year"] = 2026
    sc = Scenario.from_dict(d, root_dir=ROOT)
    kw = sc.simulation_kwargs()
    assert kw["behavior"] == {"model": "effort", "elasticity": 0.5}
    tg = kw["targets"]
    ds = sc.dataset()
    # Growth 5% on last year's company revenue, split to reps (rounding aside).
    last = ds.sales.loc[(ds.sales["period"].dt.year == 2025) & (ds.sales["kpi"] == "revenue")]
    total = tg.loc[tg["kpi"] == "revenue", "target"].sum()
    assert total == pytest.approx(last["value"].sum() * 1.05, rel=0.01)
    diffs = report.cascade_difficulty(sc.design, min_group=1)
    assert {"share_at_or_above", "flag"} <= set(diffs.columns)
    assert report.cascade_difficulty(Scenario.from_dict(base_file(), root_dir=ROOT).design) is None


def test_missing_cascade_inputs_are_named():
    d = base_file()
    d["baseline"]["targets"] = {"source": "cascade"}
    with pytest.raises(SpecError, match="baseline.targets: source 'cascade' needs a cascade spec"):
        Scenario.from_dict(d, root_dir=ROOT)


FIVE_GRADES = ["优秀", "良好", "合格", "待改进", "不合格"]  # docs/glossary-zh.md


def test_the_demo_names_its_grades_on_the_five_grade_scale_everywhere():
    from simlib import appraisal as ap

    sc = Scenario.from_yaml(ROOT / "scenarios" / "demo.yaml")
    base = sc["baseline"].design
    assert base["outcomes"]["merit"]["grades"] == FIVE_GRADES
    assert list(ap.load_scorecard(base["appraisal"]).rating.names) == FIVE_GRADES
    for s in sc.scenarios:
        merit = (s.design.get("outcomes") or {}).get("merit")
        if merit and s.design.get("appraisal"):
            names = list(ap.load_scorecard(s.design["appraisal"]).rating.names)
            assert merit["grades"] == names, s.name


def test_merit_grades_named_unlike_the_appraisal_grades_are_a_problem():
    merit = {
        "grades": ["优秀", "良好", "合格", "基本合格", "不合格"],
        "compa_bands": [0.9, 1.1],
        "raises": [[0.08, 0.06, 0.04], [0.06, 0.04, 0.03], [0.04, 0.025, 0.015],
                   [0.01, 0.005, 0.0], [0.0, 0.0, 0.0]],
    }  # fmt: skip
    d = base_file()
    d["baseline"]["appraisal"] = "scenarios/appraisal/five_grade_forced.yaml"
    d["baseline"]["outcomes"] = {"merit": merit}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = dict(Scenario.from_dict(d, root_dir=ROOT).check())
        assert "基本合格" in problems["baseline: outcomes.merit"]
        merit["grades"][3] = "待改进"
        assert Scenario.from_dict(d, root_dir=ROOT).check() == []

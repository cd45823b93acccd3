"""Plans and scenarios are checked for sense, not only for type: absurd or non-finite
payouts refused, decreasing curves warned about unless stated, default groupings that
use only the columns the data have, team levels the hierarchy lacks caught by validate."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest
import yaml

from simlib.errors import SpecError
from simlib.plans import Plan
from simlib.plans.plan import PlanWarning
from simlib.scenario import Scenario, SimulationSettings

ROOT = Path(__file__).resolve().parents[1]
PLAN = {
    "name": "AM",
    "period": "quarter",
    "target_incentive": {"amount": 40000},
    "components": [
        {
            "type": "quota_bonus",
            "name": "revenue",
            "kpi": "revenue",
            "weight": 1.0,
            "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
        }
    ],
}


def with_(path_setter) -> dict:
    p = copy.deepcopy(PLAN)
    path_setter(p)
    return p


def test_payout_points_of_1e300_are_refused_with_the_path():
    p = with_(lambda d: d["components"][0]["curve"].__setitem__(2, [1.5, 1e300]))
    with pytest.raises(SpecError) as e:
        Plan.from_dict(p)
    assert e.value.errors[0][0] == "plan.components[0].curve[2]"
    assert "absurd" in e.value.errors[0][1] and "at most 100" in e.value.errors[0][1]


@pytest.mark.parametrize(
    "value, said",
    [
        (float("inf"), "must be a finite number, got inf"),
        (float("nan"), "greater than or equal to 0"),  # NaN fails the type's own bound
    ],
)
def test_non_finite_plan_amounts_are_refused(value, said):
    p = with_(lambda d: d["target_incentive"].__setitem__("amount", value))
    with pytest.raises(SpecError, match=rf"plan\.target_incentive\.amount: .*{said}"):
        Plan.from_dict(p)


def test_absurd_amounts_are_refused():
    p = with_(lambda d: d["target_incentive"].__setitem__("amount", 1e300))
    with pytest.raises(SpecError, match=r"plan\.target_incentive\.amount: 1e\+300 is absurd"):
        Plan.from_dict(p)
    p = with_(lambda d: d.__setitem__("max_payout", 1e13))
    with pytest.raises(SpecError, match=r"plan\.max_payout"):
        Plan.from_dict(p)


def test_yaml_infinity_in_a_curve_is_refused(tmp_path):
    f = tmp_path / "p.yaml"
    text = yaml.safe_dump(PLAN).replace("- 2.0", "- .inf")
    assert ".inf" in text
    f.write_text(text)
    with pytest.raises(SpecError, match=r"curve\[2\].*finite"):
        Plan.from_yaml(f)


def test_a_falling_payout_curve_is_warned_about_unless_stated():
    falling = with_(
        lambda d: d["components"][0].__setitem__("curve", [[0.8, 1.5], [1.0, 1.0], [1.5, 0.2]])
    )
    with pytest.warns(PlanWarning, match=r"plan\.components\[0\]\.curve\[1\]: the payout falls"):
        Plan.from_dict(falling)
    falling["components"][0]["allow_decreasing"] = True
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlanWarning)
        plan = Plan.from_dict(falling)
    # Still pays as written: at 120% between (1.0, 1.0) and (1.5, 0.2): 1 - 0.2/0.5*0.8.
    assert plan.curve("revenue")([1.2]).tolist() == pytest.approx([0.68])
    with warnings.catch_warnings():
        warnings.simplefilter("error", PlanWarning)
        Plan.from_dict(PLAN)  # a rising curve: no warning
    # The practice checks a plan report shows say it too, stated or not.
    said = [w for w in plan.warnings() if "payout falls as attainment rises" in w]
    assert len(said) == 1 and "stated: allow_decreasing" in said[0]
    assert not [w for w in Plan.from_dict(PLAN).warnings() if "payout falls" in w]


def test_default_groupings_use_only_columns_the_data_have():
    assert SimulationSettings().groupings is None


def scenario_file(tmp_path, plan: dict, data: str, **simulation) -> str:
    pf = tmp_path / "plan.yaml"
    pf.write_text(yaml.safe_dump(plan))
    doc = {
        "title": "t",
        "author": "a",
        "what": "w",
        "why": "y",
        "baseline": {
            "data": data,
            "plan": str(pf),
            "simulation": {"draws": 8, "seed": 1, **simulation},
        },
    }
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return str(f)


def test_data_without_gender_runs_with_the_default_groupings(tmp_path, sample_ds):
    import simlib as sl

    ds = sample_ds
    reps = ds.reps.drop(columns=["gender"])
    nogender = sl.Dataset(ds.kpis, ds.units, reps, ds.sales, ds.potential, ds.targets)
    data = tmp_path / "data"
    nogender.save(data)
    plan = yaml.safe_load(open(ROOT / "scenarios" / "plans" / "am_current.yaml", encoding="utf-8"))
    sc = Scenario.from_yaml(scenario_file(tmp_path, plan, str(data)))
    assert [p for p in sc.check() if "groupings" in p[0]] == []
    res = sl.simulate(sc, draws=4)
    groupings = {k.split(":", 1)[1] for k in res.group_draws if ":" in k}
    assert groupings == {"region", "tenure"}
    asked = Scenario.from_yaml(scenario_file(tmp_path, plan, str(data), groupings=["gender"]))
    probs = [p for p in asked.check() if "groupings" in p[0]]
    assert probs and probs[0][0] == "baseline: simulation.groupings[0]"
    assert "'gender'" in probs[0][1]


def test_team_level_missing_from_the_hierarchy_is_caught_by_validate(tmp_path):
    from simlib.workbench.cli import main

    plan = {
        "name": "Team plan",
        "period": "quarter",
        "target_incentive": {"amount": 40000},
        "components": [
            {
                "type": "quota_bonus",
                "name": "own",
                "kpi": "revenue",
                "weight": 0.6,
                "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
            },
            {
                "type": "team",
                "name": "district",
                "kpi": "revenue",
                "level": "district",
                "weight": 0.4,
                "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
            },
        ],
    }
    path = scenario_file(tmp_path, plan, str(ROOT / "data" / "sample"))
    sc = Scenario.from_yaml(path)
    probs = sc.check()
    assert ("baseline: plan.components[1].level",) == tuple(p[0] for p in probs)
    assert "'district' is not in the data's hierarchy" in probs[0][1]
    assert "company, region, branch, team" in probs[0][1]
    assert main(["validate", path]) == 1

"""Scenario files: caps on curves with a flat tail, name
collisions between reforms and sweep members, budget-neutral scaling of the plan
cap in currency and budget-neutral sweep members."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from simlib.errors import SpecError
from simlib.plans.curve import PayoutCurve
from simlib.scenario import NO_CAP_ATTAINMENT, Scenario, ScenarioWarning, scale_payouts
from simlib.topics.scenario_words import describe_scenario

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "scenarios" / "plans"
FLAT_TAIL = [[0.9, 0.7], [1.0, 1.0], [1.2, 1.4], [2.0, 1.4]]


def plan_with(curve, **extra) -> dict:
    return {
        "name": "flat tail",
        "currency": "CNY",
        "period": "year",
        "target_incentive": {"pay_mix": {"base": 0.7, "variable": 0.3}},
        "components": [
            {"type": "quota_bonus", "name": "revenue_bonus", "kpi": "revenue", "weight": 1.0,
             "curve": curve}
        ],
        **extra,
    }  # fmt: skip


def doc(**extra) -> dict:
    d = {
        "title": "Caps and sweeps",
        "author": "tests",
        "what": "checks",
        "why": "because",
        "baseline": {
            "data": "data/sample",
            "plan": plan_with(FLAT_TAIL),
            "simulation": {"draws": 20, "seed": 3},
        },
    }
    d.update(extra)
    return d


def test_cap_sweep_on_a_curve_ending_in_a_flat_tail_moves_the_cap():
    d = doc(sweeps=[{"name": "cap", "what": "c", "grid": {"plan.components[0].curve[-1][0]": [1.6, "none"]}}])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)  # a real change must not warn
        sc = Scenario.from_dict(d, root_dir=ROOT)
    # The rising part stops at (1.2, 1.4); its slope is (1.4 - 1.0) / (1.2 - 1.0) = 2.
    c16 = sc["cap=1.6"].design["plan"]["components"][0]["curve"]
    assert c16 == [[0.9, 0.7], [1.0, 1.0], [1.6, pytest.approx(1.0 + 2 * 0.6)]]
    cno = sc["cap=none"].design["plan"]["components"][0]["curve"]
    assert cno[-1] == [NO_CAP_ATTAINMENT, pytest.approx(1.0 + 2 * (NO_CAP_ATTAINMENT - 1.0))]
    # Pay at 150% of quota: 1.4 under the base (flat past 120%), 2.0 with the cap at 160%.
    assert PayoutCurve(FLAT_TAIL)(1.5) == pytest.approx(1.4)
    assert PayoutCurve(c16)(1.5) == pytest.approx(2.0)
    assert PayoutCurve(cno)(3.0) == pytest.approx(5.0)
    assert "cap removed" in describe_scenario(sc)


def test_cap_below_the_rising_part_is_refused_with_the_point():
    d = doc(sweeps=[{"name": "cap", "what": "c", "grid": {"plan.components[0].curve[-1][0]": [0.95]}}])  # fmt: skip
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(d, root_dir=ROOT)
    assert "above the point before it (1)" in str(e.value)


def test_a_curve_change_that_pays_the_same_warns():
    # An extra point on the straight segment from (1.0, 1.0) to (1.2, 1.4): same pay.
    same = [[0.9, 0.7], [1.0, 1.0], [1.1, 1.2], [1.2, 1.4], [2.0, 1.4]]
    d = doc(reforms={"noop": {"what": "x", "changes": {"plan.components[0].curve": same}}})
    with pytest.warns(ScenarioWarning, match="pay exactly the same"):
        Scenario.from_dict(d, root_dir=ROOT)
    other = [[0.9, 0.7], [1.0, 1.0], [1.1, 1.25], [1.2, 1.4], [2.0, 1.4]]
    d = doc(reforms={"real": {"what": "x", "changes": {"plan.components[0].curve": other}}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        Scenario.from_dict(d, root_dir=ROOT)


def test_sweep_member_named_like_a_reform_is_an_error_naming_both():
    d = doc(
        reforms={"cap=1.6": {"what": "hand-made", "changes": {"simulation.seed": 9}}},
        sweeps=[{"name": "cap", "what": "c", "grid": {"plan.components[0].curve[-1][0]": [1.6, 1.8]}}],
    )  # fmt: skip
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(d, root_dir=ROOT)
    assert "sweep 'cap' makes a scenario named 'cap=1.6'" in str(e.value)
    assert "the reform 'cap=1.6'" in str(e.value)
    sc = Scenario.from_dict(d, root_dir=ROOT, strict=False)
    # The reform is kept as written, not silently replaced by the sweep member.
    assert sc["cap=1.6"].kind == "reform" and sc["cap=1.6"].design["simulation"]["seed"] == 9
    assert "cap=1.8" in sc.members
    assert list(sc.failed) == ["sweep cap: cap=1.6"]


def test_budget_neutral_scales_the_plan_cap_in_currency():
    design = {"plan": plan_with(FLAT_TAIL, max_payout=100_000.0)}
    design["plan"]["target_incentive"] = {"amount": 50_000.0}
    out = scale_payouts(design, 0.5)
    assert out["plan"]["target_incentive"]["amount"] == 25_000.0
    assert out["plan"]["max_payout"] == 50_000.0  # the cap scales with the pay it bounds
    assert design["plan"]["max_payout"] == 100_000.0  # input untouched


def test_sweep_members_can_ask_for_budget_neutral():
    d = doc(sweeps=[{"name": "cap", "what": "c", "budget_neutral": True,
                     "grid": {"plan.components[0].curve[-1][0]": [1.6]}}])  # fmt: skip
    sc = Scenario.from_dict(d, root_dir=ROOT)
    assert sc["cap=1.6"].budget_neutral is True
    assert "also run budget-neutral" in describe_scenario(sc)


# ------------------------------------------------------------ 1.4: relative paths
def _write(path: Path, data: dict) -> Path:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_relative_paths_resolve_against_the_scenario_files_folder(tmp_path, monkeypatch):
    import shutil

    exp = tmp_path / "exp"
    (exp / "data").mkdir(parents=True)
    (exp / "data2").mkdir()
    shutil.copy(PLANS / "am_current.yaml", exp / "my_plan.yaml")
    # A decoy: the working directory has its own data/ and my_plan.yaml, never read.
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    d = doc()
    d["baseline"].update(data="data", plan="my_plan.yaml")
    d["reforms"] = {
        "shipped": {"what": "x", "changes": {"plan": "scenarios/plans/am_proposed.yaml"}},
        "other_data": {"what": "y", "changes": {"data": "data2"}},
    }
    sc = Scenario.from_yaml(_write(exp / "s.yaml", d))
    assert sc.design["data"] == str((exp / "data").resolve())
    assert Path(sc.design["data"]).is_absolute()
    # Not in the file's folder: the project root (files shipped in the repository).
    assert sc["shipped"].design["plan"]["name"] == "Account manager plan (proposed)"
    # A reform's own data path follows the same rule as the baseline's.
    assert sc["other_data"].design["data"] == str((exp / "data2").resolve())


def test_shipped_demo_validates_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sc = Scenario.from_yaml(ROOT / "scenarios" / "demo.yaml")
    assert sc.design["data"] == str((ROOT / "data" / "sample").resolve())


def test_a_missing_file_names_where_it_was_looked_for(tmp_path):
    d = doc()
    d["baseline"]["data"] = "nowhere"
    with pytest.raises(SpecError) as e:
        Scenario.from_yaml(_write(tmp_path / "s.yaml", d))
    msg = str(e.value)
    assert "baseline.data: file not found: nowhere" in msg
    assert str(tmp_path.resolve() / "nowhere") in msg and str(ROOT / "nowhere") in msg


# ------------------------------------------- section 4: hash on simulation inputs
def test_hash_follows_the_simulation_inputs_only(tmp_path):
    import shutil

    import yaml

    (tmp_path / "sample").symlink_to(ROOT / "data" / "sample")
    shutil.copy(PLANS / "am_current.yaml", tmp_path / "p.yaml")

    def h(**baseline) -> str:
        d = doc()
        d["baseline"].update(plan="p.yaml", **baseline)
        return Scenario.from_yaml(_write(tmp_path / "s.yaml", d)).hash

    ref = h(data="sample")
    # Report settings do not change a simulated year.
    assert h(data="sample", report={"show_individual_pay": True, "min_group": 9}) == ref
    # The data path as written does not matter (the batch keys on the data's content).
    assert h(data=str(ROOT / "data" / "sample")) == ref
    # The plan file's content does: edit one number.
    plan = yaml.safe_load((tmp_path / "p.yaml").read_text(encoding="utf-8"))
    plan["components"][0]["curve"][-1] = [1.3, 1.6]
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    assert h(data="sample") != ref


# ------------------------------------------------ section 2/3: describe in words
def test_describe_lists_what_a_replaced_plan_changes_parameter_by_parameter():
    text = describe_scenario(Scenario.from_yaml(ROOT / "scenarios" / "demo.yaml"))
    proposed = text.split("## proposed")[1].split("## ")[0]
    # Each figure below is read off the two plan files (am_current.yaml, am_proposed.yaml).
    for phrase in (
        "measured quarterly instead of yearly",
        "trued up to the year to date",
        "adds a team bonus 'branch_bonus' on revenue at branch level, with 20% of target",
        "'revenue_bonus' weight 100% -> 80% of target incentive",
        "threshold 90% -> 75% of quota",
        "cap 120% -> 160% of quota",
        "most it pays 1.4x -> 2.5x target",
        "paid only when hv_retention value is at least 95% (was: no gate)",
    ):
        assert phrase in proposed, phrase
    uncapped = text.split("## cap=none")[1]
    assert "1000%" not in uncapped and "23.5x" not in uncapped
    # The slope of the last rising segment, (2.5 - 1.0) / (1.6 - 1.0) = 2.5 per 100%.
    assert "then +2.5x per 100% of quota with no cap" in uncapped
    ahp = text.split("## ahp_appraisal")[1].split("## ")[0]
    assert "[[" not in ahp  # no raw lists
    assert "3 grades, raise by compa-ratio band: top 4%-7%, core 1.5%-4%, bottom 0%-1%" in ahp

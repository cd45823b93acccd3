"""Bad input on the command line: `simlib validate` dry-runs the set-up
against the data, `explain` names an unknown scenario, --draws must be positive."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simlib.scenario import Scenario
from simlib.workbench.batch import NotebookError, run_batch
from simlib.workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"
THREE_GRADE_MERIT = {"grades": ["top", "core", "bottom"], "compa_bands": [0.9, 1.1],
                     "raises": [[0.07, 0.05, 0.04], [0.04, 0.025, 0.015], [0.01, 0.0, 0.0]]}  # fmt: skip


def typo_plan() -> dict:
    """The current plan on a KPI the data lacks, consistently misspelt (the file's own
    rules pass: only the data can tell)."""
    plan = yaml.safe_load((ROOT / "scenarios/plans/am_current.yaml").read_text(encoding="utf-8"))
    plan["kpis"] = ["revenu"]
    plan["components"][0]["kpi"] = "revenu"
    return plan


def scenario(tmp_path: Path, **baseline) -> Path:
    doc = {
        "title": "t", "author": "a", "what": "w", "why": "y",
        "baseline": {"data": str(ROOT / "data" / "sample"),
                     "plan": "scenarios/plans/am_current.yaml",
                     "simulation": {"draws": 5, "seed": 1}, **baseline},
    }  # fmt: skip
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return f


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [
        ({"behavior": {"model": "efort"}}, "baseline.behavior[0]"),
        ({"simulation": {"groupings": ["regionn"]}},
         "simulation.groupings[0]: unknown group 'regionn'"),
        ({"simulation": {"year": 2031}},
         "simulation.year: 2031 has no targets; the targets cover 2024, 2025, 2026"),
        ({"plan": typo_plan()}, "plan.components[0].kpi: KPI 'revenu' is not in the data"),
        ({"appraisal": "scenarios/appraisal/vitality_ahp.yaml",
          "outcomes": {"merit": yaml.safe_load((ROOT / "scenarios/demo.yaml").read_text(
              encoding="utf-8"))["baseline"]["outcomes"]["merit"]}},
         "outcomes.merit: the merit matrix has 5 grades"),
        ({"appraisal": "scenarios/appraisal/vitality_ahp.yaml",
          "outcomes": {"merit": THREE_GRADE_MERIT, "promotion_grade": "best"}},
         "outcomes.promotion_grade: 'best' is not a grade"),
    ],
)  # fmt: skip
def test_validate_dry_runs_the_setup_against_the_data(tmp_path, capsys, baseline, expected):
    rc = main(["validate", str(scenario(tmp_path, **baseline))])
    out = " ".join(capsys.readouterr().out.split())
    assert rc == 1, out
    assert expected in out
    assert "valid;" not in out


def test_validate_passes_the_demo_from_another_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(DEMO)]) == 0
    assert "valid; 7 scenario(s) checked against the data" in capsys.readouterr().out


def test_validate_reports_file_and_data_problems_together(tmp_path, capsys):
    f = scenario(tmp_path)
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    doc["reforms"] = {
        "bad_file": {"what": "x", "changes": {"plan.components[0].weight": 3}},
        "bad_data": {"what": "y", "changes": {"simulation.groupings": ["nope"]}},
    }
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr().out
    assert "reforms.bad_file.plan.components[0].weight" in out
    assert "bad_data: simulation.groupings[0]: unknown group 'nope'" in out


def test_promotion_grade_reaches_simulate(tmp_path):
    f = scenario(tmp_path, appraisal="scenarios/appraisal/vitality_ahp.yaml",
                 outcomes={"merit": THREE_GRADE_MERIT, "promotion_grade": "core"})  # fmt: skip
    sc = Scenario.from_yaml(f)
    assert sc.simulation_kwargs()["promotion_grade"] == "core"
    assert sc.check() == []


def test_explain_unknown_scenario_name_is_one_clear_line(capsys):
    rc = main(["explain", str(DEMO), "S00001", "--scenario-name", "nope"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "--scenario-name 'nope': no such scenario" in err and "proposed" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("draws", ["0", "-3", "x"])
def test_draws_must_be_a_positive_whole_number(capsys, draws, tmp_path):
    assert main(["run", str(DEMO), "--draws", draws, "--out", str(tmp_path / "o")]) == 2
    assert "--draws" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # refused before anything is written


def test_run_batch_refuses_zero_draws_before_writing(tmp_path):
    with pytest.raises(NotebookError, match="draws: expected a whole number from 1 to 1,000,000"):
        run_batch(DEMO, out=tmp_path / "o", draws=0, reports=False, echo=lambda *a: None)
    assert not (tmp_path / "o").exists()

"""Save as reform: the plan as set becomes a scenario file that validates, that
`simlib describe` reads back as exactly those changes and that `simlib run` runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import simlib as sl
from simlib.scenario import Scenario
from simlib.workbench.cli import main
from simlib.workbench.whatif import WhatIf, WhatIfError
from simlib.workbench.whatif.reform import save_reform

ROOT = Path(__file__).resolve().parents[1]
PROPOSED = ROOT / "scenarios" / "plans" / "am_proposed.yaml"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    p = tmp_path_factory.mktemp("wr") / "data"
    sl.data.synthetic.generate(n_reps=120, months=36, seed=8).save(p)
    return p


@pytest.fixture(scope="module")
def wi(data):
    return WhatIf(sl.load_dataset(data), PROPOSED)


MOVES = {"revenue_bonus.cap": 1.5, "revenue_bonus.gate_min": 0.9, "plan.team_share": 0.3}


def test_saved_reform_reads_back_as_exactly_the_moves(wi, data, tmp_path, capsys):
    path = save_reform(wi, MOVES, tmp_path / "my_reform.yaml", title="Lower cap, team 30%",
                       author="Comp & Ben", why="Budget", data_path=str(data),
                       plan_path=str(PROPOSED))  # fmt: skip
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"title", "author", "what", "why"} <= set(doc)
    assert doc["reforms"]["my_reform"]["changes"] == {
        "plan.components[0].curve[4]": [1.5, 2.25],  # 1 + 2.5 x 0.5: the slope kept
        "plan.components[0].weight": pytest.approx(0.7),
        "plan.components[0].gate.min": 0.9,
        "plan.components[1].weight": pytest.approx(0.3),
    }
    sc = Scenario.from_yaml(path)
    reform = sc["my_reform"]
    # The reform's plan is the what-if's plan as set, value for value.
    from simlib.plans import Plan

    got = Plan.from_dict(reform.design["plan"]).spec.model_dump(mode="json", exclude_none=True)
    assert got == _rounded(wi.spec(MOVES))
    # The scenario lists the changed values one by one: the cap point's two numbers, the
    # two weights and the gate's minimum, nothing else.
    assert {p for p, _, _ in reform.changes} == {
        "plan.components[0].curve[4][0]", "plan.components[0].curve[4][1]",
        "plan.components[0].weight", "plan.components[0].gate.min", "plan.components[1].weight",
    }  # fmt: skip
    assert main(["describe", str(path)]) == 0
    text = capsys.readouterr().out
    assert "cap 160% -> 150% of quota" in text
    assert main(["validate", str(path)]) == 0


def _rounded(spec):
    import json

    return json.loads(json.dumps(spec))


def test_simlib_run_runs_the_saved_reform(wi, data, tmp_path):
    path = save_reform(wi, {"revenue_bonus.cap": 1.5}, tmp_path / "cap150.yaml",
                       title="Cap at 150%", author="HR", data_path=str(data),
                       plan_path=str(PROPOSED))  # fmt: skip
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--draws", "5",
                 "--no-reports"]) == 0  # fmt: skip


def test_saving_refuses_to_overwrite_and_needs_a_change_and_a_header(wi, data, tmp_path):
    kw = {"title": "t", "author": "a", "data_path": str(data), "plan_path": str(PROPOSED)}
    path = save_reform(wi, {"revenue_bonus.cap": 1.5}, tmp_path / "r.yaml", **kw)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        save_reform(wi, {"revenue_bonus.cap": 1.4}, path, **kw)
    assert path.read_bytes() == before
    with pytest.raises(WhatIfError, match="nothing is changed"):
        save_reform(wi, {}, tmp_path / "none.yaml", **kw)
    with pytest.raises(WhatIfError, match="author"):
        save_reform(wi, {"revenue_bonus.cap": 1.5}, tmp_path / "x.yaml",
                    **{**kw, "author": " "})  # fmt: skip
    assert not (tmp_path / "none.yaml").exists() and not (tmp_path / "x.yaml").exists()


def test_compare_with_a_saved_reform_shows_its_cost(wi, data, tmp_path):
    from simlib.plans import Plan
    from simlib.workbench.whatif.app import WhatIfApp

    path = save_reform(wi, {"revenue_bonus.cap": 1.5}, tmp_path / "c.yaml", title="t",
                       author="a", data_path=str(data), plan_path=str(PROPOSED))  # fmt: skip
    app = WhatIfApp(wi, scenario_dir=tmp_path)
    app.compare_with(str(path))
    name, other = app.other
    assert name == "c"
    assert other.total_payout == pytest.approx(wi.evaluate({"revenue_bonus.cap": 1.5}).total_payout)
    assert 'data-col="other"' in app.totals.value
    current = ROOT / "scenarios" / "plans" / "am_current.yaml"
    app.compare_with(str(current))
    want = WhatIf(wi.ds, Plan.from_yaml(current, kpis=wi.kpis)).evaluate().total_payout
    assert app.other[1].total_payout == pytest.approx(want)


def test_whatif_command_reports_bad_data_in_one_line(tmp_path, capsys):
    code = main(["whatif", str(tmp_path / "nowhere"), "--no-browser"])
    err = capsys.readouterr().err
    assert code == 1  # the CLI's convention: a file that cannot be read exits 1
    assert "nowhere" in err and "Traceback" not in err


def test_demo_ends_with_the_command_that_opens_the_whatif(monkeypatch, capsys, tmp_path):
    import simlib.workbench.demo as demo

    class Done:
        index = tmp_path / "index.html"
        failed: list = []

        def summary(self) -> str:
            return "1 design(s), 0 failed"

    monkeypatch.setattr(demo, "run_demo", lambda out, draws=None, languages=None: Done())
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("Try a plan change yourself in the browser: ")
    assert last.endswith("simlib whatif")

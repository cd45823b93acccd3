"""The batch runner: reuse of stored results, failure isolation and --resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import simlib as sl
from simlib.workbench.batch import run_batch
from simlib.workbench.cli import main
from simlib.workbench.outdir import store_path
from simlib.workbench.store import Store

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "scenarios" / "plans"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    p = tmp_path_factory.mktemp("data") / "sample"
    sl.data.synthetic.generate(n_reps=80, months=36, seed=4).save(p)
    return p


def write(path: Path, data_dir: Path, positions_bad: bool) -> Path:
    doc = {
        "title": "Batch test",
        "author": "tests",
        "what": "a baseline, one good reform and one that fails at run time",
        "why": "failure isolation",
        "batch": "t",
        "baseline": {
            "data": str(data_dir),
            "plan": str(PLANS / "am_current.yaml"),
            "simulation": {"draws": 8, "seed": 2},
        },
        "reforms": {
            "proposed": {"what": "proposed", "changes": {"plan": str(PLANS / "am_proposed.yaml")}},
            "narrow": {
                "what": "the plan for one position only",
                "changes": {
                    "plan.positions": ["nobody_has_this"] if positions_bad else ["channel_manager"]
                },
            },
        },
    }
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_failure_is_isolated_reported_and_resumed(tmp_path, data_dir):
    f = write(tmp_path / "s.yaml", data_dir, positions_bad=True)
    out = tmp_path / "out"
    r1 = run_batch(f, out=out, reports=False, echo=lambda *a: None)
    status = {i.name: i.status for i in r1.items}
    assert status == {"baseline": "simulated", "proposed": "simulated", "narrow": "failed"}
    failed = next(i for i in r1.items if i.name == "narrow")
    assert "no reps" in failed.message and "nobody_has_this" in failed.message
    index = r1.index.read_text(encoding="utf-8")
    assert "narrow" in index and "failed" in index and "nobody_has_this" in index
    assert main(["run", str(f), "--out", str(out), "--no-reports"]) == 1  # still failing

    write(f, data_dir, positions_bad=False)  # the fix
    st = Store(store_path(out))
    before = len(st.run_log("t"))
    r2 = run_batch(f, out=out, resume=True, reports=False, echo=lambda *a: None)
    assert {i.name: i.status for i in r2.items} == {
        "baseline": "reused",
        "proposed": "reused",
        "narrow": "simulated",
    }
    new = st.run_log("t").iloc[before:]
    assert new.loc[new["action"] == "simulated", "scenario"].tolist() == ["narrow"]
    assert "failed" not in r2.index.read_text(encoding="utf-8").split("<h2>Designs")[1].split(
        "</table>"
    )[0].replace("0 failed", "")


def test_second_run_simulates_nothing(tmp_path, data_dir):
    f = write(tmp_path / "s.yaml", data_dir, positions_bad=False)
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out), "--no-reports"]) == 0
    st = Store(store_path(out))
    n_first = len(st.run_log("t"))
    assert (st.run_log("t")["action"] == "simulated").sum() == 3
    assert main(["run", str(f), "--out", str(out), "--no-reports"]) == 0
    second = st.run_log("t").iloc[n_first:]
    assert len(second) == 3
    assert set(second["action"]) == {"reused"}
    assert len(st.runs()) == 3


def test_reforms_share_the_baseline_budget(tmp_path, data_dir):
    f = write(tmp_path / "s.yaml", data_dir, positions_bad=False)
    r = run_batch(f, out=tmp_path / "o", reports=False, echo=lambda *a: None)
    st = Store(store_path(tmp_path / "o"))
    res = st.load_batch("t")
    assert res["proposed"].provenance["budget"] == res["baseline"].provenance["budget"]
    assert all(i.status == "simulated" for i in r.items)


def test_cli_describe_and_validate(capsys, tmp_path):
    assert main(["describe", str(ROOT / "scenarios" / "demo.yaml")]) == 0
    out = capsys.readouterr().out
    assert "## team_weighted (on proposed)" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nauthor: y\nwhat: z\nwhy: w\nbaseline: {plan: p.yaml}\n")
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "baseline.plan: file not found: p.yaml" in out


def test_notebook_parameters_are_checked_before_injection():
    from simlib.workbench.batch import NOTEBOOKS, NotebookError, validate_parameters

    nb = NOTEBOOKS / "scenario.py"
    validate_parameters(nb, {"store_path": "x.duckdb", "batch": "b", "scenario": "baseline"})
    with pytest.raises(NotebookError, match=r"unknown parameter\(s\) \['draws'\]"):
        validate_parameters(nb, {"draws": 3})
    with pytest.raises(NotebookError, match="batch = 3 .the notebook expects text"):
        validate_parameters(nb, {"batch": 3})
    cook = NOTEBOOKS / "04_simulate_and_decide.py"
    validate_parameters(cook, {"draws": 10, "reforms": ["proposed"]})
    with pytest.raises(NotebookError, match="expects a list"):
        validate_parameters(cook, {"reforms": "proposed"})


def test_parallel_simulation_gives_the_same_results(tmp_path, data_dir):
    import pandas as pd

    f = write(tmp_path / "s.yaml", data_dir, positions_bad=True)
    one = run_batch(f, out=tmp_path / "a", reports=False, sim_workers=1, echo=lambda *a: None)
    two = run_batch(f, out=tmp_path / "b", reports=False, sim_workers=2, echo=lambda *a: None)
    assert [(i.name, i.status) for i in one.items] == [(i.name, i.status) for i in two.items]
    a = Store(store_path(tmp_path / "a")).load_batch("t")
    b = Store(store_path(tmp_path / "b")).load_batch("t")
    assert set(a) == set(b) == {"baseline", "proposed"}
    for name in a:
        pd.testing.assert_frame_equal(a[name].per_draw, b[name].per_draw)
    # The failing reform fails the same way, with the same reason.
    assert [i.message for i in one.items if i.status == "failed"] == [
        i.message for i in two.items if i.status == "failed"
    ]

"""The workbench batch: --resume with reports (a stub renderer stands in for
papermill so the test is fast), stable report names, stale files, the comparison
rebuilt when a design newly fails, and `simlib report` keeping the index's content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import simlib as sl
import simlib.workbench.batch as b
from simlib.workbench.batch import rerender, run_batch
from simlib.workbench.outdir import store_path
from simlib.workbench.store import Store

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "scenarios" / "plans"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    p = tmp_path_factory.mktemp("data") / "sample"
    sl.data.synthetic.generate(n_reps=60, months=36, seed=5).save(p)
    return p


@pytest.fixture
def renders(monkeypatch):
    """Replace papermill + nbconvert by a stub that writes a small HTML page naming the
    designs the comparison would read from the store, and records every call."""
    calls: list[str] = []

    def fake(name, out_dir, parameters=None, notebook=None, title=None, output_name=None):
        stem = output_name or name
        calls.append(stem)
        body = {"notebook": name, "params": dict(parameters or {})}
        if name == "compare":
            st = Store(parameters["store_path"])  # same process: same configuration
            body["designs"] = list(st.load_batch(parameters["batch"]))
        html = Path(out_dir) / f"{stem}.html"
        html.write_text(json.dumps(body), encoding="utf-8")
        return b.Rendered(stem, html, 0.0)

    monkeypatch.setattr(b, "render_report", fake)
    return calls


def write(path: Path, data_dir: Path, bad: set[str]) -> Path:
    def reform(i: int, name: str) -> dict:
        # Distinct designs: the quota bonus and team weights (summing to 1) move a little;
        # a weight above 1 is refused by the plan's rules.
        w = 2.0 if name in bad else 0.9 - 0.01 * i
        return {
            "what": f"reform {name}",
            "changes": {"plan.components[0].weight": w, "plan.components[1].weight": 1 - w},
        }

    doc = {
        "title": "Resume test",
        "author": "tests",
        "what": "a baseline and four reforms",
        "why": "resume with reports",
        "batch": "t",
        "baseline": {
            "data": str(data_dir),
            "plan": str(PLANS / "am_proposed.yaml"),
            "simulation": {"draws": 6, "seed": 2},
        },
        "reforms": {n: reform(i, n) for i, n in enumerate(("r1", "r2", "r3", "r4"))},
    }
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def run(f, out, resume):
    return run_batch(f, out=out, resume=resume, workers=1, sim_workers=1, echo=lambda *a: None)


def test_resume_with_reports_keeps_names_paths_and_the_comparison_current(
    tmp_path, data_dir, renders
):
    f = write(tmp_path / "s.yaml", data_dir, bad={"r2"})
    out = tmp_path / "out"
    r1 = run(f, out, resume=False)
    assert {i.name: i.status for i in r1.items}["r2"] == "failed"
    html = {i.name: i.html for i in r1.items}
    # Stable names from the scenario's name, not its position in the run.
    assert html == {"baseline": "scenario-baseline.html", "r1": "scenario-r1.html",
                    "r2": None, "r3": "scenario-r3.html", "r4": "scenario-r4.html"}  # fmt: skip
    assert json.loads((out / "compare.html").read_text())["designs"] == [
        "baseline", "r1", "r3", "r4"]  # fmt: skip

    # (a) A resume with nothing changed renders nothing, and the store keeps every
    # report's path, so the next resume renders nothing either (no flip-flop).
    renders.clear()
    run(f, out, resume=True)
    assert renders == []
    stored = Store(store_path(out)).items("t").set_index("scenario")["html"]
    assert stored["r1"] == "scenario-r1.html" and stored["baseline"] == "scenario-baseline.html"
    run(f, out, resume=True)
    assert renders == []

    # (b) Fixing r2 renders r2 and the comparison only; nothing else is renamed.
    write(f, data_dir, bad=set())
    r3 = run(f, out, resume=True)
    assert sorted(renders) == ["compare", "scenario-r2"]
    assert {i.name: i.html for i in r3.items}["r3"] == "scenario-r3.html"
    assert sorted(p.name for p in out.glob("scenario-*.html")) == [
        "scenario-baseline.html", "scenario-r1.html", "scenario-r2.html",
        "scenario-r3.html", "scenario-r4.html"]  # fmt: skip

    # (c) r3 newly fails and nothing else changes: the comparison is rebuilt without
    # it, and its old report is removed rather than left beside the index.
    renders.clear()
    write(f, data_dir, bad={"r3"})
    r4 = run(f, out, resume=True)
    assert renders == ["compare"]
    assert json.loads((out / "compare.html").read_text())["designs"] == [
        "baseline", "r1", "r2", "r4"]  # fmt: skip
    assert not (out / "scenario-r3.html").exists()
    index = r4.index.read_text(encoding="utf-8")
    assert "r3" in index and "failed" in index


def test_report_rerender_keeps_what_other_reports_and_warnings(tmp_path, data_dir, renders):
    f = write(tmp_path / "s.yaml", data_dir, bad=set())
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    doc["reforms"]["same"] = {"what": "a no-op", "changes": {"simulation.seed": 2}}
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = tmp_path / "out"
    extras = [("data_health", {"data_path": str(data_dir)})]
    run_batch(f, out=out, workers=1, sim_workers=1, extra_reports=extras, echo=lambda *a: None)
    first = (out / "index.html").read_text(encoding="utf-8")
    rerender(out, workers=1, echo=lambda *a: None)
    again = (out / "index.html").read_text(encoding="utf-8")
    for text in ("reform r1", "Other reports", "data_health.html", "Warnings",
                 "changes nothing", "The design in force"):  # fmt: skip
        assert text in first, text
        assert text in again, text


def test_index_footer_counts_scenarios_and_other_reports_apart(tmp_path, data_dir, renders):
    f = write(tmp_path / "s.yaml", data_dir, bad=set())
    out = tmp_path / "out"
    # An extra report that fails (a notebook that does not exist).
    r = run_batch(f, out=out, workers=1, sim_workers=1, echo=lambda *a: None,
                  extra_reports=[("no_such_notebook", {})])  # fmt: skip
    assert [e.status for e in r.extras] == ["rendered"]  # the stub renders anything
    b.write_index(out, "t", {}, r.items, r.compare, [b.BatchItem("x", 0, "failed")], [], 1.0)
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "5 design(s), 0 failed; 1 other report(s), 1 failed" in text
    # The baseline's "what it is" names its design, not the whole file's purpose.
    assert "a baseline and four reforms" not in text.split("<h2>Designs")[1]


def test_a_code_change_invalidates_stored_results(tmp_path, data_dir, monkeypatch):
    import simlib

    f = write(tmp_path / "s.yaml", data_dir, bad=set())
    out = tmp_path / "out"
    kw = dict(out=out, reports=False, workers=1, sim_workers=1, echo=lambda *a: None)
    run_batch(f, **kw)
    assert {i.status for i in run_batch(f, **kw).items} == {"reused"}
    # Same scenario, same data, another version of the code: simulate again.
    monkeypatch.setattr(simlib, "_CODE_VERSION", simlib.code_version() + "-edited")
    assert {i.status for i in run_batch(f, **kw).items} == {"simulated"}


def test_report_settings_do_not_force_a_new_simulation(tmp_path, data_dir):
    f = write(tmp_path / "s.yaml", data_dir, bad=set())
    out = tmp_path / "out"
    kw = dict(out=out, reports=False, workers=1, sim_workers=1, echo=lambda *a: None)
    run_batch(f, **kw)
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    doc["baseline"]["report"] = {"show_individual_pay": True, "min_group": 3}
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert {i.status for i in run_batch(f, **kw).items} == {"reused"}


def test_report_settings_change_reaches_the_report_without_simulating(tmp_path, data_dir, renders):
    from simlib.workbench import report

    f = write(tmp_path / "s.yaml", data_dir, bad=set())
    out = tmp_path / "out"
    run(f, out, resume=False)
    n_runs = len(Store(store_path(out)).runs())
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    doc["reforms"]["r1"]["changes"]["report"] = {"show_individual_pay": True}
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    renders.clear()
    r = run(f, out, resume=True)
    assert {i.name: i.status for i in r.items}["r1"] == "reused"
    assert len(Store(store_path(out)).runs()) == n_runs  # nothing simulated
    assert sorted(renders) == ["compare", "scenario-r1"]  # its report is redone
    view = report.load_batch(str(store_path(out)), "t")
    assert view.design("r1")["report"]["show_individual_pay"] is True
    assert view.design("r2").get("report", {}).get("show_individual_pay", False) is False


def test_an_extra_report_runs_what_it_reads_first_and_a_failure_is_listed(
    tmp_path, data_dir, renders
):
    f = write(tmp_path / "s.yaml", data_dir, bad=set())
    out = tmp_path / "out"
    made: list[str] = []

    def search_first() -> None:
        # The page must find its input when it renders.
        assert "design" not in renders
        made.append("search")

    def broken() -> None:
        raise ValueError("search: the base design cannot be judged")

    extras = [("design", {"search_dir": "x"}, search_first), ("other", {}, broken)]
    r = run_batch(f, out=out, workers=1, sim_workers=1, extra_reports=extras,
                  echo=lambda *a: None)  # fmt: skip
    assert made == ["search"]
    assert [(e.name, e.status) for e in r.extras] == [("design", "rendered"), ("other", "failed")]
    assert "cannot be judged" in r.extras[1].message
    assert "other" not in renders  # nothing rendered when its input could not be made
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="design.html">Design search</a>' in index

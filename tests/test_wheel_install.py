"""simlib installed from its wheel into a fresh environment, used from an empty folder:
the notebooks, demo scenarios and bundled sample ship inside the wheel, and reports
render on the installed interpreter with no Jupyter kernel registered by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from wheel_env import run

pytestmark = pytest.mark.slow

SMALL = """\
batch: small
title: Two plans on the bundled sample
author: Sales compensation team
what: Today's plan against the proposed one.
why: To see what the proposal costs.
baseline:
  data: data/sample
  targets: {source: data}
  plan: scenarios/plans/am_current.yaml
  simulation: {draws: 20, seed: 7}
reforms:
  proposed:
    what: The proposed plan.
    changes: {plan: scenarios/plans/am_proposed.yaml}
"""


@pytest.fixture(scope="module")
def venv(wheel_venv) -> Path:
    return wheel_venv


def test_the_installed_package_is_the_wheel_not_this_checkout(venv, tmp_path):
    out = run([venv / "bin" / "python", "-c", "import simlib; print(simlib.__file__)"], tmp_path)
    assert Path(out.stdout.strip()).is_relative_to(venv)
    shipped = run(
        [venv / "bin" / "python", "-c", "from simlib import bundled; print(bundled.root())"],
        tmp_path,
    ).stdout.strip()
    assert Path(shipped).is_relative_to(venv)
    for rel in ("notebooks/scenario.py", "scenarios/demo.yaml", "data/sample/sales.csv"):
        assert (Path(shipped) / rel).is_file(), rel


def test_demo_in_an_empty_folder_writes_its_reports_there(venv, wheel_demo):
    empty, res = wheel_demo
    assert {p.name for p in empty.iterdir()} == {"reports"}
    out = empty / "reports" / "demo"
    assert (out / "index.html").is_file(), res.stdout
    assert (out / "compare.html").is_file()
    assert (out / "scenario-baseline.html").is_file()
    for topic in ("data_health", "appraisal", "plans", "behavior", "targets"):
        assert (out / f"{topic}.html").is_file(), topic
    assert not (out / "design.html").exists()  # --quick leaves the design search out
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "scenario-proposed.html" in index
    assert str(venv) not in (out / "data_health.html").read_text(encoding="utf-8")


def test_init_then_run_uses_the_folders_own_copies(venv, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    run([venv / "bin" / "simlib", "init"], folder)
    assert (folder / "scenario.yaml").is_file()
    assert (folder / "data" / "sample" / "sales.csv").is_file()
    (folder / "small.yaml").write_text(SMALL, encoding="utf-8")
    res = run([venv / "bin" / "simlib", "run", "small.yaml", "--lang", "en", "--yes"], folder)
    out = folder / "reports" / "small"
    for page in ("index.html", "compare.html", "scenario-baseline.html", "scenario-proposed.html"):
        assert (out / page).is_file(), (page, res.stdout)
    assert "2 scenario(s), 0 failed" in res.stdout

"""Paths in notebooks resolve against the project, wherever the kernel starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from simlib.workbench import project

ROOT = Path(__file__).resolve().parents[1]


def test_resolve_from_the_root_and_from_notebooks_names_the_same_file(monkeypatch):
    monkeypatch.delenv("SIMLIB_PROJECT", raising=False)
    monkeypatch.chdir(ROOT)
    at_root = project.resolve("data/sample")
    monkeypatch.chdir(ROOT / "notebooks")
    assert project.resolve("data/sample") == at_root == ROOT / "data" / "sample"
    assert project.root() == ROOT


def test_a_project_elsewhere_is_found_by_its_scenarios_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SIMLIB_PROJECT", raising=False)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert project.resolve("data/mine") == tmp_path.resolve() / "data" / "mine"


def test_absolute_paths_stay_and_the_environment_names_the_root(monkeypatch, tmp_path):
    assert project.resolve(tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("SIMLIB_PROJECT", str(tmp_path))
    assert project.resolve("data/sample") == tmp_path.resolve() / "data" / "sample"
    monkeypatch.setenv("SIMLIB_PROJECT", str(tmp_path / "missing"))
    with pytest.raises(project.ProjectError, match="SIMLIB_PROJECT"):
        project.root()


def test_outside_any_project_paths_name_the_shipped_files(monkeypatch, tmp_path):
    from simlib import bundled

    monkeypatch.delenv("SIMLIB_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert project.root() == bundled.root() == ROOT  # tests run from a source checkout
    assert project.resolve("scenarios/demo.yaml").is_file()


def test_init_copies_a_project_whose_scenario_reads_the_folders_own_data(tmp_path):
    from simlib.scenario import Scenario

    written = project.init(tmp_path)
    assert tmp_path / "scenario.yaml" in written
    assert (tmp_path / "data" / "sample" / "sales.csv").read_bytes() == (
        ROOT / "data" / "sample" / "sales.csv"
    ).read_bytes()
    sc = Scenario.from_yaml(tmp_path / "scenario.yaml")
    assert sc.design["data"] == str((tmp_path / "data" / "sample").resolve())
    assert (tmp_path / "scenarios" / "plans" / "am_proposed.yaml").is_file()


def test_init_copies_nothing_into_a_folder_holding_any_of_its_files(tmp_path):
    (tmp_path / "scenario.yaml").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="nothing was copied"):
        project.init(tmp_path)
    assert (tmp_path / "scenario.yaml").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "data").exists()

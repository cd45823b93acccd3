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

"""Notebooks are tracked as jupytext .py:percent files only, so outputs never reach git.

JupyterLab saves outputs into a notebook's .ipynb (also on autosave). Those .ipynb
files are not tracked (git-ignored); their jupytext pairing writes the sources back to
the tracked .py, which holds no outputs by construction.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def tracked() -> list[str]:
    try:
        return _git("ls-files", "notebooks").split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")


def test_no_ipynb_is_tracked_and_saved_ones_are_ignored(tracked):
    assert [f for f in tracked if f.endswith(".ipynb")] == []
    # A notebook JupyterLab saves (outputs and all) is ignored by git.
    probe = "notebooks/01_data.ipynb"
    assert _git("check-ignore", probe).strip() == probe


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_pairs_with_ipynb_and_has_one_parameters_cell(py):
    nb = jupytext.read(py)
    # The pairing makes a save in JupyterLab write the sources back to this .py.
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert nb.metadata["kernelspec"]["name"] == "simlib"
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{py.name}: expected one cell tagged 'parameters'"

"""Notebooks are stored as jupytext pairs: the .ipynb matches its .py and has no outputs."""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


def _sources(nb) -> list[str]:
    return [
        c["source"].strip() if isinstance(c["source"], str) else "".join(c["source"]).strip()
        for c in nb["cells"]
    ]


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_ipynb_matches_its_py_and_has_no_outputs(py):
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run jupytext --sync {py}"
    stored = json.loads(ipynb.read_text(encoding="utf-8"))
    from_py = jupytext.read(py)
    assert _sources(stored) == _sources(from_py), (
        f"{ipynb.name} and {py.name} differ: jupytext --sync"
    )
    assert not any(c.get("outputs") for c in stored["cells"] if c["cell_type"] == "code")
    tagged = [c for c in stored["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{ipynb.name}: expected one cell tagged 'parameters'"

"""The what-if notebook runs from the project root (papermill) and builds the page."""

from __future__ import annotations

import nbformat
import pytest

from simlib.data.synthetic import generate
from simlib.workbench.batch import NOTEBOOKS, execute_notebook

pytestmark = pytest.mark.notebook


def test_whatif_notebook_builds_the_page(tmp_path):
    data = tmp_path / "data"
    generate(n_reps=100, months=24, seed=2).save(data)
    out = execute_notebook(NOTEBOOKS / "whatif.py", tmp_path / "out.ipynb",
                           {"data_path": str(data), "scenario_dir": str(tmp_path / "saved")})  # fmt: skip
    nb = nbformat.read(str(out), as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    # The page is a widget (shown by JupyterLab and Voila), not a static table.
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)

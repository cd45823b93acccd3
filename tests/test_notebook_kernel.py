"""Notebooks run on the interpreter running simlib, in the folder asked for, and leave
the calling process's working folder alone (reports render in threads side by side)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat

from simlib.workbench.notebook import execute_notebook, kernel_command


def test_the_kernel_command_is_this_interpreter():
    assert kernel_command()[:3] == [sys.executable, "-m", "ipykernel_launcher"]


def test_a_notebook_runs_on_this_interpreter_in_the_folder_given(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('where = "where.json"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import json, os, sys\n"
            "json.dump({'python': sys.executable, 'cwd': os.getcwd()}, open(where, 'w'))"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "simlib", "language": "python", "display_name": "x"}
    source = tmp_path / "probe.ipynb"
    nbformat.write(nb, source)
    folder = tmp_path / "kernel-here"
    folder.mkdir()
    before = os.getcwd()
    execute_notebook(source, tmp_path / "out.ipynb", {"where": "where.json"}, cwd=folder)
    assert os.getcwd() == before
    seen = json.loads((folder / "where.json").read_text(encoding="utf-8"))
    assert Path(seen["cwd"]).resolve() == folder.resolve()
    assert Path(seen["python"]).resolve() == Path(sys.executable).resolve()

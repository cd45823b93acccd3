"""Smoke run of the what-if notebook on a small synthetic dataset."""

from __future__ import annotations

import re

import pytest

from simlib.batch import render_report
from simlib.data.synthetic import generate

pytestmark = pytest.mark.notebook


def test_whatif_renders(tmp_path):
    data = tmp_path / "data"
    generate(n_reps=100, months=24, seed=2).save(data)
    r = render_report("whatif", tmp_path / "out", {"data_path": str(data)})
    html = re.sub(r"<(style|script)\b.*?</\1>", "", r.html.read_text(encoding="utf-8"), flags=re.S)
    for heading in ("What if?", "The starting plan", "A worked example", "The sliders"):
        assert heading in html, heading
    assert "pay-performance correlation" in html
    assert "Traceback" not in html and "Error" not in html

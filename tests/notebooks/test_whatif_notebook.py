"""Smoke run of the what-if notebook on a small synthetic dataset."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from simlib.batch import render_report
from simlib.data.synthetic import generate

pytestmark = pytest.mark.notebook


def test_whatif_renders(tmp_path):
    data = tmp_path / "data"
    ds = generate(n_reps=100, months=24, seed=2)
    ds.save(data)
    r = render_report("whatif", tmp_path / "out", {"data_path": str(data)})
    html = re.sub(r"<(style|script)\b.*?</\1>", "", r.html.read_text(encoding="utf-8"), flags=re.S)
    for heading in ("What if?", "The starting plan", "A worked example", "The sliders"):
        assert heading in html, heading
    assert "pay-performance correlation" in html
    assert "Traceback" not in html and "Error" not in html
    # Something computed: the starting plan's payout, independently from the plan's own
    # replay of the same year (not from the what-if code the notebook runs).
    from simlib import plans

    plan = Path(__file__).resolve().parents[2] / "scenarios" / "plans" / "am_proposed.yaml"
    year = int(pd.PeriodIndex(ds.targets["period"]).year.max())
    rp = plans.replay(ds, plan, year)
    total = rp.pay.loc[rp.pay["component"] != "total", "payout"].sum()
    assert f"total payout <strong>{total:,.0f}</strong>" in html
    # Both bundled plans have one individual measure: no weight slider, and it says why.
    assert "no individual weights to move" in html

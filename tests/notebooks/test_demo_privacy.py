"""Privacy: the appraisal report linked from the demo's leadership
index lists no rep IDs; flagged reps appear as counts by unit."""

from __future__ import annotations

import re

import pytest

from simlib.data.synthetic import generate
from simlib.workbench.batch import render_report
from simlib.workbench.demo import DEMO_REPORTS

pytestmark = pytest.mark.notebook


def test_demo_appraisal_report_shows_counts_not_rep_ids(tmp_path):
    params = dict(dict(DEMO_REPORTS)["appraisal"])
    assert params["list_rows"] == 0  # what the demo passes
    data = tmp_path / "data"
    ds = generate(n_reps=120, months=24, seed=3)
    ds.save(data)
    params["data_path"] = str(data)
    params["min_group_report"] = 1  # show every unit's count: the count table must appear
    r = render_report("appraisal", tmp_path / "out", params)
    html = re.sub(r"<(style|script)\b.*?</\1>", "", r.html.read_text(encoding="utf-8"), flags=re.S)
    assert "Traceback" not in html
    assert "Reps flagged for an improvement plan, by unit" in html
    ids = sorted(ds.reps["rep_id"].astype(str), key=len, reverse=True)
    leaked = re.findall(r"\b(?:" + "|".join(map(re.escape, ids)) + r")\b", html)
    assert leaked == []

"""Smoke run of the plans replay report on a small synthetic dataset."""

from __future__ import annotations

import re

import pytest

from simlib.data.synthetic import generate
from simlib.workbench.batch import render_report

pytestmark = pytest.mark.notebook


def _visible(html: str) -> str:
    """The page without style sheets and scripts (nbconvert ships CSS and JS that say "Error")."""
    return re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)


def test_plans_report_renders(tmp_path):
    data = tmp_path / "data"
    generate(n_reps=120, months=24, seed=3).save(data)
    r = render_report(
        "plans",
        tmp_path / "out",
        {"data_path": str(data), "statement_rep": None},
    )
    html = _visible(r.html.read_text(encoding="utf-8"))
    for heading in (
        "Incentive plans replayed on last year",
        "The plans in plain words",
        "Target pay",
        "Payout curves",
        "Headline figures",
        "Where the money goes",
        "Payout distribution",
        "Pay by performance quartile",
        "Current versus proposed",
        "A pay statement",
    ):
        assert heading in html, heading
    assert "Traceback" not in html
    assert "Error" not in html
    # The verdict opens the page: the proposed plan's cost against the current one.
    assert re.search(r"Had Account manager plan \(proposed\) been in force in \d{4}, it would "
                     r"have paid [+-]CNY [\d,]+", html)  # fmt: skip
    assert html.index("it would have paid") < html.index("Headline figures")
    # No individual pay without statement_rep.
    assert "Pay statement:" not in html
    assert "cost of sales" in html


def test_plans_report_prints_a_statement_when_asked(tmp_path):
    data = tmp_path / "data"
    ds = generate(n_reps=60, months=12, seed=5)
    ds.save(data)
    kam = ds.reps.loc[ds.reps["position"] == "key_account_manager", "rep_id"].iloc[0]
    r = render_report(
        "plans",
        tmp_path / "out",
        {
            "data_path": str(data),
            "plan_files": ["scenarios/plans/telecom_account_manager.yaml"],
            "statement_rep": str(kam),
            "statement_period": "2026-03",
        },
    )
    html = _visible(r.html.read_text(encoding="utf-8"))
    assert f"Pay statement: {kam}, 2026-03" in html
    assert "Traceback" not in html and "Error" not in html

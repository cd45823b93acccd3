"""Smoke runs of the appraisal design report on a small synthetic dataset."""

from __future__ import annotations

import re

import pytest

from simlib.data.synthetic import generate
from simlib.workbench.batch import render_report

pytestmark = pytest.mark.notebook

HEADINGS = (
    "Appraisal design review",
    "1. Four ways to weight the KPIs",
    "2. Ratings under each weighting",
    "3. How sensitive are the ratings to the weights?",
    "4. Does the design grasp what is key?",
    "Rating distribution by unit and by manager",
    "5. What it costs: performance coefficient and merit raises",
    "6. Promotion, improvement plans and training needs",
    "Appendix: method notes",
)
#: Managers' judgments of the default scorecard's three KPIs (as the demo passes them).
AHP = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("appraisal") / "data"
    generate(n_reps=120, months=24, seed=3).save(data)
    return data


def _check(html: str) -> None:
    for heading in HEADINGS:
        assert heading in html, heading
    assert "Traceback" not in html
    # an exception name in an output cell (the HTML template's CSS mentions "Error" itself)
    assert not re.search(r"\b[A-Z]\w*Error\b:", html)
    # no individual pay unless asked
    assert "raise_amount" not in html


def test_appraisal_report_renders_with_the_default_scorecard(small_data, tmp_path):
    r = render_report("appraisal", tmp_path, {"data_path": str(small_data), "ahp_pairwise": AHP})
    html = r.html.read_text(encoding="utf-8")
    _check(html)
    assert "consistency ratio" in html
    assert "scaled by" in html  # the merit budget was solved
    # the tie rule stated is the scorecard's own; time in grade applied
    assert "Tie rule of this scorecard" in html and "ties: up" in html
    assert "years in grade, measured from the hire date" in html
    assert "manager is taken to be the head of their own" in html
    assert "share of rating variance" in html
    # The verdict opens the page; no code names, NaN or Python booleans in it.
    assert html.index("The weighting decides who gets which grade") < html.index("1. Four ways")
    text = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    for raw in ("rating_variance_share", "weight_from", "top_changed"):
        assert raw not in text, raw
    assert not re.search(r">\s*(True|False|NaN|nan)\s*<", text)


def test_appraisal_report_renders_with_bands_and_a_half_year(small_data, tmp_path):
    r = render_report(
        "appraisal",
        tmp_path,
        {
            "data_path": str(small_data),
            "scorecard_path": "scenarios/appraisal/bands_entropy.yaml",
            "period": "2026H1",
            "merit_budget_rate": 0.02,
            "delta": 0.1,
        },
    )
    html = r.html.read_text(encoding="utf-8")
    _check(html)
    # the scorecard's weights come from entropy: labelled as such, never as "manual"
    assert "scorecard (entropy)" in html
    assert ">manual<" not in html
    # Without managers' judgments there is no AHP weighting: no consistency ratio is
    # reported (the method prose still explains what one is).
    assert not re.search(r"consistency ratio \d", html)
    assert "rates by absolute bands" in html

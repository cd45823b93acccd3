"""Smoke run of the behavioural-response report on a small synthetic dataset."""

from __future__ import annotations

import re

import pytest

from simlib.data.synthetic import EmbeddedBehavior, generate
from simlib.workbench.batch import render_report

pytestmark = pytest.mark.notebook


def _visible(html: str) -> str:
    """The page without style sheets and scripts (nbconvert ships CSS and JS that say "Error")."""
    return re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)


def test_behavior_report_renders(tmp_path):
    data = tmp_path / "data"
    eb = EmbeddedBehavior(timing_share=0.4, plan_change=("store_sales", "2026-01", 0.1))
    generate(n_reps=150, months=36, seed=3, behavior=eb).save(data)
    r = render_report(
        "behavior",
        tmp_path / "out",
        {
            "data_path": str(data),
            "draws": 8,
            "did_position": "store_sales",
            "did_change": "2026-01",
            "demo_reps": 80,
            "did_rate_ratio": 1.5,
        },
    )
    html = _visible(r.html.read_text(encoding="utf-8"))
    for heading in (
        "How the sales force responds to a plan",
        "How uncertain is a rep",
        "Period-end bunching",
        "Ratchet: how quotas follow results",
        "A plan change: difference in differences",
        "Do the estimators find behaviour that is there?",
        "What each response model does to one plan",
        "Appendix: assumptions and sources",
    ):
        assert heading in html, heading
    assert "Traceback" not in html
    assert "Error" not in html
    # The verdict opens the page: the range of cost effects over the response models.
    assert html.index("How people respond moves") < html.index("What each response model does")
    assert not re.search(r">\s*(True|False|NaN|nan)\s*<", html)
    assert "ci_low" not in html and "revenue vs none" not in html
    for model in ("elasticity", "effort + timing", "ratchet"):
        assert model in html
    assert "plan-change effect (difference in differences, log)" in html and "elasticity" in html
    assert "Parallel trends before the change" in html
    assert "share of near-misses pulling a deal in" in html
    assert "share of sales beyond quota held back" in html
    assert "timing_pull_in_rate" not in html and "sigma_month" not in html

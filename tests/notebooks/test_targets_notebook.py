"""Smoke runs of the target cascade report: it executes, renders, and says what it should."""

from __future__ import annotations

import re

import pytest

from simlib.batch import render_report

pytestmark = pytest.mark.notebook

SECTIONS = [
    "Target cascade report",
    "1. The company target",
    "2. The cascade: from the company to every team",
    "3. Calendarization: the year month by month",
    "4. Difficulty: how many people are likely to reach their target",
    "5. Reconciliation: top-down targets against bottom-up forecasts",
    "6. Back-test: the same rules on last year, against what happened",
    "7. Ratchets: what next year's targets would be after this year",
    "8. Method notes",
]


def visible_text(html: str) -> str:
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


def test_renders_on_the_bundled_sample(tmp_path):
    out = render_report("targets", tmp_path, {"data_path": "data/sample"})
    text = visible_text(out.html.read_text(encoding="utf-8"))
    for heading in SECTIONS:
        assert heading in text, heading
    assert "Traceback" not in text and "Error" not in text and "Warning" not in text
    assert "children add up exactly" in text
    assert "expected at or above target" in text


def test_overrides_and_a_guardrail_conflict(tmp_path):
    # An even split at every level cannot respect people's bands around last year (the
    # key-account teams get far less than they sold): the report says so, names the
    # unit, and shows the cascade without guardrails instead of failing.
    params = {
        "method": "even",
        "padding": 0.05,
        "max_increase": 2.0,
        "max_decrease": 0.9,
        "growth": 0.0,
        "rounding": 10000,
        "backtest": False,
    }
    out = render_report("targets", tmp_path, params)
    text = visible_text(out.html.read_text(encoding="utf-8"))
    assert "Guardrails could not be met" in text and "guardrails cannot hold unit" in text
    assert "even" in text and "5%" in text
    assert "Traceback" not in text and "Error" not in text

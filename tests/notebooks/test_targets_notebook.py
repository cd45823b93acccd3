"""Smoke runs of the target cascade report: it executes, renders, and says what it should."""

from __future__ import annotations

import re

import pytest

from simlib.workbench.batch import render_report

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
    "8. Appendix: method notes",
]


def visible_text(html: str) -> str:
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


def _company_line(params: dict) -> tuple[str, str]:
    """The company's annual revenue target and the forecast model, computed here with
    the library directly from the same inputs the notebook gets (so the assertions
    depend on the run, not on fixed prose)."""
    import simlib as sl
    from simlib.spec import load_yaml

    ds = sl.load_dataset(params.get("data_path", "data/sample"))
    growths = {"revenue": 0.05, "new_customers": 0.05, "hv_retention": 0.005}
    prop = sl.targets.propose_company_target(ds, growth=growths)
    spec = load_yaml("scenarios/cascades/baseline.yaml")
    spec["rounding"] = {**spec["rounding"], "currency": params.get("rounding", 1000)}
    if "rounding_method" in params:
        spec["rounding_method"] = params["rounding_method"]
    cas = sl.targets.cascade(ds, prop, spec)
    top = cas.annual.query("level == 'company' and kpi == 'revenue'")["target"].item()
    model = prop.set_index("kpi").loc["revenue", "model"]
    return f"CNY {top:,.0f}", model


def test_renders_on_the_bundled_sample(tmp_path):
    params = {"data_path": "data/sample", "rounding_method": "webster"}
    out = render_report("targets", tmp_path, params)
    text = visible_text(out.html.read_text(encoding="utf-8"))
    for heading in SECTIONS:
        assert heading in text, heading
    # The verdict comes first, before any section; the estimator detail comes last.
    verdict = re.search(r"(\d+)% of people expected at or above their revenue target", text)
    assert verdict and text.index(verdict.group(0)) < text.index("1. The company target")
    assert text.index("AICc") > text.index("8. Appendix: method notes")
    assert "NaN" not in text and "nan%" not in text and "True" not in text
    assert "Traceback" not in text and "Error" not in text and "Warning" not in text
    total, model = _company_line(params)
    # The tree's root line is the company's rounded target, and the model named is
    # the one the library chose for revenue.
    assert f"[company] {total}" in text, total
    assert "revenue: " in text and f"({model}" in text, model
    # The rounding method parameter reaches the cascade and the prose.
    assert "by the Sainte-Laguë (Webster) method" in text
    assert "Sainte-Laguë (Webster) method, so children add up exactly" in text
    assert "largest remainder (Hamilton)" not in text
    # The baseline spec's calendar and rate rule are what the prose says.
    assert "seasonal profile of each person's region over the last 2 complete year(s)" in text
    assert "(history_relative)" in text
    assert "every parent's children add up exactly" in text
    assert "every unit's months add up" in text


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
    assert "Guardrails could not be met" in text and "guardrails cannot hold the" in text
    # The override reached every rule, also the KPI-specific default (hv_retention).
    assert "blend" not in text.split("Rules for")[1].split("Rounding:")[0]
    assert "padding set by the parameter: 5% into the team level" in text
    assert "revenue to CNY 10,000" in text
    assert "Traceback" not in text and "Error" not in text

"""The appraisal, plan-replay and behaviour reports' logic, and choosing a topic report,
checked against hand calculations."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simlib.data.synthetic import generate
from simlib.topics import ReportParameterError
from simlib.topics import appraisal as A
from simlib.topics import behavior as B
from simlib.topics import plans as P
from simlib.topics import render as R


@pytest.fixture(scope="module")
def ds():
    return generate(n_reps=60, months=24, seed=3)


# ------------------------------------------------------------------ appraisal
def test_the_default_merit_matrix_follows_the_practice_band_for_five_grades():
    m = A.default_merit_matrix(["A", "B", "C", "D", "E"]).to_frame()
    # Best grade: 7.0 / 5.5 / 4.0%; the third (middle) grade: 3.5 / 2.5 / 1.5%; the second
    # grade half-way between; the fourth 1.0 / 0.5 / 0%; the last nothing.
    assert m.loc["A"].tolist() == pytest.approx([0.07, 0.055, 0.04])
    assert m.loc["B"].tolist() == pytest.approx([0.0525, 0.04, 0.0275])
    assert m.loc["C"].tolist() == pytest.approx([0.035, 0.025, 0.015])
    assert m.loc["D"].tolist() == pytest.approx([0.01, 0.005, 0.0])
    assert m.loc["E"].tolist() == [0.0, 0.0, 0.0]


def test_weights_replace_the_scorecards_own():
    spec = {"kpis": [{"kpi": "a", "weight": 0.5}, {"kpi": "b", "weight": 0.5}],
            "weights": {"method": "entropy"}}  # fmt: skip
    out = A.weighted_spec(spec, {"a": 0.8, "b": 0.2})
    assert [k["weight"] for k in out["kpis"]] == [0.8, 0.2] and "weights" not in out
    assert spec["kpis"][0]["weight"] == 0.5  # the spec as written is not changed


@pytest.mark.parametrize(
    ("kw", "word"),
    [({"combined_alpha": 1.5}, "combined_alpha"), ({"delta": 0}, "delta"),
     ({"merit_budget_rate": 3}, "merit_budget_rate")],
)  # fmt: skip
def test_appraisal_parameters_are_checked(kw, word):
    args = {"combined_alpha": 0.5, "delta": 0.05, "merit_budget_rate": 0.03} | kw
    with pytest.raises(ReportParameterError, match=word):
        A.check_parameters(**args)


def test_ahp_judgments_must_match_the_scorecards_kpis(ds):
    from simlib.spec import load_yaml

    spec = load_yaml("scenarios/appraisal/five_grade_forced.yaml")
    with pytest.raises(ReportParameterError, match="ahp_pairwise has 2 rows; the scorecard has 3"):
        A.build(ds, spec, ahp_pairwise=[[1, 2], ["1/2", 1]])


def test_reps_rated_differently_are_counted_against_the_scorecards_own_weights(ds):
    from simlib.spec import load_yaml

    rep = A.build(ds, load_yaml("scenarios/appraisal/five_grade_forced.yaml"))
    ref = rep.apps[rep.reference].rated.set_index("rep_id")["grade_index"]
    ent = rep.apps["entropy"].rated.set_index("rep_id")["grade_index"].reindex(ref.index)
    row = rep.changed().set_index("weighting").loc["entropy"]
    assert row["different"] == sum(int(a != b) for a, b in zip(ref, ent, strict=True))
    assert row["two_or_more"] == sum(int(abs(a - b) >= 2) for a, b in zip(ref, ent, strict=True))
    assert "AHP" not in rep.weightings  # no judgments given
    first = rep.summary()[0]
    worst = rep.changed()["share"].max()
    assert f"up to {worst:.0%} of the {len(rep.first.rated):,} rated reps" in first
    # Merit: the scaled raises spend the budget, said in currency.
    assert f"CNY {rep.merit_result.budget:,.0f}" in rep.summary()[1]


# ------------------------------------------------------------------ plans
def test_cost_of_sales_divides_by_the_first_summed_currency_kpi(ds):
    assert P.sales_value_kpi(ds) == "revenue"
    kpis = ds.kpis.assign(kpi=ds.kpis["kpi"].replace({"revenue": "turnover"}))
    other = SimpleNamespace(kpis=kpis, kpi_names=list(kpis["kpi"]))
    assert P.sales_value_kpi(other) == "turnover"
    counts = kpis.assign(unit=kpis["unit"].replace({"currency": "count"}))
    only_counts = SimpleNamespace(kpis=counts, kpi_names=list(counts["kpi"]))
    assert P.sales_value_kpi(only_counts) == "turnover"  # no currency KPI: the first summed
    with pytest.raises(ReportParameterError, match="revenue_kpi 'sales' is not a KPI"):
        P.sales_value_kpi(ds, "sales")


def test_plan_report_parameters_name_the_problem(ds, tmp_path):
    with pytest.raises(ReportParameterError, match="non-empty list"):
        P.build(ds, [])
    with pytest.raises(ReportParameterError, match="plan file not found"):
        P.build(ds, [str(tmp_path / "none.yaml")])


# ------------------------------------------------------------------ behaviour
def _result(revenue, payout):
    n = len(revenue)
    return SimpleNamespace(per_draw=pd.DataFrame({
        "revenue": revenue, "total_payout": payout, "cost_of_sales": np.full(n, 0.05),
        "share_at_quota": np.full(n, 0.6)}))  # fmt: skip


def test_response_effects_compare_the_same_draws():
    results = {"none": _result([100.0, 200.0], [10.0, 20.0]),
               "effort": _result([110.0, 200.0], [12.0, 20.0])}  # fmt: skip
    e = B.response_effects(results).set_index("model")
    # Draw by draw: revenue +10% and +0% -> +5%; cost +20% and +0% -> +10%.
    assert e.loc["effort", "revenue_change"] == pytest.approx(0.05)
    assert e.loc["effort", "cost_change"] == pytest.approx(0.10)
    assert e.loc["none", "cost_change"] == 0.0
    assert e.loc["effort", "cost"] == pytest.approx(16.0)
    lift = SimpleNamespace(estimate=np.log(1.2), ci=(np.log(1.1), np.log(1.3)))
    first, second, _ = B.summary(e.reset_index(), "Plan X", lift, "sales")
    assert "moves Plan X's incentive cost by +10.0% to +10.0% and sales by +5.0% to +5.0%" in first
    assert "sells +20% against the first two (95% interval +10% to +30%)" in second


def test_estimates_are_named_in_words():
    assert B.estimate_words("revenue: sigma_month") == "month-to-month spread (revenue)"
    assert B.estimate_words("bunching_at_0.9") == "results piled just above 90%"
    assert B.estimate_words("some_new_estimate") == "some new estimate"


def test_behaviour_parameters_and_the_default_kpi(ds):
    plan = "scenarios/plans/am_current.yaml"
    assert B.check_parameters(ds, None, 10, [plan]) == "revenue"
    with pytest.raises(ReportParameterError, match="draws"):
        B.check_parameters(ds, None, 1, [plan])
    with pytest.raises(ReportParameterError, match="kpi 'x' is not in the data"):
        B.check_parameters(ds, "x", 10, [plan])
    with pytest.raises(ReportParameterError, match="plan file not found"):
        B.check_parameters(ds, None, 10, ["nothing.yaml"])


# ------------------------------------------------------------------ report-topic
def test_topic_names_and_parameters(tmp_path, monkeypatch):
    assert R.topic_name("behaviour") == "behavior" and R.topic_name("Targets") == "targets"
    with pytest.raises(ReportParameterError, match="unknown topic 'pay'"):
        R.topic_name("pay")
    data = tmp_path / "d"
    data.mkdir()
    (tmp_path / "s.yaml").write_text("x: 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    p = R.topic_parameters("appraisal", "d", "EUR", {"scorecard_path": "s.yaml", "delta": 0.1})
    # Paths that exist from the caller's folder are made absolute (the notebook runs
    # elsewhere); leadership copies of the appraisal list no rep IDs.
    assert p == {"scorecard_path": str(Path(tmp_path / "s.yaml").resolve()), "delta": 0.1,
                 "data_path": str(data.resolve()), "currency": "EUR", "list_rows": 0}  # fmt: skip
    p = R.topic_parameters("plans", "d", None, {"plan_files": ["s.yaml", "missing.yaml"]})
    assert p["plan_files"] == [str((tmp_path / "s.yaml").resolve()), "missing.yaml"]
    assert "currency" not in p

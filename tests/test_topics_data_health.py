"""The data health report's verdict and checks, against counts made by hand."""

from __future__ import annotations

import pytest

from simlib.data.dataset import Dataset
from simlib.data.synthetic import generate
from simlib.topics import ReportParameterError
from simlib.topics import data_health as D


@pytest.fixture(scope="module")
def generated():
    return generate(n_reps=40, months=14, seed=3, end="2025-12", n_regions=2)


def test_a_complete_history_opens_with_complete(generated):
    rep = D.build(generated)
    first, second, third = rep.summary()
    assert first.startswith("**Complete")
    # The generator writes data for every month a rep is employed: the coverage check passes.
    assert rep.checks[0].verdict == "ok"
    assert f"{len(generated.reps):,} people" in third and "14 months" in third
    # Every check with a reference band is counted in the second line.
    banded = [c for c in rep.checks if c.section != "coverage"]
    within = sum(c.verdict == "within" for c in banded)
    assert second.startswith(f"{within} of {len(banded)} figures within their practice bands")


def test_missing_rep_months_are_the_verdict(generated):
    s = generated.sales
    # Employed rep-months, counted here from the generated sales (one row per KPI and
    # month worked), before three reps' June rows are dropped.
    employed = len(s[["rep_id", "period"]].drop_duplicates())
    three = generated.reps["rep_id"].iloc[:3].tolist()
    gap = s["rep_id"].isin(three) & (s["period"].astype(str) == "2025-06")
    own = Dataset(kpis=generated.kpis, units=generated.units, reps=generated.reps,
                  sales=s[~gap].reset_index(drop=True))  # fmt: skip
    rep = D.build(own)
    assert rep.summary()[0] == (
        f"**Gaps to fix before simulating: 3 of {employed:,} employed rep-months have no "
        f"data ({3 / employed:.1%}).**"
    )
    assert rep.checks[0].verdict == "gaps: see section 2"


def test_bands_read_within_below_above():
    assert D.band_verdict(0.14, 0.10, 0.18) == "within"
    assert D.band_verdict(0.10, 0.10, 0.18) == "within"
    assert D.band_verdict(0.05, 0.10, 0.18) == "below"
    assert D.band_verdict(0.25, 0.10, 0.18) == "above"
    assert D.band_verdict(float("nan"), 0.10, 0.18) == "not measurable"


def test_bad_parameters_name_themselves(generated):
    with pytest.raises(ReportParameterError, match="top_fraction"):
        D.build(generated, top_fraction=1.5)
    with pytest.raises(ReportParameterError, match="volume_kpi 'hv_retention' must be a summed"):
        D.build(generated, volume_kpi="hv_retention")
    with pytest.raises(ReportParameterError, match="volume_kpi 'sales' is not a KPI"):
        D.build(generated, volume_kpi="sales")
    with pytest.raises(ReportParameterError, match="group_level 'area' is not a level"):
        D.build(generated, group_level="area")


def test_tables_have_no_nan_no_snake_case_and_ordered_tenure(generated):
    rep = D.build(generated)
    tenure_table = rep.tenure_mix_table()
    tenure = tenure_table.frame
    bands = [c for c in tenure.columns if c[0] in "<0123456789"]
    assert bands == [b for b in ("<6m", "6-12m", "1-3y", "3-5y", "5y+") if b in bands]
    for t in (
        rep.distribution_table("EUR"),
        rep.attrition_table(),
        tenure_table,
        rep.checks_table(),
    ):
        text = t.frame.to_string()
        assert "nan" not in text.lower() and "_" not in " ".join(t.frame.columns)
    dist = rep.distribution_table("EUR").frame
    revenue = dist[dist["KPI"] == "revenue"].iloc[0]
    assert revenue["median"].startswith("EUR ")


def test_attrition_words_name_the_small_units_whose_rates_swing():
    import pandas as pd

    att = pd.DataFrame({"unit_id": ["N", "N", "S", "S"], "year": [2025, 2026] * 2,
                        "avg_headcount": [100.0, 100.0, 40.0, 44.0], "exits": [12, 16, 4, 8],
                        "rate": [0.12, 0.16, 0.10, 8 / 44]})  # fmt: skip
    company = pd.DataFrame({"year": [2025, 2026], "rate": [0.10, 0.20], "exits": [16, 24]})
    rep = D.DataHealth(None, "revenue", "region", 0.2, pd.DataFrame(), attrition=att,
                       company_attrition=company)  # fmt: skip
    words = rep.attrition_words()
    # (10% + 20%) / 2 = 15.0%, inside the 10-18% band; S averages 42 reps, under 60.
    assert words.startswith("Company-wide attrition averages **15.0%** a year: within the 10%-18%")
    assert "small units (S, under 60 reps)" in words

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
    assert rep.checks[0].verdict == "gaps: see section 3"


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
    assert bands == [b for b in ("<1y", "1-3y", "3-5y", "5y+") if b in bands]
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


def _with_quota_share(share_reached: int, n: int = 100):
    """A DataHealth whose quota table says ``share_reached`` of ``n`` full-year people
    reached quota (one year)."""
    import pandas as pd

    quota = pd.DataFrame({"year": [2025], "reps": [n], "at_quota": [share_reached / n],
                          "median_attainment": [1.0]})  # fmt: skip
    return D.DataHealth(None, "revenue", "region", 0.2, pd.DataFrame(), quota=quota)


@pytest.mark.parametrize(
    ("reached", "words"),
    [
        # The vocabulary's rule (Alexander Group): 60-70% is the design aim, 45% to under
        # 60% hard, over 70% to 85% easy, below 45% too hard, above 85% too easy.
        (58, "below the 60-70% design aim: hard"),
        (60, "within the 60-70% design aim"),
        (70, "within the 60-70% design aim"),
        (80, "above the 60-70% design aim: easy"),
        (44, "too hard: below 45%"),
        (90, "too easy: above 85%"),
    ],
)
def test_share_at_quota_reads_as_on_every_other_page(reached, words):
    from simlib import vocabulary as voc

    text = _with_quota_share(reached).quota_words()
    assert f"**{reached:.1f}%** of full-year reps" in text
    assert f"quota: {words} (Alexander Group design aim;" in text
    assert voc.metric("share_at_quota").read(reached / 100).text == words


def test_share_at_quota_check_uses_the_vocabulary_reading(generated):
    """The check's verdict is the vocabulary's label for the share this data give,
    counted here from the targets and sales of the full-year people."""
    import pandas as pd

    from simlib import vocabulary as voc

    rep = D.build(generated)
    check = next(c for c in rep.checks if c.section == "quota")
    ds = generated
    r = ds.reps
    y = 2025  # the one full calendar year of the data (2024-11 to 2025-12)
    full = r[(r["hire_date"] <= pd.Timestamp(f"{y}-01-01"))
             & (r["exit_date"].isna() | (r["exit_date"] >= pd.Timestamp(f"{y}-12-31")))]  # fmt: skip
    s = ds.sales[(ds.sales["kpi"] == "revenue") & (ds.sales["period"].dt.year == y)]
    t = ds.targets[(ds.targets["kpi"] == "revenue") & (ds.targets["period"].dt.year == y)]
    a = s.groupby("rep_id")["value"].sum().reindex(full["rep_id"])
    q = t.groupby("rep_id")["target"].sum().reindex(full["rep_id"])
    ok = q > 0
    share = float((a[ok] >= q[ok]).mean())
    mt = voc.metric("share_at_quota")
    assert check.value == mt.show(share)
    assert check.verdict == mt.read(share).label
    assert check.words == mt.read(share).text
    assert check.ok == (0.60 <= share <= 0.70)


def test_data_check_findings_are_listed_with_their_handling(generated):
    s = generated.sales
    three = generated.reps["rep_id"].iloc[:3].tolist()
    gap = s["rep_id"].isin(three) & (s["period"].astype(str) == "2025-06")
    own = Dataset(kpis=generated.kpis, units=generated.units, reps=generated.reps,
                  sales=s[~gap].reset_index(drop=True))  # fmt: skip
    rep = D.build(own)
    checks = [f.check for f in rep.findings]
    assert "missing_months" in checks
    table = rep.findings_table().frame
    row = table[table["check"] == "missing months"].iloc[0]
    assert "3" in row["found"] and "Missing is not zero" in row["how it is handled"]
    assert rep.findings_words().startswith(f"**The data checks found {len(rep.findings)} ")
    clean = D.build(generated)  # every employed month has data, the last year is whole
    assert not clean.findings and clean.findings_table() is None
    assert clean.findings_words().startswith("**The data checks found nothing**")

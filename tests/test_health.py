"""Data-health figures, checked by hand on tiny datasets and by properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlib.data import health as H
from simlib.data.dataset import Dataset


def make_year_dataset() -> Dataset:
    """One calendar year (2025), two regions, five reps, numbers checkable by hand.

    ::

        HQ ── N (region) ── N1 (team): a (all year), b (leaves 15 Mar), c (joins 10 Apr)
           └─ S (region) ── S1 (team): d (all year), e (leaves 31 Dec, the last day)

    Monthly revenue: a 100; b 50 (Jan-Mar); c 10 (Apr-Dec); d 300; e 100, 400 in Dec.
    """
    kpis = pd.DataFrame(
        {
            "kpi": ["revenue", "hv_retention"],
            "direction": ["higher", "higher"],
            "unit": ["currency", "rate"],
            "aggregation": ["sum", "mean"],
            "weight_kpi": pd.array([pd.NA, pd.NA], dtype="string"),
            "allow_negative": [False, False],
            "label": ["收入", "保有率"],
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", "N", "S", "N1", "S1"],
            "parent_id": pd.array([pd.NA, "HQ", "HQ", "N", "S"], dtype="string"),
            "level": ["company", "region", "region", "team", "team"],
            "name": ["总部", "北区", "南区", "北一组", "南一组"],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": list("abcde"),
            "unit_id": ["N1", "N1", "N1", "S1", "S1"],
            "position": ["store_sales"] * 5,
            "hire_date": pd.to_datetime(
                ["2020-01-01", "2020-01-01", "2025-04-10", "2019-01-01", "2024-06-01"]
            ),
            "exit_date": pd.to_datetime([None, "2025-03-15", None, None, "2025-12-31"]),
            "base_salary": [70000.0] * 5,
            "grade": ["P1"] * 5,
        }
    )
    months = pd.period_range("2025-01", "2025-12", freq="M")
    rows, targets = [], []
    for i, p in enumerate(months):
        m = i + 1
        vals = {"a": 100.0, "d": 300.0, "e": 400.0 if m == 12 else 100.0}
        if m <= 3:
            vals["b"] = 50.0
        else:
            vals["c"] = 10.0
        for rep, v in vals.items():
            rows.append((rep, p, "revenue", v))
            rows.append((rep, p, "hv_retention", 0.95))
        for rep, tg in {"a": 100.0, "d": 310.0, "e": 120.0}.items():
            targets.append((rep, p, "revenue", tg))
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = sales["period"].astype("period[M]")
    tg = pd.DataFrame(targets, columns=["rep_id", "period", "kpi", "target"])
    tg["period"] = tg["period"].astype("period[M]")
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, targets=tg, source="year")


@pytest.fixture
def year_ds() -> Dataset:
    return make_year_dataset()


# ------------------------------------------------------------------ concentration


def test_lorenz_points():
    lc = H.lorenz([2, 1, 1])
    np.testing.assert_allclose(lc.share_of_reps, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(lc.share_of_value, [0, 0.25, 0.5, 1])


def test_top_share_whole_and_fractional_reps():
    assert H.top_share([1, 2, 3, 4, 10], 0.2) == pytest.approx(10 / 20)
    # 20% of 7 reps = 1.4 reps: the best (4) plus 0.4 of a rep selling 1 -> 4.4 of 10.
    assert H.top_share([1, 1, 1, 1, 1, 1, 4], 0.2) == pytest.approx(0.44)
    assert H.top_share([5, 5, 5, 5], 0.2) == pytest.approx(0.2)


def test_gini_by_hand():
    assert H.gini([3, 3, 3]) == pytest.approx(0.0)
    assert H.gini([0, 0, 0, 1]) == pytest.approx(3 / 4)  # one of n holds all: (n-1)/n
    x = np.array([1, 2, 3, 4, 10], dtype=float)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert H.gini(x) == pytest.approx(mad)


def test_concentration_rejects_negative_or_empty():
    with pytest.raises(ValueError, match="non-negative"):
        H.gini([1, -1])
    with pytest.raises(ValueError, match="positive value"):
        H.lorenz([0, 0])
    with pytest.raises(ValueError, match="fraction"):
        H.top_share([1, 2], 0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1e7, allow_nan=False), min_size=2, max_size=40).filter(
        lambda v: sum(v) > 1e-3
    ),
    st.floats(0.01, 1.0),
    st.floats(0.1, 1000),
)
def test_concentration_properties(values, top, scale):
    g = H.gini(values)
    assert -1e-9 <= g < 1
    s = H.top_share(values, top)
    assert top - 1e-9 <= s <= 1 + 1e-9  # the top x% hold at least x%
    # Scale-free: revenue in yuan or in thousands gives the same figures.
    assert H.gini(np.asarray(values) * scale) == pytest.approx(g, abs=1e-9)
    lc = H.lorenz(values)
    assert (np.diff(lc.share_of_value) >= -1e-12).all()
    assert (lc.share_of_value <= lc.share_of_reps + 1e-12).all()  # below the diagonal


def test_concentration_and_quota_on_a_hand_made_year(year_ds):
    tot = H.annual_totals(year_ds)
    # Full-year reps only: b left in March, c joined in April.
    assert dict(zip(tot.rep_id, tot.value, strict=True)) == {"a": 1200, "d": 3600, "e": 1500}
    c = H.concentration(year_ds)
    assert c.reps.tolist() == [3]
    # Top 20% of 3 reps = 0.6 of the best rep: 0.6 * 3600 / 6300.
    assert c.top_share.iloc[0] == pytest.approx(0.6 * 3600 / 6300)
    q = H.quota_attainment(year_ds)
    # a 1200 vs 1200 (made it), d 3600 vs 3720 (missed), e 1500 vs 1440 (made it).
    assert q.reps.tolist() == [3]
    assert q.at_quota.iloc[0] == pytest.approx(2 / 3)
    assert q.median_attainment.iloc[0] == pytest.approx(1.0)


def test_annual_totals_refuses_a_rate(year_ds):
    with pytest.raises(ValueError, match="not 'sum'"):
        H.annual_totals(year_ds, "hv_retention")


def test_quota_needs_targets(tiny_ds):
    with pytest.raises(ValueError, match="targets"):
        H.quota_attainment(tiny_ds)


# ------------------------------------------------------------------ coverage, distributions


def test_coverage_on_the_tiny_tree(tiny_ds):
    cov = H.coverage(tiny_ds)
    # r3 leaves 20 Feb, r5 joins 10 Feb: Jan r1-r4, Feb all five, Mar r1, r2, r4, r5.
    assert cov.employed.tolist() == [4, 5, 4]
    assert cov.with_data.tolist() == [4, 5, 4]
    assert cov.missing.sum() == 0 and cov.outside_employment.sum() == 0
    assert cov.incomplete.sum() == 0
    assert (cov.coverage == 1).all()
    assert H.missing_rep_months(tiny_ds).empty


def test_coverage_finds_gaps_and_rows_outside_employment(tiny_ds):
    s = tiny_ds.sales
    gap = (s.rep_id == "r2") & (s.period == pd.Period("2026-02", "M"))
    # r1 lost only its January retention row: data, but incomplete.
    gap |= (s.rep_id == "r1") & (s.period == pd.Period("2026-01", "M")) & (s.kpi == "hv_retention")
    extra = pd.DataFrame(
        {
            "rep_id": ["r3"],
            "period": pd.PeriodIndex(["2026-03"], freq="M"),
            "kpi": ["revenue"],
            "value": [1.0],
        }
    )
    ds = Dataset(
        kpis=tiny_ds.kpis,
        units=tiny_ds.units,
        reps=tiny_ds.reps,
        sales=pd.concat([s[~gap], extra], ignore_index=True),
    )
    cov = H.coverage(ds).set_index(ds.periods.astype(str))
    assert cov.loc["2026-02", "missing"] == 1
    assert cov.loc["2026-02", "coverage"] == pytest.approx(4 / 5)
    assert cov.loc["2026-03", "outside_employment"] == 1
    assert cov.incomplete.tolist() == [1, 0, 1]  # r1 in Jan; r3's lone March revenue row
    miss = H.missing_rep_months(ds)
    assert miss.rep_id.tolist() == ["r2"] and str(miss.period.iloc[0]) == "2026-02"


def test_kpi_summary_by_hand(tiny_ds):
    k = H.kpi_summary(tiny_ds).set_index("kpi")
    # Revenue rows: r1 100,200,300; r2 200,400,600; r3 50,100; r4 300,600,900; r5 80,120.
    vals = [100, 200, 300, 200, 400, 600, 50, 100, 300, 600, 900, 80, 120]
    assert k.loc["revenue", "rows"] == 13 and k.loc["revenue", "reps"] == 5
    assert k.loc["revenue", "mean"] == pytest.approx(3950 / 13)
    assert k.loc["revenue", "median"] == 200
    assert k.loc["revenue", "min"] == 50 and k.loc["revenue", "max"] == 900
    assert k.loc["revenue", "p90"] == pytest.approx(np.quantile(vals, 0.9))
    assert k.loc["revenue", "label"] == "Revenue"
    assert k.loc["hv_retention", "zero_share"] == 0


# ------------------------------------------------------------------ seasonality


def test_seasonality_shares_by_hand(year_ds):
    s = H.seasonality(year_ds).set_index(year_ds.periods.astype(str))
    # Company totals: Jan-Mar 550; Apr-Nov 510; Dec 810. Year 6540; Q4 1830.
    assert s.loc["2025-01", "total"] == 550 and s.loc["2025-12", "total"] == 810
    assert s.loc["2025-01", "share_of_quarter"] == pytest.approx(1 / 3)
    assert s.loc["2025-12", "share_of_quarter"] == pytest.approx(810 / 1830)
    assert s.loc["2025-01", "share_of_year"] == pytest.approx(550 / 6540)
    assert s.share_of_year.sum() == pytest.approx(1.0)
    prof = H.seasonality_profile(year_ds).set_index("month_in_quarter")
    assert prof.loc[3, "mean"] == pytest.approx((3 * (1 / 3) + 810 / 1830) / 4)
    assert prof.reference.tolist() == [0.25, 0.30, 0.45]


def test_seasonality_marks_incomplete_quarters(tiny_ds):
    # Only Jan-Mar 2026: Q1 complete, the year not.
    s = H.seasonality(tiny_ds)
    assert s.share_of_quarter.notna().all()
    assert s.share_of_year.isna().all()
    with pytest.raises(ValueError, match="not summed"):
        H.seasonality(tiny_ds, "hv_retention")


# ------------------------------------------------------------------ headcount, attrition


def test_headcount_by_region_by_hand(year_ds):
    hc = H.headcount(year_ds, "region")
    n = hc[hc.unit_id == "N"].headcount.tolist()
    # a all year; b until 15 Mar (not there at the end of March); c from 10 Apr.
    assert n == [2, 2, 1] + [2] * 9
    s = hc[hc.unit_id == "S"].headcount.tolist()
    assert s == [2] * 12  # e's last day is 31 Dec: still there at December's end
    assert set(hc.name) == {"北区", "南区"}
    total = H.headcount(year_ds, None).headcount.tolist()
    assert total == [a + b for a, b in zip(n, s, strict=True)]


def test_attrition_by_hand(year_ds):
    a = H.attrition(year_ds, "region").set_index("unit_id")
    assert a.loc["N", "exits"] == 1 and a.loc["S", "exits"] == 1
    assert a.loc["N", "avg_headcount"] == pytest.approx(23 / 12)
    assert a.loc["N", "rate"] == pytest.approx(12 / 23)
    assert a.loc["S", "rate"] == pytest.approx(0.5)
    co = H.attrition(year_ds, None)
    assert co.rate.iloc[0] == pytest.approx(2 / (47 / 12))


def test_attrition_at_a_level_skipped_by_an_unbalanced_tree(tiny_ds):
    # Only three months: no complete year, so no attrition rows (rather than a wrong rate).
    assert H.attrition(tiny_ds, "branch").empty
    # The stand-in for S1 at branch level is the team itself.
    hc = H.headcount(tiny_ds, "branch")
    assert set(hc.unit_id) == {"N1", "S1"}


def test_a_rep_above_the_level_is_still_counted(tiny_ds):
    """A rep attached straight to region N, grouped by team: counted under N itself."""
    reps = pd.concat(
        [tiny_ds.reps, tiny_ds.reps.iloc[[0]].assign(rep_id="r6", unit_id="N")], ignore_index=True
    )
    ds = Dataset(kpis=tiny_ds.kpis, units=tiny_ds.units, reps=reps, sales=tiny_ds.sales)
    hc = H.headcount(ds, "team")
    jan = hc[hc.period == pd.Period("2026-01", "M")].set_index("unit_id").headcount
    assert jan.to_dict() == {"N1a": 2, "N1b": 1, "S1": 1, "N": 1}
    assert H.headcount(ds, None).headcount.iloc[0] == 5


def test_tenure_bands(year_ds):
    b = H.tenure_bands(year_ds, at="2025-12-31")
    # a: 6 years; b: 5.2 at the exit in March; c: under 9 months; d: 7 years; e: 1.6 years.
    assert b.to_dict() == {"a": "5y+", "b": "5y+", "c": "<1y", "d": "5y+", "e": "1-3y"}


def test_a_tenure_band_begins_at_its_edge():
    from simlib.data.tenure import TENURE_BANDS, tenure_band

    at = pd.Timestamp("2026-01-01")
    # 365.25 days make a year: 1 year before `at` is 365 days (2025 was not a leap year),
    # just under 1 * 365.25; 366 days is just over it.
    days = [0, 365, 366, 3 * 366, 5 * 366, -30]
    hires = pd.Series([at - pd.Timedelta(days=d) for d in days], index=list("uvwxyz"))
    got = tenure_band(hires, at)
    assert got.to_dict() == {
        "u": "<1y",
        "v": "<1y",
        "w": "1-3y",
        "x": "3-5y",
        "y": "5y+",
        "z": "<1y",  # hired after the date: not yet a year
    }
    assert set(got) <= set(TENURE_BANDS)


def test_references_cite_their_sources():
    assert H.REFERENCES["top20_share"].source == "CSO Insights"
    assert H.REFERENCES["attrition"].typical == pytest.approx(0.14)
    for ref in H.REFERENCES.values():
        assert ref.low <= ref.typical <= ref.high and ref.source
    assert H.REFERENCES["ramp_months"].low == 3 and H.REFERENCES["ramp_months"].high == 5


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), level=st.sampled_from(["region", "branch", "team"]))
def test_unit_figures_add_up_to_the_company(seed, level):
    """Headcount and exits by unit sum to the company's, at any level of an unbalanced tree."""
    from simlib.data.synthetic import generate

    ds = generate(n_reps=60, months=24, seed=seed, n_regions=3)
    by_unit = H.headcount(ds, level).groupby("period").headcount.sum()
    company = H.headcount(ds, None).set_index("period").headcount
    pd.testing.assert_series_equal(by_unit, company, check_names=False)
    a = H.attrition(ds, level).groupby("year").exits.sum()
    c = H.attrition(ds, None).set_index("year").exits
    pd.testing.assert_series_equal(a, c, check_names=False)
    # Exits counted independently from the raw reps table.
    for y, n in c.items():
        assert n == (ds.reps.exit_date.dt.year == y).sum()


# ------------------------------------------------------------------ fixed defects: data loading and validation


def test_placeholder_exit_date_9999_means_still_employed(year_ds):
    """HR systems write 9999-12-31 for "still employed"; it is beyond datetime64[ns]
    (years 1677-2262), so a cast to nanoseconds would wrap it to 1816 and drop d."""
    reps = year_ds.reps.copy()
    reps["exit_date"] = reps["exit_date"].astype("datetime64[us]")
    reps.loc[reps.rep_id == "d", "exit_date"] = pd.Timestamp("9999-12-31").as_unit("us")
    ds = Dataset(kpis=year_ds.kpis, units=year_ds.units, reps=reps, sales=year_ds.sales)
    # The same figures as with an empty exit date (d is employed all year).
    hc = H.headcount(ds, "region")
    assert hc[hc.unit_id == "S"].headcount.tolist() == [2] * 12
    a = H.attrition(ds, "region").set_index("unit_id")
    assert a.loc["S", "exits"] == 1 and a.loc["S", "rate"] == pytest.approx(0.5)
    cov = H.coverage(ds)
    assert cov.missing.sum() == 0 and cov.outside_employment.sum() == 0
    assert "d" in set(H.full_year_reps(ds, 2025))
    assert H.tenure_bands(ds, at="2025-12-31")["d"] == "5y+"


def _renamed(ds: Dataset) -> Dataset:
    """The same data with a user's own names: KPIs sales_amount / visits / retention,
    levels company -> division -> area. Nothing is called revenue or region."""
    kpis = ds.kpis.copy()
    names = {"revenue": "sales_amount", "hv_retention": "retention"}
    kpis["kpi"] = kpis["kpi"].replace(names)
    units = ds.units.assign(level=ds.units["level"].replace({"region": "division", "team": "area"}))
    sales = ds.sales.assign(kpi=ds.sales["kpi"].replace(names))
    tg = ds.targets.assign(kpi=ds.targets["kpi"].replace(names))
    return Dataset(kpis=kpis, units=units, reps=ds.reps, sales=sales, targets=tg)


def test_defaults_come_from_the_data_not_from_sample_names(year_ds):
    own = _renamed(year_ds)
    assert H.default_volume_kpi(own) == "sales_amount"
    assert H.default_group_level(own) == "division"
    # Each default figure equals the one asked for by name on the original data.
    pd.testing.assert_frame_equal(H.concentration(own), H.concentration(year_ds, "revenue"))
    pd.testing.assert_frame_equal(H.seasonality(own), H.seasonality(year_ds, "revenue"))
    pd.testing.assert_frame_equal(H.headcount(own), H.headcount(year_ds, "region"))
    pd.testing.assert_frame_equal(H.attrition(own), H.attrition(year_ds, "region"))
    pd.testing.assert_frame_equal(H.quota_attainment(own), H.quota_attainment(year_ds, "revenue"))


def test_default_volume_kpi_prefers_currency_then_any_sum(year_ds):
    k = year_ds.kpis
    counts_first = pd.concat(
        [
            pd.DataFrame(
                {
                    "kpi": ["visits"],
                    "direction": ["higher"],
                    "unit": ["count"],
                    "aggregation": ["sum"],
                    "weight_kpi": pd.array([pd.NA], dtype="string"),
                    "allow_negative": [False],
                    "label": ["Visits"],
                }
            ),
            k,
        ],
        ignore_index=True,
    )
    ds = Dataset(kpis=counts_first, units=year_ds.units, reps=year_ds.reps, sales=year_ds.sales)
    assert H.default_volume_kpi(ds) == "revenue"  # currency beats an earlier count
    no_money = counts_first.assign(unit=["count", "count", "rate"])
    ds = Dataset(kpis=no_money, units=year_ds.units, reps=year_ds.reps, sales=year_ds.sales)
    assert H.default_volume_kpi(ds) == "visits"  # else the first summed KPI
    only_rates = k.assign(aggregation=["mean", "mean"])
    ds = Dataset(kpis=only_rates, units=year_ds.units, reps=year_ds.reps, sales=year_ds.sales)
    with pytest.raises(ValueError, match="no KPI rolls up by sum"):
        H.default_volume_kpi(ds)

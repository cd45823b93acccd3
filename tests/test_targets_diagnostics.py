"""Proposal, calendarization, difficulty, reconciliation: checked against closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simlib as sl
from simlib.data.dataset import Dataset
from simlib.targets import cascade, difficulty, propose_company_target, reconcile, seasonal_profile
from simlib.targets.diagnostics import BAND, _cond_p, _flag, _group_shares, _p_reach


def one_rep_dataset(values: dict[str, np.ndarray], start: str = "2024-01") -> Dataset:
    """A company with one region, one team and one rep; ``values`` per KPI by month."""
    n = len(next(iter(values.values())))
    periods = pd.period_range(start, periods=n, freq="M")
    rows = [("r1", p, k, float(v[i])) for k, v in values.items() for i, p in enumerate(periods)]
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = sales["period"].astype("period[M]")
    kinds = {"revenue": ("currency", "sum"), "rate": ("rate", "mean")}
    kpis = pd.DataFrame(
        {
            "kpi": list(values),
            "direction": ["higher"] * len(values),
            "unit": [kinds[k][0] for k in values],
            "aggregation": [kinds[k][1] for k in values],
            "weight_kpi": pd.array([pd.NA] * len(values), dtype="string"),
            "allow_negative": [False] * len(values),
            "label": list(values),
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", "R", "T"],
            "parent_id": pd.array([pd.NA, "HQ", "R"], dtype="string"),
            "level": ["company", "region", "team"],
            "name": ["HQ", "R", "T"],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["r1"],
            "unit_id": ["T"],
            "position": ["am"],
            "hire_date": pd.to_datetime(["2020-01-01"]),
            "exit_date": pd.to_datetime([None]),
            "base_salary": [1.0],
            "grade": ["P1"],
        }
    )
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, source="one-rep")


def test_seasonal_profile_is_the_average_month_share():
    # 2024: every month 10 (share 1/12); 2025: month m sells 10 m (share m / 78).
    m = np.arange(1, 13)
    ds = one_rep_dataset({"revenue": np.concatenate([np.full(12, 10.0), 10.0 * m])})
    prof = seasonal_profile(ds, "revenue", years=2, before=2026).loc["HQ"].to_numpy()
    assert prof == pytest.approx((1 / 12 + m / 78) / 2)
    only_last = seasonal_profile(ds, "revenue", years=1, before=2026).loc["HQ"].to_numpy()
    assert only_last == pytest.approx(m / 78)


def test_seasonal_calendarization_by_hand():
    # One full year with month m selling m: profile m / 78. An annual target of 7,800
    # becomes 100 m per month, exactly, for the rep, the team and the company.
    m = np.arange(1, 13)
    ds = one_rep_dataset({"revenue": m.astype(float)}, start="2025-01")
    c = cascade(ds, {"revenue": 7800}, {"calendarization": {"years": 1}})
    for node in ("r1", "T", "HQ"):
        t = c.targets
        rows = t[(t["rep_id"] == node) | ((t["rep_id"].isna()) & (t["unit_id"] == node))]
        assert rows.sort_values("period")["target"].tolist() == (100 * m).tolist()


def test_propose_company_target_recovers_a_flat_seasonal_series():
    # Three years of a stable seasonal pattern with 1% noise: the baseline for the
    # fourth year is 12 * 1000 = 12,000 within a few percent, inside its interval,
    # and the proposal is exactly forecast x (1 + growth).
    rng = np.random.default_rng(4)
    season = 1 + 0.3 * np.sin(np.arange(36) / 12 * 2 * np.pi)
    y = 1000 * season * (1 + 0.01 * rng.standard_normal(36))
    rate = np.clip(0.9 + 0.005 * rng.standard_normal(36), 0, 1)
    ds = one_rep_dataset({"revenue": y, "rate": rate})
    p = propose_company_target(ds, growth={"revenue": 0.05, "rate": 0.01}, repetitions=500)
    r = p.set_index("kpi").loc["revenue"]
    assert r["year"] == 2027
    assert r["forecast"] == pytest.approx(12_000, rel=0.04)
    assert r["lower"] < r["forecast"] < r["upper"]
    assert r["proposed_target"] == pytest.approx(r["forecast"] * 1.05)
    assert r["last_year_actual"] == pytest.approx(y[24:].sum())
    q = p.set_index("kpi").loc["rate"]
    assert q["forecast"] == pytest.approx(0.9, abs=0.01)
    assert q["proposed_target"] == pytest.approx(q["forecast"] + 0.01)  # points for rates
    b = propose_company_target(ds, "revenue", growth=0.1, basis="last_year", repetitions=200)
    assert b["proposed_target"].item() == pytest.approx(y[24:].sum() * 1.1)


def test_propose_needs_a_year_of_history():
    ds = one_rep_dataset({"revenue": np.ones(6)})
    with pytest.raises(sl.targets.CascadeError, match="at least 12 months"):
        propose_company_target(ds)


def test_common_shock_integration_matches_the_closed_form():
    # E_z[1 - Phi((g - s_c z) / s_i)] = 1 - Phi(g / sqrt(s_c^2 + s_i^2)) for z ~ N(0, 1).
    g = np.array([-0.3, 0.0, 0.1, 0.4, 1.0])
    have = np.ones(5, dtype=bool)
    s_c, s_i = 0.1, 0.2
    z, wz = np.polynomial.hermite_e.hermegauss(32)
    wz = wz / wz.sum()
    P = _cond_p(g, have, s_c, s_i, z, lower_better=False)
    marginal = stats.norm.sf(g / np.hypot(s_c, s_i))
    assert wz @ P == pytest.approx(marginal, abs=1e-9)
    Pb = _cond_p(g, have, s_c, s_i, np.array([-1.645, 1.645]), False)
    out = _group_shares(P, Pb, have, wz, [np.zeros(5, dtype=int)], 1)
    assert out["share_at_or_above"][0] == pytest.approx(marginal.mean(), abs=1e-9)
    # The bad-year share is the mean of the conditional probabilities at z = -1.645.
    assert out["share_low"][0] == pytest.approx(stats.norm.sf((g + s_c * 1.645) / s_i).mean())


def test_share_sd_without_common_shock_is_poisson_binomial():
    g = np.array([-0.2, 0.0, 0.3])
    have = np.ones(3, dtype=bool)
    z, wz = np.polynomial.hermite_e.hermegauss(8)
    wz = wz / wz.sum()
    P = _cond_p(g, have, 0.0, 0.25, z, False)
    Pb = _cond_p(g, have, 0.0, 0.25, np.array([-1.645, 1.645]), False)
    out = _group_shares(P, Pb, have, wz, [np.zeros(3, dtype=int)], 1)
    p = stats.norm.sf(g / 0.25)
    assert out["share_sd"][0] == pytest.approx(np.sqrt((p * (1 - p)).sum()) / 3)


def test_p_reach_closed_form_and_edge_cases():
    # Target 10% above forecast with sigma 0.2: 1 - Phi(ln 1.1 / 0.2).
    assert _p_reach([110.0], [100.0], 0.2, False, False)[0] == pytest.approx(
        stats.norm.sf(np.log(1.1) / 0.2)
    )
    # Lower is better: the complement.
    assert _p_reach([110.0], [100.0], 0.2, False, True)[0] == pytest.approx(
        stats.norm.cdf(np.log(1.1) / 0.2)
    )
    # Rates: differences on the normal scale; no forecast -> NaN; zero target reached.
    assert _p_reach([0.92], [0.9], 0.01, True, False)[0] == pytest.approx(stats.norm.sf(2.0))
    assert np.isnan(_p_reach([1.0], [np.nan], 0.2, False, False)[0])
    assert _p_reach([0.0], [5.0], 0.2, False, False)[0] == 1.0


def test_flags_follow_the_practice_bands():
    got = _flag(np.array([0.3, 0.5, 0.65, 0.8, 0.9, np.nan])).tolist()
    # The vocabulary's rule and words, the same as every report page uses.
    assert got == [
        "too hard: below 45%",
        "below the 60-70% design aim: hard",
        "within the 60-70% design aim",
        "above the 60-70% design aim: easy",
        "too easy: above 85%",
        "no forecast",
    ]
    assert BAND == (0.60, 0.70)


@pytest.fixture(scope="module")
def synth(small_ds_five_regions):
    ds = small_ds_five_regions
    prop = propose_company_target(ds, repetitions=300)
    c = cascade(ds, prop, {"rounding": {"currency": 1000}})
    return ds, prop, c


def test_difficulty_consistency(synth):
    ds, prop, c = synth
    d = difficulty(c, ds, prop)
    for kpi in c.company_target:
        reps = d.reps[d.reps["kpi"] == kpi]
        top = d.units[(d.units["kpi"] == kpi) & (d.units["level"] == "company")].iloc[0]
        # The expected share is the mean of the reps' marginal probabilities.
        assert top["share_at_or_above"] == pytest.approx(reps["p_reach"].mean(), abs=1e-6)
        assert top["share_low"] <= top["share_at_or_above"] <= top["share_high"]
        assert top["reps"] == len(reps)
        # Difficulty = target / forecast, and the bottom-up company forecast (summed
        # KPIs) is the sum of the reps' forecasts.
        assert np.allclose(reps["difficulty"], reps["target"] / reps["forecast"], equal_nan=True)
        if ds.kpi(kpi)["aggregation"] == "sum":
            assert top["forecast_bottom_up"] == pytest.approx(np.nansum(reps["forecast"]))
        # Region shares average the same reps: count-weighted they give the total.
        g = d.groups[(d.groups["kpi"] == kpi) & (d.groups["by"] == "region")]
        n = reps.groupby("region")["p_reach"].count().reindex(g["group"]).to_numpy()
        assert (g["share_at_or_above"].to_numpy() * n).sum() / n.sum() == pytest.approx(
            top["share_at_or_above"], abs=1e-6
        )


def test_harder_targets_lower_the_share(synth):
    ds, prop, _ = synth
    # Revenue only: 1.2 x a retention forecast would be a rate above 1 (refused).
    fc = dict(zip(prop["kpi"], prop["forecast"], strict=True))
    easy = cascade(ds, {"revenue": fc["revenue"] * 0.8}, {})
    hard = cascade(ds, {"revenue": fc["revenue"] * 1.2}, {})
    de, dh = difficulty(easy, ds, prop), difficulty(hard, ds, prop)
    top = "level == 'company' and kpi == 'revenue'"
    assert (
        de.units.query(top)["share_at_or_above"].item()
        > dh.units.query(top)["share_at_or_above"].item()
    )


def two_region_dataset() -> Dataset:
    """HQ > regions A, B > one team each > 10 reps each; 2024 and 2025 monthly sales.

    Region A's reps sell 100 a month in 2024 and 121 in 2025 (+21%); region B's sell
    100 in both years (flat).
    """
    periods = pd.period_range("2024-01", "2025-12", freq="M")
    rows = []
    for reg, v25 in (("A", 121.0), ("B", 100.0)):
        for i in range(10):
            for p in periods:
                rows.append((f"{reg}{i}", p, "revenue", 100.0 if p.year == 2024 else v25))
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = sales["period"].astype("period[M]")
    kpis = pd.DataFrame(
        {
            "kpi": ["revenue"],
            "direction": ["higher"],
            "unit": ["currency"],
            "aggregation": ["sum"],
            "weight_kpi": pd.array([pd.NA], dtype="string"),
            "allow_negative": [False],
            "label": ["Revenue"],
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", "A", "B", "TA", "TB"],
            "parent_id": pd.array([pd.NA, "HQ", "HQ", "A", "B"], dtype="string"),
            "level": ["company", "region", "region", "team", "team"],
            "name": ["HQ", "A", "B", "TA", "TB"],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": [f"{r}{i}" for r in "AB" for i in range(10)],
            "unit_id": ["TA"] * 10 + ["TB"] * 10,
            "position": "am",
            "hire_date": pd.to_datetime(["2020-01-01"] * 20),
            "exit_date": pd.to_datetime([None] * 20),
            "base_salary": 1.0,
            "grade": "P1",
        }
    )
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, source="two-region")


def test_reconcile_uses_each_units_own_forecast_by_hand():
    # A proposal given by hand: the
    # company forecast 29,172 = 1.1 x the 2025 total 26,520 (A 10 x 121 x 12 = 14,520,
    # B 12,000), so the company trend is 1.1. Cascade 29,172 by last year's shares:
    # A 14,520 / 26,520 x 29,172 = 15,972, B 13,200.
    # Own trends (same reps, 2025 vs 2024): A 121/100 = 1.21, B 1.0; credibility
    # 10 / (10 + 10) = 0.5, so A's trend is sqrt(1.1 x 1.21) and B's sqrt(1.1 x 1.0).
    # Own forecasts: A 14,520 x sqrt(1.331) = 16,751.6, B 12,000 x sqrt(1.1) = 12,585.7.
    # Gaps (target - own forecast): A 15,972 - 16,751.6 = -779.6 (the fast region's
    # target is easy), B 13,200 - 12,585.7 = +614.3 (the flat region's is hard).
    # Company: 20 reps, credibility 20/30; own 26,520 / 24,000 = 1.105.
    ds = two_region_dataset()
    prop = pd.DataFrame(
        {
            "kpi": ["revenue"],
            "forecast": [29_172.0],
            "lower": [27_000.0],
            "upper": [31_500.0],
            "level": [0.9],
            "proposed_target": [29_172.0],
        }
    )
    c = cascade(ds, prop, {"calendarization": {"method": "flat"}})
    rec = reconcile(difficulty(c, ds, prop)).set_index("unit_id")
    fa = 14_520 * np.sqrt(1.1 * 1.21)
    fb = 12_000 * np.sqrt(1.1)
    fhq = 26_520 * 1.1 ** (1 / 3) * (26_520 / 24_000) ** (2 / 3)
    assert rec.loc["A", "target"] == 15_972 and rec.loc["B", "target"] == 13_200
    assert rec.loc["A", "forecast"] == pytest.approx(fa, rel=1e-9)
    assert rec.loc["B", "forecast"] == pytest.approx(fb, rel=1e-9)
    assert rec.loc["HQ", "forecast"] == pytest.approx(fhq, rel=1e-9)
    assert rec.loc["A", "gap"] == pytest.approx(15_972 - fa, rel=1e-9)
    assert rec.loc["B", "gap"] == pytest.approx(13_200 - fb, rel=1e-9)
    assert round(rec.loc["A", "gap"], 1) == -779.6 and round(rec.loc["B", "gap"], 1) == 614.3
    # The bottom-up figure at the company trend hides the difference: both regions'
    # targets equal it exactly (15,972 and 13,200), gap 0.
    assert rec.loc["A", "forecast_bottom_up"] == pytest.approx(15_972)
    assert rec.loc["B", "forecast_bottom_up"] == pytest.approx(13_200)
    assert set(rec["level"]) == {"company", "region", "team"}
    assert rec.iloc[0]["level"] == "company"


def test_growth_is_an_improvement_for_lower_is_better_kpis():
    # two years of 100 a month; basis last_year = 1,200. Growth 0.1 on a
    # higher-is-better KPI -> 1,320; on a lower-is-better one (cost) -> 1,080.
    ds = one_rep_dataset({"revenue": np.full(24, 100.0)})
    up = propose_company_target(ds, growth=0.1, basis="last_year", repetitions=50)
    assert up["proposed_target"].item() == pytest.approx(1_320)
    kpis = ds.kpis.assign(direction="lower")
    low = Dataset(kpis=kpis, units=ds.units, reps=ds.reps, sales=ds.sales)
    down = propose_company_target(low, growth=0.1, basis="last_year", repetitions=50)
    assert down["proposed_target"].item() == pytest.approx(1_080)


def test_model_label_names_the_error_type_simulated():
    # A positive series whose seasonal swing grows with its level (multiplicative
    # seasonality): the interval is simulated with multiplicative errors, and the
    # label must say so (ETS(M,...)), not ETS(A,...).
    t = np.arange(36)
    y = (100 + 10 * t) * (1 + 0.5 * np.sin(t % 12 / 12 * 2 * np.pi))
    label = propose_company_target(one_rep_dataset({"revenue": y}), repetitions=50)["model"]
    assert label.item().startswith("ETS(M,") and ",M)" in label.item()


def test_rate_kpi_weighted_by_weight_kpi(tiny_ds):
    # hv_retention weighted by revenue. 2026: r1 retention 0.9 on revenue
    # 600, r2 0.8 on 1,200 -> N1a (0.9 x 600 + 0.8 x 1,200) / 1,800 = 0.8333 (the
    # headcount mean would be 0.85). r4 0.95 on 1,800 and r5 0.6 on 200 -> S1
    # (1,710 + 120) / 2,000 = 0.915 (headcount mean 0.775).
    kpis = tiny_ds.kpis.copy()
    kpis["weight_kpi"] = pd.array([pd.NA, "revenue"], dtype="string")
    ds = Dataset(kpis=kpis, units=tiny_ds.units, reps=tiny_ds.reps, sales=tiny_ds.sales)
    flat = {"calendarization": {"method": "flat"}}
    a = cascade(ds, {"hv_retention": 0.9}, flat).annual.set_index("node_id")
    assert a.loc["N1a", "last_year_actual"] == pytest.approx(1500 / 1800)
    assert a.loc["S1", "last_year_actual"] == pytest.approx(1830 / 2000)
    b = cascade(tiny_ds, {"hv_retention": 0.9}, flat).annual.set_index("node_id")
    assert b.loc["N1a", "last_year_actual"] == pytest.approx(0.85)
    # The company's monthly series is weighted too: January 2026 is
    # (0.9 x 100 + 0.8 x 200 + 0.7 x 50 + 0.95 x 300) / 650 (r5 not yet hired).
    from simlib.targets.diagnostics import _company_series

    jan = _company_series(ds, "hv_retention").iloc[0]
    assert jan == pytest.approx((90 + 160 + 35 + 285) / 650)

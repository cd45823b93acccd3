"""Estimators: recovery of known parameters, coverage of their 95% intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib import behavior as bh
from simlib.behavior.recovery import coverage, simulate_panel
from simlib.data.synthetic import EmbeddedBehavior, generate


# ------------------------------------------------------------- coverage (recovery)
@pytest.mark.parametrize(
    "name, kw",
    [
        ("quarter_end_lift", {"quarter_end_lift": 0.2}),
        ("did_effect", {"effect": 0.08}),
        ("target_up", {"up": 0.6, "down": 0.2}),
        ("target_down", {"up": 0.6, "down": 0.2}),
        pytest.param("sigma_month", {}, marks=pytest.mark.slow),  # 200 full panel fits
    ],
)
def test_95pct_intervals_cover_the_truth_at_close_to_nominal_rate(name, kw):
    # 200 simulated histories with known parameters; the share of 95% intervals
    # containing the truth must lie in [0.90, 0.99] (binomial s.d. at 0.95 and
    # n = 200 is 0.015, so this band is about -3.3 / +2.7 s.d.).
    cov, values = coverage(name, n_datasets=200, seed=7, **kw)
    assert 0.90 <= cov <= 0.99, (name, cov)
    truth = simulate_panel(0, **kw).truth[name]
    # And the estimator is centred on the truth (mean over datasets within 3 s.e.).
    assert abs(values.mean() - truth) < 3 * values.std() / np.sqrt(len(values)) + 1e-3


def test_bunching_test_has_its_nominal_false_alarm_rate():
    # No manipulation: lognormal attainment. The estimate's truth is 0.
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(200):
        a = np.exp(rng.normal(0.0, 0.25, 3000))
        hits += bh.threshold_bunching(a, 1.0).covers(0.0)
    assert 0.90 <= hits / 200 <= 0.99


def test_bunching_test_finds_a_hockey_stick():
    # Move 40% of results within 10 points below 100% to just above it.
    rng = np.random.default_rng(5)
    a = np.exp(rng.normal(0.0, 0.25, 3000))
    near = (a > 0.9) & (a < 1.0) & (rng.random(3000) < 0.4)
    a[near] = 1.0 + rng.uniform(0, 0.02, near.sum())
    e = bh.threshold_bunching(a, 1.0)
    assert e.ci[0] > 0.2


# ------------------------------------------------------------- panel model
def test_panel_components_recover_known_sigmas():
    # y = rep-year level + company shock + region shock + noise, 2 regions.
    rng = np.random.default_rng(0)
    R, years = 400, 3
    T = 12 * years
    periods = pd.period_range("2024-01", periods=T, freq="M")
    region = rng.integers(0, 2, R)
    s_rep, s_c, s_g, s_e = 0.12, 0.05, 0.04, 0.25
    yi = np.repeat(np.arange(years), 12)
    y = (
        rng.normal(4, 0.3, R)[:, None]
        + rng.normal(0, s_rep, (R, years))[:, yi]
        + rng.normal(0, s_c, T)[None, :]
        + rng.normal(0, s_g, (2, T))[region]
        + rng.normal(0, s_e, (R, T))
    )
    est, season = bh.panel_components(y, periods, region)
    for name, truth in [("sigma_month", s_e), ("sigma_company", s_c), ("sigma_rep", s_rep)]:
        e = est[name]
        assert abs(e.estimate - truth) < 4 * e.se, (name, e.estimate, e.se)
    # Two regions give few region-month cells: a loose check only.
    assert 0.02 < est["sigma_region"].estimate < 0.07
    assert season.shape == (12,) and abs(season.sum()) < 1e-9


def test_panel_fit_supplies_the_engine_parametric_model():
    import simlib as sl
    from simlib.engine.simulate import PARAMETRIC_OPTIONS

    ds = generate(n_reps=60, months=36, seed=3, n_regions=2)
    fit = bh.fit_sales_panel(ds)
    opts = fit.sales_options()
    assert set(opts) == set(PARAMETRIC_OPTIONS) - {"kpi_correlation"}
    assert all(len(opts[k]) == len(ds.kpi_names) for k in opts if k.startswith("sigma_"))
    # The generator's common shocks are AR(1) with persistence 0.6 (calibration):
    # within-year demeaning biases a short history's estimate down, but it stays positive.
    assert 0.0 < opts["rho_company"] < 0.95 and 0.0 <= opts["rho_region"] < 0.95
    # Revenue noise in the generator: monthly log sd 0.25 plus Poisson and revenue
    # mix noise, so the individual component must exceed 0.25; shocks are smaller.
    i = ds.kpi_names.index("revenue")
    assert opts["sigma_month"][i] > 0.25
    assert opts["sigma_company"][i] < opts["sigma_month"][i]
    res = sl.simulate(
        ds=ds, plan="scenarios/plans/store_sales_commission.yaml", draws=4, seed=1,
        sales_options=opts, progress=False,
    )  # fmt: skip
    assert len(res.per_draw) == 4
    # The fit also builds the engine's model directly (the design's behavior.fit -> SalesModel).
    from simlib.engine.sales import Layout, ParametricSales

    lay = Layout.from_dataset(ds, pd.period_range("2026-01", "2026-12", freq="M"))
    model = ParametricSales.from_panel(bh.fit(ds), lay, np.full(lay.shape, 0.5))
    assert model.sigma_month[i] == pytest.approx(opts["sigma_month"][i])
    assert model.draw(np.random.default_rng(0)).shape == lay.shape
    assert all(np.isfinite(e.se) for e in fit.estimates if np.isfinite(e.estimate))


# ------------------------------------------------------------- the generator's options
@pytest.fixture(scope="module")
def embedded():
    eb = EmbeddedBehavior(timing_share=0.5, holdback=0.6)
    return generate(n_reps=600, months=36, seed=21, behavior=eb)


@pytest.fixture(scope="module")
def plain():
    return generate(n_reps=600, months=36, seed=21)


def test_embedded_timing_shows_as_bunching_at_quota(embedded, plain):
    e = bh.threshold_bunching_ds(embedded, "revenue", period="quarter")
    assert e.ci[0] > 0  # a hockey stick at 100% of the quarterly quota
    assert bh.threshold_bunching_ds(plain, "revenue", period="quarter").ci[0] < 0.3


def test_embedded_holdback_shows_at_annual_quota(embedded, plain):
    e = bh.ratchet_test_ds(embedded)["holdback_bunching"]
    p = bh.ratchet_test_ds(plain)["holdback_bunching"]
    assert e.estimate > p.estimate + 0.2


def test_embedded_plan_change_is_found_by_did():
    # Plan change alone: with hold-back embedded too, treated reps beating their
    # (last-year-based) quota would hold part of the uplift back, by design.
    ds = generate(n_reps=400, months=36, seed=21,
                  behavior=EmbeddedBehavior(plan_change=("store_sales", "2026-01", 0.10)))  # fmt: skip
    e = bh.did_effect_ds(ds, "store_sales", "2026-01", rate_ratio=1.5)
    assert e["effect"].covers(0.10)
    assert e["effect"].ci[0] > 0
    assert e["elasticity"].estimate == pytest.approx(e["effect"].estimate / np.log(1.5))


def test_ratchet_rule_in_the_sample_generator_is_asymmetric(plain):
    # The generator sets next year's quota at last year's actual x 1.05 after a
    # beat and forgives half the shortfall after a miss (calibration.shortfall_forgiven
    # = 0.5): in quota units up = 1.05, down = 1.05 x 0.5 = 0.525 for established reps.
    r = bh.ratchet_test_ds(plain)
    assert r["target_up"].estimate == pytest.approx(1.05, abs=0.05)
    assert r["asymmetry"].ci[0] > 0


def test_embedded_behaviour_keeps_totals_except_what_slips_out():
    eb = EmbeddedBehavior(timing_share=0.5)
    a = generate(n_reps=60, months=24, seed=2, behavior=eb)
    b = generate(n_reps=60, months=24, seed=2)
    ra = a.sales.loc[a.sales.kpi == "revenue", "value"].to_numpy()
    rb = b.sales.loc[b.sales.kpi == "revenue", "value"].to_numpy()
    assert (ra >= 0).all()
    # Pulls move revenue within the history; quotas follow, the shocks do not.
    assert abs(ra.sum() - rb.sum()) < 0.02 * rb.sum()
    assert not np.array_equal(ra, rb)


def test_embedded_behaviour_validates_its_options():
    with pytest.raises(ValueError, match="timing_share"):
        EmbeddedBehavior(timing_share=1.5)
    with pytest.raises(ValueError, match="month like"):
        EmbeddedBehavior(plan_change=("store_sales", "Jan 2026", 0.1))
    with pytest.raises(ValueError, match="position must be one of"):
        generate(n_reps=60, months=12, seed=1,
                 behavior=EmbeddedBehavior(plan_change=("ceo", "2026-01", 0.1)))  # fmt: skip


# ------------------------------------------------------------- the result type
def test_estimate_interval_and_summary():
    e = bh.Estimate("x", 1.0, 0.5, "a caveat", n=10)
    assert e.ci == pytest.approx((1.0 - 1.959964 * 0.5, 1.0 + 1.959964 * 0.5))
    t = bh.Estimate("x", 1.0, 0.5, "c", df=4)  # t(4) 97.5% = 2.776
    assert t.ci[1] == pytest.approx(1.0 + 2.776445 * 0.5, rel=1e-6)
    assert "a caveat" in e.summary() and "95% CI" in e.summary()
    assert set(bh.estimates_frame([e, t]).columns) >= {"estimate", "value", "se", "caveat"}


def test_did_rejects_a_change_outside_the_history():
    p = simulate_panel(1)
    with pytest.raises(bh.BehaviorError, match="inside the history"):
        bh.did_effect(p.sales, p.periods, p.treated, "2030-01")

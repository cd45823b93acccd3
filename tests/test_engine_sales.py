"""Sales uncertainty models, checked against closed forms and the history they resample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.data.dataset import Dataset
from simlib.engine import BootstrapSales, Layout, ParametricSales, SalesModelError, draw_generators
from simlib.engine.sales import SmallHistoryWarning


def _layout(n_reps: int, periods: pd.PeriodIndex, kpis=("revenue",), rate=(False,), regions=None):
    region = np.zeros(n_reps, dtype=np.int64) if regions is None else np.asarray(regions)
    return Layout(
        rep_ids=np.array([f"r{i}" for i in range(n_reps)]),
        periods=periods,
        kpis=tuple(kpis),
        region=region,
        is_rate=np.array(rate),
    )


def _draws(model, n, seed=3):
    return np.stack([model.draw(g) for g in draw_generators(seed, 0, n)])


def test_parametric_lognormal_matches_its_closed_form():
    # ln S = ln m - s2/2 + sum of independent normal shocks, so E[S] = m and
    # Var(ln S) = s2 = 0.3^2 + 0.1^2 + 0.05^2 + 0.2^2 = 0.1425.
    lay = _layout(1, pd.period_range("2027-01", periods=1, freq="M"))
    m = np.full((1, 1, 1), 1000.0)
    model = ParametricSales(
        lay, m, sigma_rep=0.3, sigma_company=0.1, sigma_region=0.05, sigma_month=0.2
    )
    s = _draws(model, 20000)[:, 0, 0, 0]
    se = s.std(ddof=1) / np.sqrt(len(s))
    assert abs(s.mean() - 1000.0) < 4 * se
    s2 = 0.3**2 + 0.1**2 + 0.05**2 + 0.2**2
    # Standard error of a sample variance of normals: s2 * sqrt(2 / (n - 1)).
    assert abs(np.log(s).var(ddof=1) - s2) < 4 * s2 * np.sqrt(2 / (len(s) - 1))
    assert abs(np.log(s).mean() - (np.log(1000.0) - s2 / 2)) < 4 * np.sqrt(s2 / len(s))


def test_parametric_shocks_have_the_stated_correlation_structure():
    # Two reps in one region, two in another, 12 months. Pure company shocks make
    # all reps move together; pure regional shocks only reps of the same region.
    periods = pd.period_range("2027-01", periods=12, freq="M")
    lay = _layout(4, periods, regions=[0, 0, 1, 1])
    m = np.full((4, 12, 1), 100.0)
    reg = ParametricSales(lay, m, sigma_region=0.3)
    x = np.log(_draws(reg, 2000)[:, :, 0, 0])  # (draws, reps) for January
    c = np.corrcoef(x.T)
    assert c[0, 1] > 0.99 and c[2, 3] > 0.99
    assert abs(c[0, 2]) < 0.1
    comp = ParametricSales(lay, m, sigma_company=0.3)
    x = np.log(_draws(comp, 500)[:, :, 0, 0])
    assert np.corrcoef(x.T)[0, 3] > 0.99


def test_rate_kpis_stay_within_zero_and_one_and_vacant_seats_sell_nothing():
    periods = pd.period_range("2027-01", periods=3, freq="M")
    lay = _layout(3, periods, kpis=("revenue", "hv_retention"), rate=(False, True))
    m = np.empty((3, 3, 2))
    m[..., 0] = 500.0
    m[..., 1] = 0.95
    m[2, :, 0] = 0.0  # a vacant seat
    model = ParametricSales(lay, m, sigma_rep=0.03, sigma_month=0.02)
    s = _draws(model, 400)
    assert ((s[..., 1] >= 0) & (s[..., 1] <= 1)).all()
    assert (s[..., 1] == 1.0).any()  # retention piles up at 100%, as in real data
    assert (s[:, 2, :, 0] == 0).all()
    # Rates: additive shocks clipped to 0-1, so the median rate is the expected one.
    assert np.median(s[:, 0, 0, 1]) == pytest.approx(0.95, abs=0.01)


def test_parametric_rejects_bad_parameters():
    lay = _layout(2, pd.period_range("2027-01", periods=2, freq="M"))
    with pytest.raises(SalesModelError, match="shape"):
        ParametricSales(lay, np.ones((2, 3, 1)))
    with pytest.raises(SalesModelError, match="sigma_rep"):
        ParametricSales(lay, np.ones((2, 2, 1)), sigma_rep=-0.1)


def _history_dataset(
    n_reps=300,
    years=3,
    sigma_rep=0.2,
    sigma_company=0.1,
    sigma_region=0.08,
    sigma_month=0.25,
    seed=11,
    rho=0.0,
) -> Dataset:
    """A dataset drawn from the parametric model's own assumptions, with known parameters:
    rep-year levels fresh each year (sd ``sigma_rep``), AR(1) company and region shocks
    (stationary sd, month-to-month correlation ``rho``), monthly noise."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2024-01", periods=12 * years, freq="M")
    t = len(periods)
    n_regions = 4
    region = np.arange(n_reps) % n_regions
    season = np.log(
        np.tile([0.8, 0.9, 1.3, 0.85, 0.95, 1.25, 0.9, 0.95, 1.2, 0.9, 1.0, 1.5], years)
    )
    base = rng.normal(np.log(1e5), 0.6, n_reps)
    rep_year = sigma_rep * rng.standard_normal((n_reps, years))  # a fresh surprise each year

    def ar1(shape):
        z = rng.standard_normal(shape)
        out = np.empty(shape)
        out[..., 0] = z[..., 0]
        for i in range(1, shape[-1]):
            out[..., i] = rho * out[..., i - 1] + np.sqrt(1 - rho**2) * z[..., i]
        return out

    company = sigma_company * ar1((t,))
    reg = sigma_region * ar1((n_regions, t))
    eps = sigma_month * rng.standard_normal((n_reps, t))
    year_idx = np.repeat(np.arange(years), 12)
    logs = base[:, None] + rep_year[:, year_idx] + season[None] + company[None] + reg[region] + eps
    units = pd.DataFrame(
        {
            "unit_id": ["HQ"] + [f"G{g}" for g in range(n_regions)],
            "parent_id": pd.array([pd.NA] + ["HQ"] * n_regions, dtype="string"),
            "level": ["company"] + ["region"] * n_regions,
            "name": ["HQ"] + [f"G{g}" for g in range(n_regions)],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": [f"r{i}" for i in range(n_reps)],
            "unit_id": [f"G{g}" for g in region],
            "position": "am",
            "hire_date": pd.Timestamp("2020-01-01"),
            "exit_date": pd.NaT,
            "base_salary": 1e5,
            "grade": "P3",
        }
    )
    sales = pd.DataFrame(
        {
            "rep_id": np.repeat(reps["rep_id"].to_numpy(), t),
            "period": np.tile(periods, n_reps),
            "kpi": "revenue",
            "value": np.exp(logs).ravel(),
        }
    )
    kpis = pd.DataFrame(
        {"kpi": ["revenue"], "direction": ["higher"], "unit": ["currency"], "aggregation": ["sum"]}
    )
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, source="test")


def test_parametric_fit_recovers_the_parameters_it_was_generated_with():
    ds = _history_dataset(years=6, rho=0.6, n_reps=400)
    periods = pd.period_range("2030-01", periods=12, freq="M")
    lay = Layout.from_dataset(ds, ds.periods, rep_ids=ds.reps["rep_id"].to_numpy())
    lay = Layout(lay.rep_ids, periods, lay.kpis, lay.region, lay.is_rate)
    fit = ParametricSales.fit(ds, lay, expected=np.full(lay.shape, 1e5))
    assert fit.sigma_month[0] == pytest.approx(0.25, rel=0.05)
    # Forecasting from last year's level, the error is the change of a fresh
    # yearly level: variance 2 sigma_rep^2, so the fitted spread is sqrt(2) x 0.2.
    assert fit.sigma_rep[0] == pytest.approx(np.sqrt(2) * 0.2, rel=0.15)
    # 72 months inform the common shocks: loose bands.
    assert fit.sigma_company[0] == pytest.approx(0.1, rel=0.4)
    assert fit.sigma_region[0] == pytest.approx(0.08, rel=0.4)
    assert fit.rho_company == pytest.approx(0.6, abs=0.3)
    assert fit.rho_region == pytest.approx(0.6, abs=0.2)


def test_fitted_spread_of_annual_sales_matches_a_held_out_year():
    """The engine's spread of log(annual / forecast) equals the real one in a year
    the fit did not see (forecast = last year's level, as expected='history' does)."""
    ds = _history_dataset(years=4, n_reps=600, sigma_company=0.0, sigma_region=0.0)
    x = ds.sales_array()[..., 0]  # (reps, 48)
    real = np.log(x[:, 36:].sum(axis=1) / x[:, 24:36].sum(axis=1))
    train = ds.periods[:36]
    lay0 = Layout.from_dataset(ds, train, rep_ids=ds.reps["rep_id"].to_numpy())
    lay = Layout(lay0.rep_ids, ds.periods[36:], lay0.kpis, lay0.region, lay0.is_rate)
    expected = np.repeat(x[:, 24:36, None], 1, axis=2)  # last year's months as the forecast
    model = ParametricSales.fit(ds, lay, expected=expected, history=train)
    sims = _draws(model, 300)[..., 0]  # (draws, reps, months)
    sim = np.log(sims.sum(axis=2) / x[None, :, 24:36].sum(axis=2))
    assert sim.std() == pytest.approx(real.std(), rel=0.15)


def test_fit_captures_the_correlation_between_kpis():
    rng = np.random.default_rng(2)
    ds = _history_dataset(n_reps=200, years=3)
    rev = ds.sales.copy()
    noise = rng.normal(0, 0.05, len(rev))
    cust = rev.assign(kpi="new_customers", value=rev["value"] / 1000 * np.exp(noise))
    kpis = pd.concat(
        [ds.kpis, ds.kpis.assign(kpi="new_customers", unit="count")], ignore_index=True
    )
    ds2 = Dataset(kpis=kpis, units=ds.units, reps=ds.reps, sales=pd.concat([rev, cust]))
    lay = Layout.from_dataset(ds2, ds2.periods, rep_ids=ds2.reps["rep_id"].to_numpy())
    fit = ParametricSales.fit(ds2, lay, expected=np.full(lay.shape, 100.0))
    assert fit.kpi_correlation[0, 1] > 0.9
    s = np.log(_draws(fit, 200))  # (draws, reps, months, kpis)
    within = np.corrcoef(s[..., 0].ravel(), s[..., 1].ravel())[0, 1]
    assert within > 0.9


def test_bootstrap_keeps_the_history_seasonality_and_cross_rep_correlation():
    # Strong company shocks and seasonality; weak individual noise.
    ds = _history_dataset(
        n_reps=40, sigma_rep=0.0, sigma_company=0.3, sigma_region=0.0, sigma_month=0.02
    )
    periods = pd.period_range("2027-01", periods=12, freq="M")
    rep_ids = ds.reps["rep_id"].to_numpy()
    lay0 = Layout.from_dataset(ds, ds.periods, rep_ids=rep_ids)
    lay = Layout(rep_ids, periods, lay0.kpis, lay0.region, lay0.is_rate)
    model = BootstrapSales.fit(ds, lay, expected_level=np.full((40, 1), 1000.0), block="month")
    sims = _draws(model, 400)[..., 0]  # (draws, reps, months)
    # Every simulated value is the expected level times a deviation the history had,
    # taken from the same calendar month (December stays December).
    dev = model.deviations[..., 0]
    hist_months = np.asarray(model.history_periods.month)
    for mo in (3, 12):
        allowed = dev[:, hist_months == mo]
        got = sims[:, :, mo - 1] / 1000.0
        assert np.isin(np.round(got, 10), np.round(allowed[np.isfinite(allowed)], 10)).all()
    # Seasonality: the simulated mean by calendar month follows the history's.
    hist_profile = np.array([np.nanmean(dev[:, hist_months == mo]) for mo in range(1, 13)])
    sim_profile = sims.mean(axis=(0, 1)) / 1000.0
    assert np.corrcoef(hist_profile, sim_profile)[0, 1] > 0.95
    # Cross-rep correlation: with a common shock, two reps move together across draws.
    jan = sims[:, :, 0]
    assert np.corrcoef(jan[:, 0], jan[:, 1])[0, 1] > 0.9


def test_bootstrap_without_common_shocks_gives_uncorrelated_reps():
    ds = _history_dataset(
        n_reps=40, sigma_rep=0.0, sigma_company=0.0, sigma_region=0.0, sigma_month=0.3
    )
    rep_ids = ds.reps["rep_id"].to_numpy()
    lay0 = Layout.from_dataset(ds, ds.periods, rep_ids=rep_ids)
    lay = Layout(
        rep_ids,
        pd.period_range("2027-01", periods=12, freq="M"),
        lay0.kpis,
        lay0.region,
        lay0.is_rate,
    )
    model = BootstrapSales.fit(ds, lay, expected_level=np.full((40, 1), 1000.0))
    jan = _draws(model, 400)[..., 0][:, :, 0]
    c = np.corrcoef(jan.T)[np.triu_indices(40, 1)]
    # The two source Januaries give pairs of reps a correlation that averages near 0.
    assert abs(c.mean()) < 0.15


def test_bootstrap_gives_new_reps_a_donor_from_their_region_and_rejects_short_history():
    ds = _history_dataset(n_reps=20, years=2)
    lay0 = Layout.from_dataset(ds, ds.periods, rep_ids=ds.reps["rep_id"].to_numpy())
    rep_ids = np.array(["r0", "newbie"])
    lay = Layout(
        rep_ids,
        pd.period_range("2027-01", periods=12, freq="M"),
        lay0.kpis,
        np.array([0, 1]),
        lay0.is_rate,
    )
    model = BootstrapSales.fit(ds, lay, expected_level=np.full((2, 1), 1000.0))
    s = _draws(model, 50)
    assert (s > 0).all()
    # The second year has 12 prior months everywhere: one whole source year exists,
    # and the user is told a single year is all the bootstrap can draw.
    with pytest.warns(SmallHistoryWarning, match="only 1 distinct"):
        yearly = BootstrapSales.fit(ds, lay, expected_level=np.full((2, 1), 1000.0), block="year")
    assert (_draws(yearly, 5) > 0).all()
    odd = Layout(
        rep_ids,
        pd.period_range("2027-02", periods=3, freq="M"),
        lay0.kpis,
        np.array([0, 1]),
        lay0.is_rate,
    )
    with pytest.raises(SalesModelError, match="whole calendar quarter"):
        BootstrapSales.fit(ds, odd, expected_level=np.full((2, 1), 1000.0), block="quarter")
    short = _history_dataset(n_reps=5, years=1)
    lay1 = Layout.from_dataset(short, short.periods)
    with pytest.raises(SalesModelError, match="too short"):
        BootstrapSales.fit(short, lay1, expected_level=np.ones((5, 1)))


def test_bootstrap_donors_come_from_the_new_reps_region():
    ds = _history_dataset(n_reps=40, years=3)
    hist = Layout.from_dataset(ds, ds.periods, rep_ids=ds.reps["rep_id"].to_numpy())
    g = hist.region[3]  # the region code of r3
    lay = Layout(
        np.array(["newbie"]),
        pd.period_range("2027-01", periods=12, freq="M"),
        hist.kpis,
        np.array([g]),
        hist.is_rate,
    )
    model = BootstrapSales.fit(ds, lay, expected_level=np.full((1, 1), 1000.0), block="month")
    sims = _draws(model, 60)[:, 0, :, 0] / 1000.0  # (draws, months)
    dev = model.deviations[..., 0]
    same = hist.region == g
    months = np.asarray(model.history_periods.month)
    for mo in range(1, 13):
        pool = dev[np.ix_(same, months == mo)]
        other = dev[np.ix_(~same, months == mo)]
        got = np.round(sims[:, mo - 1], 10)
        assert np.isin(got, np.round(pool[np.isfinite(pool)], 10)).all()
        assert not np.isin(got, np.round(other[np.isfinite(other)], 10)).any()


def test_a_reps_sales_do_not_depend_on_which_other_reps_are_drawn():
    """Each block of the roster draws its own numbers, so a subset of the reps (a
    partition on one worker, a design that simulates fewer reps) sees exactly the
    sales the whole roster sees for the same reps; reps of different blocks get
    different numbers."""
    from simlib.engine.sales import REP_BLOCK

    n = REP_BLOCK + 50  # two blocks of the roster
    periods = pd.period_range("2027-01", periods=2, freq="M")
    kpis, rate = ("revenue", "new_customers", "hv_retention"), (False, False, True)
    corr = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.1], [0.2, 0.1, 1.0]])
    regions = np.arange(n) % 3
    m = np.empty((n, 2, 3))
    m[..., 0], m[..., 1], m[..., 2] = 1000.0, 10.0, 0.9
    opts = dict(
        sigma_rep=0.2, sigma_company=0.1, sigma_region=0.1, sigma_month=0.3, rho_company=0.5,
        kpi_correlation=corr,
    )  # fmt: skip
    whole = ParametricSales(_layout(n, periods, kpis, rate, regions), m, **opts)
    pick = np.array([n - 1, 3, REP_BLOCK, 7])  # out of order, across both blocks
    sub_lay = Layout(
        rep_ids=np.array([f"r{i}" for i in pick]), periods=periods, kpis=kpis,
        region=regions[pick], is_rate=np.array(rate), roster=pick, roster_size=n,
        region_space=3,
    )  # fmt: skip
    part = ParametricSales(sub_lay, m[pick], **opts)
    for g_whole, g_part in zip(draw_generators(4, 0, 3), draw_generators(4, 0, 3), strict=True):
        a, b = whole.draw(g_whole), part.draw(g_part)
        np.testing.assert_array_equal(a[pick], b)
    # Same place in different blocks: different monthly noise.
    assert not np.allclose(a[3], a[REP_BLOCK + 3])

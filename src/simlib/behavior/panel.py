"""A panel model of rep sales that supplies the engine's parametric sales model.

``log sales[r, t] = a[r, year] + s[month] + c[t] + g[region, t] + e[r, t]``: rep-year
levels, seasonality, company and region shocks (with their month-to-month
persistence) and individual noise, fitted with statsmodels; each variance component
comes with a standard error and a caveat (:class:`~simlib.behavior.estimate.Estimate`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simlib.behavior.estimate import (
    Estimate,
    demean_columns,
    demean_groups,
    estimates_frame,
    safe_log,
)
from simlib.behavior.shocks import Layout, shock_components
from simlib.behavior.specs import BehaviorError
from simlib.i18n import _


@dataclass
class SalesPanelFit:
    """Variance components of rep sales, per KPI, for the parametric sales model.

    ``sigmas[name]`` is an array over ``kpis`` (log scale; rate units for a rate
    KPI), or one number for the persistences ``rho_company`` and ``rho_region``; ``estimates`` holds each with its standard error; ``seasonality`` the
    calendar-month effects (log scale, mean zero).
    """

    kpis: list[str]
    sigmas: dict[str, np.ndarray | float]
    estimates: list[Estimate]
    seasonality: pd.DataFrame
    n_obs: dict[str, int] = field(default_factory=dict)

    def sales_options(self) -> dict[str, list[float] | float]:
        """``sales_options`` for :func:`simlib.simulate` with ``sales="parametric"``
        (:meth:`simlib.engine.sales.ParametricSales.from_panel` builds the model)."""
        return {
            k: float(v) if np.ndim(v) == 0 else [float(x) for x in v]
            for k, v in self.sigmas.items()
        }

    def summary(self) -> pd.DataFrame:
        """One row per estimate: value, standard error, 95% interval, caveat."""
        return estimates_frame(self.estimates)


def _sigma_estimate(name, var, df, n, unit, caveat, gross=None, extra_var_se=0.0) -> Estimate:
    """sigma from a variance component with ``df`` degrees of freedom.

    ``var`` is the component: the ``gross`` variance of what was measured (e.g.
    the spread of period effects) minus the part noise explains. The sampling
    variance of a mean of squares with ``df`` degrees of freedom is ``2 gross^2 /
    df`` (normal theory): it scales with what was measured, not with the net
    component, which would understate the standard error whenever noise is
    subtracted (coverage 80% instead of 95% in the recovery checks). The delta
    method takes it to the sigma scale.
    """
    gross = float(var) if gross is None else float(gross)
    var = max(float(var), 0.0)
    se_var = np.sqrt(2.0 * max(gross, var) ** 2 / max(df, 1) + extra_var_se**2)
    sigma = np.sqrt(var)
    se = se_var / (2 * sigma) if sigma > 0 else np.sqrt(se_var)
    return Estimate(name, float(sigma), float(se), caveat, n=int(n), unit=unit,
                    method="panel variance components")  # fmt: skip


def panel_components(
    y: np.ndarray, periods: pd.PeriodIndex, region: np.ndarray, kpi: str = "", unit: str = "log"
) -> tuple[dict[str, Estimate], np.ndarray]:
    """Variance components of a (reps, months) panel ``y`` (log sales or a rate).

    Model: ``y[r,t] = a[r, year] + s[month] + c[t] + g[region, t] + e[r,t]``:
    rep-year effects ``a`` (levels, absorbed), seasonality ``s``, company shocks
    ``c``, region shocks ``g`` and individual noise ``e``; the rep effect the
    engine draws once a year is the spread of year-on-year changes in ``a``.
    Effects are fitted by OLS (statsmodels) on rep-year-demeaned data.
    """
    import statsmodels.api as sm

    R, T = y.shape
    # Regions as 0..G-1 whatever their labels (the engine's Layout holds unit ids).
    _, region = np.unique(np.asarray(region), return_inverse=True)
    region = region.reshape(-1)
    years = np.asarray(periods.year)
    months = np.asarray(periods.month)
    ok = np.isfinite(y)
    rr, tt = np.nonzero(ok)
    v = y[rr, tt]
    ry = rr * 10000 + years[tt]
    # Rep-years with one month carry no within information.
    _, inv, cnt = np.unique(ry, return_inverse=True, return_counts=True)
    keep = cnt[inv] >= 2
    rr, tt, v, ry = rr[keep], tt[keep], v[keep], ry[keep]
    n_ry = len(np.unique(ry))
    n = len(v)
    if n < 30 or len(np.unique(tt)) < 3:
        raise BehaviorError(
            _("{kpi}: too few rep-months ({n}) to fit the sales panel").format(kpi=kpi, n=n)
        )
    yd = demean_groups(v, ry)
    # Period effects (seasonality + company shock), OLS on demeaned dummies.
    t_codes, t_inv = np.unique(tt, return_inverse=True)
    D = np.zeros((n, len(t_codes)))
    D[np.arange(n), t_inv] = 1.0
    Dd = demean_columns(D, ry)
    # One dummy per year is redundant after rep-year demeaning; the pseudo-inverse
    # picks the solution summing to zero within each year, which is re-normalized below.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit1 = sm.OLS(yd, Dd).fit(method="pinv")
    mu = np.full(T, np.nan)
    mu[t_codes] = np.asarray(fit1.params)
    res1 = np.asarray(fit1.resid)
    # Region-period effects beyond the company's: cell means of what is left
    # (a one-way fit; a dense OLS with regions x months dummies costs seconds of SVD
    # for the same numbers up to the rep-year demeaning's small interplay).
    n_g = int(region.max()) + 1  # codes are 0..G-1 (np.unique above)
    gt = region[rr].astype(np.int64) * T + tt
    g_codes, g_inv = np.unique(gt, return_inverse=True)
    cell_n = np.bincount(g_inv, minlength=len(g_codes))
    gp = np.bincount(g_inv, weights=res1, minlength=len(g_codes)) / cell_n
    resid = res1 - gp[g_inv]
    cell_t = g_codes % T
    cell_ry = (g_codes // T) * 10000 + years[cell_t]
    n_years_all = len(np.unique(years[tt]))
    spent_g = max(len(g_codes) - len(np.unique(cell_t)) - len(np.unique(cell_ry)) + n_years_all, 0)
    n_params = int(round(fit1.df_model)) + spent_g
    df_e = max(n - n_ry - n_params, 1)
    var_e = float(resid @ resid / df_e)
    # Company shocks: period effects net of each year's level and calendar month.
    mu_y = mu.copy()
    for yv in np.unique(years):
        sl = years == yv
        mu_y[sl] = mu[sl] - np.nanmean(mu[sl])
    season = np.array([np.nanmean(mu_y[months == m]) if (months == m).any() else 0.0
                       for m in range(1, 13)])  # fmt: skip
    season = np.nan_to_num(season - np.nanmean(season))
    shock = mu_y - season[months - 1]
    fin = np.isfinite(shock)
    n_t = np.bincount(tt, minlength=T)[fin]
    n_years = len(np.unique(years[fin]))
    df_c = max(int(fin.sum()) - n_years - min(11, int(fin.sum()) - n_years - 1), 1)
    gross_c = float(np.sum(shock[fin] ** 2) / df_c)
    var_c = gross_c - var_e * float(np.mean(1.0 / np.maximum(n_t, 1)))
    # Region shocks: region-period effects, demeaned within each period.
    gdev = gp - pd.Series(gp).groupby(cell_t).transform("mean").to_numpy()
    gdev = gdev - pd.Series(gdev).groupby(cell_ry).transform("mean").to_numpy()
    df_g = max(len(g_codes) - len(np.unique(cell_t)) - n_g * n_years, 1)
    gross_g = float(np.sum(gdev**2) / df_g)
    var_g = gross_g - var_e * float(np.mean(1.0 / np.maximum(cell_n, 1)))
    # Rep effect: year-on-year changes of complete rep-year means.
    yl = np.unique(years)
    means = []
    for yv in yl:
        sl = years == yv
        full = ok[:, sl].sum(axis=1) == sl.sum()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # reps absent all year
            m = np.where(full, np.nanmean(np.where(ok[:, sl], y[:, sl], np.nan), axis=1), np.nan)
        means.append(m)
    d = (
        np.concatenate([b - a for a, b in zip(means, means[1:], strict=False)])
        if len(yl) > 1
        else np.array([])
    )
    d = d[np.isfinite(d)]
    unit_s = "log points" if unit == "log" else "rate units"
    cav = (
        "Assumes shocks are independent and normal on this scale; persistent (AR) company "
        "shocks and rep trends inflate some components; a variance component's interval "
        "uses normal theory."
    )
    out = {
        "sigma_month": _sigma_estimate("sigma_month", var_e, df_e, n, unit_s, cav),
        "sigma_company": _sigma_estimate(
            "sigma_company", var_c, df_c, fin.sum(), unit_s, cav, gross=gross_c
        ),
        "sigma_region": _sigma_estimate(
            "sigma_region", var_g, df_g, len(g_codes), unit_s, cav, gross=gross_g
        ),
    }
    # Persistence of the common shocks: lag-1 autocorrelation within each year.
    comp_series = np.where(fin, shock, np.nan)[None, :]
    out["rho_company"] = _lag1_estimate("rho_company", comp_series, years)
    reg_series = np.full((n_g, T), np.nan)
    reg_series[g_codes // T, cell_t] = gdev
    out["rho_region"] = _lag1_estimate("rho_region", reg_series, years)
    if len(d) >= 3:
        d = d - d.mean()
        months_per_year = 12.0
        var_d = float(d @ d / (len(d) - 1))
        var_p = var_d / 2 - var_e / months_per_year
        out["sigma_rep"] = _sigma_estimate(
            "sigma_rep",
            var_p,
            len(d) - 1,
            len(d),
            unit_s,
            cav + " Needs two complete years per rep.",
            gross=var_d / 2,
        )
    else:
        out["sigma_rep"] = Estimate("sigma_rep", float("nan"), float("nan"),
                                    "needs at least two complete years of history", 0, unit_s)  # fmt: skip
    return out, season


def _lag1_estimate(name: str, series: np.ndarray, years: np.ndarray) -> Estimate:
    """AR(1) coefficient of (series, months) shocks, pairs within the same year (OLS)."""
    import statsmodels.api as sm

    same_year = years[1:] == years[:-1]
    x = series[:, :-1][:, same_year].ravel()
    y = series[:, 1:][:, same_year].ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    cav = (
        "Month-to-month persistence of shocks common to everyone (or a region). Shocks are "
        "measured net of each year's level, which biases a short history's estimate down."
    )
    if ok.sum() < 6 or np.allclose(x[ok], 0.0):  # e.g. one region: no regional shocks
        return Estimate(name, float("nan"), float("nan"), "no shocks to measure", int(ok.sum()))
    fit = sm.OLS(y[ok], x[ok][:, None]).fit()
    return Estimate(name, float(fit.params[0]), float(fit.bse[0]), cav, int(ok.sum()),
                    "autocorrelation", "OLS on the lagged shock")  # fmt: skip


def fit_sales_panel(
    ds, kpis: Sequence[str] | None = None, history: pd.PeriodIndex | None = None
) -> SalesPanelFit:
    """Fit the model of rep sales the engine draws from, with standard errors.

    The point estimates are those of the engine's own fit,
    :func:`simlib.behavior.shocks.shock_components` (one estimator serves both:
    what this reports is what ``sales="parametric"`` simulates). Each comes with a
    normal-theory standard error from the variance it was measured from and its
    degrees of freedom, and a caveat. ``sigma_rep`` is in the engine's sense: the
    spread of the change of a rep's yearly level, i.e. the error of forecasting a
    rep's year from the last (sqrt(2) x the spread of one year's surprise that
    :func:`panel_components` reports). Seasonality comes from
    :func:`panel_components`.

    Currency and count KPIs are modelled in logs (rep-months with zero sales are
    left out: they are not lognormal); rate KPIs on their own scale.

    Returns
    -------
    SalesPanelFit
        ``.sales_options()`` gives ``sigma_rep``, ``sigma_company``,
        ``sigma_region``, ``sigma_month`` per KPI and ``rho_company``,
        ``rho_region`` for ``simlib.simulate(sales="parametric", sales_options=...)``.
    """
    kpis = ds.kpi_names if kpis is None else list(kpis)
    unknown = [k for k in kpis if k not in ds.kpi_names]
    if unknown:
        raise BehaviorError(
            _("kpis: unknown KPI(s) {unknown}; the dataset's KPIs are {kpi_names}").format(
                unknown=unknown, kpi_names=ds.kpi_names
            )
        )
    periods = ds.periods if history is None else history
    lay = Layout.from_dataset(ds, periods, rep_ids=ds.reps["rep_id"].to_numpy(), kpis=kpis)
    x = ds.sales_array(kpis=kpis, periods=periods, rep_ids=lay.rep_ids)
    f = shock_components(ds, kpis, history=periods)
    sig: dict[str, np.ndarray | float] = {
        k: np.asarray(f[k], dtype=float)
        for k in ("sigma_rep", "sigma_company", "sigma_region", "sigma_month")
    }
    sig["rho_company"] = float(f["rho_company"])
    sig["rho_region"] = float(f["rho_region"])
    cav = (
        "Assumes shocks are independent and normal on this scale; the interval uses normal "
        "theory on the variance the component was measured from. sigma_rep is the spread "
        "of the change of a rep's yearly level (the error of forecasting a year from the "
        "last) and needs two complete years per rep."
    )
    ests: list[Estimate] = []
    seas = {}
    n_obs = {}
    for i, k in enumerate(kpis):
        unit_s = "rate units" if lay.is_rate[i] else "log points"
        for name in ("sigma_rep", "sigma_company", "sigma_region", "sigma_month"):
            sd = float(sig[name][i])
            gross = float(f["var_gross"][name][i])
            df = int(f["dof"][name][i])
            se_var = np.sqrt(2.0 * max(gross, sd**2) ** 2 / max(df, 1))
            se = se_var / (2 * sd) if sd > 0 else np.sqrt(se_var)
            ests.append(
                Estimate(
                    f"{k}: {name}",
                    sd,
                    float(se),
                    cav,
                    df + 1,
                    unit_s,
                    "variance decomposition (the engine's fit)",
                )  # fmt: skip
            )
        y = x[..., i] if lay.is_rate[i] else safe_log(x[..., i])
        try:
            seas[k] = panel_components(y, periods, lay.region, k)[1]
        except BehaviorError:
            seas[k] = np.zeros(12)
        n_obs[k] = int(np.isfinite(y).sum())
    n_t = int(f["months"])
    for name in ("rho_company", "rho_region"):
        r = float(sig[name])
        ests.append(
            Estimate(
                name,
                r,
                float(np.sqrt(max(1 - r**2, 0.0) / max(n_t - 3, 1))),
                "Month-to-month persistence of common shocks, the mean over KPIs kept "
                "within [0, 0.95]; approximate standard error sqrt((1 - rho^2) / n).",
                n_t,
                "autocorrelation",
                "lag-1 autocorrelation (the engine's fit)",
            )  # fmt: skip
        )
    return SalesPanelFit(
        kpis=kpis,
        sigmas=sig,
        estimates=ests,
        seasonality=pd.DataFrame(seas, index=pd.Index(range(1, 13), name="month")),
        n_obs=n_obs,
    )

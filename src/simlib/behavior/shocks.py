"""The shapes of rep sales: who and what a sales draw covers, and the sizes of its shocks.

:class:`Layout` names the axes of a (reps, months, KPIs) array of sales;
:func:`shock_components` measures, from a dataset's history, the sizes and
persistence of the shocks that move rep sales (company, region, rep, month) by a
variance decomposition. The engine's parametric sales model draws with these
sizes (:meth:`simlib.engine.sales.ParametricSales.fit`) and
:func:`simlib.behavior.fit_sales_panel` reports them with standard errors: one
estimator serves both.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.errors import SimlibError
from simlib.i18n import _


class SalesModelError(SimlibError, ValueError):
    """A sales model cannot be fitted or drawn as asked."""


@dataclass(frozen=True)
class Layout:
    """Who and what is simulated: the axes of every sales draw.

    Attributes
    ----------
    rep_ids : numpy.ndarray
        Rep ids, the first axis.
    periods : pandas.PeriodIndex
        Simulated months, the second axis.
    kpis : tuple of str
        KPI names, the third axis.
    region : numpy.ndarray
        Integer region code per rep (``0 .. region_space - 1``), for common
        regional shocks and bootstrap donors.
    is_rate : numpy.ndarray
        Per KPI, whether it is a rate in 0-1 (additive shocks, clipped).
    roster : numpy.ndarray, optional
        Each rep's position in the dataset's full roster (``ds.reps``), and
        ``roster_size`` its length. Random numbers are drawn for the whole roster
        (and every region) and then picked, so a rep's draws do not depend on
        which other reps are simulated: two designs that simulate different
        populations (a team component needs the whole unit) still see the same
        sales for the same rep in the same draw (common random numbers).
    """

    rep_ids: np.ndarray
    periods: pd.PeriodIndex
    kpis: tuple[str, ...]
    region: np.ndarray
    is_rate: np.ndarray
    roster: np.ndarray | None = None
    roster_size: int | None = None
    region_space: int | None = None

    def __post_init__(self) -> None:
        n = len(self.rep_ids)
        if self.roster is None:
            object.__setattr__(self, "roster", np.arange(n))
            object.__setattr__(self, "roster_size", n)
        elif self.roster_size is None:
            object.__setattr__(self, "roster_size", int(np.max(self.roster, initial=-1)) + 1)
        if self.region_space is None:
            object.__setattr__(self, "region_space", int(np.max(self.region, initial=0)) + 1)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.rep_ids), len(self.periods), len(self.kpis))

    @classmethod
    def from_dataset(
        cls,
        ds: Dataset,
        periods: pd.PeriodIndex,
        rep_ids: np.ndarray | None = None,
        kpis: list[str] | None = None,
        region_level: str | None = None,
    ) -> Layout:
        """Layout for ``rep_ids`` (default: every rep employed in ``periods``)."""
        from simlib.data.org import Hierarchy

        if rep_ids is None:
            employed = ds.employed_mask(periods).any(axis=1)
            rep_ids = ds.reps["rep_id"].to_numpy()[employed]
        rep_ids = np.asarray(rep_ids)
        kpis = ds.kpi_names if kpis is None else list(kpis)
        h = Hierarchy.of(ds)
        level = region_level or (h.levels[1] if len(h.levels) > 1 else h.levels[0])
        reps = ds.reps.set_index("rep_id").loc[rep_ids].reset_index()
        regions = h.rep_unit_at(reps, level).to_numpy()
        # Codes index the hierarchy's whole list of units, so two layouts of the
        # same dataset (history and simulated year) agree on every region's code.
        codes = h.index.get_indexer(pd.Series(regions).fillna(h.root).astype(str))
        units = ds.kpis.set_index("kpi").loc[kpis, "unit"].to_numpy()
        roster = pd.Index(ds.reps["rep_id"]).get_indexer(rep_ids)
        return cls(
            rep_ids,
            periods,
            tuple(kpis),
            codes.astype(np.int64),
            units == "rate",
            roster=roster,
            roster_size=len(ds.reps),
            region_space=len(h.unit_ids),
        )


def shock_components(
    ds: Dataset, kpis: list[str] | tuple[str, ...], history: pd.PeriodIndex | None = None
) -> dict[str, Any]:
    """Sizes of the shocks that move rep sales on ``kpis``, from ``history``.

    A variance decomposition of log sales (rates on their own scale):

    1. each rep's overall mean is removed;
    2. the cross-rep mean each month is the company series; a linear trend and
       calendar-month effects are regressed out of it (ordinary least
       squares), and the rest is the company shock: its standard deviation
       and lag-1 autocorrelation give ``sigma_company`` and ``rho_company``;
    3. the region means beyond the company give ``sigma_region`` and
       ``rho_region`` the same way (pooled over regions);
    4. what remains, averaged over each full calendar year, is each rep's
       level that year; ``sigma_rep`` is the spread of the year-on-year
       change in that level, which is the error of a forecast from last
       year's level, less the share monthly noise explains;
    5. the rest is monthly noise, ``sigma_month``; the correlation of the
       monthly noise across KPIs gives ``kpi_correlation``.

    Means of ``n`` noisy values carry ``sigma_month**2 / n`` of noise, which is
    taken out of the common-shock variances. Returns the estimates with the numbers
    of reps, months and rep-year pairs behind them, what each variance was measured
    from (``var_gross``) and its degrees of freedom (``dof``).
    """
    history = ds.periods if history is None else history
    if len(history) < 13:
        raise SalesModelError(
            _(
                "fitting the sales model needs at least 13 months of history, got {n_history}"
            ).format(n_history=len(history))
        )
    hist_lay = Layout.from_dataset(
        ds, history, rep_ids=ds.reps["rep_id"].to_numpy(), kpis=list(kpis)
    )
    x = ds.sales_array(kpis=list(kpis), periods=history, rep_ids=hist_lay.rep_ids)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(hist_lay.is_rate, x, np.log(np.where(x > 0, x, np.nan)))
    k = len(kpis)
    n_t = len(history)
    months = np.asarray(history.month) - 1
    years = np.asarray(history.year)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # reps absent in a slice
        y = x - np.nanmean(x, axis=1, keepdims=True)
        present = np.isfinite(y)
        n_rep_t = present.sum(axis=0)  # (T, K)
        company = np.nanmean(y, axis=0)  # (T, K)
        # Trend + calendar month by least squares; the residual is the company shock.
        design = np.column_stack([np.ones(n_t), np.arange(n_t) / 12.0, np.eye(12)[months][:, 1:]])
        coef, *_rest = np.linalg.lstsq(design, np.nan_to_num(company), rcond=None)
        comp_shock = company - design @ coef
        dof = max(n_t - np.linalg.matrix_rank(design), 1)
        y2 = y - company[None]
        codes, reg = np.unique(hist_lay.region, return_inverse=True)
        reg = reg.reshape(-1)
        region_mean = np.stack([np.nanmean(y2[reg == g], axis=0) for g in range(len(codes))])
        n_g = np.stack([np.isfinite(y2[reg == g]).sum(axis=0) for g in range(len(codes))])
        e = y2 - region_mean[reg]
        # Rep levels per full calendar year, and what is left month to month.
        year_ids = np.unique(years)
        level = np.full((len(x), len(year_ids), k), np.nan)
        e2 = np.full_like(e, np.nan)
        m_in_year = []
        for j, yr in enumerate(year_ids):
            sl = years == yr
            full = np.isfinite(e[:, sl, :]).all(axis=1)  # (R, K)
            lv = np.nanmean(e[:, sl, :], axis=1)
            level[:, j, :] = np.where(full, lv, np.nan)
            e2[:, sl, :] = e[:, sl, :] - lv[:, None, :]
            m_in_year.append(int(sl.sum()))
    m = float(np.mean(m_in_year))
    var_e = np.nanvar(e2, axis=(0, 1)) * (m / (m - 1) if m > 1 else 1.0)
    noise_c = var_e * np.nanmean(1 / np.maximum(n_rep_t, 1), axis=0)
    var_c = np.maximum(np.sum(comp_shock**2, axis=0) / dof - noise_c, 0.0)
    rho_c = _lag1(comp_shock)
    noise_g = var_e * np.nanmean(1 / np.maximum(n_g, 1), axis=(0, 1))
    var_g = np.maximum(np.nanvar(region_mean, axis=(0, 1)) - noise_g, 0.0)
    rho_g = _lag1(np.concatenate(list(region_mean), axis=0)) if len(codes) else 0.0
    change = level[:, 1:, :] - level[:, :-1, :]
    change = change.reshape(-1, k)
    n_pairs = np.isfinite(change).sum(axis=0)
    var_p = np.where(n_pairs > 1, np.maximum(np.nanvar(change, axis=0) - 2 * var_e / m, 0.0), 0.0)
    both = np.isfinite(e2).all(axis=2)
    corr = np.corrcoef(e2[both].reshape(-1, k), rowvar=False) if both.sum() > k else np.eye(k)
    corr = _nearest_correlation(np.nan_to_num(np.atleast_2d(corr)), k)
    fitted = {
        "kpis": list(kpis),
        "sigma_rep": np.sqrt(var_p),
        "sigma_company": np.sqrt(var_c),
        "rho_company": float(np.clip(np.nanmean(rho_c), 0.0, 0.95)),
        "sigma_region": np.sqrt(var_g),
        "rho_region": float(np.clip(np.nanmean(rho_g), 0.0, 0.95)),
        "sigma_month": np.sqrt(var_e),
        "kpi_correlation": corr,
        "rep_year_pairs": n_pairs,
        "months": n_t,
        "regions": len(codes),
        # What each variance was measured from (before noise was taken out) and
        # its degrees of freedom: simlib.behavior.fit_sales_panel turns these into
        # standard errors for the same point estimates.
        "var_gross": {
            "sigma_month": var_e,
            "sigma_company": np.sum(comp_shock**2, axis=0) / dof,
            "sigma_region": np.nanvar(region_mean, axis=(0, 1)),
            "sigma_rep": np.nanvar(change, axis=0),
        },
        "dof": {
            "sigma_month": np.maximum(np.isfinite(e2).sum(axis=(0, 1)) - len(x) * len(year_ids), 1),
            "sigma_company": np.full(k, dof),
            "sigma_region": np.maximum(np.isfinite(region_mean).sum(axis=(0, 1)) - n_t, 1),
            "sigma_rep": np.maximum(n_pairs - 1, 1),
        },
    }
    return fitted


def _lag1(series: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation of each column (NaN-safe)."""
    a, b = series[1:], series[:-1]
    ok = np.isfinite(a) & np.isfinite(b)
    out = []
    for j in range(series.shape[1]):
        aj, bj = a[ok[:, j], j], b[ok[:, j], j]
        if len(aj) < 3 or aj.std() == 0 or bj.std() == 0:
            out.append(0.0)
        else:
            out.append(float(np.corrcoef(aj, bj)[0, 1]))
    return np.array(out)


def _nearest_correlation(c: np.ndarray, k: int) -> np.ndarray:
    """A valid (positive definite) correlation matrix close to ``c``."""
    if c.shape != (k, k):
        return np.eye(k)
    c = (c + c.T) / 2
    np.fill_diagonal(c, 1.0)
    w, v = np.linalg.eigh(c)
    w = np.clip(w, 1e-6, None)
    c = v @ np.diag(w) @ v.T
    d = np.sqrt(np.diag(c))
    c = c / np.outer(d, d)
    np.fill_diagonal(c, 1.0)
    return c

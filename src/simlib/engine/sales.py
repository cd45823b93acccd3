"""Sales uncertainty: what each rep might sell, month by month and KPI by KPI.

A sales model turns one random generator into one draw of the simulated year's
sales, an array of shape ``(reps, periods, kpis)``. Each draw has its own
generator (see :mod:`simlib.engine.seeds`), so a draw's numbers do not depend on
how draws are chunked or on which worker computes them.

Two models:

* :class:`ParametricSales`: a rep level with a persistent annual surprise
  (lognormal), common company and region shocks per month, individual monthly
  noise, around an expected level that already carries seasonality (a
  calendarized target or forecast). Parameters are given (how tests compare the
  engine with closed forms) or estimated from history with :meth:`ParametricSales.fit`.
* :class:`BootstrapSales`: a block bootstrap of whole historical months (or
  quarters, or years). Every rep in a drawn block keeps the deviation it had then,
  so the correlation between reps and between KPIs, and the seasonality, are the
  history's own.

Rate KPIs (unit ``rate``, e.g. high-value retention) take the shocks additively
on their own scale and are clipped to 0-1: monthly retention data pile up at
exactly 100% (a quarter of the sample's rep-months), which a logit scale cannot
represent.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.errors import SimlibError


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
        Integer region code per rep (0..n_regions-1), for common regional shocks
        and bootstrap donors.
    is_rate : numpy.ndarray
        Per KPI, whether it is a rate in 0-1 (additive shocks, clipped).
    """

    rep_ids: np.ndarray
    periods: pd.PeriodIndex
    kpis: tuple[str, ...]
    region: np.ndarray
    is_rate: np.ndarray

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
        from simlib.org import Hierarchy

        if rep_ids is None:
            employed = ds.employed_mask(periods).any(axis=1)
            rep_ids = ds.reps["rep_id"].to_numpy()[employed]
        rep_ids = np.asarray(rep_ids)
        kpis = ds.kpi_names if kpis is None else list(kpis)
        h = Hierarchy.of(ds)
        level = region_level or (h.levels[1] if len(h.levels) > 1 else h.levels[0])
        reps = ds.reps.set_index("rep_id").loc[rep_ids].reset_index()
        regions = h.rep_unit_at(reps, level).to_numpy()
        codes, _ = pd.factorize(pd.Series(regions).fillna(h.root), sort=True)
        units = ds.kpis.set_index("kpi").loc[kpis, "unit"].to_numpy()
        return cls(rep_ids, periods, tuple(kpis), codes.astype(np.int64), units == "rate")


# --------------------------------------------------------------------------- helpers
def _as_kvec(x: float | np.ndarray, k: int, name: str) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(x, dtype=float), (k,)).copy()
    if (arr < 0).any() or not np.isfinite(arr).all():
        raise SalesModelError(f"{name}: expected finite standard deviations >= 0, got {arr}")
    return arr


# ---------------------------------------------------------------------- parametric
@dataclass(frozen=True)
class ParametricSales:
    """Lognormal sales around an expected level, with common and individual shocks.

    For a currency or count KPI ``k``, rep ``r`` in region ``g`` and month ``t``::

        ln S[r,t,k] = ln m[r,t,k] + sigma_rep[k] * Z_rep[r,k]
                      + sigma_company[k] * Z_c[t,k] + sigma_region[k] * Z_g[g,t,k]
                      + sigma_month[k] * Z_e[r,t,k] - s2[k] / 2

    with standard normal ``Z``s and ``s2`` the sum of the four variances, so that
    ``E[S] = m`` exactly. ``Z_rep`` is drawn once per rep and year: it is the
    persistent surprise in a rep's level against expectation, which drives most of
    the spread of annual attainment. ``kpi_correlation`` correlates each shock
    across KPIs (revenue and new customers move together). For a rate KPI the same
    shocks are added to ``m`` on the rate's own scale (sigmas in rate units) and
    the result is clipped to 0-1, so ``m`` is the median while it is inside.

    Parameters
    ----------
    expected : numpy.ndarray
        ``m``, shape ``(reps, periods, kpis)``: the expected monthly value (a
        calendarized target times the expected attainment, or a forecast). Zero or
        NaN means no sales (a vacant seat).
    sigma_rep, sigma_company, sigma_region, sigma_month : float or array (kpis,)
        Standard deviations on the log scale (rate units for a rate KPI).
    kpi_correlation : array (kpis, kpis), optional
        Correlation of shocks across KPIs; identity when omitted.
    layout : Layout
    """

    layout: Layout
    expected: np.ndarray
    sigma_rep: np.ndarray | float = 0.0
    sigma_company: np.ndarray | float = 0.0
    sigma_region: np.ndarray | float = 0.0
    sigma_month: np.ndarray | float = 0.0
    kpi_correlation: np.ndarray | None = None
    fitted: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        r, t, k = self.layout.shape
        exp = np.asarray(self.expected, dtype=float)
        if exp.shape != (r, t, k):
            raise SalesModelError(
                f"expected: shape {exp.shape} does not match (reps, periods, kpis) = {(r, t, k)}"
            )
        if (exp[np.isfinite(exp)] < 0).any():
            raise SalesModelError("expected: values must be >= 0")
        rate_vals = exp[..., self.layout.is_rate]
        if ((rate_vals > 1) & np.isfinite(rate_vals)).any():
            raise SalesModelError("expected: a rate KPI's expected value must be within 0-1")
        object.__setattr__(self, "expected", exp)
        for name in ("sigma_rep", "sigma_company", "sigma_region", "sigma_month"):
            object.__setattr__(self, name, _as_kvec(getattr(self, name), k, name))
        corr = np.eye(k) if self.kpi_correlation is None else np.asarray(self.kpi_correlation)
        if (
            corr.shape != (k, k)
            or not np.allclose(corr, corr.T)
            or not np.allclose(np.diag(corr), 1)
        ):
            raise SalesModelError(
                "kpi_correlation: expected a symmetric (kpis x kpis) matrix with unit diagonal"
            )
        try:
            chol = np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            raise SalesModelError("kpi_correlation: matrix is not positive definite") from None
        object.__setattr__(self, "kpi_correlation", corr)
        object.__setattr__(self, "_chol", chol)
        object.__setattr__(self, "_independent", bool(np.allclose(corr, np.eye(k))))
        total_var = (
            self.sigma_rep**2 + self.sigma_company**2 + self.sigma_region**2 + self.sigma_month**2
        )
        object.__setattr__(self, "_half_var", np.where(self.layout.is_rate, 0.0, total_var / 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            base = np.where(
                self.layout.is_rate, np.nan_to_num(exp), np.log(np.where(exp > 0, exp, np.nan))
            )
        object.__setattr__(self, "_base", base)
        object.__setattr__(self, "_active", np.isfinite(exp) & (exp > 0))

    def _correlated(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        # float32 normals: twice as fast to draw, and 7 significant digits are
        # far finer than any sales uncertainty.
        z = rng.standard_normal((*shape, len(self.layout.kpis)), dtype=np.float32)
        return z if self._independent else z @ self._chol.T.astype(np.float32)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of sales, shape ``(reps, periods, kpis)``."""
        lay = self.layout
        r, t, k = lay.shape
        n_regions = int(lay.region.max()) + 1 if r else 0
        z = self._base - self._half_var
        z = z + (self.sigma_rep * self._correlated(rng, (r,)))[:, None, :]
        z = z + (self.sigma_company * self._correlated(rng, (t,)))[None, :, :]
        z = z + (self.sigma_region * self._correlated(rng, (n_regions, t)))[lay.region]
        z = z + self.sigma_month * self._correlated(rng, (r, t))
        out = np.where(lay.is_rate, np.clip(z, 0.0, 1.0), np.exp(z))
        return np.where(self._active, out, 0.0)

    # ------------------------------------------------------------ estimation
    @classmethod
    def fit(
        cls,
        ds: Dataset,
        layout: Layout,
        expected: np.ndarray,
        history: pd.PeriodIndex | None = None,
    ) -> ParametricSales:
        """Estimate the shock standard deviations from the dataset's history.

        A variance decomposition of log sales (rates on their own scale): each rep-year's
        mean and the calendar-month seasonal pattern are removed; the monthly
        cross-rep mean of what remains is the company shock, the region mean
        beyond it the regional shock, the rest individual noise; the rep effect
        is the spread of year-on-year changes in a rep's annual log level beyond
        what monthly noise explains. Sampling noise in the means is corrected for
        (a mean of ``n`` noisy values carries ``sigma_month**2 / n``).

        The estimates, with the numbers of reps and months behind them, are kept
        in ``.fitted``. :mod:`simlib.behavior` offers a statsmodels panel model
        for the same job with standard errors.
        """
        history = ds.periods if history is None else history
        hist_lay = Layout.from_dataset(
            ds, history, rep_ids=ds.reps["rep_id"].to_numpy(), kpis=list(layout.kpis)
        )
        x = ds.sales_array(kpis=list(layout.kpis), periods=history, rep_ids=hist_lay.rep_ids)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(hist_lay.is_rate, x, np.log(np.where(x > 0, x, np.nan)))
        years = np.asarray(history.year)
        months = np.asarray(history.month)
        k = len(layout.kpis)
        # Remove each rep-year's mean.
        resid = np.full_like(x, np.nan)
        rep_year = {}
        for y in np.unique(years):
            sl = years == y
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # reps absent that year
                m = np.nanmean(x[:, sl, :], axis=1, keepdims=True)
            cnt = np.isfinite(x[:, sl, :]).sum(axis=1)
            rep_year[y] = (np.where(cnt == sl.sum(), m[:, 0, :], np.nan), cnt)
            resid[:, sl, :] = x[:, sl, :] - m
        # Remove the seasonal pattern (calendar-month mean across reps and years).
        season = np.zeros((12, k))
        for mo in range(1, 13):
            sl = months == mo
            if sl.any():
                season[mo - 1] = np.nanmean(resid[:, sl, :], axis=(0, 1))
        resid = resid - season[months - 1][None, :, :]
        n_t = np.isfinite(resid).sum(axis=0)  # (T, K) reps per month
        company = np.nanmean(resid, axis=0)  # (T, K)
        resid2 = resid - company[None]
        regions = hist_lay.region
        n_regions = int(regions.max()) + 1
        region_mean = np.stack([np.nanmean(resid2[regions == g], axis=0) for g in range(n_regions)])
        n_g = np.stack([np.isfinite(resid2[regions == g]).sum(axis=0) for g in range(n_regions)])
        indiv = resid2 - region_mean[regions]
        # Removing each rep-year's mean of m months leaves (m - 1) / m of the noise variance.
        m_per_year = np.stack([rep_year[y][1] for y in rep_year]).astype(float)
        m_per_year = m_per_year[m_per_year > 1]
        dof = np.mean(m_per_year / (m_per_year - 1)) if m_per_year.size else 1.0
        var_e = np.nanvar(indiv, axis=(0, 1)) * dof
        var_c = np.maximum(
            np.nanvar(company, axis=0) - var_e * np.nanmean(1 / np.maximum(n_t, 1), axis=0), 0
        )
        var_g = np.maximum(
            np.nanvar(region_mean, axis=(0, 1))
            - var_e * np.nanmean(1 / np.maximum(n_g, 1), axis=(0, 1)),
            0,
        )
        ys = sorted(rep_year)
        diffs = [rep_year[b][0] - rep_year[a][0] for a, b in zip(ys, ys[1:], strict=False)]
        if diffs:
            d = np.concatenate(diffs, axis=0)
            d = d - np.nanmean(d, axis=0)  # company-wide growth is expected, not a surprise
            var_p = np.maximum(np.nanvar(d, axis=0) / 2 - var_e / 12, 0)
            n_pairs = np.isfinite(d).sum(axis=0)
        else:
            var_p, n_pairs = np.zeros(k), np.zeros(k, dtype=int)
        fitted = {
            "kpis": list(layout.kpis),
            "sigma_rep": np.sqrt(var_p),
            "sigma_company": np.sqrt(var_c),
            "sigma_region": np.sqrt(var_g),
            "sigma_month": np.sqrt(var_e),
            "rep_year_pairs": n_pairs,
            "months": len(history),
            "seasonal_log_profile": season,
        }
        return cls(
            layout=layout,
            expected=expected,
            sigma_rep=fitted["sigma_rep"],
            sigma_company=fitted["sigma_company"],
            sigma_region=fitted["sigma_region"],
            sigma_month=fitted["sigma_month"],
            fitted=fitted,
        )


# ----------------------------------------------------------------------- bootstrap
_BLOCK_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class BootstrapSales:
    """Block bootstrap of whole historical periods.

    History is turned into *deviations*: each rep's monthly value divided by the
    same rep's mean over the 12 months before (so a deviation carries the month's
    seasonality, the common and regional shocks of that month, and the rep's own
    surprise against last year). Deviations are scaled so that their mean over all
    reps and months is 1 per KPI: the expected level of the simulated year comes
    from ``expected_level``, not from past growth.

    One draw picks, for each block of the simulated year (a month, quarter or year,
    aligned to the calendar), one historical block at the same calendar position,
    and gives every rep the deviations of that block. A rep with no deviation in
    the block (hired later, or too new to have 12 prior months) borrows those of
    a donor: a rep of the same region, picked once per draw by a uniform position
    in the region's pool so the donor is the same across the year wherever
    possible.

    Parameters
    ----------
    layout : Layout
        Simulated reps, months and KPIs (months must be whole calendar blocks).
    expected_level : numpy.ndarray
        Shape ``(reps, kpis)``: the expected *monthly* level (annual target / 12
        for a summed KPI, the expected rate for a rate KPI). Seasonality comes
        from the deviations, so do not pass a calendarized level.
    deviations : numpy.ndarray
        Shape ``(history_reps, history_months, kpis)``, NaN where unknown.
    history_periods : pandas.PeriodIndex
    history_rep_index : numpy.ndarray
        For each simulated rep, its row in ``deviations`` or -1.
    history_region : numpy.ndarray
        Region code of each history rep (same coding as ``layout.region``).
    block : {"month", "quarter", "year"}
    """

    layout: Layout
    expected_level: np.ndarray
    deviations: np.ndarray
    history_periods: pd.PeriodIndex
    history_rep_index: np.ndarray
    history_region: np.ndarray
    block: str = "month"

    def __post_init__(self) -> None:
        if self.block not in _BLOCK_MONTHS:
            raise SalesModelError(
                f"block: expected one of {list(_BLOCK_MONTHS)}, got {self.block!r}"
            )
        size = _BLOCK_MONTHS[self.block]
        r, t, k = self.layout.shape
        if self.expected_level.shape != (r, k):
            raise SalesModelError(
                f"expected_level: shape {self.expected_level.shape}, expected {(r, k)}"
            )
        sim_pos = (np.asarray(self.layout.periods.month) - 1) // size
        if (
            len(self.layout.periods) % size
            or (np.diff(sim_pos.reshape(-1, size), axis=1) != 0).any()
        ):
            raise SalesModelError(f"the simulated months are not whole calendar {self.block}s")
        hist_month = np.asarray(self.history_periods.month) - 1
        # Candidate source blocks: calendar-aligned runs of `size` months, each
        # month with deviations for at least half the reps present that month.
        coverage = np.isfinite(self.deviations[..., 0]).mean(axis=0)
        ok = coverage > 0
        starts = [
            i
            for i in range(len(self.history_periods) - size + 1)
            if hist_month[i] % size == 0
            and ok[i : i + size].all()
            and (self.history_periods[i + size - 1] - self.history_periods[i]).n == size - 1
        ]
        n_pos = 12 // size
        cands = [[s for s in starts if hist_month[s] // size == p] for p in range(n_pos)]
        need = np.unique(sim_pos)
        missing = [int(p) for p in need if not cands[p]]
        if missing:
            raise SalesModelError(
                f"bootstrap: no historical {self.block} with deviations at calendar position(s) "
                f"{missing}; deviations need 12 prior months, so the history must be at least "
                f"13 months (and a whole year for block='year')"
            )
        object.__setattr__(self, "_cands", cands)
        object.__setattr__(self, "_sim_block_pos", sim_pos[::size])
        object.__setattr__(self, "_size", size)
        # Region pools per history month: padded matrix of valid rep rows.
        valid = np.isfinite(self.deviations).all(axis=2)  # (H, Th)
        n_regions = (
            int(max(self.layout.region.max(initial=0), self.history_region.max(initial=0))) + 1
        )
        pools = np.full((n_regions, len(self.history_periods), max(1, valid.sum(axis=0).max())), -1)
        sizes = np.zeros((n_regions, len(self.history_periods)), dtype=np.int64)
        for g in range(n_regions):
            in_g = self.history_region == g
            for s in range(len(self.history_periods)):
                rows = np.flatnonzero(in_g & valid[:, s])
                if len(rows) == 0:  # no one in the region that month: use the company
                    rows = np.flatnonzero(valid[:, s])
                pools[g, s, : len(rows)] = rows
                sizes[g, s] = len(rows)
        object.__setattr__(self, "_valid", valid)
        object.__setattr__(self, "_pools", pools)
        object.__setattr__(self, "_pool_sizes", sizes)

    @classmethod
    def fit(
        cls,
        ds: Dataset,
        layout: Layout,
        expected_level: np.ndarray,
        block: str = "month",
        history: pd.PeriodIndex | None = None,
    ) -> BootstrapSales:
        """Build the deviations from ``ds``'s sales history (default: all of it)."""
        history = ds.periods if history is None else history
        hist_reps = ds.reps["rep_id"].to_numpy()
        hist_lay = Layout.from_dataset(ds, history, rep_ids=hist_reps, kpis=list(layout.kpis))
        x = ds.sales_array(kpis=list(layout.kpis), periods=history, rep_ids=hist_reps)
        # Trailing 12-month mean, requiring all 12 months present.
        csum = np.concatenate([np.zeros_like(x[:, :1]), np.nancumsum(x, axis=1)], axis=1)
        ccnt = np.concatenate([np.zeros_like(x[:, :1]), np.cumsum(np.isfinite(x), axis=1)], axis=1)
        t = np.arange(x.shape[1])
        lo = np.maximum(t - 12, 0)
        tot = csum[:, t, :] - csum[:, lo, :]
        cnt = ccnt[:, t, :] - ccnt[:, lo, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            trailing = np.where((cnt == 12) & (t >= 12)[None, :, None], tot / 12, np.nan)
            dev = x / trailing
        dev[~np.isfinite(dev)] = np.nan
        if not np.isfinite(dev).any(axis=(0, 1)).all():
            raise SalesModelError(
                "bootstrap: no rep has 12 months of history before another month; "
                "the history is too short for the bootstrap (use the parametric model)"
            )
        dev = dev / np.nanmean(dev, axis=(0, 1))
        idx = pd.Index(hist_reps).get_indexer(layout.rep_ids)
        return cls(
            layout, np.asarray(expected_level, float), dev, history, idx, hist_lay.region, block
        )

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of sales, shape ``(reps, periods, kpis)``."""
        lay = self.layout
        size = self._size
        src_blocks = np.array([rng.choice(self._cands[p]) for p in self._sim_block_pos])
        src = (src_blocks[:, None] + np.arange(size)[None, :]).ravel()  # (T,)
        u = rng.random(len(lay.rep_ids))
        own = self.history_rep_index
        has_own = (own >= 0)[:, None] & self._valid[np.maximum(own, 0)][:, src]  # (R, T)
        sizes = self._pool_sizes[lay.region][:, src]  # (R, T)
        pick = np.minimum((u[:, None] * sizes).astype(np.int64), np.maximum(sizes - 1, 0))
        donor = self._pools[lay.region[:, None], src[None, :], pick]
        row = np.where(has_own, np.maximum(own, 0)[:, None], donor)
        dev = self.deviations[row, src[None, :], :]  # (R, T, K)
        out = self.expected_level[:, None, :] * dev
        out = np.where(lay.is_rate, np.clip(out, 0.0, 1.0), out)
        return np.nan_to_num(out, nan=0.0)

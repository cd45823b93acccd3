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
from typing import Any

import numpy as np
import pandas as pd

from simlib.behavior.shocks import Layout, SalesModelError, shock_components
from simlib.data.dataset import Dataset
from simlib.engine.derived import RederivedOnUnpickle
from simlib.errors import SimlibWarning
from simlib.i18n import _

#: Reps per block of the roster that draws its own random numbers (see :func:`block_generators`).
REP_BLOCK = 4096


def block_generators(rng: np.random.Generator, blocks: np.ndarray) -> list[np.random.Generator]:
    """One generator per block of :data:`REP_BLOCK` roster positions, for the draw of ``rng``.

    Each block's generator is the draw's seed sequence spawned at the block's
    number, so a rep's random numbers depend only on the draw and on the rep's
    place in the dataset's roster: whoever simulates a part of the roster (a
    partition of the population on one worker, a design with fewer reps) draws
    only the blocks it needs and gets the same numbers for the same rep.
    """
    ss = rng.bit_generator.seed_seq
    if not isinstance(ss, np.random.SeedSequence):
        raise SalesModelError(_("sales draws need generators built from a numpy SeedSequence"))
    return [
        np.random.Generator(
            np.random.PCG64(
                np.random.SeedSequence(
                    ss.entropy, spawn_key=(*ss.spawn_key, int(b)), pool_size=ss.pool_size
                )
            )
        )
        for b in blocks
    ]


class SmallHistoryWarning(SimlibWarning):
    """The history is too short for the sales model to vary as much as reality does."""


# --------------------------------------------------------------------------- helpers
def _as_kvec(x: float | np.ndarray, k: int, name: str) -> np.ndarray:
    try:
        arr = np.broadcast_to(np.asarray(x, dtype=float), (k,)).copy()
    except (ValueError, TypeError):
        raise SalesModelError(
            _("{name}: expected one number, or one per KPI ({k}), got {x!r}").format(
                name=name, k=k, x=x
            )
        ) from None
    if (arr < 0).any() or not np.isfinite(arr).all():
        raise SalesModelError(
            _("{name}: expected finite standard deviations >= 0, got {values}").format(
                name=name, values=arr
            )
        )
    return arr


# ---------------------------------------------------------------------- parametric
@dataclass(frozen=True)
class ParametricSales(RederivedOnUnpickle):
    """Lognormal sales around an expected level, with common and individual shocks.

    For a currency or count KPI ``k``, rep ``r`` in region ``g`` and month ``t``::

        ln S[r,t,k] = ln m[r,t,k] + sigma_rep[k] Z_rep[r,k] + C[t,k] + G[g,t,k]
                      + sigma_month[k] Z_e[r,t,k] - s2[k] / 2

    ``Z`` are standard normal. ``Z_rep`` is drawn once per rep and year: the
    persistent surprise in a rep's level against the expectation ``m``, which
    drives most of the spread of annual attainment. ``C`` and ``G`` are company
    and regional shocks that follow an AR(1) process over the months, stationary
    with standard deviations ``sigma_company`` / ``sigma_region`` and month-to-month
    correlation ``rho_company`` / ``rho_region``: with persistence, whole quarters
    and years are good or bad for everyone, which is what makes budget risk and the
    chance of the company reaching target real. ``s2`` is the sum of the four
    variances, so that ``E[S] = m`` exactly. ``kpi_correlation`` correlates every
    shock across KPIs (revenue and new customers move together).

    For a rate KPI the same shocks are added to ``m`` on the rate's own scale
    (sigmas in rate units) and the result is clipped to 0-1, so ``m`` is the median
    while it is inside.

    Parameters
    ----------
    layout : Layout
    expected : numpy.ndarray
        ``m``, shape ``(reps, periods, kpis)``: the expected monthly value (a
        calendarized target times the expected attainment, or a forecast). Zero or
        NaN means no sales (a vacant seat).
    sigma_rep, sigma_company, sigma_region, sigma_month : float or array (kpis,)
        Standard deviations on the log scale (rate units for a rate KPI).
    rho_company, rho_region : float in [0, 1)
        Month-to-month correlation of the common shocks.
    kpi_correlation : array (kpis, kpis), optional
        Correlation of shocks across KPIs; identity when omitted.
    """

    layout: Layout
    expected: np.ndarray
    sigma_rep: np.ndarray | float = 0.0
    sigma_company: np.ndarray | float = 0.0
    sigma_region: np.ndarray | float = 0.0
    sigma_month: np.ndarray | float = 0.0
    rho_company: float = 0.0
    rho_region: float = 0.0
    kpi_correlation: np.ndarray | None = None
    fitted: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        r, t, k = self.layout.shape
        exp = np.asarray(self.expected, dtype=float)
        if exp.shape != (r, t, k):
            raise SalesModelError(
                _("expected: shape {shape} does not match (reps, periods, kpis) = {want}").format(
                    shape=exp.shape, want=(r, t, k)
                )
            )
        if (exp[np.isfinite(exp)] < 0).any():
            raise SalesModelError(_("expected: values must be >= 0"))
        rate_vals = exp[..., self.layout.is_rate]
        if ((rate_vals > 1) & np.isfinite(rate_vals)).any():
            raise SalesModelError(_("expected: a rate KPI's expected value must be within 0-1"))
        object.__setattr__(self, "expected", exp)
        for name in ("sigma_rep", "sigma_company", "sigma_region", "sigma_month"):
            object.__setattr__(self, name, _as_kvec(getattr(self, name), k, name))
        for name in ("rho_company", "rho_region"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float, np.floating)) and 0 <= float(v) < 1):
                raise SalesModelError(
                    _("{name}: expected a month-to-month correlation in [0, 1), got {v!r}").format(
                        name=name, v=v
                    )
                )
            object.__setattr__(self, name, float(v))
        corr = (
            np.eye(k) if self.kpi_correlation is None else np.asarray(self.kpi_correlation, float)
        )
        if (
            corr.shape != (k, k)
            or not np.allclose(corr, corr.T)
            or not np.allclose(np.diag(corr), 1)
        ):
            raise SalesModelError(
                _("kpi_correlation: expected a symmetric (kpis x kpis) matrix with unit diagonal")
            )
        try:
            chol = np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            raise SalesModelError(_("kpi_correlation: matrix is not positive definite")) from None
        object.__setattr__(self, "kpi_correlation", corr)
        object.__setattr__(self, "_chol", chol.astype(np.float32))
        object.__setattr__(self, "_independent", bool(np.allclose(corr, np.eye(k))))
        # The blocks of the roster the simulated reps sit in, and each rep's row
        # among the drawn blocks' rows (None: the rows are the reps, in order).
        roster = np.asarray(self.layout.roster, dtype=np.int64)
        blocks = np.unique(roster // REP_BLOCK)
        sizes = np.minimum(REP_BLOCK, self.layout.roster_size - blocks * REP_BLOCK)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rows = first[np.searchsorted(blocks, roster // REP_BLOCK)] + roster % REP_BLOCK
        identity = len(rows) == sizes.sum() and bool(np.all(rows == np.arange(len(rows))))
        object.__setattr__(self, "_blocks", blocks)
        object.__setattr__(self, "_block_sizes", sizes)
        object.__setattr__(self, "_rows", None if identity else rows)
        total_var = (
            self.sigma_rep**2 + self.sigma_company**2 + self.sigma_region**2 + self.sigma_month**2
        )
        object.__setattr__(self, "_half_var", np.where(self.layout.is_rate, 0.0, total_var / 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            base = np.where(
                self.layout.is_rate, np.nan_to_num(exp), np.log(np.where(exp > 0, exp, np.nan))
            )
        active = np.isfinite(exp) & (exp > 0)
        object.__setattr__(self, "_active", active)
        object.__setattr__(self, "_has_rate", bool(self.layout.is_rate.any()))
        # Sales are drawn in float32 (7 significant digits, far finer than any sales
        # uncertainty; twice the speed through memory and a vectorized exp): the log
        # level, with -inf where nothing is sold so exp gives exactly 0.
        base32 = base.astype(np.float32)
        base32[~active & ~self.layout.is_rate] = -np.inf
        object.__setattr__(self, "_base32", base32)
        object.__setattr__(self, "_inactive_rate", np.flatnonzero(~active & self.layout.is_rate))

    #: What __post_init__ derives from the fields.
    _DERIVED = frozenset(
        ("_chol", "_independent", "_blocks", "_block_sizes", "_rows", "_half_var", "_active",
         "_has_rate", "_base32", "_inactive_rate")
    )  # fmt: skip

    @staticmethod
    def _ar1(z: np.ndarray, rho: float, axis: int) -> np.ndarray:
        """Turn iid standard normals along ``axis`` into a stationary AR(1) with unit variance."""
        if rho == 0.0:
            return z
        z = np.moveaxis(z, axis, 0).astype(float)
        out = np.empty_like(z)
        out[0] = z[0]
        scale = np.sqrt(1 - rho**2)
        for i in range(1, len(z)):
            out[i] = rho * out[i - 1] + scale * z[i]
        return np.moveaxis(out, 0, axis)

    def _correlate(self, z: np.ndarray) -> np.ndarray:
        """Correlate standard normals across KPIs (last axis), element by element.

        Written out as sums of products rather than a matrix product, whose
        rounding may depend on how many rows the product has: a rep's numbers
        must not depend on how many others are drawn with it.
        """
        if self._independent:
            return z
        c = self._chol
        out = np.empty_like(z)
        for j in range(z.shape[-1]):
            acc = z[..., 0] * c[j, 0]
            for i in range(1, j + 1):
                acc += z[..., i] * c[j, i]
            out[..., j] = acc
        return out

    def draw(self, rng: np.random.Generator, out: np.ndarray | None = None) -> np.ndarray:
        """One draw of sales, shape ``(reps, periods, kpis)`` (float64, or written
        into ``out`` of that shape).

        Common shocks (company, regions) come from ``rng``; each rep's own shocks
        from the generator of its block of the roster (:func:`block_generators`),
        so a rep's sales depend only on the draw, never on who else is simulated.
        """
        lay = self.layout
        r, t, k = lay.shape
        f32 = np.float32
        company = self._ar1(
            self._correlate(rng.standard_normal((t, k), dtype=f32)), self.rho_company, axis=0
        )
        company = (self.sigma_company * company - self._half_var).astype(f32)
        region = self._ar1(
            self._correlate(rng.standard_normal((lay.region_space, t, k), dtype=f32)),
            self.rho_region,
            axis=1,
        )
        region = (self.sigma_region * region).astype(f32)
        n_rows = int(self._block_sizes.sum())
        rep_z = np.empty((n_rows, k), dtype=f32)
        month_z = np.empty((n_rows, t, k), dtype=f32)
        start = 0
        for g, size in zip(block_generators(rng, self._blocks), self._block_sizes, strict=True):
            g.standard_normal(out=rep_z[start : start + size], dtype=f32)
            g.standard_normal(out=month_z[start : start + size], dtype=f32)
            start += size
        rep = self._correlate(rep_z) * self.sigma_rep.astype(f32)
        z = self._correlate(month_z)
        z *= self.sigma_month.astype(f32)
        if self._rows is not None:
            rep, z = rep[self._rows], z[self._rows]
        # In place on one (R, T, K) float32 buffer: the draw is memory-bound.
        z += self._base32
        z += rep[:, None, :]
        z += company[None, :, :]
        z += region[lay.region]
        if self._has_rate:
            rate = np.clip(z[..., lay.is_rate], 0.0, 1.0)
            np.exp(z, out=z)
            z[..., lay.is_rate] = rate
            z.reshape(-1)[self._inactive_rate] = 0.0
        else:
            np.exp(z, out=z)
        if out is None:
            return z.astype(float)
        out[...] = z
        return out

    # ------------------------------------------------------------ estimation
    @classmethod
    def from_panel(cls, fit: Any, layout: Layout, expected: np.ndarray) -> ParametricSales:
        """The model with the sigmas of a panel fit (:func:`simlib.behavior.fit_sales_panel`);
        ``layout`` must list the fitted KPIs in the same order, ``expected`` is the
        (reps, months, kpis) expectation the shocks are drawn around (e.g. from
        :func:`simlib.engine.expected_sales`)."""
        if list(layout.kpis) != list(fit.kpis):
            raise SalesModelError(
                _(
                    "from_panel: the layout's KPIs {layout} differ from the fitted KPIs {fitted}"
                ).format(layout=list(layout.kpis), fitted=fit.kpis)
            )
        return cls(layout, expected, **fit.sales_options())

    @classmethod
    def fit(
        cls,
        ds: Dataset,
        layout: Layout,
        expected: np.ndarray,
        history: pd.PeriodIndex | None = None,
    ) -> ParametricSales:
        """Estimate every shock's size from the dataset's history.

        The variance decomposition of :func:`simlib.behavior.shocks.shock_components`
        (``sigma_rep`` is the error of a forecast from last year's level, the engine's
        ``expected="history"``). The estimates, with the numbers of reps, months and
        rep-year pairs behind them, are kept in ``.fitted``. :mod:`simlib.behavior`
        offers a statsmodels panel model for the same job, with standard errors.
        """
        fitted = shock_components(ds, list(layout.kpis), history)
        corr = fitted["kpi_correlation"]
        return cls(
            layout=layout,
            expected=expected,
            sigma_rep=fitted["sigma_rep"],
            sigma_company=fitted["sigma_company"],
            sigma_region=fitted["sigma_region"],
            sigma_month=fitted["sigma_month"],
            rho_company=fitted["rho_company"],
            rho_region=fitted["rho_region"],
            kpi_correlation=corr,
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
        Length of the historical blocks drawn. Longer blocks keep more of a rep's
        good or bad stretch together (a year keeps the whole year) but offer
        fewer distinct blocks: with three years of history there are only two or
        three per calendar position, and a warning says so.
    exposure : numpy.ndarray, optional
        Shape ``(reps, periods)``: the share of a fully productive month each rep
        sells (0 before hire and after exit, the ramp factor for a new hire).
        Ones when omitted.
    """

    layout: Layout
    expected_level: np.ndarray
    deviations: np.ndarray
    history_periods: pd.PeriodIndex
    history_rep_index: np.ndarray
    history_region: np.ndarray
    block: str = "quarter"
    exposure: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.block not in _BLOCK_MONTHS:
            raise SalesModelError(
                _("block: expected one of {blocks}, got {block!r}").format(
                    blocks=list(_BLOCK_MONTHS), block=self.block
                )
            )
        size = _BLOCK_MONTHS[self.block]
        r, t, k = self.layout.shape
        if self.expected_level.shape != (r, k):
            raise SalesModelError(
                _("expected_level: shape {shape}, expected {want}").format(
                    shape=self.expected_level.shape, want=(r, k)
                )
            )
        sim_pos = (np.asarray(self.layout.periods.month) - 1) // size
        if (
            len(self.layout.periods) % size
            or (np.diff(sim_pos.reshape(-1, size), axis=1) != 0).any()
        ):
            raise SalesModelError(
                _("the simulated months are not whole calendar {block}s").format(block=self.block)
            )
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
                _(
                    "bootstrap: no historical {block} with deviations at calendar position(s) "
                    "{missing}; deviations need 12 prior months, so the history must be at least "
                    "13 months (and a whole year for block='year')"
                ).format(block=self.block, missing=missing)
            )
        combos = int(np.prod([len(cands[p]) for p in need], dtype=float))
        if combos < 10:
            warnings.warn(
                _(
                    "bootstrap: the history offers only {combos} distinct ways to assemble a "
                    "year from whole {block}s, so company-wide outcomes take at most "
                    "{combos} values; use a shorter block, more history, or the parametric model"
                ).format(combos=combos, block=self.block),
                SmallHistoryWarning,
                stacklevel=3,
            )
        if self.exposure is not None and np.shape(self.exposure) != (r, t):
            raise SalesModelError(
                _("exposure: shape {shape}, expected {want}").format(
                    shape=np.shape(self.exposure), want=(r, t)
                )
            )
        object.__setattr__(self, "_cands", cands)
        object.__setattr__(self, "_sim_block_pos", sim_pos[::size])
        object.__setattr__(self, "_size", size)
        # Region pools per history month: padded matrix of valid rep rows. Region
        # codes are made dense over the regions either side uses.
        valid = np.isfinite(self.deviations).all(axis=2)  # (H, Th)
        used, dense = np.unique(
            np.concatenate([self.layout.region, self.history_region]), return_inverse=True
        )
        sim_region = dense[: len(self.layout.region)]
        hist_region = dense[len(self.layout.region) :]
        object.__setattr__(self, "_sim_region", sim_region)
        n_regions = len(used)
        pools = np.full((n_regions, len(self.history_periods), max(1, valid.sum(axis=0).max())), -1)
        sizes = np.zeros((n_regions, len(self.history_periods)), dtype=np.int64)
        for g in range(n_regions):
            in_g = hist_region == g
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
        block: str = "quarter",
        history: pd.PeriodIndex | None = None,
        exposure: np.ndarray | None = None,
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
                _(
                    "bootstrap: no rep has 12 months of history before another month; "
                    "the history is too short for the bootstrap (use the parametric model)"
                )
            )
        dev = dev / np.nanmean(dev, axis=(0, 1))
        idx = pd.Index(hist_reps).get_indexer(layout.rep_ids)
        return cls(
            layout,
            np.asarray(expected_level, float),
            dev,
            history,
            idx,
            hist_lay.region,
            block,
            exposure,
        )

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of sales, shape ``(reps, periods, kpis)``."""
        lay = self.layout
        size = self._size
        src_blocks = np.array([rng.choice(self._cands[p]) for p in self._sim_block_pos])
        src = (src_blocks[:, None] + np.arange(size)[None, :]).ravel()  # (T,)
        u = rng.random(lay.roster_size)[lay.roster]
        own = self.history_rep_index
        has_own = (own >= 0)[:, None] & self._valid[np.maximum(own, 0)][:, src]  # (R, T)
        region = self._sim_region
        sizes = self._pool_sizes[region][:, src]  # (R, T)
        pick = np.minimum((u[:, None] * sizes).astype(np.int64), np.maximum(sizes - 1, 0))
        donor = self._pools[region[:, None], src[None, :], pick]
        row = np.where(has_own, np.maximum(own, 0)[:, None], donor)
        dev = self.deviations[row, src[None, :], :]  # (R, T, K)
        out = self.expected_level[:, None, :] * dev
        out = np.where(lay.is_rate, np.clip(out, 0.0, 1.0), out)
        out = np.nan_to_num(out, nan=0.0)
        if self.exposure is not None:
            # Rates are not scaled by exposure, but a seat nobody holds sells nothing.
            e = self.exposure[:, :, None]
            out = np.where(lay.is_rate, np.where(e > 0, out, 0.0), out * e)
        return out

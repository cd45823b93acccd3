"""What each rep is expected to sell, and seats that lose their rep during the year.

:func:`expected_sales` centres the sales draws (on history or on the target);
:class:`Turnover` draws, per draw, the months a seat is vacant or ramping a new hire.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.engine.sales import Layout
from simlib.engine.settings import SimulationError
from simlib.i18n import _


def expected_sales(
    ds: Dataset,
    layout: Layout,
    targets: np.ndarray,
    basis: str = "history",
    growth: float | Mapping[str, float] | None = None,
    ratio: float = 1.0,
    ramp_months: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """What each rep is expected to sell in each simulated month.

    Parameters
    ----------
    ds : Dataset
        History to learn levels and seasonality from.
    layout : Layout
        Simulated reps, months and KPIs.
    targets : (reps, periods, kpis) array
        The targets; months without a target are months the seat is not
        staffed and expect no sales.
    basis : {"history", "target"}
        ``history``: each rep's deseasonalized level over the 12 months before the
        simulated year, times the company's growth (year on year, or ``growth``),
        times the calendar month's seasonal factor. Reps with fewer than 3 months
        of history take the median level of their position. ``target``: the
        target times ``ratio`` (sales centred on the target, the usual
        assumption when a plan is tested "at quota").
    growth : float or mapping KPI -> float, optional
        Expected growth over the last 12 months (0.05 = 5%); estimated from the
        two last years when omitted.
    ramp_months : int
        New hires reach full productivity over this many months (Bridge Group:
        about 3 for SDRs to 5 for account executives); their expected sales rise
        linearly, ``(months since hire + 1) / ramp_months``, capped at 1.

    Returns
    -------
    expected : (reps, periods, kpis) array, the monthly expectation (seasonal).
    level : (reps, kpis) array, the flat monthly level (for the bootstrap, which
        brings its own seasonality).
    exposure : (reps, periods) array, the share of a full month each rep sells:
        0 in months without a target (not employed), the ramp factor for new
        hires under ``history`` (targets already carry any ramp).
    """
    # A month with a target is a month the seat is staffed. A target of 0 for an
    # employed rep is a quota of nothing, not an empty seat: the rep still sells
    # (and counts in company revenue); only attainment has nothing to measure against.
    rows = pd.Index(ds.reps["rep_id"]).get_indexer(layout.rep_ids)
    employed = np.zeros(targets.shape[:2], dtype=bool)
    employed[rows >= 0] = ds.employed_mask(layout.periods)[rows[rows >= 0]]
    staffed = np.isfinite(targets) & ((targets > 0) | employed[:, :, None])
    seat = staffed.any(axis=2)  # a month with any target is a month the rep is there
    is_rate = layout.is_rate
    if basis == "target":
        exp = np.where(staffed, targets * ratio, 0.0)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            level = np.nanmean(np.where(staffed, exp, np.nan), axis=1)
        exp = np.where(is_rate, np.clip(exp, 0, 1), exp)
        return exp, np.nan_to_num(level), seat.astype(float)
    if basis != "history":
        raise SimulationError(
            _("expected sales basis: 'history' or 'target', got {basis!r}").format(basis=basis)
        )
    first = layout.periods[0]
    hist = pd.period_range(first - 24, first - 1, freq="M")
    hist = hist[(hist >= ds.periods[0]) & (hist <= ds.periods[-1])]
    if len(hist) < 3:
        raise SimulationError(
            _(
                "expected sales from history: fewer than 3 months of sales before {first}; "
                "use basis='target'"
            ).format(first=first)
        )
    kpis = tuple(layout.kpis)
    # The same for every design simulated on this dataset and year: kept on the
    # dataset (a batch or a design search asks for it once per design).
    key = ("expected_history", kpis, first.ordinal, tuple(hist.asi8), _growth_key(growth))
    level, season = ds.derived(key, lambda: _history_levels(ds, kpis, is_rate, first, hist, growth))
    level = level[rows]  # every rep of the dataset, in ds.reps order: the simulated ones
    sim_season = season[np.asarray(layout.periods.month) - 1]  # (T, K)
    hire = pd.to_datetime(
        ds.reps.set_index("rep_id").loc[layout.rep_ids, "hire_date"]
    ).dt.to_period("M")
    since = (
        np.asarray(layout.periods.asi8)[None, :] - np.asarray(pd.PeriodIndex(hire).asi8)[:, None]
    )
    ramp = np.clip((since + 1) / max(ramp_months, 1), 0.0, 1.0)  # (R, T)
    exp = level[:, None, :] * sim_season[None, :, :]
    exp = np.where(is_rate, exp, exp * ramp[:, :, None])
    exp = np.where(staffed, exp, 0.0)
    exp = np.where(is_rate, np.clip(exp, 0, 1), exp)
    return exp, level, seat * ramp


def _history_levels(
    ds: Dataset,
    kpis: tuple[str, ...],
    is_rate: np.ndarray,
    first: pd.Period,
    hist: pd.PeriodIndex,
    growth: float | Mapping[str, float] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every rep of the dataset (in ``ds.reps`` order), their monthly level over the last
    12 months of ``hist`` (deseasonalized, times growth; reps with fewer than 3 months take
    their position's median) and the seasonal factor of each calendar month (12, KPIs)
    from the history before ``first``, the first simulated month.

    Kept on the dataset by the caller (:meth:`Dataset.derived`)."""
    # Levels, position medians and growth come from every rep in the dataset, then
    # the simulated reps' rows are taken: a rep's expectation must not depend on
    # which other reps a design simulates (common random numbers across designs).
    all_ids = ds.reps["rep_id"].to_numpy()
    x = ds.sales_array(kpis=list(kpis), periods=hist, rep_ids=all_ids)
    # Seasonality from the history before the simulated year only (a replay of a
    # past year must not learn from the year it replays).
    before = ds.periods[ds.periods < first]
    all_x = ds.sales_array(kpis=list(kpis), periods=before)
    month_all = np.asarray(before.month) - 1
    # Seasonal factor per calendar month: the average employed rep's value that
    # month over the average month, from the whole history.
    per_month = np.stack(
        [np.nanmean(all_x[:, month_all == mo, :], axis=(0, 1)) for mo in range(12)]
    )
    season = per_month / np.nanmean(per_month, axis=0)
    season = np.where(is_rate | ~np.isfinite(season), 1.0, season)
    last12 = hist[-12:]
    in_last = np.isin(hist, last12)
    deseason = x / season[np.asarray(hist.month) - 1][None]
    n_months = np.isfinite(deseason[:, in_last, :]).sum(axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # reps with no history: filled below
        level = np.nanmean(deseason[:, in_last, :], axis=1)
    positions = ds.reps["position"].to_numpy()
    for pos in np.unique(positions):
        mask = positions == pos
        ok = mask[:, None] & (n_months >= 3)
        med = np.array(
            [
                np.nanmedian(level[ok[:, k], k]) if ok[:, k].any() else np.nan
                for k in range(len(kpis))
            ]
        )
        fill = mask[:, None] & (n_months < 3)
        level = np.where(fill, med[None, :], level)
    if growth is None:
        g = np.zeros(len(kpis))
        if len(hist) >= 24:
            prev = ~in_last
            both = np.isfinite(deseason[:, in_last]).all(axis=1) & np.isfinite(
                deseason[:, prev]
            ).all(axis=1)
            for k in range(len(kpis)):
                if both[:, k].any() and not is_rate[k]:
                    g[k] = (
                        deseason[both[:, k], :, k][:, in_last].sum()
                        / deseason[both[:, k], :, k][:, prev].sum()
                        - 1
                    )
    elif isinstance(growth, Mapping):
        g = np.array([float(growth.get(k, 0.0)) for k in kpis])
    else:
        g = np.full(len(kpis), float(growth))
    g = np.where(is_rate, 0.0, g)
    level = np.nan_to_num(level) * (1 + g)[None, :]
    level.flags.writeable = False  # shared by every design on this dataset
    season.flags.writeable = False
    return level, season


def _growth_key(growth: float | Mapping[str, float] | None) -> object:
    if isinstance(growth, Mapping):
        return tuple(sorted((str(k), float(v)) for k, v in growth.items()))
    return None if growth is None else float(growth)


# ------------------------------------------------------------------ turnover
@dataclass(frozen=True)
class Turnover:
    """Seats that lose their rep during the year, stay vacant, then ramp a new hire.

    Each seat loses its rep in a month with probability ``1 - (1 - annual) ** (1/12)``
    (at most once a year); the leaving month sells half, the seat then sells
    nothing for ``vacancy_months`` and a replacement ramps linearly over
    ``ramp_months`` (Bridge Group: about 3-5 months). The seat keeps its quota:
    a territory's target does not shrink when its rep leaves, which is how
    turnover shows up in attainment and pay. Rates (retention) are unaffected.

    Parameters
    ----------
    annual : float
        Annual turnover rate (Alexander Group: about 14% across B2B; best
        practice about 8%).
    """

    annual: float
    n_reps: int
    n_periods: int
    vacancy_months: int = 1
    ramp_months: int = 4
    #: Positions of the simulated reps in the dataset's roster (see ``Layout``),
    #: so each seat's exit draw does not depend on which other reps are simulated.
    roster: np.ndarray | None = None
    roster_size: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.annual < 1:
            raise SimulationError(
                _("turnover: annual rate must be within 0-1, got {rate}").format(rate=self.annual)
            )

    def seat_factor(self, rng: np.random.Generator) -> np.ndarray:
        """(reps, periods) share of a fully productive rep's sales each seat makes."""
        hazard = 1 - (1 - self.annual) ** (1 / 12)
        if self.roster is None:
            u = rng.random(self.n_reps)
        else:
            u = rng.random(self.roster_size)[self.roster]
        # Month of exit: geometric; beyond the year means no exit.
        exit_month = (
            np.floor(np.log1p(-u) / np.log1p(-hazard)).astype(np.int64)
            if hazard > 0
            else np.full(self.n_reps, 10**6)
        )
        t = np.arange(self.n_periods)[None, :]
        since = t - exit_month[:, None]  # 0 in the exit month
        after_vacancy = since - self.vacancy_months  # 1 in the new hire's first month
        ramp = np.clip(after_vacancy / max(self.ramp_months, 1), 0.0, 1.0)
        return np.where(since < 0, 1.0, np.where(since == 0, 0.5, ramp))


def annual_turnover(ds: Dataset, periods: pd.PeriodIndex) -> float:
    """Exits per rep-year of employment over ``periods`` (from hire and exit dates)."""
    employed = ds.employed_mask(periods)
    rep_years = employed.sum() / 12
    exit_ = pd.to_datetime(ds.reps["exit_date"])
    exits = exit_.between(periods[0].start_time, periods[-1].end_time).sum()
    return float(exits / rep_years) if rep_years > 0 else 0.0

"""Coverage: which months the data hold, a partial year as a full one, missing months.

* A partial last year is annualized by the seasonal profile of the full years
  before it (:func:`last_year_actual`), or refused.
* A month an employed rep has no sales row for is missing data, not zero sales:
  :func:`exclude_missing_months` leaves its target out too, so attainment is
  measured on the months the rep has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.data.checks.findings import (
    MAX_LISTED,
    DataCheckError,
    DataChecksSettings,
    Finding,
    counts_by_unit,
    make_finding,
    units_text,
)
from simlib.data.dataset import Dataset
from simlib.i18n import _


def _company_monthly(ds: Dataset, kpi: str) -> pd.Series:
    """The company's monthly total of a summed KPI over :attr:`Dataset.periods` (NaN
    for a month with no row at all)."""
    s = ds.sales.loc[ds.sales["kpi"] == kpi]
    tot = s.groupby("period", observed=True)["value"].sum()
    return tot.reindex(ds.periods)


# ------------------------------------------------------------ partial years
def year_months(ds: Dataset, year: int) -> pd.PeriodIndex:
    """The months of calendar ``year`` that lie within the data's months."""
    if len(ds.sales) == 0:
        return pd.PeriodIndex([], freq="M")
    p = ds.periods
    return p[p.year == year]


def full_years(ds: Dataset, before: int | None = None) -> list[int]:
    """Calendar years whose twelve months all lie within the data (before ``before``)."""
    p = ds.periods
    years = sorted(set(int(y) for y in p.year))
    out = [y for y in years if int((p.year == y).sum()) == 12]
    return [y for y in out if before is None or y < before]


def seasonal_shares(ds: Dataset, kpi: str, years: Sequence[int] | None = None) -> pd.Series:
    """Each calendar month's average share of a year's total of a summed KPI.

    For every full calendar year of data (or ``years``), the company total of each
    month divided by the year's total; the shares are then averaged over the years
    and normalised to sum to 1. Index 1-12 (January is 1).

    Raises
    ------
    DataCheckError
        When there is no full year to learn the profile from, or the KPI is not summed.
    """
    info = ds.kpi(kpi)
    if info["aggregation"] != "sum":
        raise ValueError(
            _("seasonal_shares: KPI {kpi!r} is not summed; a rate has no year total").format(
                kpi=kpi
            )
        )
    years = full_years(ds) if years is None else list(years)
    monthly = _company_monthly(ds, kpi)
    rows = []
    for y in years:
        m = monthly[monthly.index.year == y]
        total = float(m.sum())
        if len(m) == 12 and total > 0:
            rows.append(m.fillna(0.0).to_numpy() / total)
    if not rows:
        raise DataCheckError(
            [
                Finding(
                    "partial_year",
                    "error",
                    _(
                        "{kpi}: no full calendar year of data with a positive total to learn "
                        "the seasonal profile from, so a partial year cannot be annualized."
                    ).format(kpi=kpi),
                    _("Give the company target explicitly (company_target) or add a full year."),
                )
            ]
        )
    shares = np.mean(rows, axis=0)
    return pd.Series(shares / shares.sum(), index=pd.RangeIndex(1, 13), name="share_of_year")


def year_profile(ds: Dataset, kpi: str, before: int) -> tuple[pd.Series, str]:
    """The seasonal profile used to annualize a partial year, and its name in words.

    :func:`seasonal_shares` over the full years before ``before``; when there is no
    full year to learn it from, a flat profile (each month 1/12: the run rate), said
    so in the name, so the choice is never silent.
    """
    prior = full_years(ds, before=before)
    if prior:
        try:
            shares = seasonal_shares(ds, kpi, prior)
            span = f"{prior[0]}-{prior[-1]}" if len(prior) > 1 else f"{prior[0]}"
            return shares, _("the seasonal profile of {years}").format(years=span)
        except DataCheckError:
            pass
    flat = pd.Series(np.full(12, 1 / 12), index=pd.RangeIndex(1, 13), name="share_of_year")
    return flat, _(
        "a flat profile (the run rate: no full year before it to learn seasonality from)"
    )


def annualize(total: float, months: Iterable[int], shares: pd.Series) -> float:
    """A part-year total as a full year: ``total / (sum of the months' shares)``.

    ``months`` are the calendar months (1-12) the total covers; ``shares`` the
    seasonal profile (:func:`seasonal_shares`). For all twelve months the shares sum
    to 1 and the total is returned unchanged.
    """
    ms = sorted(set(int(m) for m in months))
    covered = float(shares.loc[ms].sum()) if ms else 0.0
    if len(ms) == 12:
        return float(total)
    if covered <= 0:
        raise DataCheckError(
            [
                Finding(
                    "partial_year",
                    "error",
                    _(
                        "the months {months} carry no share of a year in the seasonal "
                        "profile; they cannot be annualized"
                    ).format(months=ms),
                )
            ]
        )
    return float(total) / covered


@dataclass(frozen=True)
class LastYear:
    """A KPI's company actual for the year before the target year, as used.

    ``value`` is the annual figure (annualized when the year is partial);
    ``months`` the months on record; ``actual`` their sum (or mean for a rate);
    ``basis`` says in words how ``value`` was obtained.
    """

    kpi: str
    year: int
    value: float
    actual: float
    months: int
    basis: str

    @property
    def partial(self) -> bool:
        return self.months < 12


def last_year_actual(ds: Dataset, kpi: str, year: int, partial_year: str = "annualize") -> LastYear:
    """The company's actual of ``kpi`` in ``year`` as a full year.

    A summed KPI over fewer than 12 months of data is annualized by the seasonal
    profile (:func:`seasonal_shares` over the full years before ``year``) when
    ``partial_year`` is ``annualize``, and refused (:class:`DataCheckError`) when it
    is ``refuse``. A rate KPI is the mean of the months on record (a mean needs no
    annualizing).
    """
    info = ds.kpi(kpi)
    monthly = _company_monthly(ds, kpi) if info["aggregation"] == "sum" else None
    s = ds.sales.loc[(ds.sales["kpi"] == kpi) & (ds.sales["period"].dt.year == year)]
    if len(s) == 0:
        raise DataCheckError(
            [
                Finding(
                    "partial_year",
                    "error",
                    _("{kpi}: no sales in {year}, so no last year to use").format(
                        kpi=kpi, year=year
                    ),
                )
            ]
        )
    if info["aggregation"] != "sum":
        v = float(s["value"].mean())
        n = int(s["period"].nunique())
        basis = _("mean of the {count} month(s) of {year} on record").format(count=n, year=year)
        return LastYear(kpi, year, v, v, n, basis)
    assert monthly is not None
    m = monthly[monthly.index.year == year].dropna()
    actual = float(m.sum())
    n = len(m)
    if n == 12:
        return LastYear(
            kpi, year, actual, actual, 12, _("{year} actual (12 months)").format(year=year)
        )
    span = f"{m.index[0]}..{m.index[-1]}" if n else _("no month")
    if partial_year == "refuse":
        raise DataCheckError(
            [
                Finding(
                    "partial_year",
                    "error",
                    _(
                        "{kpi}: {year} has {count} of 12 months of data ({span}); it is not "
                        "used as a full year."
                    ).format(kpi=kpi, year=year, count=n, span=span),
                    _(
                        "data_checks.partial_year is 'refuse'; give company_target explicitly, "
                        "or set partial_year: annualize."
                    ),
                )
            ]
        )
    shares, profile = year_profile(ds, kpi, year)
    value = annualize(actual, m.index.month, shares)
    covered = float(shares.loc[sorted(set(m.index.month))].sum())
    basis = _(
        "{year} annualized by {profile}: its {count} months ({span}) carried {share} of a "
        "year, so {actual} / {covered} = {value}"
    ).format(
        year=year,
        profile=profile,
        count=n,
        span=span,
        share=f"{covered:.1%}",
        actual=f"{actual:,.0f}",
        covered=f"{covered:.3f}",
        value=f"{value:,.0f}",
    )
    return LastYear(kpi, year, value, actual, n, basis)


def check_partial_year(
    ds: Dataset, year: int | None = None, settings: DataChecksSettings | None = None
) -> list[Finding]:
    """The last calendar year of data (or ``year``) is partial: say how it is used."""
    settings = settings or DataChecksSettings()
    if len(ds.periods) == 0:
        return []
    year = int(ds.periods[-1].year) if year is None else int(year)
    months = year_months(ds, year)
    if len(months) == 0 or len(months) == 12:
        return []
    span = f"{months[0]}..{months[-1]}"
    msg = _("The data's year {year} has {count} of 12 months ({span}).").format(
        year=year, count=len(months), span=span
    )
    if settings.partial_year == "refuse":
        handling = _(
            "It is never used as a full year: data_checks.partial_year is 'refuse', so a "
            "company target grown from {year}, a target proposal or a cascade that needs "
            "{year} as 'last year' stops with an error; give company_target explicitly."
        ).format(year=year)
        return [Finding("partial_year", "warning", msg, handling, len(months))]
    parts = []
    for kpi in ds.kpi_names:
        if ds.kpi(kpi)["aggregation"] != "sum":
            continue
        try:
            ly = last_year_actual(ds, kpi, year, "annualize")
        except DataCheckError as exc:  # e.g. no sales of this KPI in the year
            parts.append(f"{kpi}: {exc.findings[0].message}")
            continue
        parts.append(f"{kpi}: {ly.basis}")
    handling = (
        _(
            "It is never used as a full year: where 'last year' is needed (company target "
            "from growth, the proposal's last-year actual, the cascade's unit bands) it is "
            "annualized by the seasonal profile (data_checks.partial_year: annualize)."
        )
        + " "
        + "; ".join(parts)
        + "."
    )
    return [make_finding(settings, "partial_year", msg, handling, len(months))]


# ------------------------------------------------------------ missing months
def positions_in(values: pd.Series, index: Sequence[str]) -> np.ndarray:
    """Position of each value in ``index`` (-1 when absent), factorizing once so a
    10-million-row column is matched through its few thousand distinct values."""
    codes, uniques = pd.factorize(values)
    pos = pd.Index([str(x) for x in index]).get_indexer(pd.Index(uniques).astype(str))
    return np.where(codes >= 0, pos[np.maximum(codes, 0)], -1) if len(pos) else codes


def period_ordinals(values: pd.Series) -> np.ndarray:
    """Month ordinals (months since 1970-01) of a Period[M] column."""
    arr = values.array
    if isinstance(values.dtype, pd.PeriodDtype):
        return np.asarray(arr.asi8, dtype=np.int64)
    return np.asarray(pd.PeriodIndex(values, freq="M").asi8, dtype=np.int64)


def _has_sales(ds: Dataset) -> np.ndarray:
    """Boolean (reps, periods): the rep has at least one sales row in the month."""
    sc = ds.sales_codes()
    rep, t = sc.rep, sc.month - (ds.periods[0].ordinal if len(ds.periods) else 0)
    ok = (rep >= 0) & (t >= 0) & (t < len(ds.periods))
    has = np.zeros((len(ds.reps), len(ds.periods)), dtype=bool)
    has[rep[ok], t[ok]] = True
    return has


def missing_months(ds: Dataset) -> pd.DataFrame:
    """Every (rep, month) in which an employed rep has no sales row at all, for reps
    that have sales in other months (reps with none are :func:`check_dataset`'s
    ``no_sales``). Columns ``rep_id``, ``unit_id``, ``period``."""
    emp = ds.employed_mask()
    has = _has_sales(ds)
    some = has.any(axis=1)
    gap = emp & ~has & some[:, None]
    r, t = np.nonzero(gap)
    return pd.DataFrame(
        {
            "rep_id": ds.reps["rep_id"].to_numpy()[r],
            "unit_id": ds.reps["unit_id"].to_numpy()[r],
            "period": ds.periods[t],
        }
    )


def check_missing_months(ds: Dataset, settings: DataChecksSettings | None = None) -> list[Finding]:
    settings = settings or DataChecksSettings()
    gaps = missing_months(ds)
    if gaps.empty:
        return []
    pos = pd.Index(ds.reps["rep_id"]).get_indexer(gaps["rep_id"])
    pairs = counts_by_unit(ds, pos)
    n_reps = gaps["rep_id"].nunique()
    per_rep = gaps.groupby("rep_id").size().sort_values(ascending=False)
    worst = ", ".join(f"{r} ({n})" for r, n in per_rep.head(MAX_LISTED).items())
    msg = _(
        "{count} month(s) without any sales row for {reps} employed rep(s) "
        "(most: {worst}); {by_unit}."
    ).format(
        count=f"{len(gaps):,}",
        reps=f"{n_reps:,}",
        worst=worst,
        by_unit=units_text(pairs, "months"),
    )
    handling = _(
        "Missing is not zero: a missing month is left out of both actual and target when "
        "a plan is paid on history (attainment on the months with data), and the sales "
        "model averages over months with data."
    )
    return [make_finding(settings, "missing_months", msg, handling, len(gaps), pairs)]


def exclude_missing_months(
    actuals: pd.DataFrame, targets: pd.DataFrame, ds: Dataset
) -> pd.DataFrame:
    """Targets without the months an employed rep has no actual for (the missing-month rule).

    A target row (``rep_id``, ``period``, ``kpi``) is dropped when the rep was
    employed that month, the month lies within the data's months, and ``actuals``
    has no row for that rep, month and KPI. Paying a plan on the result measures
    attainment on the months with data: the gap in the record is neither read as
    zero sales nor filled with invented ones. Targets of months outside the data
    (a plan year the data do not reach) and of months the rep was not employed
    are kept as they are.

    Parameters
    ----------
    actuals : pandas.DataFrame
        ``rep_id, period, kpi, value`` (e.g. ``ds.sales`` for the year paid).
    targets : pandas.DataFrame
        ``rep_id, period, kpi, target``.
    ds : Dataset
        For employment dates and the data's months.

    Returns
    -------
    pandas.DataFrame
        ``targets`` without the dropped rows (same columns, index reset).
    """
    if targets.empty:
        return targets
    tp = pd.PeriodIndex(targets["period"], freq="M")
    in_data = tp.isin(ds.periods)
    key_a = pd.MultiIndex.from_arrays(
        [
            actuals["rep_id"].astype(str).to_numpy(),
            pd.PeriodIndex(actuals["period"], freq="M").asi8,
            actuals["kpi"].astype(str).to_numpy(),
        ]
    )
    key_t = pd.MultiIndex.from_arrays(
        [targets["rep_id"].astype(str).to_numpy(), tp.asi8, targets["kpi"].astype(str).to_numpy()]
    )
    has_actual = key_t.isin(key_a)
    rpos = pd.Index(ds.reps["rep_id"].astype(str)).get_indexer(targets["rep_id"].astype(str))
    emp = ds.employed_mask()
    tpos = ds.periods.get_indexer(tp)
    ok = (rpos >= 0) & (tpos >= 0)
    employed = np.zeros(len(targets), dtype=bool)
    employed[ok] = emp[rpos[ok], tpos[ok]]
    drop = employed & in_data & ~has_actual
    return targets.loc[~drop].reset_index(drop=True)

"""Data health: is this sales history complete and plausible enough to simulate on?

The figures the ``data_health`` notebook shows, computed here so they are tested:
coverage (who has data in which month), KPI distributions, seasonality (each
month's share of its quarter and year), concentration (Lorenz curve, Gini, the top
20% of reps' share), headcount and attrition by unit, and the share of reps at quota.
Each comes with the practitioner reference band it is read against
(:data:`REFERENCES`, from ``docs/practice.md``).

Definitions used throughout
---------------------------
* A rep is **employed in a month** when employed for at least one day of it
  (:meth:`Dataset.employed_mask`); **at a month's end** when ``hire_date <= last day
  <= exit_date`` (``exit_date`` is the last day worked).
* **Full-year reps** of year *y* were employed from 1 January to 31 December of *y*;
  concentration and quota attainment use them only, so part-year reps (hires,
  leavers) do not look like low performers.
* **Attrition rate** of a year = exits in the year / average of the twelve month-end
  headcounts (the usual HR definition; Alexander Group's ~14% is on this basis).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.data.tenure import tenure_band
from simlib.i18n import _


@dataclass(frozen=True)
class Reference:
    """A practitioner norm to read a figure against."""

    low: float
    high: float
    typical: float
    source: str
    note: str = ""


#: Reference bands for the figures this module computes (``docs/practice.md``).
#: ``low``-``high`` is the range read as typical; outside it is worth a look, not an error.
#: Share at quota is read by the one rule every page uses,
#: ``simlib.vocabulary.metric("share_at_quota")``.
REFERENCES: dict[str, Reference] = {
    "top20_share": Reference(
        0.55, 0.65, 0.60, "CSO Insights", "top 20% of reps bring just over 60% of revenue"
    ),
    "attrition": Reference(
        0.10,
        0.18,
        0.14,
        "Alexander Group",
        "about 14% a year across B2B sales forces; best practice about 8%",
    ),
    "third_month_share": Reference(
        0.38,
        0.52,
        0.45,
        "Oyer (1998), QJE 113(1)",
        "the months of a quarter bring roughly 25 / 30 / 45% of its sales",
    ),
    "ramp_months": Reference(
        3, 5, 4, "Bridge Group", "new-hire ramp about 3 (SDR) to 5 (AE) months"
    ),
}

#: Quarter-month shares of a quarter with an end-of-quarter push (Oyer 1998).
MONTH_IN_QUARTER_REFERENCE = (0.25, 0.30, 0.45)

#: ``level=SECOND_LEVEL`` (the default) groups by the level below the company.
SECOND_LEVEL = "second level"


def default_volume_kpi(ds: Dataset) -> str:
    """The KPI that measures sales volume, from the data: the first summed currency
    KPI (revenue, sales amount), else the first summed KPI (new customers, units).

    KPI names come from the data, so nothing assumes a KPI called "revenue".

    Raises
    ------
    ValueError
        When no KPI rolls up by sum (concentration and seasonality need one).
    """
    k = ds.kpis
    summed = k[k["aggregation"] == "sum"]
    if summed.empty:
        raise ValueError(
            _(
                "no KPI rolls up by sum (the KPIs are {kpis}); concentration and "
                "seasonality need a volume KPI such as revenue"
            ).format(kpis=ds.kpi_names)
        )
    money = summed[summed["unit"] == "currency"]
    return str((money if len(money) else summed)["kpi"].iloc[0])


def default_group_level(ds: Dataset) -> str | None:
    """The level below the company (region in a company -> region -> branch -> team
    tree), from the data; ``None`` (the whole company) when the tree has one level."""
    levels = Hierarchy.of(ds).levels
    return levels[1] if len(levels) > 1 else None


def _level(ds: Dataset, level: str | None) -> str | None:
    if level == SECOND_LEVEL:
        return default_group_level(ds)
    return level


def _kpi(ds: Dataset, kpi: str | None) -> str:
    return default_volume_kpi(ds) if kpi is None else kpi


# --------------------------------------------------------------------------------------
# Concentration
# --------------------------------------------------------------------------------------


def _clean(values: np.ndarray | pd.Series | list[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float).ravel()
    v = v[~np.isnan(v)]
    if (v < 0).any():
        raise ValueError(_("concentration needs non-negative values (e.g. revenue per rep)"))
    return v


def lorenz(values: np.ndarray | pd.Series | list[float]) -> pd.DataFrame:
    """The Lorenz curve of a quantity across reps (e.g. annual revenue per rep).

    Parameters
    ----------
    values : array-like
        One non-negative value per rep; NaN are dropped.

    Returns
    -------
    pandas.DataFrame
        ``share_of_reps`` (0 to 1, reps sorted from smallest to largest) and
        ``share_of_value`` (cumulative share of the total they hold), starting at
        (0, 0) and ending at (1, 1). A diagonal means everyone sells the same.

    Examples
    --------
    >>> lorenz([1, 1, 2]).round(3).values.tolist()
    [[0.0, 0.0], [0.333, 0.25], [0.667, 0.5], [1.0, 1.0]]
    """
    v = np.sort(_clean(values))
    n = len(v)
    total = v.sum()
    if n == 0 or total <= 0:
        raise ValueError(_("lorenz needs at least one rep with a positive value"))
    return pd.DataFrame(
        {
            "share_of_reps": np.arange(n + 1) / n,
            "share_of_value": np.concatenate([[0.0], np.cumsum(v) / total]),
        }
    )


def top_share(values: np.ndarray | pd.Series | list[float], top: float = 0.2) -> float:
    """Share of the total held by the top ``top`` fraction of reps (0.2: the top 20%).

    Read off the Lorenz curve with linear interpolation, so a fraction of a rep
    counts pro rata (top 20% of 7 reps = the best rep and 40% of the second).
    CSO Insights: the top 20% of reps bring just over 60% of revenue.
    """
    if not 0 < top <= 1:
        raise ValueError(_("top must be a fraction in (0, 1], got {top}").format(top=top))
    lc = lorenz(values)
    return float(1.0 - np.interp(1.0 - top, lc["share_of_reps"], lc["share_of_value"]))


def gini(values: np.ndarray | pd.Series | list[float]) -> float:
    """Gini coefficient: 0 when every rep sells the same, towards 1 when one rep sells all.

    Computed as 1 - 2 x (area under the Lorenz curve), trapezoid rule (the
    standard discrete form, equal to mean absolute difference / (2 x mean)).
    """
    lc = lorenz(values)
    x, y = lc["share_of_reps"].to_numpy(), lc["share_of_value"].to_numpy()
    area = np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)
    return float(1.0 - 2.0 * area)


# --------------------------------------------------------------------------------------
# Per-rep annual totals and quota attainment
# --------------------------------------------------------------------------------------


def _complete_years(ds: Dataset) -> list[int]:
    """Calendar years whose twelve months all lie within the data's period range."""
    p = ds.periods
    years = sorted(set(p.year))
    return [y for y in years if ((p.year == y).sum() == 12)]


def full_year_reps(ds: Dataset, year: int) -> np.ndarray:
    """Rep ids employed from 1 January to 31 December of ``year``."""
    jan1 = pd.Timestamp(year=year, month=1, day=1)
    dec31 = pd.Timestamp(year=year, month=12, day=31)
    r = ds.reps
    ok = (r["hire_date"] <= jan1) & (r["exit_date"].isna() | (r["exit_date"] >= dec31))
    return r.loc[ok, "rep_id"].to_numpy()


def annual_totals(ds: Dataset, kpi: str | None = None, full_year_only: bool = True) -> pd.DataFrame:
    """Each rep's total of a summed KPI per calendar year.

    Parameters
    ----------
    kpi : str, optional
        A KPI whose ``aggregation`` is ``sum`` (revenue, new customers); a rate has
        no meaningful annual total. Default: :func:`default_volume_kpi` (the first
        summed currency KPI in the data). The same default applies to every
        function here taking ``kpi``.
    full_year_only : bool
        Keep only full-year reps in complete calendar years (the basis for
        concentration and quota attainment).

    Returns
    -------
    pandas.DataFrame
        ``rep_id``, ``year``, ``value``.
    """
    kpi = _kpi(ds, kpi)
    row = ds.kpi(kpi)
    if row["aggregation"] != "sum":
        raise ValueError(
            _(
                "annual_totals: KPI {kpi!r} rolls up by {aggregation!r}, not 'sum'; "
                "an annual total is only meaningful for a summed KPI"
            ).format(kpi=kpi, aggregation=row["aggregation"])
        )
    s = ds.sales.loc[ds.sales["kpi"] == kpi]
    out = (
        s.assign(year=s["period"].dt.year)
        .groupby(["rep_id", "year"], observed=True)["value"]
        .sum()
        .reset_index()
    )
    if full_year_only:
        keep = []
        for y in _complete_years(ds):  # a few years
            ids = full_year_reps(ds, y)
            keep.append(out[(out["year"] == y) & out["rep_id"].isin(ids)])
        out = pd.concat(keep, ignore_index=True) if keep else out.iloc[0:0]
    return out.sort_values(["year", "rep_id"], ignore_index=True)


def concentration(ds: Dataset, kpi: str | None = None, top: float = 0.2) -> pd.DataFrame:
    """Per complete year: full-year reps, top-``top`` share and Gini of their annual totals."""
    tot = annual_totals(ds, _kpi(ds, kpi))
    rows = [
        {
            "year": int(y),
            "reps": len(g),
            "top_share": top_share(g["value"], top),
            "gini": gini(g["value"]),
        }
        for y, g in tot.groupby("year")
    ]
    return pd.DataFrame(rows, columns=["year", "reps", "top_share", "gini"])


def quota_attainment(ds: Dataset, kpi: str | None = None) -> pd.DataFrame:
    """Share of full-year reps whose annual actual reached their annual quota.

    Needs the ``targets`` table (rep-level). Annual quota = the sum of the rep's
    monthly targets in the year over the months the rep has sales data for (a
    missing month is not a month of zero sales); attainment = actual / quota.

    Returns
    -------
    pandas.DataFrame
        Per complete year: ``reps`` (full-year reps with a quota), ``at_quota``
        (share with attainment >= 1), ``median_attainment``.
    """
    if ds.targets is None or "rep_id" not in ds.targets.columns:
        raise ValueError(
            _("quota_attainment needs a rep-level targets table; this dataset has none")
        )
    from simlib.data.checks import exclude_missing_months

    kpi = _kpi(ds, kpi)
    tot = annual_totals(ds, kpi)
    t = ds.targets.loc[(ds.targets["kpi"] == kpi) & ds.targets["rep_id"].notna()]
    # Missing is not zero: a month an employed rep has no sales row for is left out of
    # the quota too (docs/data-checks.md), so a gap in the export is not a shortfall.
    t = exclude_missing_months(ds.sales, t, ds)
    quota = (
        t.assign(year=t["period"].dt.year)
        .groupby(["rep_id", "year"], observed=True)["target"]
        .sum()
        .rename("quota")
        .reset_index()
    )
    both = tot.merge(quota, on=["rep_id", "year"], how="inner")
    both = both[both["quota"] > 0]
    att = both["value"] / both["quota"]
    g = both.assign(att=att).groupby("year")
    return pd.DataFrame(
        {
            "reps": g.size(),
            "at_quota": g["att"].apply(lambda a: float((a >= 1).mean())),
            "median_attainment": g["att"].median(),
        }
    ).reset_index()


# --------------------------------------------------------------------------------------
# Coverage and distributions
# --------------------------------------------------------------------------------------


def _kpis_present(ds: Dataset) -> np.ndarray:
    """Integer (reps, periods): how many of the dataset's KPIs the rep has a row for."""
    r = pd.Index(ds.reps["rep_id"]).get_indexer(ds.sales["rep_id"])
    t = ds.periods.get_indexer(ds.sales["period"])
    k = pd.Index(ds.kpi_names).get_indexer(ds.sales["kpi"])
    ok = (r >= 0) & (t >= 0) & (k >= 0)
    seen = np.zeros((len(ds.reps), len(ds.periods), len(ds.kpi_names)), dtype=bool)
    seen[r[ok], t[ok], k[ok]] = True
    return seen.sum(axis=2)


def _has_data(ds: Dataset) -> np.ndarray:
    """Boolean (reps, periods): the rep has at least one sales row in the month."""
    return _kpis_present(ds) > 0


def coverage(ds: Dataset) -> pd.DataFrame:
    """Month by month: reps employed, reps with data, and the gaps between the two.

    Returns
    -------
    pandas.DataFrame
        One row per month from the first to the last month with sales:
        ``employed`` (reps employed at least one day), ``with_data`` (reps with at
        least one sales row), ``missing`` (employed but no data: a gap in the
        export), ``outside_employment`` (data for a rep not employed that month),
        ``incomplete`` (rows for some KPIs but not all), ``coverage`` (with data
        among employed, 0-1). A month with ``with_data`` 0 is missing from the
        export altogether.
    """
    emp = ds.employed_mask()
    present = _kpis_present(ds)
    has = present > 0
    employed = emp.sum(axis=0)
    with_data = has.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = np.where(employed > 0, (emp & has).sum(axis=0) / employed, np.nan)
    return pd.DataFrame(
        {
            "period": ds.periods,
            "employed": employed,
            "with_data": with_data,
            "missing": (emp & ~has).sum(axis=0),
            "outside_employment": (has & ~emp).sum(axis=0),
            "incomplete": (has & (present < len(ds.kpi_names))).sum(axis=0),
            "coverage": cov,
        }
    )


def missing_rep_months(ds: Dataset) -> pd.DataFrame:
    """Every (rep, month) in which the rep was employed but has no sales row."""
    gap = ds.employed_mask() & ~_has_data(ds)
    r, t = np.nonzero(gap)
    return pd.DataFrame(
        {"rep_id": ds.reps["rep_id"].to_numpy()[r], "period": ds.periods[t]},
    )


def kpi_summary(ds: Dataset) -> pd.DataFrame:
    """Distribution of each KPI's monthly rep values: count, mean, percentiles, zeros.

    Returns
    -------
    pandas.DataFrame
        One row per KPI (the ``kpis`` table's order): ``kpi``, ``label``, ``unit``,
        ``rows``, ``reps``, ``mean``, ``p10``, ``median``, ``p90``, ``min``,
        ``max``, ``zero_share`` (share of rep-months with value 0).
    """
    rows = []
    for k in ds.kpis.itertuples():
        v = ds.sales.loc[ds.sales["kpi"] == k.kpi]
        x = v["value"].to_numpy(dtype=float)
        label = getattr(k, "label", k.kpi)
        empty = len(x) == 0
        rows.append(
            {
                "kpi": k.kpi,
                "label": k.kpi if pd.isna(label) else label,
                "unit": k.unit,
                "rows": len(x),
                "reps": v["rep_id"].nunique(),
                "mean": np.nan if empty else x.mean(),
                "p10": np.nan if empty else np.quantile(x, 0.1),
                "median": np.nan if empty else np.median(x),
                "p90": np.nan if empty else np.quantile(x, 0.9),
                "min": np.nan if empty else x.min(),
                "max": np.nan if empty else x.max(),
                "zero_share": np.nan if empty else float((x == 0).mean()),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Seasonality
# --------------------------------------------------------------------------------------


def seasonality(ds: Dataset, kpi: str | None = None) -> pd.DataFrame:
    """Company total of a summed KPI per month, with its share of its quarter and year.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``total``, ``month_in_quarter`` (1-3), ``quarter`` (1-4),
        ``share_of_quarter`` and ``share_of_year`` (NaN where the quarter or year
        is not complete in the data).
    """
    kpi = _kpi(ds, kpi)
    if ds.kpi(kpi)["aggregation"] != "sum":
        raise ValueError(
            _("seasonality: KPI {kpi!r} is not summed; pick a volume KPI").format(kpi=kpi)
        )
    s = ds.sales.loc[ds.sales["kpi"] == kpi]
    total = s.groupby("period", observed=True)["value"].sum().reindex(ds.periods, fill_value=0.0)
    p = ds.periods
    df = pd.DataFrame(
        {
            "period": p,
            "total": total.to_numpy(),
            "year": p.year,
            "quarter": p.quarter,
            "month_in_quarter": (p.month - 1) % 3 + 1,
        }
    )
    q = df.groupby(["year", "quarter"])["total"]
    y = df.groupby("year")["total"]
    df["share_of_quarter"] = np.where(
        q.transform("size") == 3, df["total"] / q.transform("sum"), np.nan
    )
    df["share_of_year"] = np.where(
        y.transform("size") == 12, df["total"] / y.transform("sum"), np.nan
    )
    return df.drop(columns="year")


def seasonality_profile(ds: Dataset, kpi: str | None = None) -> pd.DataFrame:
    """Average share of the first, second and third month in their quarter.

    Compare with the end-of-quarter push of about 25/30/45% (Oyer 1998);
    :data:`MONTH_IN_QUARTER_REFERENCE`.
    """
    s = seasonality(ds, kpi).dropna(subset=["share_of_quarter"])
    out = s.groupby("month_in_quarter")["share_of_quarter"].agg(["mean", "min", "max"])
    out["reference"] = MONTH_IN_QUARTER_REFERENCE[: len(out)]
    return out.reset_index()


# --------------------------------------------------------------------------------------
# Headcount and attrition
# --------------------------------------------------------------------------------------


def _month_end_employed(ds: Dataset) -> np.ndarray:
    """Boolean (reps, periods): employed on the last day of the month."""
    # Days, not nanoseconds: a placeholder exit date such as 9999-12-31 ("still
    # employed" in many HR systems) lies outside datetime64[ns] (years 1677-2262)
    # and a cast to it would silently wrap around.
    ends = np.asarray(ds.periods.end_time.to_numpy(), dtype="datetime64[D]")
    hire = np.asarray(ds.reps["hire_date"].array, dtype="datetime64[D]")
    ex = np.asarray(ds.reps["exit_date"].array, dtype="datetime64[D]")
    return (hire[:, None] <= ends[None, :]) & (
        np.isnat(ex)[:, None] | (ex[:, None] >= ends[None, :])
    )


def _rep_groups(ds: Dataset, level: str | None) -> tuple[np.ndarray, pd.Index]:
    """Each rep's unit at ``level`` (company-wide when None) and the unit order.

    In an unbalanced tree a rep's path may skip ``level``: the highest unit below it
    stands in (see :meth:`Hierarchy.ancestor_at`); a rep attached to a unit *above*
    ``level`` (say, directly to a region when grouping by team) is grouped under that
    unit, so nobody drops out of a headcount.
    """
    level = _level(ds, level)
    h = Hierarchy.of(ds)
    own = ds.reps["unit_id"].to_numpy(dtype=object)
    if level is None:
        return np.full(len(ds.reps), h.root, dtype=object), pd.Index([h.root])
    g = h.ancestor_at(own, level)
    above = pd.isna(g)
    g[above] = own[above]
    present = set(g)
    order = [u for u in h.units_at(level) if u in present]
    order += [u for u in pd.unique(g) if u not in set(order)]  # stand-ins, in first-seen order
    return g, pd.Index(order)


def headcount(ds: Dataset, level: str | None = SECOND_LEVEL) -> pd.DataFrame:
    """Month-end headcount per unit at ``level`` (``None``: the whole company).

    The default ``level`` is the one below the company (:func:`default_group_level`:
    region in the sample), whatever the data calls it; so is :func:`attrition`'s.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``unit_id``, ``name``, ``headcount``.
    """
    emp = _month_end_employed(ds)
    g, order = _rep_groups(ds, level)
    codes = order.get_indexer(g)
    # (units, periods) counts in one pass: add each rep's row to its unit.
    counts = np.zeros((len(order), emp.shape[1]), dtype=np.int64)
    np.add.at(counts, codes, emp.astype(np.int64))
    names = ds.units.set_index("unit_id")["name"].reindex(order).to_numpy()
    return pd.DataFrame(
        {
            "period": np.tile(ds.periods, len(order)),
            "unit_id": np.repeat(order.to_numpy(), len(ds.periods)),
            "name": np.repeat(names, len(ds.periods)),
            "headcount": counts.ravel(),
        }
    )


def attrition(ds: Dataset, level: str | None = SECOND_LEVEL) -> pd.DataFrame:
    """Annual attrition per unit at ``level`` (``None``: the company) for complete years.

    Rate = exits in the calendar year / average month-end headcount over its twelve
    months. Read against about 14% a year (Alexander Group; best practice about 8%).
    A unit is attributed the rep's current ``unit_id`` (moves are not tracked).

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``name``, ``year``, ``exits``, ``avg_headcount``, ``rate``.
    """
    emp = _month_end_employed(ds)
    g, order = _rep_groups(ds, level)
    codes = order.get_indexer(g)
    years = _complete_years(ds)
    ex = ds.reps["exit_date"]
    names = ds.units.set_index("unit_id")["name"].reindex(order).to_numpy()
    rows = []
    for y in years:  # a few years; each is vectorized over reps
        cols = np.flatnonzero(ds.periods.year == y)
        hc = np.zeros(len(order))
        np.add.at(hc, codes, emp[:, cols].sum(axis=1))
        avg = hc / len(cols)
        left = (ex.dt.year == y).fillna(False).to_numpy(dtype=bool)
        exits = np.bincount(codes[left], minlength=len(order))
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(avg > 0, exits / avg, np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "unit_id": order.to_numpy(),
                    "name": names,
                    "year": y,
                    "exits": exits,
                    "avg_headcount": avg,
                    "rate": rate,
                }
            )
        )
    cols = ["unit_id", "name", "year", "exits", "avg_headcount", "rate"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def tenure_bands(ds: Dataset, at: str | pd.Timestamp | None = None) -> pd.Series:
    """Each rep's tenure band at a date (default: the end of the last month), by rep_id.

    Bands are :data:`simlib.data.tenure.TENURE_BANDS` ("<1y", "1-3y", "3-5y", "5y+"),
    the ones simulation results are grouped by; leavers are banded at their exit.
    """
    when = pd.Timestamp(at) if at is not None else ds.periods[-1].end_time.normalize()
    ref = ds.reps["exit_date"].where(ds.reps["exit_date"] < when, when).fillna(when)
    bands = tenure_band(ds.reps["hire_date"], ref)
    return pd.Series(
        bands.to_numpy(dtype=object), index=ds.reps["rep_id"].to_numpy(), name="tenure_band"
    )

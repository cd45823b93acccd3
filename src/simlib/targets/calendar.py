"""Calendarization: annual targets become monthly targets.

Each rep's annual target is spread over the months they are employed by the
seasonal profile of their unit (:func:`seasonal_profile`); a unit's months are
its children's months, scaled by apportionment to the unit's own annual target.
With no padding below a unit, its month is exactly the sum of its children's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.i18n import _
from simlib.targets.nodes import CascadeError, year_periods
from simlib.targets.rounding import apportion_rows


def seasonal_profile(
    ds: Dataset, kpi: str, level: str | None = None, years: int = 3, before: int | None = None
) -> pd.DataFrame:
    """Month-of-year shares of the annual actual, averaged over complete years.

    For each unit at ``level`` (the company when ``None``) and each calendar month,
    the share that month took of the year's total, averaged over the last
    ``years`` complete calendar years before ``before`` (a year). This is the
    multiplicative seasonal index of a classical decomposition with the trend
    taken as the annual level; it is easy to explain ("March brings 9% of the
    year") and needs no model fit per unit. Units without a complete year use the
    company profile.

    Returns
    -------
    pandas.DataFrame
        Index ``unit_id``, 12 columns ``1..12`` summing to 1 per row.
    """
    h = Hierarchy.of(ds)
    level = level or h.levels[0]
    sc = ds.sales_codes()
    sel = (sc.kpi == ds.kpi_names.index(kpi)) & (sc.rep >= 0)
    month = sc.month[sel]
    yr = month // 12 + 1970
    y0 = int(yr.min()) if len(yr) else 0
    per_year = np.zeros((int(yr.max()) - y0 + 1 if len(yr) else 0, 12), dtype=bool)
    per_year[yr - y0, month % 12] = True
    complete = [y0 + i for i in np.flatnonzero(per_year.all(axis=1))]
    if before is not None:
        complete = [y for y in complete if y < before]
    complete = complete[-years:]
    if not complete:
        raise CascadeError(
            _(
                "seasonal calendarization of {kpi!r} needs at least one complete calendar "
                "year of sales; use calendarization: {{method: flat}}"
            ).format(kpi=kpi)
        )
    units = h.units_at(level)
    # Each rep's unit at ``level``, as a row of the profile table.
    rep_unit = pd.Index(units).get_indexer(
        pd.Index(h.ancestor_at(ds.reps["unit_id"].to_numpy(), level)).astype(str)
    )
    keep = np.isin(yr, complete)
    r = sc.rep[sel][keep]
    u = rep_unit[r]
    yi = np.searchsorted(complete, yr[keep])
    m = month[keep] % 12
    v = sc.value[sel][keep]
    Y = len(complete)
    ok = u >= 0
    cube = np.bincount(
        (u[ok] * Y + yi[ok]) * 12 + m[ok], weights=v[ok], minlength=len(units) * Y * 12
    ).reshape(len(units), Y, 12)
    comp = cube.sum(axis=0)  # (Y, 12): the company
    ctot = comp.sum(axis=1)
    if not (ctot > 0).any():
        raise CascadeError(
            _(
                "seasonal calendarization of {kpi!r}: the company sold nothing in "
                "{years}, so there is no seasonal pattern; use calendarization: {{method: flat}}"
            ).format(kpi=kpi, years=complete)
        )
    company = (comp[ctot > 0] / ctot[ctot > 0, None]).mean(axis=0)
    tot = cube.sum(axis=2)  # (U, Y)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # Units that sold nothing in any complete year have no shares (all NaN);
        # they take the company's profile just below.
        warnings.simplefilter("ignore", RuntimeWarning)
        shares = np.where(tot[:, :, None] > 0, cube / tot[:, :, None], np.nan)
        prof = (
            np.nanmean(
                np.where(np.isnan(shares).all(axis=2, keepdims=True), np.nan, shares), axis=1
            )
            if Y
            else shares
        )
    prof = np.where(np.isnan(prof).any(axis=1, keepdims=True), company[None, :], prof)
    prof = prof / prof.sum(axis=1, keepdims=True)
    return pd.DataFrame(prof, index=pd.Index(units, name="unit_id"), columns=range(1, 13))


def monthly_targets(ds, tree, spec, kpi, annual, unit, year, additive) -> pd.DataFrame:
    """Monthly targets: reps by their unit's seasonal profile over employed months;
    units as their children's months scaled to their own annual target."""
    periods = year_periods(year)
    R, U = tree.R, tree.U
    cal = spec.calendarization
    if cal.method == "flat" or not additive:
        prof = np.full((R, 12), 1.0 / 12)
    else:
        own = tree.h.unit_ids[tree.rep_unit]
        if cal.profile_level is not None:
            sp = seasonal_profile(ds, kpi, cal.profile_level, cal.years, before=year)
            prof = sp.reindex(tree.h.ancestor_at(own, cal.profile_level)).to_numpy()
        else:
            # Default: each rep's own unit's profile (the issue: "by the unit's
            # seasonal profile"); a unit without a complete year of its own takes
            # the company's (see seasonal_profile).
            own_level = tree.h.units.set_index("unit_id")["level"].reindex(own).to_numpy()
            prof = np.full((R, 12), np.nan)
            for lv in pd.unique(own_level):
                at = own_level == lv
                sp = seasonal_profile(ds, kpi, str(lv), cal.years, before=year)
                prof[at] = sp.reindex(own[at]).to_numpy()
        prof = np.where(np.isnan(prof), 1.0 / 12, prof)
    month = np.zeros((tree.N, 12))
    if additive:
        # Months with no seasonal share get a token weight, so a rep who works only
        # such months still receives their annual target.
        wts = (prof + 1e-9) * tree.employed
        rep_units = np.round(annual[U:] / unit).astype(np.int64)
        month[U:] = apportion_rows(wts, rep_units) * unit
        for d in range(int(tree.h.depth.max()), -1, -1):
            us = np.flatnonzero((tree.depth == d) & ~tree.is_rep & tree.nonempty)
            if len(us) == 0:
                continue
            kid_sum = np.zeros((tree.N, 12))
            ch = np.flatnonzero(np.isin(tree.parent, us) & tree.nonempty)
            np.add.at(kid_sum, tree.parent[ch], month[ch])
            kid_units = np.round(kid_sum[us] / unit)
            tot = np.round(annual[us] / unit).astype(np.int64)
            # No padding below: the unit's month is its children's month, exactly.
            same = kid_units.sum(axis=1).astype(np.int64) == tot
            month[us[same]] = kid_units[same] * unit
            pad = np.flatnonzero(~same)
            if len(pad):
                # Padding: children's months scaled to the unit's own annual target,
                # rounded jointly (a token weight keeps all-zero rows solvable).
                w = kid_units[pad] + 1e-12
                month[us[pad]] = apportion_rows(w, tot[pad]) * unit
    else:
        month[:] = annual[:, None]
        month[U:] = np.where(tree.employed, month[U:], np.nan)
    keep = np.flatnonzero(tree.nonempty)
    vals = month[keep]
    mask = np.ones_like(vals, dtype=bool)
    is_rep = tree.is_rep[keep]
    mask[is_rep] = tree.employed[keep[is_rep] - U]
    rows, cols = np.nonzero(mask)
    node = keep[rows]
    # Strings are built once per node and taken per row (pyarrow take), not per row.
    return pd.DataFrame(
        {
            "unit_id": tree.unit_col.take(node),
            "rep_id": tree.rep_col.take(node),
            "level": tree.level_col.take(node),
            "period": periods.take(cols),
            "kpi": pd.array([kpi], dtype="str").take(np.zeros(len(node), dtype=np.int64)),
            "target": vals[rows, cols],
        }
    )

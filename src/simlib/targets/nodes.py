"""What the cascade knows about every node: the tree as index arrays, and each
rep's history, capacity, potential and last-year actual for one KPI.

The sales table is coded once per dataset as integers (rep position, month
ordinal, KPI position) so that the 100,000-rep case needs no string matching in
the hot path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.errors import SimlibError
from simlib.i18n import _
from simlib.targets.spec import REP_LEVEL, LevelRule

#: Months of last-year sales a rep needs before a guardrail band applies to them.
MIN_MONTHS_FOR_BAND = 3


class GuardrailError(SimlibError, ValueError):
    """Guardrails cannot hold a parent's total (the message names the unit)."""


class CascadeError(SimlibError, ValueError):
    """The cascade cannot be computed from these inputs (the message says why)."""


# ------------------------------------------------------------------- helpers
def rate_weights(ds: Dataset, kpi: str, rows: np.ndarray) -> np.ndarray:
    """Weights of the sales rows ``rows`` (indices into ``ds.sales``) of a rate KPI.

    A rate KPI whose ``weight_kpi`` is set (e.g. retention weighted by customers) is
    averaged with the weight KPI's value for the same rep and month (0 when that row
    is missing); without one every row weighs 1 (a plain mean).
    """
    wk = ds.kpi(kpi).get("weight_kpi")
    if wk is None or pd.isna(wk) or str(wk) == "":
        return np.ones(len(rows))
    sc = ds.sales_codes()
    wsel = np.flatnonzero((sc.kpi == ds.kpi_names.index(str(wk))) & (sc.rep >= 0))
    span = int(sc.month.max() - sc.month.min() + 1) if len(sc.month) else 1
    lo = int(sc.month.min()) if len(sc.month) else 0
    key_w = sc.rep[wsel].astype(np.int64) * span + (sc.month[wsel] - lo)
    key_r = sc.rep[rows].astype(np.int64) * span + (sc.month[rows] - lo)
    pos = pd.Index(key_w).get_indexer(key_r) if pd.Index(key_w).is_unique else None
    if pos is None:
        agg = pd.Series(sc.value[wsel]).groupby(key_w).sum()
        return agg.reindex(key_r).fillna(0.0).to_numpy()
    return np.where(pos >= 0, sc.value[wsel][np.maximum(pos, 0)], 0.0)


def _ordinal(year: int, month: int = 1) -> int:
    return (year - 1970) * 12 + month - 1


def year_periods(year: int) -> pd.PeriodIndex:
    return pd.period_range(f"{year}-01", f"{year}-12", freq="M")


class NodeTree:
    """Units and the target year's reps as one array-indexed tree."""

    def __init__(self, ds: Dataset, year: int) -> None:
        h = Hierarchy.of(ds)
        self.h = h
        periods = year_periods(year)
        emp = ds.employed_mask(periods)
        keep = emp.any(axis=1)
        reps = ds.reps.loc[keep].reset_index(drop=True)
        self.reps = reps
        self.rep_pos_of_ds = np.full(len(keep), -1, dtype=np.int64)
        self.rep_pos_of_ds[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
        self.employed = emp[keep]  # (R, 12)
        U, R = len(h.unit_ids), len(reps)
        self.U, self.R, self.N = U, R, U + R
        self.rep_unit = h.index.get_indexer(reps["unit_id"].astype(str))
        if (self.rep_unit < 0).any():
            bad = reps["rep_id"][self.rep_unit < 0].tolist()[:5]
            raise CascadeError(
                _("reps {bad} belong to units not in the units table").format(bad=bad)
            )
        self.parent = np.concatenate([h.parent, self.rep_unit])
        self.depth = np.concatenate([h.depth, h.depth[self.rep_unit] + 1])
        self.level = np.concatenate([h.level_of, np.full(R, REP_LEVEL, dtype=object)])
        self.rank = np.concatenate(
            [np.array([h.level_rank(x) for x in h.level_of]), np.full(R, len(h.levels))]
        )
        self.node_id = np.concatenate(
            [h.unit_ids.astype(object), reps["rep_id"].to_numpy(dtype=object)]
        )
        self.is_rep = np.arange(self.N) >= U
        # Ancestor units of each rep (columns by depth), for subtree sums.
        self.rep_anc = h.ancestors[self.rep_unit]
        unit_of_node = np.where(
            self.is_rep, h.unit_ids[np.clip(self.parent, 0, None)], self.node_id
        )
        self.unit_col = pd.array(unit_of_node.astype(str), dtype="string")
        self.rep_col = pd.array(np.where(self.is_rep, self.node_id, None), dtype="string")
        self.level_col = pd.array(self.level.astype(str), dtype="str")
        headcount = self.up(np.ones(R))
        self.nonempty = headcount > 0
        self.headcount = headcount

    def up(self, rep_values: np.ndarray) -> np.ndarray:
        """Node values from rep values: reps keep theirs, units sum their subtree."""
        out = np.zeros(self.N)
        out[self.U :] = rep_values
        anc = self.rep_anc
        for c in range(anc.shape[1]):
            ok = anc[:, c] >= 0
            out[: self.U] += np.bincount(anc[ok, c], weights=rep_values[ok], minlength=self.U)
        return out


def node_history(ds: Dataset, tree: NodeTree, kpi: str, year: int, rule: LevelRule) -> np.ndarray:
    """Each eligible rep's history weight (KPI units per year), by the rule's basis."""
    hr = rule.history
    if len(ds.sales) == 0:
        raise CascadeError(
            _("history split of {kpi!r} needs sales before {year}; the dataset has none").format(
                kpi=kpi, year=year
            )
        )
    before = ds.periods[ds.periods.year < year]
    if len(before) == 0:
        raise CascadeError(
            _("history split of {kpi!r} needs sales before {year}").format(kpi=kpi, year=year)
        )
    if hr.basis == "last_year":
        window = before[before.year == year - 1]
        if len(window) == 0:
            raise CascadeError(
                _("history basis last_year: no sales in {year}").format(year=year - 1)
            )
    elif hr.basis == "ttm":
        window = before[-12:]
    else:
        window = before
    arr = tree_sales(ds, tree, kpi, window)  # (R, T), NaN where no sales row
    have = ~np.isnan(arr)
    if hr.basis == "ewm":
        age = np.arange(len(window))[::-1]
        wt = 0.5 ** (age / hr.halflife_months)
        num = np.nansum(arr * wt, axis=1)
        den = (have * wt).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(den > 0, num / den, 0.0)
        return rate * 12.0
    total = np.nansum(arr, axis=1)
    if hr.annualize:
        n = have.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, total * 12.0 / n, 0.0)
    return total


def tree_sales(ds: Dataset, tree: NodeTree, kpi: str, window: pd.PeriodIndex) -> np.ndarray:
    """Sales of the cascade's reps over ``window`` as (reps, months), NaN if no row."""
    key = ("_tree_sales", kpi, int(window[0].ordinal), len(window), tree.R)

    def build() -> np.ndarray:
        sc = ds.sales_codes()
        t0 = int(window[0].ordinal)
        T = len(window)
        r = tree.rep_pos_of_ds[np.maximum(sc.rep, 0)]
        sel = (
            (sc.kpi == ds.kpi_names.index(kpi))
            & (sc.rep >= 0)
            & (r >= 0)
            & (sc.month >= t0)
            & (sc.month < t0 + T)
        )
        arr = np.full((tree.R, T), np.nan)
        arr[r[sel], sc.month[sel] - t0] = sc.value[sel]
        return arr

    return ds.derived(key, build)


def node_capacity(tree: NodeTree, year: int, rule: LevelRule) -> np.ndarray:
    """Expected productive months in the target year, new hires at their ramp."""
    start = year_periods(year)
    hire = tree.reps["hire_date"].to_numpy(dtype="datetime64[ns]")
    hire_p = pd.PeriodIndex(pd.DatetimeIndex(hire), freq="M")
    # months since hire at each target month (0 = the hire month)
    age = (start.year.to_numpy()[None, :] * 12 + start.month.to_numpy()[None, :]) - (
        hire_p.year.to_numpy()[:, None] * 12 + hire_p.month.to_numpy()[:, None]
    )
    ramp = np.asarray(rule.capacity.ramp, dtype=float)
    factor = np.ones(age.shape)
    ramping = (age >= 0) & (age < len(ramp))
    factor[ramping] = ramp[age[ramping]]
    return (tree.employed * factor).sum(axis=1)


def node_potential(ds: Dataset, tree: NodeTree, kpi: str) -> np.ndarray:
    """Node potential: given rows, else the sum of the children when all have one."""
    out = np.full(tree.N, np.nan)
    pot = ds.potential
    if pot is None:
        return out
    p = pot[pot["kpi"] == kpi]
    v = p["value"].to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        # A negative potential would silently zero a unit's share (weights are
        # clipped at zero), so it is refused, naming the rows.
        ids = []
        for _i, row in p[bad].head(5).iterrows():
            rid = row.get("rep_id") if "rep_id" in p.columns else None
            ids.append(
                _("rep {rep!r}").format(rep=rid)
                if rid is not None and pd.notna(rid)
                else _("unit {unit!r}").format(unit=row["unit_id"])
            )
        raise CascadeError(
            _(
                "potential table: {kpi} potential must be a non-negative number; found "
                "{values} for {ids}"
            ).format(kpi=kpi, values=v[bad][:5].tolist(), ids=", ".join(ids))
        )
    if "unit_id" in p.columns:
        u = p[p["unit_id"].notna()]
        idx = tree.h.index.get_indexer(u["unit_id"].astype(str))
        out[idx[idx >= 0]] = u["value"].to_numpy(dtype=float)[idx >= 0]
    if "rep_id" in p.columns:
        r = p[p["rep_id"].notna()]
        idx = pd.Index(tree.node_id[tree.U :]).get_indexer(r["rep_id"].astype(str))
        out[tree.U + idx[idx >= 0]] = r["value"].to_numpy(dtype=float)[idx >= 0]
    # Bottom-up fill of units without a row, over nonempty children only.
    for d in range(int(tree.depth.max()), 0, -1):
        kids = np.flatnonzero((tree.depth == d) & tree.nonempty)
        par = tree.parent[kids]
        miss = np.bincount(par, weights=np.isnan(out[kids]).astype(float), minlength=tree.N)
        tot = np.bincount(par, weights=np.nan_to_num(out[kids]), minlength=tree.N)
        nk = np.bincount(par, minlength=tree.N)
        fill = np.isnan(out) & (nk > 0) & (miss == 0) & ~tree.is_rep
        out[fill] = tot[fill]
    return out


def last_year_actual(ds: Dataset, tree: NodeTree, kpi: str, year: int, mean: bool) -> np.ndarray:
    """Each node's actual in the year before the target year.

    Units: the sum over every rep who sold there (also those who left). Reps: their
    sales annualized over the months they worked (NaN under
    ``MIN_MONTHS_FOR_BAND`` months). Rate KPIs: the mean of reps' average monthly
    rates, headcount-weighted; when the KPI names a ``weight_kpi`` (retention
    weighted by customers), months and reps are weighted by it instead.
    """
    sc = ds.sales_codes()
    out = np.full(tree.N, np.nan)
    t0 = _ordinal(year - 1)
    sel = (
        (sc.kpi == ds.kpi_names.index(kpi))
        & (sc.rep >= 0)
        & (sc.month >= t0)
        & (sc.month < t0 + 12)
    )
    if not sel.any():
        return out
    nR = len(ds.reps)
    n_r = np.bincount(sc.rep[sel], minlength=nR)
    if mean:
        # Rate KPIs: weighted by weight_kpi when the KPI names one (else plain mean).
        wrow = rate_weights(ds, kpi, np.flatnonzero(sel))
        tot_r = np.bincount(sc.rep[sel], weights=sc.value[sel] * wrow, minlength=nR)
        wt_r = np.bincount(sc.rep[sel], weights=wrow, minlength=nR)
    else:
        tot_r = np.bincount(sc.rep[sel], weights=sc.value[sel], minlength=nR)
        wt_r = n_r.astype(float)
    has = n_r > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_rep = np.where(has, tot_r / wt_r if mean else tot_r, np.nan)
    unit_w = wt_r if mean else np.ones(nR)
    uidx = tree.h.index.get_indexer(ds.reps["unit_id"].astype(str))
    anc = tree.h.ancestors[uidx[has]]
    vals = np.nan_to_num(per_rep[has])
    wk = ds.kpi(kpi).get("weight_kpi")
    weighted = mean and wk is not None and not pd.isna(wk) and str(wk) != ""
    # Rate KPIs: reps count by their weight (weight_kpi) or one each (headcount).
    uw = unit_w[has] if weighted else np.ones(int(has.sum()))
    tot = np.zeros(tree.U)
    cnt = np.zeros(tree.U)
    for c in range(anc.shape[1]):
        ok = anc[:, c] >= 0
        tot += np.bincount(anc[ok, c], weights=vals[ok] * uw[ok], minlength=tree.U)
        cnt += np.bincount(anc[ok, c], weights=uw[ok], minlength=tree.U)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[: tree.U] = np.where(cnt > 0, tot / cnt if mean else tot, np.nan)
    ds_pos = np.flatnonzero(tree.rep_pos_of_ds >= 0)  # tree rep i is ds.reps row ds_pos[i]
    rep_vals = per_rep[ds_pos]
    if not mean:
        # A rep's band is set around last year's run rate: a rep who joined in
        # October is not held to 130% of three months' sales. Reps with fewer than
        # MIN_MONTHS_FOR_BAND months last year count as new hires (floor only).
        n = n_r[ds_pos]
        with np.errstate(invalid="ignore", divide="ignore"):
            rep_vals = np.where(n >= MIN_MONTHS_FOR_BAND, rep_vals * 12.0 / n, np.nan)
    out[tree.U :] = rep_vals
    return out

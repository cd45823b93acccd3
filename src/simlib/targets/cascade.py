"""The cascade (层层分解): a company target split level by level down to every rep.

How it works, per KPI:

1. The company (root) gets the company target, rounded to the KPI's rounding unit.
2. Going down the tree one generation at a time, every parent's target is split
   among its children *at once for all parents of the generation* (numpy over
   index arrays, no loop over units):

   a. weights by the rule of the children's level (``even``, ``history``,
      ``potential``, ``capacity`` or a ``blend`` of them), normalised to shares
      within each parent;
   b. the amount handed down is the parent's target times ``1 + padding``
      (manager over-assignment; recorded in :attr:`Cascade.log`);
   c. guardrails: each child's target stays within its band around last year's
      actual (and above its floor); what a clamped child cannot take is
      redistributed to its free siblings in proportion to their shares, repeating
      until no band is violated (at most one round per child). When the bands
      cannot hold the parent's total, :class:`GuardrailError` names the unit;
   d. rounding: :func:`~simlib.targets.apportion` turns the shares into whole
      rounding units (one customer, CNY 1,000) that sum *exactly* to the amount
      handed down. Guardrail bounds are whole units too, so Hamilton's rounding
      (floor or ceiling of each quota) never breaks them.

3. Calendarization: each rep's annual target becomes monthly by the seasonal
   profile of their unit (month shares of history, see :func:`seasonal_profile`)
   over the months they are employed; a unit's months are its children's months,
   scaled (again by apportionment) to the unit's own annual target, so with no
   padding a parent's month is exactly the sum of its children's month.

Non-additive KPIs (rates such as ``hv_retention``, aggregation ``mean``) are not
split by shares (half a retention rate means nothing): each child gets the
parent's rate (``rate_rule: same``), or its own last-year rate plus the parent's
planned improvement in points (``history_relative``), clipped to [0, 1].

Units with no rep employed in the target year (empty subtrees) get no share; reps
who left before the target year are not in the cascade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.errors import SimlibError, SpecError
from simlib.org import Hierarchy
from simlib.targets.rounding import ApportionError, apportion_groups
from simlib.targets.spec import REP_LEVEL, CascadeSpec, LevelRule, parse_cascade_spec

#: Months of last-year sales a rep needs before a guardrail band applies to them.
MIN_MONTHS_FOR_BAND = 3


class GuardrailError(SimlibError, ValueError):
    """Guardrails cannot hold a parent's total (the message names the unit)."""


class CascadeError(SimlibError, ValueError):
    """The cascade cannot be computed from these inputs (the message says why)."""


@dataclass(frozen=True, eq=False)
class Cascade:
    """The result of :func:`cascade`.

    Attributes
    ----------
    targets : pandas.DataFrame
        Monthly targets, tidy: ``unit_id``, ``rep_id`` (<NA> on unit rows),
        ``level`` (``rep`` for reps), ``period`` (Period[M]), ``kpi``, ``target``
        (KPI units: CNY, customers, or a rate as a fraction).
    annual : pandas.DataFrame
        One row per node and KPI: ``unit_id``, ``rep_id``, ``parent_id``, ``level``,
        ``depth``, ``kpi``, ``target`` (annual), ``share`` (of the amount its
        parent handed down), ``raw_target`` (before guardrails and rounding),
        ``last_year_actual``, ``lower`` / ``upper`` (guardrail band, NaN if none),
        ``padding`` (the rate the node applied when splitting to its children).
    log : pandas.DataFrame
        Every padding and guardrail adjustment and every fallback: ``kind``
        (``padding``, ``guardrail``, ``zero_weights``), ``kpi``, ``unit_id`` (the
        parent), ``child`` (for guardrails), ``amount`` (KPI units), ``detail``.
    year : int
        The target year.
    spec : CascadeSpec
    company_target : dict
        KPI -> the company's annual target as given (before rounding).
    """

    targets: pd.DataFrame
    annual: pd.DataFrame
    log: pd.DataFrame
    year: int
    spec: CascadeSpec
    company_target: dict[str, float]
    rounding_unit: dict[str, float] = field(default_factory=dict)

    def rep_targets(self) -> pd.DataFrame:
        """What plans consume: ``rep_id``, ``period``, ``kpi``, ``target``."""
        t = self.targets
        out = t.loc[t["rep_id"].notna(), ["rep_id", "period", "kpi", "target"]]
        return out.reset_index(drop=True)

    def unit_targets(self, level: str | None = None, annual: bool = False) -> pd.DataFrame:
        """Unit rows (optionally one level), monthly or annual."""
        t = self.annual if annual else self.targets
        out = t.loc[t["rep_id"].isna()]
        if level is not None:
            out = out.loc[out["level"] == level]
        return out.reset_index(drop=True)

    def check(self) -> pd.DataFrame:
        """Parents whose children do not sum to ``round(parent x (1 + padding))``.

        Returns an empty frame when the cascade is consistent (it always should be;
        tests call this).
        """
        a = self.annual
        add = a[a["additive"]]
        kids = add[add["parent_id"].notna()]
        sums = kids.groupby(["kpi", "parent_id"], observed=True)["target"].sum()
        par = add.set_index(["kpi", "node_id"])
        want = par.reindex(sums.index)
        unit = want.index.get_level_values("kpi").map(self.rounding_unit).to_numpy(dtype=float)
        expected = (
            np.round(want["target"].to_numpy() / unit * (1 + want["padding"].to_numpy())) * unit
        )
        bad = np.abs(sums.to_numpy() - expected) > 1e-6 * np.maximum(1.0, np.abs(expected))
        return pd.DataFrame(
            {"children_sum": sums.to_numpy()[bad], "expected": expected[bad]},
            index=sums.index[bad],
        ).reset_index()

    def tree(self, kpi: str, max_depth: int | None = 3, fmt: str = "{:,.0f}") -> str:
        """The annual cascade of one KPI as an indented text tree (units only)."""
        a = self.annual
        a = a[(a["kpi"] == kpi) & a["rep_id"].isna()]
        if max_depth is not None:
            a = a[a["depth"] <= max_depth]
        children: dict[Any, list[int]] = {}
        for i, p in enumerate(a["parent_id"].tolist()):
            children.setdefault(p if pd.notna(p) else None, []).append(i)
        ids = a["node_id"].tolist()
        tg = a["target"].to_numpy()
        lv = a["level"].tolist()
        pad = a["padding"].to_numpy()
        lines: list[str] = []

        def walk(i: int, prefix: str) -> None:
            extra = f"  (+{pad[i]:.0%} padding below)" if pad[i] > 0 else ""
            lines.append(f"{prefix}{ids[i]} [{lv[i]}] {fmt.format(tg[i])}{extra}")
            for j in children.get(ids[i], []):
                walk(j, prefix + "    ")

        for r in children.get(None, []):
            walk(r, "")
        return "\n".join(lines)


# ------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class _SalesCodes:
    """The sales table as integer codes (built once per dataset): rep position in
    ``ds.reps``, month ordinal (months since 1970-01), KPI position, value."""

    rep: np.ndarray
    month: np.ndarray
    kpi: np.ndarray
    value: np.ndarray


def _sales_codes(ds: Dataset) -> _SalesCodes:
    hit = ds._cache.get("_targets_sales_codes")
    if hit is not None:
        return hit
    s = ds.sales
    codes, uniques = pd.factorize(s["rep_id"])
    pos = pd.Index(ds.reps["rep_id"].astype(str)).get_indexer(pd.Index(uniques).astype(str))
    rep = np.where(codes >= 0, pos[np.maximum(codes, 0)], -1)
    kcodes, kuniq = pd.factorize(s["kpi"])
    kpos = pd.Index(ds.kpi_names).get_indexer(pd.Index(kuniq).astype(str))
    out = _SalesCodes(
        rep=rep.astype(np.int64),
        month=pd.PeriodIndex(s["period"]).asi8.astype(np.int64),
        kpi=np.where(kcodes >= 0, kpos[np.maximum(kcodes, 0)], -1),
        value=s["value"].to_numpy(dtype=float),
    )
    ds._cache["_targets_sales_codes"] = out
    return out


def _ordinal(year: int, month: int = 1) -> int:
    return (year - 1970) * 12 + month - 1


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
    sc = _sales_codes(ds)
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
            f"seasonal calendarization of {kpi!r} needs at least one complete calendar "
            "year of sales; use calendarization: {method: flat}"
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
            f"seasonal calendarization of {kpi!r}: the company sold nothing in "
            f"{complete}, so there is no seasonal pattern; use calendarization: {{method: flat}}"
        )
    company = (comp[ctot > 0] / ctot[ctot > 0, None]).mean(axis=0)
    tot = cube.sum(axis=2)  # (U, Y)
    with np.errstate(invalid="ignore", divide="ignore"):
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


def _year_periods(year: int) -> pd.PeriodIndex:
    return pd.period_range(f"{year}-01", f"{year}-12", freq="M")


class _Tree:
    """Units and the target year's reps as one array-indexed tree."""

    def __init__(self, ds: Dataset, year: int) -> None:
        h = Hierarchy.of(ds)
        self.h = h
        periods = _year_periods(year)
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
            raise CascadeError(f"reps {bad} belong to units not in the units table")
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
        self.rep_anc = h._ancestors[self.rep_unit]
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


def _history(ds: Dataset, tree: _Tree, kpi: str, year: int, rule: LevelRule) -> np.ndarray:
    """Each eligible rep's history weight (KPI units per year), by the rule's basis."""
    hr = rule.history
    before = ds.periods[ds.periods.year < year]
    if len(before) == 0:
        raise CascadeError(f"history split of {kpi!r} needs sales before {year}")
    if hr.basis == "last_year":
        window = before[before.year == year - 1]
        if len(window) == 0:
            raise CascadeError(f"history basis last_year: no sales in {year - 1}")
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


def tree_sales(ds: Dataset, tree: _Tree, kpi: str, window: pd.PeriodIndex) -> np.ndarray:
    """Sales of the cascade's reps over ``window`` as (reps, months), NaN if no row."""
    key = ("_tree_sales", kpi, int(window[0].ordinal), len(window), tree.R)
    if key not in ds._cache:
        sc = _sales_codes(ds)
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
        ds._cache[key] = arr
    return ds._cache[key]


def _capacity(tree: _Tree, year: int, rule: LevelRule) -> np.ndarray:
    """Expected productive months in the target year, new hires at their ramp."""
    start = _year_periods(year)
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


def _potential(ds: Dataset, tree: _Tree, kpi: str) -> np.ndarray:
    """Node potential: given rows, else the sum of the children when all have one."""
    out = np.full(tree.N, np.nan)
    pot = ds.potential
    if pot is None:
        return out
    p = pot[pot["kpi"] == kpi]
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


def _last_year_actual(ds: Dataset, tree: _Tree, kpi: str, year: int, mean: bool) -> np.ndarray:
    """Each node's actual in the year before the target year.

    Units: the sum over every rep who sold there (also those who left). Reps: their
    sales annualized over the months they worked (NaN under
    ``MIN_MONTHS_FOR_BAND`` months). Rate KPIs: the headcount-weighted mean of
    reps' average monthly rates.
    """
    sc = _sales_codes(ds)
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
    tot_r = np.bincount(sc.rep[sel], weights=sc.value[sel], minlength=nR)
    n_r = np.bincount(sc.rep[sel], minlength=nR)
    has = n_r > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_rep = np.where(has, tot_r / n_r if mean else tot_r, np.nan)
    uidx = tree.h.index.get_indexer(ds.reps["unit_id"].astype(str))
    anc = tree.h._ancestors[uidx[has]]
    vals = per_rep[has]
    tot = np.zeros(tree.U)
    cnt = np.zeros(tree.U)
    for c in range(anc.shape[1]):
        ok = anc[:, c] >= 0
        tot += np.bincount(anc[ok, c], weights=vals[ok], minlength=tree.U)
        cnt += np.bincount(anc[ok, c], minlength=tree.U)
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


def clamp_redistribute(
    share: np.ndarray, group: np.ndarray, total: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``total[g]`` by ``share`` subject to ``lo <= x <= hi``, per group.

    Water-filling: in each round the free children get the remainder in proportion
    to their shares; if some break a bound, the side with the larger total breach
    (excess above upper bounds vs shortfall below lower bounds) is clamped and
    leaves the pool. At least one child is clamped per round, so it ends after at
    most (children per group + 1) rounds. Groups whose free children have no
    share left split the remainder evenly among them. Feasibility
    (``sum lo <= total <= sum hi``) is the caller's check.

    Returns
    -------
    x : numpy.ndarray
        The split.
    clamped : numpy.ndarray of bool
        Children held at a bound.
    """
    G = len(total)
    fixed = np.zeros(len(share), dtype=bool)
    val = np.zeros(len(share))
    x = share * total[group]
    for _ in range(int(np.bincount(group, minlength=G).max(initial=0)) + 2):
        free_share = np.bincount(group, weights=np.where(fixed, 0.0, share), minlength=G)
        n_free = np.bincount(group, weights=(~fixed).astype(float), minlength=G)
        rem = total - np.bincount(group, weights=np.where(fixed, val, 0.0), minlength=G)
        with np.errstate(invalid="ignore", divide="ignore"):
            by_share = share * rem[group] / free_share[group]
            even = rem[group] / n_free[group]
        x = np.where(fixed, val, np.where(free_share[group] > 0, by_share, even))
        tol = 1e-9 * np.maximum(1.0, np.abs(x))
        over = ~fixed & (x > hi + tol)
        under = ~fixed & (x < lo - tol)
        if not (over.any() or under.any()):
            break
        excess = np.bincount(group, weights=np.where(over, x - hi, 0.0), minlength=G)
        short = np.bincount(group, weights=np.where(under, lo - x, 0.0), minlength=G)
        fix_over = over & (excess >= short)[group]
        fix_under = under & (excess < short)[group]
        val = np.where(fix_over, hi, np.where(fix_under, lo, val))
        fixed |= fix_over | fix_under
    return x, fixed


# -------------------------------------------------------------------- cascade
def cascade(
    ds: Dataset,
    company_target: float | dict[str, float] | pd.DataFrame,
    spec: CascadeSpec | dict[str, Any] | str | None = None,
    year: int | None = None,
    kpis: list[str] | None = None,
) -> Cascade:
    """Split company targets level by level down to every rep (层层分解).

    Parameters
    ----------
    ds : Dataset
        Org tree, reps, sales history (and the optional potential table).
    company_target : float, dict or pandas.DataFrame
        The company's annual target per KPI, in KPI units (CNY for revenue,
        customers, or a rate as a fraction). A dict ``{kpi: value}``, a number
        when the dataset has one KPI or ``kpis`` names one, or the frame returned
        by :func:`~simlib.targets.propose_company_target` (its
        ``proposed_target`` column is used).
    spec : CascadeSpec, dict, str or None
        The rules (see :mod:`simlib.targets.spec`); a YAML path works. ``None`` =
        last year's shares at every level, no padding, no guardrails.
    year : int, optional
        The target year; default the year after the last month of sales.
    kpis : list of str, optional
        KPIs to cascade; default every KPI in ``company_target``.

    Returns
    -------
    Cascade
        Monthly and annual targets for every unit and rep, and the log.

    Raises
    ------
    SpecError
        The spec names a level or KPI the data does not have (path given).
    GuardrailError
        Guardrails cannot hold a parent's total; names the unit and the range.
    """
    spec = parse_cascade_spec(spec)
    h = Hierarchy.of(ds)
    spec.check_against(h.levels, ds.kpi_names, ds.potential is not None)
    year = int(ds.periods[-1].year + 1) if year is None else int(year)
    targets = _company_targets(company_target, ds, kpis)
    tree = _Tree(ds, year)
    if not tree.nonempty[h.index.get_loc(h.root)]:
        raise CascadeError(f"no rep is employed in {year}: nothing to cascade to")

    annual_parts, monthly_parts, log_rows = [], [], []
    runits: dict[str, float] = {}
    for kpi, value in targets.items():
        info = ds.kpi(kpi)
        additive = info["aggregation"] == "sum"
        unit = _rounding_unit(spec, kpi, str(info["unit"]))
        runits[kpi] = unit
        last = _last_year_actual(ds, tree, kpi, year, mean=not additive)
        if additive:
            res = _split_additive(ds, tree, spec, kpi, float(value), unit, year, last, log_rows)
        else:
            res = _split_rate(tree, spec, kpi, float(value), last, unit)
        annual, pad, share, raw, lo, hi = res
        annual_parts.append(
            _annual_frame(tree, kpi, annual, pad, share, raw, last, lo, hi, additive)
        )
        monthly_parts.append(_monthly(ds, tree, spec, kpi, annual, unit, year, additive))
    annual_df = pd.concat(annual_parts, ignore_index=True)
    monthly_df = pd.concat(monthly_parts, ignore_index=True)
    log = pd.DataFrame(log_rows, columns=["kind", "kpi", "unit_id", "child", "amount", "detail"])
    return Cascade(
        targets=monthly_df,
        annual=annual_df,
        log=log,
        year=year,
        spec=spec,
        company_target=dict(targets),
        rounding_unit=runits,
    )


def _company_targets(
    company_target: float | dict[str, float] | pd.DataFrame, ds: Dataset, kpis: list[str] | None
) -> dict[str, float]:
    if isinstance(company_target, pd.DataFrame):
        t = dict(zip(company_target["kpi"], company_target["proposed_target"], strict=True))
    elif isinstance(company_target, dict):
        t = {str(k): float(v) for k, v in company_target.items()}
    else:
        names = kpis or ds.kpi_names
        if len(names) != 1:
            raise CascadeError(
                "company_target is one number but several KPIs are cascaded; give a dict "
                f"{{kpi: target}} for {names}"
            )
        t = {names[0]: float(company_target)}
    if kpis is not None:
        missing = [k for k in kpis if k not in t]
        if missing:
            raise CascadeError(f"company_target has no value for KPI(s) {missing}")
        t = {k: t[k] for k in kpis}
    for k, v in t.items():
        ds.kpi(k)  # unknown KPI -> KeyError naming the dataset's KPIs
        if not np.isfinite(v) or v < 0:
            raise CascadeError(f"company_target[{k!r}] must be a non-negative number, got {v}")
    return t


def _rounding_unit(spec: CascadeSpec, kpi: str, unit_kind: str) -> float:
    if kpi in spec.rounding:
        u = float(spec.rounding[kpi])
    elif unit_kind in spec.rounding:
        u = float(spec.rounding[unit_kind])
    else:
        u = 1.0 if unit_kind != "rate" else 0.0
    if unit_kind == "count" and u != round(u):
        raise SpecError([(f"cascade.rounding.{kpi}", "a count KPI rounds to whole numbers")])
    return u


def _level_weights(
    ds: Dataset,
    tree: _Tree,
    kpi: str,
    year: int,
    rule: LevelRule,
    kids: np.ndarray,
    parents: np.ndarray,
    path: str,
    cache: dict,
) -> np.ndarray:
    """Weights of ``kids`` under ``rule`` (before normalising within parents)."""

    def basic(name: str) -> np.ndarray:
        if name == "even":
            return tree.nonempty[kids].astype(float)
        if name == "history":
            key = ("hist", rule.history)
            if key not in cache:
                cache[key] = tree.up(_history(ds, tree, kpi, year, rule))
            return np.maximum(cache[key][kids], 0.0)
        if name == "capacity":
            key = ("cap", tuple(rule.capacity.ramp))
            if key not in cache:
                cache[key] = tree.up(_capacity(tree, year, rule))
            return cache[key][kids]
        key = ("pot",)
        if key not in cache:
            cache[key] = _potential(ds, tree, kpi)
        pot = cache[key][kids]
        missing = np.isnan(pot) & tree.nonempty[kids]
        if missing.any():
            ids = tree.node_id[kids][missing][:5].tolist()
            raise SpecError(
                [
                    (
                        path,
                        f"potential split of {kpi!r}: no potential for {ids} (nor for all their children)",
                    )
                ]
            )
        return np.nan_to_num(pot)

    if rule.method != "blend":
        w = basic(rule.method)
    else:
        w = np.zeros(len(kids))
        for name, beta in (rule.blend or {}).items():
            if beta <= 0:
                continue
            b = basic(name)
            tot = np.bincount(parents, weights=b, minlength=tree.N)[parents]
            with np.errstate(invalid="ignore", divide="ignore"):
                w += beta * np.where(tot > 0, b / tot, 0.0)
    return np.where(tree.nonempty[kids], w, 0.0)


def _split_additive(
    ds: Dataset,
    tree: _Tree,
    spec: CascadeSpec,
    kpi: str,
    company: float,
    unit: float,
    year: int,
    last: np.ndarray,
    log: list,
) -> tuple[np.ndarray, ...]:
    N = tree.N
    units_t = np.full(N, -1, dtype=np.int64)  # target in rounding units
    root = tree.h.index.get_loc(tree.h.root)
    units_t[root] = int(round(company / unit))
    pad = np.zeros(N)
    share = np.full(N, np.nan)
    raw = np.full(N, np.nan)
    lo_all = np.full(N, np.nan)
    hi_all = np.full(N, np.nan)
    share[root] = 1.0
    raw[root] = company
    # Each parent splits by the rule of its highest-ranked child level.
    child_rank = np.full(N, np.iinfo(np.int64).max)
    has_parent = tree.parent >= 0
    np.minimum.at(child_rank, tree.parent[has_parent], tree.rank[has_parent])
    level_names = [*tree.h.levels, REP_LEVEL]
    cache: dict = {}
    for d in range(1, int(tree.depth.max()) + 1):
        kids = np.flatnonzero(tree.depth == d)
        if len(kids) == 0:
            continue
        parents = tree.parent[kids]
        split_level = np.array(level_names, dtype=object)[child_rank[parents]]
        w = np.zeros(len(kids))
        padding = np.zeros(len(kids))
        lo = np.zeros(len(kids))
        hi = np.full(len(kids), np.inf)
        for lvl in np.unique(split_level):
            sel = split_level == lvl
            rule = spec.rule(str(lvl), kpi)
            where = (
                "kpis." + kpi + ".levels"
                if kpi in spec.kpis and lvl in spec.kpis[kpi].levels
                else "levels"
            )
            path = f"cascade.{where}.{lvl}.method"
            w[sel] = _level_weights(ds, tree, kpi, year, rule, kids[sel], parents[sel], path, cache)
            padding[sel] = rule.padding
            g = rule.guardrail
            if g is not None:
                a = last[kids[sel]]
                has = np.isfinite(a) & (a > 0)
                l_ = np.zeros(sel.sum())
                h_ = np.full(sel.sum(), np.inf)
                if g.down is not None:
                    l_ = np.where(has, a * (1 - g.down), 0.0)
                if g.up is not None:
                    h_ = np.where(has, a * (1 + g.up), np.inf)
                if g.floor is not None:
                    l_ = np.maximum(l_, g.floor)
                # Whole rounding units, so that rounding cannot break a band. A band
                # narrower than one unit (a small actual, a coarse unit) becomes the
                # whole unit nearest to its middle.
                lu = np.ceil(l_ / unit - 1e-9)
                hu = np.floor(h_ / unit + 1e-9)
                narrow = lu > hu
                if narrow.any():
                    mid = np.round((l_ + np.where(np.isfinite(h_), h_, l_)) / 2 / unit)
                    lu = np.where(narrow, mid, lu)
                    hu = np.where(narrow, mid, hu)
                lo[sel] = lu
                hi[sel] = hu
        empty = ~tree.nonempty[kids]
        lo[empty] = 0.0
        hi[empty] = 0.0
        # The parents of this generation, as groups 0..P-1.
        uparents, group = np.unique(parents, return_inverse=True)
        ppad = np.zeros(len(uparents))
        ppad[group] = padding
        pad[uparents] = ppad
        handed = np.round(units_t[uparents] * (1 + ppad)).astype(np.int64)
        extra = handed - units_t[uparents]
        for p in np.flatnonzero(extra > 0):
            log.append(
                (
                    "padding",
                    kpi,
                    tree.node_id[uparents[p]],
                    None,
                    float(extra[p] * unit),
                    f"children's targets sum to {ppad[p]:.1%} above the unit's own target",
                )
            )
        wsum = np.bincount(group, weights=w, minlength=len(uparents))
        zero = (wsum <= 0) & (handed > 0)
        if zero.any():
            # No basis for shares (e.g. only new hires without history): split evenly
            # among non-empty children, and say so in the log.
            w = np.where(zero[group] & tree.nonempty[kids], 1.0, w)
            wsum = np.bincount(group, weights=w, minlength=len(uparents))
            for p in np.flatnonzero(zero):
                log.append(
                    (
                        "zero_weights",
                        kpi,
                        tree.node_id[uparents[p]],
                        None,
                        0.0,
                        f"the split method gives every child zero weight; split evenly among "
                        f"{int(np.bincount(group, weights=tree.nonempty[kids].astype(float))[p])} children",
                    )
                )
            still = (wsum <= 0) & (handed > 0)
            if still.any():
                p = uparents[np.flatnonzero(still)[0]]
                raise CascadeError(
                    f"unit {tree.node_id[p]!r} has a {kpi} target but no rep employed in {year} below it"
                )
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(wsum[group] > 0, w / wsum[group], 0.0)
        share[kids] = s
        raw[kids] = s * handed[group] * unit
        # Guardrails: feasibility, then clamp and redistribute.
        bounded = np.isfinite(hi) | (lo > 0)
        if bounded.any():
            slo = np.bincount(group, weights=lo, minlength=len(uparents))
            shi = np.bincount(group, weights=hi, minlength=len(uparents))
            bad = (slo > handed) | (shi < handed)
            if bad.any():
                p = np.flatnonzero(bad)[0]
                pid = tree.node_id[uparents[p]]
                raise GuardrailError(
                    f"guardrails cannot hold unit {pid!r}'s {kpi} total of "
                    f"{handed[p] * unit:,.0f}: its children's bands allow "
                    f"{slo[p] * unit:,.0f} to {shi[p] * unit:,.0f} "
                    f"({int(bad.sum())} unit(s) affected); widen max_increase / max_decrease, "
                    "lower the floor, or change the parent's target"
                )
            x, clamped = clamp_redistribute(s, group, handed.astype(float), lo, hi)
            moved = np.abs(x - s * handed[group]) > 0.5
            for i in np.flatnonzero(moved & clamped):
                log.append(
                    (
                        "guardrail",
                        kpi,
                        tree.node_id[uparents[group[i]]],
                        tree.node_id[kids[i]],
                        float((x[i] - s[i] * handed[group[i]]) * unit),
                        f"held within [{lo[i] * unit:,.0f}, {hi[i] * unit:,.0f}] of last year's actual",
                    )
                )
            lo_all[kids] = np.where(bounded, lo * unit, np.nan)
            hi_all[kids] = np.where(bounded, hi * unit, np.nan)
        else:
            x = s * handed[group]
        try:
            units_t[kids] = apportion_groups(
                np.maximum(x, 0.0),
                group,
                handed,
                method=spec.rounding_method,
                minimum=lo.astype(np.int64),
            )
        except ApportionError as exc:
            p = exc.groups[0] if len(exc.groups) else 0
            raise CascadeError(
                f"rounding the {kpi} split of unit {tree.node_id[uparents[p]]!r}: {exc}"
            ) from None
    return units_t * unit, pad, share, raw, lo_all, hi_all


def _split_rate(
    tree: _Tree, spec: CascadeSpec, kpi: str, company: float, last: np.ndarray, unit: float
) -> tuple[np.ndarray, ...]:
    N = tree.N
    t = np.full(N, np.nan)
    root = tree.h.index.get_loc(tree.h.root)
    t[root] = company
    child_rank = np.full(N, np.iinfo(np.int64).max)
    has_parent = tree.parent >= 0
    np.minimum.at(child_rank, tree.parent[has_parent], tree.rank[has_parent])
    level_names = np.array([*tree.h.levels, REP_LEVEL], dtype=object)
    for d in range(1, int(tree.depth.max()) + 1):
        kids = np.flatnonzero(tree.depth == d)
        parents = tree.parent[kids]
        lv = level_names[child_rank[parents]]
        for name in np.unique(lv):
            sel = lv == name
            rule = spec.rule(str(name), kpi)
            k, p = kids[sel], parents[sel]
            if rule.rate_rule == "same":
                t[k] = t[p]
            else:
                delta = t[p] - last[p]
                val = np.where(np.isfinite(last[k]) & np.isfinite(delta), last[k] + delta, t[p])
                t[k] = np.clip(val, 0.0, 1.0)
    if unit > 0:
        t = np.round(t / unit) * unit
    t = np.where(tree.nonempty, t, np.nan)
    nan = np.full(N, np.nan)
    return t, np.zeros(N), nan, t.copy(), nan, nan


def _annual_frame(tree, kpi, annual, pad, share, raw, last, lo, hi, additive) -> pd.DataFrame:
    keep = tree.nonempty
    parent_id = np.where(tree.parent >= 0, tree.node_id[np.maximum(tree.parent, 0)], None)
    rep_id = np.where(tree.is_rep, tree.node_id, None)
    unit_id = np.where(tree.is_rep, tree.h.unit_ids[np.clip(tree.parent, 0, None)], tree.node_id)
    return pd.DataFrame(
        {
            "node_id": pd.array(tree.node_id[keep], dtype="string"),
            "unit_id": pd.array(unit_id[keep], dtype="string"),
            "rep_id": pd.array(rep_id[keep], dtype="string"),
            "parent_id": pd.array(parent_id[keep], dtype="string"),
            "level": tree.level[keep].astype(str),
            "depth": tree.depth[keep],
            "kpi": kpi,
            "target": annual[keep].astype(float),
            "share": share[keep],
            "raw_target": raw[keep],
            "last_year_actual": last[keep],
            "lower": lo[keep],
            "upper": hi[keep],
            "padding": pad[keep],
            "headcount": tree.headcount[keep],
            "additive": additive,
        }
    )


def _monthly(ds, tree, spec, kpi, annual, unit, year, additive) -> pd.DataFrame:
    """Monthly targets: reps by their unit's seasonal profile over employed months;
    units as their children's months scaled to their own annual target."""
    periods = _year_periods(year)
    R, U = tree.R, tree.U
    cal = spec.calendarization
    if cal.method == "flat" or not additive:
        prof = np.full((R, 12), 1.0 / 12)
    else:
        sp = seasonal_profile(ds, kpi, cal.profile_level, cal.years, before=year)
        unit_at = tree.h.ancestor_at(
            tree.h.unit_ids[tree.rep_unit], cal.profile_level or tree.h.levels[0]
        )
        prof = sp.reindex(unit_at).to_numpy()
        prof = np.where(np.isnan(prof), 1.0 / 12, prof)
    month = np.zeros((tree.N, 12))
    if additive:
        # Months with no seasonal share get a token weight, so a rep who works only
        # such months still receives their annual target.
        wts = (prof + 1e-9) * tree.employed
        rep_units = np.round(annual[U:] / unit).astype(np.int64)
        g = np.repeat(np.arange(R), 12)
        month[U:] = (
            apportion_groups(wts.reshape(-1), g, rep_units, "hamilton").reshape(R, 12) * unit
        )
        for d in range(int(tree.h.depth.max()), -1, -1):
            us = np.flatnonzero((tree.depth == d) & ~tree.is_rep & tree.nonempty)
            if len(us) == 0:
                continue
            kid_sum = np.zeros((tree.N, 12))
            ch = np.flatnonzero(np.isin(tree.parent, us) & tree.nonempty)
            np.add.at(kid_sum, tree.parent[ch], month[ch])
            w = kid_sum[us] / unit + 1e-12
            gu = np.repeat(np.arange(len(us)), 12)
            tot = np.round(annual[us] / unit).astype(np.int64)
            month[us] = (
                apportion_groups(w.reshape(-1), gu, tot, "hamilton").reshape(len(us), 12) * unit
            )
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
    unit_id = np.where(
        tree.is_rep[node], tree.h.unit_ids[np.clip(tree.parent[node], 0, None)], tree.node_id[node]
    )
    return pd.DataFrame(
        {
            "unit_id": pd.array(unit_id, dtype="string"),
            "rep_id": pd.array(
                np.where(tree.is_rep[node], tree.node_id[node], None), dtype="string"
            ),
            "level": tree.level[node].astype(str),
            "period": pd.PeriodIndex(periods[cols], freq="M"),
            "kpi": kpi,
            "target": vals[rows, cols],
        }
    )

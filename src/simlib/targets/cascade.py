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
      handed down. Guardrail bounds are whole units too and are passed to the
      apportionment as a minimum and a maximum per child, so no rounding method
      (Hamilton or a divisor method) can push a child outside its band.

3. Calendarization: each rep's annual target becomes monthly by the seasonal
   profile of their unit (month shares of history, see :func:`seasonal_profile`)
   over the months they are employed; a unit's months are its children's months,
   scaled (again by apportionment) to the unit's own annual target, so with no
   padding a parent's month is exactly the sum of its children's month; with
   padding the children's months add up to (1 + padding) times the unit's, and
   the unit's month is within one rounding unit of that share
   (:meth:`Cascade.check_monthly` checks both).

Non-additive KPIs (rates such as ``hv_retention``, aggregation ``mean``) are not
split by shares (half a retention rate means nothing): each child gets the
parent's rate (``rate_rule: same``), or its own last-year rate plus the parent's
planned improvement in points (``history_relative``), clipped to [0, 1].

Units with no rep employed in the target year (empty subtrees) get no share; reps
who left before the target year are not in the cascade.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.errors import SpecError
from simlib.i18n import _
from simlib.targets.calendar import monthly_targets, seasonal_profile
from simlib.targets.nodes import (
    MIN_MONTHS_FOR_BAND,
    CascadeError,
    GuardrailError,
    NodeTree,
    last_year_actual,
    tree_sales,
)
from simlib.targets.spec import CascadeSpec, parse_cascade_spec
from simlib.targets.split import clamp_redistribute, split_additive, split_rate

__all__ = [
    "MIN_MONTHS_FOR_BAND",
    "Cascade",
    "CascadeError",
    "GuardrailError",
    "cascade",
    "clamp_redistribute",
    "seasonal_profile",
]


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
        (``padding``, ``guardrail``, ``zero_weights``, ``partial_year``: last year
        annualized, with the basis in ``detail``), ``kpi``, ``unit_id`` (the
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

    def __repr__(self) -> str:
        a = self.annual
        reps = a["rep_id"].notna()
        kinds = self.log["kind"].value_counts().to_dict() if len(self.log) else {}
        return (
            f"Cascade({self.spec.name!r}, year {self.year}, KPIs {list(self.company_target)}, "
            f"{a.loc[~reps, 'node_id'].nunique()} units, {a.loc[reps, 'rep_id'].nunique()} reps, "
            f"log {kinds})"
        )

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

    def check_monthly(self) -> pd.DataFrame:
        """Monthly consistency of additive KPIs; an empty frame when all holds.

        Three rules, one row per breach (``kpi``, ``node_id``, ``period`` (NaT for the
        annual rule), ``rule``, ``got``, ``expected``):

        - ``months_sum_to_annual``: every node's months add up exactly to its annual
          target;
        - ``children_sum`` (no padding below the unit): the unit's month is exactly
          the sum of its children's month;
        - ``padded_month`` (padding below the unit): children's months add up to
          ``1 + padding`` times the unit's, so the unit's month is its children's month
          scaled by ``target / children's annual sum`` and rounded jointly; it must be
          within one rounding unit of that exact figure (it is *not* the plain sum).
        """
        a = self.annual[self.annual["additive"]]
        cols = ["kpi", "node_id", "period", "rule", "got", "expected"]
        if a.empty:
            return pd.DataFrame(columns=cols)
        t = self.targets
        t = t[t["kpi"].isin(a["kpi"].unique())]
        node = t["rep_id"].fillna(t["unit_id"])
        m = pd.DataFrame(
            {"kpi": t["kpi"].to_numpy(), "node_id": node.to_numpy(), "period": t["period"]}
        ).assign(target=t["target"].to_numpy())
        out = []
        unit = a["kpi"].map(self.rounding_unit).to_numpy(dtype=float)
        tol = 1e-6 * np.maximum(1.0, unit)
        msum = m.groupby(["kpi", "node_id"], observed=True)["target"].sum()
        ann = a.set_index(["kpi", "node_id"])["target"]
        got = msum.reindex(ann.index).fillna(0.0).to_numpy()
        bad = np.abs(got - ann.to_numpy()) > tol
        for (k, n), g_, e in zip(ann.index[bad], got[bad], ann.to_numpy()[bad], strict=True):
            out.append((k, n, pd.NaT, "months_sum_to_annual", g_, e))
        par = dict(zip(zip(a["kpi"], a["node_id"], strict=True), a["parent_id"], strict=True))
        m["parent_id"] = [par.get(x) for x in zip(m["kpi"], m["node_id"], strict=True)]
        kids = m[m["parent_id"].notna()]
        ksum = kids.groupby(["kpi", "parent_id", "period"], observed=True)["target"].sum()
        own = m.set_index(["kpi", "node_id", "period"])["target"]
        info = a.set_index(["kpi", "node_id"])
        kid_ann = (
            a[a["parent_id"].notna()].groupby(["kpi", "parent_id"], observed=True)["target"].sum()
        )
        f = ksum.rename("kids").reset_index()
        f["mine"] = (
            own.reindex(pd.MultiIndex.from_frame(f[["kpi", "parent_id", "period"]]))
            .fillna(0.0)
            .to_numpy()
        )
        key = pd.MultiIndex.from_frame(f[["kpi", "parent_id"]])
        pad = info["padding"].reindex(key).to_numpy(dtype=float)
        own_ann = info["target"].reindex(key).to_numpy(dtype=float)
        kid_tot = kid_ann.reindex(key).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0: zero targets
            exact = f["kids"].to_numpy() * np.where(kid_tot > 0, own_ann / kid_tot, 0.0)
        u = f["kpi"].map(self.rounding_unit).fillna(1.0).to_numpy(dtype=float)
        u = np.where(u > 0, u, 1.0)
        mine = f["mine"].to_numpy(dtype=float)
        kids_v = f["kids"].to_numpy(dtype=float)
        bad_sum = (pad == 0) & (np.abs(mine - kids_v) > 1e-6 * np.maximum(1.0, u))
        bad_pad = (pad > 0) & (np.abs(mine - exact) >= u * (1 + 1e-9))
        for i in np.flatnonzero(bad_sum | bad_pad):
            rule = "children_sum" if bad_sum[i] else "padded_month"
            e = kids_v[i] if bad_sum[i] else exact[i]
            out.append(
                (f["kpi"].iat[i], f["parent_id"].iat[i], f["period"].iat[i], rule, mine[i], e)
            )
        return pd.DataFrame(out, columns=cols)

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


# -------------------------------------------------------------------- cascade
def cascade(
    ds: Dataset,
    company_target: float | dict[str, float] | pd.DataFrame,
    spec: CascadeSpec | dict[str, Any] | str | None = None,
    year: int | None = None,
    kpis: list[str] | None = None,
    partial_year: str = "annualize",
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
    partial_year : {"annualize", "refuse"}
        When the year before the target year has fewer than 12 months of data,
        its actuals (guardrail bands, ``last_year_actual``) are never read as a
        full year: ``annualize`` divides them by the share of a year the months on
        record carried in the full years before (the seasonal profile; units on
        the company's months, each rep on the months they have) and records a
        ``partial_year`` row in :attr:`Cascade.log`; ``refuse`` raises
        :class:`~simlib.data.checks.DataCheckError`.

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

    Warns
    -----
    DataCheckWarning
        When last year is partial (annualized, see ``partial_year``), and when the
        rep targets imply, at last year's run rate, attainment outside 50-200% for
        some reps (:func:`simlib.data.checks.check_attainment_spread`).

    Examples
    --------
    >>> import simlib as sl
    >>> ds = sl.load_dataset("data/sample")                           # doctest: +SKIP
    >>> spec = {"levels": {"team": {"padding": 0.03},
    ...                    "rep": {"guardrail": {"max_change": 0.3}}},
    ...         "rounding": {"currency": 1000}}
    >>> cas = sl.targets.cascade(ds, {"revenue": 1.35e9}, spec)       # doctest: +SKIP
    >>> cas.check().empty                                             # doctest: +SKIP
    True
    >>> cas.rep_targets().head()                                      # doctest: +SKIP
    """
    spec = parse_cascade_spec(spec)
    h = Hierarchy.of(ds)
    spec.check_against(h.levels, ds.kpi_names, ds.potential is not None)
    year = int(ds.periods[-1].year + 1) if year is None else int(year)
    targets = _company_targets(company_target, ds, kpis)
    tree = NodeTree(ds, year)
    if not tree.nonempty[h.index.get_loc(h.root)]:
        raise CascadeError(
            _("no rep is employed in {year}: nothing to cascade to").format(year=year)
        )

    annual_parts, monthly_parts, log_rows = [], [], []
    runits: dict[str, float] = {}
    for kpi, value in targets.items():
        info = ds.kpi(kpi)
        additive = info["aggregation"] == "sum"
        unit = _rounding_unit(spec, kpi, str(info["unit"]))
        runits[kpi] = unit
        last = last_year_actual(ds, tree, kpi, year, mean=not additive)
        if additive:
            last = _annualize_last_year(ds, tree, kpi, year, last, partial_year, log_rows)
        if additive:
            res = split_additive(ds, tree, spec, kpi, float(value), unit, year, last, log_rows)
        else:
            res = split_rate(tree, spec, kpi, float(value), last, unit)
        annual, pad, share, raw, lo, hi = res
        annual_parts.append(
            _annual_frame(tree, kpi, annual, pad, share, raw, last, lo, hi, additive)
        )
        monthly_parts.append(monthly_targets(ds, tree, spec, kpi, annual, unit, year, additive))
    annual_df = pd.concat(annual_parts, ignore_index=True)
    monthly_df = pd.concat(monthly_parts, ignore_index=True)
    log = pd.DataFrame(log_rows, columns=["kind", "kpi", "unit_id", "child", "amount", "detail"])
    out = Cascade(
        targets=monthly_df,
        annual=annual_df,
        log=log,
        year=year,
        spec=spec,
        company_target=dict(targets),
        rounding_unit=runits,
    )
    from simlib.data.checks import DataCheckWarning, check_attainment_spread

    for f in check_attainment_spread(ds, out):
        warnings.warn(
            _("cascade: {finding}").format(finding=f.text()), DataCheckWarning, stacklevel=2
        )
    return out


def _annualize_last_year(
    ds: Dataset,
    tree: NodeTree,
    kpi: str,
    year: int,
    last: np.ndarray,
    partial_year: str,
    log_rows: list,
) -> np.ndarray:
    """Last year's actuals as a full year when the data cover only part of it.

    Units: their sums over the months on record divided by the share of a year
    those months carried (the company's seasonal profile over the full years
    before; a flat one, said so in the log, when there is none). Reps: their own months' sum divided by those months' share (NaN under
    ``MIN_MONTHS_FOR_BAND`` months, as for a full year). Unchanged when the year is
    complete in the data.
    """
    from simlib.data.checks import (
        DataCheckWarning,
        last_year_actual,
        year_months,
        year_profile,
    )

    months = year_months(ds, year - 1)
    if len(months) in (0, 12):
        return last
    ly = last_year_actual(ds, kpi, year - 1, partial_year)  # refuses when asked to
    shares = year_profile(ds, kpi, year - 1)[0].to_numpy()
    covered = float(shares[np.asarray(months.month) - 1].sum())
    out = np.array(last, dtype=float, copy=True)
    out[: tree.U] = out[: tree.U] / covered
    window = pd.period_range(f"{year - 1}-01", f"{year - 1}-12", freq="M")
    arr = tree_sales(ds, tree, kpi, window)  # (R, 12), NaN where no row
    have = np.isfinite(arr)
    rep_share = (have * shares[None, :]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rep_val = np.where(
            (have.sum(axis=1) >= MIN_MONTHS_FOR_BAND) & (rep_share > 0),
            np.nansum(arr, axis=1) / rep_share,
            np.nan,
        )
    out[tree.U :] = rep_val
    log_rows.append(("partial_year", kpi, str(tree.h.root), None, float(ly.value), ly.basis))
    warnings.warn(
        _(
            "cascade {kpi!r}: last year ({year}) has {months} of 12 months of data; its "
            "actuals (guardrail bands, last_year_actual) are annualized: {basis}"
        ).format(kpi=kpi, year=year - 1, months=ly.months, basis=ly.basis),
        DataCheckWarning,
        stacklevel=3,
    )
    return out


def _company_targets(
    company_target: float | dict[str, float] | pd.DataFrame, ds: Dataset, kpis: list[str] | None
) -> dict[str, float]:
    def num(key: str, v: object) -> float:
        try:
            x = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise CascadeError(
                _("company_target[{kpi!r}] must be a number in the KPI's units, got {v!r}").format(
                    kpi=key, v=v
                )
            ) from None
        return x

    if isinstance(company_target, pd.DataFrame):
        need = {"kpi", "proposed_target"}
        if not need <= set(company_target.columns):
            raise CascadeError(
                _(
                    "company_target as a table must be the frame from propose_company_target, "
                    "with columns 'kpi' and 'proposed_target'; missing {missing} "
                    "(columns: {columns})"
                ).format(
                    missing=sorted(need - set(company_target.columns)),
                    columns=list(company_target.columns),
                )
            )
        t = {
            str(k): num(str(k), v)
            for k, v in zip(company_target["kpi"], company_target["proposed_target"], strict=True)
        }
    elif isinstance(company_target, dict):
        t = {str(k): num(str(k), v) for k, v in company_target.items()}
    else:
        names = kpis or ds.kpi_names
        if len(names) != 1:
            raise CascadeError(
                _(
                    "company_target is one number but several KPIs are cascaded; give a dict "
                    "{{kpi: target}} for {names}"
                ).format(names=names)
            )
        t = {names[0]: num(names[0], company_target)}
    if kpis is not None:
        missing = [k for k in kpis if k not in t]
        if missing:
            raise CascadeError(
                _("company_target has no value for KPI(s) {missing}").format(missing=missing)
            )
        t = {k: t[k] for k in kpis}
    for k, v in t.items():
        info = ds.kpi(k)  # unknown KPI -> KeyError naming the dataset's KPIs
        if not np.isfinite(v) or v < 0:
            raise CascadeError(
                _("company_target[{kpi!r}] must be a non-negative number, got {v}").format(
                    kpi=k, v=v
                )
            )
        if info["aggregation"] != "sum" and str(info["unit"]) == "rate" and v > 1:
            raise CascadeError(
                _(
                    "company_target[{kpi!r}] is a rate and must be a fraction between 0 and 1, "
                    "got {v} (for {v:g}% write {fraction:g})"
                ).format(kpi=k, v=v, fraction=v / 100)
            )
    return t


def _rounding_unit(spec: CascadeSpec, kpi: str, unit_kind: str) -> float:
    key = kpi if kpi in spec.rounding else unit_kind if unit_kind in spec.rounding else None
    u = float(spec.rounding[key]) if key is not None else (1.0 if unit_kind != "rate" else 0.0)
    if unit_kind == "count" and u != round(u):
        raise SpecError(
            [
                (
                    f"cascade.rounding.{key}",
                    _("{kpi!r} is a count KPI and rounds to whole numbers; got {unit:g}").format(
                        kpi=kpi, unit=u
                    ),
                )
            ]
        )
    return u


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

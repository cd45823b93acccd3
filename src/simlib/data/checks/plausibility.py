"""Plausibility: reps without sales, zero or missing targets, implausible values,
and cascade splits whose implied attainment spreads too far."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.checks.coverage import period_ordinals, positions_in
from simlib.data.checks.findings import (
    MAX_LISTED,
    DataChecksSettings,
    Finding,
    counts_by_unit,
    ids_text,
    make_finding,
    units_text,
)
from simlib.data.dataset import Dataset
from simlib.i18n import _

#: A sales value this many times above both the rep's own median month and the
#: KPI's 99th percentile is flagged as implausible.
OUTLIER_FACTOR = 10.0
#: Implied attainment (last year's run rate / new target) outside this band flags a
#: cascade split: the target is over twice or under half what the rep's history says.
SPREAD_BAND = (0.5, 2.0)


# ------------------------------------------------------------------ no sales
def check_no_sales(ds: Dataset, settings: DataChecksSettings | None = None) -> list[Finding]:
    settings = settings or DataChecksSettings()
    emp = ds.employed_mask().any(axis=1)
    has = np.zeros(len(ds.reps), dtype=bool)
    rep = ds.sales_codes().rep
    has[rep[rep >= 0]] = True
    none = np.flatnonzero(emp & ~has)
    if len(none) == 0:
        return []
    pairs = counts_by_unit(ds, none)
    ids = ds.reps["rep_id"].to_numpy()[none]
    msg = _(
        "{count} rep(s) employed during the data's months have no sales row at all "
        "({reps}); {by_unit}."
    ).format(count=f"{len(none):,}", reps=ids_text(ids), by_unit=units_text(pairs, "reps"))
    handling = _(
        "They are kept, not dropped: with targets they are simulated at the median level of "
        "their position; a replay of history has no actuals to pay them on."
    )
    return [make_finding(settings, "no_sales", msg, handling, len(none), pairs)]


# -------------------------------------------------------------- zero targets
def target_year(targets: pd.DataFrame | None) -> int | None:
    """The last year with rep-level targets (what a simulation pays by default)."""
    if targets is None or targets.empty or "rep_id" not in targets.columns:
        return None
    t = targets.loc[targets["rep_id"].notna()]
    if t.empty:
        return None
    return int(period_ordinals(t["period"]).max() // 12 + 1970)


def check_zero_targets(
    ds: Dataset,
    targets: pd.DataFrame | None = None,
    year: int | None = None,
    settings: DataChecksSettings | None = None,
    kpis: Sequence[str] | None = None,
) -> list[Finding]:
    """Reps employed in the plan year whose annual target on a KPI is 0 or missing.

    ``kpis``: the KPIs checked (default every KPI the targets name for that year).
    """
    settings = settings or DataChecksSettings()
    tg = ds.targets if targets is None else targets
    year = target_year(tg) if year is None else int(year)
    if tg is None or year is None or "rep_id" not in tg.columns:
        return []
    tg = tg.loc[tg["rep_id"].notna()]
    tg = tg.loc[period_ordinals(tg["period"]) // 12 + 1970 == year]
    if tg.empty:
        return []
    months = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    employed = ds.employed_mask(months).any(axis=1)
    rep_ids = ds.reps["rep_id"].astype(str).to_numpy()
    names = list(kpis) if kpis is not None else sorted(set(map(str, tg["kpi"].unique())))
    rpos = positions_in(tg["rep_id"], rep_ids.tolist())
    kpos = positions_in(tg["kpi"], names)
    vals = tg["target"].to_numpy(dtype=float)
    any_rows = np.bincount(rpos[rpos >= 0], minlength=len(rep_ids)) > 0
    out = []
    for j, k in enumerate(names):
        sel = (kpos == j) & (rpos >= 0)
        total = np.bincount(rpos[sel], weights=vals[sel], minlength=len(rep_ids))
        rows = np.bincount(rpos[sel], minlength=len(rep_ids))
        zero = employed & (rows > 0) & (total == 0)
        none = employed & (rows == 0)
        absent = none & ~any_rows  # no target on any KPI: outside the plan's population
        bad = np.flatnonzero(zero | none)
        if len(bad) == 0:
            continue
        pairs = counts_by_unit(ds, bad)
        parts = []
        if zero.any():
            parts.append(
                _("{count} with a target of 0 ({reps})").format(
                    count=int(zero.sum()), reps=ids_text(rep_ids[zero])
                )
            )
        if (none & ~absent).any():
            parts.append(
                _("{count} with no {kpi} target row ({reps})").format(
                    count=int((none & ~absent).sum()),
                    kpi=k,
                    reps=ids_text(rep_ids[none & ~absent]),
                )
            )
        if absent.any():
            parts.append(
                _("{count} with no target on any KPI ({reps})").format(
                    count=int(absent.sum()), reps=ids_text(rep_ids[absent])
                )
            )
        msg = _(
            "{kpi} in {year}: {count} employed rep(s) without a positive target: {parts}; "
            "{by_unit}."
        ).format(
            kpi=k,
            year=year,
            count=f"{len(bad):,}",
            parts="; ".join(parts),
            by_unit=units_text(pairs, "reps"),
        )
        handling = _(
            "A rep with a target of 0 (or none on this KPI) stays in company revenue: their "
            "sales are simulated as usual; they earn nothing on components measuring "
            "attainment on {kpi} (recorded as 'no target')."
        ).format(kpi=k)
        if absent.any():
            handling += " " + _(
                "A rep with no target on any KPI is outside the plan year's population: not "
                "simulated, so their sales are missing from company revenue; give them a "
                "target (0 is fine) to keep them."
            )
        out.append(make_finding(settings, "zero_targets", msg, handling, len(bad), pairs))
    return out


# ------------------------------------------------------------ implausible values
def implausible_values(ds: Dataset, factor: float = OUTLIER_FACTOR) -> pd.DataFrame:
    """Sales values far outside the rep's own history and the population.

    A value of a count or currency KPI is implausible when it is above ``factor``
    times the larger of the rep's own median month of that KPI and the KPI's 99th
    percentile over all rows (both over positive values). Rates are bounded to 0-1 by
    validation already.

    Returns
    -------
    pandas.DataFrame
        ``rep_id``, ``unit_id``, ``period``, ``kpi``, ``value``, ``reference`` (the
        larger of the two references the value was compared with).
    """
    cols = ["rep_id", "unit_id", "period", "kpi", "value", "reference"]
    sc = ds.sales_codes()
    rep, kpi, value = sc.rep, sc.kpi, sc.value
    hits, refs = [], []
    for j, row in enumerate(ds.kpis.itertuples(index=False)):
        if row.unit == "rate":
            continue
        sel = np.flatnonzero((kpi == j) & (rep >= 0) & (value > 0))
        if len(sel) == 0:
            continue
        v = value[sel]
        p99 = float(np.quantile(v, 0.99))
        med = pd.Series(v).groupby(rep[sel]).median()
        ref = np.fmax(med.reindex(rep[sel]).to_numpy(dtype=float), p99)
        hit = v > factor * ref
        if hit.any():
            hits.append(sel[hit])
            refs.append(ref[hit])
    if not hits:
        return pd.DataFrame(columns=cols)
    rows = np.concatenate(hits)
    out = ds.sales.iloc[rows][["rep_id", "period", "kpi", "value"]].reset_index(drop=True)
    out["reference"] = np.concatenate(refs)
    unit = ds.reps.set_index("rep_id")["unit_id"]
    out["unit_id"] = unit.reindex(out["rep_id"]).to_numpy()
    return out[cols].sort_values("value", ascending=False, ignore_index=True)


def check_implausible_values(
    ds: Dataset, settings: DataChecksSettings | None = None, factor: float = OUTLIER_FACTOR
) -> list[Finding]:
    settings = settings or DataChecksSettings()
    bad = implausible_values(ds, factor)
    if bad.empty:
        return []
    pos = pd.Index(ds.reps["rep_id"]).get_indexer(bad["rep_id"])
    pairs = counts_by_unit(ds, pos[pos >= 0])
    example = _("{rep} {month} {kpi} {value} (reference {reference})")
    ex = ", ".join(
        example.format(
            rep=r.rep_id,
            month=r.period,
            kpi=r.kpi,
            value=f"{r.value:,.6g}",
            reference=f"{r.reference:,.6g}",
        )
        for r in bad.head(MAX_LISTED).itertuples()
    )
    msg = _(
        "{count} sales value(s) more than {factor}x both the rep's own median month "
        "and the KPI's 99th percentile: {examples}; {by_unit}."
    ).format(
        count=f"{len(bad):,}",
        factor=f"{factor:g}",
        examples=ex,
        by_unit=units_text(pairs, "values"),
    )
    handling = _(
        "They are used as they are; check the export (a unit slip such as yuan for "
        "ten-thousand yuan, a typo)."
    )
    return [make_finding(settings, "implausible_values", msg, handling, len(bad), pairs)]


# ------------------------------------------------------------ cascade spread
def implied_attainment(cas: Any, kpi: str | None = None) -> pd.DataFrame:
    """Each rep's last-year run rate over the cascade's annual target (summed KPIs).

    What the rep would attain if they sold this year what they sold last year: the
    spread of this across reps shows how evenly the cascade shares the difficulty.
    Reps without a last-year run rate (new hires) or a positive target are left out.
    """
    a = cas.annual
    a = a.loc[a["rep_id"].notna()]
    if kpi is not None:
        a = a.loc[a["kpi"] == kpi]
    ok = (a["last_year_actual"] > 0) & (a["target"] > 0)
    a = a.loc[ok]
    return pd.DataFrame(
        {
            "rep_id": a["rep_id"].astype(str).to_numpy(),
            "unit_id": a["unit_id"].astype(str).to_numpy(),
            "kpi": a["kpi"].astype(str).to_numpy(),
            "implied_attainment": (a["last_year_actual"] / a["target"]).to_numpy(dtype=float),
        }
    )


def check_attainment_spread(
    ds: Dataset,
    cas: Any,
    settings: DataChecksSettings | None = None,
    band: tuple[float, float] = SPREAD_BAND,
) -> list[Finding]:
    """Reps whose cascaded target implies an attainment outside ``band``."""
    settings = settings or DataChecksSettings()
    out = []
    summed = [k for k in cas.company_target if ds.kpi(k)["aggregation"] == "sum"]
    for k in summed:
        ia = implied_attainment(cas, k)
        if ia.empty:
            continue
        x = ia["implied_attainment"].to_numpy()
        lo, hi = band
        hit = (x < lo) | (x > hi)
        if not hit.any():
            continue
        pos = pd.Index(ds.reps["rep_id"].astype(str)).get_indexer(ia.loc[hit, "rep_id"])
        pairs = counts_by_unit(ds, pos[pos >= 0])
        p10, p50, p90 = np.quantile(x, [0.1, 0.5, 0.9])
        msg = _(
            "{kpi}: the cascade's {year} targets imply, at last year's run rate, "
            "attainments from {lowest} to {highest} (P10 {p10}, median {p50}, P90 {p90}); "
            "{below} rep(s) below {low} and {above} above {high}; {by_unit}."
        ).format(
            kpi=k,
            year=cas.year,
            lowest=f"{x.min():.0%}",
            highest=f"{x.max():.0%}",
            p10=f"{p10:.0%}",
            p50=f"{p50:.0%}",
            p90=f"{p90:.0%}",
            below=int((x < lo).sum()),
            low=f"{lo:.0%}",
            above=int((x > hi).sum()),
            high=f"{hi:.0%}",
            by_unit=units_text(pairs, "reps"),
        )
        handling = _(
            "Some quotas are over twice or under half as hard as the rep's own history; "
            "consider guardrails (max_change) in the cascade."
        )
        out.append(
            make_finding(settings, "attainment_spread", msg, handling, int(hit.sum()), pairs)
        )
    return out

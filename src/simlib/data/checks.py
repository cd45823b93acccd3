"""Data checks: is the history complete and plausible enough for the numbers built on it?

A dataset can pass :func:`simlib.data.validate.validate_tables` (every cell of the
right type, every key known) and still turn results wrong: a last year that ends in
July taken for a whole year, an employed rep's missing months read as zero sales, a
rep who sold nothing on record, a target of 0, a value a thousand times anything
else. :func:`check_dataset` looks for each and returns :class:`Finding` objects that
say what was found, where (counted by unit) and what simlib does about it. They are
printed by ``simlib validate``, raised as :class:`DataCheckWarning` by every run,
stored with each simulation result (``result.provenance["caveats"]``) and shown at
the top of the scenario and comparison reports (:func:`caveats_block`).

The checks and their defaults (``docs/data-checks.md`` has the long form); a
scenario's ``data_checks:`` block (:class:`DataChecksSettings`) turns any warning
into an error:

``partial_year`` (default ``annualize``)
    The last calendar year of data has fewer than 12 months. Anything that needs
    "last year" (the company target grown from last year, the proposal's
    ``last_year_actual``, the cascade's guardrail bands of units) annualizes it by
    the **seasonal profile** of the full years before it: the months on record are
    divided by the share of a year those calendar months carried on average
    (:func:`seasonal_shares`, :func:`annualize`). ``refuse`` stops instead.
``missing_months`` (default ``warn``)
    Months in which a rep was employed but has no sales row. **Missing is not
    zero.** Rule: such a month is treated as a month without data, not a month
    without sales: when a plan is paid on history its target is left out along with
    the (absent) actual, so attainment is measured on the months the rep has
    (:func:`exclude_missing_months`); the sales model's levels, seasonality and
    growth are averages over months with data. The target incentive is not cut:
    the rep was employed and paid, only the record is missing. Why this rule:
    reading the gap as zero sales pays a rep nothing for an export fault;
    imputing a value invents sales; measuring on the months observed is the
    rep's own rate on the evidence there is, and for a higher-is-better KPI it
    never lowers attainment compared with reading the gap as zero.
``no_sales`` (default ``warn``)
    Reps employed during the data's months with no sales row at all. They are kept
    (never dropped): the simulation gives them the median level of their position.
``zero_targets`` (default ``warn``)
    Reps employed in the plan year whose annual target on a KPI is 0 or missing.
    They stay in company revenue (their sales are still simulated) and earn nothing
    on components that measure attainment on that KPI ("no target"). A rep with no
    target on any KPI is not part of the plan year's population and is not
    simulated: the finding says so, and a target of 0 keeps them in.
``implausible_values`` (default ``warn``)
    Sales values more than :data:`OUTLIER_FACTOR` times both the rep's own median
    month and the KPI's 99th percentile over all reps (a unit slip, a typo).
    Values of ``MAX_AMOUNT`` (1e15) or more are refused by validation outright.
``attainment_spread`` (default ``warn``)
    A target cascade whose rep targets imply attainments (last year's run rate /
    new target) outside :data:`SPREAD_BAND` for some reps: some quotas are more
    than twice as hard, or less than half as hard, as the rep's own history.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.errors import SimlibError
from simlib.spec import StrictModel, parse_spec

#: A sales value this many times above both the rep's own median month and the
#: KPI's 99th percentile is flagged as implausible.
OUTLIER_FACTOR = 10.0
#: Implied attainment (last year's run rate / new target) outside this band flags a
#: cascade split: the target is over twice or under half what the rep's history says.
SPREAD_BAND = (0.5, 2.0)
#: Units and examples listed in one finding's message; the rest are counted.
MAX_LISTED = 8

Action = Literal["warn", "error"]
CHECKS = (
    "partial_year",
    "missing_months",
    "no_sales",
    "zero_targets",
    "implausible_values",
    "attainment_spread",
)


class DataCheckWarning(UserWarning):
    """A data check found something the numbers may suffer from (see the message)."""


class DataCheckError(SimlibError, ValueError):
    """A data check that a scenario's ``data_checks`` turned into an error failed."""

    def __init__(self, findings: Sequence[Finding], where: str = "") -> None:
        self.findings = list(findings)
        head = f"{where}: " if where else ""
        lines = [f"{head}data_checks.{f.check}: {f.text()}" for f in self.findings]
        super().__init__("\n".join(lines))


class DataChecksSettings(StrictModel):
    """What a scenario does when a data check finds something (``data_checks:``).

    Each check is ``warn`` (the default: the run goes on, the finding is printed
    and shown as a caveat on the reports) or ``error`` (the scenario is refused by
    ``simlib validate`` and by ``run``). ``partial_year`` says how a partial last
    year is used: ``annualize`` (by the seasonal profile of the full years before
    it) or ``refuse``.
    """

    partial_year: Literal["annualize", "refuse"] = "annualize"
    missing_months: Action = "warn"
    no_sales: Action = "warn"
    zero_targets: Action = "warn"
    implausible_values: Action = "warn"
    attainment_spread: Action = "warn"

    def action(self, check: str) -> str:
        """``warn`` or ``error`` for a check (a partial year is refused where it is used,
        not where it is found: a scenario that never needs last year runs)."""
        if check == "partial_year":
            return "warn"
        return str(getattr(self, check))


def parse_settings(value: Any, where: str = "data_checks") -> DataChecksSettings:
    """A :class:`DataChecksSettings` from a mapping (``None``: the defaults)."""
    if isinstance(value, DataChecksSettings):
        return value
    return parse_spec(DataChecksSettings, value or {}, where)


@dataclass(frozen=True)
class Finding:
    """One thing a data check found.

    Attributes
    ----------
    check : str
        The check's name (one of :data:`CHECKS`), also its key under ``data_checks``.
    severity : {"warning", "error"}
    message : str
        What was found, in numbers and words.
    handling : str
        What simlib does about it (or, for an error, why it stopped).
    count : int
        How many rep-months, reps or values are concerned.
    by_unit : tuple of (unit_id, count)
        Where, counted by the rep's unit (largest first).
    """

    check: str
    severity: str
    message: str
    handling: str = ""
    count: int = 0
    by_unit: tuple[tuple[str, int], ...] = ()

    def text(self) -> str:
        return f"{self.message} {self.handling}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "handling": self.handling,
            "count": int(self.count),
            "by_unit": [[u, int(n)] for u, n in self.by_unit],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        return cls(
            check=str(d["check"]),
            severity=str(d.get("severity", "warning")),
            message=str(d.get("message", "")),
            handling=str(d.get("handling", "")),
            count=int(d.get("count", 0)),
            by_unit=tuple((str(u), int(n)) for u, n in d.get("by_unit", ())),
        )


@dataclass(frozen=True)
class DataChecks:
    """Every finding of :func:`check_dataset` (and of a cascade), with the rules applied."""

    findings: tuple[Finding, ...] = ()
    settings: DataChecksSettings = field(default_factory=DataChecksSettings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]

    def __bool__(self) -> bool:
        return bool(self.findings)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def plus(self, more: Iterable[Finding]) -> DataChecks:
        """These findings and ``more`` (a finding already present is not repeated)."""
        seen = list(self.findings)
        for f in more:
            if f not in seen:
                seen.append(f)
        return DataChecks(tuple(seen), self.settings)

    def records(self) -> list[dict[str, Any]]:
        """Plain dicts, for storing with a result (``provenance["caveats"]``)."""
        return [f.as_dict() for f in self.findings]

    def as_frame(self) -> pd.DataFrame:
        cols = ["check", "severity", "message", "handling", "count"]
        return pd.DataFrame([f.as_dict() for f in self.findings], columns=[*cols, "by_unit"])[cols]

    def text(self) -> str:
        if not self.findings:
            return "Data checks: nothing found."
        lines = [f"Data checks: {len(self.findings)} finding(s)"]
        for f in self.findings:
            lines.append(f"  {f.severity}: [{f.check}] {f.text()}")
        return "\n".join(lines)

    def raise_errors(self, where: str = "") -> None:
        """Raise :class:`DataCheckError` when a rule made any finding an error."""
        if self.errors:
            raise DataCheckError(self.errors, where)

    def emit(self, where: str = "", stacklevel: int = 3) -> None:
        """Each warning as a :class:`DataCheckWarning` (what a run prints)."""
        head = f"{where}: " if where else ""
        for f in self.warnings:
            warnings.warn(f"{head}[{f.check}] {f.text()}", DataCheckWarning, stacklevel=stacklevel)


# ---------------------------------------------------------------- helpers
def _finding(
    settings: DataChecksSettings,
    check: str,
    message: str,
    handling: str,
    count: int,
    by_unit: Sequence[tuple[str, int]] = (),
    refused: str = "",
) -> Finding:
    error = settings.action(check) == "error"
    if error:
        handling = refused or (
            f"data_checks.{check} is 'error' in the scenario, so this stops the run; "
            "fix the data or set it to 'warn'."
        )
    return Finding(
        check, "error" if error else "warning", message, handling, int(count), tuple(by_unit)
    )


def _by_unit(ds: Dataset, rep_positions: np.ndarray, weights: np.ndarray | None = None):
    """``(unit_id, count)`` pairs, largest first, for reps at ``rep_positions``."""
    units = ds.reps["unit_id"].to_numpy(dtype=object)[rep_positions]
    w = np.ones(len(units)) if weights is None else np.asarray(weights, dtype=float)
    s = pd.Series(w).groupby(pd.Series(units.astype(str))).sum().sort_values(ascending=False)
    return [(str(u), int(n)) for u, n in s.items()]


def _units_text(pairs: Sequence[tuple[str, int]], what: str) -> str:
    shown = ", ".join(f"{u} {n}" for u, n in pairs[:MAX_LISTED])
    more = f" and {len(pairs) - MAX_LISTED} more units" if len(pairs) > MAX_LISTED else ""
    return f"{what} by unit: {shown}{more}"


def _ids_text(ids: Sequence[Any]) -> str:
    ids = [str(x) for x in ids]
    more = f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""
    return ", ".join(ids[:MAX_LISTED]) + more


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
        raise ValueError(f"seasonal_shares: KPI {kpi!r} is not summed; a rate has no year total")
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
                    f"{kpi}: no full calendar year of data with a positive total to learn the "
                    "seasonal profile from, so a partial year cannot be annualized.",
                    "Give the company target explicitly (company_target) or add a full year.",
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
            return shares, f"the seasonal profile of {span}"
        except DataCheckError:
            pass
    flat = pd.Series(np.full(12, 1 / 12), index=pd.RangeIndex(1, 13), name="share_of_year")
    return flat, "a flat profile (the run rate: no full year before it to learn seasonality from)"


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
                    f"the months {ms} carry no share of a year in the seasonal profile; "
                    "they cannot be annualized",
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
            [Finding("partial_year", "error", f"{kpi}: no sales in {year}, so no last year to use")]
        )
    if info["aggregation"] != "sum":
        v = float(s["value"].mean())
        n = int(s["period"].nunique())
        return LastYear(kpi, year, v, v, n, f"mean of the {n} month(s) of {year} on record")
    assert monthly is not None
    m = monthly[monthly.index.year == year].dropna()
    actual = float(m.sum())
    n = len(m)
    if n == 12:
        return LastYear(kpi, year, actual, actual, 12, f"{year} actual (12 months)")
    span = f"{m.index[0]}..{m.index[-1]}" if n else "no month"
    if partial_year == "refuse":
        raise DataCheckError(
            [
                Finding(
                    "partial_year",
                    "error",
                    f"{kpi}: {year} has {n} of 12 months of data ({span}); it is not used as "
                    "a full year.",
                    "data_checks.partial_year is 'refuse'; give company_target explicitly, "
                    "or set partial_year: annualize.",
                )
            ]
        )
    shares, profile = year_profile(ds, kpi, year)
    value = annualize(actual, m.index.month, shares)
    covered = float(shares.loc[sorted(set(m.index.month))].sum())
    basis = (
        f"{year} annualized by {profile}: its {n} months ({span}) carried {covered:.1%} of a "
        f"year, so {actual:,.0f} / {covered:.3f} = {value:,.0f}"
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
    msg = f"The data's year {year} has {len(months)} of 12 months ({span})."
    if settings.partial_year == "refuse":
        handling = (
            "It is never used as a full year: data_checks.partial_year is 'refuse', so a "
            f"company target grown from {year}, a target proposal or a cascade that needs "
            f"{year} as 'last year' stops with an error; give company_target explicitly."
        )
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
        "It is never used as a full year: where 'last year' is needed (company target "
        "from growth, the proposal's last-year actual, the cascade's unit bands) it is "
        "annualized by the seasonal profile (data_checks.partial_year: annualize). "
        + "; ".join(parts)
        + "."
    )
    return [_finding(settings, "partial_year", msg, handling, len(months))]


# ------------------------------------------------------------ missing months
def _positions(values: pd.Series, index: Sequence[str]) -> np.ndarray:
    """Position of each value in ``index`` (-1 when absent), factorizing once so a
    10-million-row column is matched through its few thousand distinct values."""
    codes, uniques = pd.factorize(values)
    pos = pd.Index([str(x) for x in index]).get_indexer(pd.Index(uniques).astype(str))
    return np.where(codes >= 0, pos[np.maximum(codes, 0)], -1) if len(pos) else codes


def _months(values: pd.Series) -> np.ndarray:
    """Month ordinals (months since 1970-01) of a Period[M] column."""
    arr = values.array
    if isinstance(values.dtype, pd.PeriodDtype):
        return np.asarray(arr.asi8, dtype=np.int64)
    return np.asarray(pd.PeriodIndex(values, freq="M").asi8, dtype=np.int64)


def _sales_codes(ds: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sales table as (rep position, month position in ``ds.periods``, KPI
    position, value); cached on the dataset."""
    hit = ds._cache.get("_checks_sales_codes")
    if hit is None:
        s = ds.sales
        rep = _positions(s["rep_id"], ds.reps["rep_id"].tolist())
        t = _months(s["period"]) - (ds.periods[0].ordinal if len(ds.periods) else 0)
        kpi = _positions(s["kpi"], ds.kpi_names)
        hit = (rep, t, kpi, s["value"].to_numpy(dtype=float))
        ds._cache["_checks_sales_codes"] = hit
    return hit


def _has_sales(ds: Dataset) -> np.ndarray:
    """Boolean (reps, periods): the rep has at least one sales row in the month."""
    rep, t, _, _ = _sales_codes(ds)
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
    pairs = _by_unit(ds, pos)
    n_reps = gaps["rep_id"].nunique()
    per_rep = gaps.groupby("rep_id").size().sort_values(ascending=False)
    worst = ", ".join(f"{r} ({n})" for r, n in per_rep.head(MAX_LISTED).items())
    msg = (
        f"{len(gaps):,} month(s) without any sales row for {n_reps:,} employed rep(s) "
        f"(most: {worst}); {_units_text(pairs, 'months')}."
    )
    handling = (
        "Missing is not zero: a missing month is left out of both actual and target when "
        "a plan is paid on history (attainment on the months with data), and the sales "
        "model averages over months with data."
    )
    return [_finding(settings, "missing_months", msg, handling, len(gaps), pairs)]


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


# ------------------------------------------------------------------ no sales
def check_no_sales(ds: Dataset, settings: DataChecksSettings | None = None) -> list[Finding]:
    settings = settings or DataChecksSettings()
    emp = ds.employed_mask().any(axis=1)
    has = np.zeros(len(ds.reps), dtype=bool)
    rep = _sales_codes(ds)[0]
    has[rep[rep >= 0]] = True
    none = np.flatnonzero(emp & ~has)
    if len(none) == 0:
        return []
    pairs = _by_unit(ds, none)
    ids = ds.reps["rep_id"].to_numpy()[none]
    msg = (
        f"{len(none):,} rep(s) employed during the data's months have no sales row at all "
        f"({_ids_text(ids)}); {_units_text(pairs, 'reps')}."
    )
    handling = (
        "They are kept, not dropped: with targets they are simulated at the median level of "
        "their position; a replay of history has no actuals to pay them on."
    )
    return [_finding(settings, "no_sales", msg, handling, len(none), pairs)]


# -------------------------------------------------------------- zero targets
def target_year(targets: pd.DataFrame | None) -> int | None:
    """The last year with rep-level targets (what a simulation pays by default)."""
    if targets is None or targets.empty or "rep_id" not in targets.columns:
        return None
    t = targets.loc[targets["rep_id"].notna()]
    if t.empty:
        return None
    return int(_months(t["period"]).max() // 12 + 1970)


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
    tg = tg.loc[_months(tg["period"]) // 12 + 1970 == year]
    if tg.empty:
        return []
    months = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    employed = ds.employed_mask(months).any(axis=1)
    rep_ids = ds.reps["rep_id"].astype(str).to_numpy()
    names = list(kpis) if kpis is not None else sorted(set(map(str, tg["kpi"].unique())))
    rpos = _positions(tg["rep_id"], rep_ids.tolist())
    kpos = _positions(tg["kpi"], names)
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
        pairs = _by_unit(ds, bad)
        parts = []
        if zero.any():
            parts.append(f"{int(zero.sum())} with a target of 0 ({_ids_text(rep_ids[zero])})")
        if (none & ~absent).any():
            parts.append(
                f"{int((none & ~absent).sum())} with no {k} target row "
                f"({_ids_text(rep_ids[none & ~absent])})"
            )
        if absent.any():
            parts.append(
                f"{int(absent.sum())} with no target on any KPI ({_ids_text(rep_ids[absent])})"
            )
        msg = (
            f"{k} in {year}: {len(bad):,} employed rep(s) without a positive target: "
            f"{'; '.join(parts)}; {_units_text(pairs, 'reps')}."
        )
        handling = (
            "A rep with a target of 0 (or none on this KPI) stays in company revenue: their "
            f"sales are simulated as usual; they earn nothing on components measuring "
            f"attainment on {k} (recorded as 'no target')."
        )
        if absent.any():
            handling += (
                " A rep with no target on any KPI is outside the plan year's population: not "
                "simulated, so their sales are missing from company revenue; give them a "
                "target (0 is fine) to keep them."
            )
        out.append(_finding(settings, "zero_targets", msg, handling, len(bad), pairs))
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
    rep, _, kpi, value = _sales_codes(ds)
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
    pairs = _by_unit(ds, pos[pos >= 0])
    ex = ", ".join(
        f"{r.rep_id} {r.period} {r.kpi} {r.value:,.6g} (reference {r.reference:,.6g})"
        for r in bad.head(MAX_LISTED).itertuples()
    )
    msg = (
        f"{len(bad):,} sales value(s) more than {factor:g}x both the rep's own median month "
        f"and the KPI's 99th percentile: {ex}; {_units_text(pairs, 'values')}."
    )
    handling = (
        "They are used as they are; check the export (a unit slip such as yuan for "
        "ten-thousand yuan, a typo)."
    )
    return [_finding(settings, "implausible_values", msg, handling, len(bad), pairs)]


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
        pairs = _by_unit(ds, pos[pos >= 0])
        p10, p50, p90 = np.quantile(x, [0.1, 0.5, 0.9])
        msg = (
            f"{k}: the cascade's {cas.year} targets imply, at last year's run rate, "
            f"attainments from {x.min():.0%} to {x.max():.0%} (P10 {p10:.0%}, median "
            f"{p50:.0%}, P90 {p90:.0%}); {int((x < lo).sum())} rep(s) below {lo:.0%} and "
            f"{int((x > hi).sum())} above {hi:.0%}; {_units_text(pairs, 'reps')}."
        )
        handling = (
            "Some quotas are over twice or under half as hard as the rep's own history; "
            "consider guardrails (max_change) in the cascade."
        )
        out.append(_finding(settings, "attainment_spread", msg, handling, int(hit.sum()), pairs))
    return out


# ------------------------------------------------------------------ all of it
def check_dataset(
    ds: Dataset,
    targets: pd.DataFrame | None = None,
    year: int | None = None,
    settings: DataChecksSettings | Mapping[str, Any] | None = None,
) -> DataChecks:
    """Run every data check on ``ds`` (the cascade's spread is :func:`check_attainment_spread`).

    Parameters
    ----------
    ds : Dataset
    targets : pandas.DataFrame, optional
        Rep-level targets of the plan year (default ``ds.targets``), for
        ``zero_targets``.
    year : int, optional
        The plan year (default the last year with targets).
    settings : DataChecksSettings or mapping, optional
        The scenario's ``data_checks`` rules (default: every check warns, a partial
        year is annualized).

    Returns
    -------
    DataChecks
        The findings; ``.raise_errors()`` raises for those a rule made errors,
        ``.emit()`` warns about the rest. Cached on the dataset per arguments.
    """
    settings = parse_settings(settings)
    tg = ds.targets if targets is None else targets
    key = (
        "_data_checks",
        settings.model_dump_json(),
        year,
        None if targets is None else pd.util.hash_pandas_object(targets, index=False).sum(),
    )
    hit = ds._cache.get(key)
    if hit is not None:
        return hit
    found: list[Finding] = []
    found += check_partial_year(ds, settings=settings)
    found += check_missing_months(ds, settings)
    found += check_no_sales(ds, settings)
    found += check_zero_targets(ds, tg, year, settings)
    found += check_implausible_values(ds, settings)
    out = DataChecks(tuple(found), settings)
    ds._cache[key] = out
    return out


# ------------------------------------------------------------------ reports
def caveats_of(source: Any) -> list[Finding]:
    """Findings from a simulation result (its ``provenance["caveats"]``), a
    :class:`DataChecks`, or a list of findings / dicts."""
    if source is None:
        return []
    if isinstance(source, DataChecks):
        return list(source.findings)
    prov = getattr(source, "provenance", None)
    if isinstance(prov, Mapping):
        source = prov.get("caveats") or []
    return [f if isinstance(f, Finding) else Finding.from_dict(f) for f in source]


def caveats_block(*sources: Any, title: str = "Caveats") -> str:
    """A short HTML block listing the data caveats behind a result ('' when none).

    Each source is a simulation result, a :class:`DataChecks` or a list of
    findings; the same finding from several sources (a baseline and its reforms
    on one dataset) is listed once.
    """
    seen: list[Finding] = []
    for s in sources:
        for f in caveats_of(s):
            if f not in seen:
                seen.append(f)
    if not seen:
        return ""
    items = "".join(
        f"<li><b>{escape(f.check.replace('_', ' '))}</b>: {escape(f.text())}</li>" for f in seen
    )
    return (
        f'<div class="caveats" style="border-left:4px solid #c80;padding:4px 10px;'
        f'margin:8px 0;background:#fff8ec"><b>{escape(title)}</b> (about the data these '
        f"results rest on)<ul style='margin:4px 0'>{items}</ul></div>"
    )

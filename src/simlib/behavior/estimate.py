"""Estimating behaviour from history with statsmodels.

Every estimator returns :class:`Estimate` objects: a number, its standard error,
a 95% interval and a caveat in plain words saying what the number can and cannot
tell. Core functions take numpy arrays (``sales`` and ``targets`` of shape
``(reps, months)``, NaN where a rep was not employed) so the recovery checks can
call them on thousands of small simulated panels; the ``*_ds`` wrappers read a
:class:`~simlib.data.Dataset`.

Estimators:

* :func:`simlib.behavior.panel.fit_sales_panel`: the panel model of rep sales
  that supplies the engine's parametric sales model (its own module).
* :func:`quarter_end_lift`: are sales higher in the last month of a quarter than
  in its first two (Oyer 1998)? Within rep-quarter OLS, rep-clustered errors.
* :func:`threshold_bunching`: is there excess mass of period attainment just
  above a kink of the pay curve and missing mass just below (Sohoni et al. 2010;
  a Poisson regression of binned counts on a smooth polynomial plus kink
  dummies)?
* :func:`target_revision`: how next year's quota responds to a beat and to a
  miss (the ratchet rule, Leone, Misra & Zimmerman).
* :func:`did_effect`: the change in sales of a group whose plan changed, against
  a group whose plan did not (difference in differences), and the implied
  elasticity to the marginal pay rate.
* :func:`simlib.behavior.timing.timing_pull_in_rate` and
  :func:`simlib.behavior.timing.holdback_share`: deals pulled in just short of quota
  and sales held back beyond it (their own module).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simlib.behavior.specs import BehaviorError
from simlib.i18n import N_, _

_Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity, with its uncertainty and what it cannot tell.

    Attributes
    ----------
    name : str
        What is estimated (``quarter_end_lift``, ``target_up``, ...).
    estimate, se : float
        The point estimate and its standard error (same units).
    caveat : str
        The assumptions behind it, in plain words.
    n : int
        Observations behind it (rep-months, rep-quarters, reps ...).
    unit : str
        Units of ``estimate``.
    """

    name: str
    estimate: float
    se: float
    caveat: str
    n: int = 0
    unit: str = ""
    method: str = ""
    #: Degrees of freedom of a t interval (``None``: normal approximation).
    df: int | None = None

    @property
    def ci(self) -> tuple[float, float]:
        """The 95% confidence interval (t with ``df`` degrees of freedom, else normal)."""
        if self.df is not None:
            from scipy import stats

            z = float(stats.t.ppf(0.975, max(self.df, 1)))
        else:
            z = _Z95
        return (self.estimate - z * self.se, self.estimate + z * self.se)

    def covers(self, value: float) -> bool:
        lo, hi = self.ci
        return bool(lo <= value <= hi)

    def summary(self) -> str:
        lo, hi = self.ci
        unit = f" {_(self.unit)}" if self.unit else ""  # a catalogued unit reads translated
        return _(
            "{name}: {value}{unit} (s.e. {se}; 95% CI {low} to {high}; n = {n}). {caveat}"
        ).format(
            name=self.name,
            value=f"{self.estimate:.4g}",
            unit=unit,
            se=f"{self.se:.3g}",
            low=f"{lo:.4g}",
            high=f"{hi:.4g}",
            n=self.n,
            caveat=self.caveat,
        )

    def as_dict(self) -> dict:
        lo, hi = self.ci
        return {
            "estimate": self.name,
            "value": self.estimate,
            "se": self.se,
            "ci_low": lo,
            "ci_high": hi,
            "n": self.n,
            "unit": self.unit,
            "method": self.method,
            "caveat": self.caveat,
        }


def rep_periods_label(period: str) -> str:
    """The counting unit of a period's results: rep-months, rep-quarters, rep-years."""
    words = {"month": N_("rep-months"), "quarter": N_("rep-quarters"), "year": N_("rep-years")}
    return _(words[period]) if period in words else f"rep-{period}s"


def estimates_frame(estimates: Sequence[Estimate]) -> pd.DataFrame:
    """A tidy table of estimates (one row each)."""
    return pd.DataFrame([e.as_dict() for e in estimates])


# ------------------------------------------------------------------ helpers
def safe_log(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)


def demean_groups(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Subtract the group mean from each value (groups as integer codes)."""
    codes, inv = np.unique(groups, return_inverse=True)
    s = np.bincount(inv, weights=y, minlength=len(codes))
    c = np.bincount(inv, minlength=len(codes))
    return y - (s / c)[inv]


def demean_columns(m: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Subtract group means from every column of ``m`` at once (a sparse product)."""
    from scipy import sparse

    codes, inv = np.unique(groups, return_inverse=True)
    n = len(inv)
    s = sparse.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(len(codes), n))
    means = (s @ m) / np.bincount(inv, minlength=len(codes))[:, None]
    return m - means[inv]


def dense_targets(ds, kpi: str, periods: pd.PeriodIndex, rep_ids: np.ndarray) -> np.ndarray:
    if ds.targets is None:
        raise BehaviorError(_("the dataset has no targets table"))
    tg = ds.targets.loc[(ds.targets["kpi"] == kpi) & ds.targets["rep_id"].notna()]
    out = np.full((len(rep_ids), len(periods)), np.nan)
    r = pd.Index(rep_ids).get_indexer(tg["rep_id"])
    t = periods.get_indexer(pd.PeriodIndex(tg["period"]))
    ok = (r >= 0) & (t >= 0)
    out[r[ok], t[ok]] = tg["target"].to_numpy(float)[ok]
    return out


def kpi_sales(ds, kpi: str, periods: pd.PeriodIndex | None = None):
    """One KPI's monthly sales as (reps, months), with the months and the reps' ids."""
    if kpi not in ds.kpi_names:
        raise BehaviorError(
            _("kpi: {kpi!r} is not in the dataset's KPIs {kpi_names}").format(
                kpi=kpi, kpi_names=ds.kpi_names
            )
        )
    periods = ds.periods if periods is None else periods
    rep_ids = ds.reps["rep_id"].to_numpy()
    x = ds.sales_array(kpis=[kpi], periods=periods, rep_ids=rep_ids)[..., 0]
    return x, periods, rep_ids


# --------------------------------------------------------- period-end lift
def quarter_end_lift(sales: np.ndarray, periods: pd.PeriodIndex) -> Estimate:
    """Log lift of sales in a quarter's last month over its first two months.

    Within each rep-quarter with all three months, log sales are demeaned; each
    quarter's contrast is the reps' mean of the last month minus the mean of the
    first two. Shocks common to everyone in a month (a market, a campaign) make
    quarters, not reps, the independent units: the estimate is the mean contrast
    over quarters and its standard error comes from their spread (statsmodels OLS
    on a constant, t interval with quarters - 1 degrees of freedom). The estimate
    is ``log(last / other two)`` in the geometric-mean sense; ``exp(estimate) - 1``
    is the lift.
    """
    import statsmodels.api as sm

    y = safe_log(sales)
    q = np.asarray(periods.year) * 4 + (np.asarray(periods.month) - 1) // 3
    last = (np.asarray(periods.month) - 1) % 3 == 2
    rr, tt = np.nonzero(np.isfinite(y))
    key = rr.astype(np.int64) * 100000 + q[tt]
    _keys, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    full = cnt[inv] == 3
    rr, tt, key = rr[full], tt[full], key[full]
    if len(rr) < 30:
        raise BehaviorError(
            _("quarter-end lift: only {n} complete rep-quarters").format(n=len(rr) // 3)
        )
    v = demean_groups(y[rr, tt], key)
    # Demeaned within rep-quarter: last = 2/3 (L - O), others = -1/3 (L - O) each.
    contrast_cell = np.where(last[tt], 1.5 * v, 0.0)
    qs, q_inv = np.unique(q[tt], return_inverse=True)
    per_q = np.bincount(q_inv, weights=contrast_cell) / np.bincount(q_inv, weights=last[tt])
    if len(qs) < 3:
        raise BehaviorError(_("quarter-end lift: need at least 3 complete quarters"))
    fit = sm.OLS(per_q, np.ones((len(qs), 1))).fit()
    return Estimate(
        "quarter_end_lift",
        float(fit.params[0]),
        float(fit.bse[0]),
        _(
            "Compares each quarter's last month with its first two for the same rep. It cannot "
            "tell deals timed for a quarterly bonus from genuine seasonality (quarter-end "
            "campaigns, customers' own budget cycles): only a change in it when the pay "
            "period changes is evidence of timing. Quarters are the units, so a short history "
            "gives a wide interval."
        ),
        n=len(rr) // 3,
        unit="log points",
        method="within rep-quarter contrast, quarters as units",
        df=len(qs) - 1,
    )


def quarter_end_lift_ds(ds, kpi: str = "revenue") -> Estimate:
    x, periods, _groups = kpi_sales(ds, kpi)
    return quarter_end_lift(x, periods)


# ------------------------------------------------------ threshold bunching
def period_attainment(
    sales: np.ndarray, targets: np.ndarray, periods: pd.PeriodIndex, period: str = "quarter"
) -> np.ndarray:
    """Attainment of every complete rep-period (months with both sales and a target)."""
    n = months_in_period(period)
    key = np.asarray(periods.year) * 12 + (np.asarray(periods.month) - 1) // n
    ok = np.isfinite(sales) & np.isfinite(targets) & (np.nan_to_num(targets) > 0)
    out = []
    for k in np.unique(key):
        sl = key == k
        if sl.sum() != n:
            continue
        full = ok[:, sl].all(axis=1)
        a = sales[full][:, sl].sum(axis=1)
        q = targets[full][:, sl].sum(axis=1)
        out.append(a / q)
    return np.concatenate(out) if out else np.array([])


def months_in_period(period: str) -> int:
    sizes = {"month": 1, "quarter": 3, "year": 12}
    if period not in sizes:
        raise BehaviorError(
            _("period: expected one of {sizes}, got {period!r}").format(
                sizes=list(sizes), period=period
            )
        )
    return sizes[period]


def _month(value: Any, name: str = "change") -> pd.Period:
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as exc:
        raise BehaviorError(
            _("did: {name}: expected a month like '2026-01', got {value!r}").format(
                name=name, value=value
            )
        ) from exc


def threshold_bunching(
    attainment: np.ndarray,
    kink: float = 1.0,
    bin_width: float = 0.02,
    window: float = 0.04,
    below: float = 0.1,
    span: float = 0.5,
    degree: int = 3,
) -> Estimate:
    """Excess mass of results just above a kink of the pay curve (a "hockey stick").

    Attainments within ``span`` of ``kink`` are binned. A Poisson regression
    (statsmodels GLM, dispersion from Pearson chi-square) fits the bin counts with
    a polynomial of ``degree`` in distance to the kink, one common dummy for the
    bins in ``[kink, kink + window)`` and a free dummy for each bin in ``[kink -
    below, kink)`` (where results that were pulled up came from, left out of the
    smooth fit). The estimate is the common dummy's coefficient: the log of how
    many more results land just above the kink than the smooth density predicts.
    0 means no bunching.
    """
    import statsmodels.api as sm

    for name, v in (("bin_width", bin_width), ("window", window), ("span", span)):
        if not (np.isfinite(v) and v > 0):
            raise BehaviorError(
                _("threshold bunching: {name} must be a positive number, got {v!r}").format(
                    name=name, v=v
                )
            )
    if not (np.isfinite(below) and below >= 0):
        raise BehaviorError(
            _("threshold bunching: below must be >= 0, got {below!r}").format(below=below)
        )
    if bin_width * 4 > span:
        raise BehaviorError(
            _(
                "threshold bunching: bin_width {bin_width} leaves fewer than 4 bins on each side "
                "within span {span}"
            ).format(bin_width=bin_width, span=span)
        )
    a = np.asarray(attainment, dtype=float)
    a = a[np.isfinite(a) & (np.abs(a - kink) < span)]
    n_side = int(round(span / bin_width))
    edges = kink + bin_width * np.arange(-n_side, n_side + 1)
    counts, _edges = np.histogram(a, bins=edges)
    centre = (edges[:-1] + edges[1:]) / 2 - kink
    if counts.sum() < 50:
        raise BehaviorError(
            _("threshold bunching: only {n} results near {kink:.0%}").format(
                n=counts.sum(), kink=kink
            )
        )
    above = ((centre > 0) & (centre < window)).astype(float)
    free = np.flatnonzero((centre < 0) & (centre > -below))
    z = centre / span
    cols = [z**p for p in range(degree + 1)] + [above]
    for j in free:
        d = np.zeros(len(centre))
        d[j] = 1.0
        cols.append(d)
    X = np.column_stack(cols)
    fit = sm.GLM(counts, X, family=sm.families.Poisson()).fit(scale="X2")
    k = degree + 1
    return Estimate(
        f"bunching_at_{kink:g}",
        float(fit.params[k]),
        float(fit.bse[k]),
        _(
            "Counts results just above the kink against a smooth curve fitted to the "
            "distribution away from it. Assumes results would be smoothly spread without the "
            "plan; quotas set from history, rounding or a quota club can also put mass at 100%."
        ),
        n=int(counts.sum()),
        unit="log excess mass",
        method="Poisson GLM on binned attainment",
    )


def threshold_bunching_ds(
    ds, kpi: str = "revenue", period: str = "quarter", kink: float = 1.0, **kw
) -> Estimate:
    months_in_period(period)
    x, periods, rep_ids = kpi_sales(ds, kpi)
    tg = dense_targets(ds, kpi, periods, rep_ids)
    return threshold_bunching(period_attainment(x, tg, periods, period), kink=kink, **kw)


# -------------------------------------------------------- target revision
def annual_pairs(sales: np.ndarray, targets: np.ndarray, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Per rep and year with complete data: target, actual, and next year's target."""
    years = np.asarray(periods.year)
    rows = []
    yl = np.unique(years)
    for y0, y1 in zip(yl, yl[1:], strict=False):
        a = years == y0
        b = years == y1
        if a.sum() != 12 or b.sum() != 12:
            continue
        ok = (
            np.isfinite(sales[:, a]).all(axis=1)
            & np.isfinite(targets[:, a]).all(axis=1)
            & np.isfinite(targets[:, b]).all(axis=1)
        )
        rows.append(pd.DataFrame({
            "rep": np.flatnonzero(ok),
            "year": y0,
            "target": targets[ok][:, a].sum(axis=1),
            "actual": sales[ok][:, a].sum(axis=1),
            "next_target": targets[ok][:, b].sum(axis=1),
        }))  # fmt: skip
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def target_revision(pairs: pd.DataFrame) -> dict[str, Estimate]:
    """How next year's quota moves with this year's beat or miss (the ratchet).

    OLS (statsmodels, heteroskedasticity-robust) of ``next / target - 1`` on
    ``max(actual/target - 1, 0)`` and ``min(actual/target - 1, 0)`` with one
    intercept per year (the planned growth). ``target_up`` is the share of a beat
    (in quota units) added to next year's quota, ``target_down`` the share of a
    miss taken off, ``asymmetry`` their difference (> 0: ratchets up faster than
    down, as Leone, Misra & Zimmerman found).
    """
    import statsmodels.api as sm

    if len(pairs) < 20:
        raise BehaviorError(
            _("target revision: only {n_pairs} rep-years with two years of targets").format(
                n_pairs=len(pairs)
            )
        )
    d = pairs["actual"] / pairs["target"] - 1
    yv = pairs["next_target"] / pairs["target"] - 1
    years = pd.get_dummies(pairs["year"], dtype=float).to_numpy()
    X = np.column_stack([np.maximum(d, 0), np.minimum(d, 0), years])
    fit = sm.OLS(yv.to_numpy(), X).fit(cov_type="HC1")
    p, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    cav = _(
        "Describes how quotas were set, not how reps reacted. Assumes the same rule for "
        "every rep; reps given a peer-median quota instead dilute it. Growth is a year "
        "intercept, so a rule multiplying by (1 + growth) shows up as slightly more than the "
        "share passed on."
    )
    n = len(pairs)
    return {
        "target_up": Estimate("target_up", float(p[0]), float(np.sqrt(cov[0, 0])), cav, n,
                              "share of a beat", "OLS, HC1"),
        "target_down": Estimate("target_down", float(p[1]), float(np.sqrt(cov[1, 1])), cav, n,
                                "share of a miss", "OLS, HC1"),
        "asymmetry": Estimate("asymmetry", float(p[0] - p[1]),
                              float(np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])), cav, n,
                              "up minus down", "OLS, HC1"),
    }  # fmt: skip


def ratchet_test_ds(ds, kpi: str = "revenue") -> dict[str, Estimate]:
    """The ratchet rule in ``ds``'s targets, and hold-back: bunching of annual attainment at 100%.

    ``holdback_bunching`` is :func:`threshold_bunching` on annual attainment at
    100%: reps holding back sales beyond quota pile up just above it.
    """
    x, periods, rep_ids = kpi_sales(ds, kpi)
    tg = dense_targets(ds, kpi, periods, rep_ids)
    out = target_revision(annual_pairs(x, tg, periods))
    att = period_attainment(x, tg, periods, "year")
    try:
        b = threshold_bunching(att, 1.0, bin_width=0.025, window=0.05, below=0.0, degree=2)
        out["holdback_bunching"] = Estimate(
            "holdback_bunching", b.estimate, b.se,
            _("Annual attainment just above 100% against just below. Hold-back beyond quota "
              "piles results up just above it; a ratchet that forgives part of a miss does "
              "not. Needs many rep-years: with a few hundred the interval is wide."),
            b.n, b.unit, b.method,
        )  # fmt: skip
    except BehaviorError:
        pass
    return out


# ------------------------------------------------------------------- DiD
def _did_frame(sales, periods, treated, change):
    y = safe_log(sales)
    treated = np.asarray(treated, dtype=bool)
    change = _month(change)
    post = np.asarray(periods >= change)
    if post.all() or not post.any():
        raise BehaviorError(
            _("did: {change} must fall inside the history {first}..{last}").format(
                change=change, first=periods[0], last=periods[-1]
            )
        )
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # months or reps with no data
        # Common time effects (company shocks, shared seasonality) from the controls.
        yd = y - np.nanmean(y[~treated], axis=0)[None, :]
    return yd, treated, post


def _yoy(yd: np.ndarray, periods: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """Each rep-month minus the same calendar month a year before (NaN where absent)."""
    idx = periods.get_indexer(periods - 12)
    has = idx >= 0
    out = np.full_like(yd, np.nan)
    out[:, has] = yd[:, has] - yd[:, idx[has]]
    return out, idx


def did_effect(
    sales: np.ndarray,
    periods: pd.PeriodIndex,
    treated: np.ndarray,
    change: str | pd.Period,
    rate_ratio: float | None = None,
    min_months: int = 3,
    seasonal: bool = True,
) -> dict[str, Estimate]:
    """Difference in differences: how a plan change moved the affected group's sales.

    Log sales are first demeaned by month over the *unaffected* reps (removing
    company shocks and the seasonality both groups share). With ``seasonal``
    (default) each rep's months in the first year after ``change`` are compared
    with the same calendar months a year before (before the change), which also
    removes seasonality peculiar to one group (a group x calendar-month effect:
    with a change mid-year, comparing plain means before and after would read a
    different seasonal pattern as an effect). Without it, each rep's mean after
    minus their mean before. The per-rep changes are regressed on the treated
    indicator (statsmodels OLS, HC1 errors). ``effect`` is the log change in the
    treated group's sales; with ``rate_ratio`` (new over old marginal pay rate,
    e.g. from :func:`plan_rate_ratio`) the ``elasticity`` is ``effect /
    log(rate_ratio)``. Check the parallel-trends assumption with
    :func:`did_event_study`.
    """
    import statsmodels.api as sm

    if rate_ratio is not None and not (np.isfinite(rate_ratio) and rate_ratio > 0):
        raise BehaviorError(
            _(
                "did: rate_ratio (new / old marginal pay rate) must be a positive number, got "
                "{rate_ratio!r}"
            ).format(rate_ratio=rate_ratio)
        )
    yd, treated, post = _did_frame(sales, periods, treated, change)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if seasonal:
            yoy, idx = _yoy(yd, periods)
            use = post & (idx >= 0)
            use[use] = ~post[idx[use]]  # the year-before month is before the change
            if not use.any():
                raise BehaviorError(
                    _(
                        "did: no month after the change has the same calendar month before it in "
                        "the history; use seasonal=False (and check seasonality by hand)"
                    )
                )
            n_pre = n_post = np.isfinite(yoy[:, use]).sum(axis=1)
            delta = np.nanmean(yoy[:, use], axis=1)
        else:
            n_pre = np.isfinite(yd[:, ~post]).sum(axis=1)
            n_post = np.isfinite(yd[:, post]).sum(axis=1)
            delta = np.nanmean(yd[:, post], axis=1) - np.nanmean(yd[:, ~post], axis=1)
    ok = (n_pre >= min_months) & (n_post >= min_months) & np.isfinite(delta)
    if ok[treated].sum() < 3 or ok[~treated].sum() < 3:
        raise BehaviorError(
            _("did: need at least 3 reps in each group with months before and after")
        )
    X = sm.add_constant(treated[ok].astype(float))
    fit = sm.OLS(delta[ok], X).fit(cov_type="HC1")
    b, se = float(fit.params[1]), float(fit.bse[1])
    how = (
        _("each month after the change against the same calendar month a year before")
        if seasonal
        else _("mean after against mean before")
    )
    cav = _(
        "Assumes the two groups' sales would have moved in parallel without the change "
        "(check with did_event_study: the pre-change differences should be near zero) and "
        "that nothing else changed for one group at the same time; compares {how}; reps "
        "with fewer than {n} usable months are left out."
    ).format(how=how, n=min_months)
    method = "DiD on rep " + ("year-on-year changes" if seasonal else "means") + ", HC1"
    out = {
        "effect": Estimate(
            "did_effect", b, se, cav, int(ok.sum()), "log change in sales", method
        )  # fmt: skip
    }
    if rate_ratio is not None:
        lr = float(np.log(rate_ratio))
        if lr == 0:
            raise BehaviorError(_("did: rate_ratio must differ from 1"))
        out["elasticity"] = Estimate("elasticity", b / lr, se / abs(lr), cav, int(ok.sum()),
                                     "sales per marginal pay rate (log/log)", method)  # fmt: skip
    return out


def did_event_study(
    sales: np.ndarray,
    periods: pd.PeriodIndex,
    treated: np.ndarray,
    change: str | pd.Period,
    min_reps: int = 3,
) -> tuple[pd.DataFrame, Estimate]:
    """Treated-minus-control difference month by month around a plan change.

    For every month with the same calendar month a year before, the treated
    reps' year-on-year change in log sales (net of the controls' monthly mean)
    is compared with the controls' (OLS on the treated indicator, HC1). Months
    before the change show whether the groups moved in parallel before it (they
    should be near zero); months after trace the effect. The second value is the
    pre-trend test: the per-rep mean of the pre-change year-on-year changes
    regressed on the treated indicator (0 under parallel trends).

    Returns
    -------
    frame : DataFrame
        ``period, months_from_change, estimate, se, ci_low, ci_high, n``.
    pre_trend : Estimate
    """
    import statsmodels.api as sm

    yd, treated, post = _did_frame(sales, periods, treated, change)
    yoy, idx = _yoy(yd, periods)
    c = _month(change)
    rows = []
    for t in np.flatnonzero(idx >= 0):
        v = yoy[:, t]
        ok = np.isfinite(v)
        if ok[treated].sum() < min_reps or ok[~treated].sum() < min_reps:
            continue
        fit = sm.OLS(v[ok], sm.add_constant(treated[ok].astype(float))).fit(cov_type="HC1")
        b, se = float(fit.params[1]), float(fit.bse[1])
        rows.append({"period": str(periods[t]), "months_from_change": (periods[t] - c).n,
                     "estimate": b, "se": se, "ci_low": b - 1.96 * se, "ci_high": b + 1.96 * se,
                     "n": int(ok.sum())})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["period", "months_from_change", "estimate", "se",
                                        "ci_low", "ci_high", "n"])  # fmt: skip
    pre = (idx >= 0) & ~post
    if pre.sum() == 0:
        raise BehaviorError(
            _("did: the history has no month before the change with a year before it")
        )
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.nanmean(yoy[:, pre], axis=1)
    ok = np.isfinite(m)
    if ok[treated].sum() < min_reps or ok[~treated].sum() < min_reps:
        raise BehaviorError(_("did: too few reps with a year of history before the change"))
    fit = sm.OLS(m[ok], sm.add_constant(treated[ok].astype(float))).fit(cov_type="HC1")
    pre_trend = Estimate(
        "did_pre_trend", float(fit.params[1]), float(fit.bse[1]),
        _("Before the change the treated group's year-on-year changes should match the "
          "controls' (estimate near 0, interval covering 0); a clear difference means the "
          "groups were already drifting apart and the DiD effect is biased."),
        int(ok.sum()), "log difference per month", "pre-period year-on-year changes, HC1",
    )  # fmt: skip
    return frame, pre_trend


def plan_rate_ratio(
    ds,
    old_plan: Any,
    new_plan: Any,
    position: str,
    year: int,
    kpi: str = "revenue",
    window: float = 0.1,
) -> float:
    """New over old marginal pay rate for ``position``'s reps at quota in ``year``.

    Both plans are prepared on the reps of ``position`` with targets in ``year``;
    each rep's marginal rate is the slope of annual pay around attainment 100%
    (:meth:`ResponseContext.marginal_rate`), and the ratio of the medians over
    reps paid by both is returned, for :func:`did_effect`'s ``rate_ratio``.
    """
    from simlib.behavior.models import ResponseContext
    from simlib.plans import Plan

    plans = []
    for p in (old_plan, new_plan):
        if not isinstance(p, Plan):
            p = (Plan.from_dict(p, kpis=ds.kpi_names) if isinstance(p, dict)
                 else Plan.from_yaml(p, kpis=ds.kpi_names))  # fmt: skip
        plans.append(p)
    periods = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    reps = ds.reps.loc[ds.reps["position"] == position].reset_index(drop=True)
    if reps.empty:
        raise BehaviorError(
            _("plan_rate_ratio: no reps hold position {position!r}").format(position=position)
        )
    kpis = ds.kpi_names
    tg = np.stack([dense_targets(ds, k, periods, reps["rep_id"].to_numpy()) for k in kpis], -1)
    rates = []
    for p in plans:
        prep = p.prepare(reps, periods, ds=ds, paid=np.ones(len(reps), dtype=bool))
        ctx = ResponseContext(expected=np.nan_to_num(tg), targets=tg, plan=prep, kpis=tuple(kpis),
                              primary=kpis.index(kpi),
                              summed=np.array([ds.kpi(k)["aggregation"] == "sum" for k in kpis]))  # fmt: skip
        rates.append(ctx.marginal_rate(window))
    both = (rates[0] > 0) & (rates[1] > 0)
    if not both.any():
        raise BehaviorError(
            _("plan_rate_ratio: no rep has a positive marginal rate under both plans")
        )
    return float(np.median(rates[1][both]) / np.median(rates[0][both]))


def did_effect_ds(
    ds, treated_position: str, change: str, kpi: str = "revenue", rate_ratio: float | None = None
) -> dict[str, Estimate]:
    """:func:`did_effect` with the treated group given by a position in ``ds.reps``."""
    x, periods, rep_ids = kpi_sales(ds, kpi)
    pos = ds.reps.set_index("rep_id").loc[rep_ids, "position"].to_numpy()
    if treated_position not in set(pos):
        raise BehaviorError(
            _("did: no reps hold position {treated_position!r}").format(
                treated_position=treated_position
            )
        )
    return did_effect(x, periods, pos == treated_position, change, rate_ratio)

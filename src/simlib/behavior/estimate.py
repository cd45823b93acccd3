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


def _rep_periods(period: str) -> str:
    """The counting unit of a period's results: rep-months, rep-quarters, rep-years."""
    words = {"month": N_("rep-months"), "quarter": N_("rep-quarters"), "year": N_("rep-years")}
    return _(words[period]) if period in words else f"rep-{period}s"


def estimates_frame(estimates: Sequence[Estimate]) -> pd.DataFrame:
    """A tidy table of estimates (one row each)."""
    return pd.DataFrame([e.as_dict() for e in estimates])


# ------------------------------------------------------------------ helpers
def _log(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)


def _demean_groups(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Subtract the group mean from each value (groups as integer codes)."""
    codes, inv = np.unique(groups, return_inverse=True)
    s = np.bincount(inv, weights=y, minlength=len(codes))
    c = np.bincount(inv, minlength=len(codes))
    return y - (s / c)[inv]


def _demean_columns(m: np.ndarray, groups: np.ndarray) -> np.ndarray:
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


def _sales(ds, kpi: str, periods: pd.PeriodIndex | None = None):
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

    y = _log(sales)
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
    v = _demean_groups(y[rr, tt], key)
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
    x, periods, _groups = _sales(ds, kpi)
    return quarter_end_lift(x, periods)


# ------------------------------------------------------ threshold bunching
def period_attainment(
    sales: np.ndarray, targets: np.ndarray, periods: pd.PeriodIndex, period: str = "quarter"
) -> np.ndarray:
    """Attainment of every complete rep-period (months with both sales and a target)."""
    n = _period_months(period)
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


def _period_months(period: str) -> int:
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
    _period_months(period)
    x, periods, rep_ids = _sales(ds, kpi)
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
    x, periods, rep_ids = _sales(ds, kpi)
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
    y = _log(sales)
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
    x, periods, rep_ids = _sales(ds, kpi)
    pos = ds.reps.set_index("rep_id").loc[rep_ids, "position"].to_numpy()
    if treated_position not in set(pos):
        raise BehaviorError(
            _("did: no reps hold position {treated_position!r}").format(
                treated_position=treated_position
            )
        )
    return did_effect(x, periods, pos == treated_position, change, rate_ratio)


# ------------------------------------------------- behaviour parameters (recovery)
def timing_pull_in_rate(
    sales: np.ndarray,
    targets: np.ndarray,
    periods: pd.PeriodIndex,
    band: float = 0.1,
    period: str = "quarter",
    tol: float = 1e-4,
) -> Estimate:
    """Share of reps just short of quota at a period's end who pull a deal in.

    A rep who pulls in books exactly what is missing, so their period lands on
    quota: within ``tol`` (a share of quota, for rounding of deals and quotas)
    above it, where a smooth distribution of results puts almost nothing. Among complete rep-periods
    followed by a month with sales (the month a deal could come from), the
    estimate is ``B / (B + N)``: ``B`` results within ``tol`` above quota (net of
    the few a smooth density puts there, read from the next 2% above), ``N``
    results within ``band`` below quota (those who could have and did not).
    Binomial standard error.

    ``band`` is how far below quota a rep still plays (an assumption; the
    engine's ``timing`` model's ``band``). Reps who cannot find enough sales in
    the next month count as not pulling in. Meant for money KPIs (for a count
    KPI one unit is a large step: natural results land on quota too). Hold-back
    beyond the annual quota in the same history can pull a bunched quarter back
    below quota, which reads as "did not pull in" (biased down: 0.36 for a true
    0.5 in the generator with both).
    """
    n = _period_months(period)
    if not (0 < band <= 0.5):
        raise BehaviorError(
            _("timing_pull_in_rate: band must be within (0, 0.5], got {band!r}").format(band=band)
        )
    key = np.asarray(periods.year) * 12 + (np.asarray(periods.month) - 1) // n
    ok = np.isfinite(sales) & np.isfinite(targets) & (np.nan_to_num(targets) > 0)
    excess, quota = [], []
    for k in np.unique(key):
        cols = np.flatnonzero(key == k)
        if len(cols) != n or cols[-1] + 1 >= len(periods):
            continue  # incomplete, or no month after it to pull from
        full = ok[:, cols].all(axis=1) & np.isfinite(sales[:, cols[-1] + 1])
        excess.append(sales[full][:, cols].sum(axis=1) - targets[full][:, cols].sum(axis=1))
        quota.append(targets[full][:, cols].sum(axis=1))
    if not excess:
        raise BehaviorError(
            _("timing_pull_in_rate: no complete period followed by a month of sales")
        )
    ex, q = np.concatenate(excess), np.concatenate(quota)
    rel = ex / q
    on = (rel >= 0) & (rel < tol)
    # What a smooth density puts in [0, tol): read from the next 2% above.
    natural = float(((rel >= tol) & (rel < 0.02 + tol)).sum()) * tol / 0.02
    b = max(float(on.sum()) - natural, 0.0)
    short = float(((ex < 0) & (ex >= -band * q)).sum())
    m = b + short
    if m < 20:
        raise BehaviorError(_("timing_pull_in_rate: only {m:.0f} results near quota").format(m=m))
    p = b / m
    return Estimate(
        "timing_pull_in_rate", p, float(np.sqrt(max(p * (1 - p), 1.0 / m) / m)),
        _("Share of {rep_periods} within {band} below quota that ended exactly on quota "
          "(a deal pulled in to reach it). Assumes results would not land exactly on quota "
          "otherwise and that the band is right; quotas rounded to sales, or a rep pulling "
          "in more than needed, would be missed.").format(
            rep_periods=_rep_periods(period), band=f"{band:.0%}"),
        int(m), "share", "bunching exactly at quota, binomial",
    )  # fmt: skip


def holdback_share(
    sales: np.ndarray,
    targets: np.ndarray,
    periods: pd.PeriodIndex,
    span: float = 0.15,
    bin_width: float = 0.01,
) -> Estimate:
    """Share of sales beyond the annual quota held back (a ratchet's footprint).

    A rep who holds back ``h`` of every unit beyond quota ends ``(1 - h)`` as far
    above it as they would have: the distribution of annual attainment above 100%
    is squeezed toward it. Complete rep-years' attainments within ``span`` of 100%
    are binned; a Poisson likelihood fits a smooth (quadratic in the log) density
    to the bins below 100% and, through the squeeze, to the bins above, with
    ``h`` a free parameter; the standard error comes from the Fisher information.
    0 means no hold-back. A wider ``span`` narrows the interval but lets the
    density's curvature bias ``h`` down (recovery on generated data: mean 0.28
    for a true 0.30 at 0.15, 0.20 at 0.30).
    """
    from scipy.optimize import minimize

    years = np.asarray(periods.year)
    att = []
    for yv in np.unique(years):
        cols = np.flatnonzero(years == yv)
        if len(cols) != 12:
            continue
        full = (np.isfinite(sales[:, cols]) & np.isfinite(targets[:, cols])).all(axis=1)
        q = targets[full][:, cols].sum(axis=1)
        att.append(sales[full][:, cols].sum(axis=1)[q > 0] / q[q > 0])
    a = np.concatenate(att) if att else np.array([])
    x = a - 1.0
    edges = np.arange(-span, span + bin_width / 2, bin_width)
    counts, _edges = np.histogram(x, bins=edges)
    mid = (edges[:-1] + edges[1:]) / 2
    above = mid > 0
    if counts.sum() < 50 or counts[above].sum() < 10:
        raise BehaviorError(
            _("holdback_share: only {n} annual results near quota").format(n=counts.sum())
        )

    def mu_grad(th):
        c0, c1, c2, h = th
        s = 1.0 / (1.0 - h)
        xx = np.where(above, mid * s, mid)  # where a result would have been
        w = np.where(above, bin_width * s, bin_width)
        mu = np.exp(c0 + c1 * xx + c2 * xx**2) * w
        dh = np.where(above, (c1 + 2 * c2 * xx) * xx * s + s, 0.0)
        g = np.column_stack([np.ones_like(xx), xx, xx**2, dh])
        return mu, g

    def nll(th):
        if not (-0.5 < th[3] < 0.95):
            return 1e12
        mu, _grad = mu_grad(th)
        return float(np.sum(mu - counts * np.log(mu)))

    start = np.array([np.log(max(counts.mean(), 1.0) / bin_width), 0.0, 0.0, 0.0])
    res = minimize(nll, start, method="Nelder-Mead",
                   options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000, "maxfev": 20000})  # fmt: skip
    mu, g = mu_grad(res.x)
    info = (g * mu[:, None]).T @ g
    cov = np.linalg.pinv(info)
    h = float(res.x[3])
    return Estimate(
        "holdback_share", h, float(np.sqrt(max(cov[3, 3], 0.0))),
        _("Squeeze of annual attainment above 100% against a smooth density fitted through "
          "100%. Assumes results would be smoothly spread across quota without the ratchet; "
          "a cap, a decelerator above quota or quota-setting on the same year's results "
          "would also squeeze it."),
        int(counts.sum()), "share of sales beyond quota", "Poisson likelihood on binned attainment",
    )  # fmt: skip

"""Timing behaviour around quota: deals pulled in by reps just short of it and sales held
back beyond it. Both estimators read monthly ``sales`` and ``targets`` of shape
``(reps, months)`` (NaN where a rep was not employed) and return
:class:`~simlib.behavior.estimate.Estimate` objects, as the other estimators do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.behavior.estimate import Estimate, months_in_period, rep_periods_label
from simlib.behavior.specs import BehaviorError
from simlib.i18n import _


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
    n = months_in_period(period)
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
            rep_periods=rep_periods_label(period), band=f"{band:.0%}"),
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

    def expected(th):
        c0, c1, c2, h = th
        s = 1.0 / (1.0 - h)
        xx = np.where(above, mid * s, mid)  # where a result would have been
        w = np.where(above, bin_width * s, bin_width)
        return np.exp(c0 + c1 * xx + c2 * xx**2) * w, xx, s

    def mu_grad(th):
        mu, xx, s = expected(th)
        c1, c2 = th[1], th[2]
        dh = np.where(above, (c1 + 2 * c2 * xx) * xx * s + s, 0.0)
        g = np.column_stack([np.ones_like(xx), xx, xx**2, dh])
        return mu, g

    seen = counts > 0

    def nll(th):
        """The Poisson negative log-likelihood (an empty bin adds only its mean); inf
        outside h's range or where the density vanishes under a bin with results."""
        if not (-0.5 < th[3] < 0.95):
            return np.inf
        mu = expected(th)[0]
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            value = float(np.sum(mu) - np.sum(counts[seen] * np.log(mu[seen])))
        return value if np.isfinite(value) else np.inf

    # Fisher scoring (Newton's method with the expected information, as for a Poisson
    # GLM), each step halved until the likelihood improves and h stays in its range.
    th = np.array([np.log(max(counts.mean(), 1.0) / bin_width), 0.0, 0.0, 0.0])
    f = nll(th)
    for _iteration in range(200):
        mu, g = mu_grad(th)
        step = np.linalg.pinv((g * mu[:, None]).T @ g) @ (g.T @ (mu - counts))
        t = 1.0
        while not (f_new := nll(th - t * step)) <= f:  # a NaN step is no improvement
            t /= 2
            if t <= 1e-12:
                break
        if t <= 1e-12:
            break  # no step improves: the maximum
        th, f_before, f = th - t * step, f, f_new
        if np.abs(t * step).max() < 1e-10 or f_before - f < 1e-13 * max(1.0, abs(f)):
            break
    mu, g = mu_grad(th)
    info = (g * mu[:, None]).T @ g
    cov = np.linalg.pinv(info)
    h = float(th[3])
    return Estimate(
        "holdback_share", h, float(np.sqrt(max(cov[3, 3], 0.0))),
        _("Squeeze of annual attainment above 100% against a smooth density fitted through "
          "100%. Assumes results would be smoothly spread across quota without the ratchet; "
          "a cap, a decelerator above quota or quota-setting on the same year's results "
          "would also squeeze it."),
        int(counts.sum()), "share of sales beyond quota", "Poisson likelihood on binned attainment",
    )  # fmt: skip

"""Recovery checks: simulate histories with known behaviour, estimate it back.

An estimator earns trust when, on data made with known parameters, its 95%
intervals contain the truth about 95% of the time. :func:`simulate_panel` makes
small monthly sales histories with every ingredient the estimators look for
(rep levels and rep-year surprises, company shocks, individual noise, a
quarter-end lift, a plan change for part of the sales force, quotas revised by
a ratchet rule); :func:`coverage` runs an estimator over many of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.behavior.estimate import (
    Estimate,
    annual_pairs,
    did_effect,
    quarter_end_lift,
    target_revision,
)
from simlib.behavior.panel import panel_components


@dataclass(frozen=True)
class Panel:
    """A simulated history: ``sales`` and ``targets`` (reps, months), and the truth."""

    sales: np.ndarray
    targets: np.ndarray
    periods: pd.PeriodIndex
    treated: np.ndarray
    region: np.ndarray
    truth: dict[str, float]


def simulate_panel(
    seed: int | np.random.SeedSequence,
    n_reps: int = 60,
    years: int = 3,
    sigma_level: float = 0.3,
    sigma_rep: float = 0.12,
    sigma_company: float = 0.05,
    sigma_month: float = 0.25,
    quarter_end_lift: float = 0.0,
    effect: float = 0.0,
    treated_share: float = 0.5,
    change: str | None = None,
    up: float = 0.5,
    down: float = 0.25,
    growth: float = 0.05,
    target_noise: float = 0.02,
    first_year: int = 2023,
) -> Panel:
    """A monthly sales history with known parameters.

    ``log sales[r, t] = level[r] + u[r, year] + c[t] + lift * last_month_of_quarter[t]
    + effect * treated[r] * (t >= change) + e[r, t]`` with ``u ~ N(0, sigma_rep)``
    per rep-year, ``c ~ N(0, sigma_company)`` per month and ``e ~ N(0,
    sigma_month)``. The first year's quota is the rep's expected annual sales;
    each later year's is ``T * (1 + growth) + up * beat + down * miss`` plus a
    ``N(0, target_noise)`` share of ``T`` (the ratchet rule), spread evenly over
    months. ``truth`` holds the parameters in the estimators' units.
    """
    rng = np.random.default_rng(seed)
    T = 12 * years
    periods = pd.period_range(f"{first_year}-01", periods=T, freq="M")
    level = np.log(100.0) + rng.normal(0, sigma_level, n_reps)
    u = rng.normal(0, sigma_rep, (n_reps, years))
    c = rng.normal(0, sigma_company, T)
    e = rng.normal(0, sigma_month, (n_reps, T))
    last = ((np.asarray(periods.month) - 1) % 3 == 2).astype(float)
    treated = rng.random(n_reps) < treated_share
    change = change or f"{first_year + years - 1}-01"
    post = np.asarray(periods >= pd.Period(change, freq="M")).astype(float)
    yi = np.repeat(np.arange(years), 12)
    logs = (
        level[:, None] + u[:, yi] + c[None, :] + np.log1p(quarter_end_lift) * last[None, :]
        + effect * treated[:, None] * post[None, :] + e
    )  # fmt: skip
    sales = np.exp(logs)
    annual_t = np.empty((n_reps, years))
    # Year-one quota: expected annual sales at the rep's level.
    annual_t[:, 0] = np.exp(level) * 12 * np.exp((sigma_month**2 + sigma_rep**2) / 2)
    for y in range(1, years):
        a = sales[:, 12 * (y - 1) : 12 * y].sum(axis=1)
        t0 = annual_t[:, y - 1]
        d = a - t0
        nxt = t0 * (1 + growth) + up * np.maximum(d, 0) + down * np.minimum(d, 0)
        annual_t[:, y] = nxt + t0 * rng.normal(0, target_noise, n_reps)
    targets = np.repeat(annual_t / 12, 12, axis=1)
    truth = {
        "quarter_end_lift": float(np.log1p(quarter_end_lift)),
        "did_effect": float(effect),
        "target_up": float(up),
        "target_down": float(down),
        "sigma_month": float(sigma_month),
        "sigma_company": float(sigma_company),
        "sigma_rep": float(sigma_rep),
    }
    return Panel(sales, targets, periods, treated, np.zeros(n_reps, dtype=np.int64), truth)


#: Estimators the recovery checks run, by the truth key they estimate.
ESTIMATORS: dict[str, Callable[[Panel], Estimate]] = {
    "quarter_end_lift": lambda p: quarter_end_lift(p.sales, p.periods),
    "did_effect": lambda p: did_effect(p.sales, p.periods, p.treated, p.periods[-12])["effect"],
    "target_up": lambda p: target_revision(annual_pairs(p.sales, p.targets, p.periods))[
        "target_up"
    ],
    "target_down": lambda p: target_revision(annual_pairs(p.sales, p.targets, p.periods))[
        "target_down"
    ],
    "sigma_month": lambda p: panel_components(np.log(p.sales), p.periods, p.region)[0][
        "sigma_month"
    ],
    "sigma_rep": lambda p: panel_components(np.log(p.sales), p.periods, p.region)[0]["sigma_rep"],
    "sigma_company": lambda p: panel_components(np.log(p.sales), p.periods, p.region)[0][
        "sigma_company"
    ],
}


def coverage(
    name: str, n_datasets: int = 200, seed: int = 2026, **panel_kw
) -> tuple[float, np.ndarray]:
    """Share of ``n_datasets`` simulated histories whose 95% interval covers the truth.

    Returns the coverage and the estimates (one per dataset).
    """
    est = ESTIMATORS[name]
    children = np.random.SeedSequence(seed).spawn(n_datasets)
    hits = 0
    values = np.empty(n_datasets)
    for i, ss in enumerate(children):
        p = simulate_panel(ss, **panel_kw)
        e = est(p)
        values[i] = e.estimate
        hits += e.covers(p.truth[name])
    return hits / n_datasets, values

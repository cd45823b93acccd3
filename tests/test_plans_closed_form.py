"""Expected payouts against closed forms under lognormal sales.

Let annual sales S be lognormal: ln S ~ N(mu, sigma^2).

Call price. For a level K > 0, with Z standard normal and S = exp(mu + sigma Z),

    E[(S - K)+] = E[S 1{S > K}] - K P(S > K).

P(S > K) = P(Z > (ln K - mu)/sigma) = Phi(d2) with d2 = (mu - ln K)/sigma.
E[S 1{S > K}] = int_{z > -d2} e^{mu + sigma z} phi(z) dz; completing the square,
e^{sigma z} phi(z) = e^{sigma^2/2} phi(z - sigma), so the integral is
e^{mu + sigma^2/2} P(Z + sigma > -d2) = e^{mu + sigma^2/2} Phi(d2 + sigma). Hence

    E[(S - K)+] = e^{mu + sigma^2/2} Phi(d2 + sigma) - K Phi(d2).

A commission at rate r on sales between a threshold K and a cap C pays
r [min(S, C) - K]+ = r [(S - K)+ - (S - C)+]: a call spread, so its mean is
r (E[(S - K)+] - E[(S - C)+]).

A quota bonus whose curve jumps from 0 to 1 at 100% of quota q pays the target
amount exactly when S >= q, with probability P(ln S >= ln q) = Phi((mu - ln q)/sigma).

The Monte Carlo means of the plan engine must fall within 4 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from simlib.plans import Plan

PERIODS = pd.period_range("2026-01", "2026-12", freq="M")
N = 200_000
MU, SIGMA = math.log(1_000_000.0), 0.35


def call(mu: float, sigma: float, k: float) -> float:
    d2 = (mu - math.log(k)) / sigma
    return math.exp(mu + sigma**2 / 2) * norm.cdf(d2 + sigma) - k * norm.cdf(d2)


def _draws(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = np.exp(rng.normal(MU, SIGMA, N))
    # Spread each draw's annual sales evenly over 12 months: one rep, N draws.
    return np.repeat((s / 12.0)[:, None, None], 12, axis=2)


def _reps() -> pd.DataFrame:
    return pd.DataFrame({"rep_id": ["r"], "base_salary": [100000.0]})


@pytest.mark.parametrize(("k", "c"), [(800_000.0, 1_400_000.0), (1_000_000.0, 1_200_000.0)])
def test_capped_commission_is_a_call_spread(k, c):
    r = 0.05
    plan = Plan.from_dict(
        {
            "name": "call spread",
            "period": "year",
            "components": [
                {
                    "type": "commission",
                    "name": "c",
                    "kpi": "revenue",
                    "rate": r,
                    "threshold": k,
                    "cap": c,
                    "basis": "value",
                }
            ],
        }
    )
    prep = plan.prepare(_reps(), PERIODS)
    pay = prep.payout({"revenue": _draws(11)}, {}).total.sum(axis=-1)[:, 0]
    expected = r * (call(MU, SIGMA, k) - call(MU, SIGMA, c))
    se = pay.std(ddof=1) / math.sqrt(N)
    assert abs(pay.mean() - expected) < 4 * se, (pay.mean(), expected, se)
    # And the formula is not trivially satisfied: it differs from an uncapped commission.
    assert r * call(MU, SIGMA, k) - expected > 10 * se


@pytest.mark.parametrize("q", [900_000.0, 1_100_000.0, 1_400_000.0])
def test_quota_bonus_pays_with_probability_phi(q):
    plan = Plan.from_dict(
        {
            "name": "bump",
            "period": "year",
            "target_incentive": {"amount": 10_000},
            "components": [
                {
                    "type": "quota_bonus",
                    "name": "b",
                    "kpi": "revenue",
                    "weight": 1.0,
                    "curve": [[1.0, 0.0], [1.0, 1.0]],
                }
            ],
        }
    )
    prep = plan.prepare(_reps(), PERIODS)
    pay = prep.payout({"revenue": _draws(12)}, {"revenue": np.full((1, 12), q / 12.0)}).total.sum(
        -1
    )[:, 0]
    paid = pay > 0
    np.testing.assert_allclose(pay[paid], 10_000.0)
    p = norm.cdf((MU - math.log(q)) / SIGMA)
    se = math.sqrt(p * (1 - p) / N)
    assert abs(paid.mean() - p) < 4 * se, (paid.mean(), p, se)


def test_linear_bonus_between_threshold_and_cap_is_a_call_spread_too():
    """A curve 0 below q*a, linear to 1 at q*b, flat after, pays (S-aq)+ - (S-bq)+ over (b-a)q."""
    q, a, b = 1_000_000.0, 0.8, 1.3
    plan = Plan.from_dict(
        {
            "name": "linear",
            "period": "year",
            "target_incentive": {"amount": 10_000},
            "components": [
                {
                    "type": "quota_bonus",
                    "name": "b",
                    "kpi": "revenue",
                    "weight": 1.0,
                    "curve": [[a, 0.0], [b, 1.0]],
                }
            ],
        }
    )
    prep = plan.prepare(_reps(), PERIODS)
    pay = prep.payout({"revenue": _draws(13)}, {"revenue": np.full((1, 12), q / 12.0)}).total.sum(
        -1
    )[:, 0]
    expected = 10_000.0 * (call(MU, SIGMA, a * q) - call(MU, SIGMA, b * q)) / ((b - a) * q)
    se = pay.std(ddof=1) / math.sqrt(N)
    assert abs(pay.mean() - expected) < 4 * se, (pay.mean(), expected, se)

"""The Monte Carlo engine: closed forms, reproducibility, flat memory by design.

Closed forms (derived in tests/test_plans_closed_form.py's docstring): with annual
sales S lognormal, ln S ~ N(mu, sigma^2),

    E[(S - K)+] = e^{mu + sigma^2/2} Phi(d2 + sigma) - K Phi(d2),  d2 = (mu - ln K) / sigma,

a commission at rate r between threshold K and cap C has mean
r (E[(S - K)+] - E[(S - C)+]) (a call spread), and a bonus paid at or above quota q
is paid with probability Phi((mu - ln q) / sigma).

In the engine, ``sales_options={"sigma_rep": sigma}`` and ``expected="target"``
make each rep's monthly sales m_t exp(sigma Z - sigma^2/2) with one Z per rep and
year, so annual sales are M exp(sigma Z - sigma^2/2) with M the annual target:
mu = ln M - sigma^2 / 2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from simlib.data.dataset import Dataset
from simlib.data.synthetic import generate
from simlib.engine.simulate import SimulationError, simulate

MONTHLY_TARGET = 100_000.0
ANNUAL = 12 * MONTHLY_TARGET
SIGMA = 0.3
MU = math.log(ANNUAL) - SIGMA**2 / 2
N_REPS = 40


def call(mu: float, sigma: float, k: float) -> float:
    d2 = (mu - math.log(k)) / sigma
    return math.exp(mu + sigma**2 / 2) * norm.cdf(d2 + sigma) - k * norm.cdf(d2)


def one_kpi_dataset() -> Dataset:
    """N_REPS reps under one region, revenue only, flat monthly targets in 2026."""
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", "R1", "T1"],
            "parent_id": pd.array([pd.NA, "HQ", "R1"], dtype="string"),
            "level": ["company", "region", "team"],
            "name": ["HQ", "Region", "Team"],
        }
    )
    rep_ids = [f"r{i:02d}" for i in range(N_REPS)]
    reps = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "unit_id": "T1",
            "position": "am",
            "hire_date": pd.Timestamp("2020-01-01"),
            "exit_date": pd.NaT,
            "base_salary": 120_000.0,
            "grade": "P3",
        }
    )
    hist = pd.period_range("2025-01", "2025-12", freq="M")
    sales = pd.DataFrame(
        {
            "rep_id": np.repeat(rep_ids, 12),
            "period": np.tile(hist, N_REPS),
            "kpi": "revenue",
            "value": MONTHLY_TARGET,
        }
    )
    year = pd.period_range("2026-01", "2026-12", freq="M")
    targets = pd.DataFrame(
        {
            "unit_id": pd.array([pd.NA] * (12 * N_REPS), dtype="string"),
            "rep_id": np.repeat(rep_ids, 12),
            "period": np.tile(year, N_REPS),
            "kpi": "revenue",
            "target": MONTHLY_TARGET,
        }
    )
    kpis = pd.DataFrame(
        {"kpi": ["revenue"], "direction": ["higher"], "unit": ["currency"], "aggregation": ["sum"]}
    )
    return Dataset(
        kpis=kpis, units=units, reps=reps, sales=sales, targets=targets, source="one-kpi"
    )


def _run(plan: dict, draws: int = 2000, **kw):
    return simulate(
        ds=one_kpi_dataset(),
        plan=plan,
        expected="target",
        sales_options={"sigma_rep": SIGMA},
        draws=draws,
        seed=kw.pop("seed", 5),
        **kw,
    )


@pytest.mark.parametrize(("k", "c"), [(0.8 * ANNUAL, 1.4 * ANNUAL), (ANNUAL, 1.2 * ANNUAL)])
def test_capped_commission_reproduces_the_call_spread(k, c):
    r = 0.05
    plan = {
        "name": "call spread",
        "period": "year",
        "target_incentive": {"amount": 10_000},
        "components": [
            {"type": "commission", "name": "c", "kpi": "revenue", "rate": r,
             "threshold": k, "cap": c, "basis": "value"}
        ],
    }  # fmt: skip
    res = _run(plan)
    per_rep = res.per_draw["total_payout"] / N_REPS
    expected = r * (call(MU, SIGMA, k) - call(MU, SIGMA, c))
    se = per_rep.std(ddof=1) / np.sqrt(len(per_rep))
    assert abs(per_rep.mean() - expected) < 4 * se
    # The per-rep means (exact fixed-point sums) agree with the per-draw totals.
    assert res.reps["mean_payout"].mean() == pytest.approx(per_rep.mean(), rel=1e-9)


@pytest.mark.parametrize("quota", [0.9, 1.0, 1.15])
def test_quota_bonus_is_paid_with_probability_phi(quota):
    # A bonus of the whole target incentive, paid when attainment reaches `quota`
    # (a jump from 0 to 1), i.e. when S >= quota * ANNUAL.
    plan = {
        "name": "step bonus",
        "period": "year",
        "target_incentive": {"amount": 10_000},
        "components": [
            {"type": "quota_bonus", "name": "b", "kpi": "revenue", "weight": 1.0,
             "curve": [[quota, 0.0], [quota, 1.0], [5.0, 1.0]]}
        ],
    }  # fmt: skip
    res = _run(plan)
    paid_share = res.per_draw["total_payout"] / (N_REPS * 10_000)
    p = norm.cdf((MU - math.log(quota * ANNUAL)) / SIGMA)
    se = math.sqrt(p * (1 - p) / (len(paid_share) * N_REPS))
    assert abs(paid_share.mean() - p) < 4 * se
    if quota == 1.0:
        assert abs(res.per_draw["share_at_quota"].mean() - p) < 4 * se


@pytest.fixture(scope="module")
def small_force() -> Dataset:
    return generate(n_reps=60, months=36, seed=3)


PLAN = "scenarios/plans/telecom_account_manager.yaml"
SCORECARD = "scenarios/appraisal/five_grade_forced.yaml"


def _sim(ds, **kw):
    kw.setdefault("draws", 30)
    kw.setdefault("seed", 9)
    return simulate(ds=ds, plan="scenarios/plans/store_sales_commission.yaml", **kw)


def test_same_seed_same_results_whatever_the_chunk_size(small_force):
    runs = [_sim(small_force, chunk_size=c, sales="bootstrap") for c in (7, 64, 1000)]
    runs.append(_sim(small_force, chunk_size=3, sales="bootstrap", threads=1))
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0].per_draw, other.per_draw, check_exact=True)
        pd.testing.assert_frame_equal(runs[0].reps, other.reps, check_exact=True)
        pd.testing.assert_frame_equal(runs[0].metrics, other.metrics, check_exact=True)
        for k, g in runs[0].group_draws.items():
            pd.testing.assert_frame_equal(g, other.group_draws[k], check_exact=True)


def test_different_seeds_give_different_draws(small_force):
    a = _sim(small_force, seed=1)
    b = _sim(small_force, seed=2)
    assert not np.allclose(a.per_draw["total_payout"], b.per_draw["total_payout"])


@pytest.mark.slow
def test_dask_backend_matches_local_bit_for_bit(small_force):
    local = _sim(small_force, chunk_size=8)
    dask = _sim(small_force, chunk_size=5, backend="dask", n_workers=2)
    pd.testing.assert_frame_equal(local.per_draw, dask.per_draw, check_exact=True)
    pd.testing.assert_frame_equal(local.reps, dask.reps, check_exact=True)


def test_appraisal_runs_inside_the_draws(small_force):
    res = simulate(ds=small_force, plan=PLAN, appraisal=SCORECARD, draws=20, seed=4, pip_floor=0.7)
    shares = res.group_draws["grade_share"]
    # Forced distribution: the grade shares are the same in every draw.
    assert (shares.std() < 1e-12).all()
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert "improvement_plan_share" in res.per_draw
    assert res.reps["p_bottom_grade"].between(0, 1).all()


def test_metrics_are_consistent_with_their_definitions(small_force):
    res = _sim(small_force, keep_cube=True, draws=10, budget=1e6)
    pay = res.cube["pay"].sum(axis=-1)  # (draws, reps)
    assert res.per_draw["total_payout"].to_numpy() == pytest.approx(pay.sum(axis=1))
    assert (res.per_draw["budget_ratio"] * res.provenance["budget"]).to_numpy() == pytest.approx(
        pay.sum(axis=1)
    )
    assert res.per_draw["share_at_quota"].between(0, 1).all()
    assert res.attainment_hist["share"].sum() == pytest.approx(1.0)
    assert res.provenance["data_hash"] == small_force.content_hash()


def test_bad_settings_give_clear_errors(small_force):
    with pytest.raises(SimulationError, match="backend"):
        _sim(small_force, backend="spark")
    with pytest.raises(SimulationError, match="sales_options"):
        _sim(small_force, sales_options={"sigma_rpe": 0.2})
    with pytest.raises(SimulationError, match="no rows for 2031"):
        _sim(small_force, year=2031)


def test_a_commission_plan_has_no_default_budget(small_force):
    res = _sim(small_force, draws=5)
    assert res.provenance["budget"] == 0.0
    assert res.per_draw["budget_ratio"].isna().all()


def test_compare_takes_paired_differences_draw_by_draw(small_force):
    import simlib as sl

    spec = sl.plans.Plan.from_yaml("scenarios/plans/telecom_account_manager.yaml").spec.model_dump()
    # Keep the components paid in proportion to target incentive (drop the SPIF,
    # a fixed amount per new customer) so the pay-mix change scales pay exactly.
    spec["components"] = [c for c in spec["components"] if c["type"] != "spif"]
    plan = sl.plans.Plan.from_dict(spec)
    richer = dict(spec)
    richer["name"] = "richer"
    richer["target_incentive"] = {"pay_mix": {"base": 0.5, "variable": 0.5}}
    a = sl.simulate(ds=small_force, plan=plan, draws=25, seed=2)
    b = sl.simulate(ds=small_force, plan=richer, draws=25, seed=2)
    table = sl.compare([a, b])
    d = b.per_draw["total_payout"] - a.per_draw["total_payout"]
    assert table.loc["total_payout", (b.name, "diff")] == pytest.approx(d.mean())
    assert table.loc["total_payout", (b.name, "diff_se")] == pytest.approx(
        d.std(ddof=1) / np.sqrt(len(d))
    )
    # Same seed, same sales: a pay-mix change moves pay but not revenue at all.
    assert table.loc["revenue", (b.name, "diff")] == 0.0
    # 40/60 -> 50/50 pay mix on the same curve: variable pay scales by (0.5/0.5)/(0.4/0.6) = 1.5.
    assert b.per_draw["total_payout"].sum() == pytest.approx(1.5 * a.per_draw["total_payout"].sum())


def test_turnover_seat_factor_by_hand():
    from simlib.engine.simulate import Turnover

    t = Turnover(0.5, n_reps=2000, n_periods=12, vacancy_months=1, ramp_months=4)
    f = t.seat_factor(np.random.default_rng(0))
    # Exit month sells half, one vacant month, then 1/4, 2/4, 3/4, 1.
    row = next(r for r in f if (r < 1).any() and np.flatnonzero(r < 1)[0] <= 3)
    e = np.flatnonzero(row < 1)[0]
    assert row[e : e + 6].tolist() == [0.5, 0.0, 0.25, 0.5, 0.75, 1.0]
    # Share of seats with an exit within the year equals the annual rate.
    left = (f < 1).any(axis=1).mean()
    assert left == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / 2000))


def test_turnover_lowers_sales_but_keeps_quotas(small_force):
    base = _sim(small_force, draws=40, budget=1e6)
    churn = _sim(small_force, draws=40, budget=1e6, turnover=0.3)
    assert churn.per_draw["revenue"].mean() < base.per_draw["revenue"].mean()
    assert churn.per_draw["share_at_quota"].mean() < base.per_draw["share_at_quota"].mean()
    assert churn.provenance["turnover"] == 0.3

"""Response models: closed forms, hand calculations, directions theory predicts; the plan
in force as the reference the responses are measured against, paid rows, and the
estimators' sigmas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlib import behavior as bh
from simlib.behavior.specs import BehaviorError
from simlib.errors import SpecError
from simlib.plans import Plan

PERIODS = pd.period_range("2026-01", "2026-12", freq="M")


def _plan(components, period="year", **extra) -> Plan:
    return Plan.from_dict(
        {
            "name": "test",
            "period": period,
            "target_incentive": {"amount": 12_000.0},
            "components": components,
            **extra,
        }
    )


def _bonus(curve, period="year") -> Plan:
    return _plan(
        [{"type": "quota_bonus", "name": "bonus", "kpi": "revenue", "weight": 1.0, "curve": curve}],
        period=period,
    )


def _ctx(plan: Plan, a0, quota_month=100.0, sigma=0.1) -> bh.ResponseContext:
    """Reps with a flat monthly quota and expected sales a0 x quota."""
    a0 = np.asarray(a0, dtype=float)
    n = len(a0)
    reps = pd.DataFrame({"rep_id": [f"R{i}" for i in range(n)], "base_salary": 60_000.0})
    prep = plan.prepare(reps, PERIODS)
    targets = np.full((n, 12, 1), quota_month)
    expected = targets * a0[:, None, None]
    return bh.context_from_plan(
        plan, prep, expected, targets, ["revenue"], np.array([True]), 0, sigma=np.full(n, sigma)
    )


# ------------------------------------------------------------------ effort: closed forms
@pytest.mark.parametrize(
    "r, c, sigma",
    [
        (1.0, 1.0, 0.3),
        # Each case solves the effort model on a fine grid for 151 rates, four times.
        pytest.param(2.0, 0.5, 0.4, marks=pytest.mark.slow),
        pytest.param(4.0, 1.5, 0.2, marks=pytest.mark.slow),
    ],
)
def test_effort_reproduces_holmstrom_milgrom(r, c, sigma):
    # Derivation. Output Y = e + sigma Z, pay w = a + b Y, CARA risk aversion r,
    # effort cost c e^2 / 2. The agent's certainty equivalent is
    #   a + b e - c e^2 / 2 - r b^2 sigma^2 / 2,
    # maximized at e = b / c. Total surplus (principal's profit plus the agent's CE)
    #   S(b) = e - c e^2 / 2 - r b^2 sigma^2 / 2 = b / c - b^2 / (2c) - r b^2 sigma^2 / 2,
    # S'(b) = 1/c - b/c - r b sigma^2 = 0  =>  b* = 1 / (1 + r c sigma^2).
    beta_star = 1.0 / (1.0 + r * c * sigma**2)
    beta, effort = bh.best_linear_rate(cost=c, risk_aversion=r, sigma=sigma, elasticity=1.0)
    assert beta == pytest.approx(beta_star, abs=1e-3)
    assert effort == pytest.approx(beta_star / c, abs=1e-3)


def test_agent_effort_is_rate_over_cost_to_the_power_elasticity():
    # Linear pay b * Y and cost c e^(1+1/eta)/(1+1/eta): first-order condition
    # b = c e^(1/eta) gives e = (b / c)^eta, whatever the noise (risk neutral).
    scales = np.linspace(0.0, 4.0, 401)
    b = np.array([0.02, 0.03, 0.05])
    c, eta = 0.03, 0.4
    pay = b[:, None] * 1000.0 * scales[None, :]  # Y0 = 1000 units of sales
    e, _ = bh.solve_effort(pay, scales, 1000.0, 0.15, c, eta, efforts=np.linspace(0.3, 2.0, 341))
    np.testing.assert_allclose(e, (b / c) ** eta, atol=2e-4)


def test_risk_aversion_does_not_move_effort_under_a_linear_plan():
    # Holmstrom-Milgrom: with linear pay the variance of pay, b^2 Y0^2 sigma^2, does
    # not depend on effort, so risk aversion changes the rep's welfare, not effort.
    scales = np.linspace(0.0, 4.0, 401)
    pay = np.vstack([1000.0 * 0.05 * scales] * 2)
    e0, p0 = bh.solve_effort(pay, scales, 1000.0, 0.1, 0.05, 1.0, risk_aversion=0.0)
    e1, p1 = bh.solve_effort(pay, scales, 1000.0, 0.1, 0.05, 1.0, risk_aversion=5.0)
    np.testing.assert_allclose(e0, 1.0, atol=1e-9)
    np.testing.assert_allclose(e1, 1.0, atol=1e-9)
    # Var of pay = (0.05 x 1000 x 0.1)^2 = 25 (Gauss-Hermite is exact for a quadratic).
    np.testing.assert_allclose(p1["var_pay"], 25.0, rtol=1e-9)


# ------------------------------------------------------------------ directions
def test_raising_an_accelerator_raises_effort():
    flat = _bonus([(0.8, 0.5), (1.0, 1.0), (1.5, 1.5)])
    steep = _bonus([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)])
    a0 = [0.9, 1.1, 1.2, 1.3]
    # Units: target incentive 12,000 on an annual quota of 1,200 pays 10 per unit of
    # sales per unit of curve slope; cost 20 puts effort 1 at a slope of 2.
    spec = {"model": "effort", "cost": 20.0, "elasticity": 0.5, "sigma": 0.05,
            "min_effort": 0.3, "max_effort": 2.0}  # fmt: skip
    e_flat = bh.bind(spec, _ctx(flat, a0)).parts[0].factor
    e_steep = bh.bind(spec, _ctx(steep, a0)).parts[0].factor
    # Reps expected on the accelerator (110-130%) work harder under the steeper one;
    # a rep expected at 90% sees mostly the unchanged segment below quota.
    assert (e_steep[1:] > e_flat[1:] + 0.01).all()
    assert e_steep[0] >= e_flat[0] - 1e-9


def test_a_cap_lowers_effort_and_sales_above_it():
    capped = _bonus([(0.5, 0.5), (1.0, 1.0), (1.2, 1.2)])
    uncapped = _bonus([(0.5, 0.5), (1.0, 1.0), (3.0, 3.0)])
    a0 = [0.8, 1.4, 1.6]
    spec = {"model": "effort", "cost": 10.0, "elasticity": 0.5, "sigma": 0.05,
            "min_effort": 0.3, "max_effort": 2.0}  # fmt: skip
    ctx_c, ctx_u = _ctx(capped, a0), _ctx(uncapped, a0)
    e_c = bh.bind(spec, ctx_c).parts[0].factor
    e_u = bh.bind(spec, ctx_u).parts[0].factor
    assert (e_c[1:] < e_u[1:] - 0.05).all()  # above the cap: effort falls
    assert e_c[0] == pytest.approx(e_u[0], abs=1e-3)  # well below it: same slope, same effort
    sales = np.ones((2, 3, 12, 1)) * 100.0 * np.asarray(a0)[None, :, None, None]
    s_c = bh.bind(spec, ctx_c)(sales)
    s_u = bh.bind(spec, ctx_u)(sales)
    assert (s_c[:, 1:].sum(axis=2) < s_u[:, 1:].sum(axis=2)).all()


def test_elasticity_multiplier_by_hand():
    # Linear commission at 5%: the marginal rate is 0.05 for every rep. With a
    # reference rate of 0.04 and elasticity 0.2: (0.05 / 0.04) ** 0.2 = 1.0456...
    plan = _plan([{"type": "commission", "name": "comm", "kpi": "revenue", "rate": 0.05}])
    ctx = _ctx(plan, [0.7, 1.0, 1.3])
    m = bh.bind({"model": "elasticity", "elasticity": 0.2, "reference_rate": 0.04}, ctx)
    np.testing.assert_allclose(ctx.marginal_rate(), 0.05, rtol=1e-9)
    np.testing.assert_allclose(m.parts[0].factor, 1.25**0.2, rtol=1e-9)


def test_elasticity_floor_and_bounds():
    # Far below a hard threshold the plan pays nothing at the margin: the floor
    # (a quarter of the reference) applies, 0.25 ** 0.5 = 0.5, within the bound 1/1.5.
    plan = _bonus([(0.8, 0.5), (1.0, 1.0)])
    ctx = _ctx(plan, [0.3, 0.95])
    f = bh.bind({"model": "elasticity", "elasticity": 0.5, "reference_rate": 0.5}, ctx)
    assert f.parts[0].factor[0] == pytest.approx(2 / 3)  # clipped at 1 / (1 + 0.5)
    # With room for it (max_change 1: bounds 0.5 and 2) the floor itself shows.
    g = bh.bind({"model": "elasticity", "elasticity": 0.5, "reference_rate": 0.5,
                 "max_change": 1.0}, ctx)  # fmt: skip
    assert g.parts[0].factor[0] == pytest.approx(0.25**0.5)
    # The rep at 95% sits on the steep segment: pay at 85.5% is 0.6375 x 12,000 and
    # at 104.5% (past the cap) 12,000, over 2 x 0.1 x 1,140 units = 19.08 per unit,
    # 38x the reference rate: clipped at 1 + max_change.
    np.testing.assert_allclose(ctx.marginal_rate()[1], 0.3625 * 12_000 / 228, rtol=1e-9)
    assert f.parts[0].factor[1] == pytest.approx(1.5)
    assert g.parts[0].factor[1] == pytest.approx(2.0)


# ------------------------------------------------------------------ timing
def test_timing_pulls_in_exactly_the_missing_amount_by_hand():
    # Quarterly plan, quota 100 a month (300 a quarter), threshold 80%.
    plan = _bonus([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)], period="quarter")
    ctx = _ctx(plan, [1.0, 1.0])
    sales = np.full((1, 2, 12, 1), 100.0)
    sales[0, 0, :3, 0] = [90, 90, 95]  # Q1 = 275: 91.7%, 8.3 points short of 100%
    sales[0, 1, :3, 0] = [70, 70, 70]  # Q1 = 210: 70%, 10 points short of the threshold
    out = bh.bind({"model": "timing", "window": 1, "share": 0.3, "band": 0.1}, ctx)(sales)
    # Rep 0 needs 25 from April (100): 25 <= 0.3 x 100, so March gets 25 more.
    assert out[0, 0, 2, 0] == pytest.approx(120.0)
    assert out[0, 0, 3, 0] == pytest.approx(75.0)
    # Rep 1 needs 30 to reach the 80% threshold: exactly 0.3 x 100, so it is pulled.
    assert out[0, 1, 2, 0] == pytest.approx(100.0)
    assert out[0, 1, 3, 0] == pytest.approx(70.0)
    # April now short for rep 0 (Q2 = 275): pulled again from July at the next quarter end.
    assert out[0, 0, 5, 0] == pytest.approx(125.0)
    # Timing moves sales, it does not create them: each rep's year total is kept
    # (the year wraps onto January).
    np.testing.assert_allclose(out.sum(axis=2), sales.sum(axis=2), rtol=1e-12)


def test_timing_pushes_out_above_the_cap():
    plan = _bonus([(0.8, 0.5), (1.0, 1.0), (1.2, 1.4)], period="quarter")
    ctx = _ctx(plan, [1.0])
    sales = np.full((1, 1, 12, 1), 100.0)
    sales[0, 0, :3, 0] = [130, 130, 130]  # 130%: 30 points past the 120% cap = 30 units
    out = bh.bind({"model": "timing", "share": 0.5}, ctx)(sales)
    assert out[0, 0, 2, 0] == pytest.approx(100.0)  # min(0.5 x 130, excess 30) pushed
    assert out[0, 0, 3, 0] == pytest.approx(130.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.0, 300.0), min_size=12, max_size=12),
    st.floats(0.0, 1.0),
    st.integers(1, 3),
)
def test_timing_keeps_every_reps_year_total(months, share, window):
    # Whatever the months, share and window: no sale created or lost (no discount),
    # none negative, and the first quarter's end only ever gains from later months.
    plan = _bonus([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)], period="quarter")
    ctx = _ctx(plan, [1.0])
    sales = np.asarray(months, dtype=float)[None, None, :, None]
    out = bh.bind({"model": "timing", "share": share, "window": window}, ctx)(sales)
    assert (out >= -1e-9).all()
    assert out.sum() == pytest.approx(sales.sum(), rel=1e-12, abs=1e-9)
    assert out[0, 0, 2, 0] >= sales[0, 0, 2, 0] - 1e-9 or out[0, 0, 2, 0] < sales[0, 0, 2, 0]


def test_timing_creates_a_hockey_stick_at_the_threshold():
    plan = _bonus([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)], period="quarter")
    rng = np.random.default_rng(4)
    n = 4000
    ctx = _ctx(plan, np.ones(n))
    sales = 100.0 * np.exp(rng.normal(0.0, 0.2, (1, n, 12, 1)))
    out = bh.bind({"model": "timing", "share": 0.5, "band": 0.1}, ctx)(sales)

    def q1(x):
        return x[0, :, :3, 0].sum(axis=1) / 300.0

    def near(a, lo, hi):
        return ((a >= lo) & (a < hi)).mean()

    before, after = q1(sales), q1(out)
    # Mass moves from just below 80% / 100% to exactly there.
    assert near(after, 0.80, 0.81) > 3 * near(before, 0.80, 0.81)
    assert near(after, 1.00, 1.01) > 3 * near(before, 1.00, 1.01)
    assert near(after, 0.92, 1.00) < 0.5 * near(before, 0.92, 1.00)


# ------------------------------------------------------------------ ratchet
def test_ratchet_holds_back_a_share_of_the_beat_by_hand():
    # Annual quota 1,200 (100 a month), target incentive 12,000; the rep sells 150 a
    # month = 1,800. Cumulative sales pass 1,200 in August (8 x 150); beyond it: 600.
    # Pay rate around quota: curve(0.95) = 0.875, curve(1.05) = 1.1, so
    # (1.1 - 0.875) x 12,000 / 120 = 22.5 per unit; beyond quota (1.05 -> 1.25):
    # (1.5 - 1.1) x 12,000 / 240 = 20 per unit. With up = 0.5 a unit beyond quota
    # costs 0.5 x 22.5 = 11.25: held share 0.3 x 11.25 / (11.25 + 20) = 0.108.
    # 1,800 - 0.108 x 600 = 1,735.2; September to December 150 x 0.892 = 133.8.
    plan = _bonus([(0.8, 0.5), (1.0, 1.0), (1.5, 2.0)])
    ctx = _ctx(plan, [1.5])
    sales = np.full((1, 1, 12, 1), 150.0)
    out = bh.bind({"model": "ratchet", "share": 0.3, "up": 0.5}, ctx)(sales)
    assert out.sum() == pytest.approx(1735.2)
    np.testing.assert_allclose(out[0, 0, 8:, 0], 133.8)
    np.testing.assert_allclose(out[0, 0, :8, 0], 150.0)
    # No ratchet in the target rule: nothing to hold back for.
    same = bh.bind({"model": "ratchet", "share": 0.3, "up": 0.0}, ctx)(sales)
    np.testing.assert_array_equal(same, sales)


def test_ratchet_leaves_reps_below_quota_alone():
    plan = _bonus([(0.8, 0.5), (1.0, 1.0)])
    ctx = _ctx(plan, [0.9])
    sales = np.full((1, 1, 12, 1), 90.0)
    np.testing.assert_array_equal(bh.bind("ratchet", ctx)(sales), sales)


# ------------------------------------------------------------------ composition, specs
def test_models_compose_in_order():
    plan = _bonus([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)], period="quarter")
    ctx = _ctx(plan, [0.95, 1.05, 1.3])
    rng = np.random.default_rng(1)
    sales = 100 * np.exp(rng.normal(0, 0.2, (3, 3, 12, 1)))
    eff = {"model": "effort", "cost": 0.2, "sigma": 0.1}
    tim = {"model": "timing", "share": 0.4}
    both = bh.bind([eff, tim], ctx)(sales)
    one_by_one = bh.bind(tim, ctx)(bh.bind(eff, ctx)(sales))
    np.testing.assert_array_equal(both, one_by_one)
    assert not np.array_equal(both, bh.bind([tim, eff], ctx)(sales))


def test_none_is_mechanical():
    assert bh.is_mechanical(None)
    assert bh.is_mechanical("none")
    assert bh.is_mechanical([{"model": "none"}])
    assert not bh.is_mechanical(["none", "timing"])


def test_spec_errors_name_the_path():
    with pytest.raises(SpecError, match=r"behavior\[1\]\.share"):
        bh.parse_behavior([{"model": "effort"}, {"model": "timing", "share": 1.5}])
    with pytest.raises(SpecError, match=r"behavior\[0\]\.windw"):
        bh.parse_behavior({"model": "timing", "windw": 1})
    with pytest.raises(SpecError, match=r"behavior\[0\]"):
        bh.parse_behavior({"model": "magic"})


def test_effort_without_sigma_asks_for_it():
    plan = _bonus([(0.8, 0.5), (1.0, 1.0)])
    ctx = _ctx(plan, [1.0])
    ctx.sigma = None
    with pytest.raises(bh.BehaviorError, match="give sigma"):
        bh.bind("effort", ctx)


# ------------------------------------------------------------------ the engine hook
AM_PLAN = "scenarios/plans/telecom_account_manager.yaml"


def _sim(ds, behavior, **kw):
    import simlib as sl

    spec = sl.plans.Plan.from_yaml(AM_PLAN).spec.model_dump()
    spec["positions"] = None
    return sl.simulate(
        ds=ds, plan=spec, draws=kw.pop("draws", 12), seed=5, behavior=behavior,
        progress=False, **kw,
    )  # fmt: skip


def test_engine_none_leaves_results_bit_identical(small_ds):
    base = _sim(small_ds, None)
    for b in ("none", [{"model": "none"}]):
        r = _sim(small_ds, b)
        pd.testing.assert_frame_equal(base.per_draw, r.per_draw)


def test_engine_results_do_not_depend_on_chunking(small_ds):
    spec = {
        "models": [
            {"model": "effort"},
            {"model": "timing", "lost_band": 0.3},
            {"model": "ratchet"},
        ],
        "reference_plan": "scenarios/plans/telecom_account_manager.yaml",
    }
    a = _sim(small_ds, spec, chunk_size=5, threads=2)
    b = _sim(small_ds, spec, chunk_size=12, threads=1)
    pd.testing.assert_frame_equal(a.per_draw, b.per_draw)
    assert a.provenance["behavior"][0]["model"] == "effort"


def test_engine_ratchet_lowers_revenue_and_keeps_share_at_quota(small_ds):
    base = _sim(small_ds, None)
    r = _sim(small_ds, {"model": "ratchet", "share": 0.5})
    assert (r.per_draw["revenue"] <= base.per_draw["revenue"] + 1e-6).all()
    assert (r.per_draw["revenue"] < base.per_draw["revenue"]).any()
    # Holding back only beyond quota never drops a rep below it.
    np.testing.assert_array_equal(r.per_draw["share_at_quota"], base.per_draw["share_at_quota"])


def test_engine_accepts_the_old_callable_hook(small_ds):
    base = _sim(small_ds, None)
    doubled = _sim(small_ds, lambda sales, work: sales * 2.0)
    assert (doubled.per_draw["revenue"] > 1.9 * base.per_draw["revenue"]).all()


def test_engine_cap_lowers_sales_of_reps_expected_above_it(small_ds):
    import simlib as sl

    spec = sl.plans.Plan.from_yaml(AM_PLAN).spec.model_dump()
    spec["positions"] = None
    capped = {**spec, "components": [dict(c) for c in spec["components"]]}
    uncapped = {**spec, "components": [dict(c) for c in spec["components"]]}
    capped["components"][0]["curve"] = [[0.8, 0.5], [1.0, 1.0], [1.2, 1.4]]
    uncapped["components"][0]["curve"] = [[0.8, 0.5], [1.0, 1.0], [1.2, 1.4], [3.0, 5.0]]
    effort = {"model": "effort", "cost": 0.05, "elasticity": 0.5}

    def run(plan, behavior):
        return sl.simulate(ds=small_ds, plan=plan, draws=10, seed=2, behavior=behavior,
                           progress=False).reps.set_index("rep_id")  # fmt: skip

    mech = run(capped, None)
    a_cap, a_unc = run(capped, effort), run(uncapped, effort)
    high = mech.index[mech["mean_attainment"] > 1.3]
    low = mech.index[mech["mean_attainment"] < 0.6]
    assert len(high) >= 3 and len(low) >= 3
    # Above the cap the capped plan pays nothing more: those reps sell less (each at
    # most the same: a rep expected below the cap before the year's luck may not react).
    hc, hu = a_cap.loc[high, "mean_attainment"], a_unc.loc[high, "mean_attainment"]
    assert (hc <= hu * 1.01).all()
    assert hc.mean() < hu.mean() - 0.05
    # Far below it both plans have the same slope: same response.
    np.testing.assert_allclose(
        a_cap.loc[low, "mean_attainment"], a_unc.loc[low, "mean_attainment"], rtol=0.02
    )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.3, 2.5), st.floats(0.0, 4.0)), min_size=1, max_size=4),
    st.lists(st.floats(0.0, 2.5), min_size=1, max_size=5),
    st.sampled_from(["month", "quarter", "year"]),
)
def test_models_never_crash_and_stay_in_bounds_on_odd_plans(points, a0, period):
    pts = sorted(points)
    xs = [p[0] for p in pts]
    if len(set(xs)) != len(xs):
        return  # repeated attainments are a jump, tested with the curves themselves
    ys = np.maximum.accumulate([p[1] for p in pts]).tolist()
    plan = _bonus(list(zip(xs, ys, strict=True)), period=period)
    ctx = _ctx(plan, a0)
    sales = np.full((2, len(a0), 12, 1), 100.0) * np.asarray(a0)[None, :, None, None]
    spec = [
        {"model": "effort", "cost": 5.0, "sigma": 0.2},
        {"model": "elasticity", "reference_rate": 5.0},
        {"model": "timing", "lost_band": 0.3},
        {"model": "ratchet"},
    ]
    bound = bh.bind(spec, ctx)
    f = bound.parts[0].factor
    assert np.isfinite(f).all() and (f >= 0.5 - 1e-9).all() and (f <= 1.5 + 1e-9).all()
    out = bound(sales)
    assert np.isfinite(out).all() and (out >= -1e-9).all()


def test_timing_under_true_up_watches_the_year_to_date():
    # Q1 sells 110 a month (330 against 300), Q2 90 a month (270 against 300).
    # Paid per quarter, Q2 alone is at 90%: 30 is pulled from July. Under true-up the
    # year to date at June is 600 / 600 = 100%: nothing to chase.
    curve = [(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)]
    comp = [{"type": "quota_bonus", "name": "bonus", "kpi": "revenue", "weight": 1.0,
             "curve": curve}]  # fmt: skip
    sales = np.full((1, 1, 12, 1), 100.0)
    sales[0, 0, :3, 0] = 110.0
    sales[0, 0, 3:6, 0] = 90.0
    spec = {"model": "timing", "share": 0.3, "push_after_cap": False}
    per_quarter = bh.bind(spec, _ctx(_plan(comp, period="quarter"), [1.0]))(sales)
    true_up = bh.bind(spec, _ctx(_plan(comp, period="quarter", true_up=True), [1.0]))(sales)
    assert per_quarter[0, 0, 5, 0] == pytest.approx(120.0)
    assert per_quarter[0, 0, 6, 0] == pytest.approx(70.0)
    assert true_up[0, 0, 5, 0] == pytest.approx(90.0)
    assert true_up[0, 0, 6, 0] == pytest.approx(100.0)


# ============================================================ The plan in force as the reference, paid rows, estimators' sigmas
def _commission(rate: float) -> Plan:
    return Plan.from_dict(
        {
            "name": f"commission {rate}",
            "period": "year",
            "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": rate}],
        }
    )


def _ctx_ref(plan: Plan, a0, reference: Plan | None = None, paid=None, sigma=0.1):
    """Reps with a flat monthly quota of 100 and expected sales a0 x quota."""
    a0 = np.asarray(a0, dtype=float)
    n = len(a0)
    reps = pd.DataFrame({"rep_id": [f"R{i}" for i in range(n)], "base_salary": 60_000.0})
    targets = np.full((n, 12, 1), 100.0)
    ref = None if reference is None else reference.prepare(reps, PERIODS)
    return bh.context_from_plan(
        plan, plan.prepare(reps, PERIODS), targets * a0[:, None, None], targets, ["revenue"],
        np.array([True]), 0, sigma=np.full(n, sigma), paid=paid, reference=ref,
    )  # fmt: skip


# ============================================================ H1: the reference plan
def test_doubling_commission_raises_effort_by_the_closed_form():
    # Linear pay b Y, cost c e^k / k (k = 1 + 1/eta), intrinsic value i c per unit:
    # the first-order condition b + i c = c e^(1/eta) gives e = (b / c + i)^eta.
    # Calibrated to the reference plan (b_ref = 0.05): c = b_ref / (1 - i), so
    # e_ref = (1 - i + i)^eta = 1 and at b = 0.10: e = (2 (1 - i) + i)^eta.
    eta, i = 0.3, 0.5
    ctx = _ctx_ref(_commission(0.10), [0.8, 1.0, 1.3], reference=_commission(0.05), sigma=0.1)
    f = bh.bind({"model": "effort", "elasticity": eta, "intrinsic": i}, ctx).parts[0].factor
    np.testing.assert_allclose(f, (2 * (1 - i) + i) ** eta, atol=2e-3)
    assert (f > 1.1).all()  # factor 1 before the fix


def test_reference_plan_itself_gives_factor_one_exactly():
    plan = Plan.from_dict(
        {"name": "b", "period": "year", "target_incentive": {"amount": 12_000.0},
         "components": [{"type": "quota_bonus", "name": "q", "kpi": "revenue", "weight": 1.0,
                         "curve": [(0.8, 0.5), (1.0, 1.0), (1.5, 2.0)]}]}
    )  # fmt: skip
    reps = pd.DataFrame({"rep_id": ["a", "b", "c"], "base_salary": 60_000.0})
    targets = np.full((3, 12, 1), 100.0)
    exp = targets * np.array([0.85, 1.1, 1.4])[:, None, None]
    ctx = bh.context_from_plan(
        plan, plan.prepare(reps, PERIODS), exp, targets, ["revenue"], np.array([True]), 0,
        sigma=np.full(3, 0.1), reference="self",
    )  # fmt: skip
    for spec in ({"model": "effort"}, {"model": "elasticity"}):
        np.testing.assert_array_equal(bh.bind(spec, ctx).parts[0].factor, 1.0)


def test_elasticity_against_each_reps_reference_rate():
    # Commission 0.10 vs 0.05 in the reference: (0.10 / 0.05) ** 0.2 for everyone.
    ctx = _ctx_ref(_commission(0.10), [0.7, 1.0, 1.3], reference=_commission(0.05))
    f = bh.bind({"model": "elasticity", "elasticity": 0.2}, ctx).parts[0].factor
    np.testing.assert_allclose(f, 2.0**0.2, rtol=1e-9)


def test_without_a_reference_effort_and_elasticity_ask_for_one():
    ctx = _ctx_ref(_commission(0.05), [1.0])
    with pytest.raises(BehaviorError, match="behavior_reference"):
        bh.bind({"model": "effort"}, ctx)
    with pytest.raises(BehaviorError, match="behavior_reference"):
        bh.bind({"model": "elasticity"}, ctx)


def _am_spec(top: float | None = None) -> dict:
    spec = Plan.from_yaml(AM_PLAN).spec.model_dump()
    spec["positions"] = None
    spec["components"] = [dict(c) for c in spec["components"]]
    if top is not None:
        spec["components"][0]["curve"] = [[0.8, 0.5], [1.0, 1.0], [1.5, top]]
    return spec


def _run(ds, plan, behavior=None, reference=None, draws=8, **kw):
    import simlib as sl

    return sl.simulate(
        ds=ds, plan=plan, draws=draws, seed=5, behavior=behavior,
        behavior_reference=reference, progress=False, **kw,
    )  # fmt: skip


def test_engine_baseline_plan_replays_history_unchanged(small_ds):
    base = _run(small_ds, _am_spec())
    r = _run(small_ds, _am_spec(), [{"model": "effort"}, {"model": "elasticity"}], _am_spec())
    pd.testing.assert_frame_equal(base.per_draw, r.per_draw)
    assert r.provenance["behavior_reference"] == _am_spec()["name"]


def test_engine_steeper_accelerator_raises_revenue_against_the_reference(small_ds):
    # The case that failed before: with the plan-relative calibration, raising the accelerator
    # lowered revenue. Against the plan in force (top 2.0) revenue must rise with it.
    ref = _am_spec()
    rev = [
        _run(small_ds, _am_spec(top), {"model": "effort"}, ref).per_draw["revenue"].mean()
        for top in (1.5, 2.0, 3.0, 4.0)
    ]
    assert rev[0] < rev[1] < rev[2] < rev[3]


def test_engine_reference_given_twice_is_an_error(small_ds):
    from simlib.engine.simulate import SimulationError

    with pytest.raises(SimulationError, match="given twice"):
        _run(small_ds, _am_spec(), {"models": ["effort"], "reference_plan": AM_PLAN}, AM_PLAN)


def test_reference_plan_in_the_spec_is_the_same_as_the_keyword(small_ds):
    spec = {"models": [{"model": "effort"}], "reference_plan": AM_PLAN}
    a = _run(small_ds, _am_spec(3.0), spec)
    b = _run(small_ds, _am_spec(3.0), [{"model": "effort"}], AM_PLAN)
    pd.testing.assert_frame_equal(a.per_draw, b.per_draw)


# ============================================================ H2: only paid rows react
def test_unpaid_rows_keep_their_sales_under_every_model():
    # Rep 1 is not paid by the plan (it only counts in a team total): no model may
    # touch its sales, while the paid reps respond.
    paid = np.array([True, False, True])
    ctx = _ctx_ref(_commission(0.10), [0.95, 0.95, 1.6], reference=_commission(0.05), paid=paid)
    sales = np.full((2, 3, 12, 1), 100.0) * np.array([0.95, 0.95, 1.6])[None, :, None, None]
    specs = [
        {"model": "effort"},
        {"model": "elasticity"},
        {"model": "timing", "kinks": [1.0], "share": 1.0},
        {"model": "ratchet", "share": 0.5, "up": 1.0},
    ]
    for spec in specs:
        out = bh.bind(spec, ctx)(sales)
        np.testing.assert_array_equal(out[:, 1], sales[:, 1])
        assert not np.array_equal(out[:, [0, 2]], sales[:, [0, 2]]), spec
    effort = bh.bind({"model": "effort"}, ctx).parts[0]
    assert effort.summary()["paid_reps"] == 2


def test_engine_team_members_not_paid_do_not_respond(small_ds):
    # The AM plan has a team component: the whole branch is simulated, only key
    # account managers are paid; only they respond, and the summary describes them.
    ref = Plan.from_yaml(AM_PLAN).spec.model_dump()
    plan = {**ref, "components": [dict(c) for c in ref["components"]]}
    plan["components"][0]["curve"] = [[0.8, 0.5], [1.0, 1.0], [1.5, 3.0]]
    r = _run(small_ds, plan, {"model": "effort"}, ref, draws=4)
    s = r.provenance["behavior_summary"][0]
    assert s["paid_reps"] == len(r.reps) < r.provenance["reps"]
    assert s["factor_mean"] > 1.0  # steeper accelerator than the plan in force


# ============================================================ H3: region codes
def _region_panel(seed: int, s_g: float, codes: np.ndarray):
    rng = np.random.default_rng(seed)
    R, years = 300, 3
    T = 12 * years
    periods = pd.period_range("2024-01", periods=T, freq="M")
    g = rng.integers(0, 5, R)
    yi = np.repeat(np.arange(years), 12)
    y = (
        rng.normal(4, 0.3, R)[:, None]
        + rng.normal(0, 0.1, (R, years))[:, yi]
        + rng.normal(0, 0.05, T)[None, :]
        + rng.normal(0, s_g, (5, T))[g]
        + rng.normal(0, 0.2, (R, T))
    )
    return y, periods, codes[g]


def test_sigma_region_does_not_depend_on_how_regions_are_numbered():
    # The engine's Layout.region holds hierarchy unit ids (e.g. 1, 12, 23, ...), not
    # 0..G-1: before the fix, degrees of freedom collapsing and sigma_region 7x the
    # truth. Same data, two numberings: the same estimate, near the truth 0.06.
    y, periods, g0 = _region_panel(1, 0.06, np.arange(5))
    _, _, g1 = _region_panel(1, 0.06, np.array([1, 12, 23, 34, 44]))
    e0 = bh.panel_components(y, periods, g0)[0]["sigma_region"]
    e1 = bh.panel_components(y, periods, g1)[0]["sigma_region"]
    assert e1.estimate == pytest.approx(e0.estimate, rel=1e-12)
    assert e1.se == pytest.approx(e0.se, rel=1e-12)
    assert abs(e1.estimate - 0.06) < 3 * e1.se + 0.005
    # No regional shocks at all: the estimate is small (0.21 before the fix).
    y, periods, g1 = _region_panel(2, 0.0, np.array([1, 12, 23, 34, 44]))
    assert bh.panel_components(y, periods, g1)[0]["sigma_region"].estimate < 0.02


def test_engine_fit_of_the_generator_finds_its_regional_shocks():
    # fit_sales_panel goes through the engine's Layout (unit-id region codes).
    from simlib.data.synthetic import generate

    ds = generate(n_reps=200, months=36, seed=4, n_regions=5)
    fit = bh.fit_sales_panel(ds, kpis=["revenue"])
    e = next(x for x in fit.estimates if x.name == "revenue: sigma_region")
    # The generator's regional shock sd for revenue (calibration): checked loosely.
    assert 0.01 < e.estimate < 0.08, e.estimate


# ============================================================ H4: sigma standard errors
@pytest.mark.slow  # 200 panel fits: the coverage bounds need that many
def test_sigma_intervals_cover_the_truth_at_close_to_nominal_rate():
    # 200 simulated histories (recovery.simulate_panel: known sigma_rep 0.12,
    # sigma_company 0.05, noise 0.25). Coverage must lie in [0.90, 0.99]; standard
    # errors taken from the net variance cover only about 0.80.
    from simlib.behavior.recovery import simulate_panel

    names = ("sigma_rep", "sigma_company", "sigma_month")
    hits = dict.fromkeys(names, 0)
    for ss in np.random.SeedSequence(11).spawn(200):
        p = simulate_panel(ss)
        est = bh.panel_components(np.log(p.sales), p.periods, p.region)[0]
        for k in names:
            hits[k] += est[k].covers(p.truth[k])
    for k in names:
        assert 0.90 <= hits[k] / 200 <= 0.99, (k, hits[k] / 200)


# ============================================================ H5: risk through the solver
def test_solver_certainty_equivalent_under_linear_pay_by_closed_form():
    # Pay b Y, Y = e + sigma Z, cost c e^2 / 2, CARA r: the rep picks e = b / c and
    # values the plan at CE = b e - c e^2 / 2 - r b^2 sigma^2 / 2 (Holmstrom-Milgrom).
    b, c, r, sig = 0.6, 0.8, 3.0, 0.3
    scales = np.linspace(-3.0, 4.0, 1401)
    e, parts = bh.solve_effort(
        b * scales[None, :], scales, 1.0, sig, c, 1.0, r, efforts=np.linspace(0, 2, 401)
    )
    e_star = b / c
    assert e[0] == pytest.approx(e_star, abs=1e-6)
    assert parts["var_pay"][0] == pytest.approx(b**2 * sig**2, rel=1e-6)
    ce = b * e_star - c * e_star**2 / 2 - r * b**2 * sig**2 / 2
    assert parts["certainty_equivalent"][0] == pytest.approx(ce, abs=1e-6)


def test_solver_variance_of_a_kinked_pay_by_closed_form():
    # A bonus max(Y - K, 0) with Y ~ N(m, s^2) (m the chosen effort, here pinned by
    # a narrow effort grid): with d = (m - K) / s,
    #   E = (m - K) Phi(d) + s phi(d),
    #   E[X^2] = ((m - K)^2 + s^2) Phi(d) + (m - K) s phi(d).
    # Risk aversion enters only through this variance, so a wrong variance moves effort.
    from scipy.stats import norm

    K, s = 1.0, 0.2
    scales = np.linspace(-1.0, 3.0, 4001)
    pay = np.maximum(scales - K, 0.0)[None, :]
    e, parts = bh.solve_effort(pay, scales, 1.0, s, 1e-6, 1.0, 0.0,
                               efforts=np.array([1.0999, 1.1, 1.1001]), nodes=40)  # fmt: skip
    m = e[0]
    d = (m - K) / s
    mean = (m - K) * norm.cdf(d) + s * norm.pdf(d)
    ex2 = ((m - K) ** 2 + s**2) * norm.cdf(d) + (m - K) * s * norm.pdf(d)
    # Gauss-Hermite quadrature converges slowly across a kink: 1% is its accuracy here.
    assert parts["mean_pay"][0] == pytest.approx(mean, rel=1e-2)
    assert parts["var_pay"][0] == pytest.approx(ex2 - mean**2, rel=2e-2)


@pytest.mark.slow  # two full searches over the rate grid
def test_best_linear_rate_falls_with_risk_through_the_solver(monkeypatch):
    # If the solver ignored risk, the best rate would be 1 whatever r: the surplus
    # reads risk only from the solver's certainty equivalent.
    from simlib.behavior import effort as ef

    assert bh.best_linear_rate(1.0, 2.0, 0.4)[0] == pytest.approx(1 / (1 + 2.0 * 0.16), abs=1e-3)
    real = ef.solve_effort

    def no_risk(*a, **kw):
        a = list(a)
        a[6] = 0.0  # risk_aversion
        return real(*a, **kw)

    monkeypatch.setattr(ef, "solve_effort", no_risk)
    assert ef.best_linear_rate(1.0, 2.0, 0.4)[0] == pytest.approx(1.0, abs=1e-3)


# ============================================================ L1: one estimator for both
def test_panel_fit_and_the_engine_default_fit_agree(small_ds):
    # Before the fix: sigma_rep 0.134 (engine) vs 0.097 (panel) for revenue. The
    # simulation's default parametric model and the reported fit must be one estimate.
    import simlib as sl

    fit = bh.fit_sales_panel(small_ds, history=small_ds.periods[small_ds.periods.year < 2026])
    res = _run(small_ds, _am_spec(), draws=2)
    eng = res.provenance["sales_fit"]
    for name in ("sigma_rep", "sigma_company", "sigma_region", "sigma_month"):
        np.testing.assert_allclose(np.round(fit.sigmas[name], 4), eng[name], atol=1e-12)
    # Standard errors are positive and finite where there is something to measure.
    tab = fit.summary()
    assert (tab.loc[tab["value"] > 0, "se"] > 0).all()
    assert np.isfinite(tab.loc[tab["value"] > 0, "se"]).all()
    assert sl is not None


def test_panel_fit_unknown_kpi_is_named(small_ds):
    with pytest.raises(BehaviorError, match="revenu"):
        bh.fit_sales_panel(small_ds, kpis=["revenu"])


# ============================================================ M1: timing economics
def _quarterly(curve):
    return Plan.from_dict(
        {"name": "q", "period": "quarter", "target_incentive": {"amount": 12_000.0},
         "components": [{"type": "quota_bonus", "name": "q", "kpi": "revenue", "weight": 1.0,
                         "curve": curve}]}
    )  # fmt: skip


def test_kinks_are_where_pay_jumps_or_steepens():
    am = _quarterly([(0.8, 0.5), (1.0, 1.0), (1.5, 2.0)])  # slopes 2.5 then 2.0
    acc = _quarterly([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)])  # slopes 2.5 then 3.0
    assert bh.models.curve_kinks(am.curve("q")) == (0.8,)  # the threshold jump only
    assert bh.models.curve_kinks(acc.curve("q")) == (0.8, 1.0)
    assert _ctx_ref(_commission(0.05), [1.0]).kinks == ()


def test_commission_only_plan_has_no_timing_game():
    # Before the fix: under a flat 5% commission March went 95 -> 120 and April 100 -> 75.
    comm = Plan.from_dict(
        {"name": "c", "period": "quarter",
         "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": 0.05}]}
    )  # fmt: skip
    sales = np.full((1, 1, 12, 1), 100.0)
    sales[0, 0, 2, 0] = 95.0
    out = bh.bind({"model": "timing", "share": 0.3}, _ctx_ref(comm, [1.0]))(sales)
    np.testing.assert_array_equal(out, sales)


def test_discounted_pull_in_by_hand():
    # Q1 = 90 + 90 + 95 = 275 of 300: 25 short of the 100% accelerator point. With a
    # 10% price concession the rep pulls 25 / 0.9 = 27.78 from April and books 25:
    # Q1 lands on 300, April falls to 72.22, the year loses 2.78 of revenue.
    plan = _quarterly([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)])
    sales = np.full((1, 1, 12, 1), 100.0)
    sales[0, 0, :3, 0] = [90, 90, 95]
    spec = {"model": "timing", "share": 0.3, "discount": 0.1, "push_after_cap": False}
    out = bh.bind(spec, _ctx_ref(plan, [1.0]))(sales)
    assert out[0, 0, :3, 0].sum() == pytest.approx(300.0, rel=1e-8)
    assert out[0, 0, 3, 0] == pytest.approx(100 - 25 / 0.9, rel=1e-8)
    assert sales.sum() - out.sum() == pytest.approx(25 / 0.9 - 25, rel=1e-6)


def test_year_end_pull_in_and_push_out_wrap_onto_january():
    # Q4 short by 25: pulled from January (next January sells like this one in a
    # steady state); Q1 then has its own decision. Year totals kept exactly.
    plan = _quarterly([(0.8, 0.5), (1.0, 1.0), (1.2, 1.6)])  # accelerator, cap at 120%
    sales = np.full((1, 2, 12, 1), 100.0)
    sales[0, 0, 9:, 0] = [90, 90, 95]  # Q4 = 275
    sales[0, 1, 9:, 0] = [130, 130, 130]  # Q4 = 130%: 30 past the 120% cap
    out = bh.bind({"model": "timing", "share": 0.5, "band": 0.1}, _ctx_ref(plan, [1.0, 1.0]))(sales)
    assert out[0, 0, 11, 0] == pytest.approx(120.0)
    assert out[0, 0, 0, 0] == pytest.approx(75.0)
    assert out[0, 1, 11, 0] == pytest.approx(100.0)  # min(0.5 x 130, 30) pushed out
    assert out[0, 1, 0, 0] == pytest.approx(130.0)  # into January
    np.testing.assert_allclose(out.sum(axis=2), sales.sum(axis=2), rtol=1e-12)


def test_timing_is_net_of_the_pattern_history_already_shows():
    # The sales model replays history, which already holds the plan in force's
    # period-end pattern: simulating that plan, timing adds nothing; a plan that adds
    # an accelerator kink at 100% moves sales only there.
    in_force = _quarterly([(0.8, 0.5), (1.0, 1.0), (1.5, 2.0)])  # kink at 0.8 only
    steeper = _quarterly([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)])  # adds a kink at 1.0
    reps = pd.DataFrame({"rep_id": ["a", "b"], "base_salary": 60_000.0})
    targets = np.full((2, 12, 1), 100.0)
    sales = np.full((1, 2, 12, 1), 100.0)
    sales[0, 0, :3, 0] = [90, 90, 95]  # 91.7%: short of 1.0
    sales[0, 1, :3, 0] = [75, 75, 75]  # 75%: short of 0.8
    spec = {"model": "timing", "share": 0.3}

    def ctx(plan, ref):
        return bh.context_from_plan(
            plan, plan.prepare(reps, PERIODS), targets, targets, ["revenue"], np.array([True]),
            0, sigma=np.full(2, 0.1), reference=ref,
        )  # fmt: skip

    same = bh.bind(spec, ctx(in_force, "self"))(sales)
    np.testing.assert_array_equal(same, sales)
    new = bh.bind(spec, ctx(steeper, (in_force, in_force.prepare(reps, PERIODS))))(sales)
    assert new[0, 0, 2, 0] == pytest.approx(120.0)  # the new kink: pulled to 100%
    np.testing.assert_array_equal(new[0, 1], sales[0, 1])  # the old threshold: as history


# ============================================================ M2: ratchet strength
def test_ratchet_hold_back_grows_with_up_and_falls_with_the_accelerator():
    # Before the fix: totals were 1,620 for up = 0.01, 0.5 and 1.0 alike.
    def total(curve, up):
        plan = Plan.from_dict(
            {"name": "b", "period": "year", "target_incentive": {"amount": 12_000.0},
             "components": [{"type": "quota_bonus", "name": "q", "kpi": "revenue",
                             "weight": 1.0, "curve": curve}]}
        )  # fmt: skip
        sales = np.full((1, 1, 12, 1), 150.0)
        return bh.bind({"model": "ratchet", "share": 0.3, "up": up}, _ctx_ref(plan, [1.5]))(
            sales
        ).sum()

    am = [(0.8, 0.5), (1.0, 1.0), (1.5, 2.0)]
    t = [total(am, u) for u in (0.01, 0.5, 1.0)]
    assert t[0] > t[1] > t[2]
    steep = [(0.8, 0.5), (1.0, 1.0), (1.5, 3.0)]
    assert total(steep, 0.5) > total(am, 0.5)  # holding back costs more: less held
    # Capped at quota: nothing to gain beyond it, all of share held: 1,800 - 0.3 x 600.
    capped = [(0.8, 0.5), (1.0, 1.0)]
    assert total(capped, 0.5) == pytest.approx(1620.0)


# ============================================================ M3: free riding in teams
def test_team_pay_for_own_effort_is_the_reps_share_of_the_team(small_ds):
    # A pure team bonus, linear in team attainment: pay = TI x team attainment.
    # Everyone at quota (expected = target = 100 a month). If one rep of a team of n
    # sells s x expected, the team's attainment is 1 + (s - 1) / n: their pay is
    # TI (1 + (s - 1) / n), not TI s (what scaling the whole team at once gives).
    plan = Plan.from_dict(
        {"name": "t", "period": "year", "target_incentive": {"amount": 12_000.0},
         "components": [{"type": "team", "name": "team", "kpi": "revenue", "level": "branch",
                         "weight": 1.0, "curve": [(0.0, 0.0), (3.0, 3.0)]}]}
    )  # fmt: skip
    r = small_ds.reps
    whole_year = r["exit_date"].isna() & (r["hire_date"] < pd.Timestamp("2026-01-01"))
    reps = r.loc[whole_year].reset_index(drop=True)
    prep = plan.prepare(reps, PERIODS, ds=small_ds)
    n = len(reps)
    targets = np.full((n, 12, 1), 100.0)
    ctx = bh.context_from_plan(plan, prep, targets, targets, ["revenue"], np.array([True]), 0)
    scales = np.linspace(0.0, 2.0, 81)
    own = ctx.own_pay_at_scales(scales)
    everyone = ctx.pay_at_scales(scales)
    from simlib.data.org import Hierarchy

    branch = Hierarchy(small_ds.units).rep_unit_at(reps, "branch").to_numpy()
    size = pd.Series(branch).map(pd.Series(branch).value_counts()).to_numpy()
    j = np.searchsorted(scales, 1.2)
    np.testing.assert_allclose(everyone[j], 12_000 * 1.2, rtol=1e-9)
    np.testing.assert_allclose(own[j], 12_000 * (1 + 0.2 / size), rtol=1e-9)
    assert (size > 1).any()


def test_annual_sigma_is_per_rep_and_larger_for_a_part_year():
    # Monthly noise averages over the months a rep sells: 12 months keep 1/12 of its
    # variance, 6 months 1/6. With only sigma_month = 0.3 (other shocks 0):
    # sqrt(0.09 / 12) = 0.0866 and sqrt(0.09 / 6) = 0.1225.
    from simlib.engine.sales import Layout, ParametricSales
    from simlib.engine.simulate import _annual_sigma

    lay = Layout(np.array(["a", "b"]), PERIODS, ("revenue",), np.array([0, 0]), np.array([False]))
    m = ParametricSales(lay, np.ones(lay.shape), sigma_rep=0.0, sigma_company=0.0,
                        sigma_region=0.0, sigma_month=0.3)  # fmt: skip
    np.testing.assert_allclose(
        _annual_sigma(m, 0, np.array([12, 6])), [np.sqrt(0.09 / 12), np.sqrt(0.09 / 6)]
    )


# ============================================================ section 4: bad input
@pytest.mark.parametrize(
    "spec, path",
    [
        ({"model": "timing", "kinks": []}, "behavior[0].kinks"),
        ({"model": "timing", "kinks": [float("nan")]}, "behavior[0].kinks"),
        ({"model": "timing", "kinks": [-1.0]}, "behavior[0].kinks"),
        ({"model": "effort", "min_effort": 1.5, "max_effort": 1.0}, "behavior[0]"),
        ({"models": ["effort"], "reference": "x.yaml"}, "behavior.reference"),
    ],
)
def test_bad_specs_name_their_path(spec, path):
    with pytest.raises(SpecError) as err:
        bh.parse_behavior(spec)
    assert str(err.value).startswith(path), str(err.value)


def test_bad_estimator_input_gets_one_clear_error(small_ds):
    for period in ("week", "Quarter"):
        with pytest.raises(BehaviorError, match="period: expected one of"):
            bh.threshold_bunching_ds(small_ds, period=period)
    with pytest.raises(BehaviorError, match="month like '2026-01'"):
        bh.did_effect_ds(small_ds, "store_sales", "2026-13")
    for ratio in (0.0, -1.5, float("nan")):
        with pytest.raises(BehaviorError, match="rate_ratio"):
            bh.did_effect_ds(small_ds, "store_sales", "2026-01", rate_ratio=ratio)
    a = np.random.default_rng(0).lognormal(0, 0.2, 2000)
    with pytest.raises(BehaviorError, match="bin_width"):
        bh.threshold_bunching(a, 1.0, bin_width=0)


# ============================================================ M4: DiD with group seasonality
def _did_panel(seed, effect=0.0, extra_season=0.15, change="2025-07", pre_trend=0.0):
    # 3 years; treated reps have their own seasonality (amplitude 0.15 on top of the
    # shared one), the plan changes mid-year: the case that failed before (old estimate 0.030,
    # coverage 87.5% with a true effect 0). pre_trend adds a drift to the treated.
    rng = np.random.default_rng(seed)
    R, T = 80, 36
    periods = pd.period_range("2023-01", periods=T, freq="M")
    m = np.asarray(periods.month)
    treated = np.arange(R) < R // 2
    shared = 0.2 * np.sin(2 * np.pi * m / 12)
    own = extra_season * np.cos(2 * np.pi * m / 12)
    post = np.asarray(periods >= pd.Period(change, freq="M"))
    logs = (
        rng.normal(4.0, 0.3, R)[:, None] + shared[None] + rng.normal(0, 0.05, T)[None]
        + treated[:, None] * (own[None] + effect * post[None] + pre_trend * np.arange(T) / 12)
        + rng.normal(0, 0.2, (R, T))
    )  # fmt: skip
    return np.exp(logs), periods, treated


def test_did_with_group_seasonality_covers_the_truth():
    hits, vals = 0, []
    for seed in range(200):
        x, periods, tr = _did_panel(seed, effect=0.0)
        e = bh.did_effect(x, periods, tr, "2025-07")["effect"]
        hits += e.covers(0.0)
        vals.append(e.estimate)
    assert 0.90 <= hits / 200 <= 0.99, hits / 200
    assert abs(np.mean(vals)) < 3 * np.std(vals) / np.sqrt(200)
    # And an effect of 0.08 is found (mean within 0.01).
    est = [bh.did_effect(*_did_panel(s, effect=0.08), "2025-07")["effect"].estimate
           for s in range(30)]  # fmt: skip
    assert abs(np.mean(est) - 0.08) < 0.01


def test_event_study_flags_a_pre_trend_and_passes_parallel_groups():
    x, periods, tr = _did_panel(1, effect=0.1)
    frame, pre = bh.did_event_study(x, periods, tr, "2025-07")
    assert pre.covers(0.0)
    after = frame.loc[frame["months_from_change"].between(0, 11), "estimate"]
    assert after.mean() == pytest.approx(0.1, abs=0.03)
    x, periods, tr = _did_panel(1, effect=0.0, pre_trend=0.2)  # drifting 20% a year
    _, pre = bh.did_event_study(x, periods, tr, "2025-07")
    assert pre.ci[0] > 0.1  # year-on-year drift 0.2 found


def test_plan_rate_ratio_of_two_commissions(small_ds):
    # At any attainment a 10% commission pays twice a 5% one per unit: ratio 2.
    pos = small_ds.reps["position"].iloc[0]
    r = bh.plan_rate_ratio(small_ds, _commission(0.05), _commission(0.10), pos, 2026)
    assert r == pytest.approx(2.0, rel=1e-9)


# ============================================================ H6: behaviour parameters recovered
def _generated(seed: int, eb):
    from simlib.behavior.estimate import dense_targets
    from simlib.data.synthetic import generate

    ds = generate(n_reps=150, months=36, seed=seed, behavior=eb)
    x = ds.sales_array(kpis=["revenue"])[..., 0]
    tg = dense_targets(ds, "revenue", ds.periods, ds.reps["rep_id"].to_numpy())
    return x, tg, ds.periods


@pytest.mark.slow
def test_timing_pull_in_rate_intervals_cover_the_generators_rate():
    # 200 generated histories (with the generator's seasonality: 25/30/45% of a
    # quarter's sales in its three months) where half the reps within 10% below
    # quarterly quota pull the missing amount in from the next month.
    from simlib.data.synthetic import EmbeddedBehavior

    eb = EmbeddedBehavior(timing_share=1.0, timing_rate=0.5, timing_band=0.1)
    hits, vals = 0, []
    for seed in range(200):
        e = bh.timing_pull_in_rate(*_generated(seed, eb), band=0.1)
        hits += e.covers(0.5)
        vals.append(e.estimate)
    assert 0.90 <= hits / 200 <= 0.99, hits / 200
    assert abs(np.mean(vals) - 0.5) < 3 * np.std(vals) / np.sqrt(200)


@pytest.mark.slow
def test_holdback_share_intervals_cover_the_generators_share():
    # 200 generated histories where reps hold back 30% of every unit beyond their
    # annual quota (booked next January): the squeeze above 100% gives it back.
    from simlib.data.synthetic import EmbeddedBehavior

    eb = EmbeddedBehavior(holdback=0.3)
    hits, vals = 0, []
    for seed in range(200):
        e = bh.holdback_share(*_generated(seed, eb))
        hits += e.covers(0.3)
        vals.append(e.estimate)
    assert 0.90 <= hits / 200 <= 0.99, hits / 200
    assert abs(np.mean(vals) - 0.3) < 3 * np.std(vals) / np.sqrt(200)


def test_holdback_on_results_only_just_around_quota_says_it_cannot_tell():
    # Every annual result at 99.5% or 100.5%: two bins, nothing to fit a density's
    # shape to. The estimate must come with an interval that says so, not a confident
    # share.
    periods = pd.period_range("2024-01", "2025-12", freq="M")
    attainment = np.where(np.arange(200) % 2 == 0, 0.995, 1.005)
    sales = np.repeat(attainment[:, None], 24, axis=1) * 100.0
    e = bh.holdback_share(sales, np.full((200, 24), 100.0), periods)
    assert e.covers(0.0) and e.covers(0.3)
    assert e.se > 1.0


def test_plain_history_shows_no_timing_and_no_holdback():
    # Without embedded behaviour nobody lands exactly on quota: the rate is 0 and
    # its interval is narrow (stricter than the loose "ci[0] < 0.3").
    x, tg, periods = _generated(1, None)
    e = bh.timing_pull_in_rate(x, tg, periods)
    assert e.estimate < 0.02 and e.ci[1] < 0.03
    assert bh.holdback_share(x, tg, periods).covers(0.0)

"""Behaviour responses: the reference plan, paid rows, estimators' sigmas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib import behavior as bh
from simlib.behavior.specs import BehaviorError
from simlib.errors import SpecError
from simlib.plans import Plan

PERIODS = pd.period_range("2026-01", "2026-12", freq="M")
AM_PLAN = "scenarios/plans/telecom_account_manager.yaml"


def _commission(rate: float) -> Plan:
    return Plan.from_dict(
        {
            "name": f"commission {rate}",
            "period": "year",
            "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": rate}],
        }
    )


def _ctx(plan: Plan, a0, reference: Plan | None = None, paid=None, sigma=0.1):
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
    ctx = _ctx(_commission(0.10), [0.8, 1.0, 1.3], reference=_commission(0.05), sigma=0.1)
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
    ctx = _ctx(_commission(0.10), [0.7, 1.0, 1.3], reference=_commission(0.05))
    f = bh.bind({"model": "elasticity", "elasticity": 0.2}, ctx).parts[0].factor
    np.testing.assert_allclose(f, 2.0**0.2, rtol=1e-9)


def test_without_a_reference_effort_and_elasticity_ask_for_one():
    ctx = _ctx(_commission(0.05), [1.0])
    with pytest.raises(BehaviorError, match="behavior_reference"):
        bh.bind({"model": "effort"}, ctx)
    with pytest.raises(BehaviorError, match="behavior_reference"):
        bh.bind({"model": "elasticity"}, ctx)


@pytest.fixture(scope="module")
def small_ds():
    from simlib.data.synthetic import generate

    return generate(n_reps=60, months=36, seed=11, n_regions=2)


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
    ctx = _ctx(_commission(0.10), [0.95, 0.95, 1.6], reference=_commission(0.05), paid=paid)
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
def test_sigma_intervals_cover_the_truth_at_close_to_nominal_rate():
    # 200 simulated histories (recovery.simulate_panel: known sigma_rep 0.12,
    # sigma_company 0.05, noise 0.25). Coverage must lie in [0.90, 0.99]; the
    # 0.80 was measured before the fix, with standard errors taken from the net variance.
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
    assert _ctx(_commission(0.05), [1.0]).kinks == ()


def test_commission_only_plan_has_no_timing_game():
    # Before the fix: under a flat 5% commission March went 95 -> 120 and April 100 -> 75.
    comm = Plan.from_dict(
        {"name": "c", "period": "quarter",
         "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": 0.05}]}
    )  # fmt: skip
    sales = np.full((1, 1, 12, 1), 100.0)
    sales[0, 0, 2, 0] = 95.0
    out = bh.bind({"model": "timing", "share": 0.3}, _ctx(comm, [1.0]))(sales)
    np.testing.assert_array_equal(out, sales)


def test_discounted_pull_in_by_hand():
    # Q1 = 90 + 90 + 95 = 275 of 300: 25 short of the 100% accelerator point. With a
    # 10% price concession the rep pulls 25 / 0.9 = 27.78 from April and books 25:
    # Q1 lands on 300, April falls to 72.22, the year loses 2.78 of revenue.
    plan = _quarterly([(0.8, 0.5), (1.0, 1.0), (1.5, 2.5)])
    sales = np.full((1, 1, 12, 1), 100.0)
    sales[0, 0, :3, 0] = [90, 90, 95]
    spec = {"model": "timing", "share": 0.3, "discount": 0.1, "push_after_cap": False}
    out = bh.bind(spec, _ctx(plan, [1.0]))(sales)
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
    out = bh.bind({"model": "timing", "share": 0.5, "band": 0.1}, _ctx(plan, [1.0, 1.0]))(sales)
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
        return bh.bind({"model": "ratchet", "share": 0.3, "up": up}, _ctx(plan, [1.5]))(sales).sum()

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


def test_plain_history_shows_no_timing_and_no_holdback():
    # Without embedded behaviour nobody lands exactly on quota: the rate is 0 and
    # its interval is narrow (stricter than the loose "ci[0] < 0.3").
    x, tg, periods = _generated(1, None)
    e = bh.timing_pull_in_rate(x, tg, periods)
    assert e.estimate < 0.02 and e.ci[1] < 0.03
    assert bh.holdback_share(x, tg, periods).covers(0.0)

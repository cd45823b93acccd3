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
from pathlib import Path

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


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.per_draw, b.per_draw, check_exact=True)
    pd.testing.assert_frame_equal(a.reps, b.reps, check_exact=True)
    pd.testing.assert_frame_equal(a.metrics, b.metrics, check_exact=True)
    assert a.group_draws.keys() == b.group_draws.keys()
    for k, g in a.group_draws.items():
        pd.testing.assert_frame_equal(g, b.group_draws[k], check_exact=True)


def test_same_seed_same_results_whatever_the_chunk_size(small_force):
    # The account-manager plan (team component: the whole unit is simulated),
    # appraisal with forced distribution, turnover: every metric exercised.
    kw = dict(plan=PLAN, appraisal=SCORECARD, turnover=0.14, draws=23, seed=9)
    runs = [simulate(ds=small_force, chunk_size=c, **kw) for c in (1, 7, 23)]
    runs.append(simulate(ds=small_force, chunk_size=4, threads=1, **kw))
    assert runs[0].per_draw["pay_performance_spearman"].notna().all()
    for other in runs[1:]:
        _assert_same(runs[0], other)
    boot = [
        _sim(small_force, chunk_size=c, sales="bootstrap", sales_options={"block": "month"})
        for c in (7, 30)
    ]
    _assert_same(*boot)


def test_designs_sharing_a_set_up_cache_get_their_plain_runs_results(small_force, tmp_path):
    # A design search's candidates share one SetupCache. Whatever came before, each
    # design must get exactly its own plain run's results. One input changes at a
    # time (the plan's curve, the plan's positions, the targets, the year, the
    # appraisal, the sales model) and then changes back, so parts are both reused and
    # built again; the last design repeats the first after all the others.
    import yaml

    from simlib.engine.cache import SetupCache
    from simlib.engine.simulate import arguments, run

    steeper = yaml.safe_load(open(PLAN, encoding="utf-8"))
    steeper["components"][0]["curve"][-1] = [1.5, 2.5]
    raised = small_force.targets.assign(target=small_force.targets["target"] * 1.1)
    designs = [
        {},
        {"plan": steeper},
        {"plan": steeper, "sales_options": {"sigma_rep": 0.2}},
        {"appraisal": SCORECARD},
        {"appraisal": "scenarios/appraisal/bands_entropy.yaml"},
        {"plan": "scenarios/plans/store_sales_commission.yaml"},
        {"targets": raised},
        {"year": 2025, "sales_options": {"sigma_rep": 0.2}},  # one year of history
        {"sales": "bootstrap"},
        {"expected": "target"},
        {"appraisal": SCORECARD, "plan": steeper},
        {"targets": raised, "plan": steeper},
        {},
    ]
    cache = SetupCache()

    def same_as_plain(**changes) -> None:
        kw = {"ds": small_force, "plan": PLAN, "draws": 5, "seed": 3, **changes}
        _assert_same(run(*arguments(**kw), cache=cache), simulate(**kw))

    for changes in designs:
        same_as_plain(**changes)
    same_as_plain(growth=0.05)
    # A caller changing its own inputs in place, or editing a file, between two designs.
    groups = ["region"]
    same_as_plain(groupings=groups)
    groups.append("tenure")
    same_as_plain(groupings=groups)
    scorecard = tmp_path / "scorecard.yaml"
    text = Path(SCORECARD).read_text(encoding="utf-8")
    scorecard.write_text(text, encoding="utf-8")
    same_as_plain(appraisal=str(scorecard))
    scorecard.write_text(text.replace("within: region", "within: company"), encoding="utf-8")
    same_as_plain(appraisal=str(scorecard))
    # What it keeps cannot be changed by a run.
    layout, targets, expected, *_ = cache._entries["grid"][1]
    assert not targets.flags.writeable and not expected.flags.writeable
    assert not layout.rep_ids.flags.writeable
    _codes, _labels, groupings = cache._entries["groupings"][1]
    assert not any(codes.flags.writeable for codes, _names in groupings.values())


def test_different_seeds_give_different_draws(small_force):
    a = _sim(small_force, seed=1)
    b = _sim(small_force, seed=2)
    assert not np.allclose(a.per_draw["total_payout"], b.per_draw["total_payout"])


def test_appraisal_runs_inside_the_draws(small_force):
    res = simulate(ds=small_force, plan=PLAN, appraisal=SCORECARD, draws=20, seed=4, pip_floor=0.7)
    shares = res.group_draws["grade_share"]
    # Forced distribution: the grade shares are the same in every draw.
    assert (shares.std() < 1e-12).all()
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert "improvement_plan_share" in res.per_draw
    assert res.reps["p_bottom_grade"].between(0, 1).all()


def test_metrics_recomputed_independently_from_the_raw_draws(small_force):
    """Every per-draw metric, recomputed here from the raw sales and pay with plain
    numpy / scipy and the definitions in practice.md."""
    from scipy import stats

    res = simulate(ds=small_force, plan=PLAN, draws=6, seed=3, keep_cube=True, budget=2e6)
    sales, pay = res.cube["sales"], res.cube["pay"]  # (n, R, T, K), (n, R, T)
    rep_ids = res.reps["rep_id"].to_numpy()
    tg = small_force.targets
    tg = tg[(tg["period"].dt.year == 2026) & tg["rep_id"].isin(rep_ids) & (tg["kpi"] == "revenue")]
    annual_target = tg.groupby("rep_id")["target"].sum().reindex(rep_ids).to_numpy()
    months = pd.period_range("2026-01", "2026-12", freq="M")
    staffed = (
        tg.pivot_table(index="rep_id", columns="period", values="target")
        .reindex(index=rep_ids, columns=months)
        .notna()
        .to_numpy()
    )
    k_rev = small_force.kpi_names.index("revenue")
    revenue = (sales[..., k_rev] * staffed).sum(axis=2)  # (n, R)
    att = revenue / annual_target
    rep_pay = pay.sum(axis=2)
    base = res.cube["base_salary"]
    ti = res.reps["target_incentive"].to_numpy()
    regions = res.reps["region"].to_numpy()
    for d in range(len(res.per_draw)):
        row = res.per_draw.iloc[d]
        assert row["total_payout"] == pytest.approx(rep_pay[d].sum())
        assert row["budget_ratio"] == pytest.approx(rep_pay[d].sum() / 2e6)
        assert row["cost_of_sales"] == pytest.approx(
            (rep_pay[d].sum() + base.sum()) / revenue[d].sum()
        )
        assert row["incentive_cost_of_sales"] == pytest.approx(rep_pay[d].sum() / revenue[d].sum())
        assert row["share_at_quota"] == pytest.approx((att[d] >= 1).mean())
        assert row["share_at_threshold"] == pytest.approx((att[d] >= 0.8).mean())
        assert row["share_at_cap"] == pytest.approx((att[d] >= 1.5).mean())
        assert row["leverage_p90"] == pytest.approx(np.quantile(rep_pay[d] / ti, 0.9))
        # Pay-performance: rank correlation of pay / target incentive with attainment,
        # over the reps with a target incentive (simlib.vocabulary's one definition).
        has = ti > 0
        assert row["pay_performance_spearman"] == pytest.approx(
            stats.spearmanr(att[d][has], rep_pay[d][has] / ti[has]).statistic
        )
        p = np.clip(rep_pay[d], 0, None)
        assert row["payout_gini"] == pytest.approx(
            np.abs(p[:, None] - p[None, :]).mean() / (2 * p.mean())
        )
        assert row["company_reaches_target"] == float(revenue[d].sum() >= annual_target.sum())
        order = np.argsort(att[d], kind="stable")
        q = np.empty(len(order), int)
        q[order] = np.arange(len(order)) * 4 // len(order)
        bottom, top = q == 0, q == 3
        assert row["cost_of_sales_bottom_quartile"] == pytest.approx(
            (rep_pay[d][bottom].sum() + base[bottom].sum()) / revenue[d][bottom].sum()
        )
        assert row["cost_of_sales_top_quartile"] == pytest.approx(
            (rep_pay[d][top].sum() + base[top].sum()) / revenue[d][top].sum()
        )
        reach = res.group_draws["region_reaches_target"].iloc[d]
        for g in reach.index:
            m = regions == g
            assert reach[g] == float(revenue[d][m].sum() >= annual_target[m].sum())
    # Pay gap by gender at equal attainment, by a plain loop over 10-point bands.
    gap = res.group_draws["pay_gap:gender"].iloc[0]
    gender = small_force.reps.set_index("rep_id").loc[rep_ids, "gender"].to_numpy()
    band = np.floor(att[0] * 10).clip(-1, 20)
    for g in gap.index:
        num = den = 0.0
        for b in np.unique(band):
            mine = (gender == g) & (band == b)
            others = (gender != g) & (band == b)
            if mine.any() and others.any():
                num += mine.sum() * (rep_pay[0][mine].mean() - rep_pay[0][others].mean())
                den += mine.sum()
        expected = num / den / rep_pay[0].mean() if den else np.nan
        assert gap[g] == pytest.approx(expected, nan_ok=True)


def test_bad_settings_give_clear_errors(small_force):
    with pytest.raises(SimulationError, match="backend"):
        _sim(small_force, backend="spark")
    with pytest.raises(SimulationError, match="sales_options"):
        _sim(small_force, sales_options={"sigma_rpe": 0.2})
    with pytest.raises(SimulationError, match="no rows for 2031"):
        _sim(small_force, year=2031)
    for kw, match in [
        (dict(groupings=["regoin"]), "groupings: unknown group 'regoin'"),
        (dict(budget=-5), "budget"),
        (dict(vacancy_months=-1), "vacancy_months"),
        (dict(turnover="hist"), "turnover"),
        (dict(growth="5%"), "growth"),
        (dict(draws=0), "draws"),
        (dict(draws=2.5), "draws"),
        (dict(chunk_size=0), "chunk_size"),
        (dict(seed=-1), "seed"),
        (dict(n_workers=0), "n_workers"),
    ]:
        with pytest.raises(SimulationError, match=match):
            _sim(small_force, **kw)
    bad_kpi = small_force.targets.assign(
        kpi=small_force.targets["kpi"].replace("revenue", "revnue")
    )
    with pytest.raises(SimulationError, match="unknown KPI"):
        _sim(small_force, targets=bad_kpi)
    with pytest.raises(SimulationError, match="missing column"):
        _sim(small_force, targets=small_force.targets.drop(columns="target"))
    from simlib.engine.sales import SalesModelError

    with pytest.raises(SalesModelError, match="one per KPI"):
        _sim(small_force, sales_options={"sigma_rep": [0.1, 0.2]})


def test_simulating_a_scenario_keeps_its_own_settings(small_force):
    class Stub:
        def simulation_kwargs(self):
            return dict(ds=small_force, plan="scenarios/plans/store_sales_commission.yaml",
                        draws=4, seed=77)  # fmt: skip

    res = simulate(Stub())
    assert (res.provenance["draws"], res.provenance["seed"]) == (4, 77)
    assert simulate(Stub(), draws=3).provenance["draws"] == 3


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


def test_designs_that_simulate_different_populations_see_the_same_sales(small_force):
    """Common random numbers: a team component makes the engine simulate the whole
    unit (every position), a plan without one only its own reps; the reps both pay
    must get the same sales in the same draw, so differences are the design's."""
    import simlib as sl

    spec = sl.plans.Plan.from_yaml(PLAN).spec.model_dump()
    comps = [dict(c) for c in spec["components"] if c["type"] != "team"]
    comps[0]["weight"] = 1.0  # the quota bonus takes the team's share
    solo = dict(spec, name="no team", components=comps)
    kw = dict(draws=5, seed=21, keep_cube=True, turnover=0.2)
    with_team = simulate(ds=small_force, plan=spec, **kw)
    without = simulate(ds=small_force, plan=solo, **kw)
    assert with_team.provenance["reps"] > without.provenance["reps"]
    a = with_team.reps["rep_id"].tolist()
    b = without.reps["rep_id"].tolist()
    assert a == b  # the same paid reps, in the same order
    np.testing.assert_array_equal(with_team.cube["sales"], without.cube["sales"])
    pd.testing.assert_series_equal(with_team.per_draw["revenue"], without.per_draw["revenue"])


def test_reps_without_a_target_on_an_appraised_kpi_are_not_rated(small_force):
    tg = small_force.targets
    paid = simulate(ds=small_force, plan=PLAN, draws=1, seed=1).reps["rep_id"]
    victim = paid.iloc[0]
    cut = tg[~((tg["rep_id"] == victim) & (tg["kpi"] == "new_customers"))]
    res = simulate(ds=small_force, plan=PLAN, appraisal=SCORECARD, targets=cut, draws=6, seed=2)
    row = res.reps.set_index("rep_id").loc[victim]
    assert row["p_bottom_grade"] == 0 and row["p_top_grade"] == 0
    assert row["mean_coefficient"] == 1.0  # neutral: not rated, not penalised
    shares = res.group_draws["grade_share"]
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "plan_file",
    sorted(str(p) for p in __import__("pathlib").Path("scenarios/plans").glob("*.yaml")),
)
def test_the_total_without_lines_is_the_sum_of_the_lines(small_force, plan_file):
    """The engine asks the plan for its total only; it must be bit for bit the total
    a pay statement shows (the sum of its lines), for every plan shipped."""
    import simlib as sl

    plan = sl.plans.Plan.from_yaml(plan_file, kpis=small_force.kpi_names)
    periods = pd.period_range("2026-01", periods=12, freq="M")
    reps = small_force.reps
    prep = plan.prepare(reps, periods, ds=small_force, paid=np.asarray(plan.covers(reps)))
    rng = np.random.default_rng(3)
    shape = (4, len(reps), 12)
    actual = {k: rng.lognormal(np.log(1e4), 0.6, shape) for k in small_force.kpi_names}
    actual["hv_retention"] = np.clip(rng.normal(0.95, 0.04, shape), 0, 1)
    target = {k: np.full((len(reps), 12), 1e4) for k in small_force.kpi_names}
    target["hv_retention"] = np.full((len(reps), 12), 0.95)
    score = rng.uniform(0.6, 1.2, (4, len(reps), 1))
    full = prep.payout(actual, target, score=score)
    total_only = prep.payout(actual, target, score=score, lines=False)
    by_hand = np.zeros(shape)
    for line in full.lines.values():
        by_hand += line
    np.testing.assert_array_equal(total_only.total, full.total)
    # A recoverable draw is booked as (paid - earned): the lines add up to the total
    # up to the rounding of that difference.
    np.testing.assert_allclose(full.total, by_hand, rtol=1e-12, atol=1e-6)
    assert total_only.lines == {}


def test_expected_sales_kept_on_the_dataset_are_those_computed_afresh(synthetic):
    # A second design on the same dataset reads every rep's history level from the
    # dataset; another growth, another year or a fresh copy of the data recompute it.
    import dataclasses

    from simlib.engine.expected import expected_sales
    from simlib.engine.sales import Layout

    ds = synthetic(n_reps=40, months=36, seed=5, n_regions=2)
    periods = pd.period_range("2026-01", "2026-12", freq="M")
    ids = ds.reps["rep_id"].to_numpy()[::2]
    lay = Layout.from_dataset(ds, periods, rep_ids=ids, kpis=ds.kpi_names)
    targets = np.ones(lay.shape)
    first = expected_sales(ds, lay, targets)
    again = expected_sales(ds, lay, targets)
    assert any(k[0] == "expected_history" for k in ds._cache if isinstance(k, tuple))
    fresh = dataclasses.replace(ds)  # the same tables; what ds keeps stays with ds
    assert not any(k[0] == "expected_history" for k in fresh._cache if isinstance(k, tuple))
    alone = expected_sales(fresh, lay, targets)
    for a, b, c in zip(first, again, alone, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    flat = expected_sales(ds, lay, targets, growth=0.0)[1]
    grown = expected_sales(ds, lay, targets, growth=0.5)[1]
    summed = ~lay.is_rate  # rates do not grow
    np.testing.assert_allclose(grown[:, summed], flat[:, summed] * 1.5, rtol=1e-12)
    np.testing.assert_array_equal(grown, expected_sales(fresh, lay, targets, growth=0.5)[1])
    earlier = Layout.from_dataset(ds, periods - 12, rep_ids=ids, kpis=ds.kpi_names)
    np.testing.assert_array_equal(
        expected_sales(ds, earlier, targets)[0], expected_sales(fresh, earlier, targets)[0]
    )

"""Design search: the search: spec, the design space, the optimiser against known answers,
determinism, the Pareto filter, and the files a search writes."""

from __future__ import annotations

import copy
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import simlib as sl
from simlib.errors import SpecError
from simlib.scenario import Scenario
from simlib.search import DesignSpace, SearchError, non_dominated, parse_search, run_search
from simlib.topics.scenario_words import describe_scenario

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "scenarios" / "plans"
KPIS = ["revenue", "new_customers", "hv_retention"]
#: Sales exactly as expected (no uncertainty): every rep's attainment is fixed, so a
#: payout is a closed-form function of it.
CERTAIN = {"sigma_rep": 0.0, "sigma_company": 0.0, "sigma_region": 0.0, "sigma_month": 0.0}


def header(**extra) -> dict:
    d = {"title": "Search test", "author": "tests", "what": "checks", "why": "because"}
    d.update(extra)
    return d


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("search") / "data"
    sl.data.synthetic.generate(n_reps=50, months=24, seed=3, n_regions=1).save(path)
    return str(path)


@pytest.fixture(scope="module")
def bonus_data(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("search_bonus") / "data"
    sl.data.synthetic.generate(n_reps=60, months=24, seed=11, n_regions=1).save(path)
    return str(path)


# ------------------------------------------------------------------ the spec
def sample_file(search: dict) -> dict:
    return header(
        baseline={
            "data": "data/sample",
            "plan": str(PLANS / "am_current.yaml"),
            "simulation": {"draws": 10, "seed": 3},
        },
        reforms={
            "proposed": {"what": "proposed", "changes": {"plan": str(PLANS / "am_proposed.yaml")}}
        },
        search=search,
    )


def test_search_section_is_read_with_the_scenario_file():
    sc = Scenario.from_dict(
        sample_file(
            {
                "base": "proposed",
                "parameters": {"plan.components[0].curve[0][0]": {"low": 0.6, "high": 0.8}},
                "constraints": [{"metric": "budget_ratio", "max": 1.0}],
            }
        ),
        root_dir=ROOT,
    )
    assert sc.search is not None
    assert sc.search.base == "proposed"
    assert sc.search.objective.metric == "contribution"
    assert sc.search.constraints[0].label == "budget_ratio at most 1"


def test_unknown_keys_and_bad_bounds_are_errors_naming_their_path():
    bad = {
        "parameters": {
            "plan.components[0].curve[0][0]": {"low": 0.9, "high": 0.6},
            "plan.components[0].weight": {"low": 0.5, "high": 0.9, "stepp": 0.1},
        },
        "constraints": [
            {"metric": "share_at_quota", "min": 0.7, "max": 0.6},
            {"metric": "happiness", "max": 1},
        ],  # fmt: skip
        "objective": {"maximize": "contribution", "minimize": "total_payout"},
        "optimiser": {},
    }
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(sample_file(bad), root_dir=ROOT)
    msgs = dict(e.value.errors)
    p0 = "scenario: search.parameters['plan.components[0].curve[0][0]']"
    assert "low (0.9) must be below high (0.6)" in msgs[p0]
    assert msgs["scenario: search.parameters['plan.components[0].weight'].stepp"].startswith(
        "unknown key"
    )
    assert "no design can meet it" in msgs["scenario: search.constraints[0]"]
    assert "unknown metric 'happiness'" in msgs["scenario: search.constraints[1].metric"]
    assert "exactly one of maximize or minimize" in msgs["scenario: search.objective"]
    assert msgs["scenario: search.optimiser"].startswith("unknown key")


def test_bounds_that_make_no_valid_design_are_explained():
    # The proposed curve's second point is at 85% of quota: a threshold above it breaks
    # the curve; a path the base design lacks is named too.
    search = {
        "base": "proposed",
        "parameters": {
            "plan.components[0].curve[0][0]": {"low": 0.6, "high": 0.95},
            "plan.components[3].weight": {"low": 0.1, "high": 0.2},
        },
    }
    with pytest.raises(SpecError) as e:
        Scenario.from_dict(sample_file(search), root_dir=ROOT)
    msgs = dict(e.value.errors)
    high = msgs["scenario: search.parameters['plan.components[0].curve[0][0]'].high"]
    assert "0.95 gives no valid design" in high and "attainment must increase" in high
    low = msgs["scenario: search.parameters['plan.components[3].weight'].low"]
    assert "no such element" in low
    # The low end alone is fine: only the offending end is reported.
    assert "scenario: search.parameters['plan.components[0].curve[0][0]'].low" not in msgs


def test_unknown_search_base_is_an_error():
    search = {"base": "nope", "parameters": {"plan.components[0].weight": {"low": 0.1, "high": 1}}}
    with pytest.raises(SpecError, match="no scenario 'nope'"):
        Scenario.from_dict(sample_file(search), root_dir=ROOT)


# ------------------------------------------------------------------ the space
def test_space_decodes_steps_choices_and_complements():
    spec = parse_search(
        {
            "parameters": {
                "plan.components[0].curve[-1][0]": {"choices": [1.4, "none"], "label": "cap"},
                "plan.components[1].weight": {
                    "low": 0.1,
                    "high": 0.4,
                    "step": 0.05,
                    "complement": "plan.components[0].weight",
                },  # fmt: skip
                "plan.components[0].curve[0][0]": {"low": 0.6, "high": 0.8},
            }
        }
    )
    base = yaml.safe_load((PLANS / "am_proposed.yaml").read_text(encoding="utf-8"))
    space = DesignSpace(spec, {"plan": base})
    # 0.1 to 0.4 by 0.05 is 7 values: indices 0..6.
    assert space.bounds == [(0.0, 1.0), (0.0, 6.0), (0.6, 0.8)]
    assert space.integrality.tolist() == [True, True, False]
    values = space.values(np.array([1.0, 3.0, 0.7]))
    assert values == {
        "plan.components[0].curve[-1][0]": "none",
        "plan.components[1].weight": 0.25,
        "plan.components[0].curve[0][0]": 0.7,
    }
    plan = space.apply(values, validate=False)["plan"]
    assert plan["components"][1]["weight"] == 0.25
    assert plan["components"][0]["weight"] == pytest.approx(0.75)
    # The cap is applied after the other points and keeps the 2.5x accelerator's slope:
    # from (1.0, 1.0) to (1.6, 2.5) is 2.5 per 100% of quota, continued to 10x quota.
    curve = plan["components"][0]["curve"]
    assert curve[0] == [0.7, 0.3]
    assert curve[-1] == pytest.approx([10.0, 1.0 + 2.5 * 9.0])
    np.testing.assert_array_equal(space.point(values), [1.0, 3.0, 0.7])


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_space_points_and_values_round_trip(data):
    spec = parse_search(
        {
            "parameters": {
                "plan.components[0].curve[-1][0]": {"choices": [1.4, 1.6, "none"]},
                "plan.components[1].weight": {"low": 0.1, "high": 0.4, "step": 0.05},
                "plan.components[0].curve[0][0]": {"low": 0.6, "high": 0.8},
            }
        }
    )
    space = DesignSpace(spec, {})
    x = np.array(
        [
            data.draw(st.integers(0, 2)),
            data.draw(st.integers(0, 6)),
            data.draw(st.floats(0.6, 0.8)),
        ],
        dtype=float,
    )
    values = space.values(x)
    np.testing.assert_allclose(space.point(values), x)
    assert values == space.values(space.point(values))
    # Stepped values sit exactly on the grid: 0.1 + k x 0.05 written as decimals.
    w = values["plan.components[1].weight"]
    assert w == round(0.1 + 0.05 * x[1], 10)


# ------------------------------------------------------------------ the frontier
def dominated_by_any(v: np.ndarray, i: int, senses) -> bool:
    """Brute force: does some point beat point i on every axis and strictly on one?"""
    g = np.where(np.isnan(v), -np.inf, v * np.asarray(senses, float))
    return any((g[j] >= g[i]).all() and (g[j] > g[i]).any() for j in range(len(g)) if j != i)


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 25), st.integers(1, 3)),
        elements=st.one_of(st.floats(-5, 5, allow_nan=False), st.just(np.nan)),
    ),
    st.data(),
)
def test_frontier_points_are_exactly_the_non_dominated_ones(values, data):
    senses = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=values.shape[1],
                                max_size=values.shape[1]))  # fmt: skip
    keep = non_dominated(values, senses)
    for i in range(len(values)):
        assert keep[i] == (not dominated_by_any(values, i, senses))
    # No frontier point dominates another, and every other point is beaten by a frontier point.
    front = np.flatnonzero(keep)
    sub = values[front]
    for k in range(len(front)):
        assert not dominated_by_any(sub, k, senses)
    for i in np.flatnonzero(~keep):
        stacked = np.vstack([values[front], values[i]])
        assert dominated_by_any(stacked, len(front), senses)


def test_frontier_rejects_bad_senses():
    with pytest.raises(ValueError, match="senses"):
        non_dominated(np.zeros((3, 2)), [1, 0])


# ------------------------------------------------------------------ known answers
def hm_file(data: str, r: float, c: float, sigma: float) -> dict:
    """A linear commission under Holmstrom-Milgrom reps (CARA, normal noise, quadratic cost).

    The baseline pays the commission ``c``, the marginal rate at which reps put in their
    historical effort (e = 1), so history is what the effort model's reps chose under it.
    """
    return header(
        baseline={
            "data": data,
            "plan": {
                "name": "linear commission",
                "period": "year",
                "kpis": KPIS,
                "components": [
                    {"type": "commission", "name": "commission", "kpi": "revenue", "rate": c}
                ],
            },
            "behavior": {
                "models": [
                    {
                        "model": "effort",
                        "cost": c,
                        "elasticity": 1.0,
                        "risk_aversion": r,
                        "intrinsic": 0.0,
                        "sigma": sigma,
                    }
                ]
            },  # fmt: skip
            "simulation": {
                "draws": 40,
                "seed": 5,
                "sales_options": {**CERTAIN, "sigma_rep": 0.1, "sigma_month": 0.1},
            },
        },
        search={
            "parameters": {
                "plan.components[0].rate": {"low": 0.55 * c, "high": 1.45 * c, "label": "rate"}
            },
            "objective": {"maximize": "contribution", "participation": True},
            "frontier": {},
            "screening": {"draws": 40},
            "confirmation": {"draws": 40, "designs": 2},
            "optimizer": {"population": 5, "generations": 6, "polish": True, "seed": 1},
        },
    )


@pytest.mark.parametrize(("r", "c", "sigma"), [(20.0, 1.0, 0.1), (50.0, 1.0, 0.1),
                                               (30.0, 0.8, 0.12)])  # fmt: skip
def test_search_recovers_the_holmstrom_milgrom_commission(small_data, r, c, sigma):
    # Rep i sells y_i (e + sigma Z) at effort e, paid beta x sales, at effort cost
    # y_i c e^2 / 2 and risk premium y_i r beta^2 sigma^2 / 2, so chooses e = beta / c.
    # The firm keeps sales minus pay, and must leave each rep their certainty
    # equivalent (participation), so it maximises the total surplus
    #   sum_i y_i (e - c e^2 / 2 - r beta^2 sigma^2 / 2),  e = beta / c,
    # whose derivative y_i (1/c - beta/c - r beta sigma^2) vanishes at
    #   beta* = 1 / (1 + r c sigma^2).
    beta_star = 1.0 / (1.0 + r * c * sigma**2)
    res = run_search(Scenario.from_dict(hm_file(small_data, r, c, sigma)))
    beta = res.recommended.values["plan.components[0].rate"]
    assert beta == pytest.approx(beta_star, rel=0.005)  # found within 0.15%
    # Every other commission screened earns less, on the same random years.
    best = res.recommended.metrics["contribution"]
    assert all(e.metrics["contribution"] <= best + 1e-6 * abs(best) for e in res.evaluations)
    assert res.meets_goals


def cap_file(data: str, budget: float | None, search: dict | None = None) -> dict:
    """A yearly quota bonus paying target incentive x attainment up to a cap (slope 1)."""
    d = header(
        baseline={
            "data": data,
            "plan": {
                "name": "bonus",
                "period": "year",
                "kpis": KPIS,
                "target_incentive": {"amount": 10000},
                "components": [
                    {
                        "type": "quota_bonus",
                        "name": "bonus",
                        "kpi": "revenue",
                        "weight": 1.0,
                        "curve": [[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]],
                    }
                ],
            },  # fmt: skip
            "simulation": {"draws": 4, "seed": 2, "sales_options": CERTAIN},
        }
    )
    if budget is not None:
        d["baseline"]["simulation"]["budget"] = budget
    if search is not None:
        d["search"] = search
    return d


CAP_SEARCH = {
    "parameters": {"plan.components[0].curve[-1][0]": {"low": 1.02, "high": 2.0, "label": "cap"}},
    "constraints": [{"metric": "budget_ratio", "max": 1.0}],
    "objective": {"maximize": "total_payout"},
    "frontier": {},
    "screening": {"draws": 4},
    "confirmation": {"draws": 4, "designs": 3},
    "optimizer": {"population": 10, "generations": 30, "seed": 3},
}


@pytest.fixture(scope="module")
def attainments(bonus_data):
    """Each rep's (fixed) attainment and prorated target incentive, from an uncapped run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sl.simulate(Scenario.from_dict(cap_file(bonus_data, None)))
    reps = res.reps
    ti, a = reps["target_incentive"].to_numpy(), reps["mean_attainment"].to_numpy()
    # The closed-form payout holds: pay = target incentive x attainment (no cap below 3x).
    np.testing.assert_allclose(reps["mean_payout"], ti * np.minimum(a, 3.0), rtol=1e-6, atol=0.01)
    return ti, a


def test_search_finds_the_cap_that_spends_exactly_the_budget(bonus_data, attainments):
    ti, a = attainments

    def cost(cap: float) -> float:
        return float((ti * np.minimum(a, cap)).sum())

    # Cost rises with the cap wherever some rep is above it; the budget is what a cap
    # of 115% costs, so the largest spend within budget is exactly that cap.
    assert (a > 1.15).sum() >= 3
    cap_star = 1.15
    budget = cost(cap_star)
    res = run_search(Scenario.from_dict(cap_file(bonus_data, budget, CAP_SEARCH)))
    found = res.recommended.values["plan.components[0].curve[-1][0]"]
    assert found == pytest.approx(cap_star, rel=0.005)
    assert found <= cap_star + 1e-9  # on the budget side of the boundary
    assert res.recommended.metrics["budget_ratio"] == pytest.approx(cost(found) / budget, rel=1e-6)
    assert res.meets_goals
    goals = res.goals(res.recommended)
    assert goals.loc[0, "binds"]  # the budget is what stops the cap rising


def test_search_is_deterministic_for_a_seed(bonus_data, attainments):
    ti, a = attainments
    budget = float((ti * np.minimum(a, 1.15)).sum())
    search = copy.deepcopy(CAP_SEARCH)
    search["optimizer"]["generations"] = 5
    runs = [run_search(Scenario.from_dict(cap_file(bonus_data, budget, search))) for _ in range(2)]
    t0, t1 = (r.table().drop(columns=["error"]) for r in runs)
    assert len(t0) > 20
    assert t0.equals(t1)
    assert runs[0].recommended.values == runs[1].recommended.values
    other = copy.deepcopy(search)
    other["optimizer"]["seed"] = 4
    t2 = run_search(Scenario.from_dict(cap_file(bonus_data, budget, other))).table()
    assert not t2["cap"].equals(t0["cap"])


def test_conflicting_goals_are_named_with_how_far_apart_they_are(bonus_data, attainments):
    ti, a = attainments
    budget = float((ti * np.minimum(a, 1.15)).sum())

    def cost_ratio(cap: float) -> float:
        return float((ti * np.minimum(a, cap)).sum()) / budget

    def share_at_cap(cap: float) -> float:
        return float(np.mean(a >= cap))

    # Within budget needs a cap of at most 115%; at most 5% of reps at the cap needs a cap
    # above all but the top 5% of attainments. Each is possible alone, not both.
    m = int(np.floor(0.05 * len(a)))
    lowest_cap_for_share = float(np.sort(a)[::-1][m])  # caps strictly above this qualify
    assert lowest_cap_for_share > 1.15 and share_at_cap(1.15) > 0.05
    search = copy.deepcopy(CAP_SEARCH)
    search["constraints"] = [
        {"metric": "budget_ratio", "max": 1.0, "name": "within budget"},
        {"metric": "share_at_cap", "max": 0.05, "name": "few at the cap"},
    ]
    search["optimizer"]["generations"] = 4
    res = run_search(Scenario.from_dict(cap_file(bonus_data, budget, search)))
    assert not res.meets_goals
    assert "No design the search tried meets every goal" in res.explanation()
    conflict = [c for c in res.conflicts() if c.startswith("within budget and few at the cap")]
    assert len(conflict) == 1
    gaps = re.findall(r"by at least ([0-9.e+-]+)", conflict[0])
    share_gap, budget_gap = (float(g) for g in gaps)
    # Designs within budget have caps <= 115%, so at least share_at_cap(1.15) of reps at
    # the cap; designs with few at the cap cost at least what the lowest such cap costs.
    assert share_gap >= share_at_cap(1.15) - 0.05 - 1e-3
    assert budget_gap >= cost_ratio(lowest_cap_for_share) - 1.0 - 1e-3
    # The page reads the outcome in either language from one search: the Chinese text
    # names the same gaps (the numbers are not translated away).
    both = res.in_every_language()
    assert both["en"]["conflicts"] == res.conflicts()
    zh = [c for c in both["zh-CN"]["conflicts"] if c.startswith("within budget与few at the cap")]
    assert len(zh) == 1 and "相互冲突" in zh[0]
    assert re.findall(r"至少差后者 ([0-9.e+-]+)", zh[0]) == gaps[:1]
    assert "搜索尝试过的方案都不能满足全部目标" in both["zh-CN"]["explanation"]


# ------------------------------------------------------------------ outputs
def test_written_designs_run_describe_and_open_as_plans(bonus_data, attainments, tmp_path):
    from simlib.plans import Plan
    from simlib.search.output import load_outputs
    from simlib.workbench.design import write_outputs
    from simlib.workbench.store import Store

    ti, a = attainments
    budget = float((ti * np.minimum(a, 1.15)).sum())
    search = copy.deepcopy(CAP_SEARCH)
    search["frontier"] = {"share_at_cap": "min"}
    search["optimizer"]["generations"] = 3
    src = tmp_path / "cap.yaml"
    src.write_text(yaml.safe_dump(cap_file(bonus_data, budget, search)), encoding="utf-8")
    sc = Scenario.from_yaml(src)
    res = run_search(sc)
    out = write_outputs(res, sc, tmp_path / "out", report=False)

    rec_file = out / "designs" / "recommended.yaml"
    assert rec_file.read_text(encoding="utf-8").startswith("# Title:")
    assert "# Found by: simlib design cap.yaml: differential evolution" in rec_file.read_text(
        encoding="utf-8"
    )
    found = Scenario.from_yaml(rec_file)
    assert [s.name for s in found.scenarios] == ["baseline", "recommended"]
    cap = res.recommended.values["plan.components[0].curve[-1][0]"]
    assert found["recommended"].design["plan"]["components"][0]["curve"][-1][0] == cap
    assert "payout curve" in describe_scenario(found)
    # The plan file is a whole plan: what the what-if's --plan opens.
    plan = Plan.from_yaml(out / "plans" / "recommended.yaml")
    assert plan.spec.components[0].curve[-1][0] == cap
    # Every frontier point is written as both.
    n = len(res.frontier)
    assert n >= 1
    assert len(list((out / "designs").glob("frontier_*.yaml"))) == n
    assert len(list((out / "plans").glob("frontier_*.yaml"))) == n
    # Runs are in the results store: baseline and each confirmed design at full draws.
    runs = Store(out / "results.duckdb").runs()
    assert set(runs["scenario"]) >= {"baseline", res.recommended.name}
    info = load_outputs(out)
    assert info["meets_goals"] is True
    assert len(info["evaluations"]) == len(res.evaluations)


def test_candidates_on_a_dask_cluster_give_the_local_result(bonus_data, attainments):
    pytest.importorskip("distributed")
    ti, a = attainments
    budget = float((ti * np.minimum(a, 1.15)).sum())
    search = copy.deepcopy(CAP_SEARCH)
    search["optimizer"]["generations"] = 2
    local = run_search(Scenario.from_dict(cap_file(bonus_data, budget, search)))
    doc = cap_file(bonus_data, budget, search)
    doc["baseline"]["simulation"].update({"backend": "dask", "n_workers": 2})
    on_dask = run_search(Scenario.from_dict(doc))
    assert on_dask.settings["backend"] == "dask"
    cols = ["design", "cap", "total_payout", "budget_ratio", "meets_goals"]
    assert on_dask.table()[cols].equals(local.table()[cols])
    assert on_dask.recommended.values == local.recommended.values


def test_describe_lists_what_a_search_tunes_and_its_goals():
    sc = Scenario.from_yaml(ROOT / "scenarios" / "design_search.yaml")
    text = describe_scenario(sc)
    assert "## design search (on proposed_cascade)" in text
    assert "- tunes cap (plan.components[0].curve[-1][0]): one of 1.4, 1.6, 2.0, none" in text
    assert (
        "- tunes team share (plan.components[1].weight): 0.05 to 0.4 by 0.05 "
        "(plan.components[0].weight = 1 - it)" in text
    )
    assert "- goal: Overspend risk at most 10%" in text
    assert "- maximises contribution (margin 1)" in text


def test_group_goals_measure_pay_change_against_the_baseline_and_gaps(bonus_data):
    from simlib.search import Evaluator

    doc = cap_file(bonus_data, None)
    doc["reforms"] = {
        "richer": {"what": "10% more target incentive",
                   "changes": {"plan.target_incentive.amount": 11000}}
    }  # fmt: skip
    sc = Scenario.from_dict(doc)
    spec = parse_search(
        {
            "base": "richer",
            "parameters": {"plan.components[0].curve[-1][0]": {"low": 1.5, "high": 3.0}},
            "constraints": [
                {"metric": "pay_change:tenure", "min": 0.05},
                {"metric": "pay_gap:tenure", "max": 10.0},
            ],
        }
    )
    ev = Evaluator(spec, sc.design, draws=4)
    baseline, richer = ev.references(sc["richer"].design, {}, "richer")
    # Pay is target incentive x attainment (no cap reached below 3x): 11,000 instead of
    # 10,000 pays every rep, so every tenure band's mean pay, exactly 10% more.
    assert baseline.metrics["pay_change:tenure"] == pytest.approx(0.0, abs=1e-12)
    assert richer.metrics["pay_change:tenure"] == pytest.approx(0.10, rel=1e-9)
    assert richer.violations["pay_change:tenure at least 0.05"] == 0.0
    assert baseline.violations["pay_change:tenure at least 0.05"] == pytest.approx(0.05)
    # A gap at equal attainment is relative: paying everyone 10% more leaves it as it was.
    assert richer.metrics["pay_gap:tenure"] == pytest.approx(baseline.metrics["pay_gap:tenure"])
    assert baseline.metrics["pay_gap:tenure"] > 0


def test_an_objective_the_base_cannot_be_judged_on_stops_before_searching(bonus_data):
    search = copy.deepcopy(CAP_SEARCH)
    search["objective"] = {"maximize": "contribution", "participation": True}
    with pytest.raises(SearchError, match="needs the effort behaviour model"):
        run_search(Scenario.from_dict(cap_file(bonus_data, 1e6, search)))


def test_candidates_reusing_the_sales_fit_and_data_checks_match_a_plain_run(tmp_path):
    from simlib.search import Evaluator

    data = tmp_path / "data"  # three years: the sales model is fitted on the two before
    sl.data.synthetic.generate(n_reps=40, months=36, seed=4, n_regions=2).save(data)
    doc = hm_file(str(data), r=20.0, c=1.0, sigma=0.1)
    doc["baseline"]["simulation"]["draws"] = 6
    doc["baseline"]["simulation"].pop("sales_options", None)  # the fitted model
    sc = Scenario.from_dict(doc)
    spec = sc.search
    space = DesignSpace(spec, sc[spec.base].design)
    plain = Evaluator(spec, sc.design, draws=6, reuse=False)
    reused = Evaluator(spec, sc.design, draws=6)
    pairs = list(zip(plain.references(sc.design, {}, "baseline"),
                     reused.references(sc.design, {}, "baseline"), strict=True))  # fmt: skip
    for x in (space.lower, space.upper, (space.lower + space.upper) / 2):
        v = space.values(np.asarray(x))
        pairs.append((plain(space.apply(v), v, "x"), reused(space.apply(v), v, "x")))
    for a, b in pairs:
        assert a.error is None and b.error is None
        assert a.metrics.keys() == b.metrics.keys()
        for k in a.metrics:
            assert a.metrics[k] == pytest.approx(b.metrics[k], rel=0, abs=0, nan_ok=True), k
    assert len(reused._sales_fits) == 1 and len(reused._checks) == 1  # fitted once


# ------------------------------------------------------------------ the report page
def _page_info(currency: str | None = "CNY") -> dict:
    """A search's output as the page reads it: two parameters, contribution the objective."""
    import pandas as pd

    sens = pd.DataFrame({
        "parameter": ["threshold"] * 3 + ["cap"] * 3,
        "value": ["0.6", "0.7", "0.8", "1.4", "2.0", "none"],
        "objective": [8.1e8, 8.3e8, 8.2e8, 8.0e8, 8.3e8, 8.25e8],
        "meets_goals": [True, True, False, True, True, False],
        "at_recommended": [False, True, False, False, True, False],
    })  # fmt: skip
    ev = pd.DataFrame({"contribution": [8.0e8, 8.3e8], "total_payout": [1.2e7, 1.3e7],
                       "meets_goals": [False, True]})  # fmt: skip
    goal = {"goal": "budget_ratio at most 1", "metric": "budget_ratio", "min": None, "max": 1.0}
    return {
        "currency": currency, "base": "baseline",
        "objective": {"metric": "contribution", "sense": 1},
        "axes": [["contribution", 1], ["total_payout", -1]],
        "parameters": {"threshold": "p.t", "cap": "p.c"},
        "recommended": {"design": "threshold=0.7, cap=2",
                        "metrics": {"contribution": 830_123_456.0, "total_payout": 1.3e7,
                                    "budget_ratio": 0.97}},
        "baseline": {"metrics": {"contribution": 801_000_000.0, "total_payout": 1.2e7,
                                 "budget_ratio": 1.02}},
        "base_design": {"metrics": {"contribution": 801_000_000.0, "total_payout": 1.2e7,
                                    "budget_ratio": 1.02}},
        "goals_at_baseline": [{**goal, "value": 1.02, "met": False, "slack": -0.02,
                               "binds": False}],
        "goals_at_recommended": [{**goal, "value": 0.97, "met": True, "slack": 0.03,
                                  "binds": True}],
        "meets_goals": True, "explanation": "", "conflicts": [],
        "evaluations": ev, "frontier": ev.assign(design=["a", "b"]), "sensitivity": sens,
    }  # fmt: skip


def test_the_design_page_shows_contribution_with_its_currency():
    from simlib import i18n
    from simlib.search import figures

    info = _page_info()
    t = figures.comparison(info)
    # 830,123,456 is CNY 830.1 m in English; in Chinese 8.30亿元 (three figures: 8.30 -> 8.3).
    assert t.loc["Contribution (revenue - pay)", "recommended"] == "CNY 830.1 m"
    assert t.loc["Cost / budget", "goal"] == "≤ 100.0%"
    with i18n.use("zh-CN"):
        zh = figures.comparison(info)
        assert zh.loc["贡献（营业收入 − 薪酬）", "推荐方案"] == "8.3亿元"
        assert zh.loc["预期激励成本", "基准方案"] == "1,200万元"
    # Without a known currency the number still reads in the language's units.
    with i18n.use("zh-CN"):
        assert figures.fmt("contribution", 830_123_456.0, None) == "8.3亿"


def _glyph_warnings(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


def test_design_page_charts_draw_into_given_axes_and_every_chinese_glyph():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from simlib import i18n
    from simlib.search import figures

    info = _page_info()
    saved = mpl.rcParams.copy()
    try:
        with i18n.use("zh-CN"):
            fig, axs = plt.subplots(1, 3)
            assert figures.plot_frontier(info, ax=axs[0]) is axs[0]
            got = figures.plot_sensitivity(info, ax=axs[1:])
            assert list(got) == list(axs[1:])
            assert axs[0].get_title() == "筛选过的设计方案：优化目标与权衡指标"
            assert [a.get_title() for a in axs[1:]] == ["threshold", "cap"]
            # A choice "none" is written in the language of the page.
            assert "无" in [t.get_text() for t in axs[2].get_xticklabels()]
            assert _glyph_warnings(fig) == []
            plt.close(fig)
            with pytest.raises(ValueError, match="2 parameters need as many axes, got 1"):
                figures.plot_sensitivity(info, ax=plt.subplots()[1])
            own = figures.plot_sensitivity(info)
            assert own.shape == (1, 2) and _glyph_warnings(own.flat[0].figure) == []
        plt.close("all")
    finally:
        mpl.rcParams.update(saved)


def test_a_goal_is_shown_in_the_chosen_language_and_stored_under_its_own_label():
    from simlib import i18n
    from simlib.scenario.search_spec import ConstraintSpec

    goal = ConstraintSpec(metric="budget_ratio", max=1.0)
    with i18n.use("zh-CN"):
        assert goal.shown() == "budget_ratio 不高于 1"
        assert goal.label == "budget_ratio at most 1"  # the key of stored violations
    assert goal.shown() == goal.label

"""Incentive plans: curves, components, spec errors, evaluate / explain, properties.

Numbers are checked against hand calculations written out next to each test,
and against the worked situation tests in ``tests/plan_cases/*.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_helpers import PERIODS, reps_frame, tidy

from simlib.errors import SpecError
from simlib.plans import PayoutCurve, Plan, PlanInputError, commission_amount, payout_totals
from simlib.plans.spec import Commission
from simlib.spec import load_yaml

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "plan_cases").glob("*.yaml"))
PLANS = sorted((ROOT / "scenarios" / "plans").glob("*.yaml"))


def bonus_plan(**over) -> dict:
    d = {
        "name": "p",
        "period": "quarter",
        "target_incentive": {"amount": 12000},
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1.0,
                "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
            }
        ],
    }
    d.update(over)
    return d


# ---------------------------------------------------------------- curves
def test_curve_threshold_accelerator_cap():
    c = PayoutCurve([(0.8, 0.5), (1.0, 1.0), (1.5, 2.0)])
    # Hand: below 80% nothing; 90% is halfway between 0.5 and 1.0; 125% halfway 1 -> 2.
    got = c([0.0, 0.7999, 0.8, 0.9, 1.0, 1.25, 1.5, 9.0])
    np.testing.assert_allclose(got, [0, 0, 0.5, 0.75, 1.0, 1.5, 2.0, 2.0])
    assert c.threshold == 0.8 and c.cap == 1.5 and c.max_factor == 2.0


def test_curve_jump_takes_the_upper_value_and_two_step():
    # Two-step threshold: 30% from 75%, a jump to 60% at 85%.
    c = PayoutCurve([(0.75, 0.3), (0.85, 0.3), (0.85, 0.6), (1.0, 1.0)])
    np.testing.assert_allclose(
        c([0.74, 0.75, 0.84, 0.85, 0.925, 1.0]), [0, 0.3, 0.3, 0.6, 0.8, 1.0]
    )
    # Bump at quota: zero up to it, 100% at it.
    b = PayoutCurve([(1.0, 0.0), (1.0, 1.0)])
    np.testing.assert_allclose(b([0.99, 1.0, 1.01]), [0, 1, 1])


def test_curve_below_none_extends_flat_and_shape_is_kept():
    m = PayoutCurve([(0.8, 0.8), (0.9, 1.0), (0.97, 1.2)], below=None)
    np.testing.assert_allclose(m([0.5, 0.85, 1.0]), [0.8, 0.9, 1.2])
    x = np.full((2, 3, 4), 0.85)
    assert m(x).shape == (2, 3, 4)


def test_curve_rejects_decreasing_points():
    with pytest.raises(ValueError, match="attainment must increase"):
        PayoutCurve([(1.0, 1.0), (0.9, 1.2)])


points_st = st.lists(
    st.tuples(st.floats(0, 3, allow_nan=False), st.floats(0, 5, allow_nan=False)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(points_st, st.lists(st.floats(-1, 5, allow_nan=False), min_size=1, max_size=50))
def test_curve_monotone_where_points_are_and_never_above_cap(raw, xs):
    xs_pts = sorted(p[0] for p in raw)
    ys_pts = sorted(p[1] for p in raw)  # non-decreasing factors
    pts = list(zip(xs_pts, ys_pts, strict=True))
    # Drop triples of equal attainment (only one jump per point allowed).
    clean = [p for i, p in enumerate(pts) if not (i >= 2 and pts[i - 2][0] == p[0])]
    c = PayoutCurve(clean)
    x = np.sort(np.asarray(xs))
    y = c(x)
    assert np.all(np.diff(y) >= -1e-12)
    assert np.all(y <= max(q[1] for q in clean) + 1e-12)
    assert np.all(y >= 0)
    # Flat after the last point: the cap.
    assert c(clean[-1][0] + 1.0) == pytest.approx(clean[-1][1])


# ---------------------------------------------------------- commissions
def _comm(**kw) -> Commission:
    return Commission(name="c", kpi="revenue", **kw)


def test_marginal_and_retroactive_tiers_by_hand():
    tiers = [{"above": 0, "rate": 0.02}, {"above": 100, "rate": 0.03}, {"above": 200, "rate": 0.05}]
    v = np.array([50.0, 150.0, 250.0])
    one = np.ones(3)
    marg = commission_amount(_comm(tiers=tiers), v, one)
    # 50*2% = 1; 100*2% + 50*3% = 3.5; 100*2% + 100*3% + 50*5% = 7.5
    np.testing.assert_allclose(marg, [1.0, 3.5, 7.5])
    retro = commission_amount(_comm(tiers=tiers, mode="retroactive"), v, one)
    # 50*2%; 150*3%; 250*5%
    np.testing.assert_allclose(retro, [1.0, 4.5, 12.5])


def test_commission_threshold_and_cap_is_a_call_spread():
    c = _comm(rate=0.1, threshold=100, cap=300)
    v = np.array([50.0, 100.0, 200.0, 300.0, 1000.0])
    # 10% x [(v-100)+ - (v-300)+]
    expect = 0.1 * (np.maximum(v - 100, 0) - np.maximum(v - 300, 0))
    np.testing.assert_allclose(commission_amount(c, v, np.ones(5)), expect)


tier_st = st.lists(
    st.tuples(st.floats(1, 1e6, allow_nan=False), st.floats(0, 0.2, allow_nan=False)),
    min_size=1,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(tier_st, st.floats(0, 0.2))
def test_marginal_tiers_are_continuous_and_monotone(raw, r0):
    breaks = sorted({round(b, 3) for b, _ in raw})
    rates = [r for _, r in raw][: len(breaks)]
    tiers = [{"above": 0.0, "rate": r0}] + [
        {"above": b, "rate": r} for b, r in zip(breaks, rates, strict=False)
    ]
    c = _comm(tiers=tiers)
    eps = 1e-6
    at = np.array([t["above"] for t in tiers[1:]])
    lo = commission_amount(c, at - eps, np.ones_like(at))
    hi = commission_amount(c, at + eps, np.ones_like(at))
    # A jump at a break would show as a gap far above rate * 2 eps.
    assert np.all(np.abs(hi - lo) <= 0.2 * 2 * eps * 1.01 + 1e-9)
    grid = np.linspace(0, 2e6, 257)
    assert np.all(np.diff(commission_amount(c, grid, np.ones_like(grid))) >= -1e-9)


# ---------------------------------------------------------- spec errors
def _errors(d, **kw) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as ei:
        Plan.from_dict(d, **kw)
    return ei.value.errors


def test_decreasing_points_name_the_path():
    d = bonus_plan()
    d["components"] = [
        {"type": "commission", "name": "c", "kpi": "revenue", "rate": 0.01},
        {
            "type": "quota_bonus",
            "name": "b",
            "kpi": "revenue",
            "weight": 1.0,
            "curve": [[0.8, 0.5], [1.0, 1.0], [0.9, 1.2]],
        },
    ]
    errs = _errors(d)
    assert ("plan.components[1].curve[2]", "attainment must increase (0.9 after 1.0)") in errs


def test_weights_must_sum_to_one():
    d = bonus_plan()
    d["components"][0]["weight"] = 0.7
    errs = dict(_errors(d))
    assert "must sum to 1; they sum to 0.7" in errs["plan.components"]
    d = bonus_plan()
    d["components"][0] = {
        "type": "team",
        "name": "t",
        "kpi": "revenue",
        "level": "team",
        "weight": 1.0,
        "blend": {"team": 0.5, "individual": 0.6},
        "curve": [[0, 0], [1, 1]],
    }
    errs = dict(_errors(d))
    assert "sum to 1" in errs["plan.components[0].blend"]
    d = bonus_plan(target_incentive={"pay_mix": {"base": 0.6, "variable": 0.5}})
    assert "plan.target_incentive.pay_mix" in dict(_errors(d))


def test_gate_on_unknown_kpi():
    d = bonus_plan(kpis=["revenue", "hv_retention"])
    d["components"][0]["gate"] = {"kpi": "retention", "min": 0.9}
    errs = dict(_errors(d))
    assert "unknown KPI 'retention'" in errs["plan.components[0].gate.kpi"]
    # Also against a dataset's KPIs.
    d = bonus_plan()
    d["components"][0]["gate"] = {"kpi": "nps", "min": 0.9}
    assert "plan.components[0].gate.kpi" in dict(_errors(d, kpis=["revenue"]))


def test_cap_below_threshold():
    d = bonus_plan()
    d["components"] = [
        {
            "type": "commission",
            "name": "c",
            "kpi": "revenue",
            "rate": 0.05,
            "threshold": 500000,
            "cap": 400000,
        }
    ]
    errs = dict(_errors(d))
    assert errs["plan.components[0].cap"] == "cap (400000.0) must be above the threshold (500000.0)"


def test_unknown_keys_and_types_rejected():
    d = bonus_plan()
    d["components"][0]["wieght"] = 1.0
    errs = dict(_errors(d))
    assert "unknown key" in errs["plan.components[0].wieght"]
    d = bonus_plan()
    d["components"][0]["type"] = "lottery"
    errs = _errors(d)
    assert errs[0][0].startswith("plan.components[0]")


def test_from_yaml_names_the_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\ncomponents:\n  - {type: commission, name: c, kpi: revenue, rate: -1}\n")
    with pytest.raises(SpecError) as ei:
        Plan.from_yaml(p)
    assert str(ei.value).startswith("bad.yaml: plan.components[0].rate")


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_example_plans_load_describe_and_have_headers(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Title:") and "# Author:" in text and "# Why:" in text
    plan = Plan.from_yaml(path, kpis=["revenue", "new_customers", "hv_retention"])
    d = plan.describe()
    assert plan.name in d and "How you earn" in d
    assert len(plan.curve_table()) >= 1 or plan.spec.components[0].type == "commission"
    import matplotlib.pyplot as plt

    axes = np.ravel(plan.plot_curves())
    fig = axes[0].figure
    panels = sum(len(c.panels()) for c in plan.components)
    assert len(axes) == max(panels, 1) and fig.axes == list(axes)
    plt.close(fig)


def test_describe_warns_outside_practice():
    d = bonus_plan(kpis=["a", "b", "c", "d"])
    d["components"] = [
        {
            "type": "quota_bonus",
            "name": k,
            "kpi": k,
            "weight": 0.25,
            "curve": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.2]],
        }
        for k in ["a", "b", "c", "d"]
    ]
    w = Plan.from_dict(d).warnings()
    text = " ".join(w)
    assert "4 measures" in text and "three or fewer" in text
    assert "Leverage 1.2x" in text  # max factor 1.2 < 2x
    assert "threshold at 90%" in text
    assert "Caps" in text


# ------------------------------------------------------- tiny dataset
def _tiny_targets(ds) -> pd.DataFrame:
    s = ds.sales
    t = s.loc[s["kpi"] == "revenue"].rename(columns={"value": "target"}).copy()
    t["target"] = 150.0
    return t


def test_evaluate_on_tiny_tree_by_hand(tiny_ds):
    plan = Plan.from_dict(
        {
            "name": "tiny",
            "period": "quarter",
            "target_incentive": {"amount": 12000},
            "components": [
                {
                    "type": "quota_bonus",
                    "name": "rev",
                    "kpi": "revenue",
                    "weight": 0.6,
                    "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
                },
                {
                    "type": "team",
                    "name": "team",
                    "kpi": "revenue",
                    "level": "branch",
                    "weight": 0.4,
                    "blend": {"team": 0.5, "individual": 0.5},
                    "curve": [[0, 0], [2, 2]],
                },
                {
                    "type": "commission",
                    "name": "com",
                    "kpi": "revenue",
                    "rate": 0.1,
                    "period": "month",
                },
            ],
        },
        kpis=tiny_ds.kpi_names,
    )
    tg = _tiny_targets(tiny_ds)
    pay = plan.evaluate(tiny_ds.sales, tg, ds=tiny_ds)
    row = pay.set_index(["rep_id", "period", "component"])["payout"]
    mar = pd.Period("2026-03", "M")
    # r1: revenue 100+200+300 = 600 vs 450 -> 133.3% -> factor 1 + (1/3)*2 = 5/3;
    # quarter TI 3,000 x 0.6 = 1,800 x 5/3 = 3,000.
    assert row[("r1", mar, "rev")] == pytest.approx(3000.0)
    # Branch N1 = r1 600 + r2 1200 + r3 150 (left in Feb) vs targets 450+450+300:
    # 1950/1200 = 162.5%; blend with r1's 133.3%: 147.92% -> factor = attainment (linear 0..2)
    # -> 1,200 x 1.47917 = 1,775.
    assert row[("r1", mar, "team")] == pytest.approx(1200 * (0.5 * 1.625 + 0.5 * 600 / 450))
    # Commission: 10% of each month's revenue, paid monthly.
    assert row[("r2", pd.Period("2026-02", "M"), "com")] == pytest.approx(40.0)
    # r3 left on 20 Feb: Q1 TI = 12000/12 x (31/31 + 20/28 + 0) ; attainment 150/300 = 50% < 80% -> 0.
    assert row[("r3", mar, "rev")] == 0.0
    # r4 alone in team S1, which stands in for its branch: team attainment = own.
    # r4: 300+600+900 = 1800 / 450 = 4 -> flat at 2 -> 1,200 x 2 = 2,400.
    assert row[("r4", mar, "team")] == pytest.approx(2400.0)
    # r5 hired 10 Feb: TI prorated 19/28 for Feb; S1 team = r4 + r5.
    r5_ti = 1000 * (19 / 28 + 1)
    r5_att = (40 * 2 + 40 * 3) / 300  # 66.7% < 80%: nothing
    assert r5_att < 0.8 and row[("r5", mar, "rev")] == 0.0
    team_att = (1800 + 200) / (450 + 300)
    ind = r5_att
    expect = 0.4 * r5_ti * min(0.5 * team_att + 0.5 * ind, 2.0)
    assert row[("r5", mar, "team")] == pytest.approx(expect)
    tot = payout_totals(pay, ["rep_id"]).set_index("rep_id")["payout"]
    assert tot["r1"] == pytest.approx(3000 + 1775 + 60)


def test_explain_matches_evaluate_for_every_rep_and_month(tiny_ds):
    spec = load_yaml(ROOT / "scenarios" / "plans" / "am_proposed.yaml")
    spec.pop("positions")  # the tiny tree's positions differ from the sample's
    spec["components"][0]["gate"]["min"] = 0.85
    plan = Plan.from_dict(spec)
    s = tiny_ds.sales
    tg = _tiny_targets(tiny_ds)
    tg2 = s.loc[s["kpi"] == "hv_retention"].rename(columns={"value": "target"})
    tg = pd.concat([tg, tg2])
    pay = plan.evaluate(s, tg, ds=tiny_ds)
    totals = payout_totals(pay).set_index(["rep_id", "period"])["payout"]
    for (rep, per), total in totals.items():
        st_ = plan.explain(rep, per, s, tg, ds=tiny_ds)
        assert st_.total == pytest.approx(total, abs=1e-9)
        rows = pay[(pay["rep_id"] == rep) & (pay["period"] == per)].set_index("component")["payout"]
        for name, amt in st_.lines.items():
            assert amt == pytest.approx(rows[name], abs=1e-9)
    text = str(plan.explain("r1", "2026-03", s, tg, ds=tiny_ds))
    for word in ("attainment", "curve", "gate", "entitlement", "Total paid this month"):
        assert word in text
    # r1's retention 0.9 >= 0.85: the gate held.
    assert "held" in text


def test_evaluate_errors_name_the_input(tiny_ds):
    plan = Plan.from_dict(bonus_plan())
    with pytest.raises(PlanInputError, match=r"targets: missing column\(s\) \['target'\]"):
        plan.evaluate(tiny_ds.sales, tiny_ds.sales, ds=tiny_ds)
    with pytest.raises(PlanInputError, match="by_position"):
        Plan.from_dict(bonus_plan(target_incentive={"by_position": {"x": 1.0}})).target_incentive(
            tiny_ds.reps
        )


def test_target_incentive_and_ote(tiny_ds):
    plan = Plan.from_dict(bonus_plan(target_incentive={"pay_mix": {"base": 0.6, "variable": 0.4}}))
    ote = plan.on_target_earnings(tiny_ds.reps).set_index("rep_id")
    # 60/40 on 120,000 base: TI = 120,000 x 0.4/0.6 = 80,000, OTE 200,000, variable 40%.
    assert ote.loc["r1", "target_incentive"] == pytest.approx(80000)
    assert ote.loc["r1", "ote"] == pytest.approx(200000)
    assert ote.loc["r1", "variable_share"] == pytest.approx(0.4)


# ------------------------------------------------------ plan_cases
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_situation_case(path):
    case = load_yaml(path)
    plan = Plan.from_dict(case["plan"])
    periods = pd.PeriodIndex(case["periods"], freq="M")
    reps = pd.DataFrame(case["reps"])
    rep_ids = reps["rep_id"].tolist()
    kpis = sorted({k for v in case["input"].values() for k in v})
    acts = {
        k: np.array([case["input"][r].get(k, [np.nan] * len(periods)) for r in rep_ids])
        for k in kpis
    }
    tk = sorted({k for v in case["targets"].values() for k in v})
    tgs = {
        k: np.array([case["targets"][r].get(k, [np.nan] * len(periods)) for r in rep_ids])
        for k in tk
    }
    scores = None
    if "ratings" in case:
        scores = pd.DataFrame(
            {"rep_id": list(case["ratings"]), "rating": list(case["ratings"].values())}
        )
    pay = plan.evaluate(
        tidy(acts, rep_ids, periods),
        tidy(tgs, rep_ids, periods, "target"),
        reps,
        kpi_rules=pd.DataFrame(case["kpis"]),
        scores=scores,
    )
    got = pay.set_index(["rep_id", "component", "period"])["payout"]
    margin = case["absolute_error_margin"]
    for rep, comps in case["output"].items():
        for comp, values in comps.items():
            for per, v in zip(periods, values, strict=True):
                assert got[(rep, comp, per)] == pytest.approx(v, abs=margin), (rep, comp, str(per))


# ------------------------------------------------- core properties
def _prep(plan: Plan, n: int, periods=PERIODS, **kw):
    return plan.prepare(reps_frame(n), periods, **kw)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    st.sampled_from(["month", "quarter"]),
    st.booleans(),
)
def test_true_up_over_a_year_equals_annual_measurement(seed, period, plan_cap):
    rng = np.random.default_rng(seed)
    R = 6
    comps = [
        {
            "type": "quota_bonus",
            "name": "rev",
            "kpi": "revenue",
            "weight": 0.7,
            "curve": [[0.75, 0.3], [0.85, 0.3], [0.85, 0.6], [1.0, 1.0], [1.5, 2.2]],
            "modifier": {"kpi": "ret", "curve": [[0.8, 0.8], [0.95, 1.2]]},
        },
        {
            "type": "team",
            "name": "team",
            "kpi": "revenue",
            "level": "team",
            "weight": 0.3,
            "blend": {"team": 0.5, "individual": 0.5},
            "curve": [[0.8, 0.5], [1.2, 1.5]],
        },
        {
            "type": "commission",
            "name": "com",
            "kpi": "revenue",
            "tiers": [{"above": 0, "rate": 0.01}, {"above": 1000, "rate": 0.03}],
            "threshold": 200,
        },
        {
            "type": "spif",
            "name": "spif",
            "kpi": "new",
            "amount": 5.0,
            "start": "2026-02-15",
            "end": "2026-07-31",
        },
    ]
    base = {
        "name": "x",
        "target_incentive": {"amount": 2400},
        "components": comps,
        "kpis": ["revenue", "ret", "new"],
    }
    if plan_cap:
        base["max_payout_multiple"] = 1.1
    kpi_rules = pd.DataFrame(
        {"kpi": ["revenue", "ret", "new"], "aggregation": ["sum", "mean", "sum"]}
    )
    units = np.array(["a", "a", "b", "b", "b", "c"])
    from simlib.data.org import Hierarchy

    h = Hierarchy(
        pd.DataFrame(
            {
                "unit_id": ["root", "a", "b", "c"],
                "parent_id": [None, "root", "root", "root"],
                "level": ["company", "team", "team", "team"],
                "name": list("rabc"),
            }
        )
    )
    reps = reps_frame(R).assign(unit_id=units)
    actual = {
        "revenue": rng.gamma(2.0, 50.0, (R, 12)),
        "ret": rng.uniform(0.7, 1.0, (R, 12)),
        "new": rng.poisson(3, (R, 12)).astype(float),
    }
    target = {"revenue": np.full((R, 12), 100.0), "ret": np.full((R, 12), 0.9)}
    trued = Plan.from_dict({**base, "period": period, "true_up": True}).prepare(
        reps, PERIODS, hierarchy=h, kpi_rules=kpi_rules
    )
    annual = Plan.from_dict({**base, "period": "year"}).prepare(
        reps, PERIODS, hierarchy=h, kpi_rules=kpi_rules
    )
    # Components that default to the plan period: SPIF too (no override here).
    a = trued.payout(actual, target)
    b = annual.payout(actual, target)
    np.testing.assert_allclose(a.total.sum(axis=-1), b.total.sum(axis=-1), rtol=1e-9, atol=1e-7)
    for name in ("rev", "team", "com", "spif"):
        np.testing.assert_allclose(
            a.lines[name].sum(-1), b.lines[name].sum(-1), rtol=1e-9, atol=1e-7
        )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["month", "quarter", "year"]), st.booleans())
def test_payouts_never_negative_and_caps_never_exceeded(seed, period, true_up):
    rng = np.random.default_rng(seed)
    R = 8
    d = {
        "name": "x",
        "period": period,
        "true_up": true_up,
        "negative_true_up": "hold",
        "target_incentive": {"amount": 1200},
        "max_payout_multiple": 1.5,
        "components": [
            {
                "type": "quota_bonus",
                "name": "rev",
                "kpi": "revenue",
                "weight": 1.0,
                "curve": [[0.8, 0.5], [1.0, 1.0], [2.0, 3.0]],
                "max_payout": 2000,
                "gate": {"kpi": "ret", "min": 0.8, "basis": "value"},
            },
            {
                "type": "commission",
                "name": "com",
                "kpi": "revenue",
                "rate": 0.05,
                "mode": "retroactive",
                "cap": 1.2,
                "basis": "attainment",
            },
        ],
    }
    plan = Plan.from_dict(d)
    prep = plan.prepare(
        reps_frame(R), PERIODS, kpi_rules=pd.DataFrame({"kpi": ["ret"], "aggregation": ["mean"]})
    )
    actual = {
        "revenue": rng.gamma(1.5, 80.0, (3, R, 12)) * (rng.random((3, R, 12)) > 0.1),
        "ret": rng.uniform(0.6, 1.0, (3, R, 12)),
    }
    target = {"revenue": np.full((R, 12), 100.0)}
    out = prep.payout(actual, target, trace=True)
    assert np.all(out.total >= -1e-9)
    for name in ("rev", "com"):
        assert np.all(out.lines[name] >= -1e-9)
    # Plan cap: year-to-date pay <= 1.5 x year-to-date target incentive (100 a month).
    ytd = np.cumsum(out.total, axis=-1)
    assert np.all(ytd <= 1.5 * 100 * np.arange(1, 13) + 1e-6)
    # Component cap: an annual cap on year-to-date payments of the component,
    # checked on what was paid (not on the capped entitlement itself).
    assert np.all(np.cumsum(out.lines["rev"], axis=-1) <= 2000 + 1e-6)
    # ... and it binds only where the uncapped year-to-date entitlement passed 2,000:
    # without the cap the same plan pays at least as much, and more exactly where it bit.
    d["components"][0].pop("max_payout")
    free = Plan.from_dict(d).prepare(
        reps_frame(R), PERIODS, kpi_rules=pd.DataFrame({"kpi": ["ret"], "aggregation": ["mean"]})
    )
    uncapped = free.payout(actual, target).lines["rev"].sum(-1)
    capped = out.lines["rev"].sum(-1)
    np.testing.assert_allclose(capped, np.minimum(uncapped, 2000), atol=1e-6)


def test_leading_draws_axis_equals_one_draw_at_a_time():
    rng = np.random.default_rng(3)
    R = 7
    plan = Plan.from_yaml(ROOT / "scenarios" / "plans" / "telecom_account_manager.yaml")
    from simlib.data.org import Hierarchy

    h = Hierarchy(
        pd.DataFrame(
            {
                "unit_id": ["root", "b1", "b2"],
                "parent_id": [None, "root", "root"],
                "level": ["company", "branch", "branch"],
                "name": ["r", "1", "2"],
            }
        )
    )
    reps = reps_frame(R).assign(unit_id=["b1", "b2", "b1", "b2", "b2", "b1", "b2"])
    prep = plan.prepare(
        reps,
        PERIODS,
        hierarchy=h,
        kpi_rules=pd.DataFrame({"kpi": ["hv_retention"], "aggregation": ["mean"]}),
    )
    D = 4
    actual = {
        "revenue": rng.gamma(2, 5000, (D, R, 12)),
        "new_customers": rng.poisson(4, (D, R, 12)) * 1.0,
        "hv_retention": rng.uniform(0.8, 1.0, (D, R, 12)),
    }
    target = {"revenue": np.full((R, 12), 10000.0), "hv_retention": np.full((R, 12), 0.9)}
    allp = prep.payout(actual, target)
    for d in range(D):
        one = prep.payout({k: v[d] for k, v in actual.items()}, target)
        np.testing.assert_allclose(allp.total[d], one.total)
    # Team attainment from reduceat equals a plain groupby.
    tr = prep.payout({k: v[0] for k, v in actual.items()}, target, trace=True).trace["branch_bonus"]
    q_sum = actual["revenue"][0].reshape(R, 4, 3).sum(-1)
    df = pd.DataFrame(
        {
            "u": reps["unit_id"].repeat(4).to_numpy(),
            "a": q_sum.reshape(-1),
            "w": np.tile(np.arange(4), R),
        }
    )
    team_sum = df.groupby(["u", "w"])["a"].sum()
    heads = reps["unit_id"].value_counts()
    # Team attainment per unit and quarter; window target = 3 x 10,000 per rep.
    for i, u in enumerate(reps["unit_id"]):
        for w in range(4):
            expect = team_sum[(u, w)] / (30000 * heads[u])
            assert tr["team_attainment"][i, w] == pytest.approx(expect)


def test_gate_and_modifier():
    plan = Plan.from_dict(
        bonus_plan(
            period="year",
            components=[
                {
                    "type": "quota_bonus",
                    "name": "rev",
                    "kpi": "revenue",
                    "weight": 1.0,
                    "curve": [[0, 0], [1, 1], [2, 2]],
                    "gate": {"kpi": "ret", "min": 0.85, "basis": "value"},
                    "modifier": {
                        "kpi": "nps",
                        "basis": "attainment",
                        "curve": [[0.5, 0.8], [1.5, 1.2]],
                    },
                }
            ],
        )
    )
    prep = _prep(plan, 2, kpi_rules=pd.DataFrame({"kpi": ["ret"], "aggregation": ["mean"]}))
    actual = {
        "revenue": np.full((2, 12), 100.0),
        "ret": np.array([[0.9] * 12, [0.8] * 12]),
        "nps": np.full((2, 12), 12.0),
    }
    target = {"revenue": np.full((2, 12), 100.0), "nps": np.full((2, 12), 10.0)}
    out = prep.payout(actual, target)
    # Rep 0: attainment 1 -> factor 1 x TI 12,000; nps attainment 1.2 -> 0.8 + 0.7 x 0.4 = 1.08.
    assert out.lines["rev"][0, -1] == pytest.approx(12000 * 1.08)
    # Rep 1: retention 0.8 < 0.85: the gate fails.
    assert out.lines["rev"][1].sum() == 0.0


def test_clawback_reverses_a_share_once_within_the_window():
    d = {
        "name": "x",
        "period": "month",
        "components": [
            {
                "type": "spif",
                "name": "spif",
                "kpi": "new",
                "amount": 100,
                "start": "2026-01-01",
                "end": "2026-12-31",
                "clawback": {"kpi": "ret", "min": 0.8, "within_months": 2, "share": 0.5},
            }
        ],
    }
    prep = _prep(Plan.from_dict(d), 1, periods=PERIODS[:6])
    new = np.array([[1.0, 0, 0, 2.0, 0, 0]])
    ret = np.array([[0.9, 0.9, 0.7, 0.9, 0.9, 0.7]])
    out = prep.payout({"new": new, "ret": ret}, {})
    # Jan pays 100; retention falls short in Mar (within 2 months): -50 in Mar.
    # Apr pays 200; the next shortfall is Jun (2 months later): -100 in Jun.
    np.testing.assert_allclose(out.lines["spif"][0], [100, 0, 0, 200, 0, 0])
    np.testing.assert_allclose(out.lines["clawback:spif"][0], [0, 0, -50, 0, 0, -100])
    np.testing.assert_allclose(out.total[0], [100, 0, -50, 200, 0, -100])
    d["components"][0]["clawback"]["within_months"] = 1
    out = _prep(Plan.from_dict(d), 1, periods=PERIODS[:6]).payout({"new": new, "ret": ret}, {})
    # Within one month: neither shortfall follows a payment by one month.
    assert out.lines["clawback:spif"].sum() == 0.0


@pytest.mark.parametrize(
    ("recoverable", "expected"),
    [(True, [1000, 1000, 1500, 3000]), (False, [1000, 1000, 3000, 3000])],
)
def test_draw(recoverable, expected):
    d = {
        "name": "x",
        "period": "month",
        "draw": {"amount": 1000, "recoverable": recoverable},
        "components": [{"type": "commission", "name": "c", "kpi": "revenue", "rate": 1.0}],
    }
    prep = _prep(Plan.from_dict(d), 1, periods=PERIODS[:4])
    out = prep.payout({"revenue": np.array([[0.0, 500.0, 3000.0, 3000.0]])}, {})
    # Recoverable: Jan top-up 1,000, Feb 500 -> balance 1,500, recovered from Mar's 3,000.
    np.testing.assert_allclose(out.total[0], expected)


def test_proration_for_hire_exit_and_leave():
    plan = Plan.from_dict(
        bonus_plan(
            period="month",
            components=[
                {
                    "type": "quota_bonus",
                    "name": "rev",
                    "kpi": "revenue",
                    "weight": 1.0,
                    "curve": [[0, 0], [1, 1]],
                }
            ],
        )
    )
    reps = reps_frame(3).assign(
        hire_date=pd.to_datetime(["2026-01-11", "2020-01-01", "2020-01-01"]),
        exit_date=pd.to_datetime([None, "2026-02-14", None]),
    )
    leave = pd.DataFrame({"rep_id": ["r2"], "start": ["2026-03-01"], "end": ["2026-03-31"]})
    prep = plan.prepare(reps, PERIODS[:3], leave=leave)
    np.testing.assert_allclose(prep.prorate[0], [21 / 31, 1, 1])
    np.testing.assert_allclose(prep.prorate[1], [1, 14 / 28, 0])
    np.testing.assert_allclose(prep.prorate[2], [1, 1, 0])  # a month of leave
    out = prep.payout({"revenue": np.full((3, 3), 100.0)}, {"revenue": np.full((3, 3), 100.0)})
    np.testing.assert_allclose(out.total[0], 1000 * np.array([21 / 31, 1, 1]))


def test_scorecard_multiplier_and_missing_score():
    d = bonus_plan(period="year")
    d["components"].append(
        {"type": "scorecard", "name": "sc", "applies_to": ["rev"], "curve": [[1, 0.5], [5, 1.5]]}
    )
    prep = _prep(Plan.from_dict(d), 2)
    actual = {"revenue": np.full((2, 12), 100.0)}
    target = {"revenue": np.full((2, 12), 100.0)}
    out = prep.payout(actual, target, score=np.array([[3.0], [5.0]]))
    # Score 3 -> coefficient 1.0; score 5 -> 1.5.
    np.testing.assert_allclose(out.total[:, -1], [12000, 18000])
    with pytest.raises(ValueError, match="pass score="):
        prep.payout(actual, target)


# --------------------------------------- statements on a synthetic force
@pytest.fixture(scope="module")
def small_force():
    from simlib.data.synthetic import generate

    return generate(n_reps=60, months=12, seed=5)


@pytest.mark.parametrize(
    "name", ["telecom_account_manager.yaml", "store_sales_commission.yaml", "am_proposed.yaml"]
)
def test_statements_equal_evaluated_pay_on_every_line(small_force, name):
    ds = small_force
    plan = Plan.from_yaml(ROOT / "scenarios" / "plans" / name, kpis=ds.kpi_names)
    tg = ds.targets.loc[ds.targets["rep_id"].notna()]
    pay = plan.evaluate(ds.sales, tg, ds=ds)
    assert set(pay["rep_id"]) <= set(
        ds.reps.loc[ds.reps["position"].isin(plan.spec.positions), "rep_id"]
    )
    lines = pay.set_index(["rep_id", "period", "component"])["payout"]
    totals = payout_totals(pay).set_index(["rep_id", "period"])["payout"]
    reps = sorted(pay["rep_id"].unique())[:4]
    # Consistency of the tidy frame and the statement (the same run); the statement's
    # words and numbers are recomputed by hand in test_plans_edge_cases.py.
    run = plan.run(ds.sales, tg, ds=ds)
    for rep in reps:
        for per in pay["period"].unique()[[0, 2, 4, 11]]:
            st_ = plan.explain(rep, per, run=run)
            assert st_.total == pytest.approx(totals[(rep, per)], abs=1e-9)
            for line, amt in st_.lines.items():
                assert amt == pytest.approx(lines[(rep, per, line)], abs=1e-9)
            # The statement's payment rows repeat the same amounts in words and numbers.
            paid = st_.steps.dropna(subset=["amount"])
            assert paid["amount"].sum() == pytest.approx(st_.total, abs=1e-6)


def test_curve_table_lists_points_and_slopes():
    plan = Plan.from_yaml(ROOT / "scenarios" / "plans" / "am_proposed.yaml")
    t = plan.curve_table()
    rb = t[(t["component"] == "revenue_bonus") & (t["curve"] == "payout")]
    assert rb["attainment"].tolist() == [0.75, 0.85, 0.85, 1.0, 1.6]
    # Slopes: flat 0.75->0.85, a jump (NaN), 0.6->1.0 over 15 points, 1.0->2.5 over 60 points.
    np.testing.assert_allclose(
        rb["slope_after"].to_numpy(), [0.0, np.nan, 0.4 / 0.15, 1.5 / 0.6, np.nan], equal_nan=True
    )


def test_bad_tidy_inputs_get_one_clear_error(tiny_ds):
    plan = Plan.from_dict(bonus_plan())
    tg = _tiny_targets(tiny_ds)
    act = tiny_ds.sales.copy()
    act["value"] = act["value"].astype(object)
    act.loc[3, "value"] = "12k"
    with pytest.raises(PlanInputError, match=r"actuals, row 4, column 'value': found '12k'"):
        plan.evaluate(act, tg, ds=tiny_ds)
    dup = pd.concat([tiny_ds.sales, tiny_ds.sales.iloc[[0]]], ignore_index=True)
    with pytest.raises(PlanInputError, match="a second row for rep 'r1'"):
        plan.evaluate(dup, tg, ds=tiny_ds)
    with pytest.raises(PlanInputError, match="no rows for KPI 'revenue'"):
        plan.evaluate(tiny_ds.sales[tiny_ds.sales["kpi"] != "revenue"], tg, ds=tiny_ds)
    with pytest.raises(PlanInputError, match="targets: no rows for KPI 'revenue'"):
        plan.evaluate(tiny_ds.sales, tg.assign(kpi="hv_retention"), ds=tiny_ds)


@pytest.mark.parametrize(
    ("mode", "expected"), [("recover", [450, -450, 1200, 0]), ("hold", [450, 0, 750, 0])]
)
def test_negative_true_up_recovered_or_held(mode, expected):
    """Quarterly, year to date; curve 0 below quota, then 1:1 (factor = attainment).

    TI 1,200 a year = 300 a quarter. Target 100 a month.
    Q1: 150 a month -> YTD 450/300 = 1.5 -> entitlement 300 x 1.5 = 450; pay 450.
    Q2: 0 -> YTD 450/600 = 0.75 < 1 -> entitlement 0; recover: pay -450; hold: pay 0.
    Q3: 250 a month -> YTD 1,200/900 = 4/3 -> entitlement 900 x 4/3 = 1,200;
        recover: 1,200 - 0 paid = 1,200; hold: 1,200 - 450 paid = 750.
    Q4: 0 -> YTD 1,200/1,200 = 1 -> entitlement 1,200; nothing more either way.
    Both pay 1,200 over the year, the annual entitlement.
    """
    plan = Plan.from_dict(
        bonus_plan(
            true_up=True,
            negative_true_up=mode,
            target_incentive={"amount": 1200},
            components=[
                {
                    "type": "quota_bonus",
                    "name": "rev",
                    "kpi": "revenue",
                    "weight": 1.0,
                    "curve": [[1.0, 1.0], [2.0, 2.0]],
                }
            ],
        )
    )
    prep = _prep(plan, 1)
    monthly = np.array([[150.0] * 3 + [0.0] * 3 + [250.0] * 3 + [0.0] * 3])
    out = prep.payout({"revenue": monthly}, {"revenue": np.full((1, 12), 100.0)})
    np.testing.assert_allclose(out.total[0, 2::3], expected)
    assert out.total.sum() == pytest.approx(1200.0)


def test_ote_summary_by_position(tiny_ds):
    from simlib.plans import ote_summary

    plan = Plan.from_dict(
        bonus_plan(target_incentive={"pay_mix": {"base": 0.75, "variable": 0.25}})
    )
    t = ote_summary(plan, tiny_ds.reps, min_group=2)
    # account_manager bases 120k, 100k, 90k: median 100k -> TI 100k x 0.25/0.75 = 33,333; OTE 133,333.
    assert t.loc["account_manager", "reps"] == 3
    assert t.loc["account_manager", "target_incentive"] == pytest.approx(100000 / 3)
    assert t.loc["account_manager", "ote"] == pytest.approx(100000 * 4 / 3)
    assert t.loc["account_manager", "variable_share"] == pytest.approx(0.25)
    assert ote_summary(plan, tiny_ds.reps, min_group=3).index.tolist() == ["account_manager"]

"""What-if: each control changes exactly its setting, and the figures shown are what
Plan.evaluate pays for the plan the controls describe."""

from __future__ import annotations

import copy
import html
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib.plans import Plan
from simlib.workbench.whatif import WhatIf, WhatIfError
from simlib.workbench.whatif.app import WhatIfApp, table_values

ROOT = Path(__file__).resolve().parents[1]
PROPOSED = ROOT / "scenarios" / "plans" / "am_proposed.yaml"


@pytest.fixture(scope="module")
def ds():
    return sl.data.synthetic.generate(n_reps=120, months=24, seed=8)


@pytest.fixture(scope="module")
def app(ds):
    return WhatIfApp(WhatIf(ds, PROPOSED), scenario_dir=ROOT / "reports" / "unused")


def _year_frames(ds):
    tg = ds.targets
    year = int(pd.PeriodIndex(tg["period"]).year.max())
    tg = tg.loc[pd.PeriodIndex(tg["period"]).year == year]
    sales = ds.sales.loc[ds.sales["period"].dt.year == year]
    return year, sales, tg


def paid_by_plan(ds, spec, targets=None) -> tuple[pd.Series, pd.Series]:
    """Pay per rep in the last year under ``spec`` through Plan.evaluate, and each paid
    rep's annual revenue attainment from the tidy tables (not through the what-if).
    ``targets``: the year's targets to pay against (default: the dataset's)."""
    _, sales, tg = _year_frames(ds)
    tg = tg if targets is None else targets
    plan = Plan.from_dict(spec, kpis=ds.kpi_names)
    pay = plan.evaluate(sales, tg, ds.reps, ds=ds, totals=False)
    per_rep = pay.groupby("rep_id")["payout"].sum()
    covered = ds.reps.loc[ds.reps["position"].isin(spec["positions"]), "rep_id"]
    per_rep = per_rep.reindex(covered).dropna()
    a = sales.loc[sales["kpi"] == "revenue"].groupby("rep_id")["value"].sum()
    q = tg.loc[tg["kpi"] == "revenue"].groupby("rep_id")["target"].sum()
    att = (a.reindex(per_rep.index) / q.reindex(per_rep.index)).where(q.reindex(per_rep.index) > 0)
    return per_rep, att


def target_incentive_year(ds, spec, year: int, rep_ids) -> pd.Series:
    """The year's target incentive per rep, written out.

    Annual amount from the pay mix: variable / base x base salary. Prorated by days:
    in each month of the year, the days from the later of the month's first day and
    the hire date to the earlier of its last day and the exit date (both counted),
    over the month's days; the year's amount is the annual amount times the mean of
    the twelve monthly shares (a rep employed the whole year keeps all of it).
    """
    mix = spec["target_incentive"]["pay_mix"]
    reps = ds.reps.set_index("rep_id").loc[list(rep_ids)]
    annual = reps["base_salary"].astype(float) * mix["variable"] / mix["base"]
    months = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    first = months.start_time.normalize().to_numpy()[None, :]  # reps x months below
    last = months.end_time.normalize().to_numpy()[None, :]
    hire = reps["hire_date"].to_numpy("datetime64[ns]")[:, None]
    leave = reps["exit_date"].to_numpy("datetime64[ns]")[:, None]
    lo = np.where(np.isnat(hire), first, np.maximum(first, hire))
    hi = np.where(np.isnat(leave), last, np.minimum(last, leave))
    days = (hi - lo) / np.timedelta64(1, "D") + 1
    months_share = np.maximum(days, 0) / months.days_in_month.to_numpy()[None, :]
    return annual * months_share.mean(axis=1)


def spearman_of(x, y) -> float:
    """Spearman's rho written out: Pearson correlation of average ranks (ties share
    the mean of their ranks; values equal to ten decimals are ties, so two reps paid
    the same multiple tie whatever rounding noise the two computations leave)."""
    rx = pd.Series(np.round(np.asarray(x, dtype=float), 10)).rank(method="average").to_numpy()
    ry = pd.Series(np.round(np.asarray(y, dtype=float), 10)).rank(method="average").to_numpy()
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float((rx * ry).sum() / np.sqrt((rx**2).sum() * (ry**2).sum()))


def expected_figures(ds, spec, targets=None) -> dict[str, float]:
    """The what-if's figures from Plan.evaluate and the tidy tables.

    Pay-performance as every page defines it: Spearman rank correlation of pay as a
    multiple of the year's target incentive (:func:`target_incentive_year`) with
    revenue attainment, over the reps with a target incentive and an attainment.
    """
    pay, att = paid_by_plan(ds, spec, targets)
    main = spec["components"][0]["curve"]
    thr, cap = main[0][0], main[-1][0]
    has = att.notna()
    year = int(pd.PeriodIndex(ds.targets["period"]).year.max())
    ti = target_incentive_year(ds, spec, year, pay.index)
    both = has & (ti > 0)
    return {
        "total_payout": float(pay.sum()),
        "share_at_threshold": float((att[has] >= thr).mean()),
        "share_at_quota": float((att[has] >= 1.0).mean()),
        "share_at_cap": float((att[has] >= cap).mean()) if cap < 10 else np.nan,
        "pay_performance_spearman": spearman_of(att[both], (pay / ti)[both]),
    }


def expected_spec(base: dict, start: dict, v: dict) -> dict:
    """The am_proposed plan with the moved settings, written out by hand.

    revenue_bonus curve: [[0.75, .3], [.85, .3], [.85, .6], [1, 1], [1.6, 2.5]] (cap
    point 4); branch_bonus: [[.8, .5], [1, 1], [1.5, 2]] (cap point 2). A setting at
    its start changes nothing.
    """
    s = copy.deepcopy(base)

    def moved(k):
        a, b = v[k], start[k]
        return bool(a) != bool(b) if isinstance(b, bool) else abs(a - b) > 1e-9

    for i, (name, end) in enumerate((("revenue_bonus", 4), ("branch_bonus", 2))):
        c = s["components"][i]
        curve = c["curve"]
        for j in range(end):
            if moved(f"{name}.point{j}"):
                curve[j][1] = v[f"{name}.point{j}"]
        if moved(f"{name}.threshold"):
            curve[0][0] = v[f"{name}.threshold"]
        if moved(f"{name}.accelerator"):
            curve[end][1] = curve[end - 1][1] + v[f"{name}.accelerator"] * (
                curve[end][0] - curve[end - 1][0]
            )
        if moved(f"{name}.cap") or moved(f"{name}.no_cap"):
            x = 10.0 if v[f"{name}.no_cap"] else v[f"{name}.cap"]
            (x0, y0), (x1, y1) = curve[end - 1], curve[end]
            curve[end] = [x, y0 + (y1 - y0) / (x1 - x0) * (x - x0)]
    gate_on = v["revenue_bonus.gate"]
    if moved("revenue_bonus.gate") and not gate_on:
        del s["components"][0]["gate"]
    elif moved("revenue_bonus.gate_min"):
        s["components"][0]["gate"]["min"] = v["revenue_bonus.gate_min"]
    if moved("plan.variable_share"):
        s["target_incentive"]["pay_mix"] = {
            "base": 1 - v["plan.variable_share"],
            "variable": v["plan.variable_share"],
        }
    if moved("plan.team_share"):
        share = v["plan.team_share"]
        if share == 0:
            s["components"] = [s["components"][0]]
            s["components"][0]["weight"] = 1.0
        else:
            s["components"][0]["weight"] = 1 - share
            s["components"][1]["weight"] = share
    return s


def _slider_values(c, n: int = 12):
    if c.kind == "switch":
        return st.booleans()
    grid = np.round(np.arange(c.low, c.high + 1e-9, c.step), 10)
    return st.sampled_from(sorted({*grid.tolist(), float(c.start)}))


KEYS = [
    "revenue_bonus.threshold", "revenue_bonus.point0", "revenue_bonus.point1",
    "revenue_bonus.point2", "revenue_bonus.point3", "revenue_bonus.accelerator",
    "revenue_bonus.cap", "revenue_bonus.no_cap", "revenue_bonus.gate", "revenue_bonus.gate_min",
    "branch_bonus.threshold", "branch_bonus.point1", "branch_bonus.accelerator",
    "branch_bonus.cap", "plan.variable_share", "plan.team_share",
]  # fmt: skip


@st.composite
def moves(draw, controls):
    out = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 9)) == 0:
            out.append(("reset", None))
            continue
        key = draw(st.sampled_from(KEYS))
        out.append((key, draw(_slider_values(controls[key]))))
    return out


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_shown_figures_equal_plan_evaluate_after_every_move(app, ds, data):
    wi = app.wi
    app.reset()
    assert app.spec() == wi.base_spec
    seq = data.draw(moves(wi.controls))
    for key, value in seq:
        if key == "reset":
            app.reset()
            assert app.spec() == wi.base_spec  # the starting plan exactly
            assert app.values == wi.start
        else:
            app.set(key, value)
        want_spec = expected_spec(wi.base_spec, wi.start, app.values)
        assert _same_spec(app.spec(), want_spec), (seq, app.spec(), want_spec)
        want = expected_figures(ds, want_spec)
        shown = table_values(app)
        for k, v in want.items():
            if np.isnan(v):
                assert np.isnan(shown[k]), k
            else:
                assert shown[k] == pytest.approx(v, rel=1e-9, abs=1e-6), (k, seq)
    app.reset()
    assert app.spec() == wi.base_spec
    assert table_values(app)["total_payout"] == pytest.approx(
        expected_figures(ds, wi.base_spec)["total_payout"], rel=1e-12
    )


def _same_spec(a, b) -> bool:
    """Equal plans, numbers compared to 1e-12 (1 - 0.3 written two ways)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_spec(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same_spec(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(a - b) <= 1e-12
    return a == b


def test_cap_160_to_150_shows_the_effect_of_that_change_alone(sample_ds):
    ds = sample_ds
    app = WhatIfApp(WhatIf(ds, PROPOSED), scenario_dir=ROOT / "reports" / "unused")
    start_total = float(table_values(app)["total_payout"])
    app.set("revenue_bonus.cap", 1.5)
    spec = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))
    before, _ = paid_by_plan(ds, spec)
    # The same 2.5x slope from quota stops at 150%: 1.0 + 2.5 x 0.5 = 2.25; the step at
    # 85% and everything else stay.
    spec["components"][0]["curve"][-1] = [1.5, 2.25]
    after, _ = paid_by_plan(ds, spec)
    effect = after.sum() - before.sum()
    assert start_total == pytest.approx(before.sum(), rel=1e-12)
    assert float(table_values(app)["total_payout"]) == pytest.approx(after.sum(), rel=1e-12)
    change = float(app.totals.value.split('data-col="change" data-value="')[1].split('"')[0])
    assert change == pytest.approx(effect, rel=1e-9)
    assert round(effect) == -321331  # the true effect the sample's replay gives
    assert app.spec()["components"][0]["curve"] == [
        [0.75, 0.3], [0.85, 0.3], [0.85, 0.6], [1.0, 1.0], [1.5, 2.25]
    ]  # fmt: skip
    line = html.unescape(app.lines.value)
    assert "Revenue bonus cap 160% of quota -> 150% of quota: top earners lose most" in line
    assert f"cost {effect:+,.0f} CNY" in line


def test_returning_each_control_to_its_start_gives_the_starting_plan(ds):
    wi = WhatIf(ds, PROPOSED)
    v = dict(wi.start)
    for key, c in wi.controls.items():
        v[key] = (not c.start) if c.kind == "switch" else c.low
    assert wi.spec(v) != wi.base_spec
    assert wi.spec({**v, **wi.start}) == wi.base_spec
    # Slider float noise at the start (2.5 vs 2.4999999999999996) changes nothing.
    noisy = {
        k: (c.start if c.kind == "switch" else c.start + 1e-12) for k, c in wi.controls.items()
    }
    assert wi.spec(noisy) == wi.base_spec


def test_weights_split_what_the_team_share_leaves(ds):
    spec = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))
    spec["components"][0]["weight"] = 0.5
    spec["components"].insert(1, {"type": "quota_bonus", "name": "new_bonus",
                                  "kpi": "new_customers", "weight": 0.3,
                                  "curve": [[0.5, 0.5], [1.0, 1.0], [2.0, 2.0]]})  # fmt: skip
    wi = WhatIf(ds, spec)
    assert {"revenue_bonus.weight", "new_bonus.weight", "plan.team_share"} <= set(wi.controls)
    got = wi.spec({"revenue_bonus.weight": 0.2, "new_bonus.weight": 0.6})
    w = {c["name"]: c["weight"] for c in got["components"]}
    # 80% left after the 20% team share, split 1:3.
    assert w == pytest.approx({"revenue_bonus": 0.2, "new_bonus": 0.6, "branch_bonus": 0.2})
    got = wi.spec({"plan.team_share": 0.4})
    w = {c["name"]: c["weight"] for c in got["components"]}
    assert w == pytest.approx({"revenue_bonus": 0.6 * 5 / 8, "new_bonus": 0.6 * 3 / 8,
                               "branch_bonus": 0.4})  # fmt: skip
    # Curves and gate untouched by weight moves.
    assert got["components"][0]["curve"] == wi.base_spec["components"][0]["curve"]
    assert got["components"][0]["gate"] == wi.base_spec["components"][0]["gate"]


def test_pay_mix_changes_target_incentive_and_cost_in_proportion(ds):
    wi = WhatIf(ds, PROPOSED)
    start = wi.evaluate()
    now = wi.evaluate({"plan.variable_share": 0.4})
    # Target incentive = salary x v / (1 - v): 0.3/0.7 -> 0.4/0.6, every payment scales by
    # (0.4/0.6) / (0.3/0.7) = 14/9 (the plan has no amount caps).
    assert now.total_payout == pytest.approx(start.total_payout * 14 / 9, rel=1e-9)
    assert now.metrics["budget_ratio"] == pytest.approx(start.metrics["budget_ratio"] * 14 / 9)
    assert now.metrics["leverage_p90"] == pytest.approx(start.metrics["leverage_p90"], rel=1e-9)


def test_gate_off_pays_at_least_as_much(ds):
    wi = WhatIf(ds, PROPOSED)
    spec = wi.spec({"revenue_bonus.gate": False})
    assert "gate" not in spec["components"][0]
    assert spec["components"][1] == wi.base_spec["components"][1]
    assert wi.evaluate({"revenue_bonus.gate": False}).total_payout >= wi.evaluate().total_payout


def test_invalid_settings_say_why(ds):
    wi = WhatIf(ds, PROPOSED)
    with pytest.raises(WhatIfError, match="no control"):
        wi.spec({"nope": 1})
    with pytest.raises(WhatIfError, match="cap"):
        wi.spec({"revenue_bonus.cap": 0.9})
    with pytest.raises(WhatIfError, match="team share"):
        wi.spec({"plan.team_share": 1.0})
    # Past the step at 85%: attainment must increase along the curve.
    with pytest.raises(WhatIfError, match=r"not a valid plan.*curve\[1\].*must increase"):
        wi.evaluate({"revenue_bonus.threshold": 0.9})
    # The slider cannot get there: its range stops below the next point.
    assert wi.controls["revenue_bonus.threshold"].high == pytest.approx(0.84)


def test_groups_suppress_small_regions_and_show_no_individual(ds):
    wi = WhatIf(ds, PROPOSED, min_group=40)
    start, now = wi.evaluate(), wi.evaluate({"revenue_bonus.cap": 1.3})
    g = wi.groups(start, now, "region")
    assert (g["reps"] >= 40).all()
    counts = pd.Series(wi.region).value_counts()
    assert sorted(g.attrs["suppressed"]) == sorted(counts[counts < 40].index)
    wi5 = WhatIf(ds, PROPOSED)  # 52 reps paid: quartiles of 13 shown at the default of 5
    q = wi5.groups(wi5.evaluate(), wi5.evaluate({"revenue_bonus.cap": 1.3}), "quartile")
    assert q["reps"].sum() == int(wi.paid.sum())
    # Mean pay per quartile times its size adds up to the total.
    assert (q["as set"] * q["reps"]).sum() == pytest.approx(now.total_payout)


def test_team_share_on_a_plan_without_a_team_adds_one(ds):
    current = ROOT / "scenarios" / "plans" / "am_current.yaml"
    wi = WhatIf(ds, current)
    spec = wi.spec({"plan.team_share": 0.3})
    team = spec["components"][-1]
    assert team["type"] == "team" and team["level"] == wi.team_level
    assert team["weight"] == pytest.approx(0.3) and spec["components"][0]["weight"] == 0.7
    want = expected_figures_current(ds, spec)
    assert wi.evaluate({"plan.team_share": 0.3}).total_payout == pytest.approx(want, rel=1e-12)


def expected_figures_current(ds, spec) -> float:
    pay, _ = paid_by_plan(ds, spec)
    return float(pay.sum())


@pytest.mark.parametrize(
    "plan", sorted((ROOT / "scenarios" / "plans").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_slider_starts_at_the_plans_value_on_its_grid(ds, plan):
    try:
        wi = WhatIf(ds, plan)
    except WhatIfError as exc:  # a plan without a payout curve (commission only)
        assert "quota-bonus or team component" in str(exc)
        return
    for key, c in wi.controls.items():
        if c.kind == "switch":
            continue
        assert c.low <= c.start <= c.high, key
        steps = (c.start - c.low) / c.step
        assert abs(steps - round(steps)) < 1e-6, key  # the start is a slider position
        # Each end of the range makes a valid plan (the ranges are the plan's own).
        for end in (c.low, c.high):
            if key.endswith(".cap") or key.endswith(".threshold"):
                wi.plan_of({key: end})


def test_a_plan_with_a_scorecard_is_refused_with_the_reason(ds):
    spec = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))
    spec["components"].append(
        {"type": "scorecard", "name": "appraisal", "applies_to": ["revenue_bonus"],
         "ratings": {"A": 1.2, "B": 1.0}}
    )  # fmt: skip
    with pytest.raises(NotImplementedError, match="scorecard component.*appraisal scores"):
        WhatIf(ds, spec)


def test_target_incentive_is_the_pay_mix_prorated_by_days_employed(ds):
    wi = WhatIf(ds, PROPOSED)
    start = wi.evaluate()
    paid_ids = wi.reps.loc[wi.paid, "rep_id"]
    want = target_incentive_year(ds, wi.base_spec, wi.year, paid_ids)
    np.testing.assert_allclose(start.target_incentive, want.to_numpy(), rtol=1e-12)
    # Prorated reps are among them (hired or leaving in the year), and a rep employed
    # the whole year keeps Plan.target_incentive's annual amount: 30/70 of the salary.
    reps = ds.reps.set_index("rep_id").loc[paid_ids]
    y0, y1 = pd.Timestamp(f"{wi.year}-01-01"), pd.Timestamp(f"{wi.year}-12-31")
    whole = ((reps["hire_date"].isna()) | (reps["hire_date"] <= y0)) & (
        reps["exit_date"].isna() | (reps["exit_date"] >= y1)
    )
    assert 0 < (~whole).sum() < len(reps)
    annual = Plan.from_dict(wi.base_spec).target_incentive(reps.reset_index())
    np.testing.assert_allclose(
        start.target_incentive[whole.to_numpy()],
        annual.to_numpy()[whole.to_numpy()],
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        annual.to_numpy(), reps["base_salary"].to_numpy() * 0.3 / 0.7, rtol=1e-12
    )
    assert (start.target_incentive[~whole.to_numpy()] < annual.to_numpy()[~whole.to_numpy()]).all()


#: Months of the last year (2026) taken out of the sales of three reps the plan pays,
#: every KPI: a half-year gap, the last month, the first two.
GAPS = {0: (4, 5, 6, 7, 8, 9), 1: (12,), 2: (1, 2)}


def gapped(ds):
    """The dataset with GAPS cut out of the sales of three reps the plan covers who are
    employed the whole year, and the year's targets without those months (the
    missing-month rule written out: a month with no data is left out of both sides)."""
    import dataclasses

    year, _, tg = _year_frames(ds)
    r = ds.reps
    whole = (r["hire_date"].isna() | (r["hire_date"] < f"{year}-01-01")) & r["exit_date"].isna()
    covered = r["position"].isin(["key_account_manager", "channel_manager"])
    ids = r.loc[whole & covered, "rep_id"].iloc[: len(GAPS)].tolist()
    cut = {(ids[i], pd.Period(f"{year}-{m:02d}", "M")) for i, ms in GAPS.items() for m in ms}

    def without(frame):
        key = list(zip(frame["rep_id"].astype(str), frame["period"], strict=True))
        return frame.loc[[k not in cut for k in key]].reset_index(drop=True)

    sales = without(ds.sales)
    return dataclasses.replace(ds, sales=sales), without(tg), ids


def test_missing_months_are_left_out_not_read_as_zero(ds):
    gds, kept, ids = gapped(ds)
    wi = WhatIf(gds, PROPOSED)
    for values in (None, {"revenue_bonus.cap": 1.5}):
        got = wi.evaluate(values).metrics
        want = expected_figures(gds, wi.spec(values), targets=kept)
        for k, v in want.items():
            if np.isnan(v):
                assert np.isnan(got[k]), k
            else:
                assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-9), k
    # The half-year gap: attainment on the six months the rep has (sum of actuals over
    # sum of targets of those months), above what reading them as zero would give.
    rep = ids[0]
    _, sales, _ = _year_frames(gds)
    a = sales.loc[(sales["rep_id"] == rep) & (sales["kpi"] == "revenue"), "value"].sum()
    q = kept.loc[(kept["rep_id"] == rep) & (kept["kpi"] == "revenue"), "target"].sum()
    q_all = ds.targets.loc[
        (ds.targets["rep_id"] == rep)
        & (ds.targets["kpi"] == "revenue")
        & (ds.targets["period"].dt.year == wi.year),
        "target",
    ].sum()
    att = pd.Series(wi.attainment, index=wi.reps.loc[wi.paid, "rep_id"].to_numpy())
    assert att[rep] == pytest.approx(a / q, rel=1e-12)
    assert att[rep] > a / q_all * 1.5  # six of twelve months' targets would halve it
    zero_read = expected_figures(gds, wi.base_spec)  # the full targets: gaps as zero sales
    assert zero_read["total_payout"] != pytest.approx(wi.evaluate().total_payout, rel=1e-9)


def test_pay_performance_is_the_same_in_the_whatif_and_on_the_plans_page(ds):
    from simlib.topics import plans as plans_page

    for data in (ds, gapped(ds)[0]):
        page = plans_page.build(data, [str(PROPOSED)])
        head = page.replays[0].summary.headline
        row = head.loc[head["metric"].str.startswith("pay-performance"), "value"]
        assert len(row) == 1
        wi = WhatIf(data, PROPOSED, year=page.year)
        assert wi.evaluate().metrics["pay_performance_spearman"] == pytest.approx(
            float(row.iloc[0]), rel=1e-12
        )


def test_the_page_address_chooses_the_language():
    from simlib.i18n import LanguageError
    from simlib.workbench.whatif.app import page_language

    assert page_language({"QUERY_STRING": "lang=zh-CN"}) == "zh-CN"
    assert page_language({"QUERY_STRING": "voila-template=lab&lang=zh_cn"}) == "zh-CN"
    assert page_language({"QUERY_STRING": "lang=en-GB"}) == "en"
    assert page_language({"QUERY_STRING": ""}) is None
    assert page_language({}) is None
    with pytest.raises(LanguageError, match="'fr'"):
        page_language({"QUERY_STRING": "lang=fr"})


def test_whatif_lang_reaches_the_page_through_the_kernels_environment(tmp_path):
    # `simlib whatif --lang zh-CN`: Voila's kernels inherit the server's environment,
    # and a kernel's simlib starts in the language named there.
    import subprocess
    import sys

    from simlib import i18n
    from simlib.workbench.whatif.serve import command

    cmd, env = command("data/sample", "plan.yaml", 8866, tmp_path, lang="zh_CN")
    assert env[i18n.ENV] == "zh-CN" and (tmp_path / "whatif.ipynb").is_file()
    assert "--strip_sources=True" in cmd and "--Voila.ip=127.0.0.1" in cmd
    said = subprocess.run(
        [sys.executable, "-c", "from simlib import i18n; print(i18n.current())"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert said == "zh-CN"

"""Data checks: a partial last year, missing months, reps without sales, zero targets,
implausible values and cascade spreads are found, handled by a stated rule and shown.

Every expected number is derived in the test from the inputs written here.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib.data.checks import (
    DataCheckError,
    DataChecks,
    DataCheckWarning,
    annualize,
    caveats_block,
    check_attainment_spread,
    check_dataset,
    exclude_missing_months,
    implausible_values,
    last_year_actual,
    parse_settings,
)
from simlib.data.dataset import Dataset
from simlib.data.validate import validate_tables
from simlib.errors import SpecError
from simlib.plans import Plan
from simlib.plans.replay import replay
from simlib.scenario import Scenario, grown_company_target
from simlib.targets import cascade, propose_company_target

KPIS = pd.DataFrame(
    {
        "kpi": ["revenue"],
        "direction": ["higher"],
        "unit": ["currency"],
        "aggregation": ["sum"],
        "weight_kpi": pd.array([pd.NA], dtype="string"),
        "allow_negative": [False],
        "label": ["Revenue"],
    }
)
UNITS = pd.DataFrame(
    {
        "unit_id": ["HQ", "R1", "R2", "T1", "T2"],
        "parent_id": pd.array([pd.NA, "HQ", "HQ", "R1", "R2"], dtype="string"),
        "level": ["company", "region", "region", "team", "team"],
        "name": ["HQ", "North", "South", "North-1", "South-1"],
    }
)
#: Monthly shape of the company's year (January first); the test's own numbers.
SEASON = [0.6, 0.7, 1.1, 0.8, 0.9, 1.2, 0.9, 0.8, 1.1, 1.0, 1.1, 1.8]
BASE = {"a1": 1000.0, "a2": 1500.0, "a3": 800.0, "b1": 1200.0, "b2": 900.0, "b3": 1100.0}


def reps_table(ids, units=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": list(ids),
            "unit_id": list(units)
            if units is not None
            else [("T1" if i[0] == "a" else "T2") for i in ids],
            "position": ["am"] * len(ids),
            "hire_date": pd.to_datetime(["2010-01-01"] * len(ids)),
            "exit_date": pd.to_datetime([None] * len(ids)),
            "base_salary": [100000.0] * len(ids),
            "grade": ["P5"] * len(ids),
        }
    )


def monthly_value(rep: str, p: pd.Period) -> float:
    # A seasonal shape that differs a little from year to year, so the profile is an
    # average of unequal years (not something any one year reproduces).
    wobble = 1 + 0.02 * (((p.month * p.year) % 5) - 2)
    growth = 1 + 0.03 * (p.year - 2012)
    return round(BASE[rep] * SEASON[p.month - 1] * wobble * growth, 2)


def panel(last: str = "2015-07", targets_year: int | None = 2014, skip=()) -> Dataset:
    """Six reps in two regions, monthly revenue from 2012-01 to ``last``."""
    rows = [
        (r, p, "revenue", monthly_value(r, p))
        for r in BASE
        for p in pd.period_range("2012-01", last, freq="M")
        if (r, str(p)) not in skip
    ]
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = pd.PeriodIndex(sales["period"], freq="M")
    targets = None
    if targets_year is not None:
        months = pd.period_range(f"{targets_year}-01", f"{targets_year}-12", freq="M")
        t = [
            (pd.NA, r, p, "revenue", round(monthly_value(r, p - 12) * 1.05, 2))
            for r in BASE
            for p in months
        ]
        targets = pd.DataFrame(t, columns=["unit_id", "rep_id", "period", "kpi", "target"])
        targets["unit_id"] = targets["unit_id"].astype("string")
        targets["rep_id"] = targets["rep_id"].astype("string")
        targets["period"] = pd.PeriodIndex(targets["period"], freq="M")
    return Dataset(KPIS, UNITS, reps_table(list(BASE)), sales, targets=targets, source="panel")


def hand_annualized(ds_rows: pd.DataFrame, full: list[int], year: int) -> float:
    """The partial year's company total divided by the share of a year its months
    carried on average in the ``full`` years: written out with plain Python."""
    total = {}
    for r in ds_rows.itertuples():
        total[(r.period.year, r.period.month)] = (
            total.get((r.period.year, r.period.month), 0.0) + r.value
        )
    shares = []
    for y in full:
        yt = sum(total[(y, m)] for m in range(1, 13))
        shares.append([total[(y, m)] / yt for m in range(1, 13)])
    avg = [sum(s[m] for s in shares) / len(shares) for m in range(12)]
    norm = sum(avg)
    months = sorted(m for (y, m) in total if y == year)
    covered = sum(avg[m - 1] for m in months) / norm
    partial = sum(total[(year, m)] for m in months)
    return partial / covered


# ------------------------------------------------------------------ partial year
def test_partial_year_company_target_is_the_hand_annualization():
    # The case: data ending in July; the target year is the next one.
    ds = panel(last="2015-07", targets_year=None)
    expected = hand_annualized(ds.sales, [2012, 2013, 2014], 2015)
    seven = ds.sales.loc[ds.sales["period"].dt.year == 2015, "value"].sum()
    assert expected > seven * 1.5  # July-end months are far from a year
    with pytest.warns(DataCheckWarning, match="7 of 12 months"):
        prop = propose_company_target(ds, growth=0.05, basis="last_year", repetitions=50)
    row = prop.iloc[0]
    assert row["year"] == 2016 and row["last_year_months"] == 7
    assert row["last_year_actual"] == pytest.approx(expected, rel=1e-12)
    assert row["proposed_target"] == pytest.approx(expected * 1.05, rel=1e-12)
    assert "seasonal profile of 2012-2014" in row["last_year_basis"]
    # The scenario's company_growth path gives the same figure.
    with pytest.warns(DataCheckWarning, match="annualized by the seasonal profile"):
        grown = grown_company_target(ds, 2016, 0.05)
    assert grown["revenue"] == pytest.approx(expected * 1.05, rel=1e-12)


def test_partial_year_refused_when_asked():
    ds = panel(last="2015-07", targets_year=None)
    with pytest.raises(DataCheckError, match="2015 has 7 of 12 months"):
        propose_company_target(ds, basis="last_year", partial_year="refuse", repetitions=50)
    with pytest.raises(DataCheckError, match="refuse"):
        grown_company_target(ds, 2016, 0.05, "refuse")
    with pytest.raises(DataCheckError, match="partial_year"):
        cascade(ds, {"revenue": 1e6}, None, partial_year="refuse")


def test_full_last_year_is_used_as_it_is():
    ds = panel(last="2014-12", targets_year=None)
    full = ds.sales.loc[ds.sales["period"].dt.year == 2014, "value"].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataCheckWarning)
        ly = last_year_actual(ds, "revenue", 2014)
        grown = grown_company_target(ds, 2015, 0.05)
    assert ly.months == 12 and ly.value == pytest.approx(full, rel=1e-12)
    assert grown["revenue"] == pytest.approx(full * 1.05, rel=1e-12)
    assert not [f for f in check_dataset(ds) if f.check == "partial_year"]


def test_cascade_unit_bands_use_the_annualized_last_year():
    ds = panel(last="2015-07", targets_year=None)
    expected = hand_annualized(ds.sales, [2012, 2013, 2014], 2015)
    with pytest.warns(DataCheckWarning, match="cascade 'revenue'"):
        cas = cascade(ds, {"revenue": expected * 1.05}, None)
    a = cas.annual
    hq = a.loc[a["rep_id"].isna() & (a["unit_id"] == "HQ"), "last_year_actual"].iloc[0]
    assert hq == pytest.approx(expected, rel=1e-9)
    assert (cas.log["kind"] == "partial_year").sum() == 1
    # A rep with the same seven months: their own total over the same share of a year.
    company7 = ds.sales.loc[ds.sales["period"].dt.year == 2015, "value"].sum()
    a1_7 = ds.sales.loc[
        (ds.sales["period"].dt.year == 2015) & (ds.sales["rep_id"] == "a1"), "value"
    ].sum()
    a1 = a.loc[a["rep_id"] == "a1", "last_year_actual"].iloc[0]
    assert a1 == pytest.approx(a1_7 * expected / company7, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(1.0, 1e6), min_size=12, max_size=12),
    months=st.sets(st.integers(1, 12), min_size=1, max_size=12),
)
def test_annualizing_a_year_by_its_own_profile_recovers_it(values, months):
    """Any subset of a year's months, annualized by that year's own seasonal profile,
    gives the year's total back; all twelve months are returned exactly."""
    total = sum(values)
    shares = pd.Series([v / total for v in values], index=pd.RangeIndex(1, 13))
    part = sum(values[m - 1] for m in months)
    assert annualize(part, months, shares) == pytest.approx(total, rel=1e-9)
    assert annualize(total, range(1, 13), shares) == total


# ------------------------------------------------------------------ missing months
ONE_YEAR = pd.period_range("2014-01", "2014-12", freq="M")
QUOTA_PLAN = {
    "name": "AM annual",
    "period": "year",
    "target_incentive": {"amount": 60000},
    "components": [
        {
            "type": "quota_bonus",
            "name": "revenue",
            "kpi": "revenue",
            "weight": 1.0,
            "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
        }
    ],
}


def gap_dataset(missing=(4, 5, 6, 7, 8, 9)) -> Dataset:
    """In 2014 r1 sells 11,000 in the months on record, six months missing; r2 10,000
    every month; both have a target of 10,000 every month of 2014. 2013 is complete
    (10,000 a month each), the history a simulation of 2014 learns from."""
    rows = [(r, p - 12, "revenue", 10000.0) for r in ("r1", "r2") for p in ONE_YEAR]
    rows += [("r2", p, "revenue", 10000.0) for p in ONE_YEAR]
    rows += [("r1", p, "revenue", 11000.0) for p in ONE_YEAR if p.month not in missing]
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = pd.PeriodIndex(sales["period"], freq="M")
    t = pd.DataFrame(
        [(r, p, "revenue", 10000.0) for r in ("r1", "r2") for p in ONE_YEAR],
        columns=["rep_id", "period", "kpi", "target"],
    )
    t.insert(0, "unit_id", pd.array([pd.NA] * len(t), dtype="string"))
    t["rep_id"] = t["rep_id"].astype("string")
    t["period"] = pd.PeriodIndex(t["period"], freq="M")
    return Dataset(KPIS, UNITS, reps_table(["r1", "r2"], ["T1", "T1"]), sales, targets=t)


def test_rep_with_six_missing_months_is_paid_on_the_months_he_has():
    ds = gap_dataset()
    res = replay(ds, Plan.from_dict(QUOTA_PLAN), 2014)
    by = res.summary.by_rep.set_index("rep_id")
    # Hand computation on the six months r1 has: 6 x 11,000 / (6 x 10,000) = 110%.
    assert by.loc["r1", "attainment"] == pytest.approx(1.10, rel=1e-12)
    # The curve between (1.0, 1.0) and (1.5, 2.0): 1 + 0.10 / 0.5 = 1.2 x 60,000.
    assert by.loc["r1", "payout"] == pytest.approx(72000.0, rel=1e-12)
    # Read as zero sales it would have been 66,000 / 120,000 = 55%: below the 80%
    # threshold, paid nothing. That is the number the rule exists to prevent.
    zero_read = Plan.from_dict(QUOTA_PLAN).evaluate(ds.sales, ds.targets, ds.reps, ds=ds)
    z = zero_read[(zero_read["rep_id"] == "r1") & (zero_read["component"] == "revenue")]
    assert z["attainment"].dropna().iloc[0] == pytest.approx(0.55)
    assert z["payout"].sum() == 0.0
    # r2, complete, is untouched: 100% -> factor 1 -> 60,000.
    assert by.loc["r2", "payout"] == pytest.approx(60000.0)


def test_missing_months_are_counted_and_listed_by_unit():
    ds = gap_dataset()
    found = [f for f in check_dataset(ds) if f.check == "missing_months"]
    assert len(found) == 1
    f = found[0]
    assert f.count == 6 and f.by_unit == (("T1", 6),)
    assert "r1 (6)" in f.message and "T1 6" in f.message
    assert "Missing is not zero" in f.handling and f.severity == "warning"
    strict = check_dataset(ds, settings={"missing_months": "error"})
    assert [e.check for e in strict.errors] == ["missing_months"]
    with pytest.raises(DataCheckError, match="data_checks.missing_months"):
        strict.raise_errors()


def test_months_outside_employment_or_data_keep_their_targets():
    ds = gap_dataset()
    later = ds.targets.assign(period=ds.targets["period"] + 12)  # 2015: beyond the data
    kept = exclude_missing_months(ds.sales, later, ds)
    assert len(kept) == len(later)
    dropped = exclude_missing_months(ds.sales, ds.targets, ds)
    gone = ds.targets.merge(dropped, how="left", indicator=True)
    gone = gone[gone["_merge"] == "left_only"]
    assert set(gone["rep_id"]) == {"r1"}
    assert sorted(gone["period"].dt.month) == [4, 5, 6, 7, 8, 9]


@settings(max_examples=25, deadline=None)
@given(
    actual=st.lists(st.floats(0.0, 5e4), min_size=12, max_size=12),
    target=st.lists(st.floats(1.0, 5e4), min_size=12, max_size=12),
    missing=st.sets(st.integers(1, 12), max_size=11),
)
def test_missing_month_rule_never_lowers_attainment(actual, target, missing):
    """Measured on the months with data, attainment of a higher-is-better KPI is never
    below what reading the missing months as zero sales gives, and equals the ratio
    of the sums over the months present."""
    # r2 has every month, so the data span the year and r1's gaps are gaps.
    rows = [("r1", p, "revenue", actual[p.month - 1]) for p in ONE_YEAR if p.month not in missing]
    rows += [("r2", p, "revenue", 1.0) for p in ONE_YEAR]
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = pd.PeriodIndex(sales["period"], freq="M")
    t = pd.DataFrame(
        [(r, p, "revenue", target[p.month - 1]) for r in ("r1", "r2") for p in ONE_YEAR],
        columns=["rep_id", "period", "kpi", "target"],
    )
    t["period"] = pd.PeriodIndex(t["period"], freq="M")
    ds = Dataset(KPIS, UNITS, reps_table(["r1", "r2"], ["T1", "T1"]), sales)
    plan = Plan.from_dict(QUOTA_PLAN)

    def att(tg):
        pay = plan.evaluate(sales, tg, ds.reps, ds=ds, periods=ONE_YEAR)
        m = (pay["component"] == "revenue") & (pay["rep_id"] == "r1")
        return pay.loc[m, "attainment"].dropna().iloc[0]

    present = [m for m in range(1, 13) if m not in missing]
    ruled = att(exclude_missing_months(sales, t, ds))
    assert ruled >= att(t) - 1e-12
    num = sum(actual[m - 1] for m in present)
    den = sum(target[m - 1] for m in present)
    assert ruled == pytest.approx(num / den, rel=1e-9, abs=1e-12)


# -------------------------------------------------------- no sales, zero targets
def test_employed_rep_without_sales_is_warned_about_and_kept():
    ds = panel(
        last="2014-12",
        skip={("b3", str(p)) for p in pd.period_range("2012-01", "2014-12", freq="M")},
    )
    found = [f for f in check_dataset(ds) if f.check == "no_sales"]
    assert len(found) == 1 and found[0].count == 1 and "b3" in found[0].message
    assert found[0].by_unit == (("T2", 1),)
    with pytest.warns(DataCheckWarning, match="no_sales"):
        res = sl.simulate(ds=ds, plan=QUOTA_PLAN, draws=8, seed=1, year=2014, progress=False)
    assert "b3" in set(res.reps["rep_id"])  # never silently disappears
    assert any(c["check"] == "no_sales" for c in res.provenance["caveats"])


def test_zero_target_does_not_remove_a_rep_from_company_revenue():
    ds = panel(last="2014-12")
    zeroed = ds.targets.copy()
    zeroed.loc[zeroed["rep_id"] == "a2", "target"] = 0.0
    found = check_dataset(ds, targets=zeroed, year=2014)
    z = [f for f in found if f.check == "zero_targets"]
    assert len(z) == 1 and "a2" in z[0].message and z[0].by_unit == (("T1", 1),)
    kw = dict(ds=ds, plan=QUOTA_PLAN, draws=8, seed=1, year=2014, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCheckWarning)
        normal = sl.simulate(targets=ds.targets, **kw)
        zero = sl.simulate(targets=zeroed, **kw)
    # Sales are centred on history, not on the target: the same reps sell the same in
    # every draw (common random numbers), so company revenue is unchanged.
    col = next(c for c in normal.per_draw.columns if "revenue" in c)
    np.testing.assert_allclose(zero.per_draw[col], normal.per_draw[col], rtol=1e-12)
    assert any(c["check"] == "zero_targets" for c in zero.provenance["caveats"])


# -------------------------------------------------------------- implausible values
def test_value_of_1e308_is_refused_by_validation_naming_the_row():
    ds = panel(last="2013-12", targets_year=None)
    sales = ds.sales.astype({"period": str}).copy()
    sales.loc[5, "value"] = 1e308
    tables = {k: v for k, v in ds.tables().items()} | {"sales": sales}
    _, problems = validate_tables(tables, {"sales": "sales.csv"})
    hit = [p for p in problems if p.column == "value"]
    assert len(hit) == 1 and hit[0].row == 7  # header is row 1, record 0 is row 2
    assert "plausible" in hit[0].expected and "1e+15" in hit[0].expected


def test_value_far_above_rep_and_population_is_flagged():
    ds = panel(last="2013-12", targets_year=None)
    sales = ds.sales.copy()
    i = sales.index[(sales["rep_id"] == "a1") & (sales["period"] == pd.Period("2013-05", "M"))][0]
    sales.loc[i, "value"] = 5e8  # far above a1's months (~1,000) and the top (~3,000)
    bad = Dataset(ds.kpis, ds.units, ds.reps, sales)
    iv = implausible_values(bad)
    assert list(iv["rep_id"]) == ["a1"] and str(iv["period"].iloc[0]) == "2013-05"
    f = [x for x in check_dataset(bad) if x.check == "implausible_values"][0]
    assert f.count == 1 and f.by_unit == (("T1", 1),)
    assert not [x for x in check_dataset(ds) if x.check == "implausible_values"]
    strict = check_dataset(bad, settings={"implausible_values": "error"})
    assert [e.check for e in strict.errors] == ["implausible_values"]


# ------------------------------------------------------------------ cascade spread
def test_even_split_over_unequal_reps_flags_the_spread():
    ds = panel(last="2014-12", targets_year=None)
    last = ds.sales.loc[ds.sales["period"].dt.year == 2014]
    per_rep = last.groupby("rep_id")["value"].sum()
    total = per_rep.sum()
    even = {"default": {"method": "even"}, "calendarization": {"method": "flat"}}
    cas = cascade(ds, {"revenue": total}, even)
    found = check_attainment_spread(ds, cas)
    # Even at every level: each region half, each of its three reps a sixth of the
    # total. Implied attainment = the rep's 2014 sales / total x 6; a2 sells 1500/6500
    # of the total: 1500 x 6 / 6500 = 1.38 (inside); nobody is outside 50-200% here.
    implied = per_rep / (total / 6)
    assert ((implied < 0.5) | (implied > 2.0)).sum() == 0
    assert found == []
    # Make one rep tiny: 5% of its history -> implied attainment far below 50%.
    s = ds.sales.copy()
    s.loc[s["rep_id"] == "b2", "value"] *= 0.05
    small = Dataset(ds.kpis, ds.units, ds.reps, s)
    total2 = s.loc[s["period"].dt.year == 2014, "value"].sum()
    with pytest.warns(DataCheckWarning, match="cascade: revenue: .*1 rep\\(s\\) below 50%"):
        cas2 = cascade(small, {"revenue": total2}, even)
    f = check_attainment_spread(small, cas2)
    assert len(f) == 1 and f[0].by_unit == (("T2", 1),) and "1 rep(s) below 50%" in f[0].message


# ------------------------------------------------------------------ rules and caveats
def test_data_checks_rules_are_validated_strictly():
    assert parse_settings({"missing_months": "error"}).missing_months == "error"
    with pytest.raises(SpecError, match=r"data_checks\.missing_month"):
        parse_settings({"missing_month": "error"})
    with pytest.raises(SpecError, match=r"data_checks\.partial_year"):
        parse_settings({"partial_year": "guess"})


def write_scenario(tmp_path, ds: Dataset, **baseline) -> str:
    data = tmp_path / "data"
    ds.save(data)
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(QUOTA_PLAN))
    doc = {
        "title": "t",
        "author": "a",
        "what": "w",
        "why": "y",
        "baseline": {
            "data": str(data),
            "plan": str(plan),
            "simulation": {
                "draws": 8,
                "seed": 1,
                "year": 2014,
                # Stated, not fitted: one year of history is too short to fit.
                "sales_options": {"sigma_rep": 0.1, "sigma_company": 0.05, "sigma_month": 0.1},
            },
            **baseline,
        },
    }
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(doc))
    return str(f)


def test_validate_warns_and_a_rule_makes_it_an_error(tmp_path, capsys):
    from simlib.workbench.cli import main

    ds = gap_dataset()
    path = write_scenario(tmp_path, ds)
    assert main(["validate", path]) == 0
    out = capsys.readouterr().out
    assert "warning: baseline: [missing_months] 6 month(s) without any sales row" in out
    strict = write_scenario(tmp_path, ds, data_checks={"missing_months": "error"})
    assert main(["validate", strict]) == 1
    out = capsys.readouterr().out
    assert "baseline: data_checks.missing_months: 6 month(s)" in out
    bad = write_scenario(tmp_path, ds, data_checks={"missing_month": "error"})
    assert main(["validate", bad]) == 1
    assert "baseline.data_checks.missing_month" in capsys.readouterr().out
    # The dataset alone: valid, with the finding in the summary.
    assert main(["validate", str(tmp_path / "data")]) == 0
    assert "[missing_months]" in capsys.readouterr().out


def test_run_refuses_what_a_rule_makes_an_error(tmp_path):
    ds = gap_dataset()
    sc = Scenario.from_yaml(write_scenario(tmp_path, ds, data_checks={"missing_months": "error"}))
    with pytest.raises(DataCheckError, match="missing_months"):
        sl.simulate(sc, draws=4)


def test_caveats_are_stored_with_the_result_and_shown(tmp_path):
    from simlib.workbench.store import Store

    ds = gap_dataset()
    sc = Scenario.from_yaml(write_scenario(tmp_path, ds))
    with pytest.warns(DataCheckWarning, match="missing_months"):
        res = sl.simulate(sc, draws=4)
    assert [c["check"] for c in res.provenance["caveats"]] == ["missing_months"]
    store = Store(tmp_path / "r.duckdb")
    store.save("k1", res, sc, "b")
    back = store.load("k1")
    html = caveats_block(back, res)  # the same finding twice is shown once
    assert html.count("<li>") == 1 and "missing months" in html and "T1 6" in html
    assert caveats_block(DataChecks()) == ""


def cascade_scenario(tmp_path, **data_checks) -> Scenario:
    ds = panel(last="2015-07", targets_year=None)
    extra = {"data_checks": data_checks} if data_checks else {}
    path = write_scenario(
        tmp_path,
        ds,
        targets={
            "source": "cascade",
            "cascade": {"default": {"method": "even"}, "calendarization": {"method": "flat"}},
            "company_growth": 0.05,
        },
        **extra,
    )
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    doc["baseline"]["simulation"]["year"] = 2016
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(doc, f)
    return Scenario.from_yaml(path)


def test_scenario_company_growth_on_a_partial_year_is_annualized(tmp_path):
    sc = cascade_scenario(tmp_path)
    ds = sc.dataset()
    expected = hand_annualized(ds.sales, [2012, 2013, 2014], 2015) * 1.05
    with pytest.warns(DataCheckWarning, match="7 of 12 months"):
        cas = sc.cascade()
    assert cas.company_target["revenue"] == pytest.approx(expected, rel=1e-12)
    rep_total = sc.targets().query("kpi == 'revenue'")["target"].sum()
    assert rep_total == pytest.approx(expected, abs=1.0)  # whole currency units
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert sc.check() == []
    said = [str(w.message) for w in caught if issubclass(w.category, DataCheckWarning)]
    assert any("[partial_year]" in m and "seasonal profile of 2012-2014" in m for m in said)


def test_scenario_refusing_a_partial_year_is_caught_by_validate(tmp_path):
    sc = cascade_scenario(tmp_path, partial_year="refuse")
    probs = sc.check()
    assert any("2015 has 7 of 12 months" in m for _, m in probs), probs
    with pytest.raises(DataCheckError, match="refuse"):
        sl.simulate(sc, draws=4)


def test_data_health_quota_attainment_reads_missing_months_as_missing():
    from simlib.data.health import quota_attainment

    qa = quota_attainment(gap_dataset(), "revenue").set_index("year")
    # 2014: r1 66,000 / 60,000 (his six months) = 1.10, r2 120,000 / 120,000 = 1.00.
    assert qa.loc[2014, "reps"] == 2
    assert qa.loc[2014, "at_quota"] == 1.0
    assert qa.loc[2014, "median_attainment"] == pytest.approx(1.05)


def test_explain_pays_the_rep_on_the_months_he_has_and_says_so(tmp_path, capsys):
    from simlib.workbench.cli import main

    path = write_scenario(tmp_path, gap_dataset())
    assert main(["explain", path, "r1", "--period", "2014-12"]) == 0
    out = capsys.readouterr().out
    assert "revenue 66,000.00 / target 60,000.00 = 110.00%" in out
    assert "= 72,000.00 CNY" in out
    assert (
        "Note: r1 has no sales data for 2014-04, 2014-05, 2014-06, 2014-07, 2014-08, 2014-09" in out
    )


def test_validate_refuses_1e308_in_a_csv_naming_file_row_and_column(tmp_path, capsys):
    from simlib.workbench.cli import main

    folder = tmp_path / "data"
    gap_dataset().save(folder)
    lines = (folder / "sales.csv").read_text(encoding="utf-8").splitlines()
    rep, period, kpi, _ = lines[3].split(",")
    lines[3] = f"{rep},{period},{kpi},1e308"  # the file's row 4 (the header is row 1)
    (folder / "sales.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("sales.csv"))
    assert row.split()[1:3] == ["4", "value"] and "1e308" in row
    assert "a plausible value: below 1e+15" in row


def test_rep_without_any_target_is_named_as_outside_the_population():
    ds = panel(last="2014-12")
    dropped = ds.targets.loc[ds.targets["rep_id"] != "b1"]
    f = [x for x in check_dataset(ds, targets=dropped, year=2014) if x.check == "zero_targets"]
    assert len(f) == 1 and "1 with no target on any KPI (b1)" in f[0].message
    assert "not simulated" in f[0].handling and f[0].by_unit == (("T2", 1),)


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 12)), max_size=20),
)
def test_missing_months_count_by_unit_and_dropped_targets_agree(gaps):
    """Whatever cells are missing: the finding counts each missing rep-month once,
    its units add up to that count, and exactly those target rows are left out."""
    reps = ["a1", "a2", "b1", "b2"]
    full = [(r, p) for r in reps for p in ONE_YEAR]
    gone = {(reps[i], pd.Period(f"2014-{m:02d}", "M")) for i, m in gaps}
    gone = {g for g in gone if g[0] != "b2"}  # b2 is complete: the data span the year
    rows = [(r, p, "revenue", 5.0) for r, p in full if (r, p) not in gone]
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = pd.PeriodIndex(sales["period"], freq="M")
    t = pd.DataFrame(
        [(r, p, "revenue", 4.0) for r, p in full], columns=["rep_id", "period", "kpi", "target"]
    )
    t["period"] = pd.PeriodIndex(t["period"], freq="M")
    ds = Dataset(KPIS, UNITS, reps_table(reps), sales)
    # A rep with every month gone has no sales at all: a no_sales finding instead.
    some = {r for r, _ in full if any((r, p) not in gone for p in ONE_YEAR)}
    expect = {g for g in gone if g[0] in some}
    found = [f for f in check_dataset(ds) if f.check == "missing_months"]
    if not expect:
        assert found == []
    else:
        assert found[0].count == len(expect) == sum(n for _, n in found[0].by_unit)
    kept = exclude_missing_months(sales, t, ds)
    assert len(t) - len(kept) == len(gone)
    assert not set(zip(kept["rep_id"], kept["period"], strict=True)) & gone


def test_replay_names_a_rep_with_targets_but_no_sales_in_the_year():
    ds = gap_dataset(missing=tuple(range(1, 13)))  # r1: targets all year, no 2014 sales
    with pytest.warns(
        DataCheckWarning,
        match=r"1 employed rep\(s\) with targets have no sales data in the year \(r1\)",
    ):
        res = replay(ds, Plan.from_dict(QUOTA_PLAN), 2014)
    assert list(res.summary.by_rep["rep_id"]) == ["r2"]


def test_validate_names_a_refused_partial_year_once(tmp_path, capsys):
    from simlib.workbench.cli import main

    sc = cascade_scenario(tmp_path, partial_year="refuse")
    assert main(["validate", str(sc.file)]) == 1
    out = capsys.readouterr().out
    assert out.count("2015 has 7 of 12 months") == 1
    assert "1 problem(s)" in out


def test_difficulty_forecasts_do_not_read_a_partial_year_as_whole():
    from simlib.targets import difficulty

    ds = panel(last="2015-07", targets_year=None)
    expected = hand_annualized(ds.sales, [2012, 2013, 2014], 2015)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataCheckWarning)
        prop = propose_company_target(ds, growth=0.05, repetitions=200)
        cas = cascade(ds, prop, {"calendarization": {"method": "flat"}})
        d = difficulty(cas, ds, proposal=prop)
    fc = float(prop["forecast"].iloc[0])
    # Every rep sold in all seven months: their annualized run rates add up to the
    # company's annualized year, so their forecasts add up to the company forecast
    # (reading 7 months as a year would give 12/7 of it).
    assert d.reps["forecast"].sum() == pytest.approx(fc, rel=1e-9)
    assert prop["last_year_actual"].iloc[0] == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------ Chinese
#: Three or more English words in a row: a sentence left untranslated. Identifiers
#: (data_checks.partial_year, company_target, rep ids, KPI names) are single words.
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")


def _every_finding(ds: Dataset) -> list:
    """Each kind of finding the checks give on ``ds``: partial year (refused and
    annualized), missing months, no sales, zero and absent targets, implausible values."""
    s = ds.sales.copy()
    i = s.index[(s["rep_id"] == "a1") & (s["period"] == pd.Period("2013-05", "M"))][0]
    s.loc[i, "value"] = 5e8
    gap = s.loc[
        ~((s["rep_id"] == "a3") & (s["period"].dt.year == 2014) & (s["period"].dt.month < 4))
    ]
    gap = gap.loc[gap["rep_id"] != "b3"]
    bad = Dataset(ds.kpis, ds.units, ds.reps, gap, targets=ds.targets)
    tg = ds.targets.loc[ds.targets["rep_id"] != "b1"].copy()
    tg.loc[tg["rep_id"] == "a2", "target"] = 0.0
    found = list(check_dataset(bad, targets=tg, year=2014))
    found += list(check_dataset(bad, targets=tg, year=2014, settings={"no_sales": "error"}))
    partial = panel(last="2015-07")
    found += list(check_dataset(partial))
    found += list(check_dataset(partial, settings={"partial_year": "refuse"}))
    return found


def test_findings_in_chinese_have_no_english_sentence():
    from simlib import i18n

    ds = panel(last="2014-12")
    english = _every_finding(ds)
    with i18n.use("zh-CN"):
        chinese = _every_finding(ds)
    checks = {f.check for f in english}
    assert {"partial_year", "missing_months", "no_sales", "zero_targets"} <= checks
    assert "implausible_values" in checks
    assert [f.check for f in chinese] == [f.check for f in english]
    for f in chinese:
        text = f.text()
        assert re.search(r"[\u4e00-\u9fff]", text), text
        assert not ENGLISH_SENTENCE.search(text), text
    # The same findings read in English outside the block.
    assert all(ENGLISH_SENTENCE.search(f.text()) for f in english)


def test_validation_problems_in_chinese_have_no_english_sentence(tmp_path, capsys):
    from simlib import i18n
    from simlib.data.validate import format_problems

    ds = panel(last="2014-12")
    sales = ds.sales.astype({"value": object}).copy()
    sales.loc[0, "value"] = "12%"
    sales.loc[1, "period"] = "2014-01-15"
    sales.loc[2, "rep_id"] = "nobody"
    kpis = ds.kpis.assign(direction=["up"] * len(ds.kpis))
    reps = ds.reps.assign(base_salary=-1.0)
    units = ds.units.assign(extra="x")
    tables = {"kpis": kpis, "units": units, "reps": reps, "sales": sales, "odd": ds.kpis}
    _, english = validate_tables(tables)
    with i18n.use("zh-CN"):
        _, chinese = validate_tables(tables)
        table = format_problems(chinese)
    assert len(chinese) == len(english) >= 6
    for p in chinese:
        assert re.search(r"[\u4e00-\u9fff]", p.expected), p
        assert not ENGLISH_SENTENCE.search(p.expected), p
    assert table.splitlines()[0].split()[:2] == ["文件", "行"]


def test_simlib_validate_speaks_chinese_from_reading_to_the_last_line(tmp_path):
    import io

    from simlib import i18n
    from simlib.data.validate import validate_cli

    folder = panel(last="2014-12").save(tmp_path / "ds")
    (folder / "sales.csv").unlink()
    reps = (folder / "reps.csv").read_text(encoding="utf-8").splitlines()
    head, first = reps[0].split(","), reps[1].split(",")
    first[head.index("hire_date")] = "someday"
    reps[1] = ",".join(first)
    (folder / "reps.csv").write_text("\n".join(reps) + "\n", encoding="utf-8")
    out = io.StringIO()
    with i18n.use("zh-CN"):
        assert validate_cli(folder, out=out) == 1
    text = out.getvalue()
    assert "someday" in text and "sales" in text
    for line in text.splitlines():
        assert not ENGLISH_SENTENCE.search(line), line
    english = io.StringIO()
    assert validate_cli(folder, out=english) == 1  # and in English, outside the block
    assert ENGLISH_SENTENCE.search(english.getvalue())

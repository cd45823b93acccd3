"""The synthetic sales force: structure, invariants and calibration.

Every calibration figure is recomputed here from the raw tables (not through
``simlib.data.health``), and checked against the band documented in
``simlib.data.synthetic`` and ``docs/practice.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlib.data.synthetic import (
    ARPU_CNY,
    CREDIT_MONTHS,
    REGIONS,
    Calibration,
    chinese_numeral,
    generate,
    main,
)


@pytest.fixture(scope="module")
def sample():
    """Exactly the bundled sample's arguments."""
    return generate(n_reps=600, months=36, seed=7, end="2026-12")


@pytest.fixture(scope="module")
def big():
    """A larger force so calibration is measured with little sampling noise."""
    return generate(n_reps=3000, months=36, seed=11, end="2026-12")


# ----------------------------------------------------------------- helpers (independent)


def full_year_ids(reps: pd.DataFrame, year: int) -> set[str]:
    jan1, dec31 = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    ok = (reps.hire_date <= jan1) & (reps.exit_date.isna() | (reps.exit_date >= dec31))
    return set(reps.rep_id[ok])


def annual_revenue(ds, year: int) -> pd.Series:
    s = ds.sales
    s = s[(s.kpi == "revenue") & (s.period.dt.year == year)]
    s = s[s.rep_id.isin(full_year_ids(ds.reps, year))]
    return s.groupby("rep_id").value.sum()


def top20_share(values: pd.Series) -> float:
    v = np.sort(values.to_numpy())[::-1]
    k = int(round(0.2 * len(v)))
    return v[:k].sum() / v.sum()


def turnover(reps: pd.DataFrame, year: int) -> float:
    """Exits in the year / average of the 12 month-end headcounts."""
    exits = (reps.exit_date.dt.year == year).sum()
    heads = []
    for m in range(1, 13):
        end = pd.Period(f"{year}-{m:02d}", "M").end_time.normalize()
        heads.append(
            ((reps.hire_date <= end) & (reps.exit_date.isna() | (reps.exit_date >= end))).sum()
        )
    return exits / np.mean(heads)


# ----------------------------------------------------------------- structure


def test_tables_and_kpis_come_from_the_kpis_table(sample):
    assert list(sample.kpis.kpi) == ["revenue", "new_customers", "hv_retention"]
    k = sample.kpis.set_index("kpi")
    assert k.loc["revenue", "unit"] == "currency" and k.loc["revenue", "aggregation"] == "sum"
    assert k.loc["new_customers", "unit"] == "count"
    assert (
        k.loc["hv_retention", "unit"] == "rate" and k.loc["hv_retention", "aggregation"] == "mean"
    )
    # Every KPI in sales and targets is declared; the sample carries all optional tables.
    assert set(sample.sales.kpi) == set(k.index)
    assert set(sample.targets.kpi) == set(k.index)
    assert sample.potential is not None and sample.competence is not None


def test_hierarchy_is_an_unbalanced_telecom_tree_with_chinese_names(sample):
    from simlib.data.org import Hierarchy

    h = Hierarchy(sample.units)
    assert h.levels == ["company", "region", "branch", "team"]
    u = sample.units.set_index("unit_id")
    regions = u[u.level == "region"]
    assert len(regions) == 5
    assert set(regions.name) == {"华东区", "华中区", "西部区", "东北区", "华南区"}
    teams = u[u.level == "team"]
    parent_level = u.level.reindex(teams.parent_id.to_numpy()).to_numpy()
    assert (parent_level == "region").any(), "at least one team reports directly to a region"
    assert (parent_level == "branch").any()
    assert u.loc[u.level == "branch", "name"].str.endswith("分公司").all()
    # Reps sit in teams only.
    assert set(sample.reps.unit_id) <= set(teams.index)


def test_positions_differ_in_pay_and_kpi_mix(sample):
    r = sample.reps
    assert set(r.position) == {"store_sales", "channel_manager", "key_account_manager"}
    pay = r.groupby("position").base_salary.median()
    assert pay["store_sales"] < pay["channel_manager"] < pay["key_account_manager"]
    # Revenue per new customer: key accounts are worth far more than a store connection.
    s = sample.sales.merge(r[["rep_id", "position"]], on="rep_id")
    tot = s.pivot_table(index="position", columns="kpi", values="value", aggfunc="sum")
    per_cust = tot["revenue"] / tot["new_customers"]
    assert per_cust["key_account_manager"] > 5 * per_cust["store_sales"]
    assert set(r.grade[r.position == "store_sales"]) <= {"P1", "P2", "P3"}


def test_store_revenue_is_first_year_arpu_of_new_customers(sample):
    """China Mobile 2024 ARPU 48.5 CNY/month x 24 months (contract value) credited, with 10% noise."""
    s = sample.sales.merge(sample.reps[["rep_id", "position"]], on="rep_id")
    s = s[s.position == "store_sales"].pivot_table(
        index=["rep_id", "period"], columns="kpi", values="value"
    )
    s = s[s.new_customers > 0]
    ratio = (s.revenue / s.new_customers).median()
    assert ratio == pytest.approx(ARPU_CNY * CREDIT_MONTHS, rel=0.03)


def test_keys_unique_and_values_in_range(sample):
    s = sample.sales
    assert not s.duplicated(["rep_id", "period", "kpi"]).any()
    assert sample.reps.rep_id.is_unique and sample.units.unit_id.is_unique
    ret = s.loc[s.kpi == "hv_retention", "value"]
    assert ret.between(0, 1).all()
    assert ret.mean() == pytest.approx(0.975, abs=0.01)
    assert (s.loc[s.kpi != "hv_retention", "value"] >= 0).all()
    nc = s.loc[s.kpi == "new_customers", "value"]
    assert (nc == np.round(nc)).all()


def test_sales_exactly_during_employment(sample):
    """A row for every KPI in every month employed for at least one day, and no other."""
    s = sample.sales.merge(sample.reps, on="rep_id")
    start, end = s.period.dt.start_time, s.period.dt.end_time.dt.normalize()
    assert (s.hire_date <= end).all()
    assert (s.exit_date.isna() | (s.exit_date >= start)).all()
    first, last = sample.periods[0], sample.periods[-1]
    r = sample.reps
    h = r.hire_date.dt.to_period("M").where(r.hire_date.dt.to_period("M") > first, first)
    e = r.exit_date.dt.to_period("M").fillna(last)
    months = (e - h).map(lambda d: d.n) + 1
    got = sample.sales.groupby("rep_id").size().reindex(r.rep_id).to_numpy()
    np.testing.assert_array_equal(got, months.to_numpy() * 3)


def test_hires_and_exits_fall_mid_month(sample):
    r = sample.reps
    assert (r.hire_date.dt.day > 1).mean() > 0.5
    ex = r.exit_date.dropna()
    assert len(ex) > 50 and (ex.dt.day < ex.dt.days_in_month).mean() > 0.5
    assert (r.exit_date.isna() | (r.exit_date >= r.hire_date)).all()


# ----------------------------------------------------------------- determinism


def test_same_seed_same_data_bit_for_bit():
    a = generate(n_reps=120, months=24, seed=3)
    b = generate(n_reps=120, months=24, seed=3)
    for name, df in a.tables().items():
        pd.testing.assert_frame_equal(df, b.tables()[name], check_exact=True)
    assert a.content_hash() == b.content_hash()


def test_different_seed_different_data():
    a = generate(n_reps=120, months=24, seed=3)
    b = generate(n_reps=120, months=24, seed=4)
    assert a.content_hash() != b.content_hash()
    assert not np.array_equal(a.sales.value.to_numpy()[:100], b.sales.value.to_numpy()[:100])


def test_a_different_size_works_and_validates(tmp_path):
    import simlib as sl

    ds = generate(n_reps=40, months=13, seed=5, end="2025-06", n_regions=2)
    assert len(ds.periods) == 13 and str(ds.periods[-1]) == "2025-06"
    assert (ds.units.level == "region").sum() == 2
    back = sl.load_dataset(ds.save(tmp_path / "small", "csv"))
    assert len(back.sales) == len(ds.sales)
    assert set(back.units.name) == set(ds.units.name)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_reps": 20}, "at least 10 per region"),
        ({"n_regions": 6}, "n_regions must be between 1 and 5"),
        ({"months": 0}, "months must be at least 1"),
        ({"end": "December"}, "end must be a month"),
    ],
)
def test_bad_arguments_say_what_is_expected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate(**kwargs)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_reps=st.integers(10, 200),
    months=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
    n_regions=st.integers(1, 5),
    end_month=st.integers(1, 12),
)
def test_any_reasonable_arguments_give_a_consistent_dataset(
    n_reps, months, seed, n_regions, end_month
):
    n_reps = max(n_reps, 10 * n_regions)
    ds = generate(
        n_reps=n_reps, months=months, seed=seed, end=f"2025-{end_month:02d}", n_regions=n_regions
    )
    assert len(ds.periods) <= months
    s = ds.sales
    assert not s.duplicated(["rep_id", "period", "kpi"]).any()
    assert s.loc[s.kpi == "hv_retention", "value"].between(0, 1).all()
    assert set(s.rep_id) <= set(ds.reps.rep_id)
    emp = ds.employed_mask()
    has = ~np.isnan(ds.sales_array()).any(axis=2)
    np.testing.assert_array_equal(emp, has)
    t = ds.targets
    assert t.target.notna().all() and (t.target >= 0).all()


def test_chinese_numerals():
    got = [chinese_numeral(n) for n in (1, 9, 10, 11, 20, 21, 100, 101, 110, 1001, 2024)]
    assert got == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十一",
        "一百",
        "一百零一",
        "一百一十",
        "一千零一",
        "二千零二十四",
    ]


# ----------------------------------------------------------------- calibration


def test_top_20_percent_bring_55_to_65_percent_of_revenue(sample, big):
    """CSO Insights: the top 20% of reps bring just over 60% of revenue."""
    for ds in (sample, big):
        for y in (2024, 2025, 2026):
            assert 0.55 <= top20_share(annual_revenue(ds, y)) <= 0.65


def test_productivity_is_roughly_lognormal(big):
    """Log annual revenue within a position is close to symmetric (|skew| < 0.5)."""
    from scipy.stats import skew

    a = annual_revenue(big, 2025).rename("rev").reset_index()
    a = a.merge(big.reps[["rep_id", "position"]], on="rep_id")
    for _, g in a.groupby("position"):
        assert abs(skew(np.log(g.rev))) < 0.5
        assert skew(g.rev) > 1.0  # and clearly skewed on the raw scale


def test_annual_turnover_about_14_percent(sample, big):
    """Alexander Group: about 14% a year; the band 10-18% per year, 12-16% pooled."""
    for ds in (sample, big):
        rates = [turnover(ds.reps, y) for y in (2024, 2025, 2026)]
        assert all(0.10 <= r <= 0.18 for r in rates), rates
    assert 0.12 <= np.mean([turnover(big.reps, y) for y in (2024, 2025, 2026)]) <= 0.16


def test_new_hires_ramp_over_three_to_five_months(big):
    """Bridge Group: 3-5 months to full productivity. Months since hire vs a rep's own month 6-11."""
    r = big.reps[big.reps.hire_date >= "2024-01-01"][["rep_id", "hire_date"]]
    s = big.sales[big.sales.kpi == "new_customers"].merge(r, on="rep_id")
    s["k"] = (s.period - s.hire_date.dt.to_period("M")).map(lambda d: d.n)
    per = s.pivot_table(index="rep_id", columns="k", values="value", aggfunc="sum")
    full = per.loc[:, 6:11].mean(axis=1)
    ok = full > 0
    ratio = per[ok].loc[:, 1:5].div(full[ok], axis=0).mean()
    # Linear ramp (k+1)/(R+1), R in {3,4,5}: month 1 ~0.42, month 5 = 1.
    assert ratio[1] < 0.6
    assert ratio[2] < ratio[3] < ratio[5]
    assert ratio[5] > 0.85


def test_quarter_months_near_25_30_45_and_year_end_lift(sample):
    """Oyer (1998): end-of-quarter and end-of-year lifts."""
    rev = sample.sales[sample.sales.kpi == "revenue"].groupby("period").value.sum()
    q = rev.groupby([rev.index.year, rev.index.quarter]).transform("sum")
    share = (rev / q).groupby((rev.index.month - 1) % 3).mean()
    np.testing.assert_allclose(share.to_numpy(), [0.25, 0.30, 0.45], atol=0.02)
    by_q = rev.groupby(rev.index.quarter).sum()
    assert by_q[4] > by_q[1] * 1.08


def test_regions_sized_by_miit_5g_users(big):
    """Seats follow MIIT's 5G users (East split 60/40 into East and South)."""
    users = {r.code: r.users_5g_m for r in REGIONS}
    expected = pd.Series(users) / sum(users.values())
    from simlib.data.org import Hierarchy

    h = Hierarchy(big.units)
    jan = pd.Timestamp("2025-01-31")
    r = big.reps[
        (big.reps.hire_date <= jan) & (big.reps.exit_date.isna() | (big.reps.exit_date >= jan))
    ]
    region = pd.Series(h.ancestor_at(r.unit_id.to_numpy(), "region"))
    got = region.value_counts(normalize=True)
    np.testing.assert_allclose(got.reindex(expected.index), expected, atol=0.02)


@pytest.mark.slow  # generates 20,000 seats
def test_market_potential_per_rep_differs_by_region():
    """East (x1.15) sells more per rep than the North-East (x0.85): log ratio 0.30 for the
    same position. Ability varies a lot between reps (sd 0.85 in logs), so this needs a
    large force to measure: 20,000 seats, one year."""
    from simlib.data.org import Hierarchy

    ds = generate(n_reps=20_000, months=12, seed=5)
    h = Hierarchy(ds.units)
    a = np.log(annual_revenue(ds, 2026)).rename("rev").reset_index()
    a = a.merge(ds.reps[["rep_id", "unit_id", "position"]], on="rep_id")
    a["region"] = h.ancestor_at(a.unit_id.to_numpy(), "region")
    a = a[a.position == "store_sales"]
    gap = a.rev[a.region == "E"].mean() - a.rev[a.region == "NE"].mean()
    assert 0.2 < gap < 0.4


def test_common_shocks_move_regions_together(big):
    """Company-wide shocks: deseasonalised regional totals co-move (positive correlation)."""
    from simlib.data.org import Hierarchy

    h = Hierarchy(big.units)
    s = big.sales[big.sales.kpi == "new_customers"].merge(
        big.reps[["rep_id", "unit_id"]], on="rep_id"
    )
    s["region"] = h.ancestor_at(s.unit_id.to_numpy(), "region")
    tot = s.pivot_table(index="period", columns="region", values="value", aggfunc="sum")
    # Remove seasonality and trend: log total minus its calendar-month mean.
    lg = np.log(tot)
    resid = lg - lg.groupby(lg.index.month).transform("mean")
    corr = resid.corr().to_numpy()
    off = corr[~np.eye(len(corr), dtype=bool)]
    assert off.mean() > 0.2


def test_share_of_reps_at_annual_quota_55_to_65_percent(sample, big):
    """CSO Insights realised ~57-60%; Alexander Group aim 60-70%. Band: 55-65% pooled."""
    for ds in (sample, big):
        t = ds.targets[ds.targets.kpi == "revenue"]
        shares = []
        for y in (2024, 2025, 2026):
            a = annual_revenue(ds, y)
            q = t[t.period.dt.year == y].groupby("rep_id").target.sum().reindex(a.index)
            hit = (a >= q).to_numpy()
            shares.append(hit.mean())
            assert 0.45 <= hit.mean() <= 0.75
        assert 0.55 <= np.mean(shares) <= 0.65, shares


def test_quotas_follow_the_documented_asymmetric_ratchet(sample):
    """For reps employed all of 2024 and 2025 and hired before 2023: the 2025 quota is
    2024 actual x 1.01 after a beat, and (actual + half the shortfall) x 1.01 after a miss."""
    g = Calibration().target_growth
    r = sample.reps
    ok = full_year_ids(r, 2024) & full_year_ids(r, 2025)
    ok &= set(r.rep_id[r.hire_date < "2023-01-01"])
    t = sample.targets[(sample.targets.kpi == "revenue") & sample.targets.rep_id.isin(ok)]
    quota = t.groupby([t.period.dt.year, "rep_id"]).target.sum()
    a24 = annual_revenue(sample, 2024).reindex(sorted(ok))
    q24, q25 = quota[2024].reindex(a24.index), quota[2025].reindex(a24.index)
    expected = np.where(a24 >= q24, a24, a24 + 0.5 * (q24 - a24)) * (1 + g)
    # Monthly quotas are rounded to the yuan: at most 12 x 0.5 off.
    np.testing.assert_allclose(q25, expected, atol=6.0)
    assert (a24 < q24).sum() > 50 and (a24 >= q24).sum() > 50


def test_new_hires_get_ramped_quotas_and_retention_standards(sample):
    r = sample.reps[sample.reps.hire_date >= "2025-02-01"].head(30)
    t = sample.targets.merge(r[["rep_id", "hire_date"]], on="rep_id")
    rev = t[t.kpi == "revenue"].copy()
    rev["k"] = (rev.period - rev.hire_date.dt.to_period("M")).map(lambda d: d.n)
    first = rev[rev.k == 1].set_index("rep_id").target
    fifth = rev[rev.k == 5].set_index("rep_id").target
    both = first.index.intersection(fifth.index)
    # Standard 4-month ramp: month 1 at 2/5 of month 5's level (before seasonality).
    assert (first[both] < fifth[both]).mean() > 0.8
    ret = sample.targets[sample.targets.kpi == "hv_retention"].target
    assert ret.between(0.9, 1).all()


def test_competence_scores(sample):
    c = sample.competence
    assert set(c.item) == {"product_knowledge", "customer_relationship", "negotiation", "teamwork"}
    assert c.score.between(1, 5).all() and (c.score == np.round(c.score)).all()
    assert set(c.period.dt.month) == {6, 12}
    # Assessed only while employed at the close of the month.
    m = c.merge(sample.reps, on="rep_id")
    close = m.period.dt.end_time.dt.normalize()
    assert (m.hire_date <= close).all() and (m.exit_date.isna() | (m.exit_date >= close)).all()


def test_competence_tracks_performance_and_tenure(big):
    """Correlated with performance (rank within position), teamwork least; rising with tenure."""
    from scipy.stats import spearmanr

    a = annual_revenue(big, 2025).rename("rev").reset_index()
    a = a.merge(big.reps[["rep_id", "position", "hire_date"]], on="rep_id")
    a["rank"] = a.groupby("position").rev.rank(pct=True)
    c = big.competence[big.competence.period.dt.year == 2025]
    sc = c.pivot_table(index="rep_id", columns="item", values="score", aggfunc="mean")
    a = a.join(sc, on="rep_id").dropna()
    rho = {i: spearmanr(a["rank"], a[i])[0] for i in sc.columns}
    assert 0.1 < rho["negotiation"] < 0.6
    assert rho["teamwork"] < rho["negotiation"]
    # Tenure: reps with > 5 years score higher than those with < 1 year, on average.
    c = big.competence.merge(big.reps[["rep_id", "hire_date"]], on="rep_id")
    ten = (c.period.dt.end_time - c.hire_date).dt.days / 365.25
    assert c.score[ten > 5].mean() > c.score[ten < 1].mean() + 0.3


def test_potential_is_team_level_and_informative(sample):
    p = sample.potential
    assert set(p.kpi) == {"revenue", "new_customers"}
    teams = set(sample.units.unit_id[sample.units.level == "team"])
    assert set(p.unit_id) == teams
    assert (p.value > 0).all()
    s = sample.sales[(sample.sales.kpi == "revenue") & (sample.sales.period.dt.year == 2026)]
    actual = s.merge(sample.reps[["rep_id", "unit_id"]], on="rep_id").groupby("unit_id").value.sum()
    pot = p[p.kpi == "revenue"].set_index("unit_id").value
    rho = pd.concat([actual, pot], axis=1).corr(method="spearman").iloc[0, 1]
    assert rho > 0.7
    # Potential is the market, not the operator's sales: well above actual.
    assert (pot.reindex(actual.index) > actual).mean() > 0.9


def test_command_line_writes_a_loadable_dataset(tmp_path, capsys):
    import simlib as sl

    out = tmp_path / "ds"
    assert main(["--out", str(out), "--n-reps", "60", "--months", "6", "--seed", "2"]) == 0
    assert "wrote Dataset(" in capsys.readouterr().out
    ds = sl.load_dataset(out)
    assert len(ds.periods) == 6
    ref = generate(n_reps=60, months=6, seed=2)
    assert len(ds.sales) == len(ref.sales)


def test_bundled_sample_matches_its_documented_command(tmp_path, monkeypatch):
    """data/sample is exactly what `python -m simlib.data.synthetic --out data/sample` writes."""
    from pathlib import Path

    committed = Path(__file__).resolve().parents[1] / "data" / "sample"
    monkeypatch.chdir(tmp_path)  # run the very command, relative path included
    assert main(["--out", "data/sample"]) == 0
    fresh = tmp_path / "data" / "sample"
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in fresh.iterdir())
    assert "README.md" in names and "sales.csv" in names
    for name in names:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), (
            f"data/sample/{name} differs from a fresh run: the generator changed without "
            "`make sample`, or this numpy draws different random streams (NumPy does not "
            "promise Generator streams across versions)"
        )
    size = sum((committed / n).stat().st_size for n in names)
    assert size < 5 * 2**20
    assert "python -m simlib.data.synthetic --out data/sample\n" in (
        committed / "README.md"
    ).read_text(encoding="utf-8")


def test_command_line_never_replaces_a_folder_holding_other_files(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["--out", str(folder), "--n-reps", "60", "--months", "3"])
    assert "refusing to replace" in capsys.readouterr().err
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"

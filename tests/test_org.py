"""The hierarchy and roll-ups, checked on the tiny tree by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.data.org import Hierarchy, HierarchyError, rollup


def test_levels_and_paths(tiny_ds):
    h = Hierarchy.of(tiny_ds)
    assert h.levels == ["company", "region", "branch", "team"]
    assert h.root == "HQ"
    assert h.path_to_root("N1a") == ["N1a", "N1", "N", "HQ"]
    assert h.rep_path(tiny_ds.reps, "r4") == ["S1", "S", "HQ"]
    assert sorted(h.subtree("N")) == ["N", "N1", "N1a", "N1b"]
    assert h.children("HQ") == ["N", "S"]


def test_ancestor_at_level_in_an_unbalanced_tree(tiny_ds):
    h = Hierarchy.of(tiny_ds)
    got = h.ancestor_at(["N1a", "N1b", "S1", "N", "HQ"], "branch")
    # S1 has no branch above it: the team stands in for its branch.
    # N and HQ are above the branch level: each stands in for itself.
    assert got.tolist() == ["N1", "N1", "S1", "N", "HQ"]
    assert h.ancestor_at(["N1a", "S1"], "region").tolist() == ["N", "S"]


def test_rollup_sums_revenue_and_averages_retention_by_headcount(tiny_ds):
    out = rollup(tiny_ds.sales, tiny_ds, "region")
    feb = out[out["period"] == pd.Period("2026-02", "M")].set_index(["unit_id", "kpi"])["value"]
    # February: North = r1 200 + r2 400 + r3 100; South = r4 600 + r5 80.
    assert feb[("N", "revenue")] == 700.0
    assert feb[("S", "revenue")] == 680.0
    # Retention is a headcount mean: North (0.9+0.8+0.7)/3, South (0.95+0.6)/2.
    assert feb[("N", "hv_retention")] == pytest.approx(0.8)
    assert feb[("S", "hv_retention")] == pytest.approx(0.775)


def test_rollup_weighted_mean(tiny_ds):
    kpis = tiny_ds.kpis.copy()
    kpis["weight_kpi"] = pd.array([pd.NA, "revenue"], dtype="string")
    ds = type(tiny_ds)(kpis=kpis, units=tiny_ds.units, reps=tiny_ds.reps, sales=tiny_ds.sales)
    out = rollup(ds.sales, ds, "company")
    jan = out[(out["period"] == pd.Period("2026-01", "M")) & (out["kpi"] == "hv_retention")]
    w = np.array([100, 200, 50, 300.0])
    r = np.array([0.9, 0.8, 0.7, 0.95])
    assert jan["value"].item() == pytest.approx((w * r).sum() / w.sum())


def test_cycle_and_two_roots_are_rejected(tiny_ds):
    units = tiny_ds.units.copy()
    units.loc[units["unit_id"] == "HQ", "parent_id"] = "N1a"
    with pytest.raises(HierarchyError, match="root"):
        Hierarchy(units)
    units = tiny_ds.units.copy()
    units.loc[units["unit_id"] == "S", "parent_id"] = pd.NA
    with pytest.raises(HierarchyError, match="exactly one root"):
        Hierarchy(units)


@pytest.mark.parametrize("names", [("zone", "team"), ("营业部", "团队"), ("branch", "a_team")])
def test_level_order_follows_the_tree_not_the_names(tiny_ds, names):
    """A team directly under a region sits at a branch's depth: the order must come
    from which level is above which, whatever the levels are called."""
    branch, team = names
    units = tiny_ds.units.copy()
    units["level"] = units["level"].replace({"branch": branch, "team": team})
    ds = type(tiny_ds)(kpis=tiny_ds.kpis, units=units, reps=tiny_ds.reps, sales=tiny_ds.sales)
    h = Hierarchy(ds.units)
    assert h.levels == ["company", "region", branch, team]
    jan = rollup(ds.sales, ds, team)
    jan = jan[(jan["period"] == pd.Period("2026-01", "M")) & (jan["kpi"] == "revenue")]
    # r1 100 + r2 200 in N1a; r3 50 in N1b; r4 300 in S1 (r5 hired in February).
    assert jan.set_index("unit_id")["value"].to_dict() == {"N1a": 300.0, "N1b": 50.0, "S1": 300.0}


def test_reps_attached_above_the_level_stay_in_the_rollup(tiny_ds):
    reps = tiny_ds.reps.copy()
    reps.loc[reps["rep_id"] == "r4", "unit_id"] = "S"  # r4 reports to the region directly
    ds = type(tiny_ds)(kpis=tiny_ds.kpis, units=tiny_ds.units, reps=reps, sales=tiny_ds.sales)
    teams = rollup(ds.sales, ds, "team")
    company = rollup(ds.sales, ds, "company")
    rev = lambda f: f.loc[f["kpi"] == "revenue", "value"].sum()  # noqa: E731
    assert rev(teams) == rev(company)
    assert "S" in set(teams["unit_id"])

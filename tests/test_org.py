"""The hierarchy and roll-ups, checked on the tiny tree by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.org import Hierarchy, HierarchyError, rollup


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
    # N and HQ are above the branch level: no stand-in.
    assert got.tolist() == ["N1", "N1", "S1", None, None]
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

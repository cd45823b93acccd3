"""The Dataset's array views, checked by hand on the tiny tree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlib.data.org import rollup


def test_sales_array_places_each_row_and_leaves_gaps_nan(tiny_ds):
    x = tiny_ds.sales_array(kpis=["revenue"])
    assert x.shape == (5, 3, 1)
    # r1 sells 100, 200, 300; r3 left in February (no March row); r5 joined in February.
    assert x[0, :, 0].tolist() == [100.0, 200.0, 300.0]
    assert np.isnan(x[2, 2, 0]) and np.isnan(x[4, 0, 0])


# tiny_ds is only read: the same dataset serves every example.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reps=st.lists(st.sampled_from(["r1", "r2", "r3", "r4", "r5", "nobody"]), unique=True),
    months=st.lists(st.sampled_from(["2025-12", "2026-01", "2026-02", "2026-03", "2026-07"]),
                    unique=True),
    kpis=st.lists(st.sampled_from(["revenue", "new_customers", "unknown"]), unique=True,
                  min_size=1),
)  # fmt: skip
def test_sales_array_equals_a_row_by_row_lookup_for_any_axes(tiny_ds, reps, months, kpis):
    periods = pd.PeriodIndex(months, freq="M")
    x = tiny_ds.sales_array(kpis=kpis, periods=periods, rep_ids=np.array(reps, dtype=object))
    want = np.full((len(reps), len(months), len(kpis)), np.nan)
    for row in tiny_ds.sales.itertuples(index=False):
        if row.rep_id in reps and str(row.period) in months and row.kpi in kpis:
            want[reps.index(row.rep_id), months.index(str(row.period)), kpis.index(row.kpi)] = (
                row.value
            )
    np.testing.assert_array_equal(x, want)


def test_sales_codes_are_narrow_and_name_each_row(tiny_ds):
    sc = tiny_ds.sales_codes()
    assert (sc.rep.dtype, sc.month.dtype, sc.kpi.dtype) == (np.int32, np.int32, np.int16)
    s = tiny_ds.sales
    assert tiny_ds.reps["rep_id"].to_numpy()[sc.rep].tolist() == s["rep_id"].tolist()
    assert [tiny_ds.kpi_names[k] for k in sc.kpi] == s["kpi"].tolist()
    assert sc.month.tolist() == [(p.year - 1970) * 12 + p.month - 1 for p in s["period"]]
    assert sc.value.tolist() == s["value"].tolist()


def test_employed_mask_survives_placeholder_exit_dates(tiny_ds):
    reps = tiny_ds.reps.copy()
    # 9999-12-31 is how many HR systems write "still employed"; it is outside the
    # nanosecond range pandas uses by default (years 1677-2262).
    reps["exit_date"] = pd.Series(
        np.array(["9999-12-31", "NaT", "2026-02-20", "NaT", "NaT"], dtype="datetime64[s]")
    )
    ds = type(tiny_ds)(kpis=tiny_ds.kpis, units=tiny_ds.units, reps=reps, sales=tiny_ds.sales)
    assert ds.employed_mask().astype(int).tolist() == [
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 0],  # left on 20 February: employed for part of February only
        [1, 1, 1],
        [0, 1, 1],  # hired on 10 February
    ]


def test_weighted_rollup_does_not_depend_on_the_frame_index(tiny_ds):
    kpis = tiny_ds.kpis.copy()
    kpis["weight_kpi"] = pd.array([pd.NA, "revenue"], dtype="string")
    ds = type(tiny_ds)(kpis=kpis, units=tiny_ds.units, reps=tiny_ds.reps, sales=tiny_ds.sales)
    shuffled = ds.sales.set_index(pd.Index([0] * len(ds.sales)))  # a non-unique index
    a = rollup(shuffled, ds, "region").sort_values(["unit_id", "period", "kpi"])
    b = rollup(ds.sales, ds, "region").sort_values(["unit_id", "period", "kpi"])
    assert a["value"].to_numpy() == pytest.approx(b["value"].to_numpy())


def test_a_generated_dataset_meets_the_contract_and_equals_itself_saved_and_loaded(tmp_path):
    from typed_contract import assert_typed_contract

    import simlib as sl
    from simlib.data.synthetic import generate

    ds = generate(n_reps=60, months=14, seed=5)
    assert_typed_contract(ds)
    back = sl.load_dataset(ds.save(tmp_path / "d", format="csv"))
    for name, table in ds.tables().items():
        pd.testing.assert_frame_equal(table, back.tables()[name], check_exact=True)
    assert back.content_hash() == ds.content_hash()


def test_derived_data_is_built_once_and_not_handed_to_a_copy_with_other_tables(tiny_ds):
    import dataclasses

    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert tiny_ds.derived(("count", 1), build) == 1
    assert tiny_ds.derived(("count", 1), build) == 1  # kept: not built again
    assert tiny_ds.derived(("count", 2), build) == 2  # another key, its own value
    other = dataclasses.replace(tiny_ds, sales=tiny_ds.sales.iloc[:3])
    assert other.derived(("count", 1), build) == 3  # the copy builds its own

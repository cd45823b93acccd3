"""The DuckDB results store: a stored run reads back equal, keys follow the inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib.workbench.store import Store, StoreError, run_key

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def result(small_ds):
    return sl.simulate(
        ds=small_ds,
        plan=ROOT / "scenarios" / "plans" / "am_current.yaml",
        appraisal=ROOT / "scenarios" / "appraisal" / "bands_entropy.yaml",
        draws=4,  # a round trip: exact for any number of draws
        seed=5,
        progress=False,
        name="current",
    )


def test_round_trip_is_exact(tmp_path, result):
    st = Store(tmp_path / "r.duckdb")
    st.save("k1", result, batch="b")
    back = st.load("k1")
    assert back.name == "current"
    pd.testing.assert_frame_equal(back.per_draw, result.per_draw, check_dtype=False)
    assert set(back.group_draws) == set(result.group_draws)
    for k, frame in result.group_draws.items():
        got = back.group_draws[k]
        assert [str(c) for c in got.columns] == [str(c) for c in frame.columns]
        np.testing.assert_array_equal(got.to_numpy(float), frame.to_numpy(float))
    num = [c for c in result.reps.columns if c not in ("rep_id", "unit_id", "position", "region")]
    np.testing.assert_array_equal(back.reps[num].to_numpy(float), result.reps[num].to_numpy(float))
    assert back.reps["rep_id"].tolist() == result.reps["rep_id"].tolist()
    assert back.provenance["seed"] == 5
    # The comparison machinery works on stored results as on fresh ones.
    cmp = sl.compare([result, back.__class__(**{**back.__dict__, "name": "again"})])
    assert cmp.loc["total_payout", ("again", "diff")] == 0.0


@settings(max_examples=25, deadline=None)
@given(
    draws=st.integers(1, 5),
    metrics=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=4, unique=True),
    groups=st.lists(st.text(max_size=4), max_size=4, unique=True),
    reps=st.integers(0, 4),
    text_columns=st.sets(st.sampled_from(["unit_id", "position", "region"])),
    fields=st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=3, unique=True),
    seed=st.integers(0, 1000),
)
def test_any_result_reads_back_exactly(
    tmp_path_factory, draws, metrics, groups, reps, text_columns, fields, seed
):
    # Odd shapes: no reps, labels in any script, text columns missing (stored
    # as empty text), more columns than rows.
    from simlib.engine.simulate import SimulationResult

    fields = [f"{f}_" for f in fields]  # none named like a text column
    rng = np.random.default_rng(seed)
    per_draw = pd.DataFrame(rng.normal(size=(draws, len(metrics))), columns=metrics)
    per_draw.index.name = "draw"
    group_draws = {"g": pd.DataFrame(rng.normal(size=(draws, len(groups))), columns=groups)}
    rep_frame = pd.DataFrame({"rep_id": [f"R{i}" for i in range(reps)]})
    for c in sorted(text_columns):
        rep_frame[c] = [f"{c}{i % 2}" for i in range(reps)]
    for f in fields:
        rep_frame[f] = rng.normal(size=reps)
    hist = pd.DataFrame({"attainment_from": [0.0, 0.5], "share": [0.25, 0.75]})
    result = SimulationResult(
        name="odd", per_draw=per_draw, group_draws=group_draws, reps=rep_frame,
        attainment_hist=hist, provenance={"seed": seed}, seconds=0.0,
    )  # fmt: skip
    store = Store(tmp_path_factory.mktemp("odd") / "r.duckdb")
    store.save("k", result)
    back = store.load("k")
    np.testing.assert_array_equal(back.per_draw.to_numpy(), per_draw.to_numpy())
    assert list(back.per_draw.columns) == metrics
    got = back.group_draws.get("g")
    if groups:
        assert list(got.columns) == groups
        np.testing.assert_array_equal(got.to_numpy(), group_draws["g"].to_numpy())
    assert back.reps["rep_id"].tolist() == rep_frame["rep_id"].tolist()
    for c in ("unit_id", "position", "region"):
        want = rep_frame[c].tolist() if c in rep_frame else [""] * reps
        assert back.reps[c].tolist() == want
    if reps:
        assert list(back.reps.columns[4:]) == fields
        np.testing.assert_array_equal(back.reps[fields].to_numpy(), rep_frame[fields].to_numpy())


def test_save_replaces_and_log_appends(tmp_path, result):
    st = Store(tmp_path / "r.duckdb")
    st.save("k", result)
    st.save("k", result)
    assert len(st.runs()) == 1
    st.log("b", "current", "k", "simulated")
    st.log("b", "current", "k", "reused")
    assert st.run_log("b")["action"].tolist() == ["simulated", "reused"]
    assert st.has("k") and not st.has("other")


def test_key_changes_with_every_input():
    base = run_key("h", "d", 1, 100, "0.1")
    assert run_key("h", "d", 1, 100, "0.1") == base
    for args in [("h2", "d", 1, 100, "0.1"), ("h", "d2", 1, 100, "0.1"), ("h", "d", 2, 100, "0.1"),
                 ("h", "d", 1, 101, "0.1"), ("h", "d", 1, 100, "0.2")]:  # fmt: skip
        assert run_key(*args) != base


def test_read_only_store_must_exist(tmp_path):
    with pytest.raises(StoreError, match="not found"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_a_save_that_fails_while_the_store_is_held_leaves_nothing_half_written(tmp_path, result):
    """Held open for a batch's simulations, the store still saves all of a run or none of
    it, and what is written inside the block is there once the block ends."""
    import copy

    st = Store(tmp_path / "r.duckdb")
    broken = copy.copy(result)
    # Its histogram lacks a column the table needs: the last insert of the save fails.
    broken.attainment_hist = result.attainment_hist.iloc[:, :1]
    with st.held():
        st.save("good", result)
        with pytest.raises(Exception, match="(?i)binder|column"):
            st.save("bad", broken)
        st.save("after", result)
        st.log("b", "current", "after", "simulated")
    other = Store(tmp_path / "r.duckdb", read_only=True)  # another reader can open it now
    assert other.has("good") and other.has("after") and not other.has("bad")
    assert len(other.load("after").per_draw) == len(result.per_draw)
    for table in ("per_draw", "reps", "group_draws"):
        assert other._df(f"SELECT count(*) AS n FROM {table} WHERE run_key = 'bad'")["n"][0] == 0
    assert other.run_log("b")["action"].tolist() == ["simulated"]

"""The ``dask`` backend splits the population into partitions of whole units.

Each worker receives only its partition, computes its reps and keeps their per-rep
sums and histogram counts; the population's totals are exact sums that add the
same over any partition (checked against :func:`math.fsum`), so a run over
partitions equals the local run bit for bit (every rep's random numbers
depend only on the draw and its place in the roster, every group a rep's result
depends on is whole in one partition). Checked on a ``LocalCluster`` of processes,
on one of threads with three partitions, and on a scheduler and two workers
started as separate processes on loopback, as a production cluster runs.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlib.data.synthetic import generate
from simlib.engine import simulate

pytest.importorskip("dask.distributed")

PLAN = "scenarios/plans/telecom_account_manager.yaml"
SCORECARD = "scenarios/appraisal/five_grade_forced.yaml"
KW = dict(plan=PLAN, appraisal=SCORECARD, draws=7, seed=4, turnover=0.1, progress=False)


@pytest.fixture(scope="module")
def force():
    return generate(n_reps=90, months=36, seed=8)


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.per_draw, b.per_draw, check_exact=True)
    pd.testing.assert_frame_equal(a.reps, b.reps, check_exact=True)
    pd.testing.assert_frame_equal(a.attainment_hist, b.attainment_hist, check_exact=True)
    assert a.group_draws.keys() == b.group_draws.keys()
    for k, g in a.group_draws.items():
        pd.testing.assert_frame_equal(g, b.group_draws[k], check_exact=True)


def _work_of(ds, **kw):
    """The prepared work of a run (captured from the local backend)."""
    import simlib.engine.simulate  # noqa: F401  (the module, not the function)

    mod = sys.modules["simlib.engine.simulate"]
    got = {}
    original = mod.run_local

    def capture(work, ranges, **k):
        got["work"] = work
        return original(work, ranges, **k)

    mod.run_local = capture
    try:
        simulate(ds=ds, **{**kw, "draws": 1})
    finally:
        mod.run_local = original
    return got["work"]


_finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@settings(max_examples=200, deadline=None)
@given(st.lists(_finite, max_size=60), st.integers(min_value=0, max_value=60))
def test_exact_sums_are_fsum_whatever_the_split(values, cut):
    from simlib.metrics import exact_sums

    x = np.asarray(values, dtype=float)
    cut = min(cut, len(x))
    whole = exact_sums(x).value()
    parts = (exact_sums(x[cut:]) + exact_sums(x[:cut])).value()
    assert whole == parts == math.fsum(values)
    assert exact_sums(x[::-1]).value() == whole


def test_exact_sums_by_group_are_fsum_per_group_and_draw():
    from simlib.metrics import exact_sums

    rng = np.random.default_rng(3)
    x = rng.lognormal(8, 3, size=(4, 500)) * rng.choice([-1.0, 1.0], size=(4, 500))
    g = rng.integers(0, 5, 500)
    got = exact_sums(x, g, 5).value()
    for d in range(4):
        for k in range(5):
            assert got[d, k] == math.fsum(x[d, g == k])
    special = exact_sums(np.array([[1.0, np.inf], [np.inf, -np.inf], [np.nan, 2.0]])).value()
    assert special[0] == np.inf and np.isnan(special[1]) and np.isnan(special[2])


def test_a_partition_chunk_sends_no_per_rep_counts(force):
    from simlib.engine.draw_metrics import VECTORS
    from simlib.engine.partition import Split, partition_chunk, partition_totals

    work = _work_of(force, **KW)
    split = Split(work, [np.arange(work.targets.shape[0])])
    [part] = split.parts(draws=3)
    out = partition_chunk(part, 0, 3)
    assert set(out["vectors"]) == set(VECTORS)
    assert all(v.shape == (3, len(part.columns)) for v in out["vectors"].values())
    assert "bins" not in out and "reps" not in out
    totals = partition_totals(part)  # what the worker kept: three draws per rep
    assert (totals["reps"]["attainment_n"] <= 3).all()
    assert totals["attainment_q"].shape == (len(part.columns), 3)


def test_partitions_keep_every_ranking_and_team_group_whole(force):
    from simlib.engine.partition import unit_partitions

    work = _work_of(force, **KW)
    parts = unit_partitions(work, 2)
    assert len(parts) == 2
    rows = np.concatenate(parts)
    assert sorted(rows.tolist()) == list(range(work.targets.shape[0]))  # a partition of the reps
    # The scorecard ranks within region and the team component sums branches:
    # no region and no branch may straddle two partitions.
    part_of = np.empty(len(rows), dtype=int)
    for j, p in enumerate(parts):
        part_of[p] = j
    for _, _, inv, _ in work.plan.teams.values():
        for team in np.unique(inv):
            assert len(set(part_of[inv == team])) == 1
    rated_rows = np.asarray(work.paid)[work.rated]
    codes = work.scorecard.rating_groups.codes
    for g in np.unique(codes):
        assert len(set(part_of[rated_rows[codes == g]])) == 1
    sizes = [len(p) for p in parts]
    assert min(sizes) > 0


def test_plan_arithmetic_in_blocks_of_whole_units_gives_the_results_of_one_block(
    force, monkeypatch
):
    import dataclasses

    import yaml

    from simlib.engine import kernel
    from simlib.plans import Plan

    # A roster sorted by unit (each block one stretch of it) and a plan whose bonus is
    # multiplied by the appraisal's coefficient, so every block reads its reps' scores.
    reps = force.reps.sort_values(["unit_id", "rep_id"], kind="stable").reset_index(drop=True)
    ds = dataclasses.replace(force, reps=reps)
    root = Path(__file__).resolve().parents[1]
    spec = yaml.safe_load((root / PLAN).read_text(encoding="utf-8"))
    spec["components"].append(
        {"type": "scorecard", "name": "rating", "applies_to": ["revenue_bonus"],
         "curve": [[0.5, 0.5], [1.5, 1.5]]}
    )  # fmt: skip
    kw = {**KW, "plan": Plan.from_dict(spec)}
    whole = simulate(ds=ds, chunk_size=3, **kw)
    monkeypatch.setattr(kernel, "PLAN_BLOCK_REPS", 15)
    work = _work_of(ds, **kw)
    blocks = work.plan_blocks()
    assert len(blocks) >= 3 and all(isinstance(b.rows, slice) for b in blocks)
    # Each team component's branch sits in one block, as the unit's attainment needs.
    for _, _, inv, _ in work.plan.teams.values():
        block_of = np.empty(work.targets.shape[0], dtype=int)
        for j, block in enumerate(blocks):
            block_of[block.rows] = j
        for team in np.unique(inv):
            assert len(set(block_of[inv == team])) == 1
    blocked = simulate(ds=ds, chunk_size=3, **kw)
    _assert_same(whole, blocked)
    assert (whole.reps["mean_payout"] > 0).mean() > 0.5  # pay to compare, not zeros
    # ... and the ratings do move the bonus (the blocks passed on their reps' scores).
    unrated = simulate(ds=ds, chunk_size=3, **KW)
    assert (whole.reps["mean_payout"] != unrated.reps["mean_payout"]).mean() > 0.5


def test_dask_run_over_partitions_equals_the_local_run(force, monkeypatch):
    held: list[dict] = []
    # What an earlier cluster leaves in this process: Dask's own trim threshold.
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")

    def reps_held(dask_worker) -> int:
        data = dask_worker.data
        works = [getattr(v, "work", None) for v in data.values()]
        return sum(w.targets.shape[0] for w in works if hasattr(w, "rep_values"))

    import simlib.engine.simulate  # noqa: F401

    mod = sys.modules["simlib.engine.simulate"]
    original = mod.run_dask

    def on_cluster(client):
        held.append(client.run(reps_held))
        # Workers reuse freed arrays (with Dask's 64 KiB trim threshold glibc maps every
        # array of a chunk afresh), even after an earlier cluster in this process.
        from simlib.engine.backends import WORKER_MALLOC

        for name, value in WORKER_MALLOC.items():
            env = client.run(lambda name=name: os.environ.get(name))
            assert set(env.values()) == {str(value)}, (name, env)
        assert set(client.run(lambda: os.environ.get("OMP_NUM_THREADS")).values()) == {"1"}
        # No statistical profiler: its samples pile up on the workers for no result.
        profiling = client.run(lambda dask_worker: "profile" in dask_worker.periodic_callbacks)
        assert set(profiling.values()) == {False}

    def run_dask(*a, **k):
        k["on_cluster"] = on_cluster
        return original(*a, **k)

    local = simulate(ds=force, chunk_size=3, **KW)
    mod.run_dask = run_dask
    try:
        dask = simulate(ds=force, chunk_size=2, backend="dask", n_workers=2, **KW)
    finally:
        mod.run_dask = original
    _assert_same(local, dask)
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536"  # this process's, put back
    # After the run each worker holds one partition: together the whole population
    # simulated, neither all of it.
    total = _work_of(force, **KW).targets.shape[0]
    per_worker = list(held[-1].values())
    assert sum(per_worker) == total
    assert all(0 < n < total for n in per_worker)


def test_two_partitions_on_an_in_process_cluster_give_the_local_results(force):
    from dask.distributed import LocalCluster

    local = simulate(ds=force, chunk_size=4, **KW)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        dask = simulate(
            ds=force, chunk_size=3, backend="dask", address=cluster.scheduler_address, **KW
        )
    _assert_same(local, dask)


def test_three_partitions_on_an_in_process_cluster_give_the_local_results(force):
    from dask.distributed import LocalCluster

    from simlib.engine.partition import unit_partitions

    assert len(unit_partitions(_work_of(force, **KW), 3)) == 3  # three partitions really run
    local = simulate(ds=force, chunk_size=3, **KW)
    with LocalCluster(
        n_workers=3, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        dask = simulate(
            ds=force, chunk_size=5, backend="dask", address=cluster.scheduler_address, **KW
        )
    _assert_same(local, dask)
    # Shares and counts are what the reps' attainments say, whichever backend added them.
    hist = dask.attainment_hist["share"].to_numpy()
    assert abs(hist.sum() - 1.0) < 1e-12
    assert ((dask.reps["p_at_quota"] >= 0) & (dask.reps["p_at_quota"] <= 1)).all()


def _wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} was not written in {seconds} s")
        time.sleep(0.2)


@pytest.fixture
def external_cluster(tmp_path):
    """A scheduler and two single-threaded workers as separate processes on loopback,
    found through a scheduler file (ports chosen by the system); stopped afterwards."""
    dask_cli = Path(sys.executable).with_name("dask")
    if not dask_cli.exists():
        pytest.skip(f"the dask command is not installed beside {sys.executable}")
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    log = open(tmp_path / "cluster.log", "w")
    common = dict(env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    procs: list[subprocess.Popen] = []

    def stop() -> None:
        # Nothing of the cluster outlives the test, so no graceful shutdown is waited for.
        for p in reversed(procs):
            p.kill()
        for p in procs:
            p.wait()
        log.close()

    try:
        procs.append(
            subprocess.Popen(
                [
                    str(dask_cli),
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(scheduler_file),
                ],
                **common,
            )  # fmt: skip
        )
        _wait_for(scheduler_file)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(dask_cli),
                        "worker",
                        "--scheduler-file",
                        str(scheduler_file),
                        "--nthreads",
                        "1",
                        "--no-nanny",  # one process per worker: quicker to start and stop
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    **common,
                )  # fmt: skip
            )
        from dask.distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            address = client.scheduler.address
        yield address, procs
    finally:
        stop()


@pytest.mark.slow
def test_an_external_scheduler_with_two_workers_gives_the_local_results(force, external_cluster):
    address, procs = external_cluster
    local = simulate(ds=force, **KW)
    remote = simulate(ds=force, backend="dask", address=address, chunk_size=4, **KW)
    _assert_same(local, remote)
    assert all(p.poll() is None for p in procs)  # the cluster outlives the run


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 50), max_size=30),
    n_parts=st.integers(1, 6),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_groups_are_packed_whole_into_balanced_runs_of_the_roster(sizes, n_parts, shuffle, seed):
    from simlib.engine.groups import pack_groups

    group = np.repeat(np.arange(len(sizes)), sizes)  # groups one after another ...
    if shuffle:  # ... or spread over the roster
        group = np.random.default_rng(seed).permutation(group)
    parts = pack_groups(group, n_parts)
    if not sizes:
        assert parts == []
        return
    rows = np.concatenate(parts)
    assert sorted(rows.tolist()) == list(range(len(group)))  # every row once
    assert 1 <= len(parts) <= min(n_parts, len(sizes)) and all(len(p) for p in parts)
    for p in parts:
        assert (np.diff(p) > 0).all()
    part_of = np.empty(len(group), dtype=int)
    for j, p in enumerate(parts):
        part_of[p] = j
    for g in range(len(sizes)):
        assert len(set(part_of[group == g])) == 1  # no group split
    # Each part holds its equal share give or take the largest group.
    share = len(group) / min(n_parts, len(sizes))
    assert all(abs(len(p) - share) <= max(sizes) for p in parts)
    if not shuffle:  # groups kept together in the roster: each part is one stretch of it
        assert all(p[-1] - p[0] + 1 == len(p) for p in parts)


def test_a_pickled_partition_carries_its_inputs_only_and_draws_the_same(force):
    """What a worker receives: the kernel and its sales model without the arrays they
    derive from their inputs, which are derived again on arrival to the same values."""
    import pickle

    from simlib.engine import partition as pt

    work = _work_of(force, **KW)
    rows = pt.unit_partitions(work, 2)[0]
    twin, _columns = pt.subset_work(work, rows)
    blob = pickle.dumps(twin, protocol=5)
    derived = [twin._staffed, twin._target_y, twin.sales_model._base32]
    assert not any(a.tobytes() in blob for a in derived if a.size > 64)
    back = pickle.loads(blob)
    assert set(vars(back)) == set(vars(twin))  # every attribute back, derived ones included
    assert set(vars(back.sales_model)) == set(vars(twin.sales_model))
    for name in ("_staffed", "_staffed_months", "_target_y", "base_total"):
        np.testing.assert_array_equal(getattr(back, name), getattr(twin, name))
    # The targets are held once: the per-KPI arrays the plan reads are views of them.
    np.testing.assert_array_equal(back.targets, twin.targets)
    for k, by_kpi in back._target_by_kpi.items():
        assert by_kpi.flags.c_contiguous and np.shares_memory(by_kpi, back.targets), k
    for name in ("_base32", "_active", "_half_var", "_blocks"):
        np.testing.assert_array_equal(
            getattr(back.sales_model, name), getattr(twin.sales_model, name)
        )
    got, want = back.clone().rep_values(0, 3), twin.clone().rep_values(0, 3)
    for key in ("primary_att", "rep_pay", "revenue"):
        np.testing.assert_array_equal(got[key], want[key])

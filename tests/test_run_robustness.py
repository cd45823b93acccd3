"""How `simlib run` behaves when things go wrong around it: a killed run, a full disk,
two runs into one folder, a report that fails, a bug; and where its output goes."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simlib as sl
from simlib.engine import SimulationError
from simlib.errors import SpecError
from simlib.workbench import batch as b
from simlib.workbench import outdir, render, simulations
from simlib.workbench.cli import main
from simlib.workbench.store import Store

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "scenarios" / "plans"
QUIET = dict(echo=lambda *a: None)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("data") / "small"
    sl.data.synthetic.generate(n_reps=60, months=36, seed=5).save(p)
    return p


def scenario_file(path: Path, data_dir: Path, seeds: int = 1, draws: int = 20) -> Path:
    """A baseline and a sweep over ``seeds`` seeds (each member a full simulation)."""
    doc = {
        "title": "Robustness", "author": "a", "what": "w", "why": "y", "batch": "t",
        "baseline": {"data": str(data_dir), "plan": str(PLANS / "am_current.yaml"),
                     "simulation": {"draws": draws, "seed": 1}},
    }  # fmt: skip
    if seeds:
        doc["sweeps"] = [
            {
                "name": "seed",
                "what": "another seed",
                "grid": {"simulation.seed": list(range(2, 2 + seeds))},
            }
        ]
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def stored(out: Path) -> dict:
    return Store(outdir.store_path(out)).load_batch("t")


def assert_same_results(a: dict, b_: dict) -> None:
    assert set(a) == set(b_)
    for name in a:
        pd.testing.assert_frame_equal(a[name].per_draw, b_[name].per_draw)
        pd.testing.assert_frame_equal(a[name].reps, b_[name].reps)


# ------------------------------------------------------------------ killed and resumed
def test_a_killed_batch_resumed_gives_the_results_of_an_uninterrupted_run(tmp_path, data_dir):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=8, draws=400)
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from simlib.workbench.cli import main; sys.exit(main())",
         "run", str(f), "--out", str(out), "--no-reports", "--sim-workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    seen = []
    deadline = time.monotonic() + 120
    for line in proc.stdout:  # kill as soon as some, not all, scenarios are stored
        seen.append(line)
        if line.strip().startswith("simulated") and "seed=" in line:
            proc.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "".join(seen)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    # What the kill left: a lock naming a dead process, and (standing in for the
    # half-written notebooks a killed report leaves) temporaries of the atomic writer.
    lock = outdir.store_dir(out) / outdir.LOCK_FILE
    assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == proc.pid
    leftovers = [out / ".scenario-seed-3.html.k2j4x9qa.html",
                 outdir.store_dir(out) / "notebooks" / ".scenario-seed-3.ipynb.ab12cd34.ipynb"]  # fmt: skip
    for p in leftovers:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("half", encoding="utf-8")
    before = stored(out)
    assert 1 <= len(before) < 9  # killed mid-run

    lines: list[str] = []
    res = b.run_batch(f, out=out, resume=True, reports=False, echo=lines.append)
    assert not res.failed
    text = "\n".join(lines)
    assert f"took over the lock of a run that no longer runs (pid {proc.pid}" in text
    assert "removed   2 temporary file(s)" in text
    assert not any(p.exists() for p in leftovers)
    assert not lock.exists()  # given back
    # What was stored before the kill is reused (a run stored in the instant before its
    # line was recorded included), the rest simulated now.
    reused = {i.name for i in res.items if i.status == "reused"}
    assert set(before) <= reused and len(reused) < 9

    whole = tmp_path / "whole"
    b.run_batch(f, out=whole, reports=False, **QUIET)
    assert_same_results(stored(out), stored(whole))


# ------------------------------------------------------------------ a full disk
def test_a_run_that_fills_the_disk_exits_1_and_says_so(tmp_path, data_dir, monkeypatch, capsys):
    """Simulated ENOSPC: the store's writer raises it, as DuckDB does on a full disk."""
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=1)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "save", full)
    rc = main(["run", str(f), "--out", str(tmp_path / "o"), "--no-reports"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "2 scenario(s), 2 failed" in out
    assert "No space left on device" in out
    assert "Traceback" not in out


def test_a_full_disk_while_writing_the_index_exits_1_naming_the_file(
    tmp_path, data_dir, monkeypatch, capsys
):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=0)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o" / "index.html"))

    monkeypatch.setattr(b, "write_index", full)
    rc = main(["run", str(f), "--out", str(tmp_path / "o"), "--no-reports"])
    err = capsys.readouterr().err
    assert rc == 1
    assert (
        f"cannot use {tmp_path / 'o' / 'index.html'}: No space left on device (the disk is full)"
        in err
    )
    assert "Traceback" not in err
    assert not (outdir.store_dir(tmp_path / "o") / outdir.LOCK_FILE).exists()  # lock given back


# ------------------------------------------------------------------ exit status and counts
def test_failed_reports_and_comparison_make_run_exit_1_and_are_counted(
    tmp_path, data_dir, monkeypatch, capsys
):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=1)

    def no_kernel(name, out_dir, parameters=None, notebook=None, title=None, output_name=None):
        raise b.NotebookError(f"{name}: the kernel did not start or answer")

    monkeypatch.setattr(b, "render_report", no_kernel)
    rc = main(["run", str(f), "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "2 scenario(s), 0 failed; 2 of 2 report(s) failed; comparison FAILED" in out


def test_a_clean_run_exits_0_and_says_where_the_store_is(tmp_path, data_dir, capsys):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=1)
    assert main(["run", str(f), "--out", str(tmp_path / "o"), "--no-reports"]) == 0
    out = capsys.readouterr().out
    assert "2 scenario(s), 0 failed" in out
    assert f"results store and notebooks: {tmp_path / 'o.store'}/" in out


# ------------------------------------------------------------------ the output folder
def test_the_report_folder_holds_reports_only_and_the_store_lives_beside_it(
    tmp_path, data_dir, monkeypatch
):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=1)

    def fake_execute(notebook, output, parameters=None, **kw):
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text("{}", encoding="utf-8")
        return Path(output)

    monkeypatch.setattr(render, "execute_notebook", fake_execute)
    monkeypatch.setattr(
        render,
        "render_html",
        lambda ex, html, title=None: Path(html).write_text("x") and Path(html),
    )
    out = tmp_path / "o"
    res = b.run_batch(f, out=out, **QUIET)
    assert not res.failed
    assert sorted(p.name for p in out.iterdir()) == [
        "compare.html", "index.html", "scenario-baseline.html", "scenario-seed-2.html"
    ]  # fmt: skip
    side = outdir.store_dir(out)
    assert (side / "results.duckdb").exists()
    assert sorted(p.name for p in (side / "notebooks").iterdir()) == [
        "compare.ipynb", "scenario-baseline.ipynb", "scenario-seed-2.ipynb"
    ]  # fmt: skip
    # `simlib report` finds the store beside the folder.
    again = b.rerender(out, **QUIET)
    assert not again.failed


def test_a_folder_from_before_the_store_moved_is_still_read(tmp_path, data_dir):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=0)
    out = tmp_path / "o"
    b.run_batch(f, out=out, reports=False, **QUIET)
    side = outdir.store_dir(out)
    os.replace(side / "results.duckdb", out / "results.duckdb")  # the old layout
    res = b.run_batch(f, out=out, reports=False, resume=True, **QUIET)
    assert [i.status for i in res.items] == ["reused"]
    assert (side / "results.duckdb").exists() and not (out / "results.duckdb").exists()


def test_a_second_run_into_a_locked_folder_is_refused_naming_the_holder(tmp_path, data_dir, capsys):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=0)
    out = tmp_path / "o"
    out.mkdir()
    outdir.store_dir(out).mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        info = {
            "pid": holder.pid,
            "host": socket.gethostname(),
            "started": "2026-01-02T03:04:05+00:00",
        }
        (outdir.store_dir(out) / "lock").write_text(json.dumps(info), encoding="utf-8")
        rc = main(["run", str(f), "--out", str(out), "--no-reports"])
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert rc == 2
    assert (
        f"another run is writing to this folder (pid {holder.pid} on {socket.gethostname()}, "
        "started 2026-01-02T03:04:05+00:00)"
    ) in err
    assert not (outdir.store_path(out)).exists()  # nothing was written


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_refused_before_simulating(tmp_path, data_dir, capsys):
    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=0)
    out = tmp_path / "o"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["run", str(f), "--out", str(out), "--no-reports"]) == 2
    finally:
        out.chmod(0o755)
    assert f"--out {out}: cannot write in the folder (Permission denied)" in capsys.readouterr().err
    assert not outdir.store_path(out).exists()


def test_two_runs_at_once_one_refused(tmp_path, data_dir):
    """The lock is taken atomically: of two runs started together, one runs."""
    out = tmp_path / "o"
    outdir.prepare(out)
    first = outdir.OutputLock(out).acquire()
    try:
        with pytest.raises(outdir.OutputError, match=rf"pid {os.getpid()} on"):
            outdir.OutputLock(out).acquire()
    finally:
        first.release()
    outdir.OutputLock(out).acquire().release()  # free again


def test_an_unreadable_lock_is_not_taken_over(tmp_path):
    out = tmp_path / "o"
    outdir.prepare(out)
    (outdir.store_dir(out) / "lock").write_text("garbage", encoding="utf-8")
    with pytest.raises(outdir.OutputError, match="cannot be read; if no run is writing"):
        outdir.OutputLock(out).acquire()


def test_temporaries_are_recognised_by_the_atomic_writers_names(tmp_path):
    """Left-overs named as simlib._atomic names them are removed; nothing else is."""
    import tempfile

    keep = [tmp_path / "index.html", tmp_path / ".gitignore", tmp_path / "notes.txt",
            tmp_path / "notebooks" / "compare.ipynb"]  # fmt: skip
    for p in keep:
        p.parent.mkdir(exist_ok=True)
        p.write_text("x", encoding="utf-8")
    made = [
        Path(tempfile.mkstemp(dir=tmp_path, prefix=".a.html.", suffix=".html")[1]),
        Path(tempfile.mkstemp(dir=tmp_path / "notebooks", prefix=".b.ipynb.", suffix=".ipynb")[1]),
        Path(tempfile.mkdtemp(dir=tmp_path, prefix=".folder.")),
        Path(tempfile.mkdtemp(dir=tmp_path, prefix=".folder.old.")),
    ]
    removed = outdir.clean_temporaries(tmp_path)
    assert sorted(removed) == sorted(str(p.relative_to(tmp_path.parent)) for p in made)
    assert not any(p.exists() for p in made)
    assert all(p.exists() for p in keep)


# ------------------------------------------------------------------ bounded work
def test_one_draws_limit_for_the_command_line_the_file_and_simulate(tmp_path, data_dir):
    from simlib.limits import MAX_DRAWS
    from simlib.scenario import SimulationSettings

    assert main(["run", "x.yaml", "--draws", str(MAX_DRAWS + 1)]) == 2
    with pytest.raises(SpecError, match="simulation.draws: expected less than or equal to 1000000"):
        sl.Scenario.from_dict(
            yaml.safe_load(scenario_file(tmp_path / "s.yaml", data_dir, 0).read_text())
            | {
                "baseline": {
                    "data": str(data_dir),
                    "plan": str(PLANS / "am_current.yaml"),
                    "simulation": {"draws": MAX_DRAWS + 1},
                }
            }  # fmt: skip
        )
    assert SimulationSettings(draws=MAX_DRAWS).draws == MAX_DRAWS
    sc = sl.Scenario.from_yaml(scenario_file(tmp_path / "s.yaml", data_dir, 0))
    start = time.perf_counter()
    with pytest.raises(SimulationError, match="at most 1,000,000"):
        sl.simulate(sc, draws=10**9)
    assert time.perf_counter() - start < 10  # refused, not started
    with pytest.raises(b.NotebookError, match="from 1 to 1,000,000"):
        b.run_batch(tmp_path / "s.yaml", out=tmp_path / "o", draws=10**9, **QUIET)


def test_the_run_time_estimate_follows_the_documented_rates():
    from simlib.limits import estimate_seconds

    # 10 simulations x (1 s + 1,000 draws x 500 reps x 2e-6 s) + 12 pages x 4 s
    assert estimate_seconds(10, 1000, 500, pages=12) == pytest.approx(10 * 2.0 + 48.0)
    assert estimate_seconds(10, 1000, 500, pages=0) == pytest.approx(20.0)


def test_the_quick_demo_estimate_counts_its_simulations_and_pages():
    # The quick demo on the bundled sample: 7 scenarios (one budget-neutral, searched
    # with about 4 more simulations) of 20 draws over 836 reps, and 14 pages (8 scenario
    # pages, 5 topics, the comparison). It runs in 19 s (forked report kernels) to 36 s
    # (fresh kernels) on 2 cores: 11 x (1 + 20 x 836 x 2e-6) + 14 x 4 = 67 s bounds both.
    from simlib.scenario import Scenario
    from simlib.workbench.batch import _check_size

    root = Scenario.from_yaml(ROOT / "scenarios" / "demo.yaml", strict=False)
    said = []
    _check_size(root, 20, 5, yes=False, echo=said.append)
    assert "about 1 min 7 s (11 simulation(s) of up to 20 draws over 836 reps" in said[0]
    _check_size(root, 20, None, yes=False, echo=said.append)
    assert "about 11 s" in said[1]


def test_a_large_batch_asks_for_yes_and_runs_with_it(tmp_path, data_dir, capsys, monkeypatch):
    import simlib.limits
    import simlib.workbench.store as store

    f = scenario_file(tmp_path / "s.yaml", data_dir, seeds=120, draws=1)
    out = tmp_path / "o"
    assert main(["run", str(f), "--out", str(out), "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert "this batch runs 121 simulations (more than 100)" in err and "--yes" in err
    assert not out.exists()  # refused before anything was written
    # --yes goes ahead: shown on a batch of 5 with the limit at 4 (121 would take long).
    monkeypatch.setattr(simlib.limits, "CONFIRM_SCENARIOS", 4)
    f = scenario_file(tmp_path / "s5.yaml", data_dir, seeds=4, draws=1)
    assert main(["run", str(f), "--out", str(out), "--no-reports"]) == 2
    assert "this batch runs 5 simulations (more than 4)" in capsys.readouterr().err
    assert main(["run", str(f), "--out", str(out), "--no-reports", "--yes"]) == 0
    # Its runs read back in file order however many go through one connection.
    monkeypatch.setattr(store, "RUNS_PER_CONNECTION", 2)
    assert list(stored(out)) == ["baseline", *(f"seed={s}" for s in range(2, 6))]


# ------------------------------------------------------------------ bugs
def test_a_bug_gives_one_line_and_a_log_and_debug_shows_the_traceback(
    tmp_path, monkeypatch, capsys
):
    import simlib.workbench.cli as cli

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def broken(args):
        return 1 / 0

    monkeypatch.setattr(cli, "_cmd_describe", broken)
    assert main(["describe", "x.yaml"]) == 3
    err = capsys.readouterr().err
    assert "internal error (ZeroDivisionError: division by zero)" in err
    assert "Traceback" not in err
    log = Path(err.rsplit("log file ", 1)[1].strip())
    assert log.parent == tmp_path / "cache" / "simlib" / "logs"
    assert "Traceback" in log.read_text(encoding="utf-8") and "1 / 0" in log.read_text(
        encoding="utf-8"
    )
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "describe", "x.yaml"])
    with pytest.raises(ZeroDivisionError):
        main(["describe", "x.yaml", "--debug"])


def test_warnings_are_one_line_without_library_file_names(tmp_path, capsys):
    import warnings

    import simlib.workbench.cli as cli

    def warns(args):
        warnings.warn("something to know", UserWarning, stacklevel=1)
        return 0

    cli_cmd = cli._cmd_describe
    try:
        cli._cmd_describe = warns
        assert main(["describe", "x.yaml"]) == 0
    finally:
        cli._cmd_describe = cli_cmd
    err = capsys.readouterr().err
    assert err.strip() == "warning: something to know"


def test_durations_read_as_a_person_would_say_them():
    from simlib.limits import format_duration

    assert [format_duration(s) for s in (42, 75, 900, 7300)] == [
        "42 s",
        "1 min 15 s",
        "15 min",
        "2 h 1 min",
    ]


def test_each_finished_scenario_says_how_far_the_batch_is():
    # 3 of 10 done in 12 s: 4 s each, so 7 x 4 = 28 s left.
    assert simulations.progress(3, 10, 12.0) == "  [3/10, 12 s, about 28 s left]"
    assert simulations.progress(10, 10, 40.0) == "  [10/10, 40 s]"
    assert simulations.progress(1, 1, 5.0) == ""  # one scenario: nothing to count

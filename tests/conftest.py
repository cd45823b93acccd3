"""Shared fixtures: a tiny hand-made dataset whose numbers can be checked by hand, the
bundled sample and small generated datasets, each built once per test process.

The session-scoped datasets are shared by every test that asks for them: treat them as
read-only (``copy.deepcopy`` one before changing a table). The session checks at its
end that none of their tables changed.

Tests under ``tests/notebooks/`` and ``tests/browser/`` are marked ``notebook`` /
``browser`` and ``slow`` here, so ``pytest -m "not slow"`` (``make test-fast``) leaves
them out while ``make test`` (and CI) runs everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from simlib.data.dataset import Dataset

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


#: Tests that take longest outside the notebook and browser folders (measured with
#: ``pytest --durations``), by file and function (every parametrization): whole batches,
#: design searches, a Dask cluster, hypothesis runs over random files, child processes.
SLOW_TESTS = frozenset(
    {
        "test_batch_resume.py::test_a_code_change_invalidates_stored_results",
        "test_batch_resume.py::test_report_rerender_keeps_what_other_reports_and_warnings",
        "test_batch_resume.py::test_resume_with_reports_keeps_names_paths_and_the_comparison_current",
        "test_io.py::test_random_valid_datasets_round_trip",
        "test_malformed_inputs.py::test_malformed_input_in_a_real_process",
        "test_run_robustness.py::test_a_killed_batch_resumed_gives_the_results_of_an_uninterrupted_run",
        "test_run_robustness.py::test_a_large_batch_asks_for_yes_and_runs_with_it",
        "test_search.py::test_candidates_on_a_dask_cluster_give_the_local_result",
        "test_search.py::test_search_finds_the_cap_that_spends_exactly_the_budget",
        "test_search.py::test_search_is_deterministic_for_a_seed",
        "test_search.py::test_search_recovers_the_holmstrom_milgrom_commission",
        "test_validate.py::test_arbitrary_cells_give_problems_not_crashes",
        "test_whatif.py::test_shown_figures_equal_plan_evaluate_after_every_move",
    }
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The ``slow`` marker for whole folders and for :data:`SLOW_TESTS`: every test under
    ``tests/notebooks/`` starts a Jupyter kernel and every test under ``tests/browser/`` a
    Chromium (and often a server). Runs before ``-m`` deselects."""
    tests = Path(__file__).resolve().parent
    for item in items:
        path = Path(str(item.fspath)).resolve()
        folder = path.parent
        name = getattr(item, "originalname", None) or item.name
        if folder == tests and f"{path.name}::{name}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
        if folder == tests / "notebooks":
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)
        elif folder == tests / "browser":
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """What collection imported and built lives until the end: frozen out of the garbage
    collector's reach, so its full passes scan only what tests make (in the unit tests
    they spent 11 s of CPU, 7 s after this)."""
    import gc

    gc.collect()
    gc.freeze()


#: Test files that read what one session fixture makes, run in one process under xdist:
#: the demo rendered by the installed wheel serves both the wheel's tests and the
#: demo pages' (rendering it twice would cost two demo runs).
SAME_WORKER = {
    "tests/test_wheel_install.py": "the demo from the wheel",
    "tests/browser/test_report_pages.py": "the demo from the wheel",
}


#: The files with tests in :data:`SLOW_TESTS`, and the groups of :data:`SAME_WORKER`.
LONG_SCOPES = {"tests/" + t.split("::")[0] for t in SLOW_TESTS} | set(SAME_WORKER.values())


def _long(scope: str) -> bool:
    """Whether a file (or a group of :data:`SAME_WORKER`) holds tests that take seconds:
    the notebook and browser folders, the files of :data:`SLOW_TESTS`, the groups."""
    return scope in LONG_SCOPES or scope.startswith(("tests/browser/", "tests/notebooks/"))


@pytest.hookimpl(optionalhook=True)  # only where pytest-xdist is installed and in use
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with the files of :data:`SAME_WORKER` kept together and the
    long files handed out first: the last files a worker gets are short ones, so the
    workers finish together instead of one waiting on the other's last long file."""
    if config.getvalue("dist") != "loadfile":
        return None
    from collections import OrderedDict

    from xdist.scheduler import LoadFileScheduling

    class LongFirst(OrderedDict):
        def popitem(self, last: bool = True):
            if last:
                return super().popitem(last=True)
            scope = next((s for s in self if _long(s)), next(iter(self)))
            return scope, self.pop(scope)

    class FilesTogether(LoadFileScheduling):
        def __init__(self, config, log=None) -> None:
            super().__init__(config, log)
            self.workqueue = LongFirst()

        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return SAME_WORKER.get(file, file)

    return FilesTogether(config, log)


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory) -> Path:
    """A fresh virtual environment holding simlib installed from a wheel built from this
    checkout (:mod:`wheel_env`)."""
    from wheel_env import make_venv

    return make_venv(tmp_path_factory)


#: Simulated years per scenario in :func:`wheel_demo` (the pages, not the numbers, are
#: under test).
WHEEL_DEMO_DRAWS = 12


@pytest.fixture(scope="session")
def wheel_demo(wheel_venv, tmp_path_factory):
    """``simlib demo --quick`` in English, run by the installed wheel in an empty folder:
    ``(folder, completed process)``; the pages are in ``folder/reports/demo``."""
    from wheel_env import run

    empty = tmp_path_factory.mktemp("demo") / "empty"
    empty.mkdir()
    cmd = [wheel_venv / "bin" / "simlib", "demo", "--quick", "--draws", str(WHEEL_DEMO_DRAWS),
           "--lang", "en"]  # fmt: skip
    return empty, run(cmd, empty)


def make_tiny_dataset() -> Dataset:
    """An unbalanced tree, 5 reps, 2 KPIs, 3 months.

    ::

        HQ (company)
        ├── N (region)
        │   └── N1 (branch)
        │       ├── N1a (team): r1, r2
        │       └── N1b (team): r3
        └── S (region)
            └── S1 (team, directly under a region): r4, r5
    """
    kpis = pd.DataFrame(
        {
            "kpi": ["revenue", "hv_retention"],
            "direction": ["higher", "higher"],
            "unit": ["currency", "rate"],
            "aggregation": ["sum", "mean"],
            "weight_kpi": pd.array([pd.NA, pd.NA], dtype="string"),
            "allow_negative": [False, False],
            "label": ["Revenue", "High-value retention"],
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["HQ", "N", "S", "N1", "N1a", "N1b", "S1"],
            "parent_id": pd.array([pd.NA, "HQ", "HQ", "N", "N1", "N1", "S"], dtype="string"),
            "level": ["company", "region", "region", "branch", "team", "team", "team"],
            "name": ["总部", "North", "South", "North-1", "North-1a", "North-1b", "South-1"],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3", "r4", "r5"],
            "unit_id": ["N1a", "N1a", "N1b", "S1", "S1"],
            "position": ["account_manager"] * 3 + ["store_sales"] * 2,
            "hire_date": pd.to_datetime(
                ["2020-01-01", "2021-06-15", "2022-03-01", "2019-09-01", "2026-02-10"]
            ),
            "exit_date": pd.to_datetime([None, None, "2026-02-20", None, None]),
            "base_salary": [120000.0, 100000.0, 90000.0, 80000.0, 72000.0],
            "grade": ["P5", "P4", "P4", "P3", "P2"],
        }
    )
    periods = pd.period_range("2026-01", "2026-03", freq="M")
    rows = []
    revenue = {"r1": 100.0, "r2": 200.0, "r3": 50.0, "r4": 300.0, "r5": 40.0}
    retention = {"r1": 0.9, "r2": 0.8, "r3": 0.7, "r4": 0.95, "r5": 0.6}
    for rep in revenue:
        for i, p in enumerate(periods):
            if rep == "r3" and i > 1:  # left in February
                continue
            if rep == "r5" and i < 1:  # hired in February
                continue
            rows.append((rep, p, "revenue", revenue[rep] * (i + 1)))
            rows.append((rep, p, "hv_retention", retention[rep]))
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = sales["period"].astype("period[M]")
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, source="tiny")


@pytest.fixture
def tiny_ds() -> Dataset:
    return make_tiny_dataset()


# ------------------------------------------------------------ shared, built once per process
def _fingerprint(ds: Dataset) -> dict[str, int]:
    """A checksum of every table's values, to tell whether a test changed a shared dataset."""
    return {
        name: int(pd.util.hash_pandas_object(table, index=True).sum())
        for name, table in ds.tables().items()
    }


@pytest.fixture(scope="session")
def synthetic() -> Iterator[Callable[..., Dataset]]:
    """``synthetic(**kwargs)``: ``simlib.data.synthetic.generate(**kwargs)``, generated once
    per process for each set of arguments (read-only; see the module docstring)."""
    from simlib.data.synthetic import generate

    made: dict[str, Dataset] = {}
    fingerprints: dict[str, dict[str, int]] = {}

    def get(**kwargs) -> Dataset:
        key = repr(sorted(kwargs.items()))
        if key not in made:
            made[key] = generate(**kwargs)
            fingerprints[key] = _fingerprint(made[key])
        return made[key]

    yield get
    changed = [k for k, fp in fingerprints.items() if _fingerprint(made[k]) != fp]
    assert not changed, f"a test changed a shared generated dataset in place: {changed}"


@pytest.fixture(scope="session")
def synthetic_folder(synthetic, tmp_path_factory) -> Callable[..., Path]:
    """``synthetic_folder(**kwargs)``: the generated dataset saved once per process as a CSV
    folder, for tests that give a path (a scenario file, the command line). Read-only."""
    saved: dict[str, Path] = {}

    def get(**kwargs) -> Path:
        key = repr(sorted(kwargs.items()))
        if key not in saved:
            saved[key] = synthetic(**kwargs).save(tmp_path_factory.mktemp("synthetic") / "data")
        return saved[key]

    return get


@pytest.fixture(scope="session")
def sample_ds() -> Iterator[Dataset]:
    """The bundled sample (data/sample), read once per process. Read-only."""
    from simlib.data.io import load_dataset

    ds = load_dataset(SAMPLE)
    before = _fingerprint(ds)
    yield ds
    assert _fingerprint(ds) == before, "a test changed the shared bundled sample in place"


@pytest.fixture(scope="session")
def small_ds(synthetic) -> Dataset:
    """60 seats, 36 months to 2026-12, two regions (seed 11): behaviour and store tests."""
    return synthetic(n_reps=60, months=36, seed=11, n_regions=2)


@pytest.fixture(scope="session")
def small_ds_five_regions(synthetic) -> Dataset:
    """60 seats, 36 months to 2026-12, five regions (seed 3): targets and engine tests."""
    return synthetic(n_reps=60, months=36, seed=3)


@pytest.fixture(scope="session")
def small_ds_24_months_folder(synthetic_folder) -> Path:
    """60 seats, 24 months, five regions (seed 5), saved as CSV: input-reading tests."""
    return synthetic_folder(n_reps=60, months=24, seed=5)


@pytest.fixture(scope="session")
def one_region_folder(synthetic_folder) -> Path:
    """60 seats, 24 months, one region (seed 11), saved as CSV: design-search tests."""
    return synthetic_folder(n_reps=60, months=24, seed=11, n_regions=1)


@pytest.fixture(scope="session")
def batch_folder(synthetic_folder) -> Path:
    """80 seats, 36 months, five regions (seed 4), saved as CSV: batch and workbook tests."""
    return synthetic_folder(n_reps=80, months=36, seed=4)


@pytest.fixture(scope="session")
def report_folder(synthetic_folder) -> Path:
    """120 seats, 24 months, five regions (seed 3), saved as CSV: report notebooks."""
    return synthetic_folder(n_reps=120, months=24, seed=3)

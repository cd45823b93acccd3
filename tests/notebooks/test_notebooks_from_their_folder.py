"""Every report notebook runs with the kernel started in notebooks/ (as JupyterLab starts
it), its data and scenario paths given relative to the project.

The other smoke tests in this folder run the same notebooks from the project root
(papermill's working directory) in English; together they run each notebook both ways.
Here the topic pages run in Chinese and are read as a Chinese reader sees them: no
sentence of the message catalog left in English, every glyph drawn, amounts in yuan.
The cookbook notebooks run in JupyterLab itself (tests/browser/test_jupyterlab_cookbook.py).
"""

from __future__ import annotations

import copy
import shutil
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
import yaml

from simlib import i18n
from simlib.data.synthetic import EmbeddedBehavior, generate
from simlib.workbench.batch import NOTEBOOKS, execute_notebook, run_batch
from simlib.workbench.cli import main
from simlib.workbench.outdir import store_path
from simlib.workbench.render import render_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_search import CAP_SEARCH, cap_file
from test_topic_notebooks_in_chinese import AHP, check_chinese_page

pytestmark = pytest.mark.notebook
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scratch():
    """A folder inside the project (reports/ is not tracked), named relative to the root."""
    rel = Path("reports") / f".notebook-test-{uuid.uuid4().hex[:8]}"
    (ROOT / rel).mkdir(parents=True)
    try:
        yield rel
    finally:
        shutil.rmtree(ROOT / rel, ignore_errors=True)


@pytest.fixture(scope="module")
def data(scratch):
    """Three years of 120 reps, some of whom pull sales in before a quarter ends, and a
    plan change in January 2026 (what the behaviour page estimates)."""
    rel = scratch / "data"
    eb = EmbeddedBehavior(timing_share=0.4, plan_change=("store_sales", "2026-01", 0.1))
    generate(n_reps=120, months=36, seed=3, behavior=eb).save(ROOT / rel)
    return rel


@pytest.fixture(scope="module")
def scenario_file(scratch, data):
    doc = yaml.safe_load((ROOT / "scenarios" / "demo.yaml").read_text(encoding="utf-8"))
    doc["batch"] = "nbtest"
    doc["baseline"]["data"] = str(data)  # relative to the project root
    doc["baseline"]["simulation"]["draws"] = 10
    doc["reforms"] = {"proposed": doc["reforms"]["proposed"]}
    doc["sweeps"] = []
    rel = scratch / "small.yaml"
    (ROOT / rel).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return rel


@pytest.fixture(scope="module")
def store(scratch, scenario_file):
    out = scratch / "out"
    res = run_batch(ROOT / scenario_file, out=ROOT / out, reports=False, echo=lambda *a: None)
    assert not res.failed, [(i.name, i.message) for i in res.failed]
    return store_path(ROOT / out).relative_to(ROOT)


@pytest.fixture(scope="module")
def search_out(scratch):
    """A small design search's output folder (what the design page reads)."""
    root = ROOT / scratch / "search"
    generate(n_reps=60, months=24, seed=11, n_regions=1).save(root / "data")
    search = copy.deepcopy(CAP_SEARCH)
    search["optimizer"]["generations"] = 2
    doc = cap_file(str(root / "data"), 600_000.0, search)
    (root / "cap.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert main(["design", str(root / "cap.yaml"), "--out", str(root / "out"), "--no-report"]) in (
        0,
        1,
    )
    return scratch / "search" / "out"


#: Each topic page's heading (English, as in the catalog).
TOPIC_TITLES = {
    "appraisal": "Appraisal design review: weights, ratings and what they drive",
    "behavior": "How the sales force responds to a plan",
    "data_health": "Data health report",
    "plans": "Incentive plans replayed on last year's results",
    "targets": "Target cascade report (目标层层分解)",
}


def _params(name: str, data: Path, store: Path, search: Path) -> dict:
    d = str(data)
    zh = "zh-CN"
    return {
        "design": {"search_dir": str(search)},
        "appraisal": {"data_path": d, "ahp_pairwise": AHP, "language": zh},
        "behavior": {"data_path": d, "draws": 8, "demo_reps": 80, "did_position": "store_sales",
                     "did_change": "2026-01", "did_rate_ratio": 1.5, "language": zh},
        "compare": {"store_path": str(store), "batch": "nbtest"},
        "data_health": {"data_path": d, "language": zh},
        "plans": {"data_path": d, "statement_rep": None, "language": zh},
        "scenario": {"store_path": str(store), "batch": "nbtest", "scenario": "baseline"},
        "targets": {"data_path": d, "rounding_method": "webster", "language": zh},
        "whatif": {"data_path": d},
    }[name]  # fmt: skip


#: The report notebooks (the numbered cookbook notebooks run in JupyterLab's browser test).
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.py") if not p.stem[:2].isdigit())


def test_every_notebook_has_parameters_here():
    for name in NAMES:
        _params(name, Path("d"), Path("r"), Path("x"))  # KeyError names a notebook left out


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_with_the_kernel_in_the_notebooks_folder(name, tmp_path, request):
    data = request.getfixturevalue("data")
    store = request.getfixturevalue("store") if name in ("compare", "scenario") else Path("x")
    search = request.getfixturevalue("search_out") if name == "design" else Path("x")
    params = _params(name, data, store, search)
    for value in params.values():  # relative, so the run depends on resolving them
        assert not Path(str(value)).is_absolute()
    out = execute_notebook(NOTEBOOKS / f"{name}.py", tmp_path / f"{name}.ipynb", params,
                           cwd=NOTEBOOKS)  # fmt: skip
    nb = nbformat.read(str(out), as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    if name in TOPIC_TITLES:
        text = check_chinese_page(render_html(out, tmp_path / f"{name}.html"), TOPIC_TITLES[name])
        with i18n.use("zh-CN"):
            shown = i18n._("effort + timing") if name == "behavior" else "元"
        assert shown in text  # response models by their Chinese names; amounts in yuan


def test_whatif_with_its_own_defaults_from_the_notebooks_folder(tmp_path):
    # No parameters: data/sample and scenarios/plans/am_proposed.yaml as written.
    out = execute_notebook(NOTEBOOKS / "whatif.py", tmp_path / "out.ipynb", {},
                           cwd=NOTEBOOKS)  # fmt: skip
    nb = nbformat.read(str(out), as_version=4)
    shown = "".join(str(o.get("data", {})) for c in nb.cells for o in c.get("outputs", []))
    assert "application/vnd.jupyter.widget-view+json" in shown

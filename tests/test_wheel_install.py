"""simlib installed from its wheel into a fresh environment, used from an empty folder:
the notebooks, demo scenarios and bundled sample ship inside the wheel, and reports
render on the installed interpreter with no Jupyter kernel registered by hand."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: Commands in the fresh environment see none of this checkout's settings.
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SIMLIB_PROJECT", "PYTHONHOME", "JUPYTER_PATH")
}

SMALL = """\
batch: small
title: Two plans on the bundled sample
author: Sales compensation team
what: Today's plan against the proposed one.
why: To see what the proposal costs.
baseline:
  data: data/sample
  targets: {source: data}
  plan: scenarios/plans/am_current.yaml
  simulation: {draws: 20, seed: 7}
reforms:
  proposed:
    what: The proposed plan.
    changes: {plan: scenarios/plans/am_proposed.yaml}
"""


def run(cmd: list, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    res = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=CLEAN_ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert res.returncode == 0, (
        f"{cmd} exited {res.returncode}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    )
    return res


def _runtime_closure() -> set[str]:
    """The distributions simlib's declared runtime requirements pull in, transitively
    (markers evaluated for this interpreter, no extras): what a ``pip install`` of the
    wheel would install, and nothing the development extras add."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [(r, ()) for r in metadata.requires("simlib") or []]
    while todo:
        text, extras = todo.pop()
        req = Requirement(text)
        envs = [{"extra": e} for e in extras] or [{"extra": ""}]
        if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
            continue
        name = canonicalize_name(req.name)
        key = name + "[" + ",".join(sorted(req.extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        todo += [(r, tuple(req.extras)) for r in metadata.requires(req.name) or []]
    return {k.split("[")[0] for k in seen}


def _dependencies_of_this_environment(tmp: Path) -> Path:
    """A folder linking the installed files of simlib's runtime dependencies (and theirs),
    nothing else: the fresh environment reads its dependencies from there, so pip resolves
    the wheel's requirements offline and installs only the wheel, and an import of a
    package simlib does not declare fails there as it would for a user."""
    import sysconfig
    from importlib import metadata

    from packaging.utils import canonicalize_name

    site = Path(sysconfig.get_paths()["purelib"])
    wanted = _runtime_closure()
    farm = tmp / "dependencies"
    farm.mkdir()
    linked: set[str] = set()
    for dist in metadata.distributions(path=[str(site)]):
        if canonicalize_name(dist.metadata["Name"]) not in wanted:
            continue
        for file in dist.files or []:
            top = Path(file).parts[0]
            if top in linked or top.endswith(".pth") or top in ("..", "__pycache__"):
                continue
            if (site / top).exists():
                (farm / top).symlink_to(site / top)
                linked.add(top)
    return farm


def _link_jupyter_data(venv: Path) -> None:
    """The dependencies' data files (nbconvert's templates, kernel specs) where their own
    installation would have put them in the fresh environment."""
    import sysconfig

    shared = Path(sysconfig.get_paths()["data"]) / "share" / "jupyter"
    (venv / "share").mkdir(exist_ok=True)
    (venv / "share" / "jupyter").symlink_to(shared)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment holding simlib installed from a freshly built wheel."""
    tmp = tmp_path_factory.mktemp("wheel")
    start = time.perf_counter()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", ROOT], tmp)
    (wheel,) = (tmp / "dist").glob("simlib-*.whl")
    # The environment without a pip of its own (seeding one takes seconds): this one's
    # pip installs into it (``pip --python``), as it would with its own.
    run([sys.executable, "-m", "venv", "--without-pip", tmp / "venv"], tmp)
    py = tmp / "venv" / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", py]
    site = run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp)
    farm = _dependencies_of_this_environment(tmp)
    (Path(site.stdout.strip()) / "dependencies.pth").write_text(f"{farm}\n", encoding="utf-8")
    res = run([*pip, "install", "--no-index", "-c", ROOT / "constraints.txt", wheel], tmp)
    assert "Successfully installed simlib" in res.stdout, res.stdout
    run([*pip, "check"], tmp)
    _link_jupyter_data(tmp / "venv")
    print(f"wheel built and installed in {time.perf_counter() - start:.0f} s")
    return tmp / "venv"


def test_the_installed_package_is_the_wheel_not_this_checkout(venv, tmp_path):
    out = run([venv / "bin" / "python", "-c", "import simlib; print(simlib.__file__)"], tmp_path)
    assert Path(out.stdout.strip()).is_relative_to(venv)
    shipped = run(
        [venv / "bin" / "python", "-c", "from simlib import bundled; print(bundled.root())"],
        tmp_path,
    ).stdout.strip()
    assert Path(shipped).is_relative_to(venv)
    for rel in ("notebooks/scenario.py", "scenarios/demo.yaml", "data/sample/sales.csv"):
        assert (Path(shipped) / rel).is_file(), rel


def test_demo_in_an_empty_folder_writes_its_reports_there(venv, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    cmd = [venv / "bin" / "simlib", "demo", "--quick", "--draws", "20", "--lang", "en"]
    res = run(cmd, empty)
    out = empty / "reports" / "demo"
    assert (out / "index.html").is_file(), res.stdout
    assert (out / "compare.html").is_file()
    assert (out / "scenario-baseline.html").is_file()
    for topic in ("data_health", "appraisal", "plans", "behavior", "targets"):
        assert (out / f"{topic}.html").is_file(), topic
    assert not (out / "design.html").exists()  # --quick leaves the design search out
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "scenario-proposed.html" in index
    assert str(venv) not in (out / "data_health.html").read_text(encoding="utf-8")


def test_init_then_run_uses_the_folders_own_copies(venv, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    run([venv / "bin" / "simlib", "init"], folder)
    assert (folder / "scenario.yaml").is_file()
    assert (folder / "data" / "sample" / "sales.csv").is_file()
    (folder / "small.yaml").write_text(SMALL, encoding="utf-8")
    res = run([venv / "bin" / "simlib", "run", "small.yaml", "--lang", "en", "--yes"], folder)
    out = folder / "reports" / "small"
    for page in ("index.html", "compare.html", "scenario-baseline.html", "scenario-proposed.html"):
        assert (out / page).is_file(), (page, res.stdout)
    assert "2 scenario(s), 0 failed" in res.stdout

"""A fresh virtual environment holding simlib installed from a freshly built wheel, and the
commands run in it, for the tests that use simlib as a user who installed it does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Commands in the fresh environment see none of this checkout's settings.
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SIMLIB_PROJECT", "PYTHONHOME", "JUPYTER_PATH")
}


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


def make_venv(tmp_path_factory) -> Path:
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

"""The package's declared dependencies, environment.yml and the two commands agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's.
CONDA_NAMES = {"duckdb": "python-duckdb"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].strip().lower()


def _env_packages(env: dict) -> list[str]:
    """environment.yml's packages: conda ones and those of its ``pip:`` list."""
    out = []
    for d in env["dependencies"]:
        if isinstance(d, str):
            out.append(d)
        elif isinstance(d, dict):
            out += list(d.get("pip", []))
    return out


def _floor(req: str) -> str | None:
    m = re.search(r">=\s*([0-9][0-9.]*)", req)
    return m.group(1) if m else None


def test_environment_yml_lists_the_same_packages_as_pyproject():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in meta["dependencies"]}
    pip_names |= {_name(r) for r in meta["optional-dependencies"]["dev"]}
    expected = {CONDA_NAMES.get(n, n) for n in pip_names}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in _env_packages(env)} - {"python", "pip"}
    assert conda == expected, (
        f"only in environment.yml: {sorted(conda - expected)}; "
        f"only in pyproject.toml: {sorted(expected - conda)}"
    )


def test_environment_yml_has_the_same_version_floors():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["dev"]
    want = {CONDA_NAMES.get(_name(r), _name(r)): _floor(r) for r in reqs}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    got = {_name(d): _floor(d) for d in _env_packages(env)}
    diff = {k: (want[k], got.get(k)) for k in want if want[k] != got.get(k)}
    assert not diff, f"version floors differ (pyproject, environment.yml): {diff}"


def test_constraints_pin_every_declared_dependency_within_its_floor():
    from packaging.version import Version

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for req in meta["dependencies"] + meta["optional-dependencies"]["dev"]:
        name = _name(req).replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt"
        floor = _floor(req)
        if floor:
            assert Version(pins[name]) >= Version(floor), (
                f"{name}: pin {pins[name]} < floor {floor}"
            )


def test_readme_opens_with_the_two_commands():
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:15])
    assert "make demo" in head and "make test" in head


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_console_script_is_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["scripts"]["simlib"] == "simlib.workbench.cli:main"


def test_code_version_names_the_release_and_the_source(tmp_path, monkeypatch):
    import simlib

    v = simlib.code_version()
    release, digest = v.split("+")
    assert release == simlib.__version__
    assert len(digest) == 8 and int(digest, 16) >= 0

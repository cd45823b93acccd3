"""Each cookbook notebook opened in a real JupyterLab (kernel in notebooks/), "Run All",
saved: no error output, the decision step ends in its ranking, and the save leaves the
tracked .py as it was (outputs go only into the git-ignored .ipynb).

This is the cookbook's smoke run: the notebooks run here as analysts run them, with
small parameters where a step simulates (:data:`SMALL`)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
COOKBOOK = sorted(p.stem for p in NOTEBOOKS.glob("0[1-4]_*.py"))
#: The slowest cookbook step (04 simulates the demo scenarios) runs well within this.
RUN_ALL_MS = int(os.environ.get("SIMLIB_TEST_RUN_ALL_MS", "600000"))
#: Parameters set in a notebook made here before it is opened (few simulated years).
SMALL = {"04_simulate_and_decide": {"draws": 20}}
#: Text a step's outputs must show (the decision step ends in its ranking).
SHOWN = {"04_simulate_and_decide": "Ranked first against the goals"}


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory):
    """JupyterLab on a free loopback port, started at the project root as users start it."""
    from simlib.workbench.whatif.serve import free_port

    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "SIMLIB_PROJECT"}
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}", "--LabApp.news_url=", "--ServerApp.open_browser=False",
        # The page opens each notebook through JupyterLab's own commands (as Galata does).
        "--LabApp.expose_app_in_browser=True",
        # A fresh workspace and settings: no tabs restored from an earlier session.
        f"--LabApp.workspaces_dir={tmp_path_factory.mktemp('workspaces')}",
        f"--LabApp.user_settings_dir={tmp_path_factory.mktemp('settings')}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    log = open(os.devnull, "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("jupyter lab did not answer") from None
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    """One JupyterLab at 1366x768, loaded once for the module: each notebook is opened in
    it as a user opens one after another, the one before closed."""
    base, token = lab
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{base}/lab/workspaces/cookbook?token={token}&reset", timeout=120_000)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands",
                               timeout=120_000)  # fmt: skip
        page.evaluate("() => window.jupyterapp.restored.then(() => true)")
        yield page
    finally:
        context.close()


def _notebook_for(name: str) -> tuple[Path, bool]:
    """notebooks/<name>.ipynb as a user makes it (``jupytext --to ipynb``); True if made here."""
    ipynb = NOTEBOOKS / f"{name}.ipynb"
    if ipynb.exists():
        return ipynb, False
    subprocess.run(
        [sys.executable, "-m", "jupytext", "--to", "ipynb", str(NOTEBOOKS / f"{name}.py")],
        check=True, capture_output=True,
    )  # fmt: skip
    _set_parameters(ipynb, SMALL.get(name, {}))
    return ipynb, True


def _set_parameters(ipynb: Path, values: dict) -> None:
    """Change assignments in the notebook's parameters cell (``name = value`` lines)."""
    if not values:
        return
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    source = "".join(cell["source"])
    for key, value in values.items():
        source, n = re.subn(rf"^{key} = .*$", f"{key} = {value!r}", source, flags=re.M)
        assert n == 1, f"{ipynb.name}: no parameter {key}"
    cell["source"] = source.splitlines(keepends=True)
    ipynb.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("name", COOKBOOK)
def test_cookbook_notebook_runs_all_in_jupyterlab(lab_page, name, screenshots):
    page = lab_page
    py = NOTEBOOKS / f"{name}.py"
    py_before = py.read_bytes()
    ipynb, made = _notebook_for(name)
    try:
        _run_all_and_save(page, name, ipynb, screenshots)
        nb = json.loads(ipynb.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert errors == [], [f"{e['ename']}: {e['evalue']}" for e in errors]
        assert any(c.get("outputs") for c in code)  # outputs went to the .ipynb ...
        if name in SHOWN:
            assert SHOWN[name] in json.dumps(code, ensure_ascii=False), SHOWN[name]
        # ... and none into the tracked .py, which the save rewrites as it was (read
        # again while the paired write may still be under way).
        deadline = time.monotonic() + 10
        while py.read_bytes() != py_before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert py.read_bytes() == py_before
        ignored = subprocess.run(["git", "check-ignore", str(ipynb)], cwd=ROOT,
                                 capture_output=True, text=True)  # fmt: skip
        assert ignored.returncode == 0, f"{ipynb} is not git-ignored"
    except Exception:
        page.screenshot(path=str(screenshots / f"jupyterlab-{name}-failed.png"))
        raise
    finally:
        if made:
            ipynb.unlink(missing_ok=True)


def _run_all_and_save(page, name, ipynb, screenshots) -> None:
    """Open the notebook (the one before closed), Run All, wait until every cell ran,
    save, wait for the file."""
    # The one before is closed without asking about unsaved changes (a notebook that
    # failed before its save would otherwise hold every later one behind a dialog).
    page.evaluate(
        """async (path) => {
            const app = window.jupyterapp;
            for (const w of app.shell.widgets("main")) {
                if (w.context) w.context.model.dirty = false;
            }
            await app.commands.execute("application:close-all");
            await app.commands.execute("docmanager:open", {path});
        }""",
        f"notebooks/{ipynb.name}",
    )
    page.wait_for_function(
        """(name) => {
            const panels = document.querySelectorAll(".jp-NotebookPanel");
            const current = window.jupyterapp.shell.currentWidget;
            return panels.length === 1 && current && current.context
                && current.context.path.endsWith(name)
                && panels[0].querySelector(".jp-Cell") !== null;
        }""",
        arg=ipynb.name,
        timeout=120_000,
    )
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=120_000)  # fmt: skip
    # The kernel answers before Run All is asked for (a click earlier is lost).
    page.get_by_text("Python (simlib) | Idle").wait_for(timeout=120_000)
    started = """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))"""
    for attempt in (1, 2, 3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(started, timeout=20_000)
            break
        except Exception:
            if attempt == 3:
                raise
    # Every code cell numbered, none pending ("[*]").
    page.wait_for_function(
        """() => {
            const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
              .map(e => e.textContent.trim());
            return p.length > 0 && p.every(t => /^\\[\\d+\\]:$/.test(t));
        }""",
        timeout=RUN_ALL_MS,
    )
    page.screenshot(path=str(screenshots / f"jupyterlab-{name}.png"))
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 60
    while True:
        try:
            nb = json.loads(ipynb.read_text(encoding="utf-8"))
        except json.JSONDecodeError:  # read while JupyterLab writes it
            nb = {"cells": []}
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        if code and all(c.get("execution_count") for c in code):
            break
        assert time.monotonic() < deadline, "the saved notebook has unexecuted cells"
        time.sleep(0.1)

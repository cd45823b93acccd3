"""Notebooks run on the interpreter running simlib, in the folder asked for, and leave
the calling process's working folder alone (reports render in threads side by side)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat

from simlib.workbench.notebook import execute_notebook, kernel_command


def test_the_kernel_command_is_this_interpreter():
    assert kernel_command()[:3] == [sys.executable, "-m", "ipykernel_launcher"]


def test_a_notebook_runs_on_this_interpreter_in_the_folder_given(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('where = "where.json"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import json, os, sys\n"
            "json.dump({'python': sys.executable, 'cwd': os.getcwd()}, open(where, 'w'))"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "simlib", "language": "python", "display_name": "x"}
    source = tmp_path / "probe.ipynb"
    nbformat.write(nb, source)
    folder = tmp_path / "kernel-here"
    folder.mkdir()
    before = os.getcwd()
    execute_notebook(source, tmp_path / "out.ipynb", {"where": "where.json"}, cwd=folder)
    assert os.getcwd() == before
    seen = json.loads((folder / "where.json").read_text(encoding="utf-8"))
    assert Path(seen["cwd"]).resolve() == folder.resolve()
    assert Path(seen["python"]).resolve() == Path(sys.executable).resolve()


# ------------------------------------------------------------ kernels forked from a warm process
PROBE = (
    "import gc, json, os, sys\n"
    "import numpy as np\n"
    "import matplotlib as mpl\n"
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots()\n"
    "ax.plot([0, 1], [0, 1])\n"
    "json.dump({'cwd': os.getcwd(), 'path': sys.path, 'lang': os.environ.get('SIMLIB_LANGUAGE'),\n"
    "           'lines': mpl.rcParams['lines.linewidth'], 'backend': mpl.get_backend(),\n"
    "           'draw': float(np.random.random()), 'simlib': 'simlib' in sys.modules,\n"
    "           'parent': os.environ.get('JPY_PARENT_PID'), 'ppid': os.getppid(),\n"
    "           'frozen': gc.get_freeze_count(), 'collecting': gc.isenabled()},\n"
    "          open(where, 'w'))"
)


def _probe(tmp_path: Path, folder: Path, name: str) -> tuple[dict, list]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('where = "x.json"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(PROBE),
    ]
    nb.metadata["kernelspec"] = {"name": "simlib", "language": "python", "display_name": "x"}
    source = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, source)
    out = execute_notebook(source, tmp_path / f"{name}-out.ipynb", {"where": f"{name}.json"},
                           cwd=folder)  # fmt: skip
    outputs = nbformat.read(str(out), as_version=4).cells[-1].outputs
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8")), outputs


def test_a_forked_kernel_is_what_a_fresh_kernel_is(tmp_path, monkeypatch):
    """Forked or started anew, a kernel runs in the folder and environment asked for,
    reads the folder's matplotlib settings file, shows figures as images, has not
    imported simlib before the notebook does, and draws its own random numbers. A forked
    kernel's libraries are frozen out of the garbage collector's full passes."""
    from simlib.i18n import ENV
    from simlib.workbench import forkserver

    if not forkserver.available():
        import pytest

        pytest.skip("kernels are forked on Linux only")
    folder = tmp_path / "here"
    folder.mkdir()
    (folder / "matplotlibrc").write_text("lines.linewidth: 7.5\n", encoding="utf-8")
    monkeypatch.setenv(ENV, "zh-CN")
    seen = {}
    for how in ("forked", "forked-again", "started"):
        monkeypatch.setenv(forkserver.ENV, "0" if how == "started" else "1")
        seen[how], outputs = _probe(tmp_path, folder, how)
        assert any("image/png" in o.get("data", {}) for o in outputs), how
    for how, got in seen.items():
        assert Path(got["cwd"]).resolve() == folder.resolve(), how
        assert got["path"] == seen["started"]["path"], how
        assert got["lang"] == "zh-CN", how
        assert got["lines"] == 7.5, how
        assert got["backend"] == seen["started"]["backend"], how
        assert got["simlib"] is False, how
        assert got["parent"] == str(got["ppid"]), how  # shut down when its parent goes
    assert seen["forked"]["draw"] != seen["forked-again"]["draw"]
    # The libraries a forked kernel starts with are out of the garbage collector's full
    # passes (they live as long as the kernel); the kernel's own objects are collected.
    assert seen["forked"]["frozen"] > 100_000 and seen["started"]["frozen"] == 0
    assert all(got["collecting"] for got in seen.values())


def test_a_forked_kernel_runs_a_report_exactly_as_a_fresh_one(tmp_path, monkeypatch):
    """The data health page of the bundled sample, forked and started anew: the same
    page, figures included (only the random cell and table ids differ)."""
    import re

    from simlib.workbench import forkserver
    from simlib.workbench.render import render_report

    pages = {}
    for how in ("1", "0"):
        monkeypatch.setenv(forkserver.ENV, how)
        r = render_report("data_health", tmp_path / how, {"data_path": "data/sample"})
        page = r.html.read_text(encoding="utf-8")
        # Cell ids and table ids (pandas styles) are random in any two runs.
        pages[how] = re.sub(r"cell-id=[0-9a-f]+|T_[0-9a-f]{5}", "", page)
    assert "data:image/png;base64" in pages["1"]
    assert pages["1"] == pages["0"]


# ------------------------------------------------------------ when a kernel is ready
class _Channel:
    """A channel that hands out queued messages: ``None`` stands for a wait that ends
    with nothing (queue.Empty)."""

    def __init__(self, script):
        self.script = list(script)

    async def get_msg(self, timeout=None):
        from queue import Empty

        msg = self.script.pop(0)
        if msg is None:
            raise Empty
        return msg


def _msg(kind, parent, state=None):
    content = {"execution_state": state} if state else {"status": "ok"}
    return {"msg_type": kind, "parent_header": {"msg_id": parent}, "content": content}


def _client(shell, iopub):
    """A ReportKernelClient talking to scripted channels; ``sent`` lists its requests."""
    import asyncio

    from simlib.workbench.kernelclient import ReportKernelClient

    ids = iter(["first", "second", "third"])
    sent: list[str] = []

    class Scripted(ReportKernelClient):
        shell_channel = _Channel(shell)
        iopub_channel = _Channel(iopub)

        def kernel_info(self):
            sent.append(next(ids))
            return sent[-1]

        async def _async_is_alive(self):
            return True

        def _handle_kernel_info_reply(self, msg):
            pass

    def run(coroutine):  # on a thread of its own: notebook runs may hold this one's loop
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    return Scripted(), sent, run


def test_a_kernel_is_ready_once_it_answers_on_both_channels():
    client, sent, run = _client(
        shell=[_msg("kernel_info_reply", "first")],
        iopub=[_msg("status", "first", "busy"), _msg("status", "first", "idle")],
    )
    run(client.wait_for_ready(timeout=5))
    assert sent == ["first"]


def test_a_lost_iopub_status_asks_again_and_ignores_the_stale_answers():
    # The first request's IOPub messages went out before the subscription was connected;
    # the second request's reply comes after a late reply to the first.
    client, sent, run = _client(
        shell=[
            _msg("kernel_info_reply", "first"),
            _msg("kernel_info_reply", "first"),
            _msg("kernel_info_reply", "second"),
        ],
        iopub=[None, _msg("status", "first", "idle"), _msg("status", "second", "idle")],
    )
    run(client.wait_for_ready(timeout=5))
    assert sent == ["first", "second"]
    # Ready only at the second request's own answers: every stale message was read past.
    assert client.shell_channel.script == [] and client.iopub_channel.script == []


# ------------------------------------------------------------ shut down without an interrupt
WATCHER = (
    "import signal, sys, time\n"
    "def seen(*_):\n"
    "    open(sys.argv[1], 'w').write('interrupted')\n"
    "    sys.exit()\n"
    "signal.signal(signal.SIGINT, seen)\n"
    "open(sys.argv[2], 'w').write('ready')\n"
    "time.sleep(60)\n"
)


def test_a_finished_report_kernel_is_shut_down_without_an_interrupt(tmp_path):
    # jupyter_client interrupts a kernel's process group before shutting it down; one
    # landing while the kernel still handles a message prints "KeyboardInterrupt caught
    # in kernel" on the terminal. A process the notebook starts shares the kernel's
    # group, so it sees every interrupt the kernel is sent.
    heard, ready = tmp_path / "heard", tmp_path / "ready"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os, subprocess, sys, time\n"
            f"watcher = subprocess.Popen([sys.executable, '-c', {WATCHER!r}, {str(heard)!r}, "
            f"{str(ready)!r}])\n"
            f"while not os.path.exists({str(ready)!r}):\n"
            "    time.sleep(0.01)\n"
            "open('watcher.pid', 'w').write(str(watcher.pid))"
        )
    ]
    nb.metadata["kernelspec"] = {"name": "simlib", "language": "python", "display_name": "x"}
    nbformat.write(nb, tmp_path / "watch.ipynb")
    execute_notebook(tmp_path / "watch.ipynb", tmp_path / "out.ipynb", {}, cwd=tmp_path)
    pid = int((tmp_path / "watcher.pid").read_text())
    try:
        time.sleep(0.2)  # a signal sent at shutdown has arrived by now
        assert not heard.exists()
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass

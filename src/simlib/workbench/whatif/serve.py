"""``simlib whatif``: serve the what-if page with Voila on this machine.

Voila runs the what-if notebook (``notebooks/whatif.py``, converted to a temporary
``.ipynb``) with its code hidden and shows the page it builds (:class:`simlib.workbench.whatif.app.WhatIfApp`). The data and plan chosen on the
command line reach the page through environment variables
(:data:`simlib.workbench.whatif.app.ENV`); so does the language (``--lang``, through
:data:`simlib.i18n.ENV`, which the kernel reads when it starts). The server listens on the loopback address only:
the page shows what a sales force was paid, so it is not offered to the network.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import webbrowser
from pathlib import Path

from simlib import i18n
from simlib.i18n import _
from simlib.workbench.whatif.app import ENV

#: The plan the what-if starts from when none is given.
DEFAULT_PLAN = "scenarios/plans/am_proposed.yaml"
DEFAULT_DATA = "data/sample"
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on at the moment (on the loopback address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def notebook_path(folder: Path) -> Path:
    """The what-if notebook written as ``.ipynb`` into ``folder`` (Voila reads .ipynb)."""
    import jupytext

    from simlib.workbench import project

    src = project.resolve("notebooks/whatif.py")
    if not src.exists():
        raise FileNotFoundError(_("{file}: the what-if notebook is missing").format(file=src))
    nb = folder / "whatif.ipynb"
    jupytext.write(jupytext.read(src), nb)
    return nb


def command(
    data: str | Path,
    plan: str | Path,
    port: int,
    folder: Path,
    year: int | None = None,
    scenario_dir: str | Path | None = None,
    lang: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The Voila command line and environment that serve the what-if (the notebook is
    written into ``folder``); ``lang`` is the page's language (default: the language in
    force here)."""
    from simlib.workbench import project

    env = dict(os.environ)
    # The kernel runs beside the temporary notebook: name the project explicitly.
    env["SIMLIB_PROJECT"] = str(project.root())
    env[ENV["data_path"]] = str(data)
    env[ENV["plan_file"]] = str(plan)
    if year is not None:
        env[ENV["year"]] = str(int(year))
    if scenario_dir is not None:
        env[ENV["scenario_dir"]] = str(scenario_dir)
    env[i18n.ENV] = i18n.normalize(lang) if lang is not None else i18n.current()
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook_path(folder)),
        f"--port={int(port)}",
        f"--Voila.ip={HOST}",
        "--no-browser",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
    ]
    return cmd, env


def check(data: Path, plan: Path, year: int | None = None) -> str:
    """Load the data and the plan once, so a mistake is reported before the server starts.

    Returns a one-line description of what the page will show.
    """
    import simlib as sl
    from simlib.workbench.whatif import WhatIf

    ds = sl.load_dataset(data)
    wi = WhatIf(ds, plan, year=year)
    return _("plan {plan} replayed on {year} ({n} reps paid)").format(
        plan=repr(wi.plan.name), year=wi.year, n=f"{int(wi.paid.sum()):,}"
    )


def serve(
    data: str | Path | None = None,
    plan: str | Path | None = None,
    port: int | None = None,
    open_browser: bool = True,
    year: int | None = None,
    scenario_dir: str | Path | None = None,
    lang: str | None = None,
) -> int:
    """Serve the what-if until interrupted (Ctrl+C) in ``lang`` (default: the language
    in force); returns Voila's exit status."""
    from simlib.workbench import project

    lang = i18n.normalize(lang) if lang is not None else i18n.current()

    data = Path(data).resolve() if data else project.resolve(DEFAULT_DATA)
    plan = Path(plan).resolve() if plan else project.resolve(DEFAULT_PLAN)
    with i18n.use(lang):
        about = check(data, plan, year)
    port = port or free_port()
    url = f"http://{HOST}:{port}/"
    with tempfile.TemporaryDirectory(prefix="simlib-whatif-") as folder, i18n.use(lang):
        cmd, env = command(data, plan, port, Path(folder), year, scenario_dir, lang)
        print(_("What-if: {about}.").format(about=about))
        print(
            _("Open {url} in a browser (this machine only). Stop with Ctrl+C.").format(url=url),
            flush=True,
        )
        proc = subprocess.Popen(cmd, env=env, cwd=folder)
        # Stopped by a signal (a service manager, a test), stop the server with us.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        if open_browser:
            webbrowser.open(url)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt

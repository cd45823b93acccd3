"""Running notebooks as reports: papermill executes, nbconvert renders HTML with code hidden.

Notebooks are thin (parameters, library calls, figures, prose). This module
executes one with validated parameters on the ``simlib`` Jupyter kernel and
renders it for readers who never see code. Outputs appear atomically.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simlib._atomic import atomic_file
from simlib.errors import SimlibError

#: Repository root when running from a source checkout (notebooks/ lives there).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = PROJECT_ROOT / "notebooks"
KERNEL = "simlib"


class NotebookError(SimlibError, RuntimeError):
    """A notebook failed to execute; the message names the notebook and cell."""


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The names and default values in a notebook's ``parameters`` cell."""
    import papermill as pm

    info = pm.inspect_notebook(str(notebook))
    return {name: p["default"] for name, p in info.items()}


def validate_parameters(notebook: str | Path, parameters: Mapping[str, Any]) -> None:
    """Refuse parameters the notebook does not declare (papermill would only warn)."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise NotebookError(
            f"{Path(notebook).name}: unknown parameter(s) {unknown}; "
            f"the notebook declares {sorted(declared)}"
        )


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    kernel: str = KERNEL,
    cwd: str | Path | None = None,
) -> Path:
    """Execute ``notebook`` with papermill and write the executed copy to ``output``."""
    import papermill as pm

    notebook = Path(notebook)
    parameters = dict(parameters or {})
    validate_parameters(notebook, parameters)
    with atomic_file(output, suffix=".ipynb") as tmp:
        try:
            pm.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=parameters,
                kernel_name=kernel,
                cwd=str(cwd or PROJECT_ROOT),
                progress_bar=False,
                log_output=False,
            )
        except pm.PapermillExecutionError as exc:
            raise NotebookError(
                f"{notebook.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
            ) from None
    return Path(output)


def render_html(executed: str | Path, html: str | Path, title: str | None = None) -> Path:
    """Render an executed notebook to HTML with all code hidden (``--no-input``)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    with atomic_file(html, suffix=".html") as tmp:
        tmp.write_text(body, encoding="utf-8")
    return Path(html)


@dataclass(frozen=True)
class Rendered:
    name: str
    html: Path
    seconds: float


def render_report(
    name: str,
    out_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    notebook: str | Path | None = None,
    title: str | None = None,
) -> Rendered:
    """Execute ``notebooks/<name>.ipynb`` and write ``<out_dir>/<name>.html`` (+ the executed
    ``.ipynb`` for analysts)."""
    start = time.perf_counter()
    out_dir = Path(out_dir)
    nb = Path(notebook) if notebook else NOTEBOOKS / f"{name}.ipynb"
    executed = execute_notebook(nb, out_dir / f"{name}.ipynb", parameters)
    html = render_html(executed, out_dir / f"{name}.html", title=title)
    return Rendered(name, html, time.perf_counter() - start)


#: The demo's reports, in the order `make demo` renders them: (notebook, parameters).
#: Paths in parameters are relative to the project root (the notebooks' cwd).
DEMO_REPORTS: list[tuple[str, dict[str, Any]]] = [
    ("data_health", {"data_path": "data/sample"}),
    ("appraisal", {"data_path": "data/sample"}),
    ("plans", {"data_path": "data/sample"}),
]


def run_demo(out_dir: str | Path = PROJECT_ROOT / "reports" / "demo") -> list[Rendered]:
    """Render every demo report on the bundled sample into ``out_dir``."""
    out = []
    for name, params in DEMO_REPORTS:
        r = render_report(name, out_dir, params)
        print(f"  {name:<16} {r.seconds:6.1f} s  {r.html}")
        out.append(r)
    return out


def dumps(obj: Any) -> str:
    """JSON for report payloads (paths and numpy scalars allowed)."""
    return json.dumps(obj, default=str, ensure_ascii=False, indent=2)

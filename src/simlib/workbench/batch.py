"""Running notebooks as reports: papermill executes, nbconvert renders HTML with code hidden.

Notebooks are thin (parameters, library calls, figures, prose). This module
executes one with validated parameters on the ``simlib`` Jupyter kernel and
renders it for readers who never see code. Outputs appear atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simlib._atomic import atomic_file
from simlib.errors import SimlibError
from simlib.workbench.outdir import STORE_SUFFIX

#: Repository root when running from a source checkout (notebooks/ lives there).
PROJECT_ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS = PROJECT_ROOT / "notebooks"
KERNEL = "simlib"
#: Seconds a notebook cell may run, and a kernel may take to start, before it fails.
CELL_TIMEOUT = 900
KERNEL_START_TIMEOUT = 120


class NotebookError(SimlibError, RuntimeError):
    """A notebook failed to execute; the message names the notebook and cell."""


@contextmanager
def as_ipynb(notebook: str | Path) -> Iterator[Path]:
    """The notebook as an ``.ipynb`` file papermill can read.

    The notebooks are tracked as jupytext ``.py:percent`` files only (their
    ``.ipynb`` twins, which JupyterLab saves outputs into, are not tracked): a
    ``.py`` is converted into a temporary ``.ipynb``; an ``.ipynb`` is used as is.
    """
    notebook = Path(notebook)
    if notebook.suffix != ".py":
        yield notebook
        return
    import jupytext

    nb = jupytext.read(notebook)
    with tempfile.TemporaryDirectory(prefix="simlib-nb-") as d:
        path = Path(d) / f"{notebook.stem}.ipynb"
        jupytext.write(nb, path)
        yield path


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The names and default values in a notebook's ``parameters`` cell."""
    import papermill as pm

    with as_ipynb(notebook) as nb:
        info = pm.inspect_notebook(str(nb))
    return {name: p["default"] for name, p in info.items()}


def validate_parameters(notebook: str | Path, parameters: Mapping[str, Any]) -> None:
    """Refuse parameters the notebook does not declare (papermill would only warn), and
    values whose kind differs from the declared default (a number for a path, a
    string for a list); ``None`` on either side is accepted."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise NotebookError(
            f"{Path(notebook).name}: unknown parameter(s) {unknown}; "
            f"the notebook declares {sorted(declared)}"
        )
    wrong = [
        f"{k} = {v!r} (the notebook expects {_kind(declared[k])})"
        for k, v in parameters.items()
        if not _same_kind(declared[k], v)
    ]
    if wrong:
        raise NotebookError(f"{Path(notebook).name}: parameter(s) of the wrong kind: {wrong}")


def _default_value(source: Any) -> Any:
    import ast

    try:
        return ast.literal_eval(source) if isinstance(source, str) else source
    except (ValueError, SyntaxError):
        return None  # an expression: nothing to compare with


def _kind(source: Any) -> str:
    v = _default_value(source)
    return {bool: "True/False", int: "a number", float: "a number", str: "text",
            list: "a list", tuple: "a list", dict: "a mapping"}.get(type(v), "any value")  # fmt: skip


def _same_kind(source: Any, value: Any) -> bool:
    default = _default_value(source)
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


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
    with (
        atomic_file(output, suffix=".ipynb") as tmp,
        as_ipynb(notebook) as source,
        _kernel_sockets() as config,
    ):
        for attempt in (1, 2):
            try:
                pm.execute_notebook(
                    str(source),
                    str(tmp),
                    parameters=parameters,
                    kernel_name=kernel,
                    cwd=str(cwd or PROJECT_ROOT),
                    progress_bar=False,
                    log_output=False,
                    # A report never needs this long; a hung kernel must fail, not stall CI.
                    execution_timeout=CELL_TIMEOUT,
                    start_timeout=KERNEL_START_TIMEOUT,
                    config=config,
                )
                break
            except pm.PapermillExecutionError as exc:
                raise NotebookError(
                    f"{notebook.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                ) from None
            except (RuntimeError, TimeoutError) as exc:
                # A kernel that does not start or answer (e.g. a port taken by another
                # process at the same moment) gets one more try with a fresh kernel.
                if attempt == 2:
                    raise NotebookError(
                        f"{notebook.name}: the kernel did not start or answer: {exc}"
                    ) from None
    return Path(output)


@contextmanager
def _kernel_sockets():
    """Kernel configuration for one notebook run: the kernel talks to papermill over
    Unix sockets in a private temporary folder (IPC transport), never over TCP.

    Over TCP every kernel warns that its traffic is unencrypted (and two kernels
    starting at once can race for a port); local sockets in a folder only this user
    can open need no encryption and no ports.
    """
    import tempfile

    from traitlets.config import Config

    if os.name == "nt":  # no Unix sockets on Windows: the kernel keeps its TCP default
        yield Config()
        return
    with tempfile.TemporaryDirectory(prefix="simlib-kernel-") as d:
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(d) / "kernel")
        yield config


#: The report page template: JupyterLab's look, with nothing fetched from the network
#: (no require.js, MathJax, mermaid or widget scripts: the reports use none of them),
#: the page's navigation bar and its print-friendly styles.
_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style type="text/css">"""
    + "{{ resources.simlib_css }}"
    + """</style>
{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
{{ resources.simlib_nav }}
{%- endblock body_header -%}
"""
)

#: Styles shared by the index and every report (navigation bar, tables, notes).
PAGE_CSS = (
    "nav.simlib-nav{position:sticky;top:0;z-index:10;background:#1f4e79;padding:.35em 1em;"
    "font:14px/1.5 system-ui,sans-serif;margin:0 0 .5em;display:flex;flex-wrap:wrap;"
    "gap:.1em 1.1em}"
    "nav.simlib-nav a{color:#fff;text-decoration:none;white-space:nowrap}"
    "nav.simlib-nav a:hover{text-decoration:underline}"
    "nav.simlib-nav a.here{font-weight:700;border-bottom:2px solid #fff}"
    "table.simlib-table{border-collapse:collapse;font-size:.9em;margin:.4em 0}"
    ".jp-RenderedHTMLCommon table.simlib-table th,.jp-RenderedHTMLCommon table.simlib-table td,"
    "table.simlib-table th,table.simlib-table td{border-bottom:1px solid #ddd;"
    "padding:.3em .6em;text-align:left;vertical-align:top}"
    "table.simlib-table th{background:#f3f5f8}"
    ".simlib-note{color:#555;font-size:.85em;margin:.2em 0 .8em}"
    ".simlib-caption{font-weight:600;margin:.6em 0 .2em}"
    ".simlib-callout{border-left:4px solid #b3261e;background:#fdf1f0;padding:.5em .9em;"
    "margin:.6em 0}"
    ".simlib-summary{border-left:4px solid #1f4e79;background:#f5f9fd;padding:.5em .9em;"
    "margin:.4em 0 1em;font-size:1.05em}"
)

#: Markers around the navigation bar, so it is rewritten in place once every page of
#: the batch is known (a page rendered first cannot know the ones rendered after it).
NAV_START, NAV_END = "<!--simlib-nav-->", "<!--/simlib-nav-->"


def nav_html(pages: list[tuple[str, str]], here: str | None = None) -> str:
    """The navigation bar: (label, file name) per page of the batch, index first."""
    from html import escape

    current = ' class="here" aria-current="page"'
    links = "".join(
        f'<a href="{escape(href)}"{current if href == here else ""}>{escape(label)}</a>'
        for label, href in pages
    )
    return f'{NAV_START}<nav class="simlib-nav" aria-label="Reports">{links}</nav>{NAV_END}'


def render_html(
    executed: str | Path,
    html: str | Path,
    title: str | None = None,
    pages: list[tuple[str, str]] | None = None,
) -> Path:
    """Render an executed notebook to HTML with all code hidden (``--no-input``).

    The page stands alone: no script, style or font is fetched from the network,
    its ``<title>`` is ``title`` (else the notebook's first heading), it carries a
    navigation bar (``pages``: (label, file name); at least a link to the index),
    and no local absolute path of the project appears in it.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    nb.metadata["title"] = title or _first_heading(nb) or Path(html).stem
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"simlib_report.html.j2": _TEMPLATE})],
        template_file="simlib_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nav = nav_html(pages or [("Index", "index.html")], here=Path(html).name)
    body, _ = exporter.from_notebook_node(nb, resources={"simlib_css": PAGE_CSS, "simlib_nav": nav})
    with atomic_file(html, suffix=".html") as tmp:
        tmp.write_text(_without_local_paths(body), encoding="utf-8")
    return Path(html)


def _first_heading(nb) -> str | None:
    for c in nb.cells:
        if c.cell_type == "markdown":
            for line in c.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _without_local_paths(text: str) -> str:
    """Paths inside the project shown relative to it; the home folder as ``~``. A page
    is handed to readers on other machines: the author's folders mean nothing there."""
    root = str(PROJECT_ROOT)
    text = text.replace(root + os.sep, "").replace(root, ".")
    home = os.path.expanduser("~")
    if home not in ("/", "") and len(home) > 5:
        text = text.replace(home + os.sep, "~" + os.sep)
    return text


def link_pages(out_dir: str | Path, pages: list[tuple[str, str]]) -> None:
    """Rewrite the navigation bar of every page in ``pages`` (and the index) so each
    links to the index and to every other page of the batch."""
    import re

    out_dir = Path(out_dir)
    pattern = re.compile(re.escape(NAV_START) + ".*?" + re.escape(NAV_END), re.S)
    for _, href in pages:
        path = out_dir / href
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        nav = nav_html(pages, here=href)
        new = pattern.sub(lambda _m, nav=nav: nav, text, count=1) if pattern.search(text) else text
        if new != text:
            with atomic_file(path, suffix=".html") as tmp:
                tmp.write_text(new, encoding="utf-8")


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
    output_name: str | None = None,
) -> Rendered:
    """Execute ``notebooks/<name>.py`` and write ``<out_dir>/<output_name>.html`` (+ the
    executed ``.ipynb`` for analysts: with ``output_name``, under ``<out_dir>.store/notebooks/``
    beside the folder, which then holds the HTML only; without it, beside the HTML);
    ``output_name`` defaults to ``name``."""
    from simlib.workbench.outdir import store_dir

    start = time.perf_counter()
    out_dir = Path(out_dir)
    nb = Path(notebook) if notebook else NOTEBOOKS / f"{name}.py"
    stem = output_name or name
    nb_dir = store_dir(out_dir) / "notebooks"
    executed_path = out_dir / f"{stem}.ipynb" if output_name is None else nb_dir / f"{stem}.ipynb"
    executed = execute_notebook(nb, executed_path, parameters)
    html = render_html(executed, out_dir / f"{stem}.html", title=title)
    return Rendered(stem, html, time.perf_counter() - start)


#: The demo's reports, in the order `make demo` renders them: (notebook, parameters).
#: Paths in parameters are absolute (``simlib demo`` works from any folder).
_SAMPLE = str(PROJECT_ROOT / "data" / "sample")
DEMO_REPORTS: list[tuple[str, dict[str, Any]]] = [
    ("data_health", {"data_path": _SAMPLE}),
    # Linked from a leadership index: flagged reps as counts by unit, no rep IDs.
    # Managers' judgments of the sample scorecard's KPIs (revenue, new customers, retention).
    (
        "appraisal",
        {
            "data_path": _SAMPLE,
            "list_rows": 0,
            "ahp_pairwise": [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]],
        },
    ),  # fmt: skip
    ("plans", {"data_path": _SAMPLE}),
    ("behavior", {"data_path": _SAMPLE, "draws": 100}),
    ("targets", {"data_path": _SAMPLE}),
]


DEMO_SCENARIOS = PROJECT_ROOT / "scenarios" / "demo.yaml"
#: The demo's design search: the design meeting every goal no hand-written design meets.
DEMO_SEARCH = PROJECT_ROOT / "scenarios" / "design_search.yaml"
#: Generations the demo runs (the file asks for 5, for `simlib design`): on the sample,
#: the second generation already holds designs meeting all five goals; later ones only
#: raise the contribution among them, at about 20 designs screened each.
DEMO_SEARCH_GENERATIONS = 2


def run_demo_search(
    folder: str | Path,
    scenario_file: str | Path = DEMO_SEARCH,
    generations: int | None = DEMO_SEARCH_GENERATIONS,
) -> Path:
    """Run the demo's design search and write its output (no page) into ``folder``."""
    from simlib.scenario import Scenario
    from simlib.search import run_search
    from simlib.search.output import write_outputs

    sc = Scenario.from_yaml(scenario_file)
    spec = sc.search
    if generations is not None:
        opt = spec.optimizer.model_copy(update={"generations": generations})
        spec = spec.model_copy(update={"optimizer": opt})
    res = run_search(sc, spec=spec)
    return write_outputs(res, sc, folder, source=Path(scenario_file).name, report=False)


def run_demo(
    out_dir: str | Path = PROJECT_ROOT / "reports" / "demo",
    draws: int | None = None,
    languages: Sequence[str] | None = None,
) -> BatchResult:
    """Run the demo batch (``scenarios/demo.yaml``), the design search
    (``scenarios/design_search.yaml``) and every report in :data:`DEMO_REPORTS` on the
    bundled sample into ``out_dir``, linked from one index.

    The search's files (designs, tables, its results store) go beside the reports, in
    ``<out>.store/design/``; its page is ``design.html`` beside the other pages.

    With ``languages`` (e.g. ``("en", "zh-CN")``) the batch and the reports are
    rendered once per language into ``out_dir/<language>/`` and ``out_dir/index.html``
    links each language's index; the simulations and the search run once (the later
    languages reuse the first one's stored results)."""
    import shutil
    from functools import partial

    from simlib import i18n
    from simlib.workbench import outdir

    search_dir = outdir.store_dir(out_dir) / "design"

    def reports_for(lang: str, search: bool) -> list:
        # First in the list: the longest report starts at once, beside the simulations.
        first = (partial(run_demo_search, search_dir),) if search else ()
        design = ("design", {"search_dir": str(search_dir)}, *first)
        return [design, *((nb, {**params, "language": lang}) for nb, params in DEMO_REPORTS)]

    if not languages:
        reports = reports_for(i18n.current(), search=True)
        return run_batch(DEMO_SCENARIOS, out=out_dir, draws=draws, extra_reports=reports)
    out_dir = Path(out_dir)
    langs = [i18n.normalize(x) for x in languages]
    results: list[BatchResult] = []
    for lang in langs:
        sub = out_dir / lang
        first_store = outdir.store_path(out_dir / langs[0])
        own_store = outdir.store_path(sub)
        if results and first_store.exists() and not own_store.exists():
            # Same scenarios, same data: the stored results are reused, only the
            # reports are rendered again in this language.
            own_store.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(first_store, own_store)
        with i18n.exported(lang):
            reports = reports_for(lang, search=not results)
            results.append(run_batch(DEMO_SCENARIOS, out=sub, draws=draws, extra_reports=reports))
    index = write_language_index(
        out_dir, {lang: r.index for lang, r in zip(langs, results, strict=True)}
    )
    first = results[0]
    return BatchResult(
        first.batch,
        out_dir,
        index,
        [i for r in results for i in r.items],
        [i for r in results for i in r.extras],
        sum(r.seconds for r in results),
        first.compare,
    )


#: How the language chooser names each language, in that language.
LANGUAGE_NAMES = {"en": "English", "zh-CN": "中文（简体）"}


def write_language_index(out_dir: Path, indexes: dict[str, Path]) -> Path:
    """``out_dir/index.html``: one link per language to that language's index."""
    from html import escape

    from simlib import i18n
    from simlib._atomic import write_text

    links = []
    for lang, idx in indexes.items():
        with i18n.use(lang):
            title = i18n._("Reports")
        rel = Path(idx).resolve().relative_to(Path(out_dir).resolve()).as_posix()
        links.append(
            f'<li><a href="{escape(rel)}" lang="{lang}">{escape(LANGUAGE_NAMES[lang])}: '
            f"{escape(title)}</a></li>"
        )
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        "<title>simlib demo</title></head><body>"
        "<h1>simlib demo</h1><ul>" + "".join(links) + "</ul></body></html>\n"
    )
    return write_text(Path(out_dir) / "index.html", page)


def dumps(obj: Any) -> str:
    """JSON for report payloads (paths and numpy scalars allowed)."""
    return json.dumps(obj, default=str, ensure_ascii=False, indent=2)


# ====================================================================== batches
#: Statuses of a scenario in a batch.
OK_STATUSES = ("simulated", "reused")


@dataclass
class BatchItem:
    """What happened to one scenario of a batch."""

    name: str
    position: int
    status: str  # simulated | reused | failed | kept
    key: str | None = None
    message: str = ""
    html: str | None = None
    seconds: float = 0.0
    what: str = ""
    kind: str = ""
    headline: str = ""


def currency_of(design: Mapping[str, Any] | None) -> str | None:
    """The currency of a design's amounts (:func:`simlib.vocabulary.design_currency`)."""
    from simlib.vocabulary import design_currency

    return design_currency(design)


def headline(result: Any, currency: str | None = None) -> str:
    """Expected cost, share at quota and pay-performance of one run, for the index
    (the values and formats of :mod:`simlib.vocabulary`, as on every report page)."""
    import numpy as np

    from simlib import vocabulary as v

    parts = [f"cost {v.show(result, 'total_payout', currency)}"]
    if np.isfinite(v.value(result, "budget_ratio")):
        parts.append(f"{v.show(result, 'budget_ratio')} of budget")
    parts.append(f"{v.show(result, 'share_at_quota')} at quota")
    parts.append(f"pay-performance {v.show(result, 'pay_performance')}")
    return "; ".join(parts)


@dataclass
class BatchResult:
    """A finished batch: where its reports are and what happened to each scenario."""

    batch: str
    out_dir: Path
    index: Path
    items: list[BatchItem]
    extras: list[BatchItem]
    seconds: float
    compare: BatchItem | None = None

    @property
    def failed_scenarios(self) -> list[BatchItem]:
        """Scenarios that could not be built or simulated."""
        return [i for i in self.items if i.status == "failed"]

    @property
    def failed_reports(self) -> list[BatchItem]:
        """Scenario reports and other reports that failed to render."""
        return [i for i in self.items if i.status == "report failed"] + [
            e for e in self.extras if e.status == "failed"
        ]

    @property
    def compare_failed(self) -> bool:
        return self.compare is not None and self.compare.status == "failed"

    @property
    def failed(self) -> list[BatchItem]:
        """Everything that failed: scenarios, reports and the comparison."""
        out = self.failed_scenarios + self.failed_reports
        return out + [self.compare] if self.compare_failed else out

    def summary(self) -> str:
        """One line counting each kind of failure, e.g. for the command line."""
        parts = [f"{len(self.items)} scenario(s), {len(self.failed_scenarios)} failed"]
        n_reports = sum(1 for i in self.items if i.html or i.status == "report failed") + len(
            self.extras
        )
        if n_reports or self.failed_reports:
            parts.append(f"{len(self.failed_reports)} of {n_reports} report(s) failed")
        if self.compare is not None:
            parts.append("comparison " + ("FAILED" if self.compare_failed else "ok"))
        return "; ".join(parts)


def slug(name: str) -> str:
    """A file-name-safe form of a scenario name (``cap=1.4`` -> ``cap-1-4``)."""
    import re

    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "scenario"


def _relative(p: Path) -> str:
    """A path as notebooks should see it: absolute, so it means the same file whatever
    folder the command was run from (notebooks run in the project root)."""
    return str(Path(p).resolve())


def _with_budget(sc, budget: float):
    """``sc`` with its incentive budget set (a new scenario; hashed with the budget)."""
    import copy
    import dataclasses

    design = copy.deepcopy(sc.design)
    design.setdefault("simulation", {})["budget"] = budget
    return dataclasses.replace(sc, design=design)


def _simulate_kwargs(sc, draws: int | None) -> dict[str, Any]:
    kw = sc.simulation_kwargs()
    if draws is not None:
        kw["draws"] = int(draws)
    return kw


def _data_check_notes(scenarios) -> list[str]:
    """Each data-check warning of the scenarios once (they usually share one dataset);
    a scenario whose checks cannot run says why when it is simulated."""
    import warnings

    from simlib.errors import SimlibError

    out: list[str] = []
    for sc in scenarios:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                checks = sc.data_checks()
        except (SimlibError, ValueError, KeyError, OSError):
            continue
        for f in checks.warnings:
            text = f"data [{f.check}] {f.text()}"
            if text not in out:
                out.append(text)
    return out


def _item_what(sc) -> str:
    """The index's "what it is" for one scenario: a reform's own words; for the
    baseline, the design itself (the file's "what" describes the whole batch)."""
    if sc.kind != "baseline":
        return sc.what
    app = sc.design.get("appraisal")
    bits = [f"the plan {sc.plan_name!r}"]
    if isinstance(app, dict) and app.get("name"):
        bits.append(f"the appraisal {app['name']!r}")
    return "The design in force, which every other is compared with: " + " and ".join(bits) + "."


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def run_batch(
    scenario_file: str | Path,
    out: str | Path | None = None,
    resume: bool = False,
    draws: int | None = None,
    reports: bool = True,
    extra_reports: list[tuple[str, dict[str, Any]]] | None = None,
    workers: int = 2,
    sim_workers: int | None = None,
    echo=print,
    yes: bool = True,
) -> BatchResult:
    """Simulate every scenario of a file, store the results, render the reports.

    Parameters
    ----------
    scenario_file : str or Path
        A scenario file (see :mod:`simlib.scenario`).
    out : str or Path, optional
        Output folder; default ``reports/<batch>/`` (the file's ``batch:`` or its stem).
        It holds what leadership reads: one HTML report per scenario,
        ``compare.html`` and ``index.html``. The results store and the executed
        notebooks live beside it in ``<out>.store/`` (:mod:`simlib.workbench.outdir`). The
        folder is locked while the batch writes to it.
    resume : bool
        Redo only what failed or changed since the last run into ``out``: a
        scenario whose stored run and report are up to date is kept as it is.
        Without it every report is rendered again (simulations are reused from
        the store whenever a scenario is unchanged, in either case).
    draws : int, optional
        Override every scenario's number of draws (quick looks, tests).
    reports : bool
        Render the notebooks (``False``: simulate and store only).
    extra_reports : list of (notebook, parameters), optional
        Other notebooks to render into the same folder and link from the index
        (the demo adds the design search and the topic reports). An optional third
        element, a callable, runs first in the same job: what the page reads (the
        demo's design search).
    workers : int
        Notebooks rendered at once (each runs in its own kernel process).
    sim_workers : int, optional
        Scenarios simulated at once after the baseline (which runs first, so
        every reform reuses it), each on ``cores // sim_workers`` engine threads.
        Default: half the cores (on 2 cores, one at a time on both cores: the
        engine already threads its chunks). Results are identical either way.
    yes : bool
        Go ahead with a large batch. ``False`` (what ``simlib run`` passes without
        ``--yes``): a batch of more than :data:`simlib.limits.CONFIRM_SCENARIOS`
        scenarios, or expected to take longer than
        :data:`simlib.limits.CONFIRM_SECONDS`, is refused with the estimate.

    Returns
    -------
    BatchResult
        One failing scenario never stops the others: its item says ``failed``
        and why, and so does the index.
    """
    import warnings

    from simlib.limits import MAX_DRAWS
    from simlib.scenario import Scenario
    from simlib.workbench import outdir

    started = time.perf_counter()
    if draws is not None and (
        isinstance(draws, bool) or int(draws) != draws or not 1 <= draws <= MAX_DRAWS
    ):
        # Refused before anything is written: every scenario would fail otherwise.
        raise NotebookError(
            f"draws: expected a whole number from 1 to {MAX_DRAWS:,}, got {draws!r}"
        )
    scenario_file = Path(scenario_file)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root = Scenario.from_yaml(scenario_file, strict=False)
    notes = [str(w.message) for w in caught]
    out_dir = Path(out) if out is not None else PROJECT_ROOT / "reports" / root.batch
    outdir.check(out_dir)
    _check_size(root, draws, reports, yes, echo)
    out_dir, sdir = outdir.prepare(out_dir)
    with outdir.OutputLock(out_dir, echo=echo):
        removed = outdir.clean_temporaries(out_dir, sdir)
        if removed:
            echo(f"  removed   {len(removed)} temporary file(s) left by an interrupted run")
        res = _run_batch(
            root, scenario_file, out_dir, sdir, notes, started, resume, draws, reports,
            extra_reports, workers, sim_workers, echo,
        )  # fmt: skip
    echo(f"  results store and notebooks: {sdir}/")
    return res


def _check_size(root, draws: int | None, reports: bool, yes: bool, echo) -> None:
    """Estimate the batch's run time; refuse a large batch unless ``yes``."""
    from simlib.limits import (
        CONFIRM_SCENARIOS,
        CONFIRM_SECONDS,
        estimate_seconds,
        format_duration,
    )

    scenarios = root.scenarios
    # A budget-neutral variant searches its scale: about four more simulations.
    n = len(scenarios) + sum(1 for s in scenarios if s.budget_neutral) * 4
    most = int(draws) if draws is not None else max(s.settings.draws for s in scenarios)
    try:
        reps = len(root.dataset().reps)
    except Exception:  # the baseline's data fails: the batch reports it, nothing to estimate
        return
    secs = estimate_seconds(n, most, reps, reports)
    echo(
        f"Expected run time: about {format_duration(secs)} ({n} simulation(s) of up to "
        f"{most:,} draws over {reps:,} reps; at most, as stored results are reused)"
    )
    if yes or (n <= CONFIRM_SCENARIOS and secs <= CONFIRM_SECONDS):
        return
    why = (
        f"{n:,} simulations (more than {CONFIRM_SCENARIOS})"
        if n > CONFIRM_SCENARIOS
        else f"longer than {format_duration(CONFIRM_SECONDS)}"
    )
    raise BatchTooLarge(
        f"{root.file or 'the scenario file'}: this batch runs {why}; expected to take about "
        f"{format_duration(secs)}. Run again with --yes to go ahead, or use fewer "
        "sweep values or --draws"
    )


def _progress(done: int, total: int, seconds: float) -> str:
    """``  [3/10, 12 s, about 28 s left]`` for a batch of several scenarios."""
    if total < 2:
        return ""
    from simlib.limits import format_duration

    left = (
        f", about {format_duration(seconds / done * (total - done))} left" if done < total else ""
    )
    return f"  [{done}/{total}, {format_duration(seconds)}{left}]"


class BatchTooLarge(SimlibError, ValueError):
    """A batch is larger than ``simlib run`` starts without ``--yes``."""


def _run_batch(
    root, scenario_file, out_dir, sdir, notes, started, resume, draws, reports,
    extra_reports, workers, sim_workers, echo,
) -> BatchResult:  # fmt: skip
    """The batch itself, run while holding the output folder's lock."""
    from simlib import code_version
    from simlib.scenario import BASELINE, Scenario, budget_neutral, scale_payouts
    from simlib.workbench.outdir import store_path
    from simlib.workbench.store import Store, run_key

    batch = root.batch
    store = Store(store_path(out_dir))
    data_notes = _data_check_notes(root.scenarios)
    # The goals and the data caveats travel with the header: the index and the comparison
    # rank designs by those goals and show the caveats in the decision box.
    store.set_batch(batch, batch_header(root, caveats=data_notes), str(scenario_file))
    previous = store.items(batch) if resume else None
    prev = {r.scenario: r for r in previous.itertuples()} if previous is not None else {}
    echo(f"Batch {batch!r}: {len(root.scenarios)} scenario(s) from {scenario_file} -> {out_dir}/")
    for n in notes:
        echo(f"  warning: {n}")
    for n in data_notes:
        notes.append(n)
        echo(f"  warning: {n}")

    items: list[BatchItem] = []
    results: dict[str, Any] = {}
    pos = 0
    renderer = _Renderer(out_dir, workers) if reports else None
    extras: list[BatchItem] = []
    if renderer is not None:
        # Reports that do not read the store start now, beside the simulations.
        extras = _submit_extras(renderer, out_dir, resume, extra_reports or [])

    def record(item: BatchItem) -> None:
        items.append(item)
        store.set_item(
            batch, item.name, item.position, item.key, item.status, item.message, item.html
        )

    def simulate_one(sc, position: int) -> BatchItem:
        from simlib.engine import simulate

        t0 = time.perf_counter()
        try:
            ds = sc.dataset()
            s = sc.settings
            n = int(draws) if draws is not None else s.draws
            key = run_key(sc.hash, ds.content_hash(), s.seed, n, code_version())
        except Exception as exc:  # any failure is reported, the batch goes on
            store.log(batch, sc.name, None, "failed", 0.0, _error_text(exc))
            return BatchItem(
                sc.name,
                position,
                "failed",
                None,
                _error_text(exc),
                what=_item_what(sc),
                kind=sc.kind,
            )
        if store.has(key):
            store.log(batch, sc.name, key, "reused", 0.0, "unchanged: stored result reused")
            results[sc.name] = store.load(key)
            return BatchItem(sc.name, position, "reused", key, what=_item_what(sc), kind=sc.kind)
        try:
            if key in precomputed:
                res = precomputed.pop(key)
                if isinstance(res, BaseException):
                    raise res
            else:
                res = simulate(**_simulate_kwargs(sc, draws))
            res.provenance["scenario_hash"] = sc.hash
            store.save(key, res, sc, batch)
        except Exception as exc:
            msg = _error_text(exc)
            store.log(batch, sc.name, key, "failed", time.perf_counter() - t0, msg)
            return BatchItem(
                sc.name, position, "failed", key, msg, what=_item_what(sc), kind=sc.kind
            )
        secs = time.perf_counter() - t0
        store.log(batch, sc.name, key, "simulated", secs, f"{res.provenance['draws']} draws")
        results[sc.name] = res
        return BatchItem(
            sc.name, position, "simulated", key, seconds=secs, what=_item_what(sc), kind=sc.kind
        )

    precomputed: dict[str, Any] = {}
    if sim_workers is None:
        sim_workers = max(1, (os.cpu_count() or 1) // 2)

    def prefetch(others) -> None:
        """Simulate the reforms whose results are not stored, several at once; the
        results are written to the store in file order by the loop below."""
        from concurrent.futures import ThreadPoolExecutor

        from simlib.engine import simulate

        threads = max(1, (os.cpu_count() or 1) // sim_workers)
        todo = {}
        for sc in others:
            try:
                s = sc.settings
                n = int(draws) if draws is not None else s.draws
                key = run_key(sc.hash, sc.dataset().content_hash(), s.seed, n, code_version())
            except Exception:  # reported when the loop reaches it
                continue
            if not store.has(key):
                todo[key] = sc

        def run(sc):
            try:
                return simulate(**{**_simulate_kwargs(sc, draws), "threads": threads})
            except Exception as exc:  # kept and reported in order
                return exc

        with ThreadPoolExecutor(max_workers=sim_workers) as pool:
            for key, res in zip(todo, pool.map(run, todo.values()), strict=True):
                precomputed[key] = res

    def with_budget(sc):
        if sc.name != BASELINE and sc.settings.budget is None and BASELINE in results:
            # Every design is judged against the same money: the baseline's budget.
            return _with_budget(sc, float(results[BASELINE].provenance["budget"]))
        return sc

    scenarios = root.scenarios
    texts: dict[str, str] = {}  # each design as the file states it now, for the reports
    sim_start = time.perf_counter()
    for done, sc in enumerate(scenarios, start=1):
        sc = with_budget(sc)
        texts[sc.name] = sc.text
        item = simulate_one(sc, pos)
        pos += 1
        echo(
            f"  {item.status:<9} {sc.name}"
            + (f"  ({item.message})" if item.message else "")
            + _progress(done, len(scenarios), time.perf_counter() - sim_start)
        )
        record(item)
        if sc.name == BASELINE and sim_workers > 1 and len(scenarios) > 2:
            prefetch([with_budget(o) for o in scenarios if o.name != BASELINE])
        if sc.budget_neutral and item.status in OK_STATUSES and BASELINE in results:
            bn_name = f"{sc.name} (budget-neutral)"
            base_item = next(i for i in items if i.name == BASELINE)
            t0 = time.perf_counter()
            bn_key = run_key(f"{sc.hash}|budget-neutral|{base_item.key}", "", 0, 0, code_version())
            try:
                if store.has(bn_key):
                    results[bn_name] = store.load(bn_key)
                    store.log(
                        batch, bn_name, bn_key, "reused", 0.0, "unchanged: stored result reused"
                    )
                    status, msg = "reused", ""
                else:
                    target = float(results[BASELINE].per_draw["total_payout"].mean())
                    bn = budget_neutral(
                        sc,
                        target,
                        simulate_fn=lambda s, **kw: __import__(
                            "simlib.engine", fromlist=["simulate"]
                        ).simulate(**_simulate_kwargs(s, draws)),
                    )
                    bn.result.name = bn_name
                    bn.result.provenance["scenario_hash"] = bn.scenario.hash
                    store.save(bn_key, bn.result, bn.scenario, batch)
                    results[bn_name] = bn.result
                    status = "simulated"
                    msg = f"payout levels x{bn.factor:.3f} ({bn.iterations} simulations)"
                    store.log(batch, bn_name, bn_key, "simulated", time.perf_counter() - t0, msg)
                factor = results[bn_name].provenance.get("budget_neutral_factor")
                texts[bn_name] = Scenario(
                    name=bn_name, design=scale_payouts(sc.design, float(factor))
                ).text
                what = f"{sc.what} Payout levels scaled x{factor:.3f} so its expected cost equals the baseline's."
                bitem = BatchItem(
                    bn_name,
                    pos,
                    status,
                    bn_key,
                    msg if status == "failed" else "",
                    what=what,
                    kind="budget-neutral",
                )
            except Exception as exc:
                store.log(
                    batch, bn_name, bn_key, "failed", time.perf_counter() - t0, _error_text(exc)
                )
                bitem = BatchItem(
                    bn_name, pos, "failed", bn_key, _error_text(exc), kind="budget-neutral"
                )
            pos += 1
            echo(
                f"  {bitem.status:<9} {bn_name}" + (f"  ({bitem.message})" if bitem.message else "")
            )
            record(bitem)
    for name, why in root.failed.items():
        store.log(batch, name, None, "failed", 0.0, why)
        echo(f"  failed    {name}  ({why.splitlines()[0]})")
        record(BatchItem(name, pos, "failed", None, why, kind="invalid"))
        pos += 1
    store.clear_items(batch, [i.name for i in items])
    before = store.item_designs(batch) if resume else {}
    store.set_item_designs(batch, texts)
    # A design whose text changed but whose run was reused (report settings only) still
    # needs its report rendered again.
    restated = {n for n, t in texts.items() if before.get(n) != t}

    compare_item = None
    if renderer is not None:
        compare_item = _render_all(
            store, batch, out_dir, items, prev, resume, renderer, echo, restated
        )
    for it in items:
        if it.name in results:
            it.headline = headline(results[it.name], currency_of(root.design))
    store.set_index_info(batch, _index_info(items, extras, notes))
    index = write_index(out_dir, batch, root.header, items, compare_item, extras, notes,
                        time.perf_counter() - started, index_decision(store.path, batch))  # fmt: skip
    return BatchResult(
        batch, out_dir, index, items, extras, time.perf_counter() - started, compare_item
    )


def batch_header(root, caveats: list[str] | None = None) -> dict[str, Any]:
    """What a batch records about itself for its pages: the file's header (title,
    author, what, why), its goals, and ``caveats``: sentences that change how the
    results read (data coverage findings, say), shown in the decision box."""
    from simlib.vocabulary import goals_to_data

    header: dict[str, Any] = dict(root.header)
    if root.goals:
        header["goals"] = goals_to_data(root.goals)
    if caveats:
        header["caveats"] = [str(c) for c in caveats]
    return header


def _index_info(items: list[BatchItem], extras: list[BatchItem], notes: list[str]) -> dict:
    """What the index shows beyond the store's items, kept for ``simlib report``."""
    return {
        "items": {i.name: {"what": i.what, "kind": i.kind} for i in items},
        "extras": [
            {"name": e.name, "html": e.html, "status": e.status, "message": e.message}
            for e in extras
        ],  # fmt: skip
        "notes": list(notes),
    }


def _render_job(out_dir: Path, job) -> tuple[BatchItem, str, str, float]:
    it, nb, params, stem, title, *first = job
    try:
        t0 = time.perf_counter()
        if first and first[0] is not None:
            first[0]()  # what the report reads (a design search's output)
        render_report(nb, out_dir, params, title=title, output_name=stem)
        return it, "rendered", "", time.perf_counter() - t0
    except Exception as exc:  # a failed report is listed, the rest go on
        return it, "failed", _error_text(exc), 0.0


class _Renderer:
    """Notebooks rendered on a small thread pool (each runs in its own kernel process)."""

    def __init__(self, out_dir: Path, workers: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.out_dir = out_dir
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers))
        self.futures: list[Any] = []
        self.submitted = 0  # reports asked for, and finished: the phase's progress
        self.finished = 0
        self.started = time.perf_counter()

    def submit(self, job) -> None:
        self.futures.append(self.pool.submit(_render_job, self.out_dir, job))
        self.submitted += 1

    def results(self):
        """The outcomes of everything submitted so far, in submission order."""
        while self.futures:
            outcome = self.futures.pop(0).result()
            self.finished += 1
            yield outcome

    def progress(self) -> str:
        """``  [3/10, 12 s, about 28 s left]`` for the reports rendered so far."""
        return _progress(self.finished, self.submitted, time.perf_counter() - self.started)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _submit_extras(renderer: _Renderer, out_dir: Path, resume: bool, extra_reports) -> list:
    extras = []
    for j, (name, params, *first) in enumerate(extra_reports):
        e = BatchItem(name, j, "pending", html=f"{name}.html", kind="extra")
        extras.append(e)
        if resume and (out_dir / e.html).exists():
            e.status = "kept"  # these reports do not read the store: nothing changed
            continue
        # An optional third element: run first, in the same job (what the page reads).
        renderer.submit((e, name, dict(params), name, None, first[0] if first else None))
    return extras


def report_stems(names: list[str]) -> dict[str, str]:
    """File stem of each scenario's report: ``scenario-<slug of its name>``.

    Stable across runs (a name, not a position, so fixing or adding one scenario
    never renames another's report); two names with the same slug (``cap=1.4`` and
    ``cap 1.4``) are told apart by a short hash of the name.
    """
    import hashlib

    slugs = [slug(n) for n in names]
    out = {}
    for n, s in zip(names, slugs, strict=True):
        if slugs.count(s) > 1:
            s = f"{s}-{hashlib.sha256(n.encode()).hexdigest()[:6]}"
        out[n] = f"scenario-{s}"
    return out


def _remove_stale(out_dir: Path, keep: set[str], echo) -> list[str]:
    """Delete scenario reports (and their executed notebooks) no current scenario owns,
    so the folder never shows a report for a design that is gone, failed or renamed."""
    from simlib.workbench.outdir import store_dir

    removed = []
    notebooks = [out_dir / "notebooks", store_dir(out_dir) / "notebooks"]
    for f in [
        *out_dir.glob("scenario-*.html"),
        *(p for d in notebooks for p in d.glob("scenario-*.ipynb")),
    ]:
        if f.stem not in keep:
            f.unlink(missing_ok=True)  # one unlink is atomic: the file is there or gone
            removed.append(f.name)
    if removed:
        echo(f"  removed   {len(removed)} stale report file(s): {', '.join(sorted(removed))}")
    return removed


def _render_all(store, batch, out_dir, items, prev, resume, renderer, echo, restated=()):
    """Render the per-scenario reports and the comparison; collect every report.

    With ``resume``, a scenario's report is kept when its stored run key and file
    name are those of the last run and the file exists (its path is written back
    to the store, so the next resume keeps it too); the comparison is rebuilt
    whenever any report is, or the set of successful designs changed (one newly
    failed, fixed, added or removed), or it is missing.
    """
    store_rel = _relative(store.path)
    jobs: list[tuple[BatchItem, str, dict[str, Any], str, str]] = []
    stems = report_stems([it.name for it in items])
    for it in items:
        if it.status not in OK_STATUSES:
            it.html = None
            continue
        stem = stems[it.name]
        it.html = f"{stem}.html"
        before = prev.get(it.name)
        if (
            resume
            and before is not None
            and before.status in OK_STATUSES
            and before.run_key == it.key
            and before.html == it.html
            and it.name not in restated
            and (out_dir / it.html).exists()
        ):
            # Up to date: kept as rendered last time, and recorded as such.
            store.set_item(batch, it.name, it.position, it.key, it.status, it.message, it.html)
            continue
        jobs.append(
            (
                it,
                "scenario",
                {"store_path": store_rel, "batch": batch, "scenario": it.name},
                stem,
                f"Scenario: {it.name}",
            )
        )
    ok = [i for i in items if i.status in OK_STATUSES]
    prev_ok = {n: r.run_key for n, r in prev.items() if r.status in OK_STATUSES}
    same_designs = prev_ok == {i.name: i.key for i in ok}
    changed = (
        bool(jobs)
        or bool(set(restated))
        or not resume
        or not same_designs
        or not (out_dir / "compare.html").exists()
    )
    compare_item = BatchItem("compare", -1, "kept", html="compare.html", kind="compare")
    compare_jobs = []
    if changed and ok:
        compare_item.status = "pending"
        compare_jobs.append(
            (
                compare_item,
                "compare",
                {"store_path": store_rel, "batch": batch},
                "compare",
                "Comparison of designs",
            )
        )
    elif not ok:
        compare_item = BatchItem("compare", -1, "failed", message="no scenario ran", kind="compare")
        (out_dir / "compare.html").unlink(missing_ok=True)  # it would show designs that failed
    # Two phases: the comparison reads every scenario's row from the store, so it is
    # rendered only after the scenario reports have recorded theirs (a row being
    # rewritten while the comparison reads would drop that design from it).
    try:
        for phase in (jobs, compare_jobs):
            for job in phase:
                renderer.submit(job)
            _record_reports(store, batch, renderer, echo)
    finally:
        renderer.close()
    if compare_item.status == "failed":
        (out_dir / "compare.html").unlink(missing_ok=True)
    _remove_stale(out_dir, {Path(i.html).stem for i in items if i.html}, echo)
    return compare_item


def _record_reports(store, batch, renderer, echo) -> None:
    """Wait for the submitted reports and record each one's outcome."""
    for it, status, msg, secs in renderer.results():
        store.log(batch, it.name, it.key, f"report {status}", secs, msg)
        echo(
            f"  report    {it.name:<28} {status} {secs:5.1f} s"
            + (f"  ({msg.splitlines()[0]})" if msg else "")
            + renderer.progress()
        )
        if it.kind in ("extra", "compare"):
            it.status = "rendered" if status == "rendered" else "failed"
            it.message = msg
        elif status == "failed":
            it.message = f"report failed: {msg}"
            it.html = None
            store.set_item(batch, it.name, it.position, it.key, it.status, it.message, None)
            it.status = "report failed"
        else:
            store.set_item(batch, it.name, it.position, it.key, it.status, it.message, it.html)


def rerender(out_dir: str | Path, workers: int = 2, echo=print) -> BatchResult:
    """Render a batch's reports again from its store (no simulation)."""
    from simlib.workbench import outdir
    from simlib.workbench.store import Store

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise NotebookError(f"{out_dir}: no such batch folder; run `simlib run` first")
    path = outdir.store_path(out_dir)
    if not path.exists():
        raise NotebookError(f"{out_dir}: no results store ({path}); run `simlib run` first")
    with outdir.OutputLock(out_dir, echo=echo):
        outdir.clean_temporaries(out_dir, path.parent)
        return _rerender(out_dir, Store(path), workers, echo)


def _rerender(out_dir: Path, store, workers: int, echo) -> BatchResult:
    import yaml

    started = time.perf_counter()
    path = store.path
    batches = store._df("SELECT DISTINCT batch FROM batch_items")["batch"].tolist()
    if len(batches) != 1:
        raise NotebookError(f"{path}: expected one batch, found {batches}")
    batch = batches[0]
    items = [
        BatchItem(
            r.scenario,
            int(r.position),
            "reused"
            if r.status in ("simulated", "reused", "report failed")
            and r.run_key
            and store.has(r.run_key)
            else "failed",
            r.run_key,
            r.message or "",
        )
        for r in store.items(batch).itertuples()
    ]
    info = store.index_info(batch)
    base_text = store.item_designs(batch).get("baseline")
    currency = currency_of(yaml.safe_load(base_text)) if base_text else None
    for it in items:
        known = info.get("items", {}).get(it.name, {})
        it.what, it.kind = known.get("what", ""), known.get("kind", "")
        if it.status in OK_STATUSES:
            it.headline = headline(store.load(it.key), currency)
    # The other reports do not read the store: listed as they were, when still there.
    extras = [
        BatchItem(e["name"], j, e["status"], html=e.get("html"), message=e.get("message") or "",
                  kind="extra")
        for j, e in enumerate(info.get("extras", []))
    ]  # fmt: skip
    for e in extras:
        if e.status in ("rendered", "kept") and not (e.html and (out_dir / e.html).exists()):
            e.status, e.message = "failed", f"{e.html} is missing; run the batch again"
    notes = list(info.get("notes", []))
    compare_item = _render_all(
        store,
        batch,
        out_dir,
        items,
        {},
        False,
        _Renderer(out_dir, workers),
        echo,  # fmt: skip
    )
    store.set_index_info(batch, _index_info(items, extras, notes))
    index = write_index(
        out_dir,
        batch,
        store.batch_header(batch),
        items,
        compare_item,
        extras,
        notes,
        time.perf_counter() - started,
        index_decision(store.path, batch),
    )
    return BatchResult(
        batch, out_dir, index, items, extras, time.perf_counter() - started, compare_item
    )


def report_pages(
    items: list[BatchItem], compare: BatchItem | None, extras: list[BatchItem]
) -> list[tuple[str, str]]:
    """Every page of a batch as (label, file name) for the navigation bar: the index,
    the comparison, each design's report, then the other reports."""
    good = (*OK_STATUSES, "rendered", "kept")
    pages = [("Index", "index.html")]
    if compare is not None and compare.status in ("rendered", "kept") and compare.html:
        pages.append(("Comparison", compare.html))
    pages += [(i.name, i.html) for i in items if i.html and i.status in good]
    pages += [(_page_label(e.name), e.html) for e in extras if e.html and e.status in good]
    return pages


def _page_label(name: str) -> str:
    words = {"behavior": "Behaviour", "data_health": "Data health", "design": "Design search"}
    return words.get(name, name.replace("_", " ").capitalize())


def index_decision(store_path: str | Path, batch: str) -> str:
    """The decision box of a batch (:func:`simlib.workbench.report.batch_decision`) as HTML, or a
    short note saying why there is none (no baseline ran)."""
    from html import escape

    from simlib.workbench import report

    try:
        view = report.load_batch(str(store_path), batch)
        decision = report.batch_decision(view)
    except Exception as exc:  # the index still lists every report and failure
        return (
            "<section class='decision' id='decision'><h2>Decision</h2><p>No decision can be "
            f"shown: {escape(_error_text(exc))}</p></section>"
        )
    if decision is None:
        return (
            "<section class='decision' id='decision'><h2>Decision</h2><p>No decision can be "
            "shown: today's plan (the baseline) did not run, so nothing can be compared with "
            "it. The table below says why.</p></section>"
        )
    return decision.html()


def write_index(
    out_dir: Path,
    batch: str,
    header: Mapping[str, Any],
    items: list[BatchItem],
    compare: BatchItem | None,
    extras: list[BatchItem],
    notes: list[str],
    seconds: float,
    decision_html: str | None = None,
) -> Path:
    """Write ``index.html``: the decision first, then every report of the batch and
    every failure with its reason; then give every page the batch's navigation bar."""
    from html import escape

    def row(it: BatchItem) -> str:
        ok = it.status in (*OK_STATUSES, "rendered", "kept")
        linked = ok and it.html
        name = _page_label(it.name) if it.kind == "extra" else it.name
        link = f'<a href="{escape(it.html)}">{escape(name)}</a>' if linked else escape(name)
        cls = "ok" if ok else "failed"
        status = {
            "simulated": "simulated",
            "reused": "stored result reused",
            "rendered": "rendered",
            "kept": "unchanged",
        }.get(it.status, it.status)
        why = (
            f"<pre>{escape(it.message)}</pre>"
            if it.message and not ok
            else escape(it.message if ok else "")
        )
        return (
            f'<tr class="{cls}"><td>{link}</td><td>{escape(it.what)}</td>'
            f"<td>{escape(it.headline)}</td><td>{escape(status)}</td><td>{why}</td></tr>"
        )

    title = header.get("title") or f"Batch {batch}"
    good = (*OK_STATUSES, "rendered", "kept")
    n_failed = sum(1 for i in items if i.status not in good)
    n_extra_failed = sum(1 for i in extras if i.status not in good)
    pages = report_pages(items, compare, extras)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1.0'>",
        f"<title>{escape(title)}</title>",
        f"<style>{PAGE_CSS}"
        "body{font-family:system-ui,sans-serif;max-width:75em;margin:0 auto 2em;color:#222;"
        "padding:0 1em}table.list{border-collapse:collapse;width:100%}"
        "table.list td,table.list th{border-bottom:1px solid #ddd;padding:.4em;text-align:left;"
        "vertical-align:top}tr.failed td{background:#fdecea}pre{white-space:pre-wrap;"
        "margin:0;font-size:.85em}.note{color:#555}h1{font-size:1.6em;margin:.4em 0}"
        "</style></head><body>",
        nav_html(pages, here="index.html"),
        f"<h1>{escape(title)}</h1>",
        decision_html or "",
    ]
    if compare is not None:
        if compare.status in ("rendered", "kept") and compare.html:
            parts.append(
                f"<p><a href='{compare.html}'><b>The full comparison of designs</b></a>: every "
                "metric side by side, who gains and who loses, budget risk, targets.</p>"
            )
        else:
            parts.append(
                f"<h2>Comparison of designs: not available</h2><pre>{escape(compare.message)}</pre>"
            )
    if header.get("what") or header.get("why"):
        parts.append(
            f"<h2>The question</h2><p>{escape(header.get('what', ''))}</p>"
            f"<p>{escape(header.get('why', ''))}</p>"
        )
    parts.append(
        "<h2>Designs</h2><table class='list'><tr><th>Design</th><th>What it is</th>"
        "<th>Expected a year (mean over simulated years)</th><th>Status</th><th>Note</th></tr>"
    )
    parts += [row(i) for i in items]
    parts.append("</table>")
    if extras:
        parts.append(
            "<h2>Other reports</h2><table class='list'><tr><th>Report</th><th></th><th></th>"
            "<th>Status</th><th>Note</th></tr>"
        )
        parts += [row(e) for e in extras]
        parts.append("</table>")
    if notes:
        parts.append(
            "<h2>Warnings</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"
        )
    counts = f"{len(items)} design(s), {n_failed} failed"
    if extras:
        counts += f"; {len(extras)} other report(s), {n_extra_failed} failed"
    byline = f"Prepared by {escape(header['author'])}. " if header.get("author") else ""
    parts.append(
        f"<p class='note'>{byline}{counts}; finished in {seconds:.1f} s. Results store: "
        f"{escape(out_dir.name)}{STORE_SUFFIX}/results.duckdb, beside this folder.</p></body></html>"
    )
    index = out_dir / "index.html"
    with atomic_file(index, suffix=".html") as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    link_pages(out_dir, pages)
    return index

"""Rendering executed notebooks as report pages: nbconvert writes HTML with code hidden,
every page of a batch linked from a navigation bar.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simlib import bundled
from simlib._atomic import atomic_file
from simlib.i18n import _
from simlib.workbench.notebook import NOTEBOOKS, PROJECT_ROOT, execute_notebook

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
    "font:14px/1.5 system-ui,'PingFang SC','Microsoft YaHei','Noto Sans SC','Noto Sans CJK SC',"
    "sans-serif;margin:0 0 .5em;display:flex;flex-wrap:wrap;"
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
    label = escape(_("Reports"))
    return f'{NAV_START}<nav class="simlib-nav" aria-label="{label}">{links}</nav>{NAV_END}'


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
    nav = nav_html(pages or [(_("Index"), "index.html")], here=Path(html).name)
    body, _res = exporter.from_notebook_node(
        nb, resources={"simlib_css": PAGE_CSS, "simlib_nav": nav}
    )
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
    """Paths inside the project (or the installed package's shipped files) shown
    relative to it; the home folder as ``~``. A page is handed to readers on other
    machines: the author's folders mean nothing there."""
    for root in dict.fromkeys((str(PROJECT_ROOT), str(bundled.root()))):
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
    for _label, href in pages:
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


def render_topic(
    name: str,
    data: str | Path,
    out: str | Path | None = None,
    currency: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    language: str | None = None,
):
    """Execute the topic's notebook on ``data`` and write ``<out>/<topic>.html`` (code
    hidden) and the executed notebook beside it.

    Parameters
    ----------
    name : str
        data_health, targets, plans, appraisal or behavior.
    data : path
        The dataset: a folder of CSV / Parquet / Excel tables or a DuckDB file.
    out : path, optional
        The output folder; default ``reports/topics/<dataset name>``.
    currency : str, optional
        The currency code written before every amount (CNY, EUR ...).
    language : str, optional
        en or zh-CN (default: the language in force, :mod:`simlib.i18n`).
    parameters : mapping, optional
        Any other parameter of the topic's notebook (a cascade spec, plan files, a
        scorecard ...); unknown names are refused before anything runs.
    """
    from simlib.topics import TOPICS
    from simlib.topics.render import topic_name, topic_parameters

    key = topic_name(name)
    params = topic_parameters(key, data, currency, parameters)
    if language is not None or "language" not in params:
        from simlib import i18n

        params["language"] = i18n.normalize(language) if language else i18n.current()
    out = Path(out) if out is not None else Path("reports") / "topics" / Path(data).stem
    out.mkdir(parents=True, exist_ok=True)
    return render_report(TOPICS[key], out, params)

"""Rendering a notebook into a page that stands alone: no network, a real title, the
navigation bar, no local path; and a kernel that runs quietly."""

from __future__ import annotations

import re

import nbformat
import pytest

from simlib.workbench import batch as b
from simlib.workbench import index


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "simlib", "display_name": "Python (simlib)",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, str(path))
    return path


def test_a_page_fetches_nothing_and_carries_title_and_navigation(tmp_path):
    nb = _notebook(tmp_path / "t.ipynb", [
        nbformat.v4.new_markdown_cell("# Data health\n\nRead from " + str(b.PROJECT_ROOT)
                                      + "/data/sample."),
        nbformat.v4.new_markdown_cell("```mermaid\ngraph TD; A-->B\n```\n\n$x^2$"),
    ])  # fmt: skip
    html = b.render_html(nb, tmp_path / "page.html").read_text(encoding="utf-8")
    assert re.search(r"<title>Data health</title>", html)
    srcs = re.findall(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']([^"']+)""", html)
    assert [s for s in srcs if re.match(r"(https?:)?//", s)] == []
    assert "cdnjs" not in html and "require.min.js" not in html
    assert 'href="index.html"' in html and b.NAV_START in html
    assert str(b.PROJECT_ROOT) not in html and "Read from data/sample." in html


def test_the_navigation_bar_is_rewritten_once_every_page_is_known(tmp_path):
    nb = _notebook(tmp_path / "t.ipynb", [nbformat.v4.new_markdown_cell("# A")])
    b.render_html(nb, tmp_path / "a.html")
    b.render_html(nb, tmp_path / "b.html")
    pages = [("Index", "index.html"), ("A", "a.html"), ("B", "b.html")]
    b.link_pages(tmp_path, pages)
    b.link_pages(tmp_path, pages)  # idempotent: one bar, not two
    for name in ("a.html", "b.html"):
        html = (tmp_path / name).read_text(encoding="utf-8")
        assert html.count(b.NAV_START) == 1
        assert all(f'href="{h}"' in html for _, h in pages)
        assert re.search(rf'href="{name}" class="here"', html)


def test_a_notebook_runs_without_kernel_transport_warnings(tmp_path, capfd):
    nb = _notebook(tmp_path / "t.ipynb", [nbformat.v4.new_code_cell("x = 1 + 1")])
    b.execute_notebook(nb, tmp_path / "out.ipynb")
    out = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    assert out.cells[0].execution_count == 1
    err = capfd.readouterr().err
    assert "without encryption" not in err and "IPKernelApp" not in err, err


@pytest.mark.parametrize("name, label", [("data_health", "Data health"),
                                         ("behavior", "Behaviour"), ("targets", "Targets")])  # fmt: skip
def test_other_reports_are_listed_by_their_names_in_words(name, label):
    assert index.page_label(name) == label

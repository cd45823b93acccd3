"""The index pages: a batch's ``index.html`` (the decision, every report, every failure)
and the language chooser above the indexes of a demo rendered in several languages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simlib._atomic import atomic_file
from simlib.workbench.items import OK_STATUSES, BatchItem, error_text
from simlib.workbench.outdir import STORE_SUFFIX
from simlib.workbench.render import PAGE_CSS, link_pages, nav_html

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
    pages += [(page_label(e.name), e.html) for e in extras if e.html and e.status in good]
    return pages


def page_label(name: str) -> str:
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
            f"shown: {escape(error_text(exc))}</p></section>"
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
        name = page_label(it.name) if it.kind == "extra" else it.name
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

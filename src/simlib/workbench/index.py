"""The index pages: a batch's ``index.html`` (the decision, every report, every failure)
and the language chooser above the indexes of a demo rendered in several languages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simlib import i18n
from simlib._atomic import atomic_file
from simlib.i18n import N_, _
from simlib.workbench.items import OK_STATUSES, BatchItem, error_text
from simlib.workbench.outdir import STORE_SUFFIX
from simlib.workbench.render import PAGE_CSS, link_pages, nav_html

#: How the language chooser names each language, in that language.
LANGUAGE_NAMES = {"en": "English", "zh-CN": "中文（简体）"}


def write_language_index(out_dir: Path, indexes: dict[str, Path]) -> Path:
    """``out_dir/index.html``: one link per language to that language's index."""
    from html import escape

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

    parts = [_("cost {cost}").format(cost=v.show(result, "total_payout", currency))]
    if np.isfinite(v.value(result, "budget_ratio")):
        parts.append(_("{share} of budget").format(share=v.show(result, "budget_ratio")))
    parts.append(_("{share} at quota").format(share=v.show(result, "share_at_quota")))
    parts.append(_("pay-performance {value}").format(value=v.show(result, "pay_performance")))
    return _("; ").join(parts)


def report_pages(
    items: list[BatchItem], compare: BatchItem | None, extras: list[BatchItem]
) -> list[tuple[str, str]]:
    """Every page of a batch as (label, file name) for the navigation bar: the index,
    the comparison, each design's report, then the other reports."""
    good = (*OK_STATUSES, "rendered", "kept")
    pages = [(_("Index"), "index.html")]
    if compare is not None and compare.status in ("rendered", "kept") and compare.html:
        pages.append((_("Comparison"), compare.html))
    pages += [(i.name, i.html) for i in items if i.html and i.status in good]
    pages += [(page_label(e.name), e.html) for e in extras if e.html and e.status in good]
    return pages


def page_label(name: str) -> str:
    words = {"behavior": N_("Behaviour"), "data_health": N_("Data health"),
             "design": N_("Design search")}  # fmt: skip
    return _(words.get(name, name.replace("_", " ").capitalize()))


def index_decision(store_path: str | Path, batch: str) -> str:
    """The decision box of a batch (:func:`simlib.workbench.report.batch_decision`) as HTML, or a
    short note saying why there is none (no baseline ran)."""
    from html import escape

    from simlib.workbench import report

    try:
        view = report.load_batch(str(store_path), batch)
        decision = report.batch_decision(view)
    except Exception as exc:  # the index still lists every report and failure
        why = _("No decision can be shown: {error}").format(error=error_text(exc))
    else:
        if decision is not None:
            return decision.html()
        why = _(
            "No decision can be shown: today's plan (the baseline) did not run, so nothing can "
            "be compared with it. The table below says why."
        )
    heading = escape(_("Decision"))
    return (
        f"<section class='decision' id='decision'><h2>{heading}</h2><p>{escape(why)}</p></section>"
    )


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

    t = {
        k: escape(_(k))
        for k in (
            N_("Comparison of designs: not available"), N_("Designs"), N_("Note"),
            N_("Other reports"), N_("Report"), N_("Status"), N_("The question"), N_("Warnings"),
        )
    }  # fmt: skip

    def row(it: BatchItem) -> str:
        ok = it.status in (*OK_STATUSES, "rendered", "kept")
        linked = ok and it.html
        name = page_label(it.name) if it.kind == "extra" else it.name
        link = f'<a href="{escape(it.html)}">{escape(name)}</a>' if linked else escape(name)
        cls = "ok" if ok else "failed"
        status = _({
            "simulated": N_("simulated"),
            "reused": N_("stored result reused"),
            "rendered": N_("rendered"),
            "kept": N_("unchanged"),
            "failed": N_("failed"),
            "report failed": N_("report failed"),
        }.get(it.status, it.status))  # fmt: skip
        why = (
            f"<pre>{escape(it.message)}</pre>"
            if it.message and not ok
            else escape(it.message if ok else "")
        )
        return (
            f'<tr class="{cls}"><td>{link}</td><td>{escape(it.what)}</td>'
            f"<td>{escape(it.headline)}</td><td>{escape(status)}</td><td>{why}</td></tr>"
        )

    title = header.get("title") or _("Batch {batch}").format(batch=batch)
    good = (*OK_STATUSES, "rendered", "kept")
    n_failed = sum(1 for i in items if i.status not in good)
    n_extra_failed = sum(1 for i in extras if i.status not in good)
    pages = report_pages(items, compare, extras)
    parts = [
        f"<!DOCTYPE html><html lang='{i18n.current()}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1.0'>",
        f"<title>{escape(title)}</title>",
        f"<style>{PAGE_CSS}"
        "body{font-family:system-ui,'PingFang SC','Microsoft YaHei','Noto Sans SC',"
        "'Noto Sans CJK SC',sans-serif;max-width:75em;margin:0 auto 2em;color:#222;"
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
            link = _("The full comparison of designs")
            parts.append(
                f"<p><a href='{compare.html}'><b>{escape(link)}</b></a>"
                + escape(
                    _(": every metric side by side, who gains and who loses, budget risk, targets.")
                )
                + "</p>"
            )
        else:
            parts.append(
                f"<h2>{t['Comparison of designs: not available']}</h2>"
                f"<pre>{escape(compare.message)}</pre>"
            )
    if header.get("what") or header.get("why"):
        parts.append(
            f"<h2>{t['The question']}</h2><p>{escape(header.get('what', ''))}</p>"
            f"<p>{escape(header.get('why', ''))}</p>"
        )
    heads = (_("Design"), _("What it is"), _("Expected a year (mean over simulated years)"),
             _("Status"), _("Note"))  # fmt: skip
    parts.append(
        f"<h2>{t['Designs']}</h2><table class='list'><tr>"
        + "".join(f"<th>{escape(h)}</th>" for h in heads)
        + "</tr>"
    )
    parts += [row(i) for i in items]
    parts.append("</table>")
    if extras:
        parts.append(
            f"<h2>{t['Other reports']}</h2><table class='list'><tr>"
            f"<th>{t['Report']}</th><th></th><th></th><th>{t['Status']}</th>"
            f"<th>{t['Note']}</th></tr>"
        )
        parts += [row(e) for e in extras]
        parts.append("</table>")
    if notes:
        parts.append(
            f"<h2>{t['Warnings']}</h2><ul>"
            + "".join(f"<li>{escape(n)}</li>" for n in notes)
            + "</ul>"
        )
    counts = _("{n} design(s), {failed} failed").format(n=len(items), failed=n_failed)
    if extras:
        counts += _("; {n} other report(s), {failed} failed").format(
            n=len(extras), failed=n_extra_failed
        )
    byline = _("Prepared by {author}.").format(author=header["author"]) + " " if header.get(
        "author") else ""  # fmt: skip
    store = f"{out_dir.name}{STORE_SUFFIX}/results.duckdb"
    note = _("{counts}; finished in {seconds} s. Results store: {store}, beside this folder.")
    parts.append(
        "<p class='note'>"
        + escape(byline + note.format(counts=counts, seconds=f"{seconds:.1f}", store=store))
        + "</p></body></html>"
    )
    index = out_dir / "index.html"
    with atomic_file(index, suffix=".html") as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    link_pages(out_dir, pages)
    return index

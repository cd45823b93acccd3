"""Running a batch: simulate every scenario of a file, store the results, render the reports.

The notebooks run with :mod:`simlib.workbench.notebook` and render with
:mod:`simlib.workbench.render`; the index is written by :mod:`simlib.workbench.index`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from simlib import i18n
from simlib.errors import SimlibError
from simlib.i18n import _
from simlib.workbench.index import (
    LANGUAGE_NAMES,
    currency_of,
    headline,
    index_decision,
    report_pages,
    write_index,
    write_language_index,
)
from simlib.workbench.items import (
    OK_STATUSES,
    BatchItem,
    BatchResult,
    dumps,
    error_text,
    status_word,
)
from simlib.workbench.notebook import (
    CELL_TIMEOUT,
    KERNEL,
    KERNEL_START_TIMEOUT,
    NOTEBOOKS,
    PROJECT_ROOT,
    NotebookError,
    as_ipynb,
    execute_notebook,
    notebook_parameters,
    validate_parameters,
)
from simlib.workbench.render import (
    NAV_END,
    NAV_START,
    PAGE_CSS,
    Rendered,
    link_pages,
    nav_html,
    render_html,
    render_report,
)
from simlib.workbench.simulations import Simulations, progress

#: Names of the batch's parts that callers and notebooks import from here.
__all__ = [
    "CELL_TIMEOUT",
    "KERNEL",
    "KERNEL_START_TIMEOUT",
    "LANGUAGE_NAMES",
    "NAV_END",
    "NAV_START",
    "NOTEBOOKS",
    "OK_STATUSES",
    "PAGE_CSS",
    "PROJECT_ROOT",
    "BatchItem",
    "BatchResult",
    "BatchTooLarge",
    "NotebookError",
    "Rendered",
    "as_ipynb",
    "batch_header",
    "currency_of",
    "dumps",
    "execute_notebook",
    "headline",
    "index_decision",
    "link_pages",
    "nav_html",
    "notebook_parameters",
    "render_html",
    "render_report",
    "report_pages",
    "report_stems",
    "rerender",
    "run_batch",
    "slug",
    "validate_parameters",
    "write_index",
    "write_language_index",
]


def slug(name: str) -> str:
    """A file-name-safe form of a scenario name (``cap=1.4`` -> ``cap-1-4``)."""
    import re

    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "scenario"


def _relative(p: Path) -> str:
    """A path as notebooks should see it: absolute, so it means the same file whatever
    folder the command was run from (notebooks run in the project root)."""
    return str(Path(p).resolve())


def _data_check_notes(scenarios) -> dict[str, list[str]]:
    """Each data-check warning of the scenarios once (they usually share one dataset), in
    every language simlib speaks, so a report re-rendered in the other language reads them
    in its own; a scenario whose checks cannot run says why when it is simulated."""
    import warnings

    from simlib.errors import SimlibError

    out: dict[str, list[str]] = {lang: [] for lang in i18n.LANGUAGES}
    for lang, texts in out.items():
        with i18n.use(lang):
            for sc in scenarios:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        checks = sc.data_checks()
                except (SimlibError, ValueError, KeyError, OSError):
                    continue
                for f in checks.warnings:
                    text = _("data [{check}] {text}").format(check=f.check, text=f.text())
                    if text not in texts:
                        texts.append(text)
    return out


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
            _("draws: expected a whole number from 1 to {most}, got {draws}").format(
                most=f"{MAX_DRAWS:,}", draws=repr(draws)
            )
        )
    scenario_file = Path(scenario_file)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root = Scenario.from_yaml(scenario_file, strict=False)
    notes = [str(w.message) for w in caught]
    out_dir = Path(out) if out is not None else PROJECT_ROOT / "reports" / root.batch
    outdir.check(out_dir)
    _check_size(root, draws, len(extra_reports or []) if reports else None, yes, echo)
    out_dir, sdir = outdir.prepare(out_dir)
    with outdir.OutputLock(out_dir, echo=echo):
        removed = outdir.clean_temporaries(out_dir, sdir)
        if removed:
            echo(
                f"  {status_word('removed'):<9} "
                + _("{n} temporary file(s) left by an interrupted run").format(n=len(removed))
            )
        res = _run_batch(
            root, scenario_file, out_dir, sdir, notes, started, resume, draws, reports,
            extra_reports, workers, sim_workers, echo,
        )  # fmt: skip
    echo("  " + _("results store and notebooks: {folder}/").format(folder=sdir))
    return res


def _check_size(root, draws: int | None, extra_pages: int | None, yes: bool, echo) -> None:
    """Estimate the batch's run time; refuse a large batch unless ``yes``.

    ``extra_pages`` counts the report pages besides the scenarios' own and the
    comparison; None when no report is rendered."""
    from simlib.limits import (
        CONFIRM_SCENARIOS,
        CONFIRM_SECONDS,
        estimate_seconds,
        format_duration,
    )

    scenarios = root.scenarios
    # A budget-neutral variant searches its scale: about four more simulations.
    variants = sum(1 for s in scenarios if s.budget_neutral)
    n = len(scenarios) + variants * 4
    pages = 0 if extra_pages is None else len(scenarios) + variants + 1 + extra_pages
    most = int(draws) if draws is not None else max(s.settings.draws for s in scenarios)
    try:
        reps = len(root.dataset().reps)
    except Exception:  # the baseline's data fails: the batch reports it, nothing to estimate
        return
    secs = estimate_seconds(n, most, reps, pages)
    echo(
        _(
            "Expected run time: about {duration} ({n} simulation(s) of up to {draws} draws "
            "over {reps} reps; at most, as stored results are reused)"
        ).format(duration=format_duration(secs), n=n, draws=f"{most:,}", reps=f"{reps:,}")
    )
    if yes or (n <= CONFIRM_SCENARIOS and secs <= CONFIRM_SECONDS):
        return
    why = (
        _("{n} simulations (more than {most})").format(n=f"{n:,}", most=CONFIRM_SCENARIOS)
        if n > CONFIRM_SCENARIOS
        else _("longer than {duration}").format(duration=format_duration(CONFIRM_SECONDS))
    )
    raise BatchTooLarge(
        _(
            "{file}: this batch runs {why}; expected to take about {duration}. Run again "
            "with --yes to go ahead, or use fewer sweep values or --draws"
        ).format(file=root.file or _("the scenario file"), why=why, duration=format_duration(secs))
    )


class BatchTooLarge(SimlibError, ValueError):
    """A batch is larger than ``simlib run`` starts without ``--yes``."""


def _run_batch(
    root, scenario_file, out_dir, sdir, notes, started, resume, draws, reports,
    extra_reports, workers, sim_workers, echo,
) -> BatchResult:  # fmt: skip
    """The batch itself, run while holding the output folder's lock."""
    from simlib.workbench.outdir import store_path
    from simlib.workbench.store import Store

    batch = root.batch
    store = Store(store_path(out_dir))
    caveats = _data_check_notes(root.scenarios)
    data_notes = caveats[i18n.current()]
    # The goals and the data caveats travel with the header: the index and the comparison
    # rank designs by those goals and show the caveats in the decision box.
    store.set_batch(batch, batch_header(root, caveats=caveats), str(scenario_file))
    previous = store.items(batch) if resume else None
    prev = {r.scenario: r for r in previous.itertuples()} if previous is not None else {}
    echo(
        _("Batch {batch}: {n} scenario(s) from {file} -> {folder}/").format(
            batch=repr(batch), n=len(root.scenarios), file=scenario_file, folder=out_dir
        )
    )
    for n in notes:
        echo("  " + _("warning: {message}").format(message=n))
    for n in data_notes:
        notes.append(n)
        echo("  " + _("warning: {message}").format(message=n))

    renderer = _Renderer(out_dir, workers) if reports else None
    extras: list[BatchItem] = []
    if renderer is not None:
        # Reports that do not read the store: started now, beside the simulations.
        extras = _submit_extras(renderer, out_dir, resume, extra_reports or [])
    if sim_workers is None:
        sim_workers = max(1, (os.cpu_count() or 1) // 2)
    run = Simulations(store, batch, draws, sim_workers, echo)
    with store.held():  # no report reads the store until the simulations are done
        run.simulate_all(root.scenarios)
        run.record_invalid(root.failed)
        items, results, texts = run.items, run.results, run.texts
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


def batch_header(root, caveats: list[str] | dict[str, list[str]] | None = None) -> dict[str, Any]:
    """What a batch records about itself for its pages: the file's header (title,
    author, what, why), its goals, and ``caveats``: sentences that change how the
    results read (data coverage findings, say), shown in the decision box; given per
    language (``{"en": [...], "zh-CN": [...]}``) they are kept per language."""
    from simlib.vocabulary import goals_to_data

    header: dict[str, Any] = dict(root.header)
    if root.goals:
        header["goals"] = goals_to_data(root.goals)
    if isinstance(caveats, dict):
        if any(caveats.values()):
            header["caveats"] = {lang: [str(c) for c in v] for lang, v in caveats.items()}
    elif caveats:
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
        return it, "failed", error_text(exc), 0.0


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
        return progress(self.finished, self.submitted, time.perf_counter() - self.started)

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
        echo(
            f"  {status_word('removed'):<9} "
            + _("{n} stale report file(s): {files}").format(
                n=len(removed), files=", ".join(sorted(removed))
            )
        )
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
                _("Scenario: {name}").format(name=it.name),
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
                _("Comparison of designs"),
            )
        )
    elif not ok:
        compare_item = BatchItem(
            "compare", -1, "failed", message=_("no scenario ran"), kind="compare"
        )
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
        with store.held():  # the log line and the item's state over one connection
            store.log(batch, it.name, it.key, f"report {status}", secs, msg)
            echo(
                f"  {status_word('report'):<9} {it.name:<28} {status_word(status)} {secs:5.1f} s"
                + (f"  ({msg.splitlines()[0]})" if msg else "")
                + renderer.progress()
            )
            if it.kind in ("extra", "compare"):
                it.status = "rendered" if status == "rendered" else "failed"
                it.message = msg
            elif status == "failed":
                it.message = _("report failed: {message}").format(message=msg)
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
        raise NotebookError(
            _("{folder}: no such batch folder; run `simlib run` first").format(folder=out_dir)
        )
    path = outdir.store_path(out_dir)
    if not path.exists():
        raise NotebookError(
            _("{folder}: no results store ({path}); run `simlib run` first").format(
                folder=out_dir, path=path
            )
        )
    with outdir.OutputLock(out_dir, echo=echo):
        outdir.clean_temporaries(out_dir, path.parent)
        return _rerender(out_dir, Store(path), workers, echo)


def _rerender(out_dir: Path, store, workers: int, echo) -> BatchResult:
    import yaml

    started = time.perf_counter()
    path = store.path
    batches = store.batches()
    if len(batches) != 1:
        raise NotebookError(
            _("{path}: expected one batch, found {batches}").format(path=path, batches=batches)
        )
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
            e.status, e.message = (
                "failed",
                _("{html} is missing; run the batch again").format(html=e.html),
            )
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

"""The demo: the sample batch, the design search and the topic reports, linked from one index."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simlib import bundled
from simlib.workbench.batch import run_batch
from simlib.workbench.index import write_language_index
from simlib.workbench.items import BatchResult
from simlib.workbench.notebook import PROJECT_ROOT

#: The demo's reports, in the order `make demo` renders them: (notebook, parameters).
#: Paths in parameters are absolute (``simlib demo`` works from any folder).
_SAMPLE = str(bundled.path("data/sample"))
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


DEMO_SCENARIOS = bundled.path("scenarios/demo.yaml")
#: The demo's design search: the design meeting every goal no hand-written design meets.
DEMO_SEARCH = bundled.path("scenarios/design_search.yaml")
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
    from simlib.workbench.design import write_outputs

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
    search: bool = True,
) -> BatchResult:
    """Run the demo batch (``scenarios/demo.yaml``), the design search
    (``scenarios/design_search.yaml``) and every report in :data:`DEMO_REPORTS` on the
    bundled sample into ``out_dir``, linked from one index.

    The search's files (designs, tables, its results store) go beside the reports, in
    ``<out>.store/design/``; its page is ``design.html`` beside the other pages.

    With ``languages`` (e.g. ``("en", "zh-CN")``) the batch and the reports are
    rendered once per language into ``out_dir/<language>/`` and ``out_dir/index.html``
    links each language's index; the simulations and the search run once (the later
    languages reuse the first one's stored results).

    ``search=False`` leaves out the design search and its page (a quick demo)."""
    import shutil
    from functools import partial

    from simlib import i18n
    from simlib.workbench import outdir

    search_dir = outdir.store_dir(out_dir) / "design"

    def reports_for(lang: str, first_language: bool) -> list:
        topics = [(nb, {**params, "language": lang}) for nb, params in DEMO_REPORTS]
        if not search:
            return topics
        # First in the list: the longest report starts at once, beside the simulations.
        first = (partial(run_demo_search, search_dir),) if first_language else ()
        return [("design", {"search_dir": str(search_dir)}, *first), *topics]

    if not languages:
        reports = reports_for(i18n.current(), first_language=True)
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
            reports = reports_for(lang, first_language=not results)
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

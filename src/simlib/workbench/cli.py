"""The ``simlib`` command.

Each subcommand is a small function that parses nothing itself and calls the
library; ``simlib COMMAND --help`` explains each. Every command runs through
:func:`main`, the one place that turns errors into messages and exit codes:

- 0: done; 1: some of the work failed (a scenario, report or the comparison of
  ``run``, problems found by ``validate``) or a file could not be read or written;
- 2: the input, the command line or the output folder cannot be used as given
  (the message names the file, row, column or spec path and what was expected);
- 3: an internal error (a bug): one line saying so and the path of a log file
  holding the traceback; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from pathlib import Path

from simlib.errors import SimlibError
from simlib.i18n import _
from simlib.workbench.crashlog import write_crash_log


def _language(args: argparse.Namespace, scenario_path: str | Path | None = None) -> str:
    """The language of this command: ``--lang``, else the scenario file's
    ``report.language``, else English; set for this process and the report kernels."""
    from simlib import i18n

    lang = getattr(args, "lang", None)
    if (
        lang is None
        and scenario_path is not None
        and Path(scenario_path).suffix.lower()
        in (
            ".yaml",
            ".yml",
        )
    ):
        lang = _scenario_language(Path(scenario_path))
    return i18n.set_language(lang, export=True)


def _scenario_language(path: Path) -> str | None:
    """``report.language`` of a scenario file, read without validating the rest (the
    command validates it and reports its problems in that language)."""
    from simlib.errors import SpecError
    from simlib.spec import load_yaml

    try:
        doc = load_yaml(path)  # the one safe loader: a YAML bomb or deep nesting stops here too
    except SpecError:
        return None  # the command's own loading says what is wrong
    for section in (doc.get("baseline") if isinstance(doc, dict) else None, doc):
        report = section.get("report") if isinstance(section, dict) else None
        if isinstance(report, dict) and report.get("language"):
            from simlib.i18n import LanguageError, normalize

            try:
                return normalize(report["language"])
            except LanguageError:
                return None  # validation names the bad value with its path
    return None


def _cmd_validate(args: argparse.Namespace) -> int:
    _language(args, args.path)
    if Path(args.path).suffix.lower() in (".yaml", ".yml"):
        return _validate_scenario(Path(args.path))
    from simlib.data.validate import validate_cli

    return validate_cli(args.path, encoding=args.encoding, out=sys.stdout)


def _validate_scenario(path: Path) -> int:
    """Validate a scenario file in full, then dry-run each buildable scenario's set-up
    against the data (no simulation); print every problem with its path."""
    import warnings

    from simlib.errors import SpecError
    from simlib.scenario import Scenario

    file_problems: list[tuple[str, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            sc = Scenario.from_yaml(path)
        except SpecError as exc:
            file_problems = list(exc.errors)
            try:  # the scenarios that can be built are still checked against the data
                sc = Scenario.from_yaml(path, strict=False)
            except SpecError:
                sc = None
        data_problems = [p for s in sc.scenarios for p in s.check()] if sc is not None else []
    for w in dict.fromkeys(str(w.message) for w in caught):
        print(_("warning: {message}").format(message=w))
    problems = file_problems + data_problems
    if problems:
        print(_("{path}: {n} problem(s)").format(path=path, n=len(problems)))
        for where, msg in problems:
            print(f"  - {where}: {msg}")
        return 1
    print(
        _("{path}: valid; {n} scenario(s) checked against the data: {names}").format(
            path=path, n=len(sc.scenarios), names=", ".join(s.name for s in sc.scenarios)
        )
    )
    return 0


def _load_scenario(path: str):
    from simlib.scenario import Scenario

    _check_scenario_path(path)
    return Scenario.from_yaml(path)


def _check_scenario_path(path: str | Path) -> None:
    """A dataset folder where a scenario file belongs gets a message saying so."""
    p = Path(path)
    if p.is_dir():
        looks_like_data = any(
            (p / f"{t}{ext}").exists() for t in ("sales", "reps", "units", "kpis")
            for ext in (".csv", ".parquet", ".xlsx")
        )  # fmt: skip
        hint = (
            _(
                "a dataset folder; expected a scenario file (YAML). `simlib validate {path}` "
                "checks a dataset"
            ).format(path=path)
            if looks_like_data
            else _("a folder; expected a scenario file (YAML)")
        )
        raise UsageError(f"{path}: {hint}")


def _cmd_describe(args: argparse.Namespace) -> int:
    _language(args, args.scenario)
    from simlib.topics.scenario_words import describe_scenario

    sc = _load_scenario(args.scenario)
    print(describe_scenario(sc))
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    import pandas as pd

    from simlib.labels import load_labels

    _language(args, args.scenario)
    root = _load_scenario(args.scenario)
    if args.name and args.name not in root.members:
        print(
            _("--scenario-name {name}: no such scenario in {file}; the file has {names}").format(
                name=repr(args.name), file=args.scenario, names=", ".join(root.members)
            ),
            file=sys.stderr,
        )
        return 1
    sc = root[args.name] if args.name else root
    ds = sc.dataset()
    targets = sc.targets()
    if targets is None:
        targets = ds.targets
    if targets is None:
        print(
            _("{scenario}: no targets (the dataset has no targets table)").format(scenario=sc.name),
            file=sys.stderr,
        )
        return 1
    periods = pd.PeriodIndex(targets["period"])
    year = sc.settings.year or int(periods.year.max())
    targets = targets.loc[periods.year == year]
    if args.rep_id not in set(targets["rep_id"].astype(str)):
        print(
            _("{rep}: no targets in {year} (is the rep id right?)").format(
                rep=args.rep_id, year=year
            ),
            file=sys.stderr,
        )
        return 1
    period = args.period or str(pd.PeriodIndex(targets["period"]).max())
    from simlib.data.checks import exclude_missing_months

    # A month without sales data is not a month of zero sales (docs/data-checks.md).
    kept = exclude_missing_months(ds.sales, targets, ds)
    own = targets["rep_id"].astype(str) == args.rep_id
    gone = sorted(
        set(map(str, targets.loc[own, "period"]))
        - set(map(str, kept.loc[kept["rep_id"].astype(str) == args.rep_id, "period"]))
    )
    targets = kept
    plan = sc.plan()
    labels = load_labels(sc.design["data"], ds)
    stmt = plan.explain(args.rep_id, period, ds.sales, targets, ds=ds, labels=labels)
    print(
        _("Scenario {scenario}, plan {plan}, replayed on {year} actuals:").format(
            scenario=repr(sc.name), plan=repr(plan.name), year=year
        )
    )
    print(stmt)
    if gone:
        print(
            "\n"
            + _(
                "Note: {rep} has no sales data for {months}; those months are left out of both "
                "actual and target (a missing month is not a month of zero sales)."
            ).format(rep=args.rep_id, months=", ".join(gone))
        )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from simlib.workbench.batch import run_batch

    _check_scenario_path(args.scenario)
    _language(args, args.scenario)
    start = time.perf_counter()
    res = run_batch(
        args.scenario,
        out=args.out,
        resume=args.resume,
        draws=args.draws,
        reports=not args.no_reports,
        workers=args.workers,
        sim_workers=args.sim_workers,
        yes=args.yes,
    )
    if args.excel:
        from simlib.workbench.excel import write_batch_workbooks
        from simlib.workbench.outdir import store_dir, store_path

        # Per-rep pay statements go beside the shared folder, never into it.
        for path in write_batch_workbooks(
            store_path(res.out_dir), res.batch, res.out_dir, store_dir(res.out_dir)
        ):
            print(_("Wrote {path}").format(path=path.resolve()))
    print(
        _("{summary}; in {seconds} s. Open {index}").format(
            summary=res.summary(),
            seconds=f"{time.perf_counter() - start:.1f}",
            index=res.index.resolve(),
        )
    )
    return 1 if res.failed else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from simlib.workbench.batch import PROJECT_ROOT, rerender

    _language(args)
    out = Path(args.batch)
    if not out.exists() and (PROJECT_ROOT / "reports" / args.batch).exists():
        out = PROJECT_ROOT / "reports" / args.batch
    res = rerender(out, workers=args.workers)
    print(
        _("{summary}. Re-rendered {folder} in {seconds} s. Open {index}").format(
            summary=res.summary(),
            folder=out,
            seconds=f"{res.seconds:.1f}",
            index=res.index.resolve(),
        )
    )
    return 1 if res.failed else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from simlib.workbench.demo import run_demo

    # Without --lang the demo is rendered in every language, each in its own folder.
    languages = None if args.lang else ("en", "zh-CN")
    _language(args)
    start = time.perf_counter()
    out = Path(args.out)
    print(
        _("Running the demo batch and reports on the bundled sample into {folder}/ ...").format(
            folder=out
        )
    )
    res = run_demo(out, draws=args.draws, languages=languages, search=not args.quick)
    print(f"{res.summary()}. " + _("Open {index}").format(index=res.index.resolve()))
    print(
        _("Demo finished in {seconds} s (wall time).").format(
            seconds=f"{time.perf_counter() - start:.1f}"
        )
    )
    print(
        _("Try a plan change yourself in the browser: {command}").format(
            command=f"{_this_command()} whatif"
        )
    )
    return 1 if res.failed else 0


def _cmd_report_topic(args: argparse.Namespace) -> int:
    import yaml

    from simlib.topics.render import render_topic

    lang = _language(args)
    params = {}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(
                _("--set {item}: expected NAME=VALUE, e.g. growth=0.08").format(item=repr(item)),
                file=sys.stderr,
            )
            return 2
        # YAML reads numbers, lists ([a.yaml, b.yaml]) and None (null) as such.
        params[key.strip()] = yaml.safe_load(value)
    start = time.perf_counter()
    res = render_topic(args.name, args.data, out=args.out, currency=args.currency,
                       parameters=params, language=lang)  # fmt: skip
    print(
        _("Rendered {name} in {seconds} s. Open {html}").format(
            name=res.name, seconds=f"{time.perf_counter() - start:.1f}", html=res.html.resolve()
        )
    )
    return 0


def _cmd_design(args: argparse.Namespace) -> int:
    from simlib.search import SearchError, run_search
    from simlib.search.output import check_out_folder, write_outputs

    start = time.perf_counter()
    sc = _load_scenario(args.scenario)
    if sc.search is None:
        raise SearchError(
            _("{file}: no search: section (see `simlib design --help` for its layout)").format(
                file=args.scenario
            )
        )
    out = check_out_folder(Path(args.out) if args.out else Path("reports") / f"{sc.batch}_design")
    res = run_search(sc, progress=lambda msg: print(f"  {msg}", flush=True))
    write_outputs(res, sc, out, source=Path(args.scenario).name, report=not args.no_report)
    print(res.explanation())
    print(
        _("{screened} designs screened, {confirmed} confirmed, in {seconds} s. Designs: {folder}")
        .format(
            screened=res.settings["evaluations"],
            confirmed=res.settings["confirmed"],
            seconds=f"{time.perf_counter() - start:.1f}",
            folder=(out / "designs").resolve(),
        )
        + ("" if args.no_report else _("; report: {html}").format(
            html=(out / "design.html").resolve()))
    )  # fmt: skip
    return 0 if res.meets_goals else 1


def _cmd_docs(args: argparse.Namespace) -> int:
    from simlib import formats
    from simlib.workbench.batch import PROJECT_ROOT

    folder = Path(args.out) if args.out else PROJECT_ROOT / formats.DOCS_DIR
    if args.check:
        stale = formats.stale_docs(folder)
        for name in stale:
            print(
                _("{file}: out of date; run `simlib docs` to write it again").format(
                    file=folder / name
                )
            )
        return 1 if stale else 0
    for p in formats.write_docs(folder):
        print(_("wrote {file}").format(file=p))
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from simlib.workbench import project

    folder = Path(args.folder)
    try:
        written = project.init(folder)
    except FileExistsError as exc:
        print(exc, file=sys.stderr)
        return 2
    for p in written:
        print(f"wrote {p}")
    cd = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(f"Next: {cd}{_this_command()} run scenario.yaml")
    return 0


def _cmd_whatif(args: argparse.Namespace) -> int:
    from simlib.workbench.whatif.serve import serve

    lang = _language(args)
    return serve(
        args.data,
        plan=args.plan,
        port=args.port,
        open_browser=not args.no_browser,
        year=args.year,
        scenario_dir=args.scenarios,
        lang=lang,
    )


def _this_command() -> str:
    """How to call ``simlib`` from here (``.venv/bin/simlib`` after ``make``)."""
    exe = Path(sys.executable).parent / "simlib"
    if not exe.exists():
        return "simlib"
    try:
        return str(exe.relative_to(Path.cwd()))
    except ValueError:
        return str(exe)


def _positive(text: str) -> int:
    """argparse type: a whole number of at least 1 (workers)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {v}")
    return v


def _draws(text: str) -> int:
    """argparse type: draws, from 1 to the limit every entry point shares."""
    from simlib.limits import MAX_DRAWS

    v = _positive(text)
    if v > MAX_DRAWS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_DRAWS:,} draws, got {v:,}")
    return v


class UsageError(SimlibError, ValueError):
    """The command line names something that cannot be used as asked."""


def _add_lang(p: argparse.ArgumentParser, from_file: bool = True) -> None:
    p.add_argument(
        "--lang",
        type=_lang,
        default=None,
        help="language of the output: en or zh-CN (default: "
        + ("the scenario file's report.language, else " if from_file else "")
        + "en)",
    )


def _lang(text: str) -> str:
    """argparse type: a language simlib speaks (en, zh-CN)."""
    from simlib.i18n import LanguageError, normalize

    try:
        return normalize(text)
    except LanguageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of any error instead of one line (to report a bug)",
    )
    parser = argparse.ArgumentParser(
        prog="simlib",
        description="Sales-force performance-management workbench: targets, plans, "
        "appraisal, simulation and reports.",
        epilog="Exit status: 0 done; 1 some work failed or a file could not be read or "
        "written; 2 bad input, command line or output folder; 3 internal error (a bug: the message names "
        "a log file with the details; --debug shows them).",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_parser = sub.add_parser

    def add_parser(name: str, **kw):
        return _add_parser(name, parents=[common], **kw)

    sub.add_parser = add_parser  # every subcommand also takes --debug

    _add_check_and_run_commands(sub)
    _add_page_commands(sub)
    _add_tool_commands(sub)
    return parser


def _add_check_and_run_commands(sub) -> None:
    """Subcommands validate, run, describe and explain."""
    p = sub.add_parser(
        "validate",
        help="check a dataset (folder or DuckDB file) or a scenario file; list every problem",
        description="Validate a dataset (a folder of CSV / Parquet / Excel files, or a "
        "DuckDB file). Prints every problem as a table (file, row, column, value found, "
        "what was expected) and exits 1, or prints a one-screen summary and exits 0. "
        "The input files are never modified. Given a scenario file (.yaml), validates it in "
        "full (every reform and sweep) and lists every problem with its path.",
    )
    p.add_argument("path", help="dataset folder, .duckdb file, or scenario .yaml")
    p.add_argument(
        "--encoding",
        default=None,
        help="CSV encoding (utf-8, utf-8-sig, gb18030, gbk); detected when omitted",
    )
    _add_lang(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "run",
        help="simulate every scenario of a file and render the reports",
        description="Simulate the baseline, every reform and every sweep member of a scenario "
        "file, store the results in <out>.store/results.duckdb (beside the output folder, "
        "which holds only the reports), render one report per scenario, a comparison report "
        "and index.html (code hidden). Unchanged scenarios reuse their stored results. A "
        "failing scenario does not stop the others; the index says why. The output folder "
        "is locked while the run writes to it. Exit status 1 when any scenario, report or "
        "the comparison failed.",
    )
    p.add_argument("scenario", help="scenario file (YAML), e.g. scenarios/demo.yaml")
    p.add_argument("--out", default=None, help="output folder (default reports/<batch>)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="redo only what failed or changed since the last run into the same folder",
    )
    p.add_argument(
        "--draws",
        type=_draws,
        default=None,
        help="override every scenario's draws (1 to 1,000,000: simlib.limits.MAX_DRAWS)",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="go ahead with a large batch (more than 100 simulations, or expected to take "
        "longer than 15 minutes); without it such a batch stops with the estimate",
    )
    p.add_argument("--no-reports", action="store_true", help="simulate and store only")
    p.add_argument(
        "--excel",
        action="store_true",
        help="also write <out>/<batch>.xlsx (comparison and group tables) and, for scenarios "
        "that allow individual pay, per-rep pay statements in <out>.store/ (outside the "
        "shared folder)",
    )
    p.add_argument(
        "--workers", type=_positive, default=2, help="reports rendered at once (default 2)"
    )
    p.add_argument(
        "--sim-workers",
        type=_positive,
        default=None,
        help="scenarios simulated at once after the baseline (default: half the cores)",
    )
    _add_lang(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "describe",
        help="print what each reform of a scenario file changes, in plain language",
        description="Validate a scenario file and print its header, its baseline and, for each "
        "reform and sweep member, what it changes against its base, in plain language.",
    )
    p.add_argument("scenario", help="scenario file (YAML)")
    _add_lang(p)
    p.set_defaults(func=_cmd_describe)

    p = sub.add_parser(
        "explain",
        help="one rep's pay under a scenario's plan, step by step",
        description="Replay a scenario's plan on the data's actual results for the plan year "
        "and print one rep's pay statement for one month: every step in numbers and words. "
        "This prints an individual's pay: use it for that rep's questions, not in reports.",
    )
    p.add_argument("scenario", help="scenario file (YAML)")
    p.add_argument("rep_id", help="the rep's id, e.g. S00012")
    p.add_argument("--period", default=None, help="month, e.g. 2026-03 (default: the year's last)")
    p.add_argument(
        "--scenario-name",
        dest="name",
        default=None,
        help="which scenario of the file (default: the baseline), e.g. proposed",
    )
    _add_lang(p)
    p.set_defaults(func=_cmd_explain)


def _add_page_commands(sub) -> None:
    """Subcommands report, report-topic, demo, init and design."""
    p = sub.add_parser(
        "report",
        help="re-render a batch's reports from its results store (no simulation)",
        description="Execute the scenario and comparison notebooks again on the results stored "
        "in BATCH.store/results.duckdb (no simulation) and rewrite index.html. BATCH is the "
        "output folder or a batch name under reports/.",
    )
    p.add_argument("batch", help="batch folder (reports/demo) or name (demo)")
    p.add_argument(
        "--workers", type=_positive, default=2, help="reports rendered at once (default 2)"
    )
    _add_lang(p, from_file=False)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "report-topic",
        help="render a topic report (data health, targets, plans, appraisal, behaviour) "
        "for your own data",
        description="Render one topic report for a dataset (a folder of CSV / Parquet / Excel "
        "tables, or a DuckDB file), with the KPIs and levels the data name: NAME is "
        "data_health, targets, plans, appraisal or behavior. Specs the report reads (a cascade, "
        "plans, a scorecard) must name the data's KPIs: pass your own with --set, e.g. "
        "--set spec_path=my_cascade.yaml, --set 'plan_files=[a.yaml, b.yaml]', "
        "--set scorecard_path=my_scorecard.yaml. Writes OUT/NAME.html (code hidden).",
    )
    p.add_argument("name", help="data_health, targets, plans, appraisal or behavior")
    p.add_argument("data", help="dataset folder or .duckdb file")
    p.add_argument("--out", default=None, help="output folder (default reports/topics/<data>)")
    p.add_argument(
        "--currency", default=None, help="currency code written before amounts (default CNY)"
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter of the report (repeatable); see the notebook's parameters cell",
    )
    _add_lang(p, from_file=False)
    p.set_defaults(func=_cmd_report_topic)

    p = sub.add_parser(
        "demo",
        help="run the demo batch and the demo reports on the bundled sample",
        description="Run scenarios/demo.yaml on data/sample (current plan, proposed plan, a "
        "team-weighted variant, an AHP-weighted appraisal variant, a cap sweep), render the "
        "other demo notebooks (data health, appraisal, plans ...) and print the path of "
        "index.html and the wall time. Without --lang the demo is rendered in English and in "
        "Chinese, into OUT/en/ and OUT/zh-CN/, and OUT/index.html links both.",
    )
    p.add_argument("--out", default="reports/demo", help="output folder (default reports/demo)")
    p.add_argument("--draws", type=_draws, default=None, help="override the demo's draws")
    p.add_argument(
        "--quick", action="store_true", help="leave out the design search (its page and files)"
    )
    _add_lang(p, from_file=False)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "init",
        help="copy a starting scenario file and the bundled sample into a folder",
        description="Copy the demo's scenario file (as scenario.yaml), the plans, appraisals "
        "and cascades it names (scenarios/) and the bundled sample (data/sample/) into FOLDER, "
        "so `simlib run scenario.yaml` runs there on the folder's own copies. Nothing is "
        "overwritten.",
    )
    p.add_argument("folder", nargs="?", default=".", help="folder (default: the current one)")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser(
        "design",
        help="search a scenario file's design space for the design that meets the goals",
        description="Run the search: section of a scenario file: tune the named plan (cascade, "
        "appraisal) parameters within their bounds with differential evolution, every design on "
        "the same random years, confirm the best at full draws, and write the recommended design "
        "and each Pareto-frontier point as a scenario file (designs/*.yaml, for simlib run and "
        "describe) and a plan file (plans/*.yaml, for the what-if's --plan), the tables, the "
        "runs (results.duckdb) and a report page (design.html). Exit status 1 when no design "
        "meets every goal (the report says which goals conflict and by how much).",
    )
    p.add_argument("scenario", help="scenario file (YAML) with a search: section")
    p.add_argument("--out", default=None, help="output folder (default reports/<batch>_design)")
    p.add_argument("--no-report", action="store_true", help="write the files only, no HTML")
    p.set_defaults(func=_cmd_design)


def _add_tool_commands(sub) -> None:
    """Subcommands docs and whatif."""
    p = sub.add_parser(
        "docs",
        help="write the input-format reference (docs/formats/) from the schemas",
        description="Write the pages describing dataset tables and plan, cascade, appraisal "
        "and scenario files, generated from the schemas the code validates with. With "
        "--check, write nothing and exit 1 when a page is out of date.",
    )
    p.add_argument("--out", default=None, help="folder (default docs/formats in the project)")
    p.add_argument("--check", action="store_true", help="only check the pages are current")
    p.set_defaults(func=_cmd_docs)

    p = sub.add_parser(
        "whatif",
        help="open the what-if in a browser: move a plan's settings, see last year re-paid",
        description="Serve the what-if page on this machine (Voila, no code shown): the plan's "
        "controls (threshold, curve points, accelerator, cap, gates, pay mix, team share, "
        "weights) and what the plan as set would have paid last year against the start. "
        "'Save as reform' writes a scenario file that 'simlib run' accepts. Stop with Ctrl+C.",
    )
    p.add_argument(
        "data", nargs="?", default=None, help="dataset folder or .duckdb (default: data/sample)"
    )
    p.add_argument(
        "--plan",
        default=None,
        help="plan file to start from (default: scenarios/plans/am_proposed.yaml)",
    )
    p.add_argument("--port", type=_positive, default=None, help="port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--year", type=int, default=None, help="year replayed (default: the last)")
    p.add_argument(
        "--scenarios",
        default=None,
        help="folder 'Save as reform' writes to (default: scenarios/whatif)",
    )
    _add_lang(p, from_file=False)
    p.set_defaults(func=_cmd_whatif)


#: Exit statuses (see the module docs).
EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's own usage message (exit 2)
        return int(exc.code or 0)
    debug = bool(getattr(args, "debug", False))
    import warnings

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        # One line a user can act on, never the library's file and line.
        print(_("warning: {message}").format(message=message), file=sys.stderr)

    with warnings.catch_warnings():
        if not debug:
            warnings.showwarning = show
        return _execute(args, debug)


def _execute(args: argparse.Namespace, debug: bool) -> int:
    """Run one command; map every error to a message and an exit status."""
    name = f"simlib {args.command}"
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (`simlib validate ... | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(_("{command}: interrupted").format(command=name), file=sys.stderr)
        return 130
    except SimlibError as exc:
        # Our own errors already say what and where: one message, no traceback.
        if debug:
            raise
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_FAILED if isinstance(exc, OSError) else EXIT_USAGE
    except OSError as exc:
        # The file system refused (disk full, read-only, a folder where a file was
        # expected): name the path and the reason, no traceback.
        if debug:
            raise
        where = exc.filename if exc.filename is not None else _("a file")
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            reason += _(" (the disk is full)")
        print(
            _("{command}: cannot use {where}: {reason}").format(
                command=name, where=where, reason=reason
            ),
            file=sys.stderr,
        )
        return EXIT_FAILED
    except (Exception, RecursionError, MemoryError) as exc:
        if debug:
            raise
        log = write_crash_log()
        print(
            _(
                "{command}: internal error ({error}); this is a bug in simlib, please report it "
                "with the log file {log}"
            ).format(command=name, error=f"{type(exc).__name__}: {str(exc)[:200]}", log=log),
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

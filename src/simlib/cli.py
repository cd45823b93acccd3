"""The ``simlib`` command.

Each subcommand is a small function that parses nothing itself and calls the
library; ``simlib COMMAND --help`` explains each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from simlib.errors import SimlibError
from simlib.i18n import _


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
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
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

    return Scenario.from_yaml(path)


def _cmd_describe(args: argparse.Namespace) -> int:
    _language(args, args.scenario)
    sc = _load_scenario(args.scenario)
    print(sc.describe())
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
    plan = sc.plan()
    labels = load_labels(sc.design["data"], ds)
    stmt = plan.explain(args.rep_id, period, ds.sales, targets, ds=ds, labels=labels)
    print(
        _("Scenario {scenario}, plan {plan}, replayed on {year} actuals:").format(
            scenario=repr(sc.name), plan=repr(plan.name), year=year
        )
    )
    print(stmt)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from simlib.batch import run_batch

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
    )
    if args.excel:
        from simlib.excel import write_batch_workbooks

        # Per-rep pay statements go beside the shared folder, never into it.
        private = res.out_dir.parent / f"{res.out_dir.name}.store"
        for path in write_batch_workbooks(res.out_dir / "results.duckdb", res.batch,
                                          res.out_dir, private):  # fmt: skip
            print(_("Wrote {path}").format(path=path.resolve()))
    print(
        _("{n} scenario(s), {failed} failed, in {seconds} s. Open {index}").format(
            n=len(res.items),
            failed=len(res.failed),
            seconds=f"{time.perf_counter() - start:.1f}",
            index=res.index.resolve(),
        )
    )
    return 1 if res.failed else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from simlib.batch import PROJECT_ROOT, rerender

    _language(args)
    out = Path(args.batch)
    if not out.exists() and (PROJECT_ROOT / "reports" / args.batch).exists():
        out = PROJECT_ROOT / "reports" / args.batch
    res = rerender(out, workers=args.workers)
    print(
        _("Re-rendered {batch} in {seconds} s. Open {index}").format(
            batch=out, seconds=f"{res.seconds:.1f}", index=res.index.resolve()
        )
    )
    return 1 if res.failed else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from simlib.batch import run_demo

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
    res = run_demo(out, draws=args.draws, languages=languages)
    print(_("Open {index}").format(index=res.index.resolve()))
    print(
        _("Demo finished in {seconds} s (wall time).").format(
            seconds=f"{time.perf_counter() - start:.1f}"
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
            print(f"--set {item!r}: expected NAME=VALUE, e.g. growth=0.08", file=sys.stderr)
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


def _positive(text: str) -> int:
    """argparse type: a whole number of at least 1 (draws, workers)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {v}")
    return v


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
    parser = argparse.ArgumentParser(
        prog="simlib",
        description="Sales-force performance-management workbench: targets, plans, "
        "appraisal, simulation and reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
        "file, store the results in <out>/results.duckdb, render one report per scenario, "
        "a comparison report and index.html (code hidden). Unchanged scenarios reuse their "
        "stored results. A failing scenario does not stop the others; the index says why. "
        "Exit status 1 when anything failed.",
    )
    p.add_argument("scenario", help="scenario file (YAML), e.g. scenarios/demo.yaml")
    p.add_argument("--out", default=None, help="output folder (default reports/<batch>)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="redo only what failed or changed since the last run into the same folder",
    )
    p.add_argument("--draws", type=_positive, default=None, help="override every scenario's draws")
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

    p = sub.add_parser(
        "report",
        help="re-render a batch's reports from its results store (no simulation)",
        description="Execute the scenario and comparison notebooks again on the results stored "
        "in BATCH/results.duckdb (no simulation) and rewrite index.html. BATCH is the output folder or a "
        "batch name under reports/.",
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
    p.add_argument("--draws", type=_positive, default=None, help="override the demo's draws")
    _add_lang(p, from_file=False)
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (`simlib validate ... | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except SimlibError as exc:
        # Our own errors already say what and where: one message, no traceback.
        print(f"simlib {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

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
from simlib.workbench.cli_parser import (
    LANG_ENV,
    argparse_in_language,
    build_parser,
    language_from_argv,
)
from simlib.workbench.crashlog import write_crash_log

__all__ = ["build_parser", "main"]


def _language(args: argparse.Namespace, scenario_path: str | Path | None = None) -> str:
    """The language of this command: ``--lang``, else the scenario file's
    ``report.language``, else ``SIMLIB_LANG``, else English; set for this process and
    the report kernels."""
    from simlib import i18n

    lang = getattr(args, "lang", None) or getattr(args, "main_lang", None)
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
    if lang is None and os.environ.get(LANG_ENV):
        lang = os.environ[LANG_ENV]
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
        raise UsageError(_("{path}: {hint}").format(path=path, hint=hint))


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
    languages = None if (args.lang or getattr(args, "main_lang", None)) else ("en", "zh-CN")
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

    from simlib.workbench.render import render_topic

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
    from simlib.search.output import check_out_folder
    from simlib.workbench.design import write_outputs

    _language(args, args.scenario)
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

    _language(args)
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

    _language(args)
    folder = Path(args.folder)
    try:
        written = project.init(folder)
    except FileExistsError as exc:
        print(exc, file=sys.stderr)
        return 2
    for p in written:
        print(_("wrote {file}").format(file=p))
    cd = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(_("Next: {command}").format(command=f"{cd}{_this_command()} run scenario.yaml"))
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


class UsageError(SimlibError, ValueError):
    """The command line names something that cannot be used as asked."""


def _command(name: str):
    """The function running subcommand ``name`` (``report-topic`` -> ``_cmd_report_topic``)."""
    return globals()["_cmd_" + name.replace("-", "_")]


#: Exit statuses (see the module docs).
EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    from simlib import i18n

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        # The help and argparse's usage errors speak the language the command line asks for.
        with i18n.use(language_from_argv(argv)), argparse_in_language():
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
        return int(_command(args.command)(args) or 0)
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

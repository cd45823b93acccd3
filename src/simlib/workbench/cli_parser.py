"""The command line's arguments: the ``simlib`` parser and its subcommands, in the
language of the command.

The parser is built in the language the command line asks for (:func:`language_from_argv`:
``--lang``, else the ``SIMLIB_LANG`` environment variable, else English), so that
``simlib --help``, ``simlib COMMAND --help`` and argparse's usage errors read in that
language; argparse's own words ("usage:", "options", "the following arguments are
required") come from simlib's catalog while :func:`argparse_in_language` is in force.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Sequence

from simlib.i18n import N_, _, ngettext

#: The environment variable naming the default language of the ``simlib`` command
#: (``SIMLIB_LANG=zh-CN``); ``--lang`` and a scenario file's ``report.language`` win.
LANG_ENV = "SIMLIB_LANG"

#: argparse's own words, looked up in simlib's catalog (:func:`argparse_in_language`).
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
)


def language_from_argv(argv: Sequence[str]) -> str:
    """The language a command line asks for, before it is parsed: the last
    ``--lang X`` / ``--lang=X``, else ``SIMLIB_LANG``, else English. A value simlib does
    not speak is passed over here (parsing then names it)."""
    from simlib.i18n import DEFAULT, LanguageError, normalize

    asked: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            asked.append(argv[i + 1])
        elif arg.startswith("--lang="):
            asked.append(arg.partition("=")[2])
    env = os.environ.get(LANG_ENV)
    for tag in [*reversed(asked), *([env] if env else [])]:
        try:
            return normalize(tag)
        except LanguageError:
            continue
    return DEFAULT


@contextlib.contextmanager
def argparse_in_language() -> Iterator[None]:
    """argparse's own words (usage, option group titles, its errors) in the language in
    force, through simlib's catalog, inside the block."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _, ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, its section headings closed by the colon of the language in
    force ("选项：" in Chinese; argparse itself always writes ":")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._headings: list[str] = []

    def start_section(self, heading: str | None) -> None:
        super().start_section(heading)
        if heading:
            self._headings.append(heading)

    def format_help(self) -> str:
        from simlib.i18n import is_chinese

        text = super().format_help()
        if is_chinese():
            for heading in self._headings:
                text = text.replace(f"\n{heading}:\n", f"\n{heading}：\n")
        return text


def positive(text: str) -> int:
    """argparse type: a whole number of at least 1 (workers)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a whole number, got {text}").format(text=repr(text))
        ) from None
    if v < 1:
        raise argparse.ArgumentTypeError(
            _("expected a whole number of at least 1, got {v}").format(v=v)
        )
    return v


def draws(text: str) -> int:
    """argparse type: draws, from 1 to the limit every entry point shares."""
    from simlib.limits import MAX_DRAWS

    v = positive(text)
    if v > MAX_DRAWS:
        raise argparse.ArgumentTypeError(
            _("expected at most {most} draws, got {v}").format(most=f"{MAX_DRAWS:,}", v=f"{v:,}")
        )
    return v


def _add_lang(p: argparse.ArgumentParser, from_file: bool = True) -> None:
    p.add_argument(
        "--lang",
        type=_lang,
        default=None,
        help=_(
            "language of the output: en or zh-CN (default: the scenario file's "
            "report.language, else SIMLIB_LANG, else en)"
        )
        if from_file
        else _("language of the output: en or zh-CN (default: SIMLIB_LANG, else en)"),
    )


def _lang(text: str) -> str:
    """argparse type: a language simlib speaks (en, zh-CN)."""
    from simlib.i18n import LanguageError, normalize

    try:
        return normalize(text)
    except LanguageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The ``simlib`` parser, its texts in the language in force (build it inside
    :func:`argparse_in_language` for argparse's own words too)."""
    common = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("show the full traceback of any error instead of one line (to report a bug)"),
    )
    parser = argparse.ArgumentParser(
        prog="simlib",
        formatter_class=HelpFormatter,
        description=_(
            "Sales-force performance-management workbench: targets, plans, "
            "appraisal, simulation and reports."
        ),
        epilog=_(
            "Exit status: 0 done; 1 some work failed or a file could not be read or "
            "written; 2 bad input, command line or output folder; 3 internal error (a bug: the message names "
            "a log file with the details; --debug shows them)."
        ),
        parents=[common],
    )
    parser.add_argument(  # `simlib --lang zh-CN --help`; a subcommand's own --lang wins
        "--lang",
        dest="main_lang",
        metavar="LANG",
        type=_lang,
        default=argparse.SUPPRESS,
        help=_("language of the output: en or zh-CN (default: SIMLIB_LANG, else en)"),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_parser = sub.add_parser

    def add_parser(name: str, **kw):
        return _add_parser(name, parents=[common], formatter_class=HelpFormatter, **kw)

    sub.add_parser = add_parser  # every subcommand also takes --debug

    _add_check_and_run_commands(sub)
    _add_page_commands(sub)
    _add_tool_commands(sub)
    return parser


def _add_check_and_run_commands(sub) -> None:
    """Subcommands validate, run, describe and explain."""
    p = sub.add_parser(
        "validate",
        help=_("check a dataset (folder or DuckDB file) or a scenario file; list every problem"),
        description=_(
            "Validate a dataset (a folder of CSV / Parquet / Excel files, or a "
            "DuckDB file). Prints every problem as a table (file, row, column, value found, "
            "what was expected) and exits 1, or prints a one-screen summary and exits 0. "
            "The input files are never modified. Given a scenario file (.yaml), validates it in "
            "full (every reform and sweep) and lists every problem with its path."
        ),
    )
    p.add_argument("path", help=_("dataset folder, .duckdb file, or scenario .yaml"))
    p.add_argument(
        "--encoding",
        default=None,
        help=_("CSV encoding (utf-8, utf-8-sig, gb18030, gbk); detected when omitted"),
    )
    _add_lang(p)

    p = sub.add_parser(
        "run",
        help=_("simulate every scenario of a file and render the reports"),
        description=_(
            "Simulate the baseline, every reform and every sweep member of a scenario "
            "file, store the results in <out>.store/results.duckdb (beside the output folder, "
            "which holds only the reports), render one report per scenario, a comparison report "
            "and index.html (code hidden). Unchanged scenarios reuse their stored results. A "
            "failing scenario does not stop the others; the index says why. The output folder "
            "is locked while the run writes to it. Exit status 1 when any scenario, report or "
            "the comparison failed."
        ),
    )
    p.add_argument("scenario", help=_("scenario file (YAML), e.g. scenarios/demo.yaml"))
    p.add_argument("--out", default=None, help=_("output folder (default reports/<batch>)"))
    p.add_argument(
        "--resume",
        action="store_true",
        help=_("redo only what failed or changed since the last run into the same folder"),
    )
    p.add_argument(
        "--draws",
        type=draws,
        default=None,
        help=_("override every scenario's draws (1 to 1,000,000: simlib.limits.MAX_DRAWS)"),
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help=_(
            "go ahead with a large batch (more than 100 simulations, or expected to take "
            "longer than 15 minutes); without it such a batch stops with the estimate"
        ),
    )
    p.add_argument("--no-reports", action="store_true", help=_("simulate and store only"))
    p.add_argument(
        "--excel",
        action="store_true",
        help=_(
            "also write <out>/<batch>.xlsx (comparison and group tables) and, for scenarios "
            "that allow individual pay, per-rep pay statements in <out>.store/ (outside the "
            "shared folder)"
        ),
    )
    p.add_argument(
        "--workers", type=positive, default=2, help=_("reports rendered at once (default 2)")
    )
    p.add_argument(
        "--sim-workers",
        type=positive,
        default=None,
        help=_("scenarios simulated at once after the baseline (default: half the cores)"),
    )
    _add_lang(p)

    p = sub.add_parser(
        "describe",
        help=_("print what each reform of a scenario file changes, in plain language"),
        description=_(
            "Validate a scenario file and print its header, its baseline and, for each "
            "reform and sweep member, what it changes against its base, in plain language."
        ),
    )
    p.add_argument("scenario", help=_("scenario file (YAML)"))
    _add_lang(p)

    p = sub.add_parser(
        "explain",
        help=_("one rep's pay under a scenario's plan, step by step"),
        description=_(
            "Replay a scenario's plan on the data's actual results for the plan year "
            "and print one rep's pay statement for one month: every step in numbers and words. "
            "This prints an individual's pay: use it for that rep's questions, not in reports."
        ),
    )
    p.add_argument("scenario", help=_("scenario file (YAML)"))
    p.add_argument("rep_id", help=_("the rep's id, e.g. S00012"))
    p.add_argument(
        "--period", default=None, help=_("month, e.g. 2026-03 (default: the year's last)")
    )
    p.add_argument(
        "--scenario-name",
        dest="name",
        default=None,
        help=_("which scenario of the file (default: the baseline), e.g. proposed"),
    )
    _add_lang(p)


def _add_page_commands(sub) -> None:
    """Subcommands report, report-topic, demo, init and design."""
    p = sub.add_parser(
        "report",
        help=_("re-render a batch's reports from its results store (no simulation)"),
        description=_(
            "Execute the scenario and comparison notebooks again on the results stored "
            "in BATCH.store/results.duckdb (no simulation) and rewrite index.html. BATCH is the "
            "output folder or a batch name under reports/."
        ),
    )
    p.add_argument("batch", help=_("batch folder (reports/demo) or name (demo)"))
    p.add_argument(
        "--workers", type=positive, default=2, help=_("reports rendered at once (default 2)")
    )
    _add_lang(p, from_file=False)

    p = sub.add_parser(
        "report-topic",
        help=_(
            "render a topic report (data health, targets, plans, appraisal, behaviour) "
            "for your own data"
        ),
        description=_(
            "Render one topic report for a dataset (a folder of CSV / Parquet / Excel "
            "tables, or a DuckDB file), with the KPIs and levels the data name: NAME is "
            "data_health, targets, plans, appraisal or behavior. Specs the report reads (a cascade, "
            "plans, a scorecard) must name the data's KPIs: pass your own with --set, e.g. "
            "--set spec_path=my_cascade.yaml, --set 'plan_files=[a.yaml, b.yaml]', "
            "--set scorecard_path=my_scorecard.yaml. Writes OUT/NAME.html (code hidden)."
        ),
    )
    p.add_argument("name", help=_("data_health, targets, plans, appraisal or behavior"))
    p.add_argument("data", help=_("dataset folder or .duckdb file"))
    p.add_argument("--out", default=None, help=_("output folder (default reports/topics/<data>)"))
    p.add_argument(
        "--currency", default=None, help=_("currency code written before amounts (default CNY)")
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help=_("a parameter of the report (repeatable); see the notebook's parameters cell"),
    )
    _add_lang(p, from_file=False)

    p = sub.add_parser(
        "demo",
        help=_("run the demo batch and the demo reports on the bundled sample"),
        description=_(
            "Run scenarios/demo.yaml on data/sample (current plan, proposed plan, a "
            "team-weighted variant, an AHP-weighted appraisal variant, a cap sweep), render the "
            "other demo notebooks (data health, appraisal, plans ...) and print the path of "
            "index.html and the wall time. Without --lang the demo is rendered in English and in "
            "Chinese, into OUT/en/ and OUT/zh-CN/, and OUT/index.html links both."
        ),
    )
    p.add_argument("--out", default="reports/demo", help=_("output folder (default reports/demo)"))
    p.add_argument("--draws", type=draws, default=None, help=_("override the demo's draws"))
    p.add_argument(
        "--quick", action="store_true", help=_("leave out the design search (its page and files)")
    )
    _add_lang(p, from_file=False)

    p = sub.add_parser(
        "init",
        help=_("copy a starting scenario file and the bundled sample into a folder"),
        description=_(
            "Copy the demo's scenario file (as scenario.yaml), the plans, appraisals "
            "and cascades it names (scenarios/) and the bundled sample (data/sample/) into FOLDER, "
            "so `simlib run scenario.yaml` runs there on the folder's own copies. Nothing is "
            "overwritten."
        ),
    )
    p.add_argument("folder", nargs="?", default=".", help=_("folder (default: the current one)"))

    p = sub.add_parser(
        "design",
        help=_("search a scenario file's design space for the design that meets the goals"),
        description=_(
            "Run the search: section of a scenario file: tune the named plan (cascade, "
            "appraisal) parameters within their bounds with differential evolution, every design on "
            "the same random years, confirm the best at full draws, and write the recommended design "
            "and each Pareto-frontier point as a scenario file (designs/*.yaml, for simlib run and "
            "describe) and a plan file (plans/*.yaml, for the what-if's --plan), the tables, the "
            "runs (results.duckdb) and a report page (design.html). Exit status 1 when no design "
            "meets every goal (the report says which goals conflict and by how much)."
        ),
    )
    p.add_argument("scenario", help=_("scenario file (YAML) with a search: section"))
    p.add_argument("--out", default=None, help=_("output folder (default reports/<batch>_design)"))
    p.add_argument("--no-report", action="store_true", help=_("write the files only, no HTML"))


def _add_tool_commands(sub) -> None:
    """Subcommands docs and whatif."""
    p = sub.add_parser(
        "docs",
        help=_("write the input-format reference (docs/formats/) from the schemas"),
        description=_(
            "Write the pages describing dataset tables and plan, cascade, appraisal "
            "and scenario files, generated from the schemas the code validates with. With "
            "--check, write nothing and exit 1 when a page is out of date."
        ),
    )
    p.add_argument("--out", default=None, help=_("folder (default docs/formats in the project)"))
    p.add_argument("--check", action="store_true", help=_("only check the pages are current"))

    p = sub.add_parser(
        "whatif",
        help=_("open the what-if in a browser: move a plan's settings, see last year re-paid"),
        description=_(
            "Serve the what-if page on this machine (Voila, no code shown): the plan's "
            "controls (threshold, curve points, accelerator, cap, gates, pay mix, team share, "
            "weights) and what the plan as set would have paid last year against the start. "
            "'Save as reform' writes a scenario file that 'simlib run' accepts. Stop with Ctrl+C."
        ),
    )
    p.add_argument(
        "data", nargs="?", default=None, help=_("dataset folder or .duckdb (default: data/sample)")
    )
    p.add_argument(
        "--plan",
        default=None,
        help=_("plan file to start from (default: scenarios/plans/am_proposed.yaml)"),
    )
    p.add_argument("--port", type=positive, default=None, help=_("port (default: a free one)"))
    p.add_argument("--no-browser", action="store_true", help=_("do not open a browser"))
    p.add_argument("--year", type=int, default=None, help=_("year replayed (default: the last)"))
    p.add_argument(
        "--scenarios",
        default=None,
        help=_("folder 'Save as reform' writes to (default: scenarios/whatif)"),
    )
    _add_lang(p, from_file=False)

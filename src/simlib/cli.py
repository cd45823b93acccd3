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


def _cmd_validate(args: argparse.Namespace) -> int:
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
        print(f"warning: {w}")
    problems = file_problems + data_problems
    if problems:
        print(f"{path}: {len(problems)} problem(s)")
        for where, msg in problems:
            print(f"  - {where}: {msg}")
        return 1
    print(
        f"{path}: valid; {len(sc.scenarios)} scenario(s) checked against the data: "
        f"{', '.join(s.name for s in sc.scenarios)}"
    )
    return 0


def _load_scenario(path: str):
    from simlib.scenario import Scenario

    return Scenario.from_yaml(path)


def _cmd_describe(args: argparse.Namespace) -> int:
    sc = _load_scenario(args.scenario)
    print(sc.describe())
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    import pandas as pd

    root = _load_scenario(args.scenario)
    if args.name and args.name not in root.members:
        print(
            f"--scenario-name {args.name!r}: no such scenario in {args.scenario}; "
            f"the file has {', '.join(root.members)}",
            file=sys.stderr,
        )
        return 1
    sc = root[args.name] if args.name else root
    ds = sc.dataset()
    targets = sc.targets()
    if targets is None:
        targets = ds.targets
    if targets is None:
        print(f"{sc.name}: no targets (the dataset has no targets table)", file=sys.stderr)
        return 1
    periods = pd.PeriodIndex(targets["period"])
    year = sc.settings.year or int(periods.year.max())
    targets = targets.loc[periods.year == year]
    if args.rep_id not in set(targets["rep_id"].astype(str)):
        print(f"{args.rep_id}: no targets in {year} (is the rep id right?)", file=sys.stderr)
        return 1
    period = args.period or str(pd.PeriodIndex(targets["period"]).max())
    plan = sc.plan()
    stmt = plan.explain(args.rep_id, period, ds.sales, targets, ds=ds)
    print(f"Scenario {sc.name!r}, plan {plan.name!r}, replayed on {year} actuals:")
    print(stmt)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from simlib.batch import run_batch

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
    print(
        f"{len(res.items)} scenario(s), {len(res.failed)} failed, "
        f"in {time.perf_counter() - start:.1f} s. Open {res.index.resolve()}"
    )
    return 1 if res.failed else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from simlib.batch import PROJECT_ROOT, rerender

    out = Path(args.batch)
    if not out.exists() and (PROJECT_ROOT / "reports" / args.batch).exists():
        out = PROJECT_ROOT / "reports" / args.batch
    res = rerender(out, workers=args.workers)
    print(f"Re-rendered {out} in {res.seconds:.1f} s. Open {res.index.resolve()}")
    return 1 if res.failed else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from simlib.batch import run_demo

    start = time.perf_counter()
    out = Path(args.out)
    print(f"Running the demo batch and reports on the bundled sample into {out}/ ...")
    res = run_demo(out, draws=args.draws)
    print(f"Open {res.index.resolve()}")
    print(f"Demo finished in {time.perf_counter() - start:.1f} s (wall time).")
    print(f"Try a plan change yourself in the browser: {_this_command()} whatif")
    return 1 if res.failed else 0


def _cmd_whatif(args: argparse.Namespace) -> int:
    from simlib.whatif.serve import serve

    return serve(
        args.data,
        plan=args.plan,
        port=args.port,
        open_browser=not args.no_browser,
        year=args.year,
        scenario_dir=args.scenarios,
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
    """argparse type: a whole number of at least 1 (draws, workers)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {v}")
    return v


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
        "--workers", type=_positive, default=2, help="reports rendered at once (default 2)"
    )
    p.add_argument(
        "--sim-workers",
        type=_positive,
        default=None,
        help="scenarios simulated at once after the baseline (default: half the cores)",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "describe",
        help="print what each reform of a scenario file changes, in plain language",
        description="Validate a scenario file and print its header, its baseline and, for each "
        "reform and sweep member, what it changes against its base, in plain language.",
    )
    p.add_argument("scenario", help="scenario file (YAML)")
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
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "demo",
        help="run the demo batch and the demo reports on the bundled sample",
        description="Run scenarios/demo.yaml on data/sample (current plan, proposed plan, a "
        "team-weighted variant, an AHP-weighted appraisal variant, a cap sweep), render the "
        "other demo notebooks (data health, appraisal, plans ...) and print the path of "
        "index.html and the wall time.",
    )
    p.add_argument("--out", default="reports/demo", help="output folder (default reports/demo)")
    p.add_argument("--draws", type=_positive, default=None, help="override the demo's draws")
    p.set_defaults(func=_cmd_demo)

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
    p.set_defaults(func=_cmd_whatif)
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

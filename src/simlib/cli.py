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


def _cmd_validate(args: argparse.Namespace) -> int:
    from simlib.data.validate import validate_cli

    return validate_cli(args.path, encoding=args.encoding, out=sys.stdout)


def _cmd_demo(args: argparse.Namespace) -> int:
    from simlib.batch import run_demo

    start = time.perf_counter()
    out = Path(args.out)
    print(f"Rendering the demo reports on the bundled sample into {out}/ ...")
    run_demo(out)
    print(f"Demo finished in {time.perf_counter() - start:.1f} s. Open {out.resolve()}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simlib",
        description="Sales-force performance-management workbench: targets, plans, "
        "appraisal, simulation and reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check a dataset folder or DuckDB file and list every problem",
        description="Validate a dataset (a folder of CSV / Parquet / Excel files, or a "
        "DuckDB file). Prints every problem as a table (file, row, column, value found, "
        "what was expected) and exits 1, or prints a one-screen summary and exits 0. "
        "The input files are never modified.",
    )
    p.add_argument("path", help="dataset folder or .duckdb file")
    p.add_argument(
        "--encoding",
        default=None,
        help="CSV encoding (utf-8, utf-8-sig, gb18030, gbk); detected when omitted",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "demo",
        help="render the demo reports on the bundled sample",
        description="Execute the demo notebooks on data/sample with papermill and render "
        "them to HTML with code hidden.",
    )
    p.add_argument("--out", default="reports/demo", help="output folder (default reports/demo)")
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


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m simlib.data.synthetic --out data/sample``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from simlib.data.synthetic._core import generate
from simlib.data.synthetic._labels import labels_table
from simlib.data.synthetic._readme import check_replaceable, sample_readme


def main(argv: Sequence[str] | None = None) -> int:
    """Generate a dataset and save it (the Makefile's ``make sample``)."""
    parser = argparse.ArgumentParser(
        prog="python -m simlib.data.synthetic",
        description="Generate the synthetic telecom sales force and save it as a dataset.",
    )
    parser.add_argument("--out", required=True, help="output folder (or .duckdb file)")
    parser.add_argument("--n-reps", type=int, default=600, help="sales seats (default 600)")
    parser.add_argument("--months", type=int, default=36, help="months of history (default 36)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--end", default="2026-12", help="last month YYYY-MM (default 2026-12)")
    parser.add_argument("--n-regions", type=int, default=5, help="regions, 1-5 (default 5)")
    parser.add_argument(
        "--format",
        default="csv",
        choices=["csv", "parquet", "excel", "duckdb"],
        help="file format (default csv, UTF-8)",
    )
    args = parser.parse_args(argv)
    try:
        ds = generate(
            n_reps=args.n_reps,
            months=args.months,
            seed=args.seed,
            end=args.end,
            n_regions=args.n_regions,
        )
    except ValueError as exc:
        parser.error(str(exc))
    out = Path(args.out)
    if args.format == "duckdb":
        ds.save(out, format="duckdb")
    else:
        # The folder gets its README (command, tables, calibration measured on the
        # data); the whole folder appears at once.
        from simlib._atomic import atomic_dir

        try:
            check_replaceable(out)
        except ValueError as exc:
            parser.error(str(exc))
        command = "python -m simlib.data.synthetic " + " ".join(
            ["--out", args.out.rstrip("/")]
            + [
                f"--{k.replace('_', '-')} {v}"
                for k, v in vars(args).items()
                if k != "out" and v != parser.get_default(k)
            ]
        )
        with atomic_dir(out) as tmp:
            ds.save(tmp / "tables", format=args.format)
            for f in sorted((tmp / "tables").iterdir()):
                f.rename(tmp / f.name)
            (tmp / "tables").rmdir()
            # Display names in English and Chinese (see simlib.labels), CSV like the tables.
            labels_table(ds.units, ds.reps).to_csv(
                tmp / "labels.csv", index=False, lineterminator="\n", encoding="utf-8"
            )
            (tmp / "README.md").write_text(sample_readme(ds, command), encoding="utf-8")
    print(f"wrote {ds!r} to {out}")
    return 0

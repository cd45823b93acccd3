"""Reading and writing datasets: folders of CSV / Parquet / Excel files, or one DuckDB file.

What HR and sales-operations teams really have are exports: CSV from an HR
system (often GB18030 when Excel on a Chinese system wrote it), Excel
workbooks, Parquet from a data team, a DuckDB file. :func:`load_dataset` reads
any of them, **validates every table and collects every problem** (see
:mod:`simlib.data.validate`) and returns a frozen :class:`~simlib.data.Dataset`.
:func:`save_dataset` writes one back in any of the formats.

Layout on disk
--------------
A dataset folder holds one file per table, named for the table: ``kpis``,
``units``, ``reps``, ``sales`` (required) and ``potential``, ``targets``,
``competence`` (optional), each as ``.csv``, ``.parquet`` (or ``.pq``) or
``.xlsx``; a folder may mix formats. A single Excel workbook with one sheet per
table is read too (pass the ``.xlsx`` path, or put it in the folder). A
``.duckdb`` file holds one table (or view) per name.

In text formats a calendar month is written ``YYYY-MM`` and a date
``YYYY-MM-DD``; a missing value is an empty cell. Parquet, Excel and DuckDB keep
dates as real dates (so Excel shows them as dates) and months as ``YYYY-MM`` text
(a month is not a day).

Input files are only ever opened for reading (DuckDB in read-only mode); every
output is written to a temporary sibling and moved into place.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from simlib._atomic import atomic_dir, atomic_file
from simlib.data.dataset import TABLES, Dataset, Format
from simlib.errors import SimlibError

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("csv", "parquet", "excel", "duckdb")
#: File extensions read as each format.
EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
}
DUCKDB_EXTENSIONS: tuple[str, ...] = (".duckdb", ".ddb", ".db")
#: Excel's sheet limit: 1,048,576 rows including the header row.
EXCEL_MAX_RECORDS = 1_048_575
#: Encodings tried, in order, when a CSV's encoding is not given. ``utf-8-sig``
#: reads UTF-8 with or without a byte-order mark; GB18030 is a superset of GBK and
#: GB2312, which is what Excel on a Chinese-locale Windows writes.
DETECT_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")


class DatasetPathError(SimlibError, FileNotFoundError):
    """The dataset path does not exist or holds no dataset."""


# --------------------------------------------------------------------- saving
def _text_periods_and_dates(df: pd.DataFrame, dates_as_text: bool) -> pd.DataFrame:
    """A copy fit for writing: months as ``YYYY-MM``; dates as ISO text or dates."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.PeriodDtype):
            out[col] = s.dt.strftime("%Y-%m").astype("string")
        elif pd.api.types.is_datetime64_any_dtype(s.dtype) and dates_as_text:
            out[col] = s.dt.strftime("%Y-%m-%d").astype("string")
    return out


def _dates_to_date32(df: pd.DataFrame) -> Any:
    """An Arrow table in which datetime columns are stored as calendar dates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            col = pc.cast(table.column(i), pa.date32(), safe=False)
            table = table.set_column(i, pa.field(field.name, pa.date32()), col)
    return table


def _check_target_folder(path: Path) -> None:
    """Refuse to replace a folder that holds anything but dataset tables."""
    if not path.exists():
        return
    if not path.is_dir():
        raise SimlibError(f"cannot save a dataset folder to {path}: a file of that name exists")
    ours = {f"{t}{ext}" for t in TABLES for ext in (".csv", ".parquet", ".xlsx")}
    other = sorted(p.name for p in path.iterdir() if p.name not in ours)
    if other:
        raise SimlibError(
            f"refusing to replace folder {path}: it holds files that are not dataset "
            f"tables ({', '.join(other[:5])}); save to a new or empty folder"
        )


def save_dataset(
    ds: Dataset,
    path: str | Path,
    format: Format = "csv",
    encoding: str = "utf-8",
) -> Path:
    """Write a dataset to disk, atomically.

    Parameters
    ----------
    ds : Dataset
        The dataset to write (every table it holds, optional ones included).
    path : str or Path
        For ``csv``, ``parquet`` and ``excel``: a folder, created or replaced
        whole (one file per table, ``sales.csv`` ...). An existing folder is
        replaced only if it holds nothing but dataset tables. For ``duckdb``: the
        database file (``.duckdb``), one table per name.
    format : {"csv", "parquet", "excel", "duckdb"}
        File format. Excel sheets hold at most 1,048,575 records; a larger
        table raises an error (use Parquet or DuckDB for big data).
    encoding : str
        CSV text encoding, e.g. ``"utf-8"``, ``"utf-8-sig"`` (UTF-8 with the
        byte-order mark Excel looks for) or ``"gb18030"`` (what Excel on a
        Chinese system reads and writes). Ignored by the binary formats.

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> ds.save("out/sample_gbk", format="csv", encoding="gb18030")  # doctest: +SKIP
    """
    path = Path(path)
    fmt = str(format).lower()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    tables = ds.tables()
    if fmt == "excel":
        too_big = {n: len(t) for n, t in tables.items() if len(t) > EXCEL_MAX_RECORDS}
        if too_big:
            raise SimlibError(
                f"cannot write Excel: an Excel sheet holds at most {EXCEL_MAX_RECORDS:,} "
                f"records and these tables are larger: {too_big}; use parquet or duckdb"
            )
    if fmt == "csv":
        codecs.lookup(encoding)  # an unknown encoding fails before anything is written

    if fmt == "duckdb":
        import duckdb

        with atomic_file(path) as tmp:
            tmp.unlink()  # DuckDB creates the file itself; an empty file is not a database
            con = duckdb.connect(str(tmp))
            try:
                for name, df in tables.items():
                    arrow = _dates_to_date32(_text_periods_and_dates(df, dates_as_text=False))
                    con.register("_simlib_frame", arrow)
                    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _simlib_frame')
                    con.unregister("_simlib_frame")
            finally:
                con.close()
            wal = Path(str(tmp) + ".wal")
            if wal.exists():  # nothing should remain after close; never leave debris
                wal.unlink()
        return path

    _check_target_folder(path)
    with atomic_dir(path) as tmp:
        for name, df in tables.items():
            if fmt == "csv":
                out = _text_periods_and_dates(df, dates_as_text=True)
                out.to_csv(tmp / f"{name}.csv", index=False, encoding=encoding)
            elif fmt == "parquet":
                import pyarrow.parquet as pq

                out = _text_periods_and_dates(df, dates_as_text=False)
                pq.write_table(_dates_to_date32(out), tmp / f"{name}.parquet")
            else:
                out = _text_periods_and_dates(df, dates_as_text=False)
                with pd.ExcelWriter(
                    tmp / f"{name}.xlsx",
                    engine="openpyxl",
                    date_format="YYYY-MM-DD",
                    datetime_format="YYYY-MM-DD",
                ) as xw:
                    out.to_excel(xw, sheet_name=name, index=False)
    return path

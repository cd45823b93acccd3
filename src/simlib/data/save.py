"""Writing a dataset: a folder of CSV, Parquet or Excel files, or one DuckDB file, atomically.

Months are written as ``YYYY-MM`` text (a month is not a day); dates as
``YYYY-MM-DD`` text in CSV and as real dates in Parquet, Excel and DuckDB. Every
output is written to a temporary sibling and moved into place.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib._atomic import atomic_dir, atomic_file
from simlib.data.dataset import TABLES, Dataset, Format
from simlib.data.encodings import check_encoding
from simlib.errors import SimlibError
from simlib.i18n import _

__all__ = ["EXCEL_MAX_RECORDS", "FORMATS", "save_dataset"]

FORMATS: tuple[str, ...] = ("csv", "parquet", "excel", "duckdb")
#: Excel's sheet limit: 1,048,576 rows including the header row.
EXCEL_MAX_RECORDS = 1_048_575


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
        raise SimlibError(
            _("cannot save a dataset folder to {path}: a file of that name exists").format(
                path=path
            )
        )
    ours = {f"{t}{ext}" for t in TABLES for ext in (".csv", ".parquet", ".xlsx")}
    other = sorted(p.name for p in path.iterdir() if p.name not in ours)
    if other:
        raise SimlibError(
            _(
                "refusing to replace folder {path}: it holds files that are not dataset "
                "tables ({files}); save to a new or empty folder"
            ).format(path=path, files=", ".join(other[:5]))
        )


def _drop_empty_optional_ids(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Leave out an optional ``unit_id`` / ``rep_id`` column nobody filled in (targets
    kept per rep have no unit ids): loading adds it back, empty."""
    from simlib.data.dataset import OPTIONAL_COLUMNS

    empty = [
        c
        for c in ("unit_id", "rep_id")
        if c in OPTIONAL_COLUMNS.get(name, ()) and c in table.columns and table[c].isna().all()
    ]
    keep_one = [c for c in ("unit_id", "rep_id") if c in table.columns and c not in empty]
    return table.drop(columns=empty) if empty and keep_one else table


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
        raise ValueError(
            _("format must be one of {formats}; got {format!r}").format(
                formats=", ".join(FORMATS), format=format
            )
        )
    tables = {name: _drop_empty_optional_ids(name, t) for name, t in ds.tables().items()}
    if fmt == "excel":
        too_big = {n: len(t) for n, t in tables.items() if len(t) > EXCEL_MAX_RECORDS}
        if too_big:
            raise SimlibError(
                _(
                    "cannot write Excel: an Excel sheet holds at most {limit:,} "
                    "records and these tables are larger: {tables}; use parquet or duckdb"
                ).format(limit=EXCEL_MAX_RECORDS, tables=too_big)
            )
    if fmt == "csv":
        # An unknown encoding, or text it cannot hold, fails before anything is written.
        check_encoding(encoding)
        _check_encodable(tables, encoding)

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
                _write_xlsx(
                    _text_periods_and_dates(df, dates_as_text=False), tmp / f"{name}.xlsx", name
                )
    return path


def _check_encodable(tables: dict[str, pd.DataFrame], encoding: str) -> None:
    """Raise, naming table, line, column and character, if ``encoding`` cannot hold a cell.

    GBK, for one, lacks characters found in real names (``䶮``, as in 刘䶮);
    GB18030 and UTF-8 hold every character.
    """
    if codecs.lookup(encoding).name.startswith("utf-"):
        return
    for name, df in tables.items():
        for col in [None, *df.columns]:
            if col is None:
                values = np.asarray([str(c) for c in df.columns], dtype=object)
            else:
                s = df[col]
                if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
                    continue
                values = pd.unique(s.dropna().astype(object).to_numpy())
            for v in values:
                try:
                    str(v).encode(encoding)
                except UnicodeEncodeError as exc:
                    ch = exc.object[exc.start : exc.end]
                    if col is None:
                        where = f"the header, column name {v!r}"
                    else:
                        rec = int(np.flatnonzero((df[col] == v).fillna(False).to_numpy())[0])
                        where = f"line {rec + 2}, column {col!r} (value {str(v)!r})"
                    raise SimlibError(
                        _(
                            "cannot write {name}.csv in {encoding}: {where} holds {char!r}, "
                            "which {encoding} cannot encode; save with encoding='gb18030' "
                            "(what Excel on a Chinese system reads; it holds every character) "
                            "or 'utf-8' / 'utf-8-sig'"
                        ).format(name=name, encoding=encoding, where=where, char=ch)
                    ) from None


def _write_xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    """One sheet, streamed (openpyxl write-only mode). Text is always stored as text:
    Excel would otherwise run ``=...`` as a formula and turn ``#N/A`` into an error."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append([str(c) for c in df.columns])
    columns: list[list[Any]] = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            vals: list[Any] = []
            for v in s.dt.to_pydatetime():
                if pd.isna(v):
                    vals.append(None)
                else:
                    cell = WriteOnlyCell(ws, value=v)
                    cell.number_format = "YYYY-MM-DD"
                    vals.append(cell)
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            vals = [None if pd.isna(v) else v for v in s.astype(object)]
        else:
            vals = []
            for v in s.astype(object):
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                    vals.append(None)
                elif isinstance(v, str) and (v.startswith("=") or v in ERROR_CODES):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.data_type = "s"
                    vals.append(cell)
                else:
                    vals.append(v)
        columns.append(vals)
    for row in zip(*columns, strict=True):
        ws.append(row)
    wb.save(path)

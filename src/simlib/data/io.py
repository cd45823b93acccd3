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

Text encodings, and the limits of detecting them
-------------------------------------------------
When no encoding is given, each CSV is tried as strict UTF-8 (with or without a
byte-order mark), then as GB18030 (a superset of GBK and GB2312, what Excel on a
Chinese system writes). UTF-8 is self-checking: other text almost never passes as
UTF-8. GB18030 is not: it decodes almost any bytes, so a cp1252 (Western
European) or Big5 (Traditional Chinese) file also "decodes", as nonsense
(``Renée Müller`` -> ``Ren閑 M黮ler``). Such a file is caught by a heuristic
(:func:`looks_misdecoded`: many characters outside the common GB2312 set) and
reported with a request to pass ``encoding=`` / ``--encoding``; a short file with
one or two odd names can slip through, so pass the encoding when you know it.
The encoding used is logged, shown by ``simlib validate`` and recorded in the
Dataset's ``source``.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.dataset import REQUIRED_TABLES, TABLES, Dataset
from simlib.data.encodings import (
    COMMON_ENCODINGS,
    DETECT_ENCODINGS,
    EncodingNameError,
    check_encoding,
    decode_error_at,
    detect_encoding,
    looks_misdecoded,
    utf16_guess,
    where_undecodable,
)
from simlib.data.problems import TableSource
from simlib.data.save import EXCEL_MAX_RECORDS, FORMATS, save_dataset
from simlib.errors import DataValidationError, Problem, SimlibError
from simlib.i18n import _

__all__ = [
    "COMMON_ENCODINGS",
    "DETECT_ENCODINGS",
    "DUCKDB_EXTENSIONS",
    "EXCEL_MAX_RECORDS",
    "EXTENSIONS",
    "FORMATS",
    "DatasetPathError",
    "EncodingNameError",
    "check_encoding",
    "decode_error_at",
    "describe_source",
    "detect_encoding",
    "drop_blank_rows",
    "load_dataset",
    "looks_misdecoded",
    "merge_problems",
    "read_raw",
    "release_unused_memory",
    "save_dataset",
]

log = logging.getLogger(__name__)

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


class DatasetPathError(SimlibError, FileNotFoundError):
    """The dataset path does not exist or holds no dataset."""


# -------------------------------------------------------------------- loading
def _read_csv(
    path: Path, encoding: str | None, problems: list[Problem]
) -> tuple[pd.DataFrame | None, TableSource]:
    detected = encoding is None
    if encoding is None:
        enc = detect_encoding(path)
        if enc is None:
            row, found, where = where_undecodable(path, "utf-8")
            where_gb = where_undecodable(path, "gb18030")[2]
            problems.append(
                Problem(
                    path.name,
                    row,
                    None,
                    found,
                    _(
                        "text in UTF-8 or GB18030/GBK, but neither decodes this file (UTF-8 "
                        "fails at {where}; GB18030 at {where_gb}); pass encoding=... or "
                        "`--encoding` with the file's encoding, e.g. {encodings}"
                    ).format(where=where, where_gb=where_gb, encodings=_(COMMON_ENCODINGS)),
                )
            )
            return None, TableSource(path.name, 2, "csv")
    else:
        enc = encoding
        if codecs.lookup(enc).name == "utf-8":
            with open(path, "rb") as f:
                if f.read(3) == codecs.BOM_UTF8:
                    enc = "utf-8-sig"  # a BOM is not part of the first column's name
        elif codecs.lookup(enc).name == "utf-16":
            with open(path, "rb") as f:
                head = f.read(4096)
            if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                # "utf-16" without its mark: the byte order is read from the zero bytes.
                enc = utf16_guess(head) or "utf-16-le"
    src = TableSource(path.name, 2, "csv", enc, detected)
    try:
        df = pd.read_csv(
            path,
            dtype=str,
            encoding=enc,
            keep_default_na=False,
            na_values=[""],
            # Blank lines are kept here and dropped by drop_blank_rows, so that
            # the records after them keep their line numbers.
            skip_blank_lines=False,
        )
    except UnicodeError:  # UnicodeDecodeError, or a codec refusing the stream (no BOM)
        row, found, where = where_undecodable(path, enc)
        problems.append(
            Problem(
                path.name,
                row,
                None,
                found,
                _(
                    "text in the {encoding} encoding, but {where} does not decode; "
                    "give the right encoding ({encodings}) or omit it to detect"
                ).format(encoding=enc, where=where or _("the file"), encodings=_(COMMON_ENCODINGS)),
            )
        )
        return None, src
    except pd.errors.EmptyDataError:
        problems.append(
            Problem(path.name, None, None, "", _("a header row and data (the file is empty)"))
        )
        return None, src
    except pd.errors.ParserError as exc:
        msg = str(exc).strip()
        m = re.search(r"line (\d+)", msg)
        problems.append(
            Problem(
                path.name,
                int(m.group(1)) if m else None,
                None,
                "",
                _("as many comma-separated fields as the header ({message})").format(message=msg),
            )
        )
        return None, src
    log.info("%s: encoding %s (%s)", path, enc, "detected" if detected else "given")
    if detected and enc == "gb18030":
        odd = looks_misdecoded(df)
        if odd is not None:
            col, sample, n_odd, n_all = odd
            problems.append(
                Problem(
                    path.name,
                    None,
                    col,
                    sample,
                    _(
                        "text in GB18030/GBK (detected, because the file is not UTF-8), but "
                        "{rare} of its {wide} non-ASCII characters are rare ones that text "
                        "in another encoding turns into when read as GB18030 (Renée -> Ren閑): "
                        "pass encoding=... or `--encoding` with the file's encoding, e.g. "
                        "cp1252 (Excel on a Western European system) or big5 (Traditional "
                        "Chinese); if the text above is right, pass --encoding gb18030"
                    ).format(rare=n_odd, wide=n_all),
                )
            )
            return None, src
    return df, src


def drop_blank_rows(df: pd.DataFrame, src: TableSource) -> tuple[pd.DataFrame, TableSource]:
    """Skip wholly blank rows of a CSV or a sheet, keeping each record's row number.

    A blank line, a line of empty cells (``,,,``) or an empty spreadsheet row is
    not a record: it is dropped, and the records after it keep the number of
    the line or sheet row a user sees (``src.rows``), so problems point at the
    right place. CSV and Excel are treated alike.
    """
    if df.empty or len(df.columns) == 0:
        return df, src
    from simlib.data.parse import missing_mask

    # Cells of only spaces count as empty too (" , , ," is a blank line). Only rows
    # whose first cell is empty can be blank: check the rest for those rows alone.
    maybe = np.flatnonzero(missing_mask(df.iloc[:, 0]))
    if len(maybe) == 0:
        return df, src
    sub = df.iloc[maybe]
    rest = np.ones(len(maybe), bool)
    for i in range(1, len(df.columns)):
        rest &= missing_mask(sub.iloc[:, i])
    blank = np.zeros(len(df), bool)
    blank[maybe[rest]] = True
    if not blank.any():
        return df, src
    keep = np.flatnonzero(~blank)
    rows = (src.row(0) + keep).astype(np.int64)
    return df.iloc[keep].reset_index(drop=True), replace(src, rows=rows)


def _string_columns(schema: Any) -> list[str]:
    import pyarrow as pa

    return [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    """Arrow to pandas with text as categoricals (codes, not millions of strings) and
    dates as datetime64."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, f in enumerate(table.schema):
        if (
            pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        ) and table.num_rows > 10_000:
            table = table.set_column(i, f.name, pc.dictionary_encode(table.column(i)))
    # Each column converted and its Arrow buffers freed in turn: no second copy of the table.
    return table.to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)


def release_unused_memory() -> None:
    """Hand memory freed by Arrow and by C allocations back to the operating system.

    Arrow's allocator and glibc's ``malloc`` keep freed pages for reuse, so the
    buffers of files already read (decompression, text, intermediate columns) would
    otherwise stay resident through the whole simulation that follows.
    """
    import sys

    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl, ...): nothing to trim
            pass


def _read_parquet(path: Path, problems: list[Problem]) -> tuple[pd.DataFrame | None, TableSource]:
    import pyarrow.parquet as pq

    src = TableSource(path.name, 1, "parquet")
    try:
        schema = pq.read_schema(path)
        # One thread: the table is small next to the working memory a parallel read takes.
        table = pq.read_table(path, read_dictionary=_string_columns(schema), use_threads=False)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        expected = _("a readable Parquet file ({error})").format(error=exc)
        problems.append(Problem(path.name, None, None, "", expected))
        return None, src
    return _arrow_to_pandas(table), src


def _read_workbook(path: Path, problems: list[Problem]) -> dict[str, pd.DataFrame] | None:
    if path.suffix.lower() == ".xls":
        problems.append(
            Problem(
                path.name,
                None,
                None,
                "",
                _("an .xlsx workbook: save old .xls files as .xlsx or CSV"),
            )
        )
        return None
    try:
        # Only an empty cell is missing: "NA" or "null" may be a real name or grade.
        return pd.read_excel(
            path,
            sheet_name=None,
            dtype=object,
            engine="openpyxl",
            keep_default_na=False,
            na_values=[""],
        )
    except Exception as exc:  # openpyxl raises many types for a damaged or locked file
        expected = _("a readable Excel workbook ({error})").format(error=exc)
        problems.append(Problem(path.name, None, None, "", expected))
        return None


def _table_name(stem: str) -> str | None:
    s = stem.strip().lower()
    return s if s in TABLES else None


def _read_duckdb(
    path: Path,
) -> tuple[dict[str, pd.DataFrame], dict[str, TableSource], list[Problem]]:
    import duckdb

    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    sources: dict[str, TableSource] = {}
    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:  # duckdb.IOException and friends
        expected = _("a readable DuckDB database ({error})").format(error=exc)
        problems.append(Problem(path.name, None, None, "", expected))
        return raw, sources, problems
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        ]
        for db_name in names:
            name = _table_name(db_name)
            if name is None:
                continue
            label = f"{path.name}:{db_name}"
            try:
                table = con.sql(f'SELECT * FROM "{db_name}"').to_arrow_table()
            except duckdb.Error as exc:  # a view over a dropped table, a bad cast ...
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                problems.append(
                    Problem(
                        label,
                        None,
                        None,
                        "",
                        _(
                            "a readable table or view named {name} (reading it fails: {error})"
                        ).format(name=db_name, error=first),
                    )
                )
                continue
            raw[name] = _arrow_to_pandas(table)
            sources[name] = TableSource(label, 1, "duckdb")
    finally:
        con.close()
    return raw, sources, problems


def read_raw(
    path: str | Path, encoding: str | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, TableSource], list[Problem]]:
    """Read a dataset's tables as found, without checking them.

    Returns the raw tables by name, where each came from, and the problems met
    while reading (undecodable text, a damaged file, a table given twice, a
    required table missing). :func:`load_dataset` validates the result.

    Raises
    ------
    DatasetPathError
        When ``path`` does not exist.
    """
    path = Path(path)
    if encoding is not None:
        check_encoding(encoding)
    if not path.exists():
        raise DatasetPathError(
            _(
                "dataset not found: {path} (expected a folder of CSV / Parquet / Excel files, "
                "an Excel workbook, or a .duckdb file)"
            ).format(path=path)
        )
    if path.is_file() and path.suffix.lower() in DUCKDB_EXTENSIONS:
        raw, sources, problems = _read_duckdb(path)
        where = f"{path.name} (tables: {', '.join(sorted(raw)) or 'none of the expected'})"
    else:
        problems = []
        found: dict[str, list[tuple[str, Any]]] = {}
        if path.is_file():
            if EXTENSIONS.get(path.suffix.lower()) != "excel":
                raise DatasetPathError(
                    _(
                        "{path} is not a dataset: give a folder, an Excel workbook "
                        "(one sheet per table) or a .duckdb file"
                    ).format(path=path)
                )
            files = [path]
        else:
            files = sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
            )
        for f in files:
            fmt = EXTENSIONS.get(f.suffix.lower())
            name = _table_name(f.stem)
            if fmt in ("csv", "parquet") and name:
                found.setdefault(name, []).append((f.name, (fmt, f)))
            elif fmt == "excel":
                if name and path.is_dir():
                    found.setdefault(name, []).append((f.name, ("excel-file", f)))
                else:  # a workbook with one sheet per table
                    found.setdefault("__workbook__", []).append((f.name, ("workbook", f)))
        raw = {}
        sources = {}
        sheet_names: dict[str, list[str]] = {}
        for _label, (_kind, f) in found.pop("__workbook__", []):
            sheets = _read_workbook(f, problems)
            sheet_names[f.name] = [str(k) for k in (sheets or {})]
            for sheet, df in (sheets or {}).items():
                name = _table_name(str(sheet))
                if name:
                    found.setdefault(name, []).append((f"{f.name}[{sheet}]", ("sheet", df)))
        for name, options in found.items():
            if len(options) > 1:
                problems.append(
                    Problem(
                        ", ".join(o[0] for o in options),
                        None,
                        None,
                        "",
                        _("one source for table {table}; keep one of these").format(
                            table=repr(name)
                        ),
                    )
                )
                continue
            label, (kind, obj) = options[0]
            df: pd.DataFrame | None
            if kind == "csv":
                df, src = _read_csv(obj, encoding, problems)
            elif kind == "parquet":
                df, src = _read_parquet(obj, problems)
            elif kind == "excel-file":
                sheets = _read_workbook(obj, problems)
                src = TableSource(label, 2, "excel")
                df = None
                if sheets:
                    by_name = {str(k).strip().lower(): v for k, v in sheets.items()}
                    df = by_name.get(name, next(iter(sheets.values())))
            else:
                df, src = obj, TableSource(label, 2, "excel")
            if df is not None:
                if src.format in ("csv", "excel"):
                    df, src = drop_blank_rows(df, src)
                raw[name] = df
                sources[name] = src
        books = "; ".join(
            _("{book} has the sheets: {sheets}").format(
                book=book, sheets=", ".join(names) or _("none")
            )
            for book, names in sheet_names.items()
        )
        if path.is_file():
            sheets = ", ".join(sheet_names.get(path.name, [])) or _("none")
            where = _("{path} (sheets: {sheets})").format(path=path.name, sheets=sheets)
        else:
            listing = ", ".join(p.name for p in files[:12]) or _("no files")
            where = _("{path} (it holds: {listing})").format(
                path=path.name, listing=listing + ("; " + books if books else "")
            )
    for name in REQUIRED_TABLES:
        if name not in raw and not any(name in p.file for p in problems):
            problems.append(
                Problem(
                    f"{name}.csv",
                    None,
                    None,
                    "",
                    _(
                        "the required table {quoted} ({table}.csv, {table}.parquet, "
                        "{table}.xlsx, a sheet named {table} in a workbook, or a DuckDB table "
                        "named {table}); not found in {where}"
                    ).format(quoted=repr(name), table=name, where=where),
                )
            )
    return raw, sources, problems


def merge_problems(read: list[Problem], checked: list[Problem]) -> list[Problem]:
    """Problems met reading, then those from validation, without restating a missing
    table that reading already explained (with the folder's contents)."""
    told = {Path(p.file.split("[")[0]).stem for p in read}
    told |= {t for p in read for t in TABLES if f"table {t!r}" in p.expected}
    again = [
        p
        for p in checked
        if p.row is None
        and p.column is None
        and p.file in told
        and p.expected.endswith("(required)")
    ]
    return [*read, *(p for p in checked if p not in again)]


def load_dataset(path: str | Path, encoding: str | None = None) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    path : str or Path
        A folder holding one file per table (``kpis``, ``units``, ``reps``,
        ``sales``; optionally ``potential``, ``targets``, ``competence``) as
        ``.csv``, ``.parquet`` or ``.xlsx`` (formats may be mixed); an Excel
        workbook with one sheet per table; or a ``.duckdb`` file with one table
        per name. Nothing at ``path`` is modified.
    encoding : str, optional
        Encoding of the CSV files: ``"utf-8"``, ``"utf-8-sig"``, ``"gb18030"``,
        ``"gbk"``, ``"big5"``, ``"cp1252"`` ... When omitted it is detected per
        file (strict UTF-8, with or without BOM, then GB18030; see the module
        notes on the limits of detection), logged on the ``simlib.data.io``
        logger and recorded in ``source``.

    Returns
    -------
    Dataset
        Typed tables (dtypes as documented in :mod:`simlib.data.dataset`);
        ``source`` is the path, with the CSV encoding when CSV files were read
        (see :func:`describe_source`).

    Raises
    ------
    DatasetPathError
        The path does not exist.
    EncodingNameError
        ``encoding`` is not a codec name Python knows.
    DataValidationError
        Anything is wrong with the data; ``.problems`` lists every problem
        (file, row, column, value found, what was expected).

    Examples
    --------
    >>> import simlib as sl
    >>> ds = sl.load_dataset("data/sample")  # doctest: +SKIP
    >>> ds = sl.load_dataset("exports/hr_2026", encoding="gb18030")  # doctest: +SKIP
    """
    from simlib.data.validate import validate_tables

    raw, sources, problems = read_raw(path, encoding=encoding)
    release_unused_memory()
    typed, more = validate_tables(raw, sources)
    del raw  # the cells as found: only the typed tables are kept
    release_unused_memory()
    problems = merge_problems(problems, more)
    if problems:
        raise DataValidationError(problems, str(path))
    return Dataset(**typed, source=describe_source(path, sources))


def describe_source(path: str | Path, sources: dict[str, TableSource]) -> str:
    """The path, plus the CSV text encoding used (and whether it was detected).

    ``"exports/hr (CSV encoding gb18030, detected)"``; the path alone when no
    table came from a CSV file; each file's encoding when they differ.
    """
    csv = {n: s for n, s in sources.items() if s.format == "csv" and s.encoding}
    if not csv:
        return str(path)

    def how(s: TableSource) -> str:
        return f"{s.encoding}{', detected' if s.encoding_detected else ''}"

    kinds = {how(s) for s in csv.values()}
    if len(kinds) == 1:
        return f"{path} (CSV encoding {kinds.pop()})"
    groups: dict[str, list[str]] = {}
    for s in csv.values():  # only detection mixes encodings (a given one applies to all)
        groups.setdefault(str(s.encoding), []).append(s.file)
    each = "; ".join(f"{enc} for {', '.join(files)}" for enc, files in groups.items())
    return f"{path} (CSV encodings detected: {each})"

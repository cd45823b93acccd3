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

from simlib._atomic import atomic_dir, atomic_file
from simlib.data.dataset import REQUIRED_TABLES, TABLES, Dataset, Format
from simlib.data.validate import TableSource
from simlib.errors import DataValidationError, Problem, SimlibError

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


class EncodingNameError(SimlibError, LookupError):
    """An encoding name Python does not know (``encoding="foo"``)."""


#: Encodings worth naming to a user, with what writes them.
COMMON_ENCODINGS = (
    "utf-8, utf-8-sig (UTF-8 with the byte-order mark Excel writes), "
    "gb18030 (Excel on a Chinese system; a superset of gbk and gb2312), "
    "big5 (Traditional Chinese), cp1252 (Excel on a Western European system)"
)


def check_encoding(encoding: str) -> str:
    """The encoding's canonical name, or :class:`EncodingNameError` naming the usual ones."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise EncodingNameError(
            f"unknown encoding {encoding!r}: give a Python codec name such as "
            f"{COMMON_ENCODINGS}; or leave it out to detect UTF-8 / GB18030"
        ) from None


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
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    tables = {name: _drop_empty_optional_ids(name, t) for name, t in ds.tables().items()}
    if fmt == "excel":
        too_big = {n: len(t) for n, t in tables.items() if len(t) > EXCEL_MAX_RECORDS}
        if too_big:
            raise SimlibError(
                f"cannot write Excel: an Excel sheet holds at most {EXCEL_MAX_RECORDS:,} "
                f"records and these tables are larger: {too_big}; use parquet or duckdb"
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
                        f"cannot write {name}.csv in {encoding}: {where} holds {ch!r}, "
                        f"which {encoding} cannot encode; save with encoding='gb18030' "
                        "(what Excel on a Chinese system reads; it holds every character) "
                        "or 'utf-8' / 'utf-8-sig'"
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


# -------------------------------------------------------------------- loading
def detect_encoding(path: str | Path) -> str | None:
    """The first of UTF-8 (with or without BOM) and GB18030 that decodes the whole file,
    or UTF-16 when the file has its byte-order mark or its zero bytes.

    Returns ``"utf-8-sig"`` when the file starts with a byte-order mark,
    ``"utf-8"`` for other UTF-8 (plain ASCII included), ``"gb18030"``,
    ``"utf-16"`` (marked) / ``"utf-16-le"`` / ``"utf-16-be"``, or
    ``None`` when neither decodes. The file is streamed in 1 MiB blocks, so a
    large export is checked without holding it in memory.
    """
    with open(path, "rb") as f:
        head = f.read(4096)
    bom = head.startswith(codecs.BOM_UTF8)
    utf16 = _utf16_guess(head)
    for enc in (utf16,) if utf16 else DETECT_ENCODINGS:
        dec = codecs.getincrementaldecoder(enc)(errors="strict")
        try:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    dec.decode(chunk)
                dec.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if enc == "utf-8-sig":
            return "utf-8-sig" if bom else "utf-8"
        return enc
    return None


def _utf16_guess(head: bytes) -> str | None:
    """``utf-16`` for a UTF-16 byte-order mark; ``utf-16-le`` / ``-be`` for text whose
    every other byte is zero (a UTF-16 export of mostly ASCII, saved without a mark);
    else None. UTF-8 and GB18030 text never holds zero bytes."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) < 4 or b"\x00" not in head:
        return None
    # ASCII (digits, commas, ids) dominates an export: its zero byte sits after it in
    # little-endian order, before it in big-endian; a CJK character seldom has one.
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 4 and even * 10 < odd:
        return "utf-16-le"
    if even > len(head) // 4 and odd * 10 < even:
        return "utf-16-be"
    return None


def decode_error_at(path: str | Path, encoding: str) -> tuple[int, int, bytes] | None:
    """Where ``encoding`` first fails on a file: (byte offset from 0, line from 1, bytes).

    ``None`` when the whole file decodes. Streams the file in 1 MiB blocks.
    """
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    start = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            pending = len(dec.getstate()[0])
            try:
                dec.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                offset = start - pending + exc.start
                break
            if not chunk:
                return None
            start += len(chunk)
    lines = 1
    with open(path, "rb") as f:
        done = 0
        while done < offset:
            block = f.read(min(1 << 20, offset - done))
            lines += block.count(b"\n")
            done += len(block)
        bad = f.read(4)
    return offset, lines, bad


def _where_undecodable(path: Path, encoding: str) -> tuple[int | None, str, str]:
    """Row, the bytes found, and the position as text, for a decoding problem."""
    at = decode_error_at(path, encoding)
    if at is None:
        return None, "", ""
    offset, line, bad = at
    return (
        line,
        "bytes " + " ".join(f"{b:02x}" for b in bad),
        (f"line {line}, byte {offset:,} (counting from 0)"),
    )


def _read_csv(
    path: Path, encoding: str | None, problems: list[Problem]
) -> tuple[pd.DataFrame | None, TableSource]:
    detected = encoding is None
    if encoding is None:
        enc = detect_encoding(path)
        if enc is None:
            row, found, where = _where_undecodable(path, "utf-8")
            _, _, where_gb = _where_undecodable(path, "gb18030")
            problems.append(
                Problem(
                    path.name,
                    row,
                    None,
                    found,
                    f"text in UTF-8 or GB18030/GBK, but neither decodes this file (UTF-8 "
                    f"fails at {where}; GB18030 at {where_gb}); pass encoding=... or "
                    f"`--encoding` with the file's encoding, e.g. {COMMON_ENCODINGS}",
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
                enc = _utf16_guess(head) or "utf-16-le"
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
        row, found, where = _where_undecodable(path, enc)
        problems.append(
            Problem(
                path.name,
                row,
                None,
                found,
                f"text in the {enc} encoding, but {where or 'the file'} does not decode; "
                f"give the right encoding ({COMMON_ENCODINGS}) or omit it to detect",
            )
        )
        return None, src
    except pd.errors.EmptyDataError:
        problems.append(
            Problem(path.name, None, None, "", "a header row and data (the file is empty)")
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
                f"as many comma-separated fields as the header ({msg})",
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
                    f"text in GB18030/GBK (detected, because the file is not UTF-8), but "
                    f"{n_odd} of its {n_all} non-ASCII characters are rare ones that text "
                    "in another encoding turns into when read as GB18030 (Renée -> Ren閑): "
                    "pass encoding=... or `--encoding` with the file's encoding, e.g. "
                    "cp1252 (Excel on a Western European system) or big5 (Traditional "
                    "Chinese); if the text above is right, pass --encoding gb18030",
                )
            )
            return None, src
    return df, src


#: Share of rare characters above which GB18030-decoded text is taken for mojibake.
MOJIBAKE_SHARE = 0.25
#: ... and how many rare characters that takes at least (one rare name is not mojibake).
MOJIBAKE_MIN = 3


def _rare_in_gb(ch: str) -> bool:
    """A character outside GB2312 (the 6,763 common simplified hanzi and symbols), or
    kana / vertical punctuation, which Chinese HR exports do not hold."""
    if "\u3040" <= ch <= "\u30ff" or "\ufe10" <= ch <= "\ufe4f":
        return True
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def looks_misdecoded(df: pd.DataFrame) -> tuple[str, str, int, int] | None:
    """Whether text decoded as GB18030 looks like another encoding misread (mojibake).

    GB18030 decodes almost any byte sequence, so a cp1252 (Latin) or Big5
    (Traditional Chinese) file "decodes" into rare characters: ``Renée Müller``
    becomes ``Ren閑 M黮ler``. Real simplified-Chinese exports use the common
    GB2312 characters almost exclusively (a rare name character now and then).
    Flagged when at least :data:`MOJIBAKE_MIN` non-ASCII characters, and more
    than :data:`MOJIBAKE_SHARE` of them, are rare (outside GB2312, or kana).

    Returns
    -------
    tuple or None
        (column, a sample value, rare characters, non-ASCII characters), or
        ``None`` when the text looks right.
    """
    n_odd = n_all = 0
    first: tuple[str, str] | None = None
    for col in [None, *df.columns]:
        if col is None:
            values = [str(c) for c in df.columns]
        else:
            values = [v for v in pd.unique(df[col].dropna()) if isinstance(v, str)]
        for v in values:
            if v.isascii():
                continue
            wide = [c for c in v if ord(c) > 127]
            odd = sum(_rare_in_gb(c) for c in wide)
            n_all += len(wide)
            n_odd += odd
            if odd and first is None:
                first = (str(col) if col is not None else "(header)", v)
    if first is not None and n_odd >= MOJIBAKE_MIN and n_odd > MOJIBAKE_SHARE * n_all:
        return first[0], first[1], n_odd, n_all
    return None


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
    return table.to_pandas(date_as_object=False)


def _read_parquet(path: Path, problems: list[Problem]) -> tuple[pd.DataFrame | None, TableSource]:
    import pyarrow.parquet as pq

    src = TableSource(path.name, 1, "parquet")
    try:
        schema = pq.read_schema(path)
        table = pq.read_table(path, read_dictionary=_string_columns(schema))
    except Exception as exc:  # pyarrow raises several types for a damaged file
        problems.append(Problem(path.name, None, None, "", f"a readable Parquet file ({exc})"))
        return None, src
    return _arrow_to_pandas(table), src


def _read_workbook(path: Path, problems: list[Problem]) -> dict[str, pd.DataFrame] | None:
    if path.suffix.lower() == ".xls":
        problems.append(
            Problem(
                path.name, None, None, "", "an .xlsx workbook: save old .xls files as .xlsx or CSV"
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
        problems.append(Problem(path.name, None, None, "", f"a readable Excel workbook ({exc})"))
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
        problems.append(Problem(path.name, None, None, "", f"a readable DuckDB database ({exc})"))
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
                        f"a readable table or view named {db_name} (reading it fails: {first})",
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
            f"dataset not found: {path} (expected a folder of CSV / Parquet / Excel files, "
            "an Excel workbook, or a .duckdb file)"
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
                    f"{path} is not a dataset: give a folder, an Excel workbook "
                    "(one sheet per table) or a .duckdb file"
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
        for _, (_, f) in found.pop("__workbook__", []):
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
                        f"one source for table {name!r}; keep one of these",
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
            f"{book} has the sheets: {', '.join(names) or 'none'}"
            for book, names in sheet_names.items()
        )
        if path.is_file():
            where = f"{path.name} (sheets: {', '.join(sheet_names.get(path.name, [])) or 'none'})"
        else:
            listing = ", ".join(p.name for p in files[:12]) or "no files"
            where = f"{path.name} (it holds: {listing}{'; ' + books if books else ''})"
    for name in REQUIRED_TABLES:
        if name not in raw and not any(name in p.file for p in problems):
            problems.append(
                Problem(
                    f"{name}.csv",
                    None,
                    None,
                    "",
                    f"the required table {name!r} ({name}.csv, {name}.parquet, {name}.xlsx, "
                    f"a sheet named {name} in a workbook, or a DuckDB table named {name}); "
                    f"not found in {where}",
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
    typed, more = validate_tables(raw, sources)
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

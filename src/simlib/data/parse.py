"""Reading one cell: text, numbers, calendar months, dates and flags as exports write them.

The parsers work on a whole column at once. Text columns are factorized first
and each *distinct* value is parsed once, so a 10.8-million-row sales table with
36 distinct months costs 36 parses plus integer look-ups. Each parser returns
the typed values and masks saying which cells were empty or unreadable;
:mod:`simlib.data.validate` turns the masks into problems with rows and columns.

Spellings accepted, because HR and sales-operations exports (often from Chinese
systems) use them all:

* months: ``2026-01``, ``2026-01-01`` (first of the month), ``2026/01``,
  ``2026/1``, ``2026.01``, ``202601``, ``2026年1月``; a date on another day
  (``2026-01-15``) is flagged separately, because sales facts are monthly; a
  fractional number such as ``2026.1`` is rejected (it may have been 2026.10);
* dates: ``2024-03-01``, ``2024/3/1``, ``2024.03.01``, ``20240301``,
  ``2024年3月1日``, with an optional midnight time; real date cells from Excel,
  Parquet or DuckDB;
* numbers: anything ``pandas.to_numeric`` reads, plus thousands separators
  (``1,234.50``); ``inf`` is flagged; ``95%`` is not a number (rates are fractions);
* flags: true/false, yes/no, 1/0, 是/否; empty means false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simlib.i18n import N_

#: The int64 that stands for "no month" in arrays of month ordinals.
NAT = np.iinfo(np.int64).min

_TRUE = {"true", "t", "yes", "y", "1", "1.0", "是", "真"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "否", "假"}

_TIME = r"(?:[ T]0?0:00(?::00(?:\.0+)?)?)?"
# 2026-01, 2026/1, 2026-01-01 (+ midnight), 2026.01, 2026.01.01, 202601, 20260101.
_MONTH_RE = re.compile(
    r"^(?P<y>\d{4})(?:[-/](?P<m1>\d{1,2})(?:[-/](?P<d1>\d{1,2})" + _TIME + r")?"
    r"|\.(?P<m3>\d{2})(?:\.(?P<d3>\d{2}))?|(?P<m2>\d{2})(?P<d2>\d{2})?)$"
)
# 2024-03-01, 2024/3/1, 2024.03.01, 20240301 (+ midnight).
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})(?:[-/](?P<m1>\d{1,2})[-/](?P<d1>\d{1,2})|\.(?P<m3>\d{2})\.(?P<d3>\d{2})"
    r"|(?P<m2>\d{2})(?P<d2>\d{2}))" + _TIME + "$"
)
# Chinese exports write 2026年1月 and 2024年3月1日.
_CJK_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?$")


def _plain(texts: list[str]) -> pd.Series:
    """Stripped texts with Chinese year/month/day dates rewritten as 2026-1(-1)."""
    s = pd.Series([t.strip() for t in texts], dtype=object)
    cjk = s.str.match(_CJK_RE).fillna(False).to_numpy(dtype=bool)
    if cjk.any():
        s[cjk] = s[cjk].str.replace(
            _CJK_RE, lambda m: "-".join(g for g in m.groups() if g), regex=True
        )
    return s


def _ymd(parts: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Year, month and day (NaN where absent) from a regex extract."""
    y = pd.to_numeric(parts["y"], errors="coerce")
    m = pd.to_numeric(parts["m1"].fillna(parts["m2"]).fillna(parts["m3"]), errors="coerce")
    d = pd.to_numeric(parts["d1"].fillna(parts["d2"]).fillna(parts["d3"]), errors="coerce")
    return y, m, d


_THOUSANDS_RE = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"

#: What a month or a date cell should hold (English; shown through ``simlib.i18n._``).
MONTH_EXPECTED = N_(
    "a calendar month such as 2026-01 (also 2026-01-01, 2026/01, 2026.01, 202601 or 2026年1月)"
)
DATE_EXPECTED = N_(
    "a date such as 2024-03-01 (YYYY-MM-DD; also YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or 2024年3月1日)"
)


@dataclass
class TextCodes:
    """A text column as integer codes into distinct values (-1 = empty).

    Codes are int32 (4 bytes a cell): a loaded table's text columns keep them until
    every check has run, and at tens of millions of rows that is a gigabyte or more."""

    codes: np.ndarray  # int32
    uniques: np.ndarray  # object array of str

    def series(self, dtype: str) -> pd.Series:
        arr = pd.array(self.uniques, dtype=dtype).take(self.codes, allow_fill=True)
        return pd.Series(arr)


def factorize(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for missing) and distinct raw values, fast for categoricals."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(dtype=np.int64), np.asarray(s.cat.categories, dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def cell_text(v: Any) -> str | None:
    """The text a cell holds; ``None`` when empty. Whole-number floats lose their ``.0``."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        if np.isnan(v):
            return None
        if v.is_integer():
            return str(int(v))
    if isinstance(v, (pd.Timestamp,)) or hasattr(v, "isoformat"):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    s = str(v)
    return None if s.strip() == "" else s


def text_codes(s: pd.Series) -> TextCodes:
    """A column as text codes: numbers become their text (``1.0`` -> ``"1"``), dates
    ISO text, and blank or whitespace-only cells empty (code -1)."""
    codes, raw = factorize(s)
    codes = codes.astype(np.int32)
    if isinstance(s.dtype, pd.StringDtype) and not any(v.strip() == "" for v in raw):
        # Text with no blank cell: each distinct value is its own text, in the same order.
        return TextCodes(codes, raw)
    text = np.array([cell_text(v) for v in raw], dtype=object)
    empty = np.array([t is None for t in text], dtype=bool)
    # Distinct raw values may share a text (1 and "1"): merge them.
    text_codes, text_uniques = pd.factorize(pd.Series(np.where(empty, "", text), dtype=object))
    remap = np.where(empty, -1, text_codes)
    new_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)] if len(remap) else -1, -1)
    return TextCodes(new_codes.astype(np.int32), np.asarray(text_uniques, dtype=object))


def missing_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is empty: missing, or text that is only whitespace."""
    m = s.isna().to_numpy().copy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        m |= (s.astype("str").str.strip() == "").fillna(True).to_numpy(dtype=bool)
    return m


def to_number(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """float64 values and a mask of cells that are not a finite number (text, ``inf``)."""
    vals, bad = _parse_number(s)
    bad |= np.isinf(vals.to_numpy(dtype=float))
    return vals, bad


def _parse_number(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64").reset_index(drop=True), np.zeros(len(s), bool)
    missing = missing_mask(s)
    vals = pd.to_numeric(s, errors="coerce")
    if not pd.api.types.is_float_dtype(vals.dtype) or vals.dtype != "float64":
        vals = vals.astype("float64")
    bad = vals.isna().to_numpy() & ~missing
    if bad.any():
        # Exports often carry thousands separators ("1,234.50"): accept that form only.
        idx = np.flatnonzero(bad)
        sub = s.iloc[idx].astype("str").str.strip()
        ok = sub.str.match(_THOUSANDS_RE).fillna(False).to_numpy(dtype=bool)
        if ok.any():
            fixed = pd.to_numeric(sub[ok].str.replace(",", "", regex=False), errors="coerce")
            vals = vals.copy()
            vals.iloc[idx[ok]] = fixed.to_numpy(dtype=float)
            bad[idx[ok]] = False
    return vals.reset_index(drop=True), bad


def month_ordinals(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Months as ordinals of ``Period[M]`` (``NAT`` where unusable), and three masks.

    Returns
    -------
    ordinals : numpy.ndarray of int64
        ``pd.Period(ordinal=o, freq="M")`` for each cell; :data:`NAT` where the
        cell is empty, unreadable or not the first of a month.
    empty, unreadable, mid_month : numpy.ndarray of bool
        Which cells were blank, not a month at all, or a day other than the 1st.
    """
    n = len(s)
    if isinstance(s.dtype, pd.PeriodDtype):
        if s.dtype != pd.PeriodDtype("M"):
            s = s.dt.asfreq("M")
        ords = s.array.asi8.copy()
        return ords, ords == NAT, np.zeros(n, bool), np.zeros(n, bool)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        missing = s.isna().to_numpy()
        not_first = ~missing & ((s.dt.day != 1) | (s.dt.normalize() != s)).to_numpy(dtype=bool)
        ords = np.where(missing, NAT, s.dt.to_period("M").array.asi8)
        return ords, missing, np.zeros(n, bool), not_first
    codes, raw = factorize(s)
    u_ord = np.full(len(raw), NAT, dtype=np.int64)
    u_bad = np.zeros(len(raw), bool)
    u_mid = np.zeros(len(raw), bool)
    u_empty = np.zeros(len(raw), bool)
    texts = []
    for i, v in enumerate(raw):
        if isinstance(v, pd.Period):
            u_ord[i] = v.asfreq("M").ordinal
            texts.append(None)
            continue
        if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"):
            ts = pd.Timestamp(v)
            u_ord[i] = ts.to_period("M").ordinal
            u_mid[i] = ts.day != 1 or ts != ts.normalize()
            texts.append(None)
            continue
        if isinstance(v, float) and not np.isnan(v) and not v.is_integer():
            u_bad[i] = True  # 2026.1 as a number may have been 2026.10: never guess
            texts.append(None)
            continue
        t = cell_text(v)
        if t is None:
            u_empty[i] = True
        texts.append(t)
    todo = [i for i, t in enumerate(texts) if t is not None]
    if todo:
        y, m, d = _ymd(_plain([texts[i] for i in todo]).str.extract(_MONTH_RE))
        ok = y.notna() & m.between(1, 12) & (d.isna() | d.between(1, 31))
        idx = np.asarray(todo)
        okv = ok.to_numpy(dtype=bool)
        u_bad[idx[~okv]] = True
        u_ord[idx[okv]] = ((y[ok] - 1970) * 12 + (m[ok] - 1)).to_numpy(dtype=np.int64)
        u_mid[idx[okv]] = (d[ok].notna() & (d[ok] != 1)).to_numpy(dtype=bool)
    ords = np.where(codes >= 0, u_ord[np.maximum(codes, 0)], NAT) if len(raw) else np.full(n, NAT)
    take = (lambda a: np.where(codes >= 0, a[np.maximum(codes, 0)], False)) if len(raw) else None
    if take is None:
        return ords, np.ones(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    empty = (codes < 0) | take(u_empty)
    bad = take(u_bad)
    mid = take(u_mid)
    ords = np.where(bad | mid | empty, NAT, ords)
    return ords.astype(np.int64), empty, bad, mid


def to_dates(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """datetime64[us] values and masks: empty, not a date."""
    n = len(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        missing = s.isna().to_numpy()
        bad = ~missing & (s.dt.normalize() != s).to_numpy(dtype=bool)
        out = s.astype("datetime64[us]").where(~bad)
        return out.reset_index(drop=True), missing, bad
    codes, raw = factorize(s)
    u_val = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[us]")
    u_bad = np.zeros(len(raw), bool)
    u_empty = np.zeros(len(raw), bool)
    todo_i, todo_t = [], []
    for i, v in enumerate(raw):
        if not isinstance(v, str) and (
            isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat")
        ):
            ts = pd.Timestamp(v)
            if ts != ts.normalize():
                u_bad[i] = True
            else:
                u_val[i] = np.datetime64(ts.to_datetime64(), "us")
            continue
        t = cell_text(v)
        if t is None:
            u_empty[i] = True
        else:
            todo_i.append(i)
            todo_t.append(t.strip())
    if todo_i:
        y, m, d = _ymd(_plain(todo_t).str.extract(_DATE_RE))
        frame = pd.DataFrame({"year": y, "month": m, "day": d})
        complete = frame.notna().all(axis=1)
        parsed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
        if complete.any():
            parsed[complete] = pd.to_datetime(frame[complete], errors="coerce")
        idx = np.asarray(todo_i)
        okv = parsed.notna().to_numpy()
        u_bad[idx[~okv]] = True
        u_val[idx[okv]] = parsed[okv].to_numpy(dtype="datetime64[us]")
    if len(raw) == 0:
        return (
            pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")),
            np.ones(n, bool),
            np.zeros(n, bool),
        )
    pos = np.maximum(codes, 0)
    empty = (codes < 0) | u_empty[pos]
    bad = (codes >= 0) & u_bad[pos]
    vals = np.where(codes >= 0, u_val[pos], np.datetime64("NaT"))
    return pd.Series(vals.astype("datetime64[us]")), empty, bad


def to_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """bool values (empty -> False) and a mask of cells that are no recognised flag."""
    if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
        return s.astype(bool).reset_index(drop=True), np.zeros(len(s), bool)
    codes, raw = factorize(s)
    u_val = np.zeros(len(raw), bool)
    u_bad = np.zeros(len(raw), bool)
    for i, v in enumerate(raw):
        if isinstance(v, (bool, np.bool_)):
            u_val[i] = bool(v)
            continue
        t = cell_text(v)
        if t is None:
            continue  # empty: the default, False
        t = t.strip().lower()
        if t in _TRUE:
            u_val[i] = True
        elif t not in _FALSE:
            u_bad[i] = True
    pos = np.maximum(codes, 0)
    if len(raw) == 0:
        return pd.Series(np.zeros(len(s), bool)), np.zeros(len(s), bool)
    return (
        pd.Series(np.where(codes >= 0, u_val[pos], False)),
        (codes >= 0) & u_bad[pos],
    )

"""How the topic reports write numbers, tables and chart axes for leadership.

One small set: an amount always carries its currency and thousands separators and
no cents; a rate is a percentage; a missing value is a dash with a footnote, never
``NaN``; True/False read as yes/no; column names are words, not code names.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib.data.tenure import TENURE_BANDS
from simlib.i18n import _

#: What a table shows where there is no value (explained in the table's footnote).
MISSING = "–"
#: The tenure bands in the order of time since hire (not alphabetical).
TENURE_ORDER = TENURE_BANDS
#: Amounts at or above this are written in millions in prose ("CNY 11.1 m").
MILLIONS_FROM = i18n.MILLIONS_FROM


def _missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def money(x: Any, currency: str, millions: bool | None = None) -> str:
    """An amount with its currency, thousands separators and no cents:
    ``money(11098060.4, "CNY") == "CNY 11,098,060"``; with ``millions`` (default:
    from :data:`MILLIONS_FROM` up) ``"CNY 11.1 m"``. Negative: ``"-CNY 1,200"``.
    In Chinese the amount is in 元, 万 and 亿 (:func:`simlib.i18n.money`)."""
    if _missing(x):
        return MISSING
    return i18n.money(x, currency, millions)


def signed_money(x: Any, currency: str, millions: bool | None = None) -> str:
    """A change in money: ``"+CNY 1,200"`` / ``"-CNY 1,200"``."""
    if _missing(x):
        return MISSING
    return ("+" if float(x) >= 0 else "") + money(x, currency, millions)


def pct(x: Any, digits: int = 0) -> str:
    """A rate as a percentage: ``pct(0.194) == "19%"``, ``pct(0.194, 1) == "19.4%"``."""
    return MISSING if _missing(x) else i18n.percent(x, digits)


def signed_pct(x: Any, digits: int = 1) -> str:
    """A relative change: ``signed_pct(0.05) == "+5.0%"``."""
    return MISSING if _missing(x) else i18n.percent(x, digits, signed=True)


def points(x: Any, digits: int = 1) -> str:
    """A change of a rate in percentage points: ``points(0.005) == "+0.5 pts"``."""
    if _missing(x):
        return MISSING
    return _("{value} pts").format(value=f"{float(x) * 100:+.{digits}f}")


def number(x: Any, digits: int = 0) -> str:
    """A count or plain number with thousands separators."""
    return MISSING if _missing(x) else i18n.number(x, digits)


def yes_no(x: Any) -> str:
    return MISSING if _missing(x) else (_("yes") if bool(x) else _("no"))


def kpi_value(x: Any, unit: str, currency: str, millions: bool | None = None) -> str:
    """A KPI's value by its unit: money for currency KPIs, % for rates, a count otherwise."""
    if unit == "currency":
        return money(x, currency, millions)
    if unit == "rate":
        return pct(x, 1)
    return number(x)


def kpi_change(x: Any, unit: str) -> str:
    """A KPI's change on last year: relative (+5.0%) for summed KPIs, points for rates."""
    return points(x) if unit == "rate" else signed_pct(x)


def ordered_tenure(values: Sequence[str]) -> list[str]:
    """Tenure band labels in the order of time since hire; unknown labels last."""
    known = [t for t in TENURE_ORDER if t in set(values)]
    return known + sorted(set(values) - set(known))


@dataclass
class Table:
    """A table ready for a reader: text cells, human column names, no index numbers,
    and a footnote under it (always when a cell is missing)."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    title: str = ""

    def _repr_html_(self) -> str:
        body = self.frame.style.hide(axis="index").to_html()
        head = f"<p><strong>{html.escape(self.title)}</strong></p>" if self.title else ""
        foot = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in self.notes)
        return head + body + foot

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def table(
    df: pd.DataFrame,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    names: Mapping[str, str] | None = None,
    missing_note: str | None = None,
    notes: Sequence[str] = (),
    title: str = "",
) -> Table:
    """A :class:`Table` from a frame: the index becomes ordinary columns, each column
    in ``formats`` is written by its function, True/False become yes/no, a missing
    value becomes :data:`MISSING` and the footnote says what it means
    (``missing_note``); columns are renamed by ``names``."""
    formats = dict(formats or {})
    out = df.reset_index() if _has_named_index(df) else df.reset_index(drop=True)
    shown = pd.DataFrame(index=out.index)
    any_missing = False
    for c in out.columns:
        col = out[c]
        f = formats.get(c)
        cells = []
        for v in col:
            if _missing(v) or (isinstance(v, str) and v == MISSING):
                cells.append(MISSING)
                any_missing = True
            elif f is not None:
                cells.append(f(v))
            elif isinstance(v, bool | np.bool_):
                cells.append(yes_no(v))
            elif isinstance(v, float | np.floating):
                cells.append(number(v, 0 if float(v).is_integer() else 2))
            elif isinstance(v, int | np.integer):
                cells.append(number(v))
            else:
                cells.append(str(v))
        shown[str(c)] = cells
    shown = shown.rename(columns={str(k): v for k, v in (names or {}).items()})
    all_notes = list(notes)
    if any_missing:
        note = _("no value") if missing_note is None else missing_note
        all_notes.append(f"{MISSING} {note}" + ("。" if i18n.is_chinese() else "."))
    return Table(shown, all_notes, title)


def _has_named_index(df: pd.DataFrame) -> bool:
    return any(n is not None for n in df.index.names)


# ------------------------------------------------------------------ charts
def clip_limits(values: Any, low_q: float = 0.01, high_q: float = 0.99) -> tuple[float, float, int]:
    """Axis limits that keep a few outliers from squashing a chart: the ``low_q`` and
    ``high_q`` quantiles of the finite values, and how many values fall outside
    (say so in a note under the chart). Nothing is clipped when the spread is narrow."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return 0.0, 1.0, 0
    lo, hi = float(np.quantile(v, low_q)), float(np.quantile(v, high_q))
    full_lo, full_hi = float(v.min()), float(v.max())
    # Clip only when the extremes would take more than twice the room of the bulk.
    if (full_hi - full_lo) <= 2 * max(hi - lo, 1e-12):
        return full_lo, full_hi, 0
    return lo, hi, int(((v < lo) | (v > hi)).sum())


def clip_note(n_outside: int, what: str) -> str:
    """The note under a clipped chart, or "" when nothing was clipped."""
    if not n_outside:
        return ""
    return _("{n} {what} outside the axis range are not drawn (the axis is clipped).").format(
        n=i18n.number(n_outside), what=what
    )


def money_axis(ax, currency: str, axis: str = "y") -> None:
    """Tick labels of a money axis in millions or thousands with the currency, so that
    long numbers never run into each other."""
    from matplotlib.ticker import FuncFormatter

    chinese = i18n.is_chinese()

    def f(v, _pos):
        a = abs(v)
        if chinese:  # 万 and 亿, the units a Chinese reader counts money in
            if a >= 1e8:
                return f"{v / 1e8:,.1f}亿"
            if a >= 1e4:
                return f"{v / 1e4:,.0f}万"
            return f"{v:,.0f}"
        if a >= 1e6:
            return f"{v / 1e6:,.1f} m"
        if a >= 1e3:
            return f"{v / 1e3:,.0f} k"
        return f"{v:,.0f}"

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(f))
    label = (ax.get_ylabel() if axis == "y" else ax.get_xlabel()) or _("amount")
    shown = "元" if chinese and currency.upper() in ("CNY", "RMB") else currency
    if shown not in label:
        (ax.set_ylabel if axis == "y" else ax.set_xlabel)(f"{label} ({shown})")


def percent_axis(ax, axis: str = "y", digits: int = 0) -> None:
    """Tick labels of a rate axis as percentages (values are fractions)."""
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(
        PercentFormatter(1.0, decimals=digits)
    )

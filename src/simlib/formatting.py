"""Numbers, labels and tables as a reader of a leadership report expects them.

One place for how an amount, a rate or a table looks on every page: money in the
dataset's currency with thousands separators and no cents (millions where large),
rates as percentages, changes of rates in percentage points, a dash for a value
that does not exist (never ``NaN``, ``nan`` or ``inf``), column names in words
(never ``snake_case``), categories in their natural order (tenure ``<1y`` before
``1-3y``), and chart axes in millions of the currency.

>>> money(11_098_060, "CNY")
'CNY 11.1 m'
>>> money(539_200.4, "CNY")
'CNY 539,200'
>>> pct(0.597)
'59.7%'
>>> points(0.0123)
'+1.2 pts'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib.data.tenure import TENURE_BANDS
from simlib.i18n import N_, _

#: What a missing or undefined value reads as on a page (an en dash).
MISSING = "\u2013"
#: The footnote every table with a missing value carries.
MISSING_NOTE = f"{MISSING} : no value (the group or design has none to show)."
#: Amounts at or above this (in absolute value) are shown in millions.
MILLIONS_FROM = 1_000_000


def _bad(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def money(value: Any, currency: str | None = None, *, exact: bool = False, sign: bool = False,
          digits: int = 1) -> str:  # fmt: skip
    """An amount in ``currency`` (an ISO code such as ``CNY``), no cents.

    ``exact=False`` (default) shows amounts of a million or more in millions with
    ``digits`` decimals (``CNY 11.1 m``); smaller amounts and ``exact=True`` show
    every unit with thousands separators (``CNY 11,098,060``). ``sign`` puts a
    ``+`` before positive amounts (for changes). Missing values read as a dash.
    """
    if _bad(value):
        return MISSING
    v = float(value)
    if i18n.is_chinese():
        return _money_zh(v, currency, exact=exact, sign=sign)
    s = "+" if sign and v > 0 else ("-" if v < 0 else "")
    a = abs(v)
    if not exact and a >= MILLIONS_FROM:
        body = f"{a / 1e6:,.{digits}f} m"
    else:
        body = f"{round(a):,.0f}"
    if body.strip("0.,m ") == "" and s == "-":
        s = ""  # "-0" reads as a loss that is not there
    return f"{s}{currency} {body}" if currency else f"{s}{body}"


def _money_zh(v: float, currency: str | None, exact: bool = False, sign: bool = False) -> str:
    """An amount in Chinese: 元, from 10,000 in 万 and from 100,000,000 in 亿
    (``1,110万元``); ``exact`` keeps every yuan (``11,098,060元``)."""
    text = i18n.money(v, currency or "CNY", large=False if exact else None)
    if not currency:
        text = text.removesuffix("元")
    if text.lstrip("-").strip("0.,元万亿 ") == "":
        text = text.lstrip("-")  # "-0" reads as a loss that is not there
    elif sign and v > 0:
        text = "+" + text
    return text


def _money_pm_zh(diff: float, half: float | None, currency: str | None) -> str:
    """A change and its half-width in one Chinese unit: ``+1.86万元 ± 0.14万元`` (万 or
    亿 chosen by the larger of the two; below 1万 both to the yuan)."""
    big = max(abs(diff), half or 0.0)
    if big < 1e4:
        head = money(diff, currency, sign=True, exact=True)
        return head if half is None else f"{head} ± {money(half, currency, exact=True)}"
    div, unit = (1e8, "亿") if big >= 1e8 else (1e4, "万")
    yuan = (currency or "CNY").upper() in ("CNY", "RMB", "元")
    pre, post = ("", unit + "元") if yuan else (f"{currency} ", unit)

    def amount(x: float) -> str:
        v = abs(x) / div
        digits = 0 if v >= 100 else (1 if v >= 10 else 2)
        text = f"{v:,.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    a = amount(diff)
    sign = "" if a.strip("0.,") == "" else ("+" if diff > 0 else "-")
    head = f"{sign}{pre}{a}{post}"
    return head if half is None else f"{head} ± {pre}{amount(half)}{post}"


def money_interval(low: Any, high: Any, currency: str | None = None, *, sign: bool = True) -> str:
    """``+CNY 2.9 m to +CNY 3.1 m``: an interval of amounts, both ends in the same style."""
    if _bad(low) or _bad(high):
        return MISSING
    exact = max(abs(float(low)), abs(float(high))) < MILLIONS_FROM
    return _("{low} to {high}").format(
        low=money(low, currency, sign=sign, exact=exact and not i18n.is_chinese()),
        high=money(high, currency, sign=sign, exact=exact and not i18n.is_chinese()),
    )


def money_pm(diff: Any, half: Any, currency: str | None = None, scale: Any = None) -> str:
    """A change with its 95% half-width, both in the same unit: ``+CNY 2.9 m ± 0.12 m``
    when the change, the half-width or ``scale`` (the amount the change is of, e.g. the
    baseline's cost) is a million or more; else ``+CNY 539 ± 12``."""
    if _bad(diff):
        return MISSING
    big = max(abs(float(diff)), 0 if _bad(half) else abs(float(half)),
              0 if _bad(scale) else abs(float(scale))) >= MILLIONS_FROM  # fmt: skip
    if i18n.is_chinese():
        return _money_pm_zh(float(diff), None if _bad(half) else abs(float(half)), currency)
    if big:
        d = float(diff) / 1e6
        s = "+" if round(d, 1) > 0 else ("-" if round(d, 1) < 0 else "")
        head = f"{s}{currency + ' ' if currency else ''}{abs(d):,.1f} m"
        if _bad(half):
            return head
        h = float(half) / 1e6
        return f"{head} ± {h:,.{2 if h < 1 else 1}f} m"
    head = money(diff, currency, sign=True, exact=True)
    return head if _bad(half) else f"{head} ± {money(half, None, exact=True)}"


def pct(value: Any, digits: int = 1, *, sign: bool = False) -> str:
    """A rate (a fraction: 0.597) as a percentage (``59.7%``)."""
    if _bad(value):
        return MISSING
    v = float(value)
    if round(v * 100, digits) == 0:
        v = 0.0  # "-0.0%" reads as a loss that is not there
    return f"{v:{'+' if sign else ''}.{digits}%}"


def points(value: Any, digits: int = 1) -> str:
    """A change of a rate in percentage points, signed (``+1.2 pts``)."""
    if _bad(value):
        return MISSING
    v = float(value) * 100
    if round(v, digits) == 0:
        v = 0.0
    return _("{points} pts").format(points=f"{v:+.{digits}f}")


def number(value: Any, digits: int = 2, *, sign: bool = False) -> str:
    """A plain number (a correlation, a Gini) with ``digits`` decimals."""
    if _bad(value):
        return MISSING
    v = float(value)
    if round(v, digits) == 0:
        v = 0.0
    return f"{v:{'+' if sign else ''},.{digits}f}"


def multiple(value: Any, digits: int = 2) -> str:
    """A multiple of something (pay over target incentive): ``1.94x``."""
    if _bad(value):
        return MISSING
    return f"{float(value):.{digits}f}x"


def count(value: Any) -> str:
    """A whole number with thousands separators."""
    if _bad(value):
        return MISSING
    return f"{round(float(value)):,d}"


# ------------------------------------------------------------------ labels
#: Column and index names as words. Anything not listed is turned into words by
#: :func:`label` (``share_sd`` -> ``Share sd``); list a name here when that is not enough.
LABELS: dict[str, str] = {
    "rep_id": N_("Rep"),
    "unit_id": N_("Unit"),
    "kpi": N_("KPI"),
    "reps": N_("Reps"),
    "scenario": N_("Design"),
    "design": N_("Design"),
    "by": N_("Grouped by"),
    "group": N_("Group"),
    "region": N_("Region"),
    "tenure": N_("Tenure"),
    "gender": N_("Gender"),
    "quartile": N_("Performance quartile"),
    "weight_from": N_("Weight before"),
    "weight_to": N_("Weight after"),
    "top_changed": N_("Top grade changed"),
    "share_sd": N_("Share (standard deviation)"),
    "mean": N_("Mean"),
    "p5": N_("P5"),
    "p50": N_("Median"),
    "p95": N_("P95"),
    "se": N_("Standard error"),
}


def label(name: Any) -> str:
    """A column or index name in words: ``weight_from`` -> ``Weight before``,
    ``share_at_quota`` -> ``Share at quota``, ``mean`` -> ``Mean``. Names already
    written as words (with spaces, capitals or punctuation) are kept as they are."""
    text = str(name)
    if text in LABELS:
        return _(LABELS[text])
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        return _(text) if text else text
    words = text.replace("_", " ").strip()
    said = _(words)  # a catalog message in lower case ("reference") ...
    if said != words:
        return said
    return _(words[:1].upper() + words[1:])  # ... or as a heading ("Reference")


#: Natural orders of categories the reports group by.
ORDERS: dict[str, tuple[str, ...]] = {
    "tenure": TENURE_BANDS,
    "quartile": ("Q1 (bottom)", "Q2", "Q3", "Q4 (top)"),
}


def ordered(values: Iterable[Any], kind: str | None = None) -> list[str]:
    """``values`` (category labels) in their natural order.

    Tenure bands go ``<1y, 1-3y, 3-5y, 5y+`` and quartiles bottom to top whatever
    ``kind`` says; other labels keep their order of first appearance, except that
    labels which all start with a number (``1-3y``, ``10-20``) sort by that number.
    """
    vals = [str(v) for v in dict.fromkeys(values)]
    for order in ([*ORDERS[kind]] if kind in ORDERS else [], *map(list, ORDERS.values())):
        if order and set(vals) <= set(order):
            return [v for v in order if v in vals]
    lead = [re.match(r"^[<>]?\s*(\d+(?:\.\d+)?)", v) for v in vals]
    if vals and all(lead):
        key = {v: (float(m.group(1)) - (0.5 if v.startswith("<") else 0)) for v, m in
               zip(vals, lead, strict=True)}  # fmt: skip
        return sorted(vals, key=key.__getitem__)
    return vals


# ------------------------------------------------------------------ tables
def cell(value: Any) -> Any:
    """One table cell as a reader sees it: a dash for missing, yes/no for booleans."""
    if isinstance(value, bool | np.bool_):
        return _("yes") if value else _("no")
    if value is None:
        return MISSING
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return MISSING
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "none", "n/a"):
        return MISSING
    return value


def tidy_table(
    df: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, Any] | None = None,
    keep: Iterable[str] = (),
) -> pd.DataFrame:
    """A table ready for a leadership page: the index made into ordinary columns,
    every column name in words, booleans as yes/no, missing values as a dash, and
    ``formats`` (column -> function of one value) applied. Names in ``keep`` (design
    names, which must read the same on every page) are shown as they are.

    The result's ``attrs["missing"]`` says whether any dash stands for a missing
    value (so the page adds :data:`MISSING_NOTE`).
    """
    out = df.copy()
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        names = [n if n is not None else "" for n in out.index.names]
        out.index.names = [n or f"_level{i}" for i, n in enumerate(names)]
        out = out.reset_index()
        out.columns = [("" if str(c).startswith("_level") else c) for c in out.columns]
    for col, f in (formats or {}).items():
        if col in out:
            out[col] = out[col].map(lambda v, f=f: MISSING if _bad_cell(v) else f(v))
    missing = bool(out.map(_bad_cell).to_numpy().any()) if len(out) else False
    out = out.map(cell)
    kept = [str(k) for k in keep]
    names = {**LABELS, **(labels or {}), **{k: k for k in kept}}

    def name(c: Any) -> str:
        text = names.get(str(c), label(c))
        if str(c) in kept or any(text.startswith(f"{k}:") for k in kept):
            return text
        text = _(text) if text else text
        return text[:1].upper() + text[1:]

    out.columns = [name(c) for c in out.columns]
    out.attrs["missing"] = missing
    return out


def _bad_cell(v: Any) -> bool:
    if isinstance(v, bool | np.bool_) or v is None:
        return v is None
    if isinstance(v, float | np.floating):
        return not np.isfinite(v)
    if isinstance(v, str):
        return v.strip().lower() in ("nan", "inf", "-inf", "none", "n/a", MISSING)
    return False


def missing_note() -> str:
    """:data:`MISSING_NOTE` in the language in force."""
    return _("{dash} : no value (the group or design has none to show).").format(dash=MISSING)


def html_table(df: pd.DataFrame, caption: str | None = None, **tidy: Any) -> str:
    """:func:`tidy_table` as HTML without the pandas index, with the missing-value
    footnote when a dash stands for a missing value."""
    from html import escape

    t = tidy_table(df, **tidy)
    body = t.to_html(index=False, escape=True, border=0, classes="simlib-table", na_rep=MISSING)
    cap = f"<p class='simlib-caption'>{escape(caption)}</p>" if caption else ""
    note = f"<p class='simlib-note'>{escape(missing_note())}</p>" if t.attrs["missing"] else ""
    return cap + body + note


class Table:
    """A table a notebook displays (``display(Table(df))``): rendered by
    :func:`html_table` in HTML and as plain text elsewhere."""

    def __init__(self, df: pd.DataFrame, caption: str | None = None, **tidy: Any) -> None:
        self.df, self.caption, self.tidy = df, caption, tidy

    def _repr_html_(self) -> str:
        return html_table(self.df, self.caption, **self.tidy)

    def __repr__(self) -> str:
        return tidy_table(self.df, **self.tidy).to_string(index=False)


def summary_box(lines: Sequence[str]) -> str:
    """The summary a page opens with, as HTML: one line per entry, ``**bold**`` kept."""
    from html import escape

    body = "<br>".join(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(x)) for x in lines)
    return f"<div class='simlib-summary'>{body}</div>"


# ------------------------------------------------------------------ charts
def money_axis(ax: Any, currency: str | None = None, axis: str = "x") -> None:
    """Ticks of ``ax``'s ``axis`` as amounts in millions (``12.5``) with the currency
    and unit in the axis label, so tick labels stay short and never run together."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    zh = i18n.is_chinese()
    div = 1e4 if zh else 1e6
    target.set_major_formatter(
        FuncFormatter(lambda v, _pos: f"{v / div:,.1f}".rstrip("0").rstrip("."))
    )
    target.set_major_locator(MaxNLocator(nbins=6))
    lab = target.get_label().get_text()
    if zh:
        unit = "万元" if (currency or "CNY").upper() in ("CNY", "RMB") else f"{currency} 万"
    else:
        unit = f"{currency} m" if currency else "millions"
    if unit not in lab:
        target.set_label_text(f"{lab} ({unit})" if lab else unit)


def percent_axis(ax: Any, axis: str = "x", scale: float = 1.0) -> None:
    """Ticks of ``ax``'s ``axis`` as percentages; ``scale`` = 100 when data are in %."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100 / scale:,.0f}%"))
    target.set_major_locator(MaxNLocator(nbins=7))


def clip_range(values: Sequence[float] | np.ndarray, q: float = 0.99,
               floor: float | None = None) -> tuple[float, float, int]:  # fmt: skip
    """An axis range that holds all but the outliers: ``(low, high, n_outside)``.

    ``high`` is the ``q`` quantile (with 5% headroom) when values beyond it would
    squash the rest (the maximum is over 1.5 times the quantile's distance from the
    low end); otherwise the maximum. ``n_outside`` says how many points fall beyond,
    for the note under the chart.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (0.0, 1.0, 0)
    lo = float(v.min()) if floor is None else float(floor)
    top, hi = float(v.max()), float(np.quantile(v, q))
    if hi > lo and (top - lo) > 1.5 * (hi - lo):
        high = hi + 0.05 * (hi - lo)
        return (lo, high, int((v > high).sum()))
    return (lo, top + 0.02 * max(top - lo, 1e-9), 0)

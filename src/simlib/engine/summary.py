"""The printed summary of a simulation: a header block and the metric table.

Modelled on ``statsmodels.iolib.summary.Summary``: the summary holds its
``tables`` (pandas frames of strings: the header, then the metrics), renders them
as plain text (:meth:`Summary.as_text`, also ``str()``) or HTML
(:meth:`Summary.as_html`, what a notebook shows through ``_repr_html_``), and keeps
the numbers it shows in :attr:`Summary.frame`. The words follow the report
language (:mod:`simlib.i18n`); metric names are the per-draw columns' keys.

Numbers are written with four decimals below 1,000 and as whole numbers with
thousands grouped from 1,000 on; a missing value is a dash.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd

from simlib.i18n import N_, _

#: Header rows: (label, provenance key).
HEADER = (
    (N_("Scenario"), "scenario"),
    (N_("Draws"), "draws"),
    (N_("Seed"), "seed"),
    (N_("Reps"), "reps"),
    (N_("Data hash"), "data_hash"),
    (N_("Code version"), "simlib_version"),
)
#: Metric table columns: (label, column of :meth:`SimulationResult.summary_frame`).
COLUMNS = (
    (N_("mean"), "mean"),
    (N_("P5"), "p5"),
    (N_("P50"), "p50"),
    (N_("P95"), "p95"),
    (N_("std. error"), "se"),
)
MISSING = "–"


def number(x: Any) -> str:
    """A summary number: four decimals below 1,000, whole and grouped from 1,000."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(v):
        return MISSING
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4f}"


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(width - _width(text), 0)
    return fill + text if right else text + fill


class Summary:
    """A simulation's summary: ``tables`` (header, metrics), as text or HTML.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per metric: ``mean``, ``p5``, ``p50``, ``p95``, ``se``, ``band_low``,
        ``band_high`` (what :meth:`SimulationResult.summary_frame` returns).
    provenance : mapping
        The result's provenance (scenario, draws, seed, reps, data hash, version).
    """

    def __init__(self, frame: pd.DataFrame, provenance: Mapping[str, Any]) -> None:
        self.frame = frame
        self.provenance = dict(provenance)
        self.title = _("Simulation results")
        self.tables: list[pd.DataFrame] = [self._header(), self._metrics()]
        self.extra_txt: list[str] = []

    def _header(self) -> pd.DataFrame:
        rows = []
        for label, key in HEADER:
            v = self.provenance.get(key)
            rows.append((_(label), MISSING if v is None else str(v)))
        return pd.DataFrame(rows, columns=["", ""])

    def _metrics(self) -> pd.DataFrame:
        f = self.frame
        out = pd.DataFrame(index=pd.Index([str(k) for k in f.index], name=_("metric")))
        for label, col in COLUMNS:
            out[_(label)] = [number(v) for v in f[col]] if col in f else MISSING
        low = f["band_low"] if "band_low" in f else pd.Series(float("nan"), index=f.index)
        high = f["band_high"] if "band_high" in f else pd.Series(float("nan"), index=f.index)
        out[_("reference band")] = [
            "" if pd.isna(a) or pd.isna(b) else f"{number(a)} – {number(b)}"
            for a, b in zip(low, high, strict=True)
        ]
        return out

    def add_extra_txt(self, lines: list[str]) -> None:
        """Notes printed under the tables."""
        self.extra_txt.extend(lines)

    # ------------------------------------------------------------- rendering
    def as_text(self) -> str:
        """The summary as plain text (fixed-width columns)."""
        head, metrics = self.tables
        w = max(_width(str(a)) for a in head.iloc[:, 0])
        header = [f"{_pad(str(a), w)}  {b}" for a, b in head.itertuples(index=False)]
        body = metrics.reset_index().astype(str)
        cols = [str(c) for c in body.columns]
        widths = [max(_width(c), *(_width(v) for v in body[c])) for c in body.columns]
        rule_w = sum(widths) + 2 * (len(cols) - 1)

        def row(values: list[str]) -> str:
            cells = [_pad(values[0], widths[0])]
            cells += [_pad(v, wd, right=True) for v, wd in zip(values[1:], widths[1:], strict=True)]
            return "  ".join(cells).rstrip()

        pad = max(rule_w - _width(self.title), 0) // 2
        lines = [" " * pad + self.title, "=" * rule_w, *header, "-" * rule_w, row(cols)]
        lines.append("-" * rule_w)
        lines += [row(list(r)) for r in body.itertuples(index=False)]
        lines.append("=" * rule_w)
        lines += self.extra_txt
        return "\n".join(lines)

    def as_html(self) -> str:
        """The summary as HTML: a caption and two tables."""
        head, metrics = self.tables
        esc = html.escape
        rows = "".join(
            f"<tr><th>{esc(str(a))}</th><td>{esc(str(b))}</td></tr>"
            for a, b in head.itertuples(index=False)
        )
        parts = [
            f'<table class="simlib-summary"><caption>{esc(self.title)}</caption>{rows}</table>',
            metrics.to_html(classes="simlib-summary", escape=True),
        ]
        parts += [f"<p>{esc(t)}</p>" for t in self.extra_txt]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return f'{type(self)}\n"""\n{self.as_text()}\n"""'

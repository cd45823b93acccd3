"""What each dataset table holds: its columns, their types, which are required, their ranges.

This is the one description of the tables. :mod:`simlib.data.validate` coerces and
checks raw files by it, :mod:`simlib.data.dataset` takes its table and column lists
from it, and ``simlib docs`` writes ``docs/formats/dataset.md`` from it, so the
checks, the in-memory contract and the reference cannot say different things.

A column's ``kind`` is one of

* ``"id"``: text naming something; spaces around it are reported and stripped;
* ``"text"``: free text;
* ``"enum"``: one of ``allowed`` (read case-insensitively);
* ``"number"``: a finite float; ``"date"``: a day; ``"month"``: a calendar month;
* ``"bool"``: true/false.
"""

from __future__ import annotations

from dataclasses import dataclass

from simlib.i18n import N_

__all__ = [
    "KPI_AGGREGATIONS",
    "KPI_DIRECTIONS",
    "KPI_UNITS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "REQUIRED_TABLES",
    "SPECS",
    "TABLES",
    "Column",
    "TableSpec",
]

KPI_DIRECTIONS = ("higher", "lower")
KPI_UNITS = ("currency", "count", "rate")
KPI_AGGREGATIONS = ("sum", "mean")

#: The type of each kind in words, as the format reference shows it.
KIND_WORDS: dict[str, str] = {
    "id": "text",
    "text": "text",
    "enum": "text",
    "number": "number",
    "date": "date (YYYY-MM-DD)",
    "month": "month (YYYY-MM)",
    "bool": "true/false",
}


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name : str
        The column's name in the file.
    kind : str
        ``id``, ``text``, ``enum``, ``number``, ``date``, ``month`` or ``bool``.
    required : bool
        The column must be in the file (optional ones may be left out).
    nullable : bool
        Cells may be empty.
    allowed : tuple of str
        For ``enum``: the values accepted.
    meaning : str
        For ``enum``: what the value says, for the problem text.
    minimum, maximum : float or None
        For ``number``: the range a value must lie in (inclusive).
    range_text : str
        The range as the format reference states it.
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    meaning: str = ""
    minimum: float | None = None
    maximum: float | None = None
    range_text: str = ""

    def rules(self, key: tuple[str, ...] = ()) -> str:
        """The column's rules in words for the format reference."""
        out = []
        if self.allowed:
            out.append(f"one of {', '.join(self.allowed)}")
        if self.range_text:
            out.append(self.range_text)
        if key == (self.name,):
            out.append("unique")
        return "; ".join(out)


@dataclass(frozen=True)
class TableSpec:
    """One table: its columns, its key, and what else it admits.

    Attributes
    ----------
    name : str
        The table's name (``sales``): the file stem, sheet or DuckDB table.
    columns : tuple of Column
        In the order they are read (and problems listed).
    key : tuple of str
        The columns that identify a row (one row per key).
    required : bool
        Every dataset has this table.
    extra_columns : bool
        Further columns are kept (``reps``: optional attributes).
    one_of : tuple of str
        Each row fills exactly one of these columns (a unit's or a rep's row).
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = True
    extra_columns: bool = False
    one_of: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


def _id(name: str, **kw) -> Column:
    return Column(name, "id", **kw)


def _enum(name: str, allowed: tuple[str, ...], meaning: str) -> Column:
    return Column(name, "enum", allowed=allowed, meaning=meaning)


def _optional_id(name: str) -> Column:
    return Column(name, "id", required=False, nullable=True)


SPECS: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "kpis",
            (
                _id("kpi"),
                _enum("direction", KPI_DIRECTIONS, N_("whether higher or lower is better")),
                _enum("unit", KPI_UNITS, N_("the KPI's unit")),
                _enum("aggregation", KPI_AGGREGATIONS, N_("how the KPI rolls up")),
                _optional_id("weight_kpi"),
                Column("allow_negative", "bool", required=False, nullable=True),
                Column("label", "text", required=False, nullable=True),
            ),
            key=("kpi",),
        ),
        TableSpec(
            "units",
            (
                _id("unit_id"),
                _id("parent_id", nullable=True),
                Column("level", "text"),
                Column("name", "text"),
            ),
            key=("unit_id",),
        ),
        TableSpec(
            "reps",
            (
                _id("rep_id"),
                _id("unit_id"),
                Column("position", "text"),
                Column("hire_date", "date"),
                Column("exit_date", "date", nullable=True),
                Column(
                    "base_salary",
                    "number",
                    minimum=0.0,
                    range_text="0 or more",
                ),
                Column("grade", "text"),
            ),
            key=("rep_id",),
            extra_columns=True,
        ),
        TableSpec(
            "sales",
            (_id("rep_id"), Column("period", "month"), _id("kpi"), Column("value", "number")),
            key=("rep_id", "period", "kpi"),
        ),
        TableSpec(
            "potential",
            (
                _optional_id("unit_id"),
                _optional_id("rep_id"),
                _id("kpi"),
                Column("value", "number"),
            ),
            key=("unit_id", "rep_id", "kpi"),
            required=False,
            one_of=("unit_id", "rep_id"),
        ),
        TableSpec(
            "targets",
            (
                _optional_id("unit_id"),
                _optional_id("rep_id"),
                Column("period", "month"),
                _id("kpi"),
                Column("target", "number"),
            ),
            key=("unit_id", "rep_id", "period", "kpi"),
            required=False,
            one_of=("unit_id", "rep_id"),
        ),
        TableSpec(
            "competence",
            (
                _id("rep_id"),
                Column("period", "month"),
                Column("item", "text"),
                Column(
                    "score",
                    "number",
                    minimum=1.0,
                    maximum=5.0,
                    range_text="a score on the 1-5 scale",
                ),
            ),
            key=("rep_id", "period", "item"),
            required=False,
        ),
    )
}

#: Tables a dataset folder holds, in the order they are checked.
TABLES: tuple[str, ...] = tuple(SPECS)
REQUIRED_TABLES: tuple[str, ...] = tuple(t for t, s in SPECS.items() if s.required)
#: Required columns per table. Extra columns are allowed only in ``reps``
#: (optional attributes) and are rejected elsewhere.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    t: tuple(c.name for c in s.columns if c.required) for t, s in SPECS.items()
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    t: tuple(c.name for c in s.columns if not c.required) for t, s in SPECS.items()
}

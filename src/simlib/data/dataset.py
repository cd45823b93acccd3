"""The :class:`Dataset`: a sales force's org units, reps, KPIs and monthly sales.

The tables are tidy and long (``docs/formats/dataset.md``). KPI names come from the data,
never from code: every module asks ``ds.kpis`` what a KPI's direction, unit and
roll-up rule are.

In-memory dtypes (what every module may rely on once a Dataset exists):

=============  ==================================================================
table          columns and dtypes
=============  ==================================================================
``kpis``       ``kpi`` str (unique); ``direction`` "higher" | "lower";
               ``unit`` "currency" | "count" | "rate"; ``aggregation`` "sum" |
               "mean"; ``weight_kpi`` str or <NA> (weights a "mean"; <NA> means
               headcount); ``allow_negative`` bool; ``label`` str (display name)
``units``      ``unit_id`` str (unique); ``parent_id`` str or <NA> (root);
               ``level`` str (company, region, branch, team, ...); ``name`` str
``reps``       ``rep_id`` str (unique); ``unit_id`` str; ``position`` str;
               ``hire_date`` datetime64; ``exit_date`` datetime64 (NaT while
               employed); ``base_salary`` float (annual, dataset currency);
               ``grade`` str; any further columns are optional attributes
               (gender, tenure band, ...) kept as loaded
``sales``      ``rep_id`` str; ``period`` Period[M] (calendar month); ``kpi`` str;
               ``value`` float. Key: (rep_id, period, kpi)
``potential``  optional. ``unit_id`` str or <NA>; ``rep_id`` str or <NA> (exactly
               one of the two per row); ``kpi`` str; ``value`` float
``targets``    optional history of assigned targets. ``unit_id`` / ``rep_id`` as in
               ``potential``; ``period`` Period[M]; ``kpi`` str; ``target`` float
``competence`` optional manager / 360 assessments of capability (the "double
               win" side of appraisal). ``rep_id`` str; ``period`` Period[M] (the
               month the assessment closes); ``item`` str (e.g. "product
               knowledge"); ``score`` float on a 1-5 scale
=============  ==================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

# The tables and their columns are described once, in simlib.data.columns.
from simlib.data.columns import (
    KPI_AGGREGATIONS,
    KPI_DIRECTIONS,
    KPI_UNITS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    REQUIRED_TABLES,
    TABLES,
)
from simlib.i18n import _

__all__ = [
    "KPI_AGGREGATIONS",
    "KPI_DIRECTIONS",
    "KPI_UNITS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "REQUIRED_TABLES",
    "TABLES",
    "Dataset",
    "Format",
]

Format = Literal["csv", "parquet", "excel", "duckdb"]


@dataclass(frozen=True)
class SalesCodes:
    """The sales table as integer codes, one entry per sales row: the rep's position
    in ``ds.reps`` and the KPI's in ``ds.kpi_names`` (-1 when absent; ``int32`` and
    ``int16``), the month as an ordinal (months since 1970-01, ``int32``) and the
    value. Narrow integers: the codes are kept for the dataset's life (9 bytes a row
    beside the value, not 24); combine them into wider keys in ``int64``."""

    rep: np.ndarray
    month: np.ndarray
    kpi: np.ndarray
    value: np.ndarray


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated sales force: KPIs, org units, reps, monthly sales.

    Build one with :func:`simlib.load_dataset` (validates) or
    :func:`simlib.data.synthetic.generate`. The frames are treated as read-only:
    functions that derive something return new frames.

    Attributes
    ----------
    kpis, units, reps, sales : pandas.DataFrame
        See the module docstring for columns and dtypes.
    potential, targets, competence : pandas.DataFrame or None
        Optional tables.
    source : str
        Where the data came from (a path, or ``"synthetic(...)"``), for provenance.
    """

    kpis: pd.DataFrame
    units: pd.DataFrame
    reps: pd.DataFrame
    sales: pd.DataFrame
    potential: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    competence: pd.DataFrame | None = None
    source: str = ""
    # What is derived from the tables (codes, arrays, levels): never handed to a copy made
    # with other tables (``dataclasses.replace``), which starts with its own.
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ basics
    @property
    def kpi_names(self) -> list[str]:
        """KPI names in the order the ``kpis`` table lists them."""
        return list(self.kpis["kpi"])

    @property
    def periods(self) -> pd.PeriodIndex:
        """Every month from the first to the last month with sales, in order."""
        if "periods" not in self._cache:
            p = self.sales["period"]
            self._cache["periods"] = pd.period_range(p.min(), p.max(), freq="M")
        return self._cache["periods"]

    def kpi(self, name: str) -> pd.Series:
        """The ``kpis`` row for one KPI, with a clear error for an unknown name."""
        rows = self.kpis.loc[self.kpis["kpi"] == name]
        if rows.empty:
            raise KeyError(
                _("unknown KPI {name!r}; the dataset has {kpis}").format(
                    name=name, kpis=self.kpi_names
                )
            )
        return rows.iloc[0]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name (optional ones only when loaded)."""
        out = {"kpis": self.kpis, "units": self.units, "reps": self.reps, "sales": self.sales}
        if self.potential is not None:
            out["potential"] = self.potential
        if self.targets is not None:
            out["targets"] = self.targets
        if self.competence is not None:
            out["competence"] = self.competence
        return out

    def __repr__(self) -> str:
        p = self.periods
        span = f"{p[0]}..{p[-1]}" if len(p) else "no sales"
        return (
            f"Dataset({len(self.reps)} reps, {len(self.units)} units, "
            f"KPIs {self.kpi_names}, {len(p)} months {span}, source={self.source!r})"
        )

    # ------------------------------------------------------------- array views
    def sales_array(
        self,
        kpis: list[str] | None = None,
        periods: pd.PeriodIndex | None = None,
        rep_ids: list[str] | np.ndarray | None = None,
    ) -> np.ndarray:
        """Sales as a dense ``float64`` array of shape (reps, periods, kpis).

        Months with no sales row (before hire, after exit) are ``NaN``. Order of
        each axis follows the arguments, defaulting to ``reps.rep_id``,
        :attr:`periods` and :attr:`kpi_names`. This is the bridge from the tidy
        edge to the numpy core.
        """
        kpis = self.kpi_names if kpis is None else list(kpis)
        periods = self.periods if periods is None else pd.PeriodIndex(periods, freq="M")
        rep_ids = self.reps["rep_id"].to_numpy() if rep_ids is None else np.asarray(rep_ids)
        sc = self.sales_codes()
        # Each code looked up once (reps, months, KPIs of the dataset), then spread to
        # the rows by its code; -1 (absent) and codes outside the asked axes drop out.
        rep_at = np.append(pd.Index(rep_ids).get_indexer(self.reps["rep_id"]), -1)
        kpi_at = np.append(pd.Index(kpis).get_indexer(self.kpi_names), -1)
        r, k = rep_at[sc.rep], kpi_at[sc.kpi]
        t = np.full(len(sc.month), -1, dtype=np.int64)
        if len(sc.month):
            lo = int(sc.month.min())
            month_at = pd.Index(np.asarray(periods.asi8, dtype=np.int64)).get_indexer(
                np.arange(lo, int(sc.month.max()) + 1)
            )
            t = month_at[sc.month - lo]
        keep = (r >= 0) & (t >= 0) & (k >= 0)
        out = np.full((len(rep_ids), len(periods), len(kpis)), np.nan)
        out[r[keep], t[keep], k[keep]] = sc.value[keep]
        return out

    def derived(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """What ``build()`` derives from the tables, built on first use and kept on the
        dataset under ``key`` (a tuple naming what it is and everything it depends on
        besides the tables). A copy made with other tables starts without it."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def sales_codes(self) -> SalesCodes:
        """The sales rows as integer codes, built once per dataset (:class:`SalesCodes`)."""
        return self.derived("sales_codes", self._build_sales_codes)

    def _build_sales_codes(self) -> SalesCodes:
        codes = []
        for col, keys in (
            ("rep_id", self.reps["rep_id"].astype(str)),
            ("period", None),
            ("kpi", pd.Index(self.kpi_names)),
        ):
            # Each distinct value looked up once, then spread to the rows by its code.
            rows, uniques = pd.factorize(self.sales[col], use_na_sentinel=False)
            if keys is None:  # months: their ordinals
                at = np.asarray(pd.PeriodIndex(uniques, freq="M").asi8, dtype=np.int64)
            else:
                at = pd.Index(keys).get_indexer(pd.Index(uniques).astype(str))
            codes.append(at[rows])
        rep, month, kpi = codes
        return SalesCodes(
            rep=rep.astype(np.int32),
            month=month.astype(np.int32),
            kpi=kpi.astype(np.int16),
            value=self.sales["value"].to_numpy(dtype=float),
        )

    def employed_mask(self, periods: pd.PeriodIndex | None = None) -> np.ndarray:
        """Boolean (reps, periods): the rep is employed for at least one day of the month."""
        periods = self.periods if periods is None else periods
        # Days, not nanoseconds: an HR placeholder exit date such as 9999-12-31
        # is far outside the nanosecond range (years 1677-2262).
        start = np.asarray(periods.start_time.to_numpy(), dtype="datetime64[D]")
        end = np.asarray(periods.end_time.to_numpy(), dtype="datetime64[D]")
        hire = np.asarray(self.reps["hire_date"].array, dtype="datetime64[D]")
        exit_ = np.asarray(self.reps["exit_date"].array, dtype="datetime64[D]")
        hired = hire[:, None] <= end[None, :]
        not_left = np.isnat(exit_)[:, None] | (exit_[:, None] >= start[None, :])
        return hired & not_left

    # -------------------------------------------------------------------- I/O
    def save(self, path: str | Path, format: Format = "csv", encoding: str = "utf-8") -> Path:
        """Write the dataset to ``path`` as a folder of CSV / Parquet / Excel files,
        or as one DuckDB database file. Written atomically; see
        :func:`simlib.data.io.save_dataset`."""
        from simlib.data.io import save_dataset

        return save_dataset(self, path, format=format, encoding=encoding)

    def content_hash(self) -> str:
        """A stable hash of the tables' contents, for provenance stamps."""
        if "hash" not in self._cache:
            import hashlib

            h = hashlib.sha256()
            for name, df in self.tables().items():
                h.update(name.encode())
                h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
                h.update(",".join(map(str, df.columns)).encode())
            self._cache["hash"] = h.hexdigest()[:16]
        return self._cache["hash"]

"""The typed contract of a Dataset's tables, checked through the one validator.

A Dataset keeps the contract when running its tables through
:func:`simlib.data.validate.validate_tables` finds no problem and gives back the
very same tables, and each column has the dtype its kind (in
:mod:`simlib.data.columns`) promises: numbers float64, dates datetime64, months
Period[M], flags bool, everything else text.
"""

from __future__ import annotations

import pandas as pd

from simlib.data.columns import SPECS
from simlib.data.dataset import Dataset
from simlib.data.validate import validate_tables


def _dtype_ok(kind: str, s: pd.Series) -> bool:
    if kind == "number":
        return s.dtype == "float64"
    if kind == "date":
        return pd.api.types.is_datetime64_dtype(s.dtype)
    if kind == "month":
        return s.dtype == pd.PeriodDtype("M")
    if kind == "bool":
        return s.dtype == bool
    return pd.api.types.is_string_dtype(s.dtype) and s.dtype != object


def assert_typed_contract(ds: Dataset) -> None:
    """Fail with the first breach of the contract by ``ds``'s tables."""
    tables = ds.tables()
    typed, problems = validate_tables(tables)
    assert problems == [], problems[:5]
    for name, df in tables.items():
        pd.testing.assert_frame_equal(typed[name], df.reset_index(drop=True), check_exact=True)
        for col in SPECS[name].columns:
            if col.name in df:
                assert _dtype_ok(col.kind, df[col.name]), (name, col.name, df[col.name].dtype)

"""Reusing a simulation's set-up across designs that differ in their plan only.

A design search simulates many candidates on the same data, targets and settings:
:class:`SetupCache` keeps the set-up parts that do not depend on the plan (see
:func:`simlib.engine.setup.prepare`) for the next candidate, each under a key holding
everything it is computed from.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset

__all__ = ["SetupCache", "file_key", "fingerprint"]


class SetupCache:
    """Set-up parts that do not depend on the plan, kept for the next design.

    The designs a search tries differ in their plan only: the simulated year's
    target rows, the population's grid, the expected sales, the fitted sales model,
    the equity groupings and the appraisal's set-up are the same for each. Each part
    is kept under a key holding everything it is computed from (the dataset itself,
    a fingerprint of the targets' contents, the year, the reps, the settings that
    shape it), so a design that differs in any of those computes its own. The newest
    entry of each kind is kept, with a copy of its key; its arrays are read-only, so a
    run cannot change what the next one reuses. A spec given as a file is keyed by
    the file's contents.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple, Any]] = {}

    def get(self, kind: str, key: tuple, build: Callable[[], Any]) -> Any:
        hit = self._entries.get(kind)
        if hit is not None and _equal(hit[0], key):
            return hit[1]
        value = build()
        _freeze(value)
        # A copy of the key: a caller changing its own list or dict in place between
        # two designs must not change what the first design was keyed by.
        kept = copy.deepcopy(key, {id(x): x for x in key if isinstance(x, Dataset)})
        self._entries[kind] = (kept, value)
        return value

    # A cache travels empty (to a Dask worker with the search's evaluator).
    def __getstate__(self) -> dict[str, Any]:
        return {"_entries": {}}


def _freeze(value: Any, depth: int = 3) -> None:
    """Make the arrays in a kept part read-only: in tuples, lists, dicts and the fields of
    dataclasses (a layout, a sales model), a few levels down."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif depth == 0 or isinstance(value, Dataset | pd.DataFrame | pd.Series | str):
        return
    elif isinstance(value, tuple | list):
        for v in value:
            _freeze(v, depth - 1)
    elif isinstance(value, dict):
        for v in value.values():
            _freeze(v, depth - 1)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _freeze(getattr(value, name, None), depth - 1)


def file_key(spec: Any) -> Any:
    """A spec given as a file keyed by the file's path and contents (it may be edited
    between two designs); any other spec as it is."""
    if isinstance(spec, str | Path) and Path(spec).is_file():
        return (str(Path(spec).resolve()), Path(spec).read_bytes())
    return spec


def _equal(a: Any, b: Any) -> bool:
    """Whether two cache keys are equal: datasets by identity, arrays and containers
    by their contents (a key that cannot be compared is a different key)."""
    if a is b:
        return True
    if isinstance(a, Dataset) or isinstance(b, Dataset):
        return False
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b)
        )
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_equal, a, b))
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return False


def fingerprint(targets: pd.DataFrame | None) -> str | None:
    """A hash of the target rows' contents (``None``: the dataset's own table)."""
    if targets is None:
        return None
    import hashlib

    h = hashlib.sha256(",".join(map(str, targets.columns)).encode())
    h.update(",".join(map(str, targets.dtypes)).encode())  # 10 and "10" hash alike
    h.update(pd.util.hash_pandas_object(targets, index=False).to_numpy().tobytes())
    return h.hexdigest()

"""Objects that derive arrays from their fields once, in ``__post_init__``: sent to a
Dask worker without them, copied for a thread with them."""

from __future__ import annotations

from typing import Any


class RederivedOnUnpickle:
    """Pickled without the attributes named in ``_DERIVED`` (what ``__post_init__``
    derives from the fields), which are derived again on arrival: a partition sent to
    a worker carries its inputs only."""

    _DERIVED: frozenset[str] = frozenset()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()  # type: ignore[attr-defined]


def shallow_copy(obj: Any) -> Any:
    """A new object of ``obj``'s class sharing its attributes, derived ones included
    (``copy.copy`` would go through ``__getstate__``, which leaves those out)."""
    twin = object.__new__(type(obj))
    twin.__dict__.update(obj.__dict__)
    return twin

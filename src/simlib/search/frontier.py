"""The Pareto frontier: designs no other design beats on every axis at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def non_dominated(values: np.ndarray, senses: Sequence[int]) -> np.ndarray:
    """Which points are on the Pareto frontier.

    Parameters
    ----------
    values : (n, m) array
        ``n`` designs, ``m`` axes (contribution, expected cost ...).
    senses : sequence of m ints
        ``+1`` where higher is better, ``-1`` where lower is better.

    Returns
    -------
    (n,) bool array
        ``True`` for each point that no other point dominates (at least as good
        on every axis and strictly better on one). Equal points do not dominate
        each other, so duplicates of a frontier point are all kept. A NaN counts
        as the worst value on its axis.

    Examples
    --------
    >>> non_dominated(np.array([[1.0, 5.0], [2.0, 6.0], [3.0, 4.0]]), [+1, -1]).tolist()
    [True, False, True]
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        # internal: the search passes its evaluations as a (designs, axes) array
        raise ValueError(f"values: expected a (designs, axes) array, got shape {v.shape}")
    s = np.asarray(senses, dtype=float)
    if s.shape != (v.shape[1],) or not np.isin(s, (-1.0, 1.0)).all():
        # internal: the search derives the senses from the goals
        raise ValueError("senses: one +1 (higher is better) or -1 (lower) per axis")
    # Oriented so higher is better everywhere; NaN is worse than anything.
    g = np.where(np.isnan(v), -np.inf, v * s)
    n = len(g)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        at_least = (g >= g[i]).all(axis=1)
        better = (g > g[i]).any(axis=1)
        if (at_least & better).any():
            keep[i] = False
    return keep

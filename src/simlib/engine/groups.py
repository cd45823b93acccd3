"""Groups of reps that must be computed together, and runs of whole groups.

A rep's pay and rating can depend on other reps: the unit of a team component sums
its reps, a forced distribution ranks within its group, calibration adjusts a group.
The smallest sets of reps that must stay together are the connected parts of all
those memberships (a rep in region A and branch B ties A to B); runs of whole sets
can then be computed apart, as blocks of one run (:mod:`simlib.engine.kernel`) or
as partitions on Dask workers (:mod:`simlib.engine.partition`), with the results
of the whole population.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def connected_groups(n: int, memberships: Sequence[np.ndarray]) -> np.ndarray:
    """Per rep (of ``n``), the number of the smallest set of reps it must share a
    group with; ``memberships``: per grouping, each rep's group code (-1: none)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    src, dst, offset = [], [], n
    for codes in memberships:
        has = codes >= 0
        src.append(np.flatnonzero(has))
        dst.append(codes[has] + offset)
        offset += int(codes.max(initial=-1)) + 1
    if not src:
        return np.arange(n)
    s, d = np.concatenate(src), np.concatenate(dst)
    graph = coo_matrix((np.ones(len(s)), (s, d)), shape=(offset, offset))
    _n, labels = connected_components(graph, directed=False)
    return labels[:n]


def pack_groups(group: np.ndarray, n_parts: int) -> list[np.ndarray]:
    """Rows (ascending) of at most ``n_parts`` partitions, none empty, each a union of
    whole groups (``group``: each row's group number).

    Groups are taken in the order of their first row in the roster and cut into runs
    of about equal size (a group goes where the middle of it falls): where the roster
    keeps a unit's reps together, as a roster sorted by region or branch does, each
    partition is one stretch of the roster and draws the random numbers of its own
    blocks of it only (:func:`simlib.engine.sales.block_generators` draws a block
    whole), not a share of every block."""
    ids, first, sizes = np.unique(group, return_index=True, return_counts=True)
    if len(ids) == 0:
        return []
    n = max(1, min(int(n_parts), len(ids)))
    order = np.argsort(first, kind="stable")
    end = np.cumsum(sizes[order])
    middle = end - sizes[order] / 2
    owner = np.empty(len(ids), dtype=np.int64)
    owner[order] = np.minimum((middle * n / end[-1]).astype(np.int64), n - 1)
    part_of = owner[np.searchsorted(ids, group)]
    return [rows for j in range(n) if len(rows := np.flatnonzero(part_of == j))]

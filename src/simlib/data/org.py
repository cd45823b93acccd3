"""The organisation: a tree of units (company → region → branch → team) with reps at the leaves.

:class:`Hierarchy` works on numpy index arrays, so mapping 100,000 reps to their
region is one vectorized lookup. Trees may be unbalanced (a team directly under a
region): level names come from the ``units`` table, and their order is the order
in which they first appear going down from the root.

Roll-ups follow each KPI's rule from the ``kpis`` table: revenue sums; a rate such
as high-value retention is a mean, weighted by a named KPI or by headcount.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.errors import SimlibError
from simlib.i18n import _


class HierarchyError(SimlibError, ValueError):
    """The units table does not form one tree."""


class Hierarchy:
    """A validated tree of org units.

    Parameters
    ----------
    units : pandas.DataFrame
        The ``units`` table (``unit_id``, ``parent_id``, ``level``, ``name``).

    Attributes
    ----------
    unit_ids : numpy.ndarray
        Unit ids, in table order; positions in this array are the unit indices.
    parent : numpy.ndarray
        Index of each unit's parent, ``-1`` for the root.
    depth : numpy.ndarray
        Distance from the root (root = 0).
    levels : list of str
        Level names ordered from the root down (by the smallest depth at which
        each appears).
    """

    def __init__(self, units: pd.DataFrame) -> None:
        ids = units["unit_id"].astype(str).to_numpy()
        index = pd.Index(ids)
        if not index.is_unique:
            dup = index[index.duplicated()].unique().tolist()
            raise HierarchyError(_("units: unit_id values repeat: {ids}").format(ids=dup[:5]))
        parents = units["parent_id"]
        has_parent = parents.notna().to_numpy()
        parent = np.full(len(ids), -1, dtype=np.int64)
        parent[has_parent] = index.get_indexer(parents[has_parent].astype(str))
        orphans = has_parent & (parent < 0)
        if orphans.any():
            raise HierarchyError(
                _("units: parent_id not found for units {ids}").format(
                    ids=ids[orphans][:5].tolist()
                )
            )
        roots = np.flatnonzero(~has_parent)
        if len(roots) != 1:
            raise HierarchyError(
                _(
                    "units: expected exactly one root (a unit with empty parent_id), "
                    "found {n}: {ids}"
                ).format(n=len(roots), ids=ids[roots][:5].tolist())
            )
        depth = np.full(len(ids), -1, dtype=np.int64)
        depth[roots[0]] = 0
        # Breadth-first from the root: vectorized over each generation.
        frontier = roots
        d = 0
        while len(frontier):
            d += 1
            kids = np.flatnonzero(np.isin(parent, frontier))
            kids = kids[depth[kids] < 0]
            depth[kids] = d
            frontier = kids
        if (depth < 0).any():
            raise HierarchyError(
                _(
                    "units: these units are not reachable from the root (a cycle in "
                    "parent_id): {ids}"
                ).format(ids=ids[depth < 0][:5].tolist())
            )
        self.units = units.reset_index(drop=True)
        self.unit_ids = ids
        self.index = index
        self.parent = parent
        self.depth = depth
        self.level_of = units["level"].astype(str).to_numpy()
        self.levels: list[str] = _order_levels(self.level_of, parent, depth)
        self._level_rank = {lvl: i for i, lvl in enumerate(self.levels)}
        self.root = str(ids[roots[0]])
        #: ancestors[i, d]: the index of unit i's ancestor at depth d (-1: none).
        max_depth = int(depth.max())
        anc = np.full((len(ids), max_depth + 1), -1, dtype=np.int64)
        cur = np.arange(len(ids))
        for _level in range(max_depth + 1):
            ok = cur >= 0
            anc[np.flatnonzero(ok), depth[cur[ok]]] = cur[ok]
            cur = np.where(ok, parent[np.maximum(cur, 0)], -1)
        self.ancestors = anc

    @classmethod
    def of(cls, ds: Dataset) -> Hierarchy:
        """The dataset's hierarchy (built once per dataset and cached)."""
        return ds.derived("hierarchy", lambda: cls(ds.units))

    # ------------------------------------------------------------- navigation
    def _idx(self, unit_ids: Iterable[str] | str) -> np.ndarray:
        arr = np.atleast_1d(np.asarray(unit_ids, dtype=object)).astype(str)
        idx = self.index.get_indexer(arr)
        if (idx < 0).any():
            raise KeyError(_("unknown unit_id(s): {ids}").format(ids=arr[idx < 0][:5].tolist()))
        return idx

    def level_rank(self, level: str) -> int:
        """0 for the top level, increasing downwards."""
        try:
            return self._level_rank[level]
        except KeyError:
            raise KeyError(
                _("unknown level {level!r}; levels are {levels}").format(
                    level=level, levels=self.levels
                )
            ) from None

    def children(self, unit_id: str) -> list[str]:
        """Direct children of a unit, in table order."""
        (i,) = self._idx(unit_id)
        return self.unit_ids[self.parent == i].tolist()

    def path_to_root(self, unit_id: str) -> list[str]:
        """The unit, its parent, ... up to the root."""
        (i,) = self._idx(unit_id)
        out = []
        while i >= 0:
            out.append(str(self.unit_ids[i]))
            i = self.parent[i]
        return out

    def subtree(self, unit_id: str) -> list[str]:
        """The unit and every unit below it."""
        (i,) = self._idx(unit_id)
        return self.unit_ids[(self.ancestors == i).any(axis=1)].tolist()

    def ancestor_at(self, unit_ids: Sequence[str] | np.ndarray, level: str) -> np.ndarray:
        """For each unit, the unit that stands for it at ``level``.

        That is the ancestor (or the unit itself) whose level is ``level``. In an
        unbalanced tree a path may skip the level (a team directly under a region
        has no branch); then the highest unit on the path *below* the level
        stands in for it (the team is its own branch). A unit *above* ``level``
        (reps attached directly to a region, rolled up to teams) stands in for
        itself, so roll-ups to any level keep every rep and totals add up.
        """
        rank = self.level_rank(level)
        idx = self._idx(unit_ids)
        anc = self.ancestors[idx]  # (n, depth+1)
        valid = anc >= 0
        lvl_rank = np.full(anc.shape, 10**6)
        ranks = np.array([self._level_rank[x] for x in self.level_of])
        lvl_rank[valid] = ranks[anc[valid]]
        # First column (from the root down) whose rank >= the asked level.
        at_or_below = valid & (lvl_rank >= rank)
        has = at_or_below.any(axis=1)
        col = np.argmax(at_or_below, axis=1)
        picked = anc[np.arange(len(idx)), col]
        out = np.empty(len(idx), dtype=object)
        out[has] = self.unit_ids[picked[has]]
        out[~has] = self.unit_ids[idx[~has]]
        return out

    def units_at(self, level: str) -> list[str]:
        """Units whose level is ``level``, in table order."""
        return self.unit_ids[self.level_of == level].tolist()

    def rep_unit_at(self, reps: pd.DataFrame, level: str) -> pd.Series:
        """For each rep, the unit that stands for their unit at ``level`` (index: rep_id)."""
        return pd.Series(
            self.ancestor_at(reps["unit_id"].to_numpy(), level),
            index=reps["rep_id"].to_numpy(),
            name=f"{level}_id",
        )

    def rep_path(self, reps: pd.DataFrame, rep_id: str) -> list[str]:
        """The rep's unit and its ancestors up to the root."""
        row = reps.loc[reps["rep_id"] == rep_id]
        if row.empty:
            raise KeyError(_("unknown rep_id {rep!r}").format(rep=rep_id))
        return self.path_to_root(str(row["unit_id"].iloc[0]))


def _order_levels(level_of: np.ndarray, parent: np.ndarray, depth: np.ndarray) -> list[str]:
    """Level names from the top down, by which level sits above which.

    Each parent-child pair says "the parent's level is above the child's"; a
    topological order of those relations is the level order, whatever the names
    (an unbalanced tree puts a team and a branch at the same depth, so depth
    alone cannot tell them apart). Ties (levels never related) follow the mean
    depth, then first appearance. Inconsistent data (a level both above and
    below another) falls back to mean depth.
    """
    names = list(dict.fromkeys(level_of.tolist()))
    mean_depth = pd.Series(depth).groupby(level_of).mean()
    has_parent = parent >= 0
    pairs = {
        (a, b)
        for a, b in zip(level_of[parent[has_parent]], level_of[has_parent], strict=True)
        if a != b
    }
    above: dict[str, set[str]] = {n: set() for n in names}
    for a, b in pairs:
        above[b].add(a)
    order: list[str] = []
    remaining = set(names)
    while remaining:
        ready = [n for n in remaining if not (above[n] & remaining)]
        if not ready:  # a cycle among levels: no consistent order exists
            return sorted(names, key=lambda n: (mean_depth[n], names.index(n)))
        ready.sort(key=lambda n: (mean_depth[n], names.index(n)))
        order.append(ready[0])
        remaining.discard(ready[0])
    return order


def rollup(
    frame: pd.DataFrame,
    ds: Dataset,
    level: str,
    value: str = "value",
    by: Sequence[str] = ("period", "kpi"),
) -> pd.DataFrame:
    """Aggregate a rep-level (or unit-level) tidy frame to the units at ``level``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows keyed by ``rep_id`` (or ``unit_id``) plus the ``by`` columns, with a
        numeric ``value`` column. When ``by`` contains ``kpi``, each KPI is rolled
        up by its own rule from ``ds.kpis``: ``sum``, or ``mean`` weighted by the
        KPI named in ``weight_kpi`` (taken from the same frame) or, when none is
        named, by headcount (each row counts once).
    ds : Dataset
        Supplies the hierarchy, the rep → unit map and the KPI rules.
    level : str
        A level name from ``ds.units.level`` (e.g. ``"region"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit_id``, the ``by`` columns and ``value``; one row per unit at
        ``level`` that has data.
    """
    h = Hierarchy.of(ds)
    by = list(by)
    frame = frame.reset_index(drop=True)  # weights are matched by position below
    if "rep_id" in frame.columns:
        rep_units = ds.reps.set_index("rep_id")["unit_id"]
        src_units = rep_units.reindex(frame["rep_id"]).to_numpy()
        if pd.isna(src_units).any():
            missing = frame["rep_id"][pd.isna(src_units)].unique()[:5].tolist()
            raise KeyError(_("rollup: rep_id(s) not in ds.reps: {missing}").format(missing=missing))
    elif "unit_id" in frame.columns:
        src_units = frame["unit_id"].to_numpy()
    else:
        raise KeyError(_("rollup: the frame needs a rep_id or a unit_id column"))
    target = h.ancestor_at(src_units, level)
    work = frame[by + [value]].copy()
    work["unit_id"] = target
    work = work[pd.notna(work["unit_id"])]
    keys = ["unit_id", *by]

    if "kpi" not in by:
        return work.groupby(keys, sort=False, observed=True)[value].sum().reset_index()

    rules = ds.kpis.set_index("kpi")
    agg = work["kpi"].map(rules["aggregation"]).fillna("sum")
    parts = [work[agg == "sum"].groupby(keys, sort=False, observed=True)[value].sum().reset_index()]
    mean_rows = work[agg == "mean"]
    if len(mean_rows):
        weight_kpi = (
            rules["weight_kpi"] if "weight_kpi" in rules.columns else pd.Series(dtype=object)
        )
        w_name = mean_rows["kpi"].map(weight_kpi)
        mean_rows = mean_rows.assign(_w=1.0)
        weighted = w_name.notna()
        if weighted.any():
            other = [c for c in by if c != "kpi"]
            wsrc = work.rename(columns={value: "_w", "kpi": "_wkpi"})
            idcol = "rep_id" if "rep_id" in frame.columns else "unit_id"
            wsrc[idcol] = frame.loc[wsrc.index, idcol]
            tmp = mean_rows[weighted].assign(
                _wkpi=w_name[weighted], **{idcol: frame.loc[mean_rows[weighted].index, idcol]}
            )
            tmp = tmp.drop(columns="_w").merge(
                wsrc[[idcol, *other, "_wkpi", "_w"]], on=[idcol, *other, "_wkpi"], how="left"
            )
            tmp["_w"] = tmp["_w"].fillna(0.0)
            mean_rows = pd.concat([mean_rows[~weighted], tmp.drop(columns=[idcol, "_wkpi"])])
        mean_rows = mean_rows.assign(_wv=mean_rows[value] * mean_rows["_w"])
        g = mean_rows.groupby(keys, sort=False, observed=True)[["_wv", "_w"]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            g[value] = g["_wv"] / g["_w"]
        parts.append(g[[value]].reset_index())
    return pd.concat(parts, ignore_index=True)

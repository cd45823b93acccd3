"""The split of one KPI's target among the children of each unit, a generation at a time.

:func:`split_additive` hands a parent's target (times ``1 + padding``) to its children
by the weights of their level's rule, holds guardrail bands with
:func:`clamp_redistribute` and rounds to whole rounding units that sum exactly to
what the parent handed down; :func:`split_rate` passes rates down. The steps are
described in :mod:`simlib.targets.cascade`.
"""

from __future__ import annotations

import numpy as np

from simlib.data.dataset import Dataset
from simlib.errors import SpecError
from simlib.i18n import _, ngettext
from simlib.targets.nodes import (
    CascadeError,
    GuardrailError,
    NodeTree,
    node_capacity,
    node_history,
    node_potential,
)
from simlib.targets.rounding import MAX_TOTAL, ApportionError, apportion_groups
from simlib.targets.spec import REP_LEVEL, CascadeSpec, Guardrail, LevelRule

__all__ = ["clamp_redistribute", "level_weights", "split_additive", "split_rate"]


def clamp_redistribute(
    share: np.ndarray, group: np.ndarray, total: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``total[g]`` by ``share`` subject to ``lo <= x <= hi``, per group.

    Water-filling: in each round the free children get the remainder in proportion
    to their shares; if some break a bound, the side with the larger total breach
    (excess above upper bounds vs shortfall below lower bounds) is clamped and
    leaves the pool. At least one child is clamped per round, so it ends after at
    most (children per group + 1) rounds. Groups whose free children have no
    share left split the remainder evenly among them. Feasibility
    (``sum lo <= total <= sum hi``) is the caller's check.

    Returns
    -------
    x : numpy.ndarray
        The split.
    clamped : numpy.ndarray of bool
        Children held at a bound.
    """
    G = len(total)
    fixed = np.zeros(len(share), dtype=bool)
    val = np.zeros(len(share))
    x = share * total[group]
    for _round in range(int(np.bincount(group, minlength=G).max(initial=0)) + 2):
        free_share = np.bincount(group, weights=np.where(fixed, 0.0, share), minlength=G)
        n_free = np.bincount(group, weights=(~fixed).astype(float), minlength=G)
        rem = total - np.bincount(group, weights=np.where(fixed, val, 0.0), minlength=G)
        with np.errstate(invalid="ignore", divide="ignore"):
            by_share = share * rem[group] / free_share[group]
            even = rem[group] / n_free[group]
        x = np.where(fixed, val, np.where(free_share[group] > 0, by_share, even))
        tol = 1e-9 * np.maximum(1.0, np.abs(x))
        over = ~fixed & (x > hi + tol)
        under = ~fixed & (x < lo - tol)
        if not (over.any() or under.any()):
            break
        excess = np.bincount(group, weights=np.where(over, x - hi, 0.0), minlength=G)
        short = np.bincount(group, weights=np.where(under, lo - x, 0.0), minlength=G)
        fix_over = over & (excess >= short)[group]
        fix_under = under & (excess < short)[group]
        val = np.where(fix_over, hi, np.where(fix_under, lo, val))
        fixed |= fix_over | fix_under
    return x, fixed


def level_weights(
    ds: Dataset,
    tree: NodeTree,
    kpi: str,
    year: int,
    rule: LevelRule,
    kids: np.ndarray,
    parents: np.ndarray,
    path: str,
    cache: dict,
) -> np.ndarray:
    """Weights of ``kids`` under ``rule`` (before normalising within parents)."""

    def basic(name: str) -> np.ndarray:
        if name == "even":
            return tree.nonempty[kids].astype(float)
        if name == "history":
            key = ("hist", rule.history)
            if key not in cache:
                cache[key] = tree.up(node_history(ds, tree, kpi, year, rule))
            return np.maximum(cache[key][kids], 0.0)
        if name == "capacity":
            key = ("cap", tuple(rule.capacity.ramp))
            if key not in cache:
                cache[key] = tree.up(node_capacity(tree, year, rule))
            return cache[key][kids]
        key = ("pot",)
        if key not in cache:
            cache[key] = node_potential(ds, tree, kpi)
        pot = cache[key][kids]
        missing = np.isnan(pot) & tree.nonempty[kids]
        if missing.any():
            ids = tree.node_id[kids][missing][:5].tolist()
            raise SpecError(
                [
                    (
                        path,
                        _(
                            "potential split of {kpi!r}: no potential for {ids} "
                            "(nor for all their children)"
                        ).format(kpi=kpi, ids=ids),
                    )
                ]
            )
        return np.nan_to_num(pot)

    if rule.method != "blend":
        w = basic(rule.method)
    else:
        w = np.zeros(len(kids))
        for name, beta in (rule.blend or {}).items():
            if beta <= 0:
                continue
            b = basic(name)
            tot = np.bincount(parents, weights=b, minlength=tree.N)[parents]
            with np.errstate(invalid="ignore", divide="ignore"):
                w += beta * np.where(tot > 0, b / tot, 0.0)
    return np.where(tree.nonempty[kids], w, 0.0)


def split_additive(
    ds: Dataset,
    tree: NodeTree,
    spec: CascadeSpec,
    kpi: str,
    company: float,
    unit: float,
    year: int,
    last: np.ndarray,
    log: list,
) -> tuple[np.ndarray, ...]:
    """Split an additive KPI's company target down the tree in whole rounding units.

    Returns the targets (KPI units), the padding each node applied, the shares, the
    raw targets (before guardrails and rounding) and the guardrail bands (KPI units,
    NaN where none), one value per node; appends padding, fallback and guardrail
    rows to ``log``.
    """
    N = tree.N
    units_t = np.full(N, -1, dtype=np.int64)  # target in rounding units
    root = tree.h.index.get_loc(tree.h.root)
    units_t[root] = int(round(company / unit))
    pad = np.zeros(N)
    share = np.full(N, np.nan)
    raw = np.full(N, np.nan)
    lo_all = np.full(N, np.nan)
    hi_all = np.full(N, np.nan)
    share[root] = 1.0
    raw[root] = company
    split_levels = _split_levels(tree)
    cache: dict = {}
    for d in range(1, int(tree.depth.max()) + 1):
        kids = np.flatnonzero(tree.depth == d)
        if len(kids) == 0:
            continue
        parents = tree.parent[kids]
        w, padding, lo, hi = _generation_rules(
            ds, tree, spec, kpi, year, unit, last, kids, parents, split_levels[parents], cache
        )
        # The parents of this generation, as groups 0..P-1.
        uparents, group = np.unique(parents, return_inverse=True)
        ppad = np.zeros(len(uparents))
        ppad[group] = padding
        pad[uparents] = ppad
        handed = np.round(units_t[uparents] * (1 + ppad)).astype(np.int64)
        _log_padding(log, tree, kpi, unit, uparents, handed - units_t[uparents], ppad)
        w, wsum = _even_where_no_weights(log, tree, kpi, year, w, kids, uparents, group, handed)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(wsum[group] > 0, w / wsum[group], 0.0)
        share[kids] = s
        raw[kids] = s * handed[group] * unit
        bounded = np.isfinite(hi) | (lo > 0)
        if bounded.any():
            x = _hold_bands(log, tree, kpi, unit, s, lo, hi, kids, uparents, group, handed)
            lo_all[kids] = np.where(bounded, lo * unit, np.nan)
            hi_all[kids] = np.where(bounded, hi * unit, np.nan)
        else:
            x = s * handed[group]
        units_t[kids] = _round_split(spec, tree, kpi, x, lo, hi, uparents, group, handed)
    return units_t * unit, pad, share, raw, lo_all, hi_all


def _split_levels(tree: NodeTree) -> np.ndarray:
    """Per node, the level whose rule splits its target: its highest-ranked child level."""
    child_rank = np.full(tree.N, np.iinfo(np.int64).max)
    has_parent = tree.parent >= 0
    np.minimum.at(child_rank, tree.parent[has_parent], tree.rank[has_parent])
    level_names = np.array([*tree.h.levels, REP_LEVEL, None], dtype=object)
    return level_names[np.minimum(child_rank, len(level_names) - 1)]


def _generation_rules(
    ds: Dataset,
    tree: NodeTree,
    spec: CascadeSpec,
    kpi: str,
    year: int,
    unit: float,
    last: np.ndarray,
    kids: np.ndarray,
    parents: np.ndarray,
    split_level: np.ndarray,
    cache: dict,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One generation's weights, padding and guardrail bands (in rounding units)."""
    w = np.zeros(len(kids))
    padding = np.zeros(len(kids))
    lo = np.zeros(len(kids))
    hi = np.full(len(kids), np.inf)
    for lvl in np.unique(split_level):
        sel = split_level == lvl
        rule = spec.rule(str(lvl), kpi)
        path = f"{spec.rule_path(str(lvl), kpi)}.method"
        w[sel] = level_weights(ds, tree, kpi, year, rule, kids[sel], parents[sel], path, cache)
        padding[sel] = rule.padding
        if rule.guardrail is not None:
            lo[sel], hi[sel] = _band_units(rule.guardrail, last[kids[sel]], unit)
    empty = ~tree.nonempty[kids]
    lo[empty] = 0.0
    hi[empty] = 0.0
    return w, padding, lo, hi


def _band_units(g: Guardrail, a: np.ndarray, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """The guardrail band around last year's actuals ``a``, in whole rounding units."""
    has = np.isfinite(a) & (a > 0)
    l_ = np.zeros(len(a))
    h_ = np.full(len(a), np.inf)
    if g.down is not None:
        l_ = np.where(has, a * (1 - g.down), 0.0)
    if g.up is not None:
        h_ = np.where(has, a * (1 + g.up), np.inf)
    if g.floor is not None:
        l_ = np.maximum(l_, g.floor)
    # Whole rounding units, so that rounding cannot break a band. A band
    # narrower than one unit (a small actual, a coarse unit) becomes the
    # whole unit nearest to its middle.
    lu = np.ceil(l_ / unit - 1e-9)
    hu = np.floor(h_ / unit + 1e-9)
    narrow = lu > hu
    if narrow.any():
        mid = np.round((l_ + np.where(np.isfinite(h_), h_, l_)) / 2 / unit)
        lu = np.where(narrow, mid, lu)
        hu = np.where(narrow, mid, hu)
    return lu, hu


def _log_padding(
    log: list,
    tree: NodeTree,
    kpi: str,
    unit: float,
    uparents: np.ndarray,
    extra: np.ndarray,
    ppad: np.ndarray,
) -> None:
    for p in np.flatnonzero(extra > 0):
        log.append(
            (
                "padding",
                kpi,
                tree.node_id[uparents[p]],
                None,
                float(extra[p] * unit),
                _("children's targets sum to {padding} above the unit's own target").format(
                    padding=f"{ppad[p]:.1%}"
                ),
            )
        )


def _even_where_no_weights(
    log: list,
    tree: NodeTree,
    kpi: str,
    year: int,
    w: np.ndarray,
    kids: np.ndarray,
    uparents: np.ndarray,
    group: np.ndarray,
    handed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The weights and their sums per parent, even among non-empty children where
    the split method gives every child zero weight (said so in the log)."""
    wsum = np.bincount(group, weights=w, minlength=len(uparents))
    zero = (wsum <= 0) & (handed > 0)
    if not zero.any():
        return w, wsum
    # No basis for shares (e.g. only new hires without history): split evenly
    # among non-empty children, and say so in the log.
    w = np.where(zero[group] & tree.nonempty[kids], 1.0, w)
    wsum = np.bincount(group, weights=w, minlength=len(uparents))
    n_nonempty = np.bincount(group, weights=tree.nonempty[kids].astype(float)).astype(int)
    for p in np.flatnonzero(zero):
        log.append(
            (
                "zero_weights",
                kpi,
                tree.node_id[uparents[p]],
                None,
                0.0,
                ngettext(
                    "the split method gives every child zero weight; split evenly among {n} child",
                    "the split method gives every child zero weight; split evenly among "
                    "{n} children",
                    n_nonempty[p],
                ).format(n=n_nonempty[p]),
            )
        )
    still = (wsum <= 0) & (handed > 0)
    if still.any():
        p = uparents[np.flatnonzero(still)[0]]
        raise CascadeError(
            _("unit {unit!r} has a {kpi} target but no rep employed in {year} below it").format(
                unit=tree.node_id[p], kpi=kpi, year=year
            )
        )
    return w, wsum


def _hold_bands(
    log: list,
    tree: NodeTree,
    kpi: str,
    unit: float,
    s: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    kids: np.ndarray,
    uparents: np.ndarray,
    group: np.ndarray,
    handed: np.ndarray,
) -> np.ndarray:
    """Guardrails: check each parent's total fits its children's bands, then clamp
    and redistribute (each clamped child logged)."""
    slo = np.bincount(group, weights=lo, minlength=len(uparents))
    shi = np.bincount(group, weights=hi, minlength=len(uparents))
    bad = (slo > handed) | (shi < handed)
    if bad.any():
        p = np.flatnonzero(bad)[0]
        pid = tree.node_id[uparents[p]]
        raise GuardrailError(
            _(
                "guardrails cannot hold the {kpi} total of unit {unit!r} "
                "({total:,.0f}): its children's bands allow {low:,.0f} to {high:,.0f} "
                "({n} unit(s) affected); widen max_increase / max_decrease, "
                "lower the floor, or change the parent's target"
            ).format(
                kpi=kpi,
                unit=pid,
                total=handed[p] * unit,
                low=slo[p] * unit,
                high=shi[p] * unit,
                n=int(bad.sum()),
            )
        )
    x, clamped = clamp_redistribute(s, group, handed.astype(float), lo, hi)
    moved = np.abs(x - s * handed[group]) > 0.5
    for i in np.flatnonzero(moved & clamped):
        log.append(
            (
                "guardrail",
                kpi,
                tree.node_id[uparents[group[i]]],
                tree.node_id[kids[i]],
                float((x[i] - s[i] * handed[group[i]]) * unit),
                _("held within [{low}, {high}] of last year's actual").format(
                    low=f"{lo[i] * unit:,.0f}", high=f"{hi[i] * unit:,.0f}"
                ),
            )
        )
    return x


def _round_split(
    spec: CascadeSpec,
    tree: NodeTree,
    kpi: str,
    x: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    uparents: np.ndarray,
    group: np.ndarray,
    handed: np.ndarray,
) -> np.ndarray:
    """Whole rounding units per child, summing exactly to what each parent hands down."""
    try:
        return apportion_groups(
            np.maximum(x, 0.0),
            group,
            handed,
            method=spec.rounding_method,
            minimum=lo.astype(np.int64),
            # Both ends of the band, so that no rounding method can break it.
            maximum=np.where(np.isfinite(hi), hi, float(MAX_TOTAL)).astype(np.int64),
        )
    except ApportionError as exc:
        p = exc.groups[0] if len(exc.groups) else 0
        raise CascadeError(
            _("rounding the {kpi} split of unit {unit!r}: {problem}").format(
                kpi=kpi, unit=tree.node_id[uparents[p]], problem=exc
            )
        ) from None


def split_rate(
    tree: NodeTree, spec: CascadeSpec, kpi: str, company: float, last: np.ndarray, unit: float
) -> tuple[np.ndarray, ...]:
    N = tree.N
    t = np.full(N, np.nan)
    root = tree.h.index.get_loc(tree.h.root)
    t[root] = company
    child_rank = np.full(N, np.iinfo(np.int64).max)
    has_parent = tree.parent >= 0
    np.minimum.at(child_rank, tree.parent[has_parent], tree.rank[has_parent])
    level_names = np.array([*tree.h.levels, REP_LEVEL], dtype=object)
    for d in range(1, int(tree.depth.max()) + 1):
        kids = np.flatnonzero(tree.depth == d)
        parents = tree.parent[kids]
        lv = level_names[child_rank[parents]]
        for name in np.unique(lv):
            sel = lv == name
            rule = spec.rule(str(name), kpi)
            k, p = kids[sel], parents[sel]
            if rule.rate_rule == "same":
                t[k] = t[p]
            else:
                delta = t[p] - last[p]
                val = np.where(np.isfinite(last[k]) & np.isfinite(delta), last[k] + delta, t[p])
                t[k] = np.clip(val, 0.0, 1.0)
    if unit > 0:
        t = np.round(t / unit) * unit
    t = np.where(tree.nonempty, t, np.nan)
    nan = np.full(N, np.nan)
    return t, np.zeros(N), nan, t.copy(), nan, nan

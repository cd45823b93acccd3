"""Apportionment: integers that sum exactly to a total (rounding that keeps totals exact).

A cascade splits a parent's target into children's shares, then rounds each to a
whole number of rounding units (one customer, CNY 1,000). Rounding each share on
its own breaks the total; an *apportionment method* rounds them jointly so that
the children always sum exactly to the parent. The same problem is the one of
allocating parliamentary seats to parties or House seats to US states, and the
four classical methods are offered:

``hamilton``
    Largest remainder (Hamilton 1792, Hare quota): everyone gets the floor of
    their exact quota, the remaining units go to the largest fractional parts.
    Satisfies quota (never more than one unit from the exact share); can show the
    Alabama paradox.
``jefferson``
    D'Hondt: a divisor method that rounds down; favours large recipients.
``webster``
    Sainte-Laguë: a divisor method that rounds at one half; the least biased
    between large and small recipients (Balinski & Young, *Fair Representation*,
    1982/2001).
``huntington_hill``
    Equal proportions (US House since 1941): rounds at the geometric mean
    ``sqrt(s (s + 1))``, so every recipient with a positive weight gets a first
    unit before anyone gets a second.

Tie rule (deterministic, the same for every method): when two recipients have
equal claim to the next unit (equal fractional parts for ``hamilton``, equal
priority ``weight / threshold`` for divisor methods, compared to 12 significant
digits so that floating-point noise never decides), the one with the **larger
weight** wins; if the weights are equal too, the one **listed first** wins.

The core works on many independent problems at once (``group`` index arrays), so
a cascade rounds the children of every parent at one level in one call.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from simlib.errors import SimlibError

Method = Literal["hamilton", "jefferson", "webster", "huntington_hill"]
METHODS: tuple[str, ...] = ("hamilton", "jefferson", "webster", "huntington_hill")

_SIG = 12  # significant digits at which claims are compared (see the tie rule)


class ApportionError(SimlibError, ValueError):
    """An apportionment problem has no solution; ``groups`` lists the problems concerned."""

    def __init__(self, message: str, groups: np.ndarray | None = None) -> None:
        super().__init__(message)
        self.groups = np.asarray([] if groups is None else groups, dtype=np.int64)


def apportion(
    weights: np.ndarray | list[float],
    total: int | np.ndarray,
    method: Method = "hamilton",
    minimum: int | np.ndarray = 0,
) -> np.ndarray:
    """Split ``total`` whole units among recipients in proportion to ``weights``.

    Parameters
    ----------
    weights : array_like, shape (..., n)
        Each recipient's claim (a share of last year's sales, market potential,
        headcount, votes). Non-negative and finite; need not sum to one. Leading
        axes are independent problems (e.g. Monte Carlo draws).
    total : int or array_like of int, shape (...)
        Units to hand out (customers, or currency in rounding units such as
        CNY 1,000), per problem.
    method : {"hamilton", "jefferson", "webster", "huntington_hill"}
        The rounding rule; see the module docstring.
    minimum : int or array_like of int, shape (n,) or (..., n)
        Units each recipient gets at least (e.g. one new customer per rep).

    Returns
    -------
    numpy.ndarray of int64, shape (..., n)
        Whole units per recipient; along the last axis they sum exactly to
        ``total``.

    Raises
    ------
    ApportionError
        On negative or non-finite weights, a negative or fractional total, a
        minimum that needs more than ``total`` units, or all-zero weights when
        units remain to hand out beyond the minima.

    Examples
    --------
    Wikipedia, "Largest remainder method" (Hare quota, 10 seats):

    >>> apportion([47000, 16000, 15800, 12000, 6100, 3100], 10).tolist()
    [5, 2, 1, 1, 1, 0]
    >>> apportion([100000, 80000, 30000, 20000], 8, method="jefferson").tolist()
    [4, 3, 1, 0]
    """
    if method not in METHODS:
        raise ApportionError(f"unknown apportionment method {method!r}; expected one of {METHODS}")
    w = np.asarray(weights, dtype=float)
    if w.ndim == 0:
        raise ApportionError("weights must be an array with one entry per recipient")
    lead = w.shape[:-1]
    n = w.shape[-1]
    t = np.asarray(total)
    if not np.all(np.isfinite(np.asarray(t, dtype=float))) or np.any(
        np.asarray(t, dtype=float) != np.round(np.asarray(t, dtype=float))
    ):
        raise ApportionError(f"total must be a whole number of units, got {total!r}")
    t = np.broadcast_to(np.asarray(t, dtype=np.int64), lead).reshape(-1)
    m = np.asarray(minimum)
    if np.any(np.asarray(m, dtype=float) != np.round(np.asarray(m, dtype=float))):
        raise ApportionError(f"minimum must be a whole number of units, got {minimum!r}")
    m = np.broadcast_to(np.asarray(m, dtype=np.int64), w.shape).reshape(-1)
    g = np.repeat(np.arange(int(np.prod(lead, dtype=np.int64))), n)
    out = apportion_groups(w.reshape(-1), g, t, method=method, minimum=m)
    return out.reshape(w.shape)


def apportion_groups(
    weights: np.ndarray,
    group: np.ndarray,
    totals: np.ndarray,
    method: Method = "hamilton",
    minimum: np.ndarray | int = 0,
) -> np.ndarray:
    """Apportion many independent problems at once.

    Parameters
    ----------
    weights : numpy.ndarray of float, shape (n,)
        Claims of all recipients of all problems.
    group : numpy.ndarray of int, shape (n,)
        Problem each recipient belongs to, in ``0 .. len(totals) - 1``. Order within
        a problem is the order of the arrays (used by the tie rule).
    totals : numpy.ndarray of int, shape (G,)
        Units per problem.
    method, minimum
        As for :func:`apportion` (``minimum`` scalar or one per recipient).

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    if method not in METHODS:
        raise ApportionError(f"unknown apportionment method {method!r}; expected one of {METHODS}")
    w = np.asarray(weights, dtype=float)
    g = np.asarray(group, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    G = len(totals)
    m = np.broadcast_to(np.asarray(minimum, dtype=np.int64), w.shape).copy()
    if not np.all(np.isfinite(w)):
        raise ApportionError("weights must be finite numbers (found NaN or infinity)")
    if (w < 0).any():
        bad = np.unique(g[w < 0])
        raise ApportionError(
            f"weights must be non-negative; found {w[w < 0][:3].tolist()}", groups=bad
        )
    if (totals < 0).any():
        raise ApportionError("total must be non-negative", groups=np.flatnonzero(totals < 0))
    if (m < 0).any():
        raise ApportionError("minimum must be non-negative", groups=np.unique(g[m < 0]))
    msum = np.bincount(g, weights=m, minlength=G)
    over = msum > totals
    if over.any():
        raise ApportionError(
            f"the minimum per recipient needs {int(msum[over][0])} units but the total is "
            f"{int(totals[over][0])}",
            groups=np.flatnonzero(over),
        )
    wsum = np.bincount(g, weights=w, minlength=G)
    zero = (wsum <= 0) & (totals > msum)
    if zero.any():
        raise ApportionError(
            f"all weights are zero but {int(totals[zero][0] - msum[zero][0])} units remain to "
            "hand out beyond the minimum; give at least one recipient a positive weight",
            groups=np.flatnonzero(zero),
        )
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    # Only ratios matter: scale each problem so its largest weight is 1, which keeps
    # divisors and quotas far from overflow and underflow.
    wmax = np.zeros(G)
    np.maximum.at(wmax, g, w)
    w = np.where(wmax[g] > 0, w / np.where(wmax[g] > 0, wmax[g], 1.0), 0.0)
    if method == "hamilton":
        return _hamilton(w, g, totals, m)
    return _divisor(w, g, totals, m, method)


def apportion_rows(weights: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Hamilton apportionment of each row of a 2-D array (e.g. reps x 12 months).

    The same result and tie rule as :func:`apportion_groups` with ``method=
    "hamilton"`` and no minimum, one problem per row, but sorting within rows only
    (much faster for many short rows). Rows with zero weight must have a zero total.
    """
    w = np.asarray(weights, dtype=float)
    t = np.asarray(totals, dtype=np.int64)
    if (w < 0).any() or not np.isfinite(w).all():
        raise ApportionError("weights must be finite and non-negative")
    ws = w.sum(axis=1)
    if ((ws <= 0) & (t > 0)).any():
        raise ApportionError("all weights are zero in a row with units to hand out")
    scale = np.where(ws > 0, ws, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = w * (t / scale)[:, None]
    near = np.round(q)
    q = np.where(np.abs(q - near) <= 1e-9 * np.maximum(1.0, np.abs(q)), near, q)
    base = np.floor(q)
    frac = np.round(q - base, _SIG)
    left = t - base.sum(axis=1).astype(np.int64)
    idx = np.broadcast_to(np.arange(w.shape[1]), w.shape)
    wmax = np.where(w.max(axis=1) > 0, w.max(axis=1), 1.0)
    order = np.lexsort((idx, -np.round(w / wmax[:, None], _SIG), -frac), axis=-1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(w.shape[1]), w.shape), axis=-1)
    return base.astype(np.int64) + (rank < left[:, None]).astype(np.int64)


# ---------------------------------------------------------------- internals
def _sig(x: np.ndarray) -> np.ndarray:
    """Round to ``_SIG`` significant digits so that ties are exact ties."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mag = np.where((x != 0) & np.isfinite(x), np.floor(np.log10(np.abs(x))), 0.0)
        mag = np.clip(mag, -290, 290)
        scale = 10.0 ** (_SIG - 1 - mag)
        return np.where(np.isfinite(x), np.round(x * scale) / scale, x)


def _rank_within(g: np.ndarray, claim: np.ndarray, w: np.ndarray) -> np.ndarray:
    """0-based rank of each recipient inside its group: higher claim, then larger weight,
    then earlier position first."""
    idx = np.arange(len(g))
    order = np.lexsort((idx, -w, -_sig(claim), g))
    gs = g[order]
    starts = np.searchsorted(gs, gs, side="left")
    rank = np.empty(len(g), dtype=np.int64)
    rank[order] = np.arange(len(g)) - starts
    return rank


def _hamilton(w: np.ndarray, g: np.ndarray, totals: np.ndarray, m: np.ndarray) -> np.ndarray:
    G = len(totals)
    fixed = np.zeros(len(w), dtype=bool)
    # Recipients whose exact quota is below their minimum get the minimum and leave
    # the pool; the rest share what remains. Repeat until stable (at most n rounds,
    # usually one or two).
    while True:
        free_w = np.bincount(g, weights=np.where(fixed, 0.0, w), minlength=G)
        free_t = totals - np.bincount(g, weights=np.where(fixed, m, 0), minlength=G)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(free_w[g] > 0, w * free_t[g] / free_w[g], 0.0)
        newly = ~fixed & (q < m)
        if not newly.any():
            break
        fixed |= newly
    near = np.round(q)
    q = np.where(np.abs(q - near) <= 1e-9 * np.maximum(1.0, np.abs(q)), near, q)
    base = np.where(fixed, m, np.floor(q)).astype(np.int64)
    frac = np.where(fixed, -1.0, q - np.floor(q))  # fixed recipients never take a remainder
    left = totals - np.bincount(g, weights=base, minlength=G).astype(np.int64)
    rank = _rank_within(g, frac, w)
    return base + (rank < left[g]).astype(np.int64)


def _threshold(s: np.ndarray, method: str) -> np.ndarray:
    """Value of the quota ``w / d`` at which a recipient holding ``s`` units earns unit s+1."""
    s = s.astype(float)
    if method == "jefferson":
        return s + 1.0
    if method == "webster":
        return s + 0.5
    return np.sqrt(s * (s + 1.0))  # huntington_hill


def _seats(x: np.ndarray, method: str) -> np.ndarray:
    """Units earned at quota ``x = w / d`` (claims >= d count)."""
    if method == "jefferson":
        return np.floor(x).astype(np.int64)
    if method == "webster":
        return np.floor(x + 0.5).astype(np.int64)
    s = np.floor(x)
    return (s + ((x >= np.sqrt(s * (s + 1.0))) & (x > 0))).astype(np.int64)


def _divisor(
    w: np.ndarray, g: np.ndarray, totals: np.ndarray, m: np.ndarray, method: str
) -> np.ndarray:
    """Divisor methods by bisection on the divisor (vectorized over groups), then
    the last units by priority and the tie rule."""
    G = len(totals)
    n_g = np.bincount(g, minlength=G)
    wsum = np.bincount(g, weights=w, minlength=G)
    msum = np.bincount(g, weights=m, minlength=G).astype(np.int64)

    def count(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(np.isinf(d[g]), 0.0, w / d[g])
        s = np.maximum(m, _seats(x, method))
        if method == "huntington_hill":
            # A positive weight earns its first unit at any finite divisor, even when
            # w / d underflows to zero.
            s = np.maximum(s, ((w > 0) & np.isfinite(d[g])).astype(np.int64))
        return s, np.bincount(g, weights=s, minlength=G).astype(np.int64)

    active = (totals > msum) & (wsum > 0)
    wmax = np.zeros(G)
    np.maximum.at(wmax, g, w)
    hi = np.where(active, 2.0 * wmax + 1.0, np.inf)
    lo = np.where(active, wsum / (totals + n_g + 1.0), np.inf)
    s_hi, f_hi = count(hi)
    # Huntington-Hill gives every positive weight a first unit at any finite divisor;
    # when there are fewer units than that, the first units go by the tie rule alone.
    short = active & (f_hi > totals)
    hi[short] = np.inf
    lo[short] = np.inf
    bis = active & ~short
    for _ in range(200):
        if not bis.any():
            break
        mid = np.where(bis, np.sqrt(lo * hi), hi)
        _, f_mid = count(mid)
        le = f_mid <= totals
        hi = np.where(bis & le, mid, hi)
        lo = np.where(bis & ~le, mid, lo)
        with np.errstate(invalid="ignore"):  # inactive groups hold inf / inf
            bis = bis & (hi / lo > 1 + 1e-14)
    s, f = count(hi)
    left = totals - f
    # Hand out the remaining units one round at a time: in each round every recipient
    # bids for its next unit with priority w / threshold(s); ties by the tie rule.
    while (left > 0).any():
        thr = _threshold(s, method)
        with np.errstate(divide="ignore", invalid="ignore"):
            prio = np.where(w > 0, np.where(thr > 0, w / thr, np.inf), -np.inf)
        prio = np.where(left[g] > 0, prio, -np.inf)
        # Units left after bisection are ties (claims within 1e-14 of the divisor),
        # so the strongest bids win; a recipient wins at most one unit per round.
        big = np.finfo(float).max
        rank = _rank_within(g, np.clip(prio, -big, big), w)
        take = (rank < left[g]) & (prio > -np.inf)
        s = s + take.astype(np.int64)
        left = totals - np.bincount(g, weights=s, minlength=G).astype(np.int64)
    return s

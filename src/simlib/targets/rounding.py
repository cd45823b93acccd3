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
equal claim to the next unit (equal fractional parts of the exact quota for
``hamilton``, equal priority ``weight / threshold`` for divisor methods), the one
with the **larger weight** wins; if the weights are equal too, the one **listed
first** wins. Claims are compared *exactly*: floating point is used to find the
allocation quickly, and wherever two claims are too close for floating point to
be sure of their order they are compared again in exact rational arithmetic
(:class:`fractions.Fraction` on each weight as the decimal it prints as: 0.2
is 1/5, so shares such as 20/70/10 tie where they tie on paper), so float noise
never decides who gets a unit.

Bounds: every method takes a ``minimum`` and an optional ``maximum`` per
recipient (e.g. a guardrail band in whole rounding units). The bounded methods
are the textbook ones with bounds (Balinski & Young 2001, ch. 7 on minimum
requirements): a divisor method gives ``clip(round_d(w / d), minimum, maximum)``
with the divisor ``d`` chosen so the total is met (equivalently, seat by seat
from the minima, never past a maximum); Hamilton first finds the exact quotas
``clip(lambda w, minimum, maximum)`` that sum to the total (water-filling), then
hands the remaining units to the largest fractional parts of the unbounded
ones. The result always lies within the bounds.

The core works on many independent problems at once (``group`` index arrays), so
a cascade rounds the children of every parent at one level in one call.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import numpy as np

from simlib.errors import SimlibError
from simlib.i18n import N_, _

Method = Literal["hamilton", "jefferson", "webster", "huntington_hill"]
METHODS: tuple[str, ...] = ("hamilton", "jefferson", "webster", "huntington_hill")

MAX_TOTAL = 2**53  # largest total handled: integers up to here are exact in float64
_NO_MAX = np.iinfo(np.int64).max // 4  # "no maximum" (far above MAX_TOTAL)
_BACKOFF = 1e-9  # relative widening of the divisor so that near-ties go to the exact stage


class ApportionError(SimlibError, ValueError):
    """An apportionment problem has no solution; ``groups`` lists the problems concerned."""

    def __init__(self, message: str, groups: np.ndarray | None = None) -> None:
        super().__init__(message)
        self.groups = np.asarray([] if groups is None else groups, dtype=np.int64)


def _as_float_array(x: object, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ApportionError(
            _("{name} must be numbers, got {x!r}").format(name=name, x=x)
        ) from None
    return a


def _whole(x: object, name: str) -> np.ndarray:
    """``x`` as int64 after checking it holds whole numbers within range."""
    a = _as_float_array(x, name)
    if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
        raise ApportionError(
            _("{name} must be a whole number of units, got {x!r}").format(name=name, x=x)
        )
    if np.any(np.abs(a) > MAX_TOTAL):
        raise ApportionError(
            _(
                "{name} is too large ({largest:.3g} units; at most 2**53 = "
                "{limit:,} units can be apportioned exactly); use a coarser rounding unit"
            ).format(name=name, largest=float(np.max(np.abs(a))), limit=MAX_TOTAL)
        )
    return a.astype(np.int64)


def _fit(a: np.ndarray, shape: tuple[int, ...], name: str, what: str) -> np.ndarray:
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ApportionError(
            _("{name} has shape {have} but must be {what} (shape {shape} or broadcastable)").format(
                name=name, have=a.shape, what=_(what), shape=shape
            )
        ) from None


def apportion(
    weights: np.ndarray | list[float],
    total: int | np.ndarray,
    method: Method = "hamilton",
    minimum: int | np.ndarray = 0,
    maximum: int | np.ndarray | None = None,
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
        CNY 1,000), per problem; at most 2**53.
    method : {"hamilton", "jefferson", "webster", "huntington_hill"}
        The rounding rule; see the module docstring.
    minimum : int or array_like of int, shape (n,) or (..., n)
        Units each recipient gets at least (e.g. one new customer per rep, or the
        lower end of a guardrail band in rounding units).
    maximum : int or array_like of int, shape (n,) or (..., n), optional
        Units each recipient gets at most (the upper end of a guardrail band).
        ``None``: no maximum.

    Returns
    -------
    numpy.ndarray of int64, shape (..., n)
        Whole units per recipient, within ``[minimum, maximum]``; along the last
        axis they sum exactly to ``total``.

    Raises
    ------
    ApportionError
        On negative, non-finite or non-numeric weights, a negative, fractional or
        too large total, shapes that do not fit, a minimum above its maximum, bounds
        that cannot hold the total, or all-zero weights when units remain to hand
        out beyond the minima.

    Examples
    --------
    Wikipedia, "Largest remainder method" (Hare quota, 10 seats):

    >>> apportion([47000, 16000, 15800, 12000, 6100, 3100], 10).tolist()
    [5, 2, 1, 1, 1, 0]
    >>> apportion([100000, 80000, 30000, 20000], 8, method="jefferson").tolist()
    [4, 3, 1, 0]
    >>> apportion([1, 10, 1], 12, minimum=[1, 2, 1], maximum=[6, 6, 6]).tolist()
    [3, 6, 3]
    """
    if method not in METHODS:
        raise ApportionError(
            _("unknown apportionment method {method!r}; expected one of {methods}").format(
                method=method, methods=METHODS
            )
        )
    w = _as_float_array(weights, "weights")
    if w.ndim == 0:
        raise ApportionError(_("weights must be an array with one entry per recipient"))
    lead = w.shape[:-1]
    n = w.shape[-1]
    t = _whole(total, "total")
    t = _fit(t, lead, "total", N_("one number per problem (the weights' leading axes)"))
    t = t.reshape(-1)
    m = _fit(_whole(minimum, "minimum"), w.shape, "minimum", N_("one number per recipient"))
    m = m.reshape(-1)
    if maximum is None:
        mx = None
    else:
        mx = _fit(_whole(maximum, "maximum"), w.shape, "maximum", N_("one number per recipient"))
        mx = mx.reshape(-1)
    g = np.repeat(np.arange(int(np.prod(lead, dtype=np.int64))), n)
    out = apportion_groups(w.reshape(-1), g, t, method=method, minimum=m, maximum=mx)
    return out.reshape(w.shape)


def apportion_groups(
    weights: np.ndarray,
    group: np.ndarray,
    totals: np.ndarray,
    method: Method = "hamilton",
    minimum: np.ndarray | int = 0,
    maximum: np.ndarray | int | None = None,
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
    method, minimum, maximum
        As for :func:`apportion` (``minimum`` / ``maximum`` scalar or one per
        recipient; ``maximum=None`` for none).

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
    """
    if method not in METHODS:
        raise ApportionError(
            _("unknown apportionment method {method!r}; expected one of {methods}").format(
                method=method, methods=METHODS
            )
        )
    w = _as_float_array(weights, "weights").reshape(-1)
    g = np.asarray(group, dtype=np.int64).reshape(-1)
    totals = _whole(totals, "total").reshape(-1)
    G = len(totals)
    if len(g) != len(w):
        raise ApportionError(
            _("group has {n} entries but weights has {m}").format(n=len(g), m=len(w))
        )
    if len(g) and (g.min() < 0 or g.max() >= G):
        raise ApportionError(
            _("group must index the {n} totals (0 .. {last})").format(n=G, last=G - 1)
        )
    m = _fit(_whole(minimum, "minimum"), w.shape, "minimum", N_("one number per recipient"))
    m = m.copy()
    if maximum is None:
        mx = np.full(w.shape, _NO_MAX, dtype=np.int64)
    else:
        mx = _fit(_whole(maximum, "maximum"), w.shape, "maximum", N_("one number per recipient"))
        mx = mx.copy()
    if not np.all(np.isfinite(w)):
        raise ApportionError(_("weights must be finite numbers (found NaN or infinity)"))
    if (w < 0).any():
        bad = np.unique(g[w < 0])
        raise ApportionError(
            _("weights must be non-negative; found {found}").format(found=w[w < 0][:3].tolist()),
            groups=bad,
        )
    if (totals < 0).any():
        raise ApportionError(
            _("total must be non-negative, got {found}").format(
                found=totals[totals < 0][:3].tolist()
            ),
            groups=np.flatnonzero(totals < 0),
        )
    if (m < 0).any():
        raise ApportionError(_("minimum must be non-negative"), groups=np.unique(g[m < 0]))
    if (mx < m).any():
        i = np.flatnonzero(mx < m)[0]
        raise ApportionError(
            _("recipient {i}: maximum {maximum} is below its minimum {minimum}").format(
                i=i, maximum=int(mx[i]), minimum=int(m[i])
            ),
            groups=np.unique(g[mx < m]),
        )
    msum = np.bincount(g, weights=m, minlength=G)
    over = msum > totals
    if over.any():
        raise ApportionError(
            _("the minimum per recipient needs {need} units but the total is {total}").format(
                need=int(msum[over][0]), total=int(totals[over][0])
            ),
            groups=np.flatnonzero(over),
        )
    # Most units the bounds allow: recipients with zero weight never get past their minimum.
    cap = np.bincount(g, weights=np.where(w > 0, np.minimum(mx, MAX_TOTAL), m), minlength=G)
    wsum = np.bincount(g, weights=w, minlength=G)
    zero = (wsum <= 0) & (totals > msum)
    if zero.any():
        raise ApportionError(
            _(
                "all weights are zero but {n} units remain to "
                "hand out beyond the minimum; give at least one recipient a positive weight"
            ).format(n=int(totals[zero][0] - msum[zero][0])),
            groups=np.flatnonzero(zero),
        )
    short = cap < totals
    if short.any():
        raise ApportionError(
            _(
                "the maximum per recipient allows only {cap} units (counting only "
                "recipients with a positive weight above their minimum) but the total is "
                "{total}"
            ).format(cap=int(cap[short][0]), total=int(totals[short][0])),
            groups=np.flatnonzero(short),
        )
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    if method == "hamilton":
        return _hamilton(w, g, totals, m, mx)
    return _divisor(w, g, totals, m, mx, method)


def apportion_rows(weights: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Hamilton apportionment of each row of a 2-D array (e.g. reps x 12 months).

    The same result and tie rule as :func:`apportion_groups` with ``method=
    "hamilton"`` and no bounds, one problem per row, but sorting within rows only
    (much faster for many short rows). Rows whose cut-off between the last fraction
    that wins a unit and the first that does not is too close for floating point
    are recomputed exactly by :func:`apportion_groups`. Rows with zero weight must
    have a zero total.
    """
    w = np.asarray(weights, dtype=float)
    t = np.asarray(totals, dtype=np.int64)
    if (w < 0).any() or not np.isfinite(w).all():
        raise ApportionError(_("weights must be finite and non-negative"))
    ws = w.sum(axis=1)
    if ((ws <= 0) & (t > 0)).any():
        raise ApportionError(_("all weights are zero in a row with units to hand out"))
    R, n = w.shape
    scale = np.where(ws > 0, ws, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = w * (t / scale)[:, None]
    err = (n + 8) * 4e-16 * np.maximum(1.0, q)
    near_int = (np.abs(q - np.round(q)) <= err) & (q > 0)
    q = np.where(near_int, np.round(q), q)  # as in _hamilton
    base = np.floor(q)
    frac = q - base
    left = t - base.sum(axis=1).astype(np.int64)
    idx = np.broadcast_to(np.arange(n), w.shape)
    order = np.lexsort((idx, -w, -frac), axis=-1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(n), w.shape), axis=-1)
    out = base.astype(np.int64) + (rank < left[:, None]).astype(np.int64)
    # Rows where float noise could have decided: the cut-off is too close to call
    # (the same test as for apportion_groups, one group per row).
    k = np.clip(left, 0, n)
    gi = np.repeat(np.arange(R), n)
    need = _uncertain(
        gi,
        frac.reshape(-1),
        err.reshape(-1),
        rank.reshape(-1),
        k,
        w.reshape(-1),
        np.zeros(R * n),
        R,
    )
    fs = np.take_along_axis(frac, order, axis=-1)
    es = err.max(axis=1)
    last_in = np.take_along_axis(fs, np.clip(k - 1, 0, n - 1)[:, None], axis=-1)[:, 0]
    near_zero_cut = (k > 0) & (last_in <= 2 * es)
    redo = np.flatnonzero(need | (near_int.any(axis=1) & near_zero_cut))
    if len(redo):
        g = np.repeat(np.arange(len(redo)), n)
        out[redo] = apportion_groups(w[redo].reshape(-1), g, t[redo]).reshape(len(redo), n)
    return out


# ---------------------------------------------------------------- internals
def _rank_within(g: np.ndarray, claim: np.ndarray, w: np.ndarray) -> np.ndarray:
    """0-based rank of each recipient inside its group: higher claim, then larger weight,
    then earlier position first."""
    idx = np.arange(len(g))
    order = np.lexsort((idx, -w, -claim, g))
    gs = g[order]
    starts = np.searchsorted(gs, gs, side="left")
    rank = np.empty(len(g), dtype=np.int64)
    rank[order] = np.arange(len(g)) - starts
    return rank


def _uncertain(
    g: np.ndarray,
    claim: np.ndarray,
    err: np.ndarray,
    rank: np.ndarray,
    k: np.ndarray,
    w: np.ndarray,
    key: np.ndarray,
    G: int,
) -> np.ndarray:
    """Groups where taking the ``k`` best float claims might not be the exact answer.

    ``claim`` holds float claims accurate to ``err``; eligible recipients have a
    finite or ``+inf`` claim, the others ``-inf``. A group is certain when no other
    claim lies within twice the two errors of the cut-off (the k-th best claim), or
    when every claim in that band is an exact tie in truth (the same weight and the
    same ``key``, i.e. the same computation on the same inputs; or all infinite).
    """
    cut = np.full(G, np.nan)
    ecut = np.zeros(G)
    at_cut = rank == (k[g] - 1)
    cut[g[at_cut]] = claim[at_cut]
    ecut[g[at_cut]] = np.where(np.isfinite(claim[at_cut]), err[at_cut], 0.0)
    c = cut[g]
    # Outside the band a claim is on its side of the cut-off by more than both errors.
    with np.errstate(invalid="ignore"):
        band = (np.isfinite(c) & (np.abs(claim - c) <= 2 * (err + ecut[g]))) | (
            np.isinf(c) & (claim == c)
        )
    band &= claim > -np.inf
    n_band = np.bincount(g, weights=band, minlength=G)
    # Identical (weight, key) within the band: compare min and max of each.
    big = np.inf

    def spread(x: np.ndarray) -> np.ndarray:
        lo = np.full(G, big)
        hi = np.full(G, -big)
        np.minimum.at(lo, g[band], x[band])
        np.maximum.at(hi, g[band], x[band])
        return hi > lo

    varied = spread(w) | spread(key.astype(float))
    all_inf = np.zeros(G, dtype=bool)
    all_inf[g[at_cut]] = np.isinf(claim[at_cut])
    n_el = np.bincount(g, weights=claim > -np.inf, minlength=G)
    # Nothing to decide when no unit is handed out or every eligible claim wins one.
    need = (k > 0) & (k < n_el) & (n_band > 1) & varied & ~all_inf
    # With infinite cut-off the order among infinite claims is by weight then
    # position, which the float ranking already applies exactly.
    return need


def _waterfill(
    w: np.ndarray, g: np.ndarray, totals: np.ndarray, m: np.ndarray, mx: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact-quota bookkeeping for Hamilton with bounds.

    Finds, per group, the recipients whose exact quota ``lambda w`` falls outside
    ``[m, mx]`` (they are held at the bound) by the clamp-the-larger-breach rule:
    if the free recipients' excess above their maxima is at least their shortfall
    below their minima, the final ``lambda`` can only be larger, so those above
    stay above (and symmetrically). One side is clamped per round.

    Returns ``state`` (0 free, 1 held at minimum, 2 held at maximum), the units
    left for the free recipients per group, and their weight per group.
    """
    G = len(totals)
    state = np.zeros(len(w), dtype=np.int8)
    mxf = mx.astype(float)
    for _round in range(int(np.bincount(g, minlength=G).max(initial=0)) + 2):
        free = state == 0
        held = np.where(state == 1, m, np.where(state == 2, mx, 0))
        rem = totals - np.bincount(g, weights=held, minlength=G).astype(np.int64)
        free_w = np.bincount(g, weights=np.where(free, w, 0.0), minlength=G)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(free_w[g] > 0, w * (rem[g] / free_w[g]), 0.0)
        over = free & (q > mxf)
        under = free & (q < m)
        if not (over.any() or under.any()):
            break
        excess = np.bincount(g, weights=np.where(over, q - mxf, 0.0), minlength=G)
        short = np.bincount(g, weights=np.where(under, m - q, 0.0), minlength=G)
        fix_over = over & (excess >= short)[g]
        fix_under = under & (excess < short)[g]
        state[fix_over] = 2
        state[fix_under] = 1
    return state, rem, free_w


def _hamilton(
    w: np.ndarray, g: np.ndarray, totals: np.ndarray, m: np.ndarray, mx: np.ndarray
) -> np.ndarray:
    G = len(totals)
    w0 = w
    wmax = np.zeros(G)
    np.maximum.at(wmax, g, w0)
    w = np.where(wmax[g] > 0, w0 / np.where(wmax[g] > 0, wmax[g], 1.0), 0.0)
    state, rem, free_w = _waterfill(w, g, totals, m, mx)
    free = state == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(free & (free_w[g] > 0), w * (rem[g] / free_w[g]), 0.0)
    n_g = np.bincount(g, minlength=G)
    err = (n_g[g] + 8) * 4e-16 * np.maximum(1.0, q)
    # Quotas within float error of a whole number are taken as that number. If the
    # truth is a hair below, it would have had the largest remainder and got the unit
    # back; a hair above only matters when the remainders run out down to ~0, which
    # sends the group to the exact pass below.
    near_int = free & (np.abs(q - np.round(q)) <= err) & (q > 0)
    q = np.where(near_int, np.round(q), q)
    base = np.where(state == 1, m, np.where(state == 2, mx, np.floor(q))).astype(np.int64)
    base = np.clip(base, m, mx)
    frac = q - np.floor(q)
    # Held recipients, and free ones already at their maximum, never take a remainder.
    eligible = free & (base < mx) & (w > 0)
    claim = np.where(eligible, frac, -np.inf)
    left = totals - np.bincount(g, weights=base, minlength=G).astype(np.int64)
    rank = _rank_within(g, claim, w)
    take = (rank < left[g]) & eligible
    out = base + take.astype(np.int64)
    k = np.maximum(left, 0)
    need = _uncertain(g, claim, err, rank, k, w, np.zeros(len(w)), G)
    cut = np.full(G, np.inf)
    at_cut = rank == (k[g] - 1)
    cut[g[at_cut]] = claim[at_cut] - 2 * err[at_cut]
    has_near = np.bincount(g, weights=near_int, minlength=G) > 0
    need |= has_near & (k > 0) & (cut <= 0)
    for gi in np.flatnonzero(need):
        idx = np.flatnonzero(g == gi)
        out[idx] = _hamilton_exact(w0[idx], int(totals[gi]), m[idx], mx[idx], state[idx])
    return out


def _hamilton_exact(
    w: np.ndarray, total: int, m: np.ndarray, mx: np.ndarray, state: np.ndarray
) -> np.ndarray:
    """One group in exact rational arithmetic (the float pass was not sure)."""
    W = [_as_decimal_fraction(x) for x in w]
    st = state.tolist()
    m = [int(x) for x in m]
    mx = [int(x) for x in mx]
    # Re-check the held set exactly (the same clamp-the-larger-breach rule).
    for _round in range(len(W) + 2):
        held = sum(int(m[i]) if s == 1 else int(mx[i]) for i, s in enumerate(st) if s)
        rem = total - held
        fw = sum(W[i] for i, s in enumerate(st) if s == 0)
        q = [W[i] * rem / fw if (s == 0 and fw > 0) else Fraction(0) for i, s in enumerate(st)]
        over = [i for i, s in enumerate(st) if s == 0 and q[i] > mx[i]]
        under = [i for i, s in enumerate(st) if s == 0 and q[i] < m[i]]
        if not over and not under:
            break
        ex = sum(q[i] - int(mx[i]) for i in over)
        sh = sum(int(m[i]) - q[i] for i in under)
        for i in over if ex >= sh else under:
            st[i] = 2 if ex >= sh else 1
    out = []
    for i, s in enumerate(st):
        if s == 1:
            out.append(int(m[i]))
        elif s == 2:
            out.append(int(mx[i]))
        else:
            out.append(min(max(q[i].numerator // q[i].denominator, int(m[i])), int(mx[i])))
    left = total - sum(out)
    cand = [i for i, s in enumerate(st) if s == 0 and out[i] < mx[i] and W[i] > 0]
    cand.sort(key=lambda i: (-(q[i] - (q[i].numerator // q[i].denominator)), -W[i], i))
    for i in cand[:left]:
        out[i] += 1
    return np.asarray(out, dtype=np.int64)


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


def _as_decimal_fraction(x: float) -> Fraction:
    """A weight as the decimal a person wrote: 0.2 is 1/5, not the binary float
    0.2000000000000000111, so shares such as 20/70/10 tie exactly where their
    remainders tie on paper (repr gives the shortest decimal that reads back as
    the same float)."""
    return Fraction(repr(float(x)))


def _exact_priority(w: Fraction, s: int, method: str) -> tuple:
    """Sort key (smaller first) of a recipient holding ``s`` units, exact."""
    if method == "jefferson":
        p = w / (s + 1)
    elif method == "webster":
        p = 2 * w / (2 * s + 1)
    elif s == 0:
        return (0, 0)  # Huntington-Hill: the first unit has infinite priority
    else:
        p = w * w / (s * (s + 1))  # squared priority: same order, no square root
    return (1, -p)


def _divisor_exact(
    w: np.ndarray, s: np.ndarray, total: int, mx: np.ndarray, method: str
) -> np.ndarray:
    """Finish one group seat by seat in exact arithmetic from the allocation ``s``."""
    import heapq

    W = [_as_decimal_fraction(x) for x in w]
    s = [int(x) for x in s]
    mx = [int(x) for x in mx]
    heap = [
        (*_exact_priority(W[i], s[i], method), -W[i], i)
        for i in range(len(W))
        if W[i] > 0 and s[i] < mx[i]
    ]
    heapq.heapify(heap)
    for _step in range(total - sum(s)):
        *_rest, i = heapq.heappop(heap)
        s[i] += 1
        if s[i] < mx[i]:
            heapq.heappush(heap, (*_exact_priority(W[i], s[i], method), -W[i], i))
    return np.asarray(s, dtype=np.int64)


def _divisor(
    w0: np.ndarray, g: np.ndarray, totals: np.ndarray, m: np.ndarray, mx: np.ndarray, method: str
) -> np.ndarray:
    """Divisor methods with bounds: bisection on the divisor (vectorized over groups)
    to place all but the near-tied units, then the last units by exact priority."""
    G = len(totals)
    # Only ratios matter: scale each problem so its largest weight is 1, which keeps
    # divisors and quotas far from overflow and underflow (exact comparisons use w0).
    wmax = np.zeros(G)
    np.maximum.at(wmax, g, w0)
    w = np.where(wmax[g] > 0, w0 / np.where(wmax[g] > 0, wmax[g], 1.0), 0.0)
    n_g = np.bincount(g, minlength=G)
    wsum = np.bincount(g, weights=w, minlength=G)
    msum = np.bincount(g, weights=m, minlength=G).astype(np.int64)

    def count(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            x = np.where(np.isinf(d[g]), 0.0, w / d[g])
            x = np.minimum(x, 2.0 * MAX_TOTAL)
        s = np.maximum(m, _seats(x, method))
        if method == "huntington_hill":
            # A positive weight earns its first unit at any finite divisor, even when
            # w / d underflows to zero.
            s = np.maximum(s, ((w > 0) & np.isfinite(d[g])).astype(np.int64))
        s = np.minimum(s, mx)
        return s, np.bincount(g, weights=s, minlength=G).astype(np.int64)

    active = (totals > msum) & (wsum > 0)
    hi = np.where(active, 2.0 * 1.0 + 1.0, np.inf)
    lo = np.where(active, wsum / (totals + n_g + 1.0), np.inf)
    _n_hi, f_hi = count(hi)
    # Huntington-Hill gives every positive weight a first unit at any finite divisor;
    # when there are fewer units than that, the first units go by the tie rule alone.
    short = active & (f_hi > totals)
    hi[short] = np.inf
    lo[short] = np.inf
    bis = active & ~short
    for _step in range(200):
        if not bis.any():
            break
        mid = np.where(bis, np.sqrt(lo * hi), hi)
        _n_mid, f_mid = count(mid)
        le = f_mid <= totals
        hi = np.where(bis & le, mid, hi)
        lo = np.where(bis & ~le, mid, lo)
        with np.errstate(invalid="ignore"):  # inactive groups hold inf / inf
            bis = bis & (hi / lo > 1 + 1e-14)
    # Step back from the divisor so that claims within a hair of it (ties, or float
    # noise around one) are not placed by floating point; they are placed below.
    s, f = count(hi * (1 + _BACKOFF))
    left = totals - f
    err_rel = 1e-12
    while (left > 0).any():
        thr = _threshold(s, method)
        with np.errstate(divide="ignore", invalid="ignore"):
            prio = np.where(thr > 0, w / thr, np.inf)
            nxt = w / _threshold(s + 1, method)
        eligible = (w > 0) & (s < mx) & (left[g] > 0)
        claim = np.where(eligible, prio, -np.inf)
        rank = _rank_within(g, claim, w)
        n_el = np.bincount(g, weights=eligible, minlength=G).astype(np.int64)
        k = np.minimum(left, n_el)
        err = err_rel * np.where(np.isfinite(prio), prio, 0.0)
        need = _uncertain(g, claim, err, rank, k, w, s, G)
        # A winner whose next unit would still beat the cut-off must be done seat by seat.
        cut = np.full(G, -np.inf)
        at_cut = rank == (k[g] - 1)
        cut[g[at_cut]] = claim[at_cut]
        win = (rank < k[g]) & eligible
        again = np.zeros(G, dtype=bool)
        again[g[win & (nxt >= cut[g] * (1 - 4 * err_rel))]] = True
        need |= again & ((k < left) | (k > 1))
        take = win & ~need[g]
        s = s + take.astype(np.int64)
        for gi in np.flatnonzero(need & (left > 0)):
            idx = np.flatnonzero(g == gi)
            s[idx] = _divisor_exact(w0[idx], s[idx], int(totals[gi]), mx[idx], method)
        left = totals - np.bincount(g, weights=s, minlength=G).astype(np.int64)
    return s

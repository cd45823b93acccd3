"""The effort solver: every rep's best effort at once, and the Holmstrom-Milgrom check."""

from __future__ import annotations

import numpy as np

from simlib.behavior.specs import BehaviorError
from simlib.i18n import _


def solve_effort(
    pay: np.ndarray,
    scales: np.ndarray,
    y0: np.ndarray,
    sigma: np.ndarray | float,
    cost: np.ndarray | float,
    elasticity: float = 1.0,
    risk_aversion: float = 0.0,
    intrinsic: float = 0.0,
    efforts: np.ndarray | None = None,
    nodes: int = 15,
    block: int = 2048,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each rep's optimal effort, for all reps at once.

    Parameters
    ----------
    pay : (reps, S) array
        Annual pay (currency) if the rep's output were ``scales[j] * y0``.
    scales : (S,) array
        Uniformly spaced output scales (multiples of expected output).
    y0 : (reps,) array
        Expected annual output at effort 1 (quota-KPI units).
    sigma : float or (reps,) array
        Relative standard deviation of annual output (``Y = y0 (e + sigma Z)``).
    cost, elasticity, risk_aversion
        See :class:`EffortSpec`.
    intrinsic : float
        Value of a unit of output beyond pay, in pay per unit of output (here
        absolute, not a share of ``cost``).
    efforts : (E,) array
        The grid searched (uniform); default 0.5 to 1.5 by 0.005.
    nodes : int
        Gauss-Hermite nodes for the expectation over ``Z``: exact for pay
        polynomial in output up to degree ``2 * nodes - 1``.

    Returns
    -------
    effort : (reps,) array
        The maximizer, refined by a parabola through the best grid point and its
        neighbours (exact when the objective is quadratic in effort, as with a
        linear plan, normal noise and quadratic cost).
    parts : dict
        ``mean_pay``, ``var_pay`` and ``certainty_equivalent`` (the rep's value of
        the plan net of effort cost and risk premium) at the chosen effort.
    """
    pay = np.asarray(pay, dtype=float)
    scales = np.asarray(scales, dtype=float)
    n_reps = pay.shape[0]
    y0 = np.broadcast_to(np.asarray(y0, dtype=float), (n_reps,))
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (n_reps,))
    cost = np.broadcast_to(np.asarray(cost, dtype=float), (n_reps,))
    e = np.linspace(0.5, 1.5, 201) if efforts is None else np.asarray(efforts, dtype=float)
    if len(e) < 3:
        raise BehaviorError(_("effort grid: need at least 3 points"))
    h = e[1] - e[0]
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    ds = scales[1] - scales[0]
    k = 1.0 + 1.0 / elasticity
    best = np.empty(n_reps)
    parts = {
        "mean_pay": np.empty(n_reps),
        "var_pay": np.empty(n_reps),
        "certainty_equivalent": np.empty(n_reps),
    }

    def moments(flat: np.ndarray, ee: np.ndarray, sg: np.ndarray, yy: np.ndarray, cc):
        """Mean, variance and certainty equivalent of pay at efforts ``ee`` (n, E)."""
        s = ee[..., None] + sg[:, None, None] * z[None, None, :]  # (n, E, N) output scales
        pos = np.clip((s - scales[0]) / ds, 0.0, len(scales) - 1.000001)
        i0 = np.floor(pos).astype(np.int64)
        fr = pos - i0
        m = flat.shape[0]
        p0 = np.take_along_axis(flat, i0.reshape(m, -1), axis=1).reshape(i0.shape)
        p1 = np.take_along_axis(flat, (i0 + 1).reshape(m, -1), axis=1).reshape(i0.shape)
        p = p0 + fr * (p1 - p0)
        mean = p @ w  # (n, E)
        var = np.maximum((p * p) @ w - mean * mean, 0.0)
        # The risk premium of the pay distribution the rep actually faces (CARA,
        # normal approximation): r / (2 Y0) x Var[pay], r per unit of expected output.
        with np.errstate(invalid="ignore", divide="ignore"):
            risk = np.where(yy > 0, risk_aversion / (2 * yy) * var, 0.0)
        ce = mean - risk + intrinsic * yy * ee - yy * cc * ee**k / k
        return mean, var, ce

    for a in range(0, n_reps, block):
        sl = slice(a, min(a + block, n_reps))
        n = sl.stop - sl.start
        flat = pay[sl]
        yy = y0[sl, None]
        _mean, _var, ce = moments(
            flat, np.broadcast_to(e, (n, len(e))), sigma[sl], yy, cost[sl, None]
        )
        j = np.argmax(ce, axis=1)
        jc = np.clip(j, 1, len(e) - 2)
        rows = np.arange(n)
        fm, f0, fp = ce[rows, jc - 1], ce[rows, jc], ce[rows, jc + 1]
        curv = fm - 2 * f0 + fp
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(curv < 0, 0.5 * (fm - fp) / curv, 0.0)
        interior = (j > 0) & (j < len(e) - 1)
        opt = np.where(interior, e[jc] + np.clip(step, -1, 1) * h, e[j])
        opt = np.where(y0[sl] > 0, opt, 1.0)
        best[sl] = opt
        # The pay distribution at the chosen effort itself (not the grid point).
        mean, var, ce = moments(flat, opt[:, None], sigma[sl], yy, cost[sl, None])
        parts["mean_pay"][sl] = mean[:, 0]
        parts["var_pay"][sl] = var[:, 0]
        parts["certainty_equivalent"][sl] = ce[:, 0]
    return best, parts


def best_linear_rate(
    cost: float,
    risk_aversion: float,
    sigma: float,
    elasticity: float = 1.0,
    rates: np.ndarray | None = None,
) -> tuple[float, float]:
    """The linear commission maximizing total surplus, found with the effort model.

    For each commission rate ``beta`` on a grid, a rep paid ``beta * Y`` chooses
    effort with :func:`solve_effort` (output ``Y = e + sigma Z`` per unit of
    expected output); the surplus is expected output minus expected pay plus the
    rep's certainty equivalent as the solver computes it from the pay
    distribution the rep faces (``E[pay] - r/2 Var[pay] - c e^k / k``). The best grid
    rate is refined by a parabola, then the grid is narrowed around it. For
    ``elasticity = 1`` the answer is Holmstrom & Milgrom's ``1 / (1 + r c
    sigma^2)``, which is how the effort model is tested.

    Returns
    -------
    (beta, effort) : the best commission rate and the effort it induces.
    """
    lo, hi = 0.0, 1.5
    beta = np.linspace(lo, hi, 151) if rates is None else np.asarray(rates, dtype=float)
    scales = np.linspace(-8 * sigma, 3.0 + 8 * sigma, 801)
    e_max = max(3.0, 1.5 * (hi / cost) ** elasticity)
    efforts = np.linspace(0.0, e_max, 3001)

    def surplus(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pay = b[:, None] * scales[None, :]
        e, parts = solve_effort(
            pay, scales, np.ones(len(b)), sigma, cost, elasticity, risk_aversion, efforts=efforts
        )
        # Total surplus = expected output - expected pay + the rep's certainty
        # equivalent (pay net of effort cost and of the risk premium of the pay
        # distribution the solver computed): nothing here assumes the plan is linear.
        return e - parts["mean_pay"] + parts["certainty_equivalent"], e

    b = 0.0
    for _round in range(4):
        s, _efforts = surplus(beta)
        j = int(np.argmax(s))
        jc = min(max(j, 1), len(beta) - 2)
        fm, f0, fp = s[jc - 1], s[jc], s[jc + 1]
        curv = fm - 2 * f0 + fp
        hstep = beta[1] - beta[0]
        b = beta[jc] + (0.5 * (fm - fp) / curv * hstep if curv < 0 else 0.0)
        beta = np.linspace(max(b - 2 * hstep, 0.0), b + 2 * hstep, 41)
    _surplus, e = surplus(np.array([b]))
    return float(b), float(e[0])

"""Payout curves: the payout factor as a piecewise-linear function of attainment.

A curve is a list of ``(attainment, factor)`` points, both as fractions (1.0 is
100% of quota; a factor of 1.0 pays the component's target amount).

* Between points the factor is interpolated linearly; the slope of a segment is
  its *accelerator* (steeper than the segment before) or *decelerator*.
  Practitioner guides put accelerators above 100% at 1.5x-2.5x the base rate.
* Below the first point the factor is ``below`` (0 by default: a **hard
  threshold**, nothing is paid below it; the Alexander Group puts thresholds at
  70-80% of quota).
* Two points with the same attainment encode a **jump** (a *bump* threshold, or
  the second step of a *two-step* threshold); the value *at* the jump is the
  upper one, i.e. the later point's factor.
* After the last point the factor stays flat: that is the **cap**.

Evaluation is vectorized over arrays of any shape: the continuous part is one
``np.interp`` call and each jump adds ``size * (attainment >= x)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simlib.i18n import _


class PayoutCurve:
    """A vectorized payout curve.

    Parameters
    ----------
    points : sequence of (attainment, factor) pairs
        Attainment as a fraction of quota (0.8 = 80%), non-decreasing; at most two
        points may share an attainment (a jump). Factor as a multiple of the
        component's target payout (1.0 = target).
    below : float or None
        Factor below the first point: ``0.0`` (default) is a hard threshold;
        ``None`` extends the first point's factor flat to the left (what a
        modifier such as "retention x0.8-1.2" wants).

    Examples
    --------
    Threshold at 80% paying 50%, target at 100%, accelerator to 2x at 150%, cap:

    >>> c = PayoutCurve([(0.8, 0.5), (1.0, 1.0), (1.5, 2.0)])
    >>> c([0.79, 0.8, 0.9, 1.0, 1.25, 3.0]).tolist()
    [0.0, 0.5, 0.75, 1.0, 1.5, 2.0]
    """

    def __init__(self, points: Sequence[Sequence[float]], below: float | None = 0.0) -> None:
        pts = np.asarray(points, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
            raise ValueError(_("a payout curve needs at least one (attainment, factor) point"))
        x, y = pts[:, 0], pts[:, 1]
        if not np.all(np.isfinite(pts)):
            raise ValueError(_("payout curve points must be finite numbers"))
        dx = np.diff(x)
        if np.any(dx < 0):
            i = int(np.flatnonzero(dx < 0)[0]) + 1
            raise ValueError(
                _("point {i}: attainment must increase ({x} after {previous})").format(
                    i=i, x=x[i], previous=x[i - 1]
                )
            )
        if np.any((dx[1:] == 0) & (dx[:-1] == 0)):
            raise ValueError(_("at most two points may share an attainment (one jump)"))
        self.points = pts
        self.below = below
        self.x = x
        self.y = y
        # Decompose into a continuous piecewise-linear part g and step jumps.
        jump_x: list[float] = []
        jump_d: list[float] = []
        start = y[0] if below is None else float(below)
        if y[0] != start:
            jump_x.append(x[0])
            jump_d.append(y[0] - start)
        offset = y[0] - start
        gx, gy = [x[0]], [y[0] - offset]
        for i in range(1, len(x)):
            if x[i] == x[i - 1]:
                jump_x.append(x[i])
                jump_d.append(y[i] - y[i - 1])
                offset += y[i] - y[i - 1]
                continue
            gx.append(x[i])
            gy.append(y[i] - offset)
        self._gx = np.asarray(gx)
        self._gy = np.asarray(gy)
        self._jx = np.asarray(jump_x)
        self._jd = np.asarray(jump_d)

    # ------------------------------------------------------------------ values
    def __call__(self, attainment: np.ndarray | float | Sequence[float]) -> np.ndarray:
        """Payout factor at each attainment (same shape as the input)."""
        a = np.asarray(attainment, dtype=float)
        out = np.interp(a, self._gx, self._gy)
        for xj, dj in zip(self._jx, self._jd, strict=True):
            out += dj * (a >= xj)
        return out

    @property
    def threshold(self) -> float:
        """Attainment below which nothing is paid (the first point)."""
        return float(self.x[0])

    @property
    def cap(self) -> float:
        """Attainment after which the factor stays flat (the last point)."""
        return float(self.x[-1])

    @property
    def max_factor(self) -> float:
        """The highest factor the curve pays anywhere (its leverage)."""
        vals = [self.y.max()]
        if self.below is not None:
            vals.append(self.below)
        return float(max(vals))

    def slopes(self) -> np.ndarray:
        """Slope of each segment between consecutive points (NaN at a jump)."""
        dx = np.diff(self.x)
        dy = np.diff(self.y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(dx > 0, dy / np.where(dx > 0, dx, 1.0), np.nan)

    def locate(self, attainment: float) -> str:
        """Where one attainment falls on the curve, in words (for pay statements)."""
        from simlib.i18n import _, percent

        a = float(attainment)
        if a < self.x[0]:
            if self.below is None:
                return _("below the first point ({point}): flat at {factor}").format(
                    point=percent(self.x[0]), factor=f"{self.y[0]:.3g}"
                )
            return _("below the threshold of {point}: factor {factor}").format(
                point=percent(self.x[0]), factor=f"{self.below:.3g}"
            )
        if a >= self.x[-1]:
            return _("at or above the cap point {point}: flat at {factor}").format(
                point=percent(self.x[-1]), factor=f"{self.y[-1]:.3g}"
            )
        i = int(np.searchsorted(self.x, a, side="right")) - 1
        x0, x1, y0, y1 = self.x[i], self.x[i + 1], self.y[i], self.y[i + 1]
        slope = (y1 - y0) / (x1 - x0)
        return _(
            "between {low} (factor {low_factor}) and {high} (factor {high_factor}), "
            "slope {slope} per 100% of attainment"
        ).format(
            low=percent(x0), low_factor=f"{y0:.3g}", high=percent(x1),
            high_factor=f"{y1:.3g}", slope=f"{slope:.3g}",
        )  # fmt: skip

    def __repr__(self) -> str:
        pts = ", ".join(f"({a:g}, {f:g})" for a, f in self.points)
        return f"PayoutCurve([{pts}], below={self.below})"

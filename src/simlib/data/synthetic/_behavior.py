"""Known behaviour the generator can embed, so estimators have something to find.

All options default off: ``generate(...)`` without ``behavior=`` is unchanged
(the bundled sample stays byte-identical).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from simlib.i18n import _


@dataclass(frozen=True)
class EmbeddedBehavior:
    """Behaviour written into the synthetic history (revenue bookings only).

    Attributes
    ----------
    timing_share : float
        Quarter-end pull-in (Oyer 1998; Larkin 2014): a rep whose quarterly revenue
        attainment is within ``timing_band`` below 100% books early exactly the
        missing revenue from next month, if it is at most ``timing_share`` of next
        month's revenue. 0 = off.
    timing_band : float
        How close to quota (attainment fraction) a rep must be to pull in.
    timing_rate : float
        Probability that a rep who is within the band and can pull in does so (each
        rep-quarter drawn independently); 1 (the default) = everyone who can. The
        share :func:`simlib.behavior.timing_pull_in_rate` estimates.
    holdback : float
        Ratchet hold-back (Leone, Misra & Zimmerman): once a rep's revenue for the
        calendar year passes the annual quota, this share of every further unit is
        held back and booked next January (lost if the rep has left). 0 = off.
    plan_change : (position, first month, log uplift), optional
        From ``first month`` (``"YYYY-MM"``) reps in ``position`` sell
        ``exp(uplift)`` times as much (a plan change for one group, for
        difference-in-differences).
    """

    timing_share: float = 0.0
    timing_band: float = 0.1
    timing_rate: float = 1.0
    holdback: float = 0.0
    plan_change: tuple[str, str, float] | None = None

    def __post_init__(self) -> None:
        for name in ("timing_share", "holdback", "timing_rate"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ValueError(
                    _("behavior.{name}: expected a share within 0-1, got {v}").format(
                        name=name, v=v
                    )
                )
        if not 0 < self.timing_band <= 0.5:
            raise ValueError(
                _("behavior.timing_band: expected 0-0.5, got {v}").format(v=self.timing_band)
            )
        if self.plan_change is not None:
            pos, month, uplift = self.plan_change
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(month)):
                raise ValueError(
                    _("behavior.plan_change: month like '2026-01', got {month!r}").format(
                        month=month
                    )
                )
            if not np.isfinite(float(uplift)):
                raise ValueError(_("behavior.plan_change: uplift must be a finite number"))

    @property
    def moves_sales(self) -> bool:
        return self.timing_share > 0 or self.holdback > 0


def apply_timing_and_holdback(
    revenue: np.ndarray,
    target: np.ndarray,
    rep: np.ndarray,
    t: np.ndarray,
    moy: np.ndarray,
    year_of_t: np.ndarray,
    n_all: int,
    n_t: int,
    b: EmbeddedBehavior,
    u: np.ndarray | None = None,
) -> np.ndarray:
    """Revenue per employed cell after quarter-end pull-in and ratchet hold-back.

    ``revenue`` and ``target`` are flat over the cells ``(rep, t)``; the moves are
    computed on dense (reps, months) arrays, vectorized over reps. ``u`` (reps,
    months) uniforms decide who of those able to pull in does (``u < timing_rate``);
    drawn once by the caller so every pass of the fixed point sees the same.
    """
    x = np.full((n_all, n_t), np.nan)
    q = np.full((n_all, n_t), np.nan)
    x[rep, t] = revenue
    q[rep, t] = target
    emp = np.isfinite(x)
    if b.timing_share > 0:
        for e in np.flatnonzero(moy % 3 == 0):
            if e < 2 or e + 1 >= n_t:
                continue
            win = slice(e - 2, e + 1)
            full = emp[:, win].all(axis=1) & np.isfinite(q[:, win]).all(axis=1) & emp[:, e + 1]
            tot = np.where(full, np.nansum(x[:, win], axis=1), 0.0)
            quota = np.where(full, np.nansum(q[:, win], axis=1), 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                att = np.where(quota > 0, tot / quota, np.nan)
            gap = 1.0 - att
            need = np.where(full & (gap > 0) & (gap <= b.timing_band), gap * quota, 0.0)
            nxt = np.nan_to_num(x[:, e + 1])
            will = (need > 0) & (b.timing_share * nxt >= need)
            if u is not None:
                will &= u[:, e] < b.timing_rate
            move = np.where(will, np.ceil(need), 0.0)
            move = np.minimum(move, nxt)
            x[:, e] = np.where(move > 0, x[:, e] + move, x[:, e])
            x[:, e + 1] = np.where(move > 0, x[:, e + 1] - move, x[:, e + 1])
    if b.holdback > 0:
        for yv in np.unique(year_of_t):
            cols = np.flatnonzero(year_of_t == yv)
            quota = np.nansum(q[:, cols], axis=1)
            has_q = np.isfinite(q[:, cols]).any(axis=1) & (quota > 0)
            cum = np.zeros(n_all)
            over_prev = np.zeros(n_all)
            held = np.zeros(n_all)
            for c in cols:
                cum = cum + np.nan_to_num(x[:, c])
                over = np.maximum(cum - quota, 0.0)
                keep_back = np.where(has_q, np.round(b.holdback * (over - over_prev)), 0.0)
                over_prev = over
                x[:, c] = np.where(emp[:, c], x[:, c] - keep_back, x[:, c])
                held += keep_back
            jan = cols[-1] + 1
            if jan < n_t:
                x[:, jan] = np.where(emp[:, jan], x[:, jan] + held, x[:, jan])
    return x[rep, t]

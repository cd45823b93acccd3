"""Drawing a component's curves (payout, coefficient, modifier) on matplotlib axes."""

from __future__ import annotations

import numpy as np

from simlib.i18n import N_, _
from simlib.plans.curve import PayoutCurve

#: The curves a plan draws, as the chart titles name them.
CURVE_KINDS = {
    "payout": N_("payout"),
    "modifier": N_("modifier"),
    "coefficient": N_("coefficient"),
}


def draw_curve(c, ax, kind: str) -> None:
    """One curve of component ``c`` (``kind``: payout, coefficient or modifier) on ``ax``."""
    pts = dict(c.curves())[kind]
    curve = PayoutCurve(pts, below=0.0 if kind == "payout" else None)
    xmax = max(p[0] for p in pts) * 1.3 + 0.05
    x = np.linspace(0, xmax, 600)
    ax.plot(x, curve(x), color="C0" if kind == "payout" else "C1")
    ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=12, color="k", zorder=3)
    if kind == "payout":
        ax.axvspan(0.7, 0.8, color="0.9", label=_("threshold norm 70-80%"))
        ax.axvline(1.0, color="0.6", lw=0.8, ls="--")
        ax.legend(fontsize=7, loc="upper left")
    ax.set_xlabel(
        _("attainment")
        if kind != "modifier" or c.modifier.basis == "attainment"
        else _("{kpi} value").format(kpi=c.modifier.kpi)
    )
    ax.set_ylabel(_("factor"))
    ax.set_title(f"{c.name}: {_(CURVE_KINDS[kind])}", fontsize=9)


def panel_axes(ax, n: int, width: float, height: float) -> tuple[list, bool]:
    """Axes for ``n`` panels side by side: new ones (a new figure ``width`` x ``height``
    each) when ``ax`` is None, else the given Axes (one, or a sequence of at least ``n``).

    Returns the axes and whether the figure is new (then the caller lays it out).
    """
    import matplotlib.pyplot as plt

    n = max(n, 1)
    if ax is None:
        _fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False)
        return list(axes[0]), True
    given = [ax] if hasattr(ax, "plot") else list(np.ravel(ax))
    if len(given) < n:
        raise ValueError(
            _("ax: {n} panels to draw but {given} axes given; pass {n} or none").format(
                n=n, given=len(given)
            )
        )
    return given[:n], False


def drawn(axes: list, new: bool):
    """What a plot function returns, as pandas does: the Axes of a single panel, else a
    numpy array of them (``.figure`` of any is the figure)."""
    if new:
        axes[0].figure.tight_layout()
    return axes[0] if len(axes) == 1 else np.array(axes, dtype=object)

"""Small pieces of plan sentences shared by descriptions, checks and statements."""

from __future__ import annotations

from simlib.i18n import _
from simlib.plans.curve import PayoutCurve


def pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def sp() -> str:
    """The space between two sentences: none in Chinese."""
    from simlib import i18n

    return "" if i18n.is_chinese() else " "


def currency_words(code: str) -> str:
    """The currency as the text names it: 元 for CNY in Chinese, else the code."""
    from simlib import i18n

    return "元" if i18n.is_chinese() and code.upper() in ("CNY", "RMB") else code


def join(parts: list[str]) -> str:
    return _("; ").join(parts)


def curve_words(points) -> str:
    """A payout curve in words: threshold, each point, jumps, the cap."""
    c = PayoutCurve(points)
    parts = []
    x, y = c.x, c.y
    parts.append(_("below {point} of target it pays nothing").format(point=pct(x[0])))
    for i in range(len(x)):
        if i > 0 and x[i] == x[i - 1]:
            parts.append(
                _("at {point} it jumps to {factor} of target").format(
                    point=pct(x[i]), factor=pct(y[i])
                )
            )
        else:
            parts.append(_("at {point} it pays {factor}").format(point=pct(x[i]), factor=pct(y[i])))
    parts.append(
        _("above {point} it stays at {factor} (the cap)").format(
            point=pct(x[-1]), factor=pct(y[-1])
        )
    )
    return join(parts)


def modifier_words(m, name) -> str:
    """The modifier's levels, e.g. "92% or less: x0.8; 96%: x1; 99% or more: x1.2"."""
    pts = m.curve

    def lvl(x: float) -> str:
        return pct(x) if m.basis == "attainment" or abs(x) <= 1.5 else f"{x:g}"

    parts = [_("{level} or less: x{factor}").format(level=lvl(pts[0][0]), factor=f"{pts[0][1]:g}")]
    parts += [_("{level}: x{factor}").format(level=lvl(x), factor=f"{y:g}") for x, y in pts[1:-1]]
    if len(pts) > 1:
        parts.append(
            _("{level} or more: x{factor}").format(level=lvl(pts[-1][0]), factor=f"{pts[-1][1]:g}")
        )
    what = (_("your {kpi} attainment") if m.basis == "attainment" else _("your {kpi}")).format(
        kpi=name
    )
    return sp() + _(
        "It is multiplied by a factor from {what} ({levels}; in between, in proportion)."
    ).format(what=what, levels=join(parts))

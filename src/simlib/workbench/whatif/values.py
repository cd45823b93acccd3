"""How the what-if shows a control's value, and where a payout curve's cap is."""

from __future__ import annotations

import math
from typing import Any

from simlib.i18n import _
from simlib.scenario import NO_CAP_ATTAINMENT as NO_CAP


def show_value(kind: str, value: Any, unit: str = "") -> str:
    if kind == "switch":
        return _("on") if value else _("off")
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return _("n/a")
    v = float(value)
    if kind == "attainment":
        return _("no cap") if v >= NO_CAP else _("{pct} of quota").format(pct=f"{v:.0%}")
    if kind in ("factor", "share"):
        return f"{v:.0%}" if abs(v * 100 - round(v * 100)) < 1e-9 else f"{v:.1%}"
    if kind == "slope":
        return f"{v:.2f}x"
    if kind == "money":
        return f"{v:,.0f} {unit}".strip()
    return f"{v:g} {_(unit) if unit else ''}".strip()


def cap_index(curve: list) -> int:
    """Index of the curve point where pay stops rising (the cap point).

    The end of the last rising segment, as a scenario file's cap moves
    (``curve[-1][0]``) read it; an explicit flat tail after it is not the cap.
    """
    pts = [(float(a), float(b)) for a, b in curve]
    rising = [
        i for i in range(1, len(pts)) if pts[i][0] > pts[i - 1][0] and pts[i][1] > pts[i - 1][1]
    ]
    return rising[-1] if rising else len(pts) - 1

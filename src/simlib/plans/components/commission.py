"""Commission on the value of a KPI: a flat rate or tiers, marginal or retroactive."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from simlib.i18n import N_, _
from simlib.plans.components.base import (
    Basis,
    DescribeContext,
    PlanComponent,
    Problem,
    StatementContext,
)
from simlib.plans.words import join, num
from simlib.spec import StrictModel


class Tier(StrictModel):
    """Commission ``rate`` on value above ``above`` (currency per year, or attainment)."""

    above: float = Field(ge=0)
    rate: float = Field(ge=0)


class Commission(PlanComponent):
    """Commission on the value of ``kpi``: a flat ``rate`` or ``tiers``.

    ``mode``: ``marginal`` pays each tier's rate on the part of value in it;
    ``retroactive`` pays the reached tier's rate on all value. ``basis``: tier
    breaks, ``threshold`` and ``cap`` are annual currency amounts (``value``) or
    attainment fractions (``attainment``; a rep without a target for the window
    earns nothing, recorded as "no target").

    ``threshold``: in ``marginal`` mode nothing is earned on the first
    ``threshold`` of value (commission on value between ``threshold`` and
    ``cap``); in ``retroactive`` mode it is a qualifier: below it nothing is
    earned, at or above it the reached rate applies to all value up to ``cap``
    (retroactive to the first unit). ``cap``: no commission on value above it.
    """

    type: Literal["commission"] = "commission"
    kpi: str
    rate: float | None = Field(default=None, ge=0)
    tiers: list[Tier] | None = None
    mode: Literal["marginal", "retroactive"] = "marginal"
    basis: Basis = "value"
    threshold: float | None = Field(default=None, ge=0)
    cap: float | None = Field(default=None, ge=0)

    type_words: ClassVar[str] = N_("commission")

    @classmethod
    def scale_pay_levels(cls, spec: dict[str, Any], factor: float) -> None:
        super().scale_pay_levels(spec, factor)
        if spec.get("rate") is not None:
            spec["rate"] = spec["rate"] * factor
        for t in spec.get("tiers") or []:
            t["rate"] = t["rate"] * factor

    def needs_target(self) -> bool:
        return self.basis == "attainment"

    def check(self, path: str) -> list[Problem]:
        p = path
        errs: list[Problem] = []
        if (self.rate is None) == (self.tiers is None):
            errs.append((p, _("give exactly one of 'rate' (flat) or 'tiers'")))
        tiers, cap = self.tiers, self.cap
        if tiers is not None:
            if not tiers:
                errs.append((f"{p}.tiers", _("at least one tier is needed")))
            for j in range(1, len(tiers)):
                if tiers[j].above <= tiers[j - 1].above:
                    errs.append(
                        (
                            f"{p}.tiers[{j}].above",
                            _("tier breaks must increase ({x} after {previous})").format(
                                x=tiers[j].above, previous=tiers[j - 1].above
                            ),
                        )
                    )
        if self.threshold is not None and cap is not None and cap <= self.threshold:
            errs.append(
                (
                    f"{p}.cap",
                    _("cap ({cap}) must be above the threshold ({threshold})").format(
                        cap=cap, threshold=self.threshold
                    ),
                )
            )
        if tiers and cap is not None:
            for j, tier in enumerate(tiers):
                if tier.above >= cap:
                    errs.append(
                        (
                            f"{p}.tiers[{j}].above",
                            _(
                                "tier break {above:g} is at or above the cap ({cap:g}), "
                                "so this tier could never pay; lower the break or raise the cap"
                            ).format(above=tier.above, cap=cap),
                        )
                    )
        return errs

    # ---------------------------------------------------------------- payment
    def entitlement(self, prep, w):
        v = prep.window_value("a", self.kpi, w)
        attainment = self.basis == "attainment"
        scale = prep.window_value("q", self.kpi, w) if attainment else prep.window_share(w)
        raw = commission_amount(self, v, scale)
        if attainment:
            # Breaks are fractions of the target: without one nothing is earned.
            raw = raw * (scale > 0)
        t = {"value": v, "scale": scale}
        if attainment:
            t["attainment"] = prep.attainment(self.kpi, w)
        return raw, t

    # ------------------------------------------------------------------ words
    def scales_with_days(self) -> bool:
        return self.basis == "value"

    def cap_words(self) -> list[str]:
        if self.cap is None:
            return []
        return [
            _("{component} earns nothing above {value}").format(
                component=self.name, value=f"{self.cap:,.4g}"
            )
        ]

    def panels(self) -> list[str]:
        return ["commission", *super().panels()]

    def draw(self, ax, kind: str) -> None:
        if kind != "commission":
            return super().draw(ax, kind)
        tiers = [t.above for t in (self.tiers or [])]
        top = max([*tiers, self.cap or 0, self.threshold or 0, 1.0]) * 1.5
        x = np.linspace(0, top, 400)
        y = commission_amount(self, x, np.ones_like(x))
        ax.plot(x, y, color="C2")
        ax.set_xlabel(
            _("annual value") if self.basis == "value" else _("attainment x annual target")
        )
        ax.set_ylabel(_("commission (per unit of scale)"))
        ax.set_title(
            _("{component}: {mode} commission").format(component=self.name, mode=_(self.mode)),
            fontsize=9,
        )

    def describe(self, ctx: DescribeContext) -> str:
        unit = (
            _("{currency} a year").format(currency=ctx.currency)
            if self.basis == "value"
            else _("of target")
        )
        if self.rate is not None:
            sched = _("{rate} of your {kpi}").format(rate=f"{self.rate:.2%}", kpi=ctx.kpi(self.kpi))
        else:
            tiers = join(
                [
                    _("{rate} above {value} {unit}").format(
                        rate=f"{t.rate:.2%}", value=num(t.above), unit=unit
                    )
                    for t in self.tiers
                ]
            )
            how = (
                _("each rate applies to the part of your value in its tier")
                if self.mode == "marginal"
                else _("the rate of the highest tier you reach applies to all your value")
            )
            sched = _("tiered on your {kpi} ({tiers}; {how})").format(
                kpi=ctx.kpi(self.kpi), tiers=tiers, how=how
            )
        return _("{label}: commission {schedule}{limits}{per}.").format(
            label=self.label or self.name, schedule=sched, limits=self._limit_words(unit),
            per=ctx.per,
        )  # fmt: skip

    def _limit_words(self, unit: str) -> str:
        lim = ""
        if self.threshold is not None:
            if self.mode == "marginal":
                lim += _("; nothing on the first {value} {unit}").format(
                    value=num(self.threshold), unit=unit
                )
            else:
                lim += _(
                    "; nothing until you reach {value} {unit}, then the rate applies to "
                    "all of it from the first unit"
                ).format(value=num(self.threshold), unit=unit)
        if self.cap is not None:
            lim += _("; nothing on value above {value} {unit}").format(
                value=num(self.cap), unit=unit
            )
        if self.basis == "attainment":
            lim += _("; without a target for the period it pays nothing")
        return lim

    def explain(self, ctx: StatementContext, line: str, tr: dict, j: int) -> None:
        from simlib import i18n

        v, sc = ctx.at(tr["value"], j), ctx.at(tr["scale"], j)
        unit = _("of a year") if self.basis == "value" else _("(window target)")
        sched = (
            _("flat {rate}").format(rate=i18n.percent(self.rate, 2))
            if self.rate is not None
            else ", ".join(
                _("{rate} above {value}").format(
                    rate=i18n.percent(tier.rate, 2), value=ctx.num(tier.above * sc)
                )
                for tier in self.tiers
            )
        )
        extra = ""
        if self.threshold is not None:
            extra += _("; nothing below {value}").format(value=ctx.num(self.threshold * sc))
        if self.cap is not None:
            extra += _("; nothing above {value}").format(value=ctx.num(self.cap * sc))
        ctx.add(
            line,
            _("value"),
            _("{kpi} {value}; breaks scaled by {scale} {unit}").format(
                kpi=ctx.kpi(self.kpi), value=ctx.num(v), scale=f"{sc:.4g}", unit=unit
            ),
        )
        if self.basis == "attainment" and ctx.no_target(tr, j):
            ctx.add(
                line,
                _("no target"),
                _("no target for {kpi} in this window: pays nothing").format(kpi=ctx.kpi(self.kpi)),
            )
        ctx.add(
            line,
            _("earned"),
            _("{mode} commission: {schedule}{extra} -> {amount}").format(
                mode=_(self.mode),
                schedule=sched,
                extra=extra,
                amount=ctx.money(ctx.at(tr["raw"], j)),
            ),
        )


def commission_amount(c: Commission, value: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Commission on ``value`` for one window.

    ``scale`` turns the spec's breaks into the window's currency: the window's
    share of a year for ``basis: value`` (breaks are annual amounts), the
    window's target for ``basis: attainment``.
    """
    if c.rate is not None:
        above = np.array([0.0])
        rates = np.array([c.rate])
    else:
        above = np.array([t.above for t in c.tiers], dtype=float)
        rates = np.array([t.rate for t in c.tiers], dtype=float)
    lo = 0.0 if c.threshold is None else c.threshold
    v = value
    if c.cap is not None:
        v = np.minimum(v, c.cap * scale)
    if c.mode == "marginal":
        # Each tier's rate on the part of value inside [break_i, break_{i+1}), only above the threshold.
        out = np.zeros(np.broadcast_shapes(np.shape(v), np.shape(scale)))
        for i, r in enumerate(rates):
            b0 = max(above[i], lo) * scale
            b1 = above[i + 1] * scale if i + 1 < len(above) else np.inf
            out += r * np.clip(np.minimum(v, b1) - b0, 0.0, None)
        return out
    # Retroactive: the reached tier's rate on all value; nothing below the threshold.
    rate = np.zeros(np.broadcast_shapes(np.shape(v), np.shape(scale)))
    prev = 0.0
    for b, r in zip(above, rates, strict=True):
        rate += (r - prev) * (v >= b * scale)
        prev = r
    out = rate * np.maximum(v, 0.0)
    if c.threshold is not None:
        out = out * (value >= lo * scale)
    return out

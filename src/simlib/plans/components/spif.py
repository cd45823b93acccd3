"""SPIF: a fixed amount per unit of a KPI sold during a campaign."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from simlib.i18n import N_, _
from simlib.plans.components.base import (
    DescribeContext,
    PlanComponent,
    Problem,
    StatementContext,
)
from simlib.plans.windows import window_sums


def date_overlap(periods: pd.PeriodIndex, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Share of each month's days inside [start, end] (units assumed spread evenly)."""
    ms = periods.start_time.normalize().to_numpy()
    me = periods.end_time.normalize().to_numpy()
    days = (me - ms) / np.timedelta64(1, "D") + 1
    lo = np.maximum(ms, np.datetime64(start, "ns"))
    hi = np.minimum(me, np.datetime64(end, "ns"))
    return np.clip((hi - lo) / np.timedelta64(1, "D") + 1, 0, None) / days


class Spif(PlanComponent):
    """A fixed ``amount`` (currency) per unit of ``kpi`` sold between ``start`` and ``end``."""

    type: Literal["spif"] = "spif"
    kpi: str
    amount: float = Field(ge=0)
    start: dt.date
    end: dt.date

    type_words: ClassVar[str] = N_("SPIF")

    @classmethod
    def scale_pay_levels(cls, spec: dict[str, Any], factor: float) -> None:
        super().scale_pay_levels(spec, factor)
        spec["amount"] = spec["amount"] * factor

    def check(self, path: str) -> list[Problem]:
        if self.end < self.start:
            return [
                (
                    f"{path}.end",
                    _("end ({end}) is before start ({start})").format(
                        end=self.end, start=self.start
                    ),
                )
            ]
        return []

    def bind(self, reps, periods, hierarchy) -> dict[str, Any]:
        return {
            "spif_masks": date_overlap(periods, pd.Timestamp(self.start), pd.Timestamp(self.end))
        }

    def entitlement(self, prep, w):
        masked = prep.actual(self.kpi) * prep.spif_masks[self.name]
        units = window_sums(masked, w)
        # A net KPI (sales minus returns) below 0 earns nothing, never negative pay.
        raw = self.amount * np.maximum(units, 0.0)
        return raw, {"units": units}

    def trace_kpi(self) -> str | None:
        return None

    def tidy_actual(self, tr: dict) -> tuple[Any, Any]:
        return tr["units"], None

    def describe(self, ctx: DescribeContext) -> str:
        return _(
            "{label}: {amount} {currency} for each unit of {kpi} from {start} to {end}{per} "
            "(a period whose net count is below zero pays nothing)."
        ).format(
            label=self.label or self.name, amount=f"{self.amount:,.0f}", currency=ctx.currency,
            kpi=ctx.kpi(self.kpi), start=self.start, end=self.end, per=ctx.per,
        )  # fmt: skip

    def explain(self, ctx: StatementContext, line: str, tr: dict, j: int) -> None:
        u = ctx.at(tr["units"], j)
        ctx.add(
            line,
            _("earned"),
            _("{units} {kpi} between {start} and {end} x {each} = {amount}").format(
                units=ctx.num(u), kpi=ctx.kpi(self.kpi), start=self.start, end=self.end,
                each=ctx.money(self.amount), amount=ctx.money(ctx.at(tr["raw"], j)),
            ),
        )  # fmt: skip

"""The plan replay report: each plan replayed on last year's results, in words and tables.

Built on :func:`simlib.plans.replay`; this module picks the year and the sales-value
KPI from the data, writes the summary that opens the page and the tables with
currency, percentages and human headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simlib import plans
from simlib.data.dataset import Dataset
from simlib.topics import ReportParameterError
from simlib.topics import format as F


def sales_value_kpi(ds: Dataset, kpi: str | None = None) -> str:
    """The KPI cost of sales divides by: ``kpi`` when given, else the data's first summed
    currency KPI (revenue in the sample), else its first summed KPI."""
    k = ds.kpis
    if kpi is not None:
        if kpi not in ds.kpi_names:
            raise ReportParameterError(
                f"revenue_kpi {kpi!r} is not a KPI of the data; the data have {ds.kpi_names}"
            )
        return kpi
    for cond in (
        (k["unit"] == "currency") & (k["aggregation"] == "sum"),
        k["aggregation"] == "sum",
    ):
        if cond.any():
            return str(k.loc[cond, "kpi"].iloc[0])
    raise ReportParameterError("the data have no summed KPI to measure cost of sales against")


@dataclass
class PlansReport:
    ds: Dataset
    year: int
    replays: list
    currency: str
    min_group: int
    revenue_kpi: str

    def _money(self, v) -> str:
        return F.money(v, self.currency)

    def pair(self, names: list[str]):
        by = {r.name: r for r in self.replays}
        return (
            tuple(by[n] for n in names) if len(names) == 2 and all(n in by for n in names) else None
        )

    def summary(self, current_vs_proposed: list[str]) -> list[str]:
        lines = []
        pair = self.pair(current_vs_proposed)
        if pair is not None:
            cur, new = pair
            c0, c1 = cur.summary.value("total payout"), new.summary.value("total payout")
            lines.append(
                f"**Had {new.name} been in force in {self.year}, it would have paid "
                f"{F.signed_money(c1 - c0, self.currency)} ({F.signed_pct((c1 - c0) / c0)}) "
                f"against {cur.name}: {self._money(c1)} instead of {self._money(c0)}.**"
            )
        else:
            lines.append(f"**{len(self.replays)} plan(s) replayed on {self.year}'s results.**")
        cos = "; ".join(
            f"{r.name} {F.pct(r.summary.value('cost of sales (payout / revenue)'), 2)}"
            for r in self.replays
        )
        lines.append(f"Variable pay as a share of {self.revenue_kpi}: {cos}.")
        med = [
            (r.name, r.summary.value("median payout / target incentive"))
            for r in self.replays
            if pd.notna(r.summary.value("median payout / target incentive"))
        ]
        if med:
            lines.append(
                "Median pay as a multiple of target incentive (about 1.0x on well-set quotas): "
                + "; ".join(f"{n} {v:.2f}x" for n, v in med)
                + "."
            )
        return lines

    def headline_table(self) -> F.Table:
        head = plans.headline_table(self.replays)
        out = pd.DataFrame({"measure": head.index})
        for c in head.columns:
            if c == "reference":
                continue
            cells = []
            for m, v in head[c].items():
                if m.startswith("total"):
                    cells.append(self._money(v))
                elif m.startswith(("cost", "share")):
                    cells.append(F.pct(v, 1))
                else:
                    cells.append(F.MISSING if pd.isna(v) else f"{v:.2f}x")
            out[c] = cells
        out["reference"] = head["reference"].fillna("").astype(str).to_numpy()
        return F.table(out, missing_note="the plan has no such measure (e.g. no cap, or no "
                       "target incentive in a pure commission plan)")  # fmt: skip

    def ote_table(self, r) -> F.Table | None:
        paid = self.ds.reps.loc[self.ds.reps["rep_id"].isin(r.pay["rep_id"].unique())]
        ote = plans.ote_summary(r.plan, paid, min_group=self.min_group)
        if ote.empty:
            return None
        return F.table(
            ote, formats={c: self._money for c in ("base_salary", "target_incentive", "ote")}
            | {"variable_share": F.pct},
            names={"reps": "reps", "base_salary": "median base salary",
                   "target_incentive": "median target incentive",
                   "ote": "median on-target earnings", "variable_share": "variable share"},
            title=r.name,
        )  # fmt: skip

    def component_table(self, r) -> F.Table:
        c = r.summary.by_component
        return F.table(c, formats={"payout": self._money, "share": lambda v: F.pct(v, 1)},
                       names={"component": "component", "payout": "paid", "share": "share"},
                       title=r.name)  # fmt: skip

    def quartile_table(self, replays=None) -> F.Table | None:
        q = plans.quartile_table(replays or self.replays, min_group=self.min_group)
        if q.empty:
            return None
        q.index = q.index.astype(str)
        q.index.name = "performance quartile"
        fm = {c: (lambda v: f"{v:.2f}x") for c in q.columns}
        if replays is not None and len(q.columns) == 2:
            q["change"] = q.iloc[:, 1] - q.iloc[:, 0]
            fm["change"] = lambda v: f"{v:+.2f}x"
        return F.table(q, formats=fm,
                       missing_note=f"fewer than {self.min_group} reps in the quartile")  # fmt: skip


def build(
    ds: Dataset,
    plan_files: list,
    year: int | None = None,
    revenue_kpi: str | None = None,
    min_group: int = 5,
    currency: str | None = None,
) -> PlansReport:
    """Replay each plan on the year's actuals and targets (default: the last year with
    targets). ``currency`` defaults to the first plan's own (its spec's ``currency``)."""
    if not isinstance(plan_files, list | tuple) or not plan_files:
        raise ReportParameterError("plan_files must be a non-empty list of plan YAML files")
    for f in plan_files:
        if not Path(f).exists():
            raise ReportParameterError(f"plan_files: plan file not found: {f}")
    if ds.targets is None:
        raise ReportParameterError(
            "the data have no targets table: a replay needs the targets set each rep"
        )
    year = int(ds.targets["period"].max().year) if year is None else int(year)
    kpi = sales_value_kpi(ds, revenue_kpi)
    replays = [plans.replay(ds, f, year, revenue_kpi=kpi) for f in plan_files]
    currency = currency or replays[0].plan.spec.currency
    return PlansReport(ds, year, replays, currency, min_group, kpi)

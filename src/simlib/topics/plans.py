"""The plan replay report: each plan replayed on last year's results, in words and tables.

Built on :func:`simlib.plans.replay`; this module picks the year and the sales-value
KPI from the data, writes the summary that opens the page and the tables with
currency, percentages and human headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simlib import i18n, plans
from simlib.data.dataset import Dataset
from simlib.i18n import N_, _
from simlib.labels import Labels
from simlib.topics import ReportParameterError
from simlib.topics import format as F


def sales_value_kpi(ds: Dataset, kpi: str | None = None) -> str:
    """The KPI cost of sales divides by: ``kpi`` when given, else the data's first summed
    currency KPI (revenue in the sample), else its first summed KPI."""
    k = ds.kpis
    if kpi is not None:
        if kpi not in ds.kpi_names:
            raise ReportParameterError(
                _("revenue_kpi {kpi!r} is not a KPI of the data; the data have {kpi_names}").format(
                    kpi=kpi, kpi_names=ds.kpi_names
                )
            )
        return kpi
    for cond in (
        (k["unit"] == "currency") & (k["aggregation"] == "sum"),
        k["aggregation"] == "sum",
    ):
        if cond.any():
            return str(k.loc[cond, "kpi"].iloc[0])
    raise ReportParameterError(_("the data have no summed KPI to measure cost of sales against"))


#: The replay's measures (:func:`simlib.plans.replay`) and what their reference band
#: says, as the report shows them; a measure's "(70%)" is kept as it is.
MEASURES = {
    "total payout": N_("total payout"),
    "total revenue": N_("total revenue"),
    "cost of sales (payout / revenue)": N_("cost of sales (payout / revenue)"),
    "median payout / target incentive": N_("median payout / target incentive"),
    "90th percentile payout / target incentive": N_("90th percentile payout / target incentive"),
    "share at or above threshold": N_("share at or above threshold"),
    "share at or above quota": N_("share at or above quota"),
    "share at or above cap": N_("share at or above cap"),
    "pay-performance correlation (payout / target incentive vs attainment)": N_(
        "pay-performance correlation (payout / target incentive vs attainment)"
    ),
    "pay-performance (rank correlation of pay / target incentive with attainment)": N_(
        "pay-performance (rank correlation of pay / target incentive with attainment)"
    ),
}
#: Pay lines that are not components of a plan: a draw, the plan cap (labels name the rest).
PAY_LINES = {"draw": N_("draw"), "plan_cap": N_("plan cap")}
REFERENCES = {
    "total cash comp typically 3-9% of revenue (ZS); variable pay is part of it": N_(
        "total cash comp typically 3-9% of revenue (ZS); variable pay is part of it"
    ),
    "about 1.0 for a median performer on a well-set quota": N_(
        "about 1.0 for a median performer on a well-set quota"
    ),
    "about 2x, some plans 3x (SalesGlobe)": N_("about 2x, some plans 3x (SalesGlobe)"),
    "threshold set so most reps earn something": N_("threshold set so most reps earn something"),
    "design aim 60-70%; above 85% too easy, below 45% too hard (Alexander Group)": N_(
        "design aim 60-70%; above 85% too easy, below 45% too hard (Alexander Group)"
    ),
    "a small minority; caps are commonly advised against": N_(
        "a small minority; caps are commonly advised against"
    ),
    ">= 0.8 strong, 0.6-0.8 moderate, < 0.6 loose (Falcon Incentives)": N_(
        ">= 0.8 strong, 0.6-0.8 moderate, < 0.6 loose (Falcon Incentives)"
    ),
}
#: How shares are counted ("of rep-years; ...").
COUNTED = {"rep-months": N_("of rep-months"), "rep-quarters": N_("of rep-quarters"),
           "rep-years": N_("of rep-years")}  # fmt: skip
QUARTILES = {"Q1 (lowest)": N_("Q1 (lowest)"), "Q2": N_("Q2"), "Q3": N_("Q3"),
             "Q4 (highest)": N_("Q4 (highest)")}  # fmt: skip


def measure_name(m: str) -> str:
    """A replay measure in the language in force; "(70%)" and the like kept."""
    base, sep, rest = m.partition(" (")
    if m in MEASURES:
        return _(MEASURES[m])
    if base in MEASURES:
        return _(MEASURES[base]) + " (" + rest
    return m


def reference_text(ref: str) -> str:
    """A reference band in the language in force: "of rep-years; design aim ..."."""
    if not ref:
        return ""
    m = re.fullmatch(r"of (rep-\w+)( \(year to date, true-up\))?; (.*)", ref)
    if m is None:
        return _(REFERENCES[ref]) if ref in REFERENCES else ref
    head = _(COUNTED[m.group(1)]) + (_(" (year to date, true-up)") if m.group(2) else "")
    body = _(REFERENCES[m.group(3)]) if m.group(3) in REFERENCES else m.group(3)
    return head + ("；" if i18n.is_chinese() else "; ") + body


@dataclass
class PlansReport:
    ds: Dataset
    year: int
    replays: list
    currency: str
    min_group: int
    revenue_kpi: str
    labels: Labels = Labels()

    @property
    def revenue_name(self) -> str:
        return self.labels.name("kpi", self.revenue_kpi)

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
                "**"
                + _(
                    "Had {new} been in force in {year}, it would have paid {change} ({pct}) "
                    "against {current}: {cost_new} instead of {cost_current}."
                ).format(
                    new=new.name, year=self.year, change=F.signed_money(c1 - c0, self.currency),
                    pct=F.signed_pct((c1 - c0) / c0), current=cur.name,
                    cost_new=self._money(c1), cost_current=self._money(c0),
                )
                + "**"
            )  # fmt: skip
        else:
            lines.append(
                "**"
                + i18n.ngettext(
                    "{n} plan replayed on {year}'s results.",
                    "{n} plans replayed on {year}'s results.",
                    len(self.replays),
                ).format(n=len(self.replays), year=self.year)
                + "**"
            )
        sep = "；" if i18n.is_chinese() else "; "
        cos = sep.join(
            f"{r.name} {F.pct(r.summary.value('cost of sales (payout / revenue)'), 2)}"
            for r in self.replays
        )
        lines.append(
            _("Variable pay as a share of {kpi}: {figures}.").format(
                kpi=self.revenue_name, figures=cos
            )
        )
        med = [
            (r.name, r.summary.value("median payout / target incentive"))
            for r in self.replays
            if pd.notna(r.summary.value("median payout / target incentive"))
        ]
        if med:
            lines.append(
                _(
                    "Median pay as a multiple of target incentive (about 1.0x on well-set "
                    "quotas): {figures}."
                ).format(figures=sep.join(f"{n} {v:.2f}x" for n, v in med))
            )
        return lines

    def headline_table(self) -> F.Table:
        head = plans.headline_table(self.replays)
        out = pd.DataFrame({_("measure"): [measure_name(m) for m in head.index]})
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
        out[_("reference")] = [reference_text(r) for r in head["reference"].fillna("").astype(str)]
        return F.table(out, missing_note=_("the plan has no such measure (e.g. no cap, or no "
                       "target incentive in a pure commission plan)"))  # fmt: skip

    def ote_table(self, r) -> F.Table | None:
        paid = self.ds.reps.loc[self.ds.reps["rep_id"].isin(r.pay["rep_id"].unique())]
        ote = plans.ote_summary(r.plan, paid, min_group=self.min_group)
        if ote.empty:
            return None
        ote = ote.rename(index=self.labels.mapping("position", ote.index))
        ote.index.name = _("position")
        return F.table(
            ote, formats={c: self._money for c in ("base_salary", "target_incentive", "ote")}
            | {"variable_share": F.pct},
            names={"reps": _("reps"), "base_salary": _("median base salary"),
                   "target_incentive": _("median target incentive"),
                   "ote": _("median on-target earnings"), "variable_share": _("variable share")},
            title=r.name,
        )  # fmt: skip

    def component_table(self, r) -> F.Table:
        c = r.summary.by_component.copy()
        c["component"] = [
            _(PAY_LINES[n]) if n in PAY_LINES and self.labels.name("component", n) == n
            else self.labels.name("component", n)
            for n in c["component"]
        ]  # fmt: skip
        return F.table(c, formats={"payout": self._money, "share": lambda v: F.pct(v, 1)},
                       names={"component": _("component"), "payout": _("paid"),
                              "share": _("share")},
                       title=r.name)  # fmt: skip

    def quartile_table(self, replays=None) -> F.Table | None:
        q = plans.quartile_table(replays or self.replays, min_group=self.min_group)
        if q.empty:
            return None
        q.index = [_(QUARTILES[str(i)]) if str(i) in QUARTILES else str(i) for i in q.index]
        q.index.name = _("performance quartile")
        fm = {c: (lambda v: f"{v:.2f}x") for c in q.columns}
        if replays is not None and len(q.columns) == 2:
            q[_("change")] = q.iloc[:, 1] - q.iloc[:, 0]
            fm[_("change")] = lambda v: f"{v:+.2f}x"
        return F.table(q, formats=fm, missing_note=_("fewer than {n} reps in the quartile").format(
                       n=self.min_group))  # fmt: skip


def build(
    ds: Dataset,
    plan_files: list,
    year: int | None = None,
    revenue_kpi: str | None = None,
    min_group: int = 5,
    currency: str | None = None,
    labels: Labels | None = None,
) -> PlansReport:
    """Replay each plan on the year's actuals and targets (default: the last year with
    targets). ``currency`` defaults to the first plan's own (its spec's ``currency``)."""
    if not isinstance(plan_files, list | tuple) or not plan_files:
        raise ReportParameterError(_("plan_files must be a non-empty list of plan YAML files"))
    for f in plan_files:
        if not Path(f).exists():
            raise ReportParameterError(_("plan_files: plan file not found: {f}").format(f=f))
    if ds.targets is None:
        raise ReportParameterError(
            _("the data have no targets table: a replay needs the targets set each rep")
        )
    year = int(ds.targets["period"].max().year) if year is None else int(year)
    kpi = sales_value_kpi(ds, revenue_kpi)
    replays = [plans.replay(ds, f, year, revenue_kpi=kpi) for f in plan_files]
    currency = currency or replays[0].plan.spec.currency
    return PlansReport(ds, year, replays, currency, min_group, kpi, labels or Labels())

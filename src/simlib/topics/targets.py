"""The target cascade report (目标层层分解): everything it computes and says.

:func:`build` proposes the company target, cascades it with the spec (and the
report's overrides), measures how hard each target is, reconciles top-down with
bottom-up, and back-tests the rules on the last full year. The returned
:class:`TargetsReport` gives the report's tables and sentences; the notebook
only shows them and draws the charts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib import targets as tg
from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.i18n import N_, _
from simlib.targets.diagnostics import BAND, TOO_EASY, TOO_HARD
from simlib.topics import ReportParameterError
from simlib.topics import format as F

METHODS = ("even", "history", "potential", "capacity")
#: The apportionment methods in words (the rounding that makes children add up).
METHOD_WORDS = {
    "hamilton": N_("largest remainder (Hamilton)"),
    "jefferson": N_("D'Hondt (Jefferson)"),
    "webster": N_("Sainte-Laguë (Webster)"),
    "huntington_hill": N_("equal proportions (Huntington-Hill)"),
}
#: Guardrail settings in words.
GUARDRAIL_WORDS = {
    "max_change": N_("max change"),
    "max_increase": N_("max increase"),
    "max_decrease": N_("max decrease"),
    "floor": N_("floor"),
    "cap": N_("cap"),
}
#: The split methods, marked for the catalog (shown with ``_``).
_SPLIT_WORDS = (N_("even"), N_("history"), N_("potential"), N_("capacity"))
RATE_WORDS = {
    "same": N_("each unit and person gets the parent's rate"),
    "history_relative": N_(
        "each unit and person gets their own last-year rate plus the planned improvement in points"
    ),
}


# ------------------------------------------------------------------ spec overrides
def check_parameters(
    method: str | None = None,
    padding: float | None = None,
    max_increase: float | None = None,
    max_decrease: float | None = None,
    rounding: float = 1000,
    rounding_method: str | None = None,
) -> None:
    """Refuse report parameters the cascade could not use, naming the parameter."""
    if method not in (None, *METHODS):
        raise ReportParameterError(
            _("method must be None, even, history, potential or capacity, got {method!r}").format(
                method=method
            )
        )
    for name, v in (("padding", padding), ("max_increase", max_increase),
                    ("max_decrease", max_decrease)):  # fmt: skip
        if v is not None and not v >= 0:
            raise ReportParameterError(
                _("{name} must be a non-negative fraction, got {v}").format(name=name, v=v)
            )
    if not rounding > 0:
        raise ReportParameterError(
            _("rounding must be a positive amount, got {rounding}").format(rounding=rounding)
        )
    if rounding_method not in (None, *tg.METHODS):
        raise ReportParameterError(
            _("rounding_method must be None or one of {methods}, got {rounding_method!r}").format(
                methods=tg.METHODS, rounding_method=rounding_method
            )
        )


def _without_blend(rule: dict, method: str) -> dict:
    return {k: v for k, v in rule.items() if k != "blend"} | {"method": method}


def override_spec(
    raw: dict,
    levels: list[str],
    method: str | None = None,
    padding: float | None = None,
    max_increase: float | None = None,
    max_decrease: float | None = None,
    rounding: float | None = None,
    rounding_method: str | None = None,
) -> tuple[dict, str]:
    """The cascade spec with the report's overrides applied (the input is not changed).

    Parameters
    ----------
    raw : dict
        The cascade spec as written (the ``cascade:`` block or the whole file).
    levels : list of str
        The data's unit levels, top first (the company's level first).
    method : str, optional
        One split for every level and every KPI rule (a blend is dropped).
    padding : float, optional
        Manager padding into the lowest unit level ("team" where the data have one):
        that level's children add up to the parent times ``1 + padding``.
    max_increase, max_decrease : float, optional
        The reps' guardrail: the most a target may rise or fall against last year
        (replaces a symmetric ``max_change``).
    rounding : float, optional
        The currency rounding unit (1000: whole thousands).
    rounding_method : str, optional
        hamilton, jefferson, webster or huntington_hill.

    Returns
    -------
    (dict, str)
        The spec and the level padding went into.
    """
    raw = raw.get("cascade", raw) if isinstance(raw, dict) else raw
    spec = copy.deepcopy(raw)
    lv = spec.setdefault("levels", {})
    if method is not None:
        spec["default"] = _without_blend(spec.get("default", {}), method)
        for name in list(lv):
            lv[name] = _without_blend(lv[name], method)
        for kr in spec.get("kpis", {}).values():
            if kr.get("default") is not None:
                kr["default"] = _without_blend(kr["default"], method)
            for name in list(kr.get("levels", {})):
                kr["levels"][name] = _without_blend(kr["levels"][name], method)
    # Padding goes where managers over-assign: into the lowest unit level.
    pad_level = "team" if "team" in levels else levels[-1]
    if padding is not None:
        if len(levels) < 2:
            raise ReportParameterError(
                _("padding needs at least two unit levels (a parent to pad from)")
            )
        lv[pad_level] = {**lv.get(pad_level, {}), "padding": padding}
    if max_increase is not None or max_decrease is not None:
        g = dict(lv.get("rep", {}).get("guardrail") or {})
        g.pop("max_change", None)
        if max_increase is not None:
            g["max_increase"] = max_increase
        if max_decrease is not None:
            g["max_decrease"] = max_decrease
        lv["rep"] = {**lv.get("rep", {}), "guardrail": g}
    if rounding is not None:
        spec["rounding"] = {**spec.get("rounding", {}), "currency": rounding}
    if rounding_method is not None:
        spec["rounding_method"] = rounding_method
    return spec, pad_level


def drop_guardrails(d: Any) -> Any:
    """The spec with every guardrail removed (to show a cascade whose bands conflict)."""
    if isinstance(d, dict):
        return {k: drop_guardrails(v) for k, v in d.items() if k != "guardrail"}
    if isinstance(d, list):
        return [drop_guardrails(v) for v in d]
    return d


def model_words(model: str) -> str:
    """An ETS model code in words: ``ETS(M,Ad,M)`` -> "a damped trend and a monthly
    pattern proportional to the level"."""
    try:
        code = model.split(")")[0].split("(")[1].split(",")
        trend = {"N": N_("no trend"), "A": N_("a straight trend"),
                 "Ad": N_("a damped trend")}[code[1]]  # fmt: skip
        season = {"N": N_("no monthly pattern"), "A": N_("an additive monthly pattern"),
                  "M": N_("a monthly pattern proportional to the level")}[code[2]]  # fmt: skip
    except (IndexError, KeyError):
        return model
    return _("{trend} and {season}").format(trend=_(trend), season=_(season))


def where_in_interval(target: float, low: float, high: float) -> str:
    """Where a proposed target sits against the forecast's 90% interval, in words."""
    if target > high:
        return _(
            "above the top of the forecast's 90% interval: a stretch history alone does not support"
        )
    if target >= low:
        return _("inside the forecast's 90% interval")
    return _("below the forecast's 90% interval: easier than the trend")


def reading(share: float) -> str:
    """The plain reading of an expected share at or above target (in English, the
    words the report keys on; :func:`simlib.i18n._` of it is what a page shows)."""
    if not np.isfinite(share):
        return N_("no forecast")
    if share < TOO_HARD:
        return N_("too hard")
    if share < BAND[0]:
        return N_("hard")
    if share <= BAND[1]:
        return N_("in the 60-70% band")
    if share <= TOO_EASY:
        return N_("easy")
    return N_("too easy")


def difficulty_grid(reps: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Expected share at or above target by region (rows) and tenure band (columns, in
    order of time since hire); cells with fewer than ``min_group`` people are
    missing (NaN), so no small group is shown."""
    cells = reps.groupby(["region", "tenure"]).agg(share=("p_reach", "mean"),
                                                   n=("p_reach", "count"))  # fmt: skip
    cells.loc[cells["n"] < min_group, "share"] = np.nan
    grid = cells["share"].unstack("tenure")
    return grid.reindex(columns=F.ordered_tenure(list(grid.columns)))


# ------------------------------------------------------------------ the report
@dataclass
class Backtest:
    year: int
    cut: pd.Period
    gaps: pd.DataFrame
    proposal: pd.DataFrame
    expected: pd.Series  # the company row of the back-test's difficulty
    actual_share: float
    actual_total: float


@dataclass
class TargetsReport:
    """What the target cascade report shows (see :func:`build`)."""

    ds: Dataset
    hier: Hierarchy
    spec: Any
    year: int
    currency: str
    min_group: int
    proposal: pd.DataFrame
    cascade: Any
    difficulty: Any
    reconciliation: pd.DataFrame
    main_kpi: str
    pad_level: str
    padding: float | None
    guardrail_conflict: str = ""
    backtest: Backtest | None = None
    notes: list[str] = field(default_factory=list)
    labels: Any = None  # simlib.labels.Labels: level names in the language in force

    # -------------------------------------------------------------- helpers
    @property
    def kpis(self) -> pd.DataFrame:
        return self.ds.kpis.set_index("kpi")

    def unit(self, kpi: str) -> str:
        return str(self.kpis.loc[kpi, "unit"])

    def summed(self, kpi: str) -> bool:
        return self.kpis.loc[kpi, "aggregation"] == "sum"

    def value(self, kpi: str, x: float, millions: bool | None = None) -> str:
        """A KPI amount; currency in millions throughout when the company's total is
        that large (one scale per column, so amounts compare at a glance)."""
        if millions is None and self.unit(kpi) == "currency":
            total = self.proposal.set_index("kpi").loc[kpi, "proposed_target"]
            millions = bool(abs(total) >= F.MILLIONS_FROM)
        return F.kpi_value(x, self.unit(kpi), self.currency, millions)

    def kpi_name(self, kpi: str) -> str:
        """The KPI as a sentence names it: its code in English (as before), its Chinese
        label (the data's ``kpis.label``) in Chinese."""
        if not i18n.is_chinese():
            return kpi
        lab = self.kpis.loc[kpi, "label"] if "label" in self.kpis else None
        return lab if isinstance(lab, str) and lab else kpi

    def label(self, kpi: str) -> str:
        lab = self.kpis.loc[kpi, "label"] if "label" in self.kpis else None
        return f"{kpi} ({lab})" if isinstance(lab, str) and lab and lab != kpi else kpi

    def level_name(self, level: str) -> str:
        """An org level as a reader names it: the code in English, the labels table's
        name in Chinese."""
        if self.labels is None or not i18n.is_chinese():
            return level
        return self.labels.name("level", level, i18n.current())

    @property
    def top_level(self) -> str:
        return self.hier.levels[1] if len(self.hier.levels) > 1 else self.hier.levels[0]

    def _unit_name(self, u: str) -> str:
        names = self.hier.units.set_index("unit_id")["name"]
        return f"{names.get(u, u)} ({u})"

    # -------------------------------------------------------------- summary
    def company_share(self, kpi: str | None = None) -> pd.Series:
        kpi = kpi or self.main_kpi
        u = self.difficulty.units
        return u[(u["level"] == self.hier.levels[0]) & (u["kpi"] == kpi)].iloc[0]

    def units_outside_band(self, kpi: str | None = None) -> tuple[int, int]:
        """(units outside the 60-70% band, units shown) among units with at least
        ``min_group`` people, below the company."""
        kpi = kpi or self.main_kpi
        u = self.difficulty.units
        shown = u[(u["level"] != "rep") & (u["level"] != self.hier.levels[0])
                  & (u["reps"] >= self.min_group) & (u["kpi"] == kpi)]  # fmt: skip
        s = shown["share_at_or_above"].to_numpy(float)
        outside = int(((s < BAND[0]) | (s > BAND[1])).sum())
        return outside, len(shown)

    def summary(self) -> list[str]:
        """Three lines leadership reads first: the verdict on difficulty, the company
        target against its forecast, and the back-test (or the guardrail conflict)."""
        k = self.main_kpi
        c = self.company_share()
        out, n = self.units_outside_band()
        share = float(c["share_at_or_above"])
        kn = self.kpi_name(k)
        lines = [
            "**"
            + _(
                "{share} of people expected at or above their {kpi} target ({reading}; design "
                "band 60-70%); {out} of {n} units outside the 60-70% band."
            ).format(share=F.pct(share), kpi=kn, reading=_(reading(share)), out=out, n=n)
            + "**"
        ]
        row = self.proposal.set_index("kpi").loc[k]
        lines.append(
            _("Company {kpi} target {target} for {year}, {change} on {last_year}, {where}.").format(
                kpi=kn, target=self.value(k, row["proposed_target"]), year=self.year,
                change=F.signed_pct(row["proposed_target"] / row["last_year_actual"] - 1),
                last_year=self.year - 1,
                where=where_in_interval(row["proposed_target"], row["lower"], row["upper"]),
            )
        )  # fmt: skip
        if self.guardrail_conflict:
            lines.append(
                _(
                    "The guardrails could not all be met: the cascade below is shown without "
                    "them ({reason})."
                ).format(reason=self.guardrail_conflict)
            )
        elif self.backtest is not None:
            b = self.backtest
            lines.append(
                _(
                    "Back-test on {year}: {actual} of people reached their target to {cut}, "
                    "against {expected} expected by these rules before the year."
                ).format(
                    year=b.year, actual=F.pct(b.actual_share), cut=i18n.month(b.cut),
                    expected=F.pct(b.expected["share_at_or_above"]),
                )
            )  # fmt: skip
        else:
            lines.append(_("No back-test: it needs two years of history before the last year."))
        return lines

    # -------------------------------------------------------------- tables
    def proposal_table(self) -> F.Table:
        rows = []
        for r in self.proposal.itertuples():
            rows.append({
                "KPI": self.label(r.kpi),
                _("actual {year}").format(year=self.year - 1): self.value(r.kpi, r.last_year_actual),
                _("forecast {year}").format(year=self.year): self.value(r.kpi, r.forecast),
                _("90% low"): self.value(r.kpi, r.lower),
                _("90% high"): self.value(r.kpi, r.upper),
                _("growth"): F.kpi_change(r.growth, self.unit(r.kpi)),
                _("proposed target"): self.value(r.kpi, r.proposed_target),
            })  # fmt: skip
        return F.table(pd.DataFrame(rows))

    def rules_table(self) -> F.Table:
        k = self.main_kpi
        rows = []
        for lvl in [*self.hier.levels[1:], "rep"]:
            r = self.spec.rule(lvl, k)
            blend = ", ".join(f"{_(m)} {F.pct(w)}" for m, w in r.blend.items()) if r.blend else ""
            g = _("none") if r.guardrail is None else ", ".join(
                f"{_(GUARDRAIL_WORDS.get(n, n.replace('_', ' ')))} {F.pct(v)}"
                for n, v in r.guardrail.model_dump().items() if v is not None
            )  # fmt: skip
            rows.append({_("level"): self.level_name(lvl),
                         _("split"): _(r.method) + (f" ({blend})" if blend else ""),
                         _("padding"): F.pct(r.padding), _("guardrail"): g})  # fmt: skip
        return F.table(pd.DataFrame(rows))

    def rounding_words(self) -> str:
        units = ", ".join(
            _("{kpi} to {unit}").format(
                kpi=self.kpi_name(k),
                unit=F.money(v, self.currency) if self.unit(k) == "currency" else F.number(v),
            )
            for k, v in self.cascade.rounding_unit.items()
            if v > 0
        )
        pad = (
            " "
            + _(
                "Manager padding set by the parameter: {padding} into the **{level}** level."
            ).format(padding=F.pct(self.padding), level=self.level_name(self.pad_level))
            if self.padding is not None
            else ""
        )
        return (
            _("Rounding: {units}, by the **{method}** method.").format(
                units=units, method=_(METHOD_WORDS[self.spec.rounding_method])
            )
            + pad
        )

    def region_table(self) -> F.Table:
        a = self.cascade.annual
        reg = a[a["level"] == self.top_level]
        rows = []
        for u, g in reg.groupby("node_id", sort=False):
            row = {self.level_name(self.top_level): self._unit_name(u)}
            for r in g.itertuples():
                change = (r.target / r.last_year_actual - 1) if r.additive else (
                    r.target - r.last_year_actual)  # fmt: skip
                kn = self.kpi_name(r.kpi)
                row[_("{kpi} target").format(kpi=kn)] = self.value(r.kpi, r.target)
                row[_("{kpi} vs {year}").format(kpi=kn, year=self.year - 1)] = F.kpi_change(
                    change, self.unit(r.kpi))  # fmt: skip
            row[_("people")] = F.number(g["headcount"].iloc[0])
            rows.append(row)
        return F.table(pd.DataFrame(rows), missing_note=_("no last-year actual to compare with"))

    def consistency_words(self) -> str:
        log = self.cascade.log
        pad = log[log["kind"] == "padding"]
        guard = log[log["kind"] == "guardrail"]
        zero = log[log["kind"] == "zero_weights"]
        ok = self.cascade.check().empty
        pad_txt = ", ".join(_("{amount} of {kpi}").format(amount=self.value(k, v), kpi=self.kpi_name(k))
                            for k, v in pad.groupby("kpi")["amount"].sum().items())  # fmt: skip
        guard_txt = "; ".join(
            _("{kpi}: {capped} capped, {raised} raised to a floor").format(
                kpi=self.kpi_name(k),
                capped=int((g["amount"] < 0).sum()),
                raised=int((g["amount"] > 0).sum()),
            )  # fmt: skip
            for k, g in guard.groupby("kpi")
        )
        head = (
            _("Consistency check: **every parent's children add up exactly** to the parent's "
              "target (times one plus padding).")
            if ok
            else _("Consistency check: **NOT every parent's children add up exactly** to the "
                   "parent's target (times one plus padding).")
        )  # fmt: skip
        text = head + " " + _("Padding added {n} times").format(n=len(pad))
        if len(pad):
            text += _(", in total {amounts}").format(amounts=pad_txt)
        text += _(". Guardrails moved {n} targets").format(n=len(guard))
        if len(guard):
            text += f" ({guard_txt})"
        return text + _(". {n} unit(s) had no basis for shares and were split evenly.").format(
            n=len(zero)
        )

    def calendar_words(self) -> str:
        cal = self.spec.calendarization
        ok = self.cascade.check_monthly().empty
        how = (
            _("Months follow the **seasonal profile of each person's {level}** over the last "
              "{years} complete year(s)").format(
                level=self.level_name(cal.profile_level) if cal.profile_level else _("own unit"),
                years=cal.years)
            if cal.method == "seasonal"
            else _("Months are **flat** (equal shares of the year)")
        )  # fmt: skip
        check = (
            _("Monthly check: **every unit's months add up** to its year and to its people's "
              "months (within padding).")
            if ok
            else _("Monthly check: **NOT every unit's months add up** to its year and to its "
                   "people's months (within padding).")
        )  # fmt: skip
        return how + ("。" if i18n.is_chinese() else ". ") + check

    def monthly(self) -> pd.DataFrame:
        """The company's monthly target for the main KPI and last year's actual months."""
        t = self.cascade.targets
        comp = t[(t["level"] == self.hier.levels[0]) & (t["kpi"] == self.main_kpi)]
        s = self.ds.sales
        s = s[(s["kpi"] == self.main_kpi) & (s["period"].dt.year == self.year - 1)]
        last = s.groupby(s["period"].dt.month)["value"].sum()
        out = pd.DataFrame({"month": range(1, 13)})
        out["target"] = comp.groupby(comp["period"].dt.month)["target"].sum().reindex(
            out["month"]).to_numpy()  # fmt: skip
        out["last_year"] = last.reindex(out["month"]).to_numpy()
        return out

    def difficulty_table(self) -> F.Table:
        """Expected share at or above target (1-in-20 bad year to good year) by region
        and tenure band for every KPI; groups under ``min_group`` people left out."""
        g = self.difficulty.groups
        g = g[g["reps"] >= self.min_group].copy()
        g["cell"] = [f"{F.pct(v)} ({F.pct(lo)}-{F.pct(hi)})" for v, lo, hi in
                     zip(g["share_at_or_above"], g["share_low"], g["share_high"], strict=True)]  # fmt: skip
        wide = g.pivot_table(index=["by", "group"], columns="kpi", values="cell",
                             aggfunc="first", sort=False).reset_index()  # fmt: skip
        order = {t: i for i, t in enumerate(F.TENURE_ORDER)}
        wide["_o"] = [order.get(x, -1) if b == "tenure" else -1 for b, x in
                      zip(wide["by"], wide["group"], strict=True)]  # fmt: skip
        wide = wide.sort_values(["by", "_o", "group"], kind="stable").drop(columns="_o")
        names = self.hier.units.set_index("unit_id")["name"]
        wide["group"] = [x if b == "tenure" else f"{names.get(x, x)} ({x})"
                         for b, x in zip(wide["by"], wide["group"], strict=True)]  # fmt: skip
        wide["by"] = [self.level_name(b) if b != "tenure" else _("tenure") for b in wide["by"]]
        wide.columns.name = None
        return F.table(wide, names={"by": _("grouped by"), "group": _("group"),
                                    **{k: self.kpi_name(k) for k in self.kpis.index}},
                       missing_note=_("no forecast for this group and KPI"),
                       notes=[_("Groups with fewer than {n} people are not shown.").format(
                           n=self.min_group)])  # fmt: skip

    def company_difficulty_words(self) -> str:
        u = self.difficulty.units
        rows = u[u["level"] == self.hier.levels[0]]
        parts = [
            _("**{kpi}**: {share} expected at or above target, {low} in a 1-in-20 bad year to "
              "{high} in a 1-in-20 good one ({reading})").format(
                kpi=self.label(r.kpi), share=F.pct(r.share_at_or_above), low=F.pct(r.share_low),
                high=F.pct(r.share_high), reading=_(reading(r.share_at_or_above)))
            for r in rows.itertuples()
        ]  # fmt: skip
        sep = "；" if i18n.is_chinese() else "; "
        return _("Company-wide: {parts}.").format(parts=sep.join(parts))

    def outside_band_words(self) -> str:
        out, n = self.units_outside_band()
        return _(
            "{out} of {n} units with at least {min_group} people fall outside the 60-70% band "
            "for {kpi}. A share below {too_hard} means most people will miss; above {too_easy} "
            "the target pays for results that would have come anyway."
        ).format(out=out, n=n, min_group=self.min_group, kpi=self.kpi_name(self.main_kpi),
                 too_hard=F.pct(TOO_HARD), too_easy=F.pct(TOO_EASY))  # fmt: skip

    def reconciliation_table(self) -> F.Table:
        k = self.main_kpi
        rec = self.reconciliation
        rec = rec[rec["level"].isin(self.hier.levels[:3]) & (rec["kpi"] == k)]
        df = pd.DataFrame({
            _("unit"): [self._unit_name(u) for u in rec["unit_id"]],
            _("level"): [self.level_name(x) for x in rec["level"]],
            _("top-down target"): [self.value(k, v) for v in rec["target"]],
            _("own forecast"): [self.value(k, v) for v in rec["forecast"]],
            _("own growth"): [F.signed_pct(v - 1) for v in rec["own_trend"]],
            _("gap"): [self.value(k, v) for v in rec["gap"]],
            _("gap %"): [F.signed_pct(v) for v in rec["gap_pct"]],
            _("chance the unit reaches it"): [F.pct(v) for v in rec["p_reach"]],
        })  # fmt: skip
        return F.table(df, missing_note=_("no forecast for this unit"))

    def backtest_table(self) -> F.Table | None:
        b = self.backtest
        if b is None:
            return None
        k = self.main_kpi
        gk = b.gaps[(b.gaps["kpi"] == k) & b.gaps["level"].isin(self.hier.levels[:2])]
        df = pd.DataFrame({
            _("unit"): [self._unit_name(u) for u in gk["unit_id"]],
            _("target to date"): [self.value(k, v) for v in gk["ytd_target"]],
            _("actual to date"): [self.value(k, v) for v in gk["ytd_actual"]],
            _("pace"): [F.pct(v) for v in gk["pace"]],
            _("gap"): [self.value(k, v) for v in gk["gap"]],
            _("share of parent's gap"): [F.pct(v) for v in gk["contribution"]],
        })  # fmt: skip
        return F.table(df, missing_note=_("the company has no parent"))

    def backtest_words(self) -> str:
        b = self.backtest
        if b is None:
            return _("Back-test skipped: it needs two years of history before the last year.")
        k = self.main_kpi
        fc = b.proposal.set_index("kpi").loc[k]
        inside = fc["lower"] <= b.actual_total <= fc["upper"]
        e = b.expected
        return _(
            "The company forecast for {year} was {forecast} (90% interval {low} to {high}); "
            "the year came in at {actual}, **{where} the interval**. Up to {cut}, **{share}** of "
            "people were at or above their {kpi} target to date; before the year the "
            "diagnostics expected **{expected}** ({bad} in a 1-in-20 bad year to {good} in a "
            "1-in-20 good one). Design band: {band_low}-{band_high}."
        ).format(
            year=b.year, forecast=self.value(k, fc["forecast"]), low=self.value(k, fc["lower"]),
            high=self.value(k, fc["upper"]), actual=self.value(k, b.actual_total),
            where=_("inside") if inside else _("outside"), cut=i18n.month(b.cut),
            share=F.pct(b.actual_share), kpi=self.kpi_name(k),
            expected=F.pct(e["share_at_or_above"]), bad=F.pct(e["share_low"]),
            good=F.pct(e["share_high"]), band_low=F.pct(BAND[0]), band_high=F.pct(BAND[1]),
        )  # fmt: skip

    def ratchet_table(self, up: float = 0.5, down_asymmetric: float = 0.25) -> F.Table | None:
        b = self.backtest
        if b is None:
            return None
        k = self.main_kpi
        reps = b.gaps[(b.gaps["level"] == "rep") & (b.gaps["kpi"] == k)]
        target = reps["annual_target"].to_numpy(float)
        actual = reps["projected"].fillna(0).to_numpy(float)
        rows = []
        sym = _("symmetric ({up} of a beat, {down} of a miss)")
        asym = _("asymmetric ({up} of a beat, {down} of a miss)")
        for name, d in ((sym.format(up=F.pct(up), down=F.pct(up)), up),
                        (asym.format(up=F.pct(up), down=F.pct(down_asymmetric)),
                         down_asymmetric)):  # fmt: skip
            nxt = tg.ratchet(target, actual, up=up, down=d)
            rows.append({_("rule"): name, _("next-year total"): self.value(k, nxt.sum()),
                         _("vs this year's targets"): F.signed_pct(nxt.sum() / target.sum() - 1),
                         _("people whose target rises"): F.pct((nxt > target).mean())})  # fmt: skip
        return F.table(pd.DataFrame(rows))

    def method_notes(self) -> list[str]:
        rates = [k for k in self.kpis.index if not self.summed(k)]
        rate_rules = sorted({self.spec.rule(lvl, k).rate_rule for k in rates
                             for lvl in [*self.hier.levels[1:], "rep"]})  # fmt: skip
        sep = "；" if i18n.is_chinese() else "; "
        # The model's code as the library writes it; in Chinese without its English gloss.
        code = (lambda m: m.split(" ")[0]) if i18n.is_chinese() else (lambda m: m)
        models = sep.join(f"{self.kpi_name(k)}: {model_words(m)} (`{code(m)}`)" for k, m in
                          zip(self.proposal["kpi"], self.proposal["model"], strict=True))  # fmt: skip
        rate_text = (
            _("**Rates** ({rates}) are not split, since a rate does not add up: {rules}.").format(
                rates=", ".join(self.kpi_name(k) for k in rates),
                rules=sep.join(
                    f"{_(RATE_WORDS[r]) if r in RATE_WORDS else r} (`{r}`)" for r in rate_rules
                ),
            )  # fmt: skip
            if rates
            else _("**Rates**: none in this dataset.")
        )
        return [
            _(
                "**Forecast**: the company's monthly history per KPI is fitted with exponential "
                "smoothing (Holt-Winters) models with and without a trend, damped or not, with a "
                "multiplicative or additive monthly pattern; the one with the lowest AICc (fit "
                "for its complexity) is kept, and 2,000 simulated years give the 90% interval. "
                "Models chosen: {models}."
            ).format(models=models),
            _(
                "**Rounding**: each split is rounded with the {method} method, so children add "
                "up exactly to the parent, and never outside a guardrail band; exact ties go to "
                "the larger share, then to the unit listed first. Counts are whole numbers."
            ).format(method=_(METHOD_WORDS[self.spec.rounding_method])),
            rate_text,
            _(
                "**Guardrails** are set around each person's last-year run rate (annualized over "
                "the months they worked); people with under three months of history are treated "
                "as new hires and bound only by floors."
            ),
            _(
                "**Difficulty** assumes a person's year varies around their forecast as people's "
                "years varied in the past; it does not know about territory changes, new products "
                "or behaviour under a new plan (the simulation reports model that)."
            ),
            _(
                "**Back-test**: the rules are applied to the last full year using only what was "
                "known before it (its history and the people employed on its first day)."
            ),
        ]


def _backtest(ds: Dataset, spec, growths, year: int, top: str, as_of: str | None):
    bt_year = year - 1
    if not ((ds.periods.year < bt_year).sum() >= 24 and (ds.periods.year == bt_year).sum() > 0):
        return None
    start = pd.Timestamp(f"{bt_year}-01-01")
    known_reps = ds.reps[ds.reps["hire_date"] < start].copy()
    # People who left later were still employed on the first day: their exit was not known.
    later = known_reps["exit_date"] >= start
    known_reps["exit_date"] = known_reps["exit_date"].where(~later, pd.NaT)
    known = Dataset(kpis=ds.kpis, units=ds.units, reps=known_reps,
                    sales=ds.sales[ds.sales["period"].dt.year < bt_year],
                    potential=ds.potential, source=f"{ds.source} (known on {start.date()})")  # fmt: skip
    prop = tg.propose_company_target(known, growth=growths, year=bt_year)
    bt = tg.cascade(known, prop, spec, year=bt_year)
    last_month = ds.periods[ds.periods.year == bt_year][-1]
    cut = pd.Period(as_of, freq="M") if as_of else last_month
    gaps = tg.gap_analysis(bt, ds.sales, cut, ds)
    diff = tg.difficulty(bt, known, prop, region_level=top)
    return gaps, prop, diff, cut


def build(
    ds: Dataset,
    spec_raw: dict,
    year: int | None = None,
    growth: float = 0.05,
    rate_growth: float = 0.005,
    method: str | None = None,
    padding: float | None = None,
    max_increase: float | None = None,
    max_decrease: float | None = None,
    rounding: float = 1000,
    rounding_method: str | None = None,
    backtest: bool = True,
    as_of: str | None = None,
    min_group: int = 10,
    currency: str = "CNY",
) -> TargetsReport:
    """Propose, cascade, diagnose and back-test: everything the report shows.

    Parameters
    ----------
    ds : Dataset
    spec_raw : dict
        The cascade spec as written (YAML loaded).
    year : int, optional
        The target year; default the year after the last month of data.
    growth : float
        Strategic growth on top of the forecast for summed KPIs (0.05: +5%).
    rate_growth : float
        For rate KPIs, in points (0.005: half a point).
    method, padding, max_increase, max_decrease, rounding, rounding_method
        Overrides of the spec (see :func:`override_spec`).
    backtest : bool
        Also cascade the last full year with what was known before it.
    as_of : str, optional
        Last closed month of the back-test's gap analysis ("2025-09").
    min_group : int
        Groups with fewer people are not shown.
    currency : str
        The dataset's currency code, written before every amount.
    """
    check_parameters(method, padding, max_increase, max_decrease, rounding, rounding_method)
    hier = Hierarchy.of(ds)
    spec_d, pad_level = override_spec(spec_raw, hier.levels, method, padding, max_increase,
                                      max_decrease, rounding, rounding_method)  # fmt: skip
    spec = tg.parse_cascade_spec(spec_d)
    year = int(ds.periods[-1].year + 1) if year is None else int(year)
    kp = ds.kpis.set_index("kpi")
    summed = [k for k in kp.index if kp.loc[k, "aggregation"] == "sum"]
    if not summed:
        raise ReportParameterError(
            _("the target report needs at least one summed KPI (such as sales value)")
        )
    growths = {k: (growth if k in summed else rate_growth) for k in kp.index}
    prop = tg.propose_company_target(ds, growth=growths, year=year)
    conflict = ""
    try:
        cas = tg.cascade(ds, prop, spec, year=year)
    except tg.GuardrailError as exc:
        # Shown, not hidden: the report says the bands conflict and shows the cascade
        # without them, so the reader sees where they bind.
        conflict = str(exc)
        spec = tg.parse_cascade_spec(drop_guardrails(spec.model_dump()))
        cas = tg.cascade(ds, prop, spec, year=year)
    top = hier.levels[1] if len(hier.levels) > 1 else hier.levels[0]
    diff = tg.difficulty(cas, ds, prop, region_level=top)
    rec = tg.reconcile(diff)
    main_kpi = summed[0]
    bt = None
    if backtest:
        res = _backtest(ds, spec, growths, year, top, as_of)
        if res is not None:
            gaps, bprop, bdiff, cut = res
            reps = gaps[(gaps["level"] == "rep") & (gaps["kpi"] == main_kpi)]
            reps = reps[reps["ytd_target"] > 0]
            exp = bdiff.units[(bdiff.units["level"] == hier.levels[0])
                              & (bdiff.units["kpi"] == main_kpi)].iloc[0]  # fmt: skip
            s = ds.sales
            total = float(s.loc[(s["kpi"] == main_kpi) & (s["period"].dt.year == year - 1),
                                "value"].sum())  # fmt: skip
            bt = Backtest(year - 1, cut, gaps, bprop, exp,
                          float((reps["ytd_actual"] >= reps["ytd_target"]).mean()), total)  # fmt: skip
    return TargetsReport(ds=ds, hier=hier, spec=spec, year=year, currency=currency,
                         min_group=min_group, proposal=prop, cascade=cas, difficulty=diff,
                         reconciliation=rec, main_kpi=main_kpi, pad_level=pad_level,
                         padding=padding, guardrail_conflict=conflict, backtest=bt)  # fmt: skip

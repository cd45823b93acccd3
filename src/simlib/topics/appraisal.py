"""The appraisal design report: weightings, ratings, sensitivity, costs and outcomes.

:func:`build` appraises the last full year under the scorecard's own weights and
under AHP, entropy, CRITIC and combined weights, solves the merit budget, and
finds promotion, improvement-plan and training outcomes. :class:`AppraisalReport`
gives the report's tables (human column names, percentages, currency) and the
summary that opens the page.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simlib import appraisal as ap
from simlib import i18n
from simlib import outcomes as oc
from simlib.data.dataset import Dataset
from simlib.i18n import N_, _
from simlib.topics import ReportParameterError
from simlib.topics import format as F

#: The merit matrix's practice band for a 3% budget (top grade, compa-ratio under 0.9:
#: 6-8%; middle grade at the midpoint 2-3%; the bottom two grades 0-1%), by compa-ratio
#: band (under 0.9, 0.9-1.1, over 1.1).
MERIT_TOP = (0.07, 0.055, 0.04)
MERIT_MIDDLE = (0.035, 0.025, 0.015)
MERIT_SECOND_LAST = (0.01, 0.005, 0.0)


#: The weightings compared, in words (others are named by their method).
WEIGHTING_WORDS = {"manual": N_("manual"), "entropy": N_("entropy"), "CRITIC": "CRITIC",
                   "AHP": "AHP"}  # fmt: skip
#: Where compa-ratio midpoints come from (simlib.outcomes), shown with ``_``.
_MIDPOINTS = (
    N_("median base salary per grade (no pay-range midpoints given)"), N_("given midpoints"),
    N_("top"), N_("bottom"), N_("(not explained)"),
)  # fmt: skip
#: Org levels a forced distribution may rank within (named by the labels table when given).
_LEVELS = (N_("company"), N_("region"), N_("branch"), N_("team"), N_("unit"))
#: Where the time in grade is measured from, and the scorecard methods, for the catalog.
_WORDS = (
    N_("hire date (no grade_since column: time with the company stands in)"),
    N_("grade_since column"), N_("ahp"), N_("ahp_hierarchy"), N_("critic"), N_("combined"),
)  # fmt: skip


def check_parameters(combined_alpha: float, delta: float, merit_budget_rate: float) -> None:
    if not 0 <= combined_alpha <= 1:
        raise ReportParameterError(
            _("combined_alpha must be in [0, 1], got {combined_alpha}").format(
                combined_alpha=combined_alpha
            )
        )
    if not 0 < delta < 1:
        raise ReportParameterError(_("delta must be in (0, 1), got {delta}").format(delta=delta))
    if not 0 <= merit_budget_rate < 1:
        raise ReportParameterError(
            _("merit_budget_rate must be a fraction such as 0.03, got {merit_budget_rate}").format(
                merit_budget_rate=merit_budget_rate
            )
        )


def default_merit_matrix(grades: list[str]) -> oc.MeritMatrix:
    """A merit matrix in the practice band for any number of grades: the best grade
    gets :data:`MERIT_TOP`, grades down to the third-last move linearly to
    :data:`MERIT_MIDDLE`, the second-last gets :data:`MERIT_SECOND_LAST`, the last none."""
    k = len(grades)
    rows = []
    for i in range(k):
        if i == k - 1:
            rows.append(np.zeros(3))
        elif i == k - 2:
            rows.append(np.array(MERIT_SECOND_LAST))
        else:
            f = i / max(k - 3, 1)
            rows.append(np.array(MERIT_TOP) * (1 - f) + np.array(MERIT_MIDDLE) * f)
    return oc.MeritMatrix(grades, [0.9, 1.1], np.round(np.array(rows), 4))


def weighted_spec(spec: dict, weights: Any) -> dict:
    """The scorecard with each KPI's weight replaced (its own weights block dropped)."""
    out = dict(spec)
    out["kpis"] = [{**k, "weight": float(weights[k["kpi"]])} for k in spec["kpis"]]
    out.pop("weights", None)
    return out


def _quiet(f, *a, **kw):
    # Appraisal warnings (small groups, ties) are reported in the notes section.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **kw)


@dataclass
class AppraisalReport:
    ds: Dataset
    scorecard: Any
    period: str
    currency: str
    min_group: int
    first: Any
    weightings: dict
    apps: dict
    reference: str
    matrix: Any
    merit: pd.DataFrame
    merit_result: Any
    merit_budget_rate: float
    history_periods: list[str]
    promotion: pd.DataFrame
    promotion_bar: str
    flags: pd.DataFrame
    pip_floor: float
    ahp: Any | None
    labels: Any = None  # simlib.labels.Labels: org levels named in the language in force

    @property
    def grades(self) -> list[str]:
        return list(self.scorecard.rating.names)

    def grade_label(self, g: str) -> str:
        """A grade as the page names it: in Chinese the scorecard's own name (优秀, 良好
        ...; charts draw it with the bundled CJK font), in English its rank ("grade 1
        (best)"), since the scorecard's names are usually Chinese."""
        if i18n.is_chinese():
            return g
        i = self.grades.index(g)
        return _("grade {rank}").format(rank=i + 1) + (_(" (best)") if i == 0 else "")

    def weighting_name(self, name: str) -> str:
        """A weighting as the page names it, in the language in force."""
        m = re.fullmatch(r"scorecard \((.+)\)", name)
        if m:
            return _("scorecard ({method})").format(method=_(m.group(1)))
        m = re.fullmatch(r"combined \((.+) AHP\)", name)
        if m:
            return _("combined ({share} AHP)").format(share=m.group(1))
        return _(WEIGHTING_WORDS[name]) if name in WEIGHTING_WORDS else name

    def kpi_name(self, kpi: str) -> str:
        """A KPI as the page names it: its code in English, the data's label in Chinese."""
        if not i18n.is_chinese():
            return kpi
        k = self.ds.kpis.set_index("kpi")
        lab = k.loc[kpi, "label"] if "label" in k and kpi in k.index else None
        return lab if isinstance(lab, str) and lab else kpi

    def level_name(self, level: str) -> str:
        """An org level (or the ranking group's name) in the language in force."""
        if not i18n.is_chinese():
            return level
        return self.labels.name("level", level, i18n.current()) if self.labels else _(level)

    def changed(self) -> pd.DataFrame:
        """Per other weighting: reps rated differently, their share, and those moved two
        grades or more, against the scorecard's own weights."""
        ref = self.apps[self.reference].rated.set_index("rep_id")["grade_index"]
        rows = []
        for n, a in self.apps.items():
            if n == self.reference:
                continue
            g = a.rated.set_index("rep_id")["grade_index"].reindex(ref.index)
            rows.append({"weighting": n, "different": int((g != ref).sum()),
                         "share": float((g != ref).mean()),
                         "two_or_more": int(((g - ref).abs() >= 2).sum())})  # fmt: skip
        return pd.DataFrame(rows)

    def summary(self) -> list[str]:
        ch = self.changed()
        n = len(self.first.rated)
        if len(ch):
            worst = ch.loc[ch["share"].idxmax()]
            first = "**" + _(
                "The weighting decides who gets which grade: up to {share} of the {n} rated "
                "reps ({different}) get a different grade under {weighting} weights than under "
                "the scorecard's own."
            ).format(
                share=F.pct(worst["share"]), n=F.number(n), different=F.number(worst["different"]),
                weighting=self.weighting_name(worst["weighting"]),
            ) + "**"  # fmt: skip
        else:
            first = "**" + _("{n} reps rated; only one weighting compared.").format(
                n=F.number(n)
            ) + "**"  # fmt: skip
        r = self.merit_result
        second = _(
            "Merit budget {budget} ({rate} of the rated payroll): the matrix as written would "
            "cost {cost}, so every raise is scaled by {scale}."
        ).format(
            budget=F.money(r.budget, self.currency), rate=F.pct(self.merit_budget_rate, 1),
            cost=F.money(r.cost_at_matrix, self.currency), scale=f"{r.scale:.2f}",
        )  # fmt: skip
        third = _(
            "{eligible} reps eligible for promotion; {flagged} flagged for an improvement plan."
        ).format(
            eligible=F.number(int(self.promotion["eligible"].sum())),
            flagged=F.number(len(self.flags)),
        )
        if self.ahp is not None:
            cr = self.ahp.consistency_ratio
            third += (" " if not i18n.is_chinese() else "") + (
                _(
                    "The AHP judgments are consistent enough (consistency ratio {cr}; Saaty's "
                    "limit 0.10)."
                )
                if cr <= 0.10
                else _(
                    "The AHP judgments are too inconsistent (consistency ratio {cr}; Saaty's "
                    "limit 0.10)."
                )
            ).format(cr=f"{cr:.2f}")
        return [first, second, third]

    # -------------------------------------------------------------- tables
    def weights_table(self) -> F.Table:
        kpis = self.first.weights.names
        df = pd.DataFrame([{_("weighting"): self.weighting_name(n),
                            **{self.kpi_name(k): F.pct(w[k], 1) for k in kpis}}
                           for n, w in self.weightings.items()])  # fmt: skip
        return F.table(df, title=_("KPI weights by method"))

    def counts_table(self) -> F.Table:
        rows = []
        for n, a in self.apps.items():
            c = a.rating_counts().iloc[0]
            rows.append(
                {
                    _("weighting"): self.weighting_name(n),
                    **{self.grade_label(g): int(c[g]) for g in self.grades},
                }
            )
        return F.table(pd.DataFrame(rows), title=_("Reps per grade"))

    def changed_table(self) -> F.Table:
        ch = self.changed()
        ch["weighting"] = [self.weighting_name(n) for n in ch["weighting"]]
        return F.table(ch, formats={"share": F.pct},
                       names={"weighting": _("weighting"),
                              "different": _("reps rated differently"), "share": _("share of reps"),
                              "two_or_more": _("moved two grades or more")},
                       title=_("Compared with the scorecard's own weights ({reference})").format(
                           reference=self.weighting_name(self.reference)))  # fmt: skip

    def moves_table(self, other: str) -> F.Table:
        lab = self.grade_label
        a = self.apps[self.reference].rated.set_index("rep_id")["grade_index"]
        b = self.apps[other].rated.set_index("rep_id")["grade_index"].reindex(a.index)
        t = pd.crosstab(a.map(lambda i: lab(self.grades[i])), b.map(lambda i: lab(self.grades[i])))
        order = [lab(g) for g in self.grades]
        t = t.reindex(index=order, columns=order, fill_value=0)
        t.index.name = _("{reference} weights ↓ / {other} weights →").format(
            reference=self.weighting_name(self.reference), other=self.weighting_name(other)
        )
        t.columns.name = None
        return F.table(t)

    def sensitivity_table(self, delta: float) -> F.Table:
        s = ap.weight_sensitivity(self.first, delta=delta)
        s = s.assign(kpi=[self.kpi_name(k) for k in s["kpi"]])
        return F.table(
            s,
            formats={"change": lambda v: F.points(v, 0), "weight_from": F.pct,
                     "weight_to": F.pct, "rating_changed": lambda v: F.pct(v, 1),
                     "moved_up": lambda v: F.pct(v, 1), "moved_down": lambda v: F.pct(v, 1),
                     "rank_correlation": lambda v: F.number(v, 3)},
            names={"kpi": _("KPI"), "change": _("weight moved"), "weight_from": _("weight now"),
                   "weight_to": _("weight tested"), "rating_changed": _("grade changes"),
                   "moved_up": _("moved up"), "moved_down": _("moved down"),
                   "rank_correlation": _("ranking kept (1 = same)"),
                   "top_changed": _("top grade changes"),
                   "bottom_changed": _("bottom grade changes")},
            title=_("Weights moved by ±{points} points").format(points=f"{delta * 100:.0f}"),
        )  # fmt: skip

    def break_even_table(self) -> F.Table:
        be = ap.break_even_weights(self.first)
        be = be.assign(kpi=[self.kpi_name(k) for k in be["kpi"]],
                       group=[_(g) for g in be["group"]])  # fmt: skip
        return F.table(
            be,
            formats={"weight": F.pct, "weight_up": lambda v: F.pct(v, 1),
                     "weight_down": lambda v: F.pct(v, 1), "delta_up": F.points,
                     "delta_down": F.points},
            names={"kpi": _("KPI"), "group": _("group"), "weight": _("weight now"),
                   "weight_up": _("changes at (rising)"), "weight_down": _("changes at (falling)"),
                   "delta_up": _("rise needed"), "delta_down": _("fall needed"),
                   "immediate_up": _("tied at the edge (rising)"),
                   "immediate_down": _("tied at the edge (falling)")},
            missing_note=_("the group does not change anywhere between 0% and 100%"),
            title=_("Weight at which the top / bottom group first changes"),
        )  # fmt: skip

    def design_table(self, revenue_kpi: str | None) -> tuple[F.Table, str]:
        corr = ap.kpi_correlations(self.first, revenue=revenue_kpi)
        shares = ap.variance_shares(self.first)
        rv = ap.rating_variance_shares(self.first)
        dec = ap.decisive_kpis(self.first)
        d = corr.join(shares).join(rv["share"].rename("rating_variance_share")).join(dec)
        d.index = [self.kpi_name(k) if k in self.ds.kpi_names else _(k) for k in d.index]
        d.index.name = _("KPI")
        two = {c: (lambda v: F.number(v, 2)) for c in d.columns}
        pc = {c: F.pct for c in ("weight", "variance_share", "rating_variance_share",
                                  "pivotal_share", "sole_pivotal_share")}  # fmt: skip
        rev = self.kpi_name(revenue_kpi) if revenue_kpi else "revenue"
        t = F.table(
            d, formats=two | pc,
            names={"weight": _("weight"), "corr_with_score": _("correlation with the score"),
                   "corr_with_revenue": _("correlation with {kpi}").format(kpi=rev),
                   "rank_corr_with_score": _("rank correlation with the score"),
                   "variance_share": _("share of score variance"),
                   "rating_variance_share": _("share of rating variance"),
                   "pivotal_share": _("grade decided by it (with others)"),
                   "sole_pivotal_share": _("grade decided by it alone")},
            missing_note=_("not measured for this part of the scorecard"), title=_("KPI by KPI"),
        )  # fmt: skip
        words = _(
            "**{one}** of rated reps have a grade that one KPI alone decides; for **{none}** no "
            "single KPI does. The KPIs and competence together explain **{r2}** of the variance "
            "of the grades (not explained: {rest})."
        ).format(
            one=F.pct(dec.attrs["decided_by_one_kpi"]), none=F.pct(dec.attrs["decided_by_none"]),
            r2=F.pct(rv.attrs["r2"]), rest=F.pct(rv.loc["(not explained)", "share"]),
        )  # fmt: skip
        return t, words

    def by_group_table(self) -> F.Table:
        g = ap.rating_distribution(self.first, by="group_id", min_n=self.min_group)
        g.columns = ["n", *[self.grade_label(x) for x in self.grades], "mean_score"]
        g.index.name = _("ranking group")
        fm = {c: (lambda v: F.pct(v, 1)) for c in g.columns} | {
            "n": F.number, "mean_score": lambda v: F.number(v, 1)}  # fmt: skip
        return F.table(g, formats=fm, names={"n": _("rated reps"), "mean_score": _("mean score")},
                       notes=[_("Groups with fewer than {n} rated reps are not shown.").format(
                           n=self.min_group)],
                       title=_("Grade shares by ranking group"))  # fmt: skip

    def top_share_by_team(self) -> pd.Series:
        m = ap.rating_distribution(self.first, by="unit_id", min_n=self.min_group)
        return m[self.grades[0]]

    def calibration(self) -> pd.DataFrame | None:
        """Per team of ``min_group``+ rated reps: mean competence before and after removing
        manager leniency (mixed model), and team size; None without assessments."""
        r = self.first.rated
        raw = r["competence_raw"].to_numpy()
        if not (np.isfinite(raw).all() and len(raw) > 2):
            return None
        cal = ap.calibrate(raw, r["unit_id"].to_numpy(), "mixed")
        g = pd.DataFrame({"before": raw, "after": cal, "unit": r["unit_id"]}).groupby("unit")
        m = g.mean()
        m["reps"] = g.size()
        return m[m["reps"] >= self.min_group]

    def merit_matrix_table(self) -> F.Table:
        t = self.matrix.to_frame().rename(index=self.grade_label)
        t.index.name = _("grade")
        t.columns = [_("compa-ratio {band}").format(band=c) for c in t.columns]
        return F.table(t, formats={c: (lambda v: F.pct(v, 1)) for c in t.columns},
                       title=_("Merit matrix as written (raise by grade and compa-ratio)"))  # fmt: skip

    def merit_words(self) -> str:
        r = self.merit_result
        return _(
            "Budget {rate} of the rated payroll = **{budget}**. The matrix as written would cost "
            "{cost}, so every cell is scaled by **{scale}**; the raises add up to {spent}. "
            "Compa-ratio midpoints: {midpoints}."
        ).format(
            rate=F.pct(self.merit_budget_rate, 1), budget=F.money(r.budget, self.currency),
            cost=F.money(r.cost_at_matrix, self.currency), scale=f"{r.scale:.3f}",
            spent=F.money(self.merit["raise_amount"].sum(), self.currency),
            midpoints=_(self.merit.attrs["midpoint_source"]),
        )  # fmt: skip

    def merit_by_grade_table(self) -> F.Table:
        c = self.merit.groupby("rating").agg(reps=("rep_id", "size"),
                                             mean_raise=("raise_pct", "mean"),
                                             total=("raise_amount", "sum")).reindex(self.grades)  # fmt: skip
        c["share_of_budget"] = c["total"] / c["total"].sum()
        c.index = [self.grade_label(g) for g in c.index]
        c.index.name = _("grade")
        return F.table(c, formats={"reps": F.number, "mean_raise": lambda v: F.pct(v, 2),
                                   "total": lambda v: F.money(v, self.currency),
                                   "share_of_budget": lambda v: F.pct(v, 1)},
                       names={"reps": _("reps"), "mean_raise": _("mean raise"),
                              "total": _("merit spend"),
                              "share_of_budget": _("share of the budget")},
                       missing_note=_("no rated rep in this grade"),
                       title=_("Merit spend by grade"))  # fmt: skip

    def merit_cost_table(self) -> F.Table:
        rows = []
        for name, a in self.apps.items():
            _raises, r = oc.merit_round(a, self.ds.reps, self.matrix,
                                        budget_rate=self.merit_budget_rate)  # fmt: skip
            rows.append({_("weighting"): self.weighting_name(name),
                         _("cost of the matrix as written"):
                         F.money(r.cost_at_matrix, self.currency)})  # fmt: skip
        return F.table(pd.DataFrame(rows),
                       title=_("What the unscaled matrix would cost under each weighting"))  # fmt: skip

    def promotion_words(self, min_years: float) -> str:
        p = self.promotion
        basis = p["time_basis"].iloc[0]
        return _(
            "Appraisal periods used: {periods}. Promotion bar: {bar} ({label}) or better in "
            "each, and at least {years} years in grade, measured from the {basis}. Reps meeting "
            "the rating bar: {meets}; also the time bar: {eligible}."
        ).format(periods=", ".join(self.history_periods), bar=self.promotion_bar,
                 label=self.grade_label(self.promotion_bar), years=f"{min_years:g}",
                 basis=_(basis), meets=int(p["meets_rating"].sum()),
                 eligible=int(p["eligible"].sum()))  # fmt: skip

    def promotion_table(self) -> F.Table:
        p = self.promotion.merge(self.first.reps[["rep_id", "group_id"]], on="rep_id", how="left")
        s = p.groupby("group_id").agg(reps=("rep_id", "size"), meets=("meets_rating", "sum"),
                                      eligible=("eligible", "sum"))  # fmt: skip
        s["share"] = s["eligible"] / s["reps"]
        small = s["reps"] < self.min_group
        s = s[~small]
        s.index.name = _("ranking group")
        notes = [_("{n} group(s) with fewer than {min_group} reps not shown.").format(
            n=int(small.sum()), min_group=self.min_group)] if small.any() else []  # fmt: skip
        return F.table(s, formats={"share": lambda v: F.pct(v, 1)},
                       names={"reps": _("reps"), "meets": _("meet the rating bar"),
                              "eligible": _("eligible"), "share": _("share eligible")},
                       notes=notes, title=_("Promotion-eligible reps by group"))  # fmt: skip

    def flags_words(self) -> str:
        f = self.flags
        return _(
            "**{n}** reps flagged for an improvement plan ({bottom} for two bottom ratings, "
            "{floor} for a KPI under {pip_floor} of target)."
        ).format(n=len(f), bottom=int(f["flags"].str.contains("consecutive_bottom").sum()),
                 floor=int(f["flags"].str.contains("attainment_floor").sum()),
                 pip_floor=F.pct(self.pip_floor))  # fmt: skip

    def flag_kpis_table(self) -> F.Table:
        k = self.flags["kpis"].str.split(";").explode().value_counts()
        k.index = [self.kpi_name(x) for x in k.index]
        k.index.name = "KPI"
        return F.table(k.rename(_("flagged reps")).to_frame(), title=_("KPIs behind the flags"))

    def flags_list(self, rows: int) -> F.Table:
        f = self.flags.head(rows)
        why = {"consecutive_bottom": _("two bottom ratings"),
               "attainment_floor": _("a KPI under the floor")}  # fmt: skip
        f = f.assign(flags=[", ".join(why.get(x, x.replace("_", " ")) for x in v.split(";"))
                            for v in f["flags"]],
                     kpis=f["kpis"].str.replace(";", ", "))  # fmt: skip
        return F.table(f, names={"rep_id": _("rep"), "unit_id": _("unit"), "flags": _("why"),
                                 "kpis": "KPIs", "detail": _("detail")},
                       title=_("First {n} flagged reps (IDs only)").format(n=rows))  # fmt: skip

    def flags_by_unit(self) -> F.Table:
        by = (self.flags.merge(self.first.reps[["rep_id", "group_id"]], on="rep_id", how="left")
              .groupby("group_id").size().rename(_("flagged reps")))  # fmt: skip
        small = by < self.min_group
        by = by[~small]
        by.index.name = _("unit")
        notes = [_("{n} unit(s) with fewer than {min_group} flagged reps are not shown; no rep "
                   "IDs are listed in this copy.").format(n=int(small.sum()),
                                                          min_group=self.min_group)
                 ] if small.any() else []  # fmt: skip
        return F.table(by.to_frame(), notes=notes,
                       title=_("Reps flagged for an improvement plan, by unit"))  # fmt: skip

    def training_tables(self) -> tuple[F.Table, F.Table]:
        person, unit = oc.training_needs(self.first, top_n=3, unit_col="group_id")
        top = unit[(unit["rank"] <= 3) & (unit["reps"] >= self.min_group)].copy()
        kinds = {"kpi": "KPI", "competence": _("competence")}
        top["kind"] = [kinds.get(x, x) for x in top["kind"]]
        top["area"] = [self.kpi_name(x) for x in top["area"]]
        t1 = F.table(
            top, formats={"share": F.pct, "mean_gap": lambda v: F.number(v, 2),
                          "priority": lambda v: F.number(v, 3)},
            names={"reps_with_need": _("reps with the need"), "share": _("share of the unit"),
                   "mean_gap": _("mean gap"), "area": _("area"), "kind": _("kind"),
                   "group_id": _("ranking group"), "unit_id": _("unit"), "reps": _("reps"),
                   "priority": _("priority"), "rank": _("rank")},
            title=_("Top three training priorities per group (priority = share with the need "
                    "× mean gap)"),
        )  # fmt: skip
        company = person.groupby(["area", "kind"]).agg(reps=("rep_id", "nunique"),
                                                       mean_gap=("gap", "mean"))  # fmt: skip
        company = company.sort_values("reps", ascending=False).reset_index()
        company["kind"] = [kinds.get(x, x) for x in company["kind"]]
        company["area"] = [self.kpi_name(x) for x in company["area"]]
        t2 = F.table(company, formats={"mean_gap": lambda v: F.number(v, 2)},
                     names={"mean_gap": _("mean gap"), "area": _("area"), "kind": _("kind"),
                            "reps": _("reps")},
                     title=_("Company-wide: reps with each need among their top three"))  # fmt: skip
        return t1, t2

    def tie_words(self) -> str:
        r = self.scorecard.rating
        if r.type != "forced":
            return _("This scorecard rates by absolute bands: ties never matter.")
        words = {
            "up": _("all get the better grade (the better grade may then exceed its quota)"),
            "down": _(
                "all get the worse grade (the better grade may then fall short of its quota)"
            ),
            "split": _(
                "are split by the quota in input order (the scorecard asks for exact quotas)"
            ),
        }[r.ties]
        return _(
            "Tie rule of this scorecard (`ties: {ties}`): reps tied at a grade boundary {words}."
        ).format(ties=r.ties, words=words)


def build(
    ds: Dataset,
    spec: dict,
    period: str = "",
    ahp_pairwise: list | None = None,
    combined_alpha: float = 0.5,
    delta: float = 0.05,
    merit_budget_rate: float = 0.03,
    promotion_min_rating: str = "",
    promotion_min_years_in_grade: float = 1.0,
    pip_attainment_floor: float = 0.6,
    min_group: int = 5,
    currency: str = "CNY",
) -> AppraisalReport:
    """Appraise under every weighting and find what the ratings drive.

    Parameters
    ----------
    spec : dict
        The scorecard (the ``scorecard:`` block or the whole file).
    period : str
        "2026", "2026H1" ...; empty for the last full calendar year.
    ahp_pairwise : list, optional
        Managers' pairwise judgments of the scorecard's KPIs, in their order (Saaty
        scale, "1/3" allowed). None: the AHP and combined weightings are left out.
    combined_alpha : float
        Share of AHP in the AHP + entropy mix.
    merit_budget_rate : float
        Merit budget as a share of the rated reps' payroll (0.03).
    promotion_min_rating : str
        The grade to reach; empty for the second-best grade.
    pip_attainment_floor : float
        A KPI under this share of target flags an improvement plan.
    min_group : int
        Groups smaller than this are not shown on their own.
    """
    check_parameters(combined_alpha, delta, merit_budget_rate)
    spec = spec.get("scorecard", spec)
    card = ap.Scorecard.from_dict(spec)
    label = period or ap.last_full_year(ds)
    first = _quiet(ap.appraise, ds, card, label)
    kpis = first.weights.names
    points = first.rated[[f"score_{k}" for k in kpis]].to_numpy()
    ref = "manual" if card.weights is None else f"scorecard ({card.weights.method})"
    weightings: dict[str, Any] = {ref: first.weights}
    w_ahp = None
    if ahp_pairwise is not None:
        if len(ahp_pairwise) != len(kpis):
            raise ReportParameterError(
                _(
                    "ahp_pairwise has {n} rows; the scorecard has {n2} KPIs ({kpis}): one row and column per KPI, in that order"
                ).format(n=len(ahp_pairwise), n2=len(kpis), kpis=", ".join(kpis))
            )
        w_ahp = ap.ahp(ahp_pairwise, kpis, on_inconsistent="ignore")
        weightings["AHP"] = w_ahp
    w_entropy = ap.entropy_weights(points, criteria=kpis)
    weightings["entropy"] = w_entropy
    weightings["CRITIC"] = ap.critic_weights(points, criteria=kpis)
    if w_ahp is not None:
        weightings[f"combined ({combined_alpha:.0%} AHP)"] = ap.combine(
            w_ahp, w_entropy, alpha=combined_alpha
        )
    apps = {
        n: _quiet(ap.appraise, ds, weighted_spec(spec, w), label) for n, w in weightings.items()
    }
    grades = list(card.rating.names)
    matrix = default_merit_matrix(grades)
    merit, res = oc.merit_round(first, ds.reps, matrix, budget_rate=merit_budget_rate)
    full = sorted({p.year for p in ds.periods if (ds.periods.year == p.year).sum() == 12})
    hist_periods = [str(y) for y in full if y <= int(str(label)[:4])][-2:]
    hist = _quiet(ap.appraise_history, ds, card, hist_periods)
    bar = promotion_min_rating or grades[min(1, len(grades) - 1)]
    promo = _quiet(oc.promotion_eligibility, hist, ds.reps, grades, bar,
                   consecutive=len(hist_periods), min_years_in_grade=promotion_min_years_in_grade)  # fmt: skip
    flags = oc.improvement_flags(hist, first, attainment_floor=pip_attainment_floor)
    return AppraisalReport(ds, card, str(label), currency, min_group, first, weightings, apps,
                           ref, matrix, merit, res, merit_budget_rate, hist_periods, promo, bar,
                           flags, pip_attainment_floor, w_ahp)  # fmt: skip

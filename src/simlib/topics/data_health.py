"""The data health report: every check against its reference band, the verdict that
opens the page, the data-check findings, and the report's tables in words and
percentages.

The figures come from :mod:`simlib.data.health`, the findings from
:func:`simlib.data.checks.check_dataset`; this module reads them (which checks pass,
what the verdict is) and writes them for the page. Share at quota is read by the one
rule of :mod:`simlib.vocabulary`, as on every other page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simlib import i18n
from simlib import vocabulary as voc
from simlib.data import health as H
from simlib.data.checks import DataChecks, check_dataset
from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.i18n import N_, _, ngettext
from simlib.topics import ReportParameterError
from simlib.topics import format as F

#: The verdicts of a check, as a page shows them (the English words are the keys).
VERDICTS = {"within": N_("within"), "below": N_("below"), "above": N_("above"),
            "not measurable": N_("not measurable"), "ok": N_("ok")}  # fmt: skip


#: How the vocabulary reads share at quota (its texts and labels), for the catalog: a
#: page shows ``_(text)``.
QUOTA_READINGS = (
    N_("too hard: below 45%"), N_("below the 60-70% design aim: hard"),
    N_("within the 60-70% design aim"), N_("above the 60-70% design aim: easy"),
    N_("too easy: above 85%"), N_("too hard"), N_("hard"), N_("easy"), N_("too easy"),
    N_("Alexander Group design aim; above 85% too easy, below 45% too hard"),
)  # fmt: skip
#: The data checks and their severities in words (simlib.data.checks.CHECKS), for the
#: catalog: the findings table shows ``_(name)``.
FINDING_WORDS = (
    N_("partial year"), N_("missing months"), N_("no sales"), N_("zero targets"),
    N_("implausible values"), N_("attainment spread"), N_("warning"), N_("error"),
)  # fmt: skip
#: The KPI table's units, directions and roll-ups in words (shown with ``_``).
KPI_WORDS = (N_("currency"), N_("count"), N_("rate"), N_("higher"), N_("lower"), N_("sum"))
#: The checks' names, marked for the catalog (a page shows ``_(name)``).
CHECK_NAMES = (
    N_("employed rep-months with data"), N_("third month's share of its quarter"),
    N_("top 20% of people's share of {kpi}"), N_("annual attrition (company)"),
    N_("full-year people at annual {kpi} quota"),
)  # fmt: skip


def verdict_words(v: str) -> str:
    return _(VERDICTS.get(v, v)) if v else v


def band_verdict(x: float, low: float, high: float) -> str:
    """ "within", "below" or "above" a reference band; "not measurable" for no value."""
    if x is None or not np.isfinite(x):
        return "not measurable"
    return "within" if low <= x <= high else ("below" if x < low else "above")


@dataclass(frozen=True)
class Check:
    """One figure of the data against its reference."""

    check: str
    value: str
    reference: str
    verdict: str
    source: str
    section: str
    #: The verdict in words, when the band's rule words it (the vocabulary's reading).
    reading: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict in ("ok", "within")

    #: The KPI the check's name speaks of (``{kpi}`` in ``check``), as the page names it.
    kpi: str = ""

    @property
    def name(self) -> str:
        """The check's name in the language in force."""
        return _(self.check).format(kpi=self.kpi)

    @property
    def words(self) -> str:
        """The verdict against the reference, in words."""
        if self.reading:
            return _(self.reading)
        return f"{verdict_words(self.verdict)} {_(self.reference)}"


@dataclass
class DataHealth:
    """What the data health report shows (see :func:`build`)."""

    ds: Dataset
    volume_kpi: str
    group_level: str | None
    top_fraction: float
    coverage: pd.DataFrame
    checks: list[Check] = field(default_factory=list)
    concentration: pd.DataFrame | None = None
    attrition: pd.DataFrame | None = None
    company_attrition: pd.DataFrame | None = None
    quota: pd.DataFrame | None = None
    profile: pd.DataFrame | None = None
    findings: DataChecks = field(default_factory=DataChecks)

    def kpi_name(self, kpi: str) -> str:
        """The KPI as a sentence names it: its code in English, the data's Chinese label
        (``kpis.label``) in Chinese."""
        if not i18n.is_chinese() or "label" not in self.ds.kpis:
            return kpi
        lab = self.ds.kpis.set_index("kpi")["label"].get(kpi)
        return lab if isinstance(lab, str) and lab else kpi

    # -------------------------------------------------------------- coverage
    @property
    def gaps(self) -> dict[str, int]:
        c = self.coverage
        return {
            "employed": int(c["employed"].sum()),
            "missing": int(c["missing"].sum()),
            "outside": int(c["outside_employment"].sum()),
            "incomplete": int(c["incomplete"].sum()),
        }

    @property
    def complete(self) -> bool:
        g = self.gaps
        return g["missing"] + g["outside"] + g["incomplete"] == 0

    def summary(self) -> list[str]:
        """Three lines: the verdict (can this history be simulated on?), the checks
        outside their bands, and what the data hold."""
        g = self.gaps
        sep = _("; ")
        if self.complete:
            verdict = "**" + _(
                "Complete: every rep-month of employment has data, and none lies outside "
                "employment."
            ) + "**"  # fmt: skip
        else:
            parts = []
            if g["missing"]:
                parts.append(
                    _("{missing} of {employed} employed rep-months have no data ({share})").format(
                        missing=F.number(g["missing"]), employed=F.number(g["employed"]),
                        share=F.pct(g["missing"] / max(g["employed"], 1), 1),
                    )
                )  # fmt: skip
            if g["outside"]:
                parts.append(
                    _("{n} rep-months of data lie outside employment").format(
                        n=F.number(g["outside"])
                    )
                )
            if g["incomplete"]:
                parts.append(_("{n} rep-months lack some KPIs").format(n=F.number(g["incomplete"])))
            verdict = "**" + _("Gaps to fix before simulating: {gaps}.").format(
                gaps=sep.join(parts)
            ) + "**"  # fmt: skip
        measured = [c for c in self.checks if c.verdict not in ("not measurable",)]
        off = [c for c in measured if not c.ok and c.section != "coverage"]
        within = sum(c.ok for c in measured if c.section != "coverage")
        n = sum(1 for c in measured if c.section != "coverage")
        second = _("{within} of {n} figures within their practice bands").format(
            within=within, n=n
        ) + (
            _("; outside: {figures}").format(figures=sep.join(
                f"{c.name} {c.value} ({c.words})" for c in off
            ))
            if off
            else _(".")
        )  # fmt: skip
        if off:
            second += _(" (worth knowing, not an error).")
        p = self.ds.periods
        third = _("{people} people in {units} org units, {months} months ({span}), {kpis} KPIs.").format(
            people=F.number(len(self.ds.reps)), units=F.number(len(self.ds.units)),
            months=len(p), span=i18n.month_span(p[0], p[-1]), kpis=len(self.ds.kpis),
        )  # fmt: skip
        return [verdict, second, third]

    def coverage_words(self) -> str:
        g = self.gaps
        c = self.coverage
        empty = c.loc[c["with_data"] == 0, "period"].astype(str).tolist()
        return "\n".join([
            "- " + _("Rep-months employed: **{employed}**; of these **{missing}** have no data "
                     "({share}).").format(
                employed=F.number(g["employed"]), missing=F.number(g["missing"]),
                share=F.pct(g["missing"] / max(g["employed"], 1), 1)),
            "- " + _("Rep-months with data outside employment: **{n}**.").format(
                n=F.number(g["outside"])),
            "- " + _("Rep-months with rows for some KPIs but not all: **{n}**.").format(
                n=F.number(g["incomplete"])),
            "- " + _("Months with no data at all: **{months}**.").format(
                months=", ".join(empty) or _("none")),
        ])  # fmt: skip

    def seasonality_words(self) -> str:
        prof = self.profile
        if prof is None or not len(prof):
            return _("No complete quarter in the data: seasonality cannot be measured.")
        last = float(prof["mean"].iloc[-1])
        push = (
            _("The end-of-quarter push is visible.")
            if last > H.REFERENCES["third_month_share"].low
            else _(
                "The end-of-quarter push is weak or absent: check that the data are booked "
                "in the month the sale was made."
            )
        )
        return _(
            "On average the three months of a quarter bring **{shares}** of its {kpi}; the "
            "reference is about 25 / 30 / 45% (Oyer 1998). {push}"
        ).format(
            shares=" / ".join(F.pct(x) for x in prof["mean"]),
            kpi=self.kpi_name(self.volume_kpi),
            push=push,
        )

    def attrition_words(self, small_unit: int = 60) -> str:
        ref = H.REFERENCES["attrition"]
        rate = float(self.company_attrition["rate"].mean())
        size = self.attrition.groupby("unit_id")["avg_headcount"].mean()
        small = list(size[size < small_unit].index)
        text = _(
            "Company-wide attrition averages **{rate}** a year: {verdict} the {low}-{high} band "
            "around {source}'s ~{typical} (best practice about 8%)."
        ).format(rate=F.pct(rate, 1), verdict=verdict_words(band_verdict(rate, ref.low, ref.high)),
                 low=F.pct(ref.low), high=F.pct(ref.high), source=ref.source,
                 typical=F.pct(ref.typical))  # fmt: skip
        if small:
            text += " " + _(
                "Rates for small units ({units}, under {n} reps) swing from year to year by "
                "chance: a few leavers move them several points."
            ).format(units=", ".join(small), n=small_unit)
        return text

    def quota_words(self) -> str:
        mt = voc.metric("share_at_quota")
        share = float(self.quota["at_quota"].mean())
        return _(
            "On average **{share}** of full-year reps reached their annual {kpi} quota: "
            "{reading} ({source})."
        ).format(
            share=mt.show(share), kpi=self.kpi_name(self.volume_kpi),
            reading=_(mt.read(share).text), source=_(mt.band.source),
        )  # fmt: skip

    def findings_words(self) -> str:
        """What the data checks found, in one line (the section's opening)."""
        f = self.findings
        if not f:
            return _(
                "**The data checks found nothing**: no partial year, no missing months, no "
                "employed rep without sales, no zero targets, no implausible values."
            )
        errors = len(f.errors)
        head = ngettext(
            "The data checks found {n} thing to know",
            "The data checks found {n} things to know",
            len(f),
        ).format(n=len(f))
        if errors:
            head += ngettext(
                ", {n} of them an error that stops a run",
                ", {n} of them errors that stop a run",
                errors,
            ).format(n=errors)
        return "**" + head + "**" + _(": each, with how simulations and reports handle it.")

    def findings_table(self) -> F.Table | None:
        """One row per data-check finding: what was found and how it is handled."""
        if not self.findings:
            return None
        sep = "；" if i18n.is_chinese() else "; "
        df = pd.DataFrame(
            [{_("check"): _(f.check.replace("_", " ")), _("severity"): _(f.severity),
              _("found"): f.message, _("how it is handled"): f.handling or "-",
              _("where (unit: count)"): sep.join(f"{u}: {n}" for u, n in f.by_unit) or "-"}
             for f in self.findings]
        )  # fmt: skip
        return F.table(df)

    def kpi_table(self) -> F.Table:
        k = self.ds.kpis
        df = pd.DataFrame({
            "KPI": k["kpi"], _("label"): k["label"] if "label" in k else k["kpi"],
            _("unit"): [_(u) for u in k["unit"]],
            _("better when"): [_(d) for d in k["direction"]],
            _("rolls up by"): [_("(weighted) mean") if a == "mean" else _(a)
                               for a in k["aggregation"]],
        })  # fmt: skip
        return F.table(df)

    def distribution_table(self, currency: str) -> F.Table:
        s = H.kpi_summary(self.ds)
        rows = []
        for r in s.itertuples():

            def f(x, unit=r.unit):
                return F.kpi_value(x, unit, currency, millions=False)

            rows.append({"KPI": self.kpi_name(r.kpi), _("unit"): _(r.unit),
                         _("rep-months"): F.number(r.rows), _("people"): F.number(r.reps),
                         _("mean"): f(r.mean), _("10th pct"): f(r.p10), _("median"): f(r.median),
                         _("90th pct"): f(r.p90), _("smallest"): f(r.min),
                         _("largest"): f(r.max), _("zero months"): F.pct(r.zero_share, 1)})  # fmt: skip
        return F.table(pd.DataFrame(rows), missing_note=_("the KPI has no rows"))

    def concentration_table(self) -> F.Table | None:
        c = self.concentration
        if c is None or c.empty:
            return None
        top = _("top {share} share").format(share=F.pct(self.top_fraction))
        df = pd.DataFrame({_("year"): c["year"].astype(str), _("full-year people"): c["reps"],
                           top: c["top_share"].map(F.pct), _("Gini"): c["gini"].map(
                               lambda v: F.number(v, 2))})  # fmt: skip
        return F.table(df)

    def attrition_table(self) -> F.Table | None:
        att = self.attrition
        if att is None or att.empty:
            return None
        wide = att.pivot_table(index=["unit_id", "name"], columns="year", values="rate",
                               sort=False)  # fmt: skip
        wide.columns = [str(c) for c in wide.columns]
        exits = _("exits (all years)")
        wide[exits] = att.groupby(["unit_id", "name"], sort=False)["exits"].sum()
        wide = wide.reset_index()
        total = {"unit_id": _("all"), "name": _("whole company")}
        total |= {str(r.year): r.rate for r in self.company_attrition.itertuples()}
        total[exits] = int(self.company_attrition["exits"].sum())
        wide = pd.concat([wide, pd.DataFrame([total])], ignore_index=True)
        years = [c for c in wide.columns if c.isdigit()]
        return F.table(
            wide,
            formats={y: lambda v: F.pct(v, 1) for y in years},
            names={"unit_id": _("unit"), "name": _("name")},
            missing_note=_("no one employed in the unit that year"),
        )

    def quota_table(self) -> F.Table | None:
        q = self.quota
        if q is None or q.empty:
            return None
        df = pd.DataFrame({_("year"): q["year"].astype(str), _("full-year people"): q["reps"],
                           _("share at quota"): q["at_quota"].map(lambda v: F.pct(v, 1)),
                           _("median attainment"): q["median_attainment"].map(
                               lambda v: F.pct(v, 1))})  # fmt: skip
        return F.table(df)

    def tenure_mix_table(self) -> F.Table:
        ds = self.ds
        hier = Hierarchy.of(ds)
        end = ds.periods[-1].end_time.normalize()
        cur = ds.reps[(ds.reps["hire_date"] <= end)
                      & (ds.reps["exit_date"].isna() | (ds.reps["exit_date"] >= end))]  # fmt: skip
        bands = H.tenure_bands(ds).reindex(cur["rep_id"].to_numpy())
        level = self.group_level or hier.levels[0]
        unit_of = pd.Series(hier.ancestor_at(cur["unit_id"].to_numpy(), level), index=bands.index)
        mix = pd.crosstab(unit_of, bands, normalize="index")
        mix = mix.reindex(columns=F.ordered_tenure(list(mix.columns)))
        names = ds.units.set_index("unit_id")["name"]
        out = pd.DataFrame({_(level): [f"{names.get(u, u)} ({u})" for u in mix.index],
                            _("people"): unit_of.value_counts().reindex(mix.index).to_numpy()})  # fmt: skip
        for c in mix.columns:
            out[c] = mix[c].map(F.pct).to_numpy()
        return F.table(out)

    def checks_table(self) -> F.Table:
        df = pd.DataFrame([{_("check"): c.name, _("value"): c.value,
                            _("reference"): _(c.reference) if c.reference else c.reference,
                            _("reading"): verdict_words(c.verdict),
                            _("source"): _(c.source) if c.source else "–"}
                           for c in self.checks])  # fmt: skip
        return F.table(df, missing_note=_("no published reference: the data should be complete"))


def build(
    ds: Dataset,
    volume_kpi: str | None = None,
    group_level: str | None = None,
    top_fraction: float = 0.2,
) -> DataHealth:
    """Every figure of the data health report, with its verdict.

    Parameters
    ----------
    ds : Dataset
    volume_kpi : str, optional
        A summed KPI (sales value) for seasonality, concentration and quota; default
        the data's first currency KPI.
    group_level : str, optional
        The org level for headcount and attrition; default the level below the company.
    top_fraction : float
        The "top 20%" of concentration (0.2).
    """
    if not 0 < top_fraction < 1:
        raise ReportParameterError(
            _("top_fraction must be between 0 and 1, got {top_fraction}").format(
                top_fraction=top_fraction
            )
        )
    volume_kpi = volume_kpi or H.default_volume_kpi(ds)
    if volume_kpi not in ds.kpi_names:
        raise ReportParameterError(_("volume_kpi {volume_kpi!r} is not a KPI of the data; the data have {kpi_names}").format(volume_kpi=volume_kpi, kpi_names=ds.kpi_names))  # fmt: skip
    if ds.kpi(volume_kpi)["aggregation"] != "sum":
        raise ReportParameterError(
            _("volume_kpi {volume_kpi!r} must be a summed KPI (a volume)").format(
                volume_kpi=volume_kpi
            )
        )
    group_level = group_level or H.default_group_level(ds)
    levels = Hierarchy.of(ds).levels
    if group_level is not None and group_level not in levels:
        raise ReportParameterError(
            _("group_level {group_level!r} is not a level; levels are {levels}").format(
                group_level=group_level, levels=levels
            )
        )
    rep = DataHealth(ds, volume_kpi, group_level, top_fraction, H.coverage(ds))
    g = rep.gaps
    rep.checks.append(Check(
        "employed rep-months with data", F.pct(1 - g["missing"] / max(g["employed"], 1), 1),
        "100%", "ok" if rep.complete else N_("gaps: see section 3"), "", "coverage"))  # fmt: skip
    prof = H.seasonality_profile(ds, volume_kpi)
    rep.profile = prof
    if len(prof):
        ref = H.REFERENCES["third_month_share"]
        last = float(prof["mean"].iloc[-1])
        rep.checks.append(Check("third month's share of its quarter", F.pct(last, 1),
                                N_("about 45%"), band_verdict(last, ref.low, ref.high),
                                "Oyer (1998), QJE", "seasonality"))  # fmt: skip
    conc = H.concentration(ds, volume_kpi, top_fraction)
    rep.concentration = conc
    if len(conc) and top_fraction == 0.2:
        ref = H.REFERENCES["top20_share"]
        m = float(conc["top_share"].mean())
        rep.checks.append(Check("top 20% of people's share of {kpi}", F.pct(m, 1),
                                N_("55-65% (just over 60%)"), band_verdict(m, ref.low, ref.high),
                                ref.source, "concentration", kpi=rep.kpi_name(volume_kpi)))  # fmt: skip
    rep.attrition = H.attrition(ds, group_level)
    rep.company_attrition = H.attrition(ds, None)
    if len(rep.company_attrition):
        ref = H.REFERENCES["attrition"]
        rate = float(rep.company_attrition["rate"].mean())
        rep.checks.append(Check("annual attrition (company)", F.pct(rate, 1),
                                N_("about 14% (10-18%)"), band_verdict(rate, ref.low, ref.high),
                                ref.source, "attrition"))  # fmt: skip
    if ds.targets is not None and "rep_id" in ds.targets.columns:
        q = H.quota_attainment(ds, volume_kpi)
        rep.quota = q
        if len(q):
            # The vocabulary's one rule: 60-70% within the design aim, 45% to under 60%
            # hard, over 70% to 85% easy, beyond those too hard / too easy.
            mt = voc.metric("share_at_quota")
            share = float(q["at_quota"].mean())
            reading = mt.read(share)
            rep.checks.append(Check(
                "full-year people at annual {kpi} quota", mt.show(share),
                N_("design aim 60-70%; below 45% too hard, above 85% too easy"),
                reading.label, "Alexander Group", "quota", reading.text,
                kpi=rep.kpi_name(volume_kpi)))  # fmt: skip
    rep.findings = check_dataset(ds)
    return rep

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (simlib)
#     language: python
#     name: simlib
# ---

# %% tags=["parameters"]
data_path = "data/sample"  # a dataset folder (CSV / Parquet / Excel) or a .duckdb file
encoding = None  # CSV encoding such as gb18030, or None to detect it
volume_kpi = None  # summed KPI for seasonality and concentration; None: first currency KPI
group_level = None  # org level for headcount and attrition; None: the level below the company
top_fraction = 0.2  # "top 20%" for concentration
currency = "CNY"  # the currency of the amounts in the data, written before every amount
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import simlib as sl
from simlib import i18n
from simlib.data import health as H
from simlib.i18n import N_, _
from simlib.labels import load_labels
from simlib.topics import data_health as D
from simlib.topics import format as F

data_path = sl.project.resolve(data_path)  # against the project, not the kernel's folder
i18n.set_language(language)
i18n.chart_font()  # a CJK font for Chinese charts
display(Markdown("# " + _("Data health report")))

plt.rcParams.update({"figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False})
ds = sl.load_dataset(data_path, encoding=encoding)
rep = D.build(ds, volume_kpi, group_level, top_fraction)
volume_kpi, group_level = rep.volume_kpi, rep.group_level
labels = load_labels(data_path, ds)
OPTIONAL_TABLES = (N_("potential"), N_("targets"), N_("competence"))


def level_name(level: str) -> str:
    """An org level as the page names it (the labels table's name in Chinese)."""
    return labels.name("level", level, i18n.current()) if i18n.is_chinese() else level


money_unit = "元" if i18n.is_chinese() and str(currency).upper() in ("CNY", "RMB") else currency
display(Markdown("\n\n".join(rep.summary())))

# %%
display(
    Markdown(
        _(
            "Before any target cascade, incentive plan or appraisal design is simulated "
            "on a sales history, this report asks whether the history is **complete** and "
            "**plausible**: does every rep have data for every month they worked, do the "
            "numbers look like a real sales force, and where does it sit against "
            "published practitioner norms? Each figure below, against its reference: "
            '"within" means the data look like a typical sales force on that measure; '
            '"below" or "above" is not an error, but worth knowing before reading any '
            "simulation built on this data. No individual's pay is shown anywhere in this "
            "report."
        )
    )
)

# %%
display(rep.checks_table())

# %%
display(Markdown("## " + _("1. Data checks: what to fix or to know")))
display(Markdown(rep.findings_words()))
findings = rep.findings_table()
if findings is not None:
    display(findings)

# %%
display(Markdown("## " + _("2. What is in the data")))

# %%
levels = ds.units["level"].value_counts()
optional = [n for n in OPTIONAL_TABLES if getattr(ds, n) is not None]
display(
    Markdown(
        _(
            "**{reps} reps** (everyone employed at some point) in **{units} org units** "
            "({levels}), with monthly results for **{months} months**, {span}, on **{kpis} "
            "KPIs**. Optional tables present: {optional}."
        ).format(
            reps=i18n.number(len(ds.reps)),
            units=i18n.number(len(ds.units)),
            levels=_("; ").join(f"{level_name(lvl)}: {n}" for lvl, n in levels.items()),
            months=len(ds.periods),
            span=i18n.month_span(ds.periods[0], ds.periods[-1]),
            kpis=len(ds.kpis),
            optional=", ".join(_(o) for o in optional) or _("none"),
        )  # fmt: skip
    )
)
display(rep.kpi_table())

# %%
display(Markdown("## " + _("3. Coverage: who has data in which month")))
display(
    Markdown(
        _(
            "The chart compares, month by month, the reps on the payroll (employed for at "
            "least one day) with the reps who have sales rows. The two lines should lie "
            "on top of each other. A gap means an export lost people; data outside "
            "employment means a rep's dates are wrong. Either would distort every "
            "simulation run on this data."
        )
    )
)

# %%
cov = rep.coverage
fig, ax = plt.subplots(figsize=(9, 3.2))
x = cov["period"].dt.to_timestamp()
ax.plot(x, cov["employed"], label=_("employed"), lw=2.5, color="#9ecae1")
ax.plot(x, cov["with_data"], label=_("with sales data"), lw=1.2, color="#08519c", ls="--")
ax.set_ylabel(_("reps"))
ax.set_ylim(0, cov["employed"].max() * 1.15)
ax.legend(frameon=False, loc="lower right")
ax.set_title(
    _("Every employed rep has data in every month")
    if rep.complete
    else _("Some employed reps have no data in some months")
)
plt.show()
display(Markdown(rep.coverage_words()))
if rep.gaps["missing"]:
    display(Markdown(_("The first rep-months without data:")))
    display(
        F.table(
            H.missing_rep_months(ds).head(10).astype(str),
            names={"rep_id": _("rep"), "period": _("month"), "kpi": "KPI"},
        )
    )

# %%
display(Markdown("## " + _("4. KPI distributions")))
display(
    Markdown(
        _(
            "One row per KPI over all rep-months: the typical value (median), the range "
            "in which the middle 80% of rep-months fall (10th to 90th percentile) and how "
            "many months are zero. Sales volumes are normally **skewed**: a few large "
            "months pull the mean above the median. The histograms use a logarithmic axis "
            "for volumes so that both the many small and the few large values are "
            "visible."
        )
    )
)

# %%
display(rep.distribution_table(currency))
fig, axes = plt.subplots(1, len(ds.kpis), figsize=(3.6 * len(ds.kpis), 3), squeeze=False)
for ax, k in zip(axes[0], ds.kpis.itertuples(), strict=True):
    v = ds.sales.loc[ds.sales["kpi"] == k.kpi, "value"].to_numpy(dtype=float)
    if k.unit == "rate":
        ax.hist(v, bins=40, color="#3182bd")
        F.percent_axis(ax, "x")
        ax.set_xlabel(_("rate"))
    else:
        pos = v[v > 0]
        if len(pos):
            ax.hist(pos, bins=np.geomspace(pos.min(), pos.max(), 40), color="#3182bd")
            ax.set_xscale("log")
        ax.set_xlabel(
            _("{unit} per rep-month (log scale)").format(
                unit=money_unit if k.unit == "currency" else _(k.unit)
            )
        )
    med = np.median(v) if len(v) else np.nan
    ax.set_title(
        _("{kpi}: median {value}").format(
            kpi=rep.kpi_name(k.kpi), value=F.kpi_value(med, k.unit, currency, millions=False)
        )
    )
    ax.set_ylabel(_("rep-months"))
fig.tight_layout()
plt.show()

# %%
display(Markdown("## " + _("5. Seasonality")))
display(
    Markdown(
        _(
            "Sales forces sell more at the end of each quarter and of the year, when "
            "quotas and bonuses are settled (Oyer 1998: non-linear pay moves sales to the "
            "year's end). The left chart shows each month's share of its quarter, "
            "averaged over the quarters in the data, against the reference of roughly 25 "
            "/ 30 / 45%. The right chart shows each month's share of its year: a plan "
            "paid quarterly or yearly will see these peaks."
        )
    )
)

# %%
seas = H.seasonality(ds, volume_kpi)
prof = rep.profile
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 2]})
if len(prof):
    xm = prof["month_in_quarter"].to_numpy()
    a1.bar(xm - 0.18, prof["mean"], width=0.36, label=_("this data"), color="#3182bd")
    a1.bar(xm + 0.18, prof["reference"], width=0.36, label=_("reference"), color="#bdbdbd")
    a1.set_xticks(xm, [_("1st"), _("2nd"), _("3rd")])
    a1.set_xlabel(_("month of the quarter"))
    a1.set_ylabel(_("share of the quarter"))
    F.percent_axis(a1)
    a1.legend(frameon=False)
    a1.set_title(
        _("The 3rd month brings {share} of a quarter").format(share=F.pct(prof["mean"].iloc[-1]))
    )
yr = seas.dropna(subset=["share_of_year"])
if len(yr):
    for y, g in yr.groupby(yr["period"].dt.year):
        a2.plot(g["period"].dt.month, g["share_of_year"], marker="o", label=str(y))
    a2.axhline(1 / 12, color="grey", lw=0.8, ls=":")
    a2.set_xticks(range(1, 13))
    a2.set_xlabel(_("calendar month"))
    a2.set_ylabel(_("share of the year"))
    F.percent_axis(a2, digits=1)
    a2.legend(frameon=False, ncol=3)
    a2.set_title(
        _("{kpi}: each month's share of its year (dotted: an even twelfth)").format(
            kpi=rep.kpi_name(volume_kpi)
        )
    )
fig.tight_layout()
plt.show()
display(Markdown(rep.seasonality_words()))

# %%
display(Markdown("## " + _("6. Concentration: how much the best reps bring")))
display(
    Markdown(
        _(
            "The Lorenz curve lines reps up from the smallest to the largest seller (left "
            "to right) and shows the share of total sales the bottom x% of them bring. If "
            "everyone sold the same, the curve would be the diagonal; the further it "
            "sags, the more sales depend on a few reps. Only reps employed the whole "
            "calendar year are counted, so that new hires and leavers do not look like "
            "weak performers. CSO Insights reports that the top 20% of reps bring **just "
            "over 60%** of revenue (band used here: 55-65%). The Gini coefficient "
            "summarises the same curve: 0 if all sell the same, towards 1 if one rep "
            "sells everything."
        )
    )
)

# %%
conc = rep.concentration
if len(conc):
    tot = H.annual_totals(ds, volume_kpi)
    last_year = int(conc["year"].max())
    lc = H.lorenz(tot.loc[tot["year"] == last_year, "value"])
    ts = float(conc.loc[conc["year"] == last_year, "top_share"].iloc[0])
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.plot(lc["share_of_reps"], lc["share_of_value"], color="#08519c", lw=2, label=str(last_year))
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label=_("everyone equal"))
    ax.annotate(
        _("the top {fraction} bring {share}").format(fraction=F.pct(top_fraction), share=F.pct(ts)),
        xy=(1 - top_fraction, 1 - ts),
        xytext=(0.12, 0.75),
        arrowprops={"arrowstyle": "->", "color": "grey"},
    )
    ax.set_xlabel(_("share of reps (smallest sellers first)"))
    ax.set_ylabel(_("share of {kpi}").format(kpi=rep.kpi_name(volume_kpi)))
    F.percent_axis(ax, "x")
    F.percent_axis(ax)
    ax.set_title(
        _("The top {fraction} of reps bring {share} of {kpi}").format(
            fraction=F.pct(top_fraction), share=F.pct(ts), kpi=rep.kpi_name(volume_kpi)
        )
    )
    ax.legend(frameon=False, loc="upper left")
    plt.show()
    display(rep.concentration_table())
else:
    display(Markdown(_("No complete calendar year in the data: concentration is not measured.")))

# %%
display(Markdown("## " + _("7. Headcount and attrition by org unit")))
display(
    Markdown(
        _(
            "The units are those of one level of the org tree (by default the level below "
            "the company, such as regions). The chart shows how many reps each unit had "
            "at each month's end; the table gives each year's **attrition rate**: reps "
            "who left during the year divided by the average month-end headcount. Across "
            "B2B sales forces this runs at about **14% a year** (Alexander Group); best "
            "practice is about 8%. High attrition means many reps in their ramp-up "
            "months, which lowers results and makes targets harder to set."
        )
    )
)

# %%
hc = H.headcount(ds, group_level)
fig, ax = plt.subplots(figsize=(9, 3.2))
for uid, g in hc.groupby("unit_id", sort=False):
    ax.plot(g["period"].dt.to_timestamp(), g["headcount"], label=uid)
ax.set_ylabel(_("reps at month end"))
ax.set_ylim(0, None)
ax.legend(frameon=False, ncol=6, loc="lower left", fontsize=8)
end = hc[hc["period"] == hc["period"].max()]
biggest = end.loc[end["headcount"].idxmax()]
ax.set_title(
    _(
        "Headcount by {level}: {unit} is the largest ({n} at the end; unit ids, names in the "
        "table below)"
    ).format(
        level=level_name(group_level), unit=biggest["unit_id"], n=i18n.number(biggest["headcount"])
    )  # fmt: skip
)
plt.show()
att_table = rep.attrition_table()
if att_table is not None:
    display(att_table)
    display(Markdown(rep.attrition_words()))
else:
    display(Markdown(_("No complete calendar year in the data: attrition is not measured.")))

# %%
display(
    Markdown(
        _(
            "**Tenure mix at the end of the data.** The share of each unit's current reps "
            "by time since hire. Reps in their first months are still ramping up (about "
            "3-5 months to full productivity, Bridge Group), so a unit with many of them "
            "will sell less per head and needs targets that allow for it."
        )
    )
)

# %%
display(rep.tenure_mix_table())

# %%
display(Markdown("## " + _("8. Targets: how many reps reach quota")))
display(
    Markdown(
        _(
            "If the data carry the targets the company set, this is the share of "
            "full-year reps whose annual result reached their annual quota. Plans are "
            "usually designed so that 60-70% of reps make quota (Alexander Group); "
            "realised figures are often lower (CSO Insights: about 57-60%). Above 85% "
            "targets are too easy; below 45%, too hard."
        )
    )
)

# %%
if rep.quota is None:
    display(Markdown(_("This dataset has no rep-level targets table.")))
elif rep.quota.empty:
    display(Markdown(_("No complete year with targets: quota attainment is not measured.")))
else:
    display(rep.quota_table())
    display(Markdown(rep.quota_words()))

# %%
display(Markdown("## " + _("9. Appendix: definitions")))
display(
    Markdown(
        "\n".join(
            [
                "- "
                + _(
                    "A rep is **employed in a month** when employed for at least one day of "
                    "it, and **at a month's end** when hired on or before its last day and "
                    "not yet left."
                ),
                "- "
                + _(
                    "**Full-year reps** of a year were employed from 1 January to 31 "
                    "December; concentration and quota attainment use them only, so hires and "
                    "leavers do not look like low performers."
                ),
                "- "
                + _(
                    "**Attrition rate** of a year = exits in the year ÷ the average of its "
                    "twelve month-end headcounts (the usual HR definition, on which Alexander "
                    "Group's ~14% is based). A rep counts in their current unit (moves "
                    "between units are not tracked)."
                ),
                "- "
                + _("**Seasonality** uses complete quarters and years of the company total only."),
            ]
        )
    )
)

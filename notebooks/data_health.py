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

# %% [markdown]
# # Data health report
#
# Before any target cascade, incentive plan or appraisal design is simulated on a sales
# history, this report asks whether the history is **complete** and **plausible**: does
# every rep have data for every month they worked, do the numbers look like a real sales
# force, and where does this force sit against published practitioner norms?
#
# How to read it: each section opens with what the chart or table shows and how to read
# it, then states the figure against its reference band, with the band's source. No
# individual's pay is shown anywhere in this report.

# %% tags=["parameters"]
data_path = "data/sample"  # a dataset folder (CSV / Parquet / Excel) or a .duckdb file
encoding = None  # CSV encoding such as gb18030, or None to detect it
volume_kpi = None  # summed KPI for seasonality and concentration; None: first currency KPI
group_level = None  # org level for headcount and attrition; None: the level below the company
top_fraction = 0.2  # "top 20%" for concentration

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import simlib as sl
from simlib.data import health as H
from simlib.org import Hierarchy
data_path = sl.project.resolve(data_path)  # against the project, not the kernel's folder

if not 0 < top_fraction < 1:
    raise ValueError(f"top_fraction must be between 0 and 1, got {top_fraction}")

ds = sl.load_dataset(data_path, encoding=encoding)
# KPI and level names come from the data: the defaults are read from it.
volume_kpi = volume_kpi or H.default_volume_kpi(ds)
group_level = group_level or H.default_group_level(ds)
if ds.kpi(volume_kpi)["aggregation"] != "sum":
    raise ValueError(f"volume_kpi {volume_kpi!r} must be a summed KPI such as revenue")
hier = Hierarchy.of(ds)
if group_level is not None and group_level not in hier.levels:
    raise ValueError(f"group_level {group_level!r} is not a level; levels are {hier.levels}")

plt.rcParams.update({"figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False})
label = {k.kpi: f"{k.kpi} ({k.label})" for k in ds.kpis.itertuples()}
top_pct = f"{top_fraction:.0%}"


def band_verdict(x: float, low: float, high: float) -> str:
    if np.isnan(x):
        return "not measurable"
    return "within" if low <= x <= high else ("below" if x < low else "above")


checks: list[dict] = []  # collected for the summary at the end

# %% [markdown]
# ## 1. What is in the data

# %%
p = ds.periods
levels = ds.units["level"].value_counts().reindex(hier.levels)
display(
    Markdown(
        f"The dataset at `{data_path}` holds **{len(ds.reps):,} reps** (everyone employed at "
        f"some point) in **{len(ds.units):,} org units** "
        f"({'; '.join(f'{lvl}: {n}' for lvl, n in levels.items())}), with monthly results "
        f"for **{len(p)} months**, {p[0]} to {p[-1]}, on **{len(ds.kpis)} KPIs**. "
        f"Optional tables present: "
        f"{', '.join(n for n in ('potential', 'targets', 'competence') if getattr(ds, n) is not None) or 'none'}."
    )
)
kpi_table = ds.kpis[["kpi", "label", "unit", "direction", "aggregation"]].rename(
    columns={"aggregation": "rolls up by", "direction": "better when"}
)
display(kpi_table.style.hide(axis="index"))

# %% [markdown]
# ## 2. Coverage: who has data in which month
#
# The chart compares, month by month, the reps on the payroll (employed for at least one
# day) with the reps who have sales rows. The two lines should lie on top of each other.
# A gap means an export lost people; data outside employment means a rep's dates are
# wrong. Either would distort every simulation run on this data.

# %%
cov = H.coverage(ds)
fig, ax = plt.subplots(figsize=(9, 3.2))
x = cov["period"].dt.to_timestamp()
ax.plot(x, cov["employed"], label="employed", lw=2.5, color="#9ecae1")
ax.plot(x, cov["with_data"], label="with sales data", lw=1.2, color="#08519c", ls="--")
ax.set_ylabel("reps")
ax.set_ylim(0, cov["employed"].max() * 1.15)
ax.legend(frameon=False, loc="lower right")
ax.set_title("Reps employed vs reps with data, by month")
plt.show()

missing = int(cov["missing"].sum())
outside = int(cov["outside_employment"].sum())
incomplete = int(cov["incomplete"].sum())
empty_months = cov.loc[cov["with_data"] == 0, "period"].astype(str).tolist()
emp_months = int(cov["employed"].sum())
display(
    Markdown(
        f"- Rep-months employed: **{emp_months:,}**; of these **{missing:,}** have no data "
        f"({missing / max(emp_months, 1):.1%}).\n"
        f"- Rep-months with data outside employment: **{outside:,}**.\n"
        f"- Rep-months with rows for some KPIs but not all: **{incomplete:,}**.\n"
        f"- Months with no data at all: **{', '.join(empty_months) or 'none'}**."
    )
)
if missing:
    display(Markdown("The first rep-months without data:"))
    display(H.missing_rep_months(ds).head(10).style.hide(axis="index"))
checks.append(
    {
        "check": "employed rep-months with data",
        "value": f"{1 - missing / max(emp_months, 1):.1%}",
        "reference": "100%",
        "verdict": "ok" if missing + outside + incomplete == 0 else "gaps: see section 2",
        "source": "",
    }
)

# %% [markdown]
# ## 3. KPI distributions
#
# One row per KPI over all rep-months: the typical value (median), the range in which
# the middle 80% of rep-months fall (10th to 90th percentile) and how many months are
# zero. Sales volumes are normally **skewed**: a few large months pull the mean above the
# median. The histograms use a logarithmic axis for volumes so that both the many small
# and the few large values are visible.

# %%
summary = H.kpi_summary(ds)
shown = summary.copy().astype({c: object for c in ["mean", "p10", "median", "p90", "min", "max"]})
for i, row in summary.iterrows():
    # Rates as percentages, money and counts as whole numbers with thousands separators.
    fmt = "{:.1%}" if row["unit"] == "rate" else "{:,.0f}"
    for c in ["mean", "p10", "median", "p90", "min", "max"]:
        shown.at[i, c] = "" if pd.isna(row[c]) else fmt.format(row[c])
display(
    shown.style.format({"zero_share": "{:.1%}", "rows": "{:,}", "reps": "{:,}"}).hide(axis="index")
)

fig, axes = plt.subplots(1, len(ds.kpis), figsize=(3.6 * len(ds.kpis), 3), squeeze=False)
for ax, k in zip(axes[0], ds.kpis.itertuples(), strict=True):
    v = ds.sales.loc[ds.sales["kpi"] == k.kpi, "value"].to_numpy(dtype=float)
    if k.unit == "rate":
        ax.hist(v, bins=40, color="#3182bd")
        ax.set_xlabel("share (0-1)")
    else:
        pos = v[v > 0]
        if len(pos):
            ax.hist(pos, bins=np.geomspace(pos.min(), pos.max(), 40), color="#3182bd")
            ax.set_xscale("log")
        ax.set_xlabel(f"{k.unit} per rep-month (log scale)")
    ax.set_title(k.kpi)
    ax.set_ylabel("rep-months")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. Seasonality
#
# Sales forces sell more at the end of each quarter and of the year, when quotas and
# bonuses are settled (Oyer 1998: non-linear pay moves sales to the year's end). The left
# chart shows each month's share of its quarter, averaged over the quarters in the data,
# against the reference of roughly 25 / 30 / 45%. The right chart shows each month's
# share of its year: a plan paid quarterly or yearly will see these peaks.

# %%
seas = H.seasonality(ds, volume_kpi)
prof = H.seasonality_profile(ds, volume_kpi)
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 2]})
if len(prof):
    xm = prof["month_in_quarter"].to_numpy()
    a1.bar(xm - 0.18, prof["mean"], width=0.36, label="this data", color="#3182bd")
    a1.bar(xm + 0.18, prof["reference"], width=0.36, label="reference", color="#bdbdbd")
    a1.set_xticks(xm, ["1st", "2nd", "3rd"])
    a1.set_xlabel("month of the quarter")
    a1.set_ylabel("share of the quarter")
    a1.legend(frameon=False)
a1.set_title("Month in its quarter")
yr = seas.dropna(subset=["share_of_year"])
if len(yr):
    for year, g in yr.groupby(yr["period"].dt.year):
        a2.plot(g["period"].dt.month, g["share_of_year"], marker="o", label=str(year))
    a2.axhline(1 / 12, color="grey", lw=0.8, ls=":")
    a2.set_xticks(range(1, 13))
    a2.set_xlabel("calendar month")
    a2.set_ylabel("share of the year")
    a2.legend(frameon=False, ncol=3)
a2.set_title(f"{volume_kpi}: each month's share of its year")
fig.tight_layout()
plt.show()

if len(prof):
    shares = " / ".join(f"{s:.0%}" for s in prof["mean"])
    last_share = float(prof["mean"].iloc[-1])
    display(
        Markdown(
            f"On average the three months of a quarter bring **{shares}** of its "
            f"{volume_kpi}; the reference is about 25 / 30 / 45% (Oyer 1998). "
            + (
                "The end-of-quarter push is visible."
                if last_share > H.REFERENCES["third_month_share"].low
                else "The end-of-quarter push is weak or absent: check that the data are "
                "booked in the month the sale was made."
            )
        )
    )
    checks.append(
        {
            "check": "third month's share of its quarter",
            "value": f"{last_share:.1%}",
            "reference": "about 45%",
            "verdict": band_verdict(
                last_share,
                H.REFERENCES["third_month_share"].low,
                H.REFERENCES["third_month_share"].high,
            ),
            "source": "Oyer (1998), QJE",
        }
    )
else:
    display(Markdown("No complete quarter in the data: seasonality cannot be measured."))

# %% [markdown]
# ## 5. Concentration: how much the best reps bring
#
# The Lorenz curve lines reps up from the smallest to the largest seller (left to right)
# and shows the share of total sales the bottom x% of them bring. If everyone sold the
# same, the curve would be the diagonal; the further it sags, the more sales depend on a
# few reps. Only reps employed the whole calendar year are counted, so that new hires and
# leavers do not look like weak performers. CSO Insights reports that the top 20% of reps
# bring **just over 60%** of revenue (band used here: 55-65%).

# %%
conc = H.concentration(ds, volume_kpi, top_fraction)
if len(conc):
    tot = H.annual_totals(ds, volume_kpi)
    last_year = int(conc["year"].max())
    lc = H.lorenz(tot.loc[tot["year"] == last_year, "value"])
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.plot(lc["share_of_reps"], lc["share_of_value"], color="#08519c", lw=2, label=str(last_year))
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="everyone equal")
    ts = float(conc.loc[conc["year"] == last_year, "top_share"].iloc[0])
    ax.annotate(
        f"the top {top_pct} bring {ts:.0%}:\nthe rise from here to 100%",
        xy=(1 - top_fraction, 1 - ts),
        xytext=(0.12, 0.75),
        arrowprops={"arrowstyle": "->", "color": "grey"},
    )
    ax.set_xlabel("share of reps (smallest sellers first)")
    ax.set_ylabel(f"share of {volume_kpi}")
    ax.set_title(f"Lorenz curve of annual {volume_kpi} per rep")
    ax.legend(frameon=False, loc="upper left")
    plt.show()
    ref = H.REFERENCES["top20_share"]
    display(
        conc.rename(columns={"top_share": f"top {top_pct} share", "reps": "full-year reps"})
        .style.format({f"top {top_pct} share": "{:.1%}", "gini": "{:.2f}"})
        .hide(axis="index")
    )
    mean_share = float(conc["top_share"].mean())
    display(
        Markdown(
            f"The top {top_pct} of full-year reps bring **{mean_share:.0%}** of {volume_kpi} "
            f"on average over {len(conc)} year(s)"
            + (
                f": {band_verdict(mean_share, ref.low, ref.high)} the {ref.low:.0%}-"
                f"{ref.high:.0%} band ({ref.source}: {ref.note})."
                if top_fraction == 0.2
                else "."
            )
            + " The Gini coefficient summarises the same curve: 0 if all sell the same, "
            "towards 1 if one rep sells everything."
        )
    )
    if top_fraction == 0.2:
        checks.append(
            {
                "check": f"top 20% of reps' share of {volume_kpi}",
                "value": f"{mean_share:.1%}",
                "reference": "55-65% (just over 60%)",
                "verdict": band_verdict(mean_share, ref.low, ref.high),
                "source": ref.source,
            }
        )
else:
    display(Markdown("No complete calendar year in the data: concentration is not measured."))

# %% [markdown]
# ## 6. Headcount and attrition by org unit
#
# The units are those of one level of the org tree (by default the level below the
# company, such as regions). The first chart shows how many reps each unit had at each
# month's end. The table then
# gives each year's **attrition rate**: reps who left during the year divided by the
# average month-end headcount. Across B2B sales forces this runs at about **14% a year**
# (Alexander Group); best practice is about 8%. High attrition means many reps in their
# ramp-up months, which lowers results and makes targets harder to set.

# %%
hc = H.headcount(ds, group_level)
fig, ax = plt.subplots(figsize=(9, 3.2))
for uid, g in hc.groupby("unit_id", sort=False):
    ax.plot(g["period"].dt.to_timestamp(), g["headcount"], label=uid)
ax.set_ylabel("reps at month end")
ax.set_ylim(0, None)
ax.legend(frameon=False, ncol=6, loc="lower left", fontsize=8)
ax.set_title(f"Headcount by {group_level} (unit ids; names in the table below)")
plt.show()

att = H.attrition(ds, group_level)
company = H.attrition(ds, None)
if len(att):
    wide = att.pivot_table(index=["unit_id", "name"], columns="year", values="rate", sort=False)
    wide.columns = [str(c) for c in wide.columns]
    wide["exits (all years)"] = att.groupby(["unit_id", "name"], sort=False)["exits"].sum()
    wide = wide.reset_index()
    total = {"unit_id": "all", "name": "company"}
    total.update({str(r.year): r.rate for r in company.itertuples()})
    total["exits (all years)"] = int(company["exits"].sum())
    wide = pd.concat([wide, pd.DataFrame([total])], ignore_index=True)
    years = [c for c in wide.columns if c.isdigit()]
    display(wide.style.format({y: "{:.1%}" for y in years}).hide(axis="index"))
    ref = H.REFERENCES["attrition"]
    rate = float(company["rate"].mean())
    small = att.groupby("unit_id")["avg_headcount"].mean()
    display(
        Markdown(
            f"Company-wide attrition averages **{rate:.1%}** a year: "
            f"{band_verdict(rate, ref.low, ref.high)} the {ref.low:.0%}-{ref.high:.0%} band "
            f"around {ref.source}'s ~{ref.typical:.0%} (best practice about 8%). "
            + (
                f"Rates for small units ({', '.join(small[small < 60].index)}, under 60 reps) "
                "swing from year to year by chance: a few leavers move them several points."
                if (small < 60).any()
                else ""
            )
        )
    )
    checks.append(
        {
            "check": "annual rep attrition (company)",
            "value": f"{rate:.1%}",
            "reference": "about 14% (10-18%)",
            "verdict": band_verdict(rate, ref.low, ref.high),
            "source": ref.source,
        }
    )
else:
    display(Markdown("No complete calendar year in the data: attrition is not measured."))

# %% [markdown]
# **Tenure mix at the end of the data.** The share of each unit's current reps by time
# since hire. Reps in their first months are still ramping up (about 3-5 months to full
# productivity, Bridge Group), so a unit with many of them will sell less per head and
# needs targets that allow for it.

# %%
end = ds.periods[-1].end_time.normalize()
current = ds.reps[
    (ds.reps["hire_date"] <= end) & (ds.reps["exit_date"].isna() | (ds.reps["exit_date"] >= end))
]
bands = H.tenure_bands(ds).reindex(current["rep_id"].to_numpy())
unit_of = pd.Series(hier.ancestor_at(current["unit_id"].to_numpy(), group_level), index=bands.index)
mix = pd.crosstab(unit_of, bands, normalize="index")
mix = mix.reindex(columns=[c for c in ["<6m", "6-12m", "1-3y", "3-5y", "5y+"] if c in mix.columns])
mix.insert(0, "reps", unit_of.value_counts().reindex(mix.index))
mix.index.name = f"{group_level} (unit id)"
mix.columns.name = None
display(mix.style.format({c: "{:.0%}" for c in mix.columns if c != "reps"}))

# %% [markdown]
# ## 7. Targets: how many reps reach quota
#
# If the data carry the targets the company set, this is the share of full-year reps
# whose annual result reached their annual quota. Plans are usually designed so that
# 60-70% of reps make quota (Alexander Group); realised figures are often lower (CSO
# Insights: about 57-60%). Above 85% targets are too easy; below 45%, too hard.

# %%
if ds.targets is not None and "rep_id" in ds.targets.columns:
    qa = H.quota_attainment(ds, volume_kpi)
    if len(qa):
        display(
            qa.rename(columns={"at_quota": "share at quota", "reps": "full-year reps"})
            .style.format({"share at quota": "{:.1%}", "median_attainment": "{:.1%}"})
            .hide(axis="index")
        )
        share = float(qa["at_quota"].mean())
        qref = H.REFERENCES["quota_share"]
        display(
            Markdown(
                f"On average **{share:.0%}** of full-year reps reached their annual "
                f"{volume_kpi} quota: {band_verdict(share, qref.low, qref.high)} the "
                f"{qref.low:.0%}-{qref.high:.0%} range "
                "in which targets are neither too easy nor too hard."
            )
        )
        checks.append(
            {
                "check": f"full-year reps at annual {volume_kpi} quota",
                "value": f"{share:.1%}",
                "reference": "aim 60-70%; realised ~57-60%; 45-85% acceptable",
                "verdict": band_verdict(share, qref.low, qref.high),
                "source": "Alexander Group; CSO Insights",
            }
        )
    else:
        display(Markdown("No complete year with targets: quota attainment is not measured."))
else:
    display(Markdown("This dataset has no rep-level targets table."))

# %% [markdown]
# ## 8. Summary
#
# Each figure above, against its reference. "within" means the data look like a typical
# sales force on that measure; "below" or "above" is not an error, but worth knowing
# before reading any simulation built on this data.

# %%
display(pd.DataFrame(checks).style.hide(axis="index"))

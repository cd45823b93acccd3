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
# # Comparison of designs
#
# This report compares every design of one scenario file against the **baseline** (today's
# plan, unless the file says otherwise). Each design was simulated over the same set of
# possible years: the same sales luck, market and seasonality in year *d* for every design
# (common random numbers), so the differences shown are the designs' own, not noise
# between runs. Figures are averages over those simulated years unless a section says
# otherwise; the "±" after a change is its 95% interval.
#
# Money is in the data's currency (CNY for the sample). Individual reps' pay is never shown
# here, and groups with fewer reps than the scenario's minimum are left out.

# %% tags=["parameters"]
store_path = "reports/demo.store/results.duckdb"
batch = "demo"
baseline = "baseline"
min_group = None  # None: the baseline scenario's report.min_group

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from simlib import project, report
from simlib.data.checks import caveats_block

store_path = project.resolve(store_path)  # against the project, not the kernel's folder

view = report.load_batch(store_path, batch)
if baseline not in view.results:
    raise ValueError(f"the baseline {baseline!r} has no stored result in batch {batch!r}")
results = view.results
base_design = view.design(baseline)
if min_group is None:
    min_group = int(base_design.get("report", {}).get("min_group", 5))
failed = view.items.loc[~view.items["status"].isin(["simulated", "reused"])]
display(
    Markdown(
        f"Batch **{batch}**: {len(results)} design(s) compared"
        + (f"; {len(failed)} could not run (see the index)." if len(failed) else ".")
    )
)
display(HTML(caveats_block(*results.values())))  # empty when the data raised no caveat

# %% [markdown]
# ## Executive summary
#
# Which design meets which goal. The goals are the practice bands leadership usually asks
# about: expected cost within the incentive budget, a small chance of overspending it,
# 60-70% of reps reaching quota (Alexander Group), pay that follows performance (a rank
# correlation of payout with attainment of at least 0.8, Falcon Incentives) and a cash
# cost of sales of 3-9% of revenue (ZS).

# %%
display(Markdown(report.executive_summary(results, baseline)))
display(report.goal_table(results))

# %% [markdown]
# ## Side-by-side metrics
#
# Each design's average and, in brackets, the change against the baseline with its 95%
# interval (from the paired, draw-by-draw difference). A change whose interval includes
# zero cannot be told apart from no change with this many simulated years.

# %%
display(report.metrics_table(results, baseline))

# %% [markdown]
# ## Who gains, who loses
#
# Average pay per rep by group under the baseline, and the change each reform brings.
# Performance quartiles are formed in each simulated year by attainment (Q4 = the top
# quarter), so they show whether a reform moves money toward or away from top performers.

# %%
for grouping, (_, words) in report.GROUP_TABLES.items():
    table = report.difference_by_group(
        results, grouping, baseline, min_group=min_group, design=base_design
    )
    display(Markdown(f"### By {words}"))
    if table.empty:
        display(Markdown("_No groups large enough to show._"))
        continue
    display(table)
    if table.attrs.get("suppressed"):
        display(
            Markdown(
                f"_Left out (fewer than {min_group} reps): {', '.join(table.attrs['suppressed'])}._"
            )
        )

# %% [markdown]
# ### Pay as a multiple of target incentive, by performance quartile
#
# The tables above are money. Money by quartile can mislead: if the reps who beat their
# quota most often carry smaller target incentives (newer reps on smaller quotas), the top
# quartile can be paid less in money than the one below it even though the plan pays them
# more for each unit of target. Here reps are ranked once by their expected attainment
# under the baseline, and each cell is the quartile's expected pay divided by its target
# incentive (1.00x = paid exactly the target incentive). A plan that pays for performance
# rises from Q1 to Q4 in every column. A change in money is shown without a percentage
# when the baseline pays the group almost nothing (a percentage of a tiny base is
# meaningless).

# %%
multiple = report.pay_multiple_by_quartile(results, baseline, min_group=min_group)
if multiple.empty:
    display(Markdown("_Too few reps with a target incentive to form quartiles._"))
else:
    display(multiple)

# %% [markdown]
# ## Payout curves
#
# How much of the target amount each design's main component pays at each level of
# attainment. A vertical step is a threshold bump; a flat line at the right is a cap.

# %%
fig = report.plot_curves(view.designs)
plt.show()

# %% [markdown]
# ## Attainment and payout distributions
#
# The first chart is the share of rep-years at each attainment level (plans change it only
# through behaviour; without a behavioural model it is the same for every design). The
# second is how reps' expected payouts spread as a multiple of their target incentive.

# %%
fig = report.plot_attainment(results)
plt.show()
fig = report.plot_pay_distribution(results)
plt.show()

# %% [markdown]
# ## Budget risk
#
# The cost of each design over the simulated years: the middle half in the box, 5th to
# 95th percentile in the whiskers, the budget as a red line. The table gives the chance of
# spending more than the budget and the average overspend when averaged over all years.

# %%
fig = report.plot_cost_distribution(results)
plt.show()
display(report.budget_risk(results))

# %% [markdown]
# ## How hard are the targets?
#
# Under the baseline, by region: the expected share of reps reaching their quota and the
# chance the region reaches its own target. The design band is 60-70% of reps at quota;
# below 45% targets are too hard, above 85% too easy.

# %%
display(report.target_difficulty(results[baseline], min_group=min_group))

# %% [markdown]
# Averages hide reps whose targets are out of reach or given away. Each rep's chance of
# reaching quota under the baseline (from their own targets, whichever way they were set),
# as the share of reps in four bands, by region, tenure band and for the whole company. A
# fair set of targets puts most reps in the middle bands; a large share under 25% means
# many targets nobody in that group is likely to reach.

# %%
spread = report.rep_difficulty(results[baseline], base_design, min_group=min_group)
display(spread if not spread.empty else Markdown("_No group large enough to show._"))
cascade_view = report.cascade_difficulty(base_design, min_group=min_group)
if cascade_view is not None:
    display(
        Markdown(
            "The targets were set by a cascade; its own check (each rep's chance of reaching "
            "target from last year's run rate and the company forecast), by region and tenure:"
        )
    )
    display(cascade_view)

# %% [markdown]
# ## Budget-neutral variants
#
# A budget-neutral variant keeps a reform's design (thresholds, accelerators, weights) and
# scales every payout level by one factor so that its expected cost equals the baseline's.

# %%
bn = {n: r for n, r in results.items() if "budget_neutral_factor" in r.provenance}
if bn:
    for n, r in bn.items():
        f = r.provenance["budget_neutral_factor"]
        display(
            Markdown(
                f"- **{n}**: payout levels x{f:.3f} "
                f"({'lower' if f < 1 else 'higher'} by {abs(f - 1):.1%})."
            )
        )
else:
    display(
        Markdown("_None requested in this scenario file (`budget_neutral: true` on a reform)._")
    )

# %% [markdown]
# ## Provenance
#
# What makes these results recomputable: the data's content hash, the seed, the number of
# simulated years and the simlib version, per design.

# %%
import pandas as pd

prov = pd.DataFrame(
    {
        n: {
            "data hash": r.provenance.get("data_hash", "")[:12],
            "seed": r.provenance.get("seed"),
            "draws": r.provenance.get("draws"),
            "reps": r.provenance.get("reps"),
            "year": r.provenance.get("year"),
            "simlib": r.provenance.get("simlib_version"),
        }
        for n, r in results.items()
    }
).T
display(prov)

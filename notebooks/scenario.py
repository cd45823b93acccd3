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
# # One design in full
#
# This report shows one design of a scenario file as the simulation sees it: what it
# costs and how that cost varies from year to year, how many reps reach their targets,
# whether pay follows performance, whether groups are paid alike for the same results, and
# what the appraisal decides. Figures are averages over the simulated years unless a
# section says otherwise, with the 5th and 95th percentiles (P5, P95) as a range.

# %% tags=["parameters"]
store_path = "reports/demo.store/results.duckdb"
batch = "demo"
scenario = "baseline"

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from simlib import project, report
from simlib.data.checks import caveats_block
from simlib.plans import Plan

store_path = project.resolve(store_path)  # against the project, not the kernel's folder

view = report.load_batch(store_path, batch, [scenario])
if scenario not in view.results:
    raise ValueError(f"scenario {scenario!r} has no stored result in batch {batch!r}")
res = view.results[scenario]
design = view.design(scenario)
settings = design.get("report", {})
min_group = int(settings.get("min_group", 5))
plan = Plan.from_dict(design["plan"])
display(
    Markdown(
        f"**{scenario}**: plan *{plan.name}*, {res.provenance['reps']:,} reps, "
        f"{res.provenance['draws']:,} simulated years of {res.provenance['year']}."
    )
)
display(HTML(caveats_block(res)))  # empty when the data raised no caveat

# %% [markdown]
# ## The plan in plain words

# %%
display(Markdown(plan.describe().replace("# ", "### ", 1)))
fig = report.plot_curves({scenario: design})
plt.show()

# %% [markdown]
# ## Metrics against reference bands
#
# Each metric's average over the simulated years and its P5-P95 range, next to the
# practice band where one exists (sources in the last column).

# %%
display(report.scenario_metrics(res))

# %% [markdown]
# ## Distributions
#
# Attainment across rep-years, reps' expected payout as a multiple of target incentive,
# total cost against the budget, and expected pay against expected attainment (one dot per
# rep, no names).

# %%
fig = report.plot_attainment({scenario: res})
plt.show()
fig = report.plot_pay_distribution({scenario: res})
plt.show()
fig = report.plot_cost_distribution({scenario: res})
plt.show()
fig = report.plot_pay_vs_attainment(res)
plt.show()
display(report.budget_risk({scenario: res}))

# %% [markdown]
# ## Equity
#
# The pay gap of each group at equal attainment: within attainment bands 10 points wide,
# the group's average pay is compared with the average pay of everyone *else* in the same
# band, and the differences are averaged over bands and expressed as a **share of the
# average pay of all reps**. So a gap means the group is paid differently for the same
# results (team components, gates and lower target incentives can do that). 0% is parity;
# -5% means that, for the same attainment, the group's reps are paid 5% of the average
# rep's pay less than the others. The "95% interval" says how precisely the simulation
# pins down the expected gap (more simulated years narrow it); P5-P95 is how much the gap
# moves from one year to the next. A gap whose interval excludes zero is the design's,
# not chance.

# %%
for grouping in ("region", "tenure", "gender"):
    t = report.pay_gaps(res, grouping, min_group=min_group, design=design)
    if not t.empty:
        display(Markdown(f"### By {grouping}"))
        display(t)

# %% [markdown]
# ## Appraisal outcomes
#
# How the appraisal spreads reps over its grades, the share flagged for an improvement
# plan, and the merit increase cost at the merit matrix.

# %%
grades = report.appraisal_outcomes(res)
if grades.empty:
    display(Markdown("_This design has no appraisal._"))
else:
    display(grades)
    extra = {
        k: report.fmt(res.per_draw[k].mean(), report.METRICS[k][1])
        for k in ("improvement_plan_share", "merit_cost_at_matrix")
        if k in res.per_draw
    }
    for k, v in extra.items():
        display(Markdown(f"- {report.METRICS[k][0]}: **{v}**"))

# %% [markdown]
# ## How hard are the targets?

# %%
display(report.target_difficulty(res, min_group=min_group))

# %% [markdown]
# ## Individual pay
#
# Shown only when the scenario file sets `report.show_individual_pay: true`.

# %%
if settings.get("show_individual_pay"):
    display(report.individual_pay(res))
else:
    display(Markdown("_Not shown: this scenario does not allow individual pay in reports._"))

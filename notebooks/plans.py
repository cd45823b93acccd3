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
# # Incentive plans replayed on last year's results
#
# This report asks a simple question of each incentive plan on the table: **had it been in
# force last year, what would it have paid, to whom, and at what cost?** Each plan is
# applied to every eligible rep's actual monthly results and the targets the company set
# them that year (a *replay*). Nothing here is a forecast: behaviour would have changed
# under a different plan; the simulation reports deal with that.
#
# How to read it: every section starts with what it shows. Money is in the data's
# currency (CNY for the sample). "Target incentive" is the variable pay a rep earns at
# exactly 100% of every target; "attainment" is actual divided by target. Reps are never
# shown individually unless the report was run with `statement_rep` set.

# %% tags=["parameters"]
data_path = "data/sample"
plan_files = [
    "scenarios/plans/telecom_account_manager.yaml",
    "scenarios/plans/store_sales_commission.yaml",
    "scenarios/plans/am_current.yaml",
    "scenarios/plans/am_proposed.yaml",
]
current_vs_proposed = ["Account manager plan (current)", "Account manager plan (proposed)"]
year = None  # None means the last calendar year with targets
revenue_kpi = "revenue"
min_group_report = 5  # groups smaller than this are not shown
statement_rep = None  # a rep_id to print one pay statement (shows that person's pay)
statement_period = None  # e.g. "2026-03"; None means the last month replayed

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import simlib as sl
from simlib import plans

pd.set_option("display.max_colwidth", None)
if not isinstance(plan_files, list | tuple) or not plan_files:
    raise ValueError("plan_files must be a non-empty list of plan YAML files")
data_path, plan_files = sl.project.resolve(data_path), [sl.project.resolve(f) for f in plan_files]
for f in plan_files:
    if not Path(f).exists():
        raise FileNotFoundError(f"plan file not found: {f}")
ds = sl.load_dataset(data_path)
if ds.targets is None:
    raise ValueError(f"{data_path} has no targets table: a replay needs the targets set each rep")
if year is None:
    year = int(ds.targets["period"].max().year)
replays = [plans.replay(ds, f, int(year), revenue_kpi=revenue_kpi) for f in plan_files]
display(
    Markdown(
        f"Data: `{data_path}` ({len(ds.reps):,} people, {ds.periods[0]} to {ds.periods[-1]}); "
        f"year replayed: **{year}**; plans: {len(replays)}."
    )
)

# %% [markdown]
# ## The plans in plain words
#
# Each plan as a rep would read it, followed by where it departs from common practice
# (practitioner norms with their sources: thresholds at 70-80% of quota, accelerators of
# 1.5-2.5x, leverage of 2-3x target incentive for the top decile, three measures or fewer,
# caps generally discouraged).

# %%
for r in replays:
    display(Markdown(r.plan.describe(ds=ds).replace("# ", "### ", 1)))

# %% [markdown]
# ## Target pay
#
# For plans built on a target incentive: the median base salary, target incentive and
# on-target earnings (OTE = base + target incentive) by position, among the reps the plan
# paid in the year, and the variable share of OTE. Practice: hunters 40-60% variable, farmers 20-40%, managers 10-30%.

# %%
for r in replays:
    paid_reps = ds.reps.loc[ds.reps["rep_id"].isin(r.pay["rep_id"].unique())]
    ote = plans.ote_summary(r.plan, paid_reps, min_group=min_group_report)
    if ote.empty:
        continue
    display(Markdown(f"**{r.name}**"))
    display(
        ote.style.format(
            {
                "base_salary": "{:,.0f}",
                "target_incentive": "{:,.0f}",
                "ote": "{:,.0f}",
                "variable_share": "{:.0%}",
            }
        )
    )

# %% [markdown]
# ## Payout curves
#
# How much of the target bonus each level of attainment pays. A vertical step is a bump
# threshold; a flat line at the right is a cap. The grey band marks the usual threshold
# (70-80% of quota).

# %%
for r in replays:
    fig = r.plan.plot_curves()
    fig.suptitle(r.name, fontsize=10, y=1.02)
    plt.show()

# %% [markdown]
# ## Headline figures
#
# For each plan: what it would have paid in total, its **cost of sales** (variable pay
# divided by the revenue of the reps it covers), the median and 90th-percentile pay as a
# multiple of target incentive, and the **share at threshold, at quota and at the cap** of
# the main measure, counted the way the plan measures it: per rep and quarter for a
# quarterly plan (year to date under a true-up), per rep and year for an annual one. The
# right-hand column gives the practitioner reference band.

# %%
display(plans.format_headline(plans.headline_table(replays)))

# %% [markdown]
# ## Where the money goes
#
# Each plan's pay split by component (negative lines are clawbacks, draw recoveries or
# what the plan cap held back).

# %%
for r in replays:
    comp = r.summary.by_component.copy()
    comp["payout"] = comp["payout"].map(lambda v: f"{v:,.0f}")
    comp["share"] = comp["share"].map(lambda v: f"{v:.1%}")
    display(Markdown(f"**{r.name}**"))
    display(comp.set_index("component"))

# %% [markdown]
# ## Payout distribution
#
# How annual pay spreads across reps, as a multiple of each rep's target incentive (for a
# pure commission plan, as a share of the rep's revenue). A healthy plan pays about 1x
# at the median and about 2x (up to 3x) at the 90th percentile (shaded).

# %%
fig = plans.plot_payout_distribution(replays)
plt.show()

# %% [markdown]
# ## Pay by performance quartile
#
# Reps ranked by annual attainment of each plan's main measure and cut into four equal
# groups; the table shows average pay as a multiple of target incentive. Pay should rise
# from the lowest to the highest quartile; a flat top shows a cap binding.

# %%
qt = plans.quartile_table(replays, min_group=min_group_report)
if qt.empty:
    display(Markdown("_Too few reps for a quartile view._"))
else:
    display(qt.map(lambda v: "-" if pd.isna(v) else f"{v:.2f}x"))

# %% [markdown]
# ## Current versus proposed
#
# The proposed plan against the current one on the same people and results: differences in
# cost and in pay by performance quartile (proposed minus current).

# %%
by_name = {r.name: r for r in replays}
if all(n in by_name for n in current_vs_proposed):
    cur, new = (by_name[n] for n in current_vs_proposed)
    d_cost = new.summary.value("total payout") - cur.summary.value("total payout")
    rel = d_cost / cur.summary.value("total payout")
    display(
        Markdown(
            f"The proposed plan would have paid **{d_cost:,.0f}** more ({rel:+.1%}); cost of sales "
            f"{cur.summary.value('cost of sales (payout / revenue)'):.2%} -> "
            f"{new.summary.value('cost of sales (payout / revenue)'):.2%}."
        )
    )
    q = plans.quartile_table([cur, new], min_group=min_group_report)
    if not q.empty:
        change = q.iloc[:, 1] - q.iloc[:, 0]
        shown = q.map(lambda v: "-" if pd.isna(v) else f"{v:.2f}x")
        shown["change"] = change.map(lambda v: "-" if pd.isna(v) else f"{v:+.2f}x")
        display(shown)
else:
    display(Markdown("_The current/proposed pair is not among the plans given._"))

# %% [markdown]
# ## A pay statement
#
# Shown only when the report is run with `statement_rep`: every step of one person's pay
# for one month, as the rep would check it by hand.

# %%
if statement_rep is not None:
    r0 = replays[0]
    per = statement_period or str(r0.pay["period"].max())
    act = ds.sales.loc[ds.sales["period"].dt.year == int(year)]
    tg = ds.targets.loc[ds.targets["period"].dt.year == int(year)]
    print(r0.plan.explain(statement_rep, per, act, tg, ds.reps, ds=ds))
else:
    display(Markdown("_Not shown: individual pay is not printed in this report._"))

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
# # Cookbook 3: incentive plans
#
# A plan is a YAML file too: components (quota bonus, team bonus, commission, SPIF,
# scorecard), each with a payout curve from attainment to a factor of the target amount.
# `describe()` reads it back in words with practice checks; a *replay* pays it on last
# year's actual results to see what it would have cost and whom it would have paid.

# %% tags=["parameters"]
data_path = "data/sample"
current = "scenarios/plans/am_current.yaml"
proposed = "scenarios/plans/am_proposed.yaml"

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import simlib as sl
from simlib import plans

data_path, current, proposed = (sl.project.resolve(p) for p in (data_path, current, proposed))

ds = sl.load_dataset(data_path)
year = int(ds.targets["period"].max().year)
reps = [plans.replay(ds, f, year) for f in (current, proposed)]
for r in reps:
    display(Markdown(r.plan.describe().replace("# ", "### ", 1)))

# %% [markdown]
# ## Side by side on last year
#
# Cost, payout against target incentive, the shares of reps at threshold, quota and cap,
# and whether pay followed performance.

# %%
display(plans.format_headline(plans.headline_table(reps)))
plans.plot_payout_distribution(reps)
plt.show()

# %% [markdown]
# Next: `04_simulate_and_decide` simulates many possible years instead of one and compares
# the designs for a decision.

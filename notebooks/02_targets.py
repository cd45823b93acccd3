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
# # Cookbook 2: targets
#
# Targets come top-down (层层分解): a company target per KPI, split level by level to
# every rep by a *cascade spec* (a YAML file of rules: history shares, market potential,
# capacity, padding, guardrails). Then a check of how hard the result is: the expected
# share of reps reaching their target should sit near 60-70% (Alexander Group).

# %% tags=["parameters"]
data_path = "data/sample"
cascade_spec = "scenarios/cascades/baseline.yaml"
growth = 0.05  # strategic growth on top of the forecast (0.05 = 5%)

# %%
from IPython.display import Markdown, display

import simlib as sl
from simlib import targets

data_path, cascade_spec = (sl.project.resolve(p) for p in (data_path, cascade_spec))

ds = sl.load_dataset(data_path)
year = int(ds.periods[-1].year) + 1
summed = [k for k in ds.kpi_names if ds.kpi(k)["aggregation"] == "sum"]
proposal = targets.propose_company_target(ds, summed, growth=growth, year=year, repetitions=200)
display(proposal)

# %% [markdown]
# ## The cascade
#
# The proposed company targets split down the tree with the spec's rules; the top of the
# tree is shown.

# %%
cas = targets.cascade(ds, proposal, spec=cascade_spec, year=year)
display(Markdown(f"```\n{cas.tree(summed[0], max_depth=2)}\n```"))

# %% [markdown]
# ## How hard are the targets?
#
# By region: the expected share of reps who reach their target, and a reading against the
# 60-70% band.

# %%
diff = targets.difficulty(cas, ds, proposal=proposal)
display(diff.groups.loc[diff.groups["kpi"] == summed[0]])

# %% [markdown]
# Next: `03_plans` looks at how incentive plans pay against such targets.

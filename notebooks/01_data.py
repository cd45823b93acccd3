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
# # Cookbook 1: the data
#
# The first of four short notebooks that take a new analyst from the data to a decision:
# (1) the data, (2) targets, (3) incentive plans, (4) simulating designs and deciding.
# Each step is a few library calls; the reports the batch renders use the same calls.
#
# simlib reads a folder of tables: `kpis` (which KPIs exist, whether higher or lower is
# better, how they roll up), `units` (the org tree), `reps` (people, position, hire and
# exit dates, base salary), `sales` (one row per rep, month and KPI) and optionally
# `targets` and `potential`. `load_dataset` validates every table first and lists every
# problem with its file, row and column (run `simlib validate data/sample` for the same in
# a terminal).

# %% tags=["parameters"]
data_path = "data/sample"

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import simlib as sl
from simlib.data.org import Hierarchy

data_path = sl.project.resolve(data_path)  # against the project, not the kernel's folder

ds = sl.load_dataset(data_path)
display(Markdown(f"```\n{ds!r}\n```"))

# %% [markdown]
# ## KPIs and the organisation
#
# KPIs are data, not code: each has a direction, a unit and a roll-up rule. The org tree
# has named levels; reps hang under its lowest units.

# %%
display(ds.kpis)
h = Hierarchy.of(ds)
display(Markdown(f"Levels, top down: {' > '.join(h.levels)}."))
display(ds.reps.groupby("position").size().rename("people").to_frame())

# %% [markdown]
# ## Sales over time
#
# Company totals by month for each summed KPI: the history targets and simulations learn
# their levels and seasonality from.

# %%
monthly = ds.sales.groupby(["period", "kpi"])["value"].sum().unstack()
summed = [k for k in ds.kpi_names if ds.kpi(k)["aggregation"] == "sum"]
fig, axes = plt.subplots(1, len(summed), figsize=(5 * len(summed), 3))
for ax, k in zip(axes if len(summed) > 1 else [axes], summed, strict=True):
    monthly[k].plot(ax=ax, title=k)
    ax.set_xlabel("")
fig.tight_layout()
plt.show()

# %% [markdown]
# Next: `02_targets` sets next year's targets from this history.

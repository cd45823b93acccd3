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

# %%

# %% [markdown]
# # What if? Move the plan's levers and see last year re-paid
#
# Move the sliders to change the incentive plan's **threshold** (where pay starts), the
# payout at the threshold, the **accelerator** (how fast pay rises above quota), the
# **cap** (where it stops rising; at the far right there is no cap), the **weights** of the
# individual measures and the **team share** (the part of target incentive paid on the
# team's result). The charts and figures update at once.
#
# What you see is a *replay*: last year's actual results and targets, paid under the plan
# as you set it. It answers "what would this design have paid last year, and to whom", not
# "what will happen": people would sell differently under a different plan, and the
# simulation reports deal with that. Open this notebook in Jupyter to use the sliders; a
# rendered copy shows the starting plan and one worked example.

# %% tags=["parameters"]
data_path = "data/sample"
plan_file = "scenarios/plans/am_proposed.yaml"
year = None  # None: the last year with targets
example = {"threshold": 0.8, "threshold_payout": 0.5, "accelerator": 2.0, "cap": None}

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import simlib as sl
from simlib.whatif import WhatIf

ds = sl.load_dataset(data_path)
wi = WhatIf(ds, plan_file, year=year)
start = wi.evaluate()
display(
    Markdown(
        f"Plan **{wi.plan.name}** replayed on **{wi.year}**: {int(wi.paid.sum()):,} reps paid, "
        f"main measure `{wi.main_kpi}`."
    )
)

# %% [markdown]
# ## The starting plan
#
# Its settings, and what it would have paid last year.

# %%
display(pd.Series(wi.defaults(), name="starting setting").to_frame())
display(start.summary())
display(
    Markdown(
        f"Starting plan, {wi.year}: total payout **{start.total_payout:,.0f}**, "
        f"{start.share_at_quota:.1%} of reps at quota."
    )
)
fig = wi.plot(start)
plt.show()

# %% [markdown]
# ## A worked example
#
# The same year under the example settings given to this report (by default a threshold
# at 80% paying half the target amount, an accelerator of 2x above quota and no cap),
# next to the starting plan.

# %%
ex = wi.evaluate(**example)
display(
    pd.concat(
        [start.summary()["value"].rename("starting plan"), ex.summary()["value"].rename("example")],
        axis=1,
    )
)
fig = wi.plot(ex, baseline=start)
plt.show()

# %% [markdown]
# ## The sliders
#
# Each change re-pays the whole year (a few milliseconds for a sales force of this size).

# %%
import ipywidgets as w

d = wi.defaults()
sliders = {
    # Ranges include the plan's own values, so a slider never starts clamped (moved).
    "threshold": w.FloatSlider(value=d["threshold"], min=min(0.5, d["threshold"]),
                               max=max(0.95, d["threshold"]), step=0.05,
                               description="threshold", readout_format=".0%"),
    "threshold_payout": w.FloatSlider(value=d["threshold_payout"], min=0.0, max=1.0, step=0.05,
                                      description="pay at thr.", readout_format=".0%"),
    "accelerator": w.FloatSlider(value=d["accelerator"], min=0.0, max=max(4.0, d["accelerator"]),
                                 step=0.25,
                                 description="accelerator"),
    "cap": w.FloatSlider(value=d["cap"] or 3.0, min=1.1, max=max(3.0, (d["cap"] or 0) + 0.1),
                         step=0.1,
                         description="cap (3 = none)", readout_format=".0%"),
    "team_share": w.FloatSlider(value=d["team_share"], min=0.0, max=0.6, step=0.05,
                                description="team share", readout_format=".0%"),
}  # fmt: skip
# Relative weights mean something only between two or more individual measures; with one
# (both bundled plans), the team share slider is the weight that can move.
weight_sliders = (
    {
        name: w.FloatSlider(value=v, min=0.05, max=1.0, step=0.05, description=f"w {name}")
        for name, v in d["weights"].items()
    }
    if len(wi.weighable) >= 2
    else {}
)
if not weight_sliders:
    display(
        Markdown(
            f"_This plan has one individual measure ({', '.join(wi.weighable) or 'none'}), so "
            "there are no individual weights to move: use **team share** to weigh the "
            "individual result against the team's._"
        )
    )
out = w.Output()


def redraw(_=None):
    kw = {k: s.value for k, s in sliders.items()}
    kw["cap"] = None if kw["cap"] >= sliders["cap"].max else kw["cap"]
    kw["weights"] = {k: s.value for k, s in weight_sliders.items()}
    # Untouched sliders leave the plan exactly as it is (steps in its curve included).
    kw = wi.changes_from(kw)
    with out:
        out.clear_output(wait=True)
        try:
            res = wi.evaluate(**kw)
        except sl.SimlibError as exc:
            display(Markdown(f"**Not a valid plan:** {exc}"))
            return
        display(res.summary())
        wi.plot(res, baseline=start)
        plt.show()


for s in [*sliders.values(), *weight_sliders.values()]:
    s.observe(redraw, names="value")
display(w.VBox([*sliders.values(), *weight_sliders.values(), out]))
redraw()

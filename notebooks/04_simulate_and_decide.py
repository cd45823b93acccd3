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
# # Cookbook 4: simulate the designs and decide
#
# One year of history is one draw of luck. The simulation replays the plan over many
# possible years (sales varying as they did in the past, with company, region, rep and
# month shocks) so each design's cost, risk and fairness come as distributions. A
# *scenario file* names the baseline and the reforms; `simlib run scenarios/demo.yaml`
# does all of this and renders the reports, and the same steps work here by hand.

# %% tags=["parameters"]
scenario_file = "scenarios/demo.yaml"
reforms = ["proposed", "team_weighted"]  # names of scenarios in the file
draws = 200

# %%
from IPython.display import Markdown, display

import simlib as sl
from simlib.topics.scenario_words import describe_scenario
from simlib.workbench import report

scenario_file = sl.project.resolve(scenario_file)  # against the project

sc = sl.Scenario.from_yaml(scenario_file)
display(Markdown(describe_scenario(sc)))

# %% [markdown]
# ## Simulate
#
# Every design uses the same seed, so draw *d* is the same possible year for each and
# their differences are the designs' own (common random numbers).

# %%
results = {}
for name in ["baseline", *reforms]:
    kw = sc[name].simulation_kwargs()
    kw["draws"] = draws
    results[name] = sl.simulate(**kw)
display(report.metrics_table(results))

# %% [markdown]
# ## Decide
#
# The goals leadership asked about, design by design, and who would gain or lose.

# %%
display(Markdown(report.executive_summary(results)))
display(report.goal_table(results))
display(report.difference_by_group(results, "quartile"))

# %% [markdown]
# From here: put the chosen design in a scenario file, run `simlib run` on it for the full
# reports (one per design, a comparison and an index), and use the `whatif` notebook to
# fine-tune its levers on last year's results.

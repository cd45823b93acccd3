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
# The what-if page. `simlib whatif` serves it without code; paths are relative to the
# project folder, wherever the notebook runs.
data_path = "data/sample"
plan_file = "scenarios/plans/am_proposed.yaml"
year = None  # None: the last year with targets
scenario_dir = "scenarios/whatif"  # where "Save as reform" writes

# %%
from simlib.workbench.whatif.app import WhatIfApp

WhatIfApp.open(data_path, plan_file, year=year, scenario_dir=scenario_dir)

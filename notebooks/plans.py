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
data_path = "data/sample"
plan_files = [
    "scenarios/plans/telecom_account_manager.yaml",
    "scenarios/plans/store_sales_commission.yaml",
    "scenarios/plans/am_current.yaml",
    "scenarios/plans/am_proposed.yaml",
]
current_vs_proposed = ["Account manager plan (current)", "Account manager plan (proposed)"]
year = None  # None means the last calendar year with targets
revenue_kpi = None  # the KPI cost of sales divides by; None: the data's first currency KPI
min_group_report = 5  # groups smaller than this are not shown
statement_rep = None  # a rep_id to print one pay statement (shows that person's pay)
statement_period = None  # e.g. "2026-03"; None means the last month replayed
currency = None  # the currency written before amounts; None: the first plan's own
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import simlib as sl
from simlib import i18n, plans
from simlib.i18n import _
from simlib.labels import load_labels
from simlib.topics import plans as P

data_path, plan_files = sl.project.resolve(data_path), [sl.project.resolve(f) for f in plan_files]
i18n.set_language(language)
i18n.chart_font()
ds = sl.load_dataset(data_path)
rep = P.build(ds, plan_files, year, revenue_kpi, min_group_report, currency,
              labels=load_labels(data_path, ds))  # fmt: skip
display(Markdown("# " + _("Incentive plans replayed on last year's results")))
display(Markdown("\n\n".join(rep.summary(current_vs_proposed))))

# %%
display(
    Markdown(
        _(
            "This report asks a simple question of each incentive plan on the table: **had it "
            "been in force last year, what would it have paid, to whom, and at what cost?** "
            "Each plan is applied to every eligible rep's actual monthly results and the "
            "targets the company set them that year (a *replay*). Nothing here is a forecast: "
            "behaviour would have changed under a different plan; the simulation reports deal "
            'with that. "Target incentive" is the variable pay a rep earns at exactly 100% of '
            'every target; "attainment" is actual divided by target. Reps are never shown '
            "individually unless the report was run with `statement_rep` set."
        )
    )
)

# %%
display(
    Markdown(
        _(
            "{people} people, {span}; year replayed: **{year}**; plans: {plans}; cost of "
            "sales against **{kpi}**."
        ).format(
            people=i18n.number(len(ds.reps)),
            span=i18n.month_span(ds.periods[0], ds.periods[-1]),
            year=rep.year,
            plans=len(rep.replays),
            kpi=rep.revenue_name,
        )
    )
)

# %%
display(Markdown("## " + _("Headline figures")))
display(
    Markdown(
        _(
            "For each plan: what it would have paid in total, its **cost of sales** (variable "
            "pay divided by the sales of the reps it covers), the median and 90th-percentile "
            "pay as a multiple of target incentive, and the **share at threshold, at quota "
            "and at the cap** of the main measure, counted the way the plan measures it: per "
            "rep and quarter for a quarterly plan (year to date under a true-up), per rep and "
            "year for an annual one. The right-hand column gives the practitioner reference "
            "band."
        )
    )
)

# %%
display(rep.headline_table())

# %%
display(Markdown("## " + _("Current versus proposed")))
display(
    Markdown(
        _(
            "The proposed plan against the current one on the same people and results: pay by "
            "performance quartile as a multiple of target incentive (proposed minus current)."
        )
    )
)

# %%
pair = rep.pair(current_vs_proposed)
if pair is not None:
    t = rep.quartile_table(list(pair))
    display(t if t is not None else Markdown("_" + _("Too few reps for a quartile view.") + "_"))
else:
    display(Markdown("_" + _("The current/proposed pair is not among the plans given.") + "_"))

# %%
display(Markdown("## " + _("The plans in plain words")))
display(
    Markdown(
        _(
            "Each plan as a rep would read it, followed by where it departs from common "
            "practice (practitioner norms with their sources: thresholds at 70-80% of quota, "
            "accelerators of 1.5-2.5x, leverage of 2-3x target incentive for the top decile, "
            "three measures or fewer, caps generally discouraged)."
        )
    )
)

# %%
for r in rep.replays:
    display(Markdown(r.plan.describe(ds=ds).replace("# ", "### ", 1)))

# %%
display(Markdown("## " + _("Target pay")))
display(
    Markdown(
        _(
            "For plans built on a target incentive: the median base salary, target incentive "
            "and on-target earnings (OTE = base + target incentive) by position, among the "
            "reps the plan paid in the year, and the variable share of OTE. Practice: hunters "
            "40-60% variable, farmers 20-40%, managers 10-30%."
        )
    )
)

# %%
for r in rep.replays:
    t = rep.ote_table(r)
    if t is not None:
        display(t)

# %%
display(Markdown("## " + _("Payout curves")))
display(
    Markdown(
        _(
            "How much of the target bonus each level of attainment pays. A vertical step is a "
            "bump threshold; a flat line at the right is a cap. The grey band marks the usual "
            "threshold (70-80% of quota)."
        )
    )
)

# %%
for r in rep.replays:
    axes = r.plan.plot_curves()
    np.ravel(axes)[0].figure.suptitle(r.name, fontsize=10, y=1.02)
    plt.show()

# %%
display(Markdown("## " + _("Where the money goes")))
display(
    Markdown(
        _(
            "Each plan's pay split by component (negative lines are clawbacks, draw "
            "recoveries or what the plan cap held back)."
        )
    )
)

# %%
for r in rep.replays:
    display(rep.component_table(r))

# %%
display(Markdown("## " + _("Payout distribution")))
display(
    Markdown(
        _(
            "How annual pay spreads across reps, as a multiple of each rep's target incentive "
            "(for a pure commission plan, as a share of the rep's sales). A healthy plan pays "
            "about 1x at the median and about 2x (up to 3x) at the 90th percentile (shaded)."
        )
    )
)

# %%
plans.plot_payout_distribution(rep.replays)
plt.show()

# %%
display(Markdown("## " + _("Pay by performance quartile")))
display(
    Markdown(
        _(
            "Reps ranked by annual attainment of each plan's main measure and cut into four "
            "equal groups; the table shows average pay as a multiple of target incentive. Pay "
            "should rise from the lowest to the highest quartile; a flat top shows a cap "
            "binding."
        )
    )
)

# %%
qt = rep.quartile_table()
display(qt if qt is not None else Markdown("_" + _("Too few reps for a quartile view.") + "_"))

# %%
display(Markdown("## " + _("A pay statement")))
display(
    Markdown(
        _(
            "Shown only when the report is run with `statement_rep`: every step of one "
            "person's pay for one month, as the rep would check it by hand."
        )
    )
)

# %%
if statement_rep is not None:
    r0 = rep.replays[0]
    per = statement_period or str(r0.pay["period"].max())
    act = ds.sales.loc[ds.sales["period"].dt.year == rep.year]
    tg = ds.targets.loc[ds.targets["period"].dt.year == rep.year]
    print(r0.plan.explain(statement_rep, per, act, tg, ds.reps, ds=ds, labels=rep.labels))
else:
    display(Markdown("_" + _("Not shown: individual pay is not printed in this report.") + "_"))

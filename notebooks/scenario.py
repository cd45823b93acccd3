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
store_path = "reports/demo.store/results.duckdb"
batch = "demo"
scenario = "baseline"
baseline = "baseline"
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from simlib import decision as dc
from simlib import formatting as fm
from simlib import i18n
from simlib.data.checks import caveats_block
from simlib.i18n import _
from simlib.plans import Plan
from simlib.workbench import figures, project, report

if language:
    i18n.set_language(language)
i18n.chart_font()  # a CJK font for Chinese charts
store_path = project.resolve(store_path)  # against the project, not the kernel's folder

view = report.load_batch(store_path, batch, [scenario, baseline])
if scenario not in view.results:
    raise ValueError(
        _("scenario {scenario!r} has no stored result in batch {batch!r}").format(
            scenario=scenario, batch=batch
        )
    )
res = view.results[scenario]
base = view.results.get(baseline)
design = view.design(scenario)
settings = design.get("report", {})
min_group = int(settings.get("min_group", 5))
currency = report.voc.design_currency(design)
plan = Plan.from_dict(design["plan"])
display(Markdown(f"# {scenario}: {plan.name}"))
losers = None
if base is not None and scenario != baseline:
    pair = {baseline: base, scenario: res}
    losers = dc.decide(pair, baseline, designs=view.designs, min_group=min_group).losers_sentence(
        scenario, n=1
    )
lines = dc.summary_lines(res, scenario, plan.name, base, currency, baseline, losers)
display(HTML(fm.summary_box(lines)))
display(HTML(caveats_block(res)))  # empty when the data raised no caveat

# %%
display(Markdown("## " + _("Cost and budget")))
figures.plot_cost_distribution({scenario: res}, currency)
plt.show()
display(fm.Table(report.budget_risk({scenario: res}, currency)))

# %%
display(Markdown("## " + _("Metrics against practice")))
display(
    Markdown(
        _(
            "Each metric's average over the simulated years and its 5th-95th percentile range "
            "(P5, P95), read against the practice band where one exists."
        )
    )
)
display(fm.Table(report.scenario_metrics(res, currency)))

# %%
display(Markdown("## " + _("Does pay follow performance?")))
figures.plot_pay_vs_attainment(res)
plt.show()
figures.plot_pay_distribution({scenario: res})
plt.show()

# %%
display(Markdown("## " + _("Equity: pay at equal attainment")))
display(
    Markdown(
        _(
            "Within attainment bands 10 points wide, each group's average pay is compared with "
            "the average pay of everyone else in the same band, averaged over bands and "
            "expressed as a share of average pay: 0% is parity, -5% means the group's reps are "
            "paid 5% of average pay less than others with the same results. A gap whose 95% "
            "interval excludes zero is the design's, not chance."
        )
    )
)
callouts = report.pay_gap_callouts(res, ("region", "tenure", "gender"), min_group, design)
if callouts:
    display(
        HTML(
            "<div class='simlib-callout'><b>"
            + _("Large pay gaps at equal attainment")
            + "</b><ul>"
            + "".join(f"<li>{c}</li>" for c in callouts)
            + "</ul></div>"
        )
    )
for grouping in ("region", "tenure", "gender"):
    t = report.pay_gaps(res, grouping, min_group=min_group, design=design)
    if not t.empty:
        display(Markdown("### " + _("By {grouping}").format(grouping=fm.label(grouping).lower())))
        display(fm.Table(t))

# %%
display(Markdown("## " + _("Appraisal outcomes")))
grades = report.appraisal_outcomes(res)
if grades.empty:
    display(Markdown("_" + _("This design has no appraisal.") + "_"))
else:
    grades.index.name = _("grade")
    display(fm.Table(grades))
    for k in ("improvement_plan_share", "merit_cost_at_matrix"):
        if k in res.per_draw:
            display(
                Markdown(f"- {report.voc.metric(k).name}: **{report.voc.show(res, k, currency)}**")
            )

# %%
display(Markdown("## " + _("How hard are the targets?")))
display(fm.Table(report.target_difficulty(res, min_group=min_group)))

# %%
display(Markdown("## " + _("The plan in plain words")))
display(Markdown(plan.describe().replace("# ", "### ", 1)))
figures.plot_curves({scenario: design})
plt.show()

# %%
display(Markdown("## " + _("Individual pay")))
display(Markdown(_("Shown only when the scenario file sets `report.show_individual_pay: true`.")))
if settings.get("show_individual_pay"):
    display(fm.Table(report.individual_pay(res, currency)))
else:
    display(
        Markdown(
            "_" + _("Not shown: this scenario does not allow individual pay in reports.") + "_"
        )
    )

# %%
display(Markdown("## " + _("Appendix: method")))
display(
    Markdown(
        _(
            "Figures are averages over the simulated years unless a section says otherwise, "
            "with the 5th and 95th percentiles (P5, P95) as a range. Every design of the batch "
            "was simulated on the same years (common random numbers), so its differences from "
            "today's plan are the design's own. Groups with fewer reps than the scenario's "
            "minimum are not shown."
        )
    )
)
display(Markdown("**" + _("The metrics") + "**\n\n" + report.voc.describe_metrics()))

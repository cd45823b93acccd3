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
baseline = "baseline"
min_group = None  # None: the baseline scenario's report.min_group
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from simlib import formatting as fm
from simlib import i18n
from simlib.i18n import _
from simlib.workbench import figures, project, report

if language:
    i18n.set_language(language)
i18n.chart_font()  # a CJK font for Chinese charts
display(Markdown("# " + _("Comparison of designs")))

store_path = project.resolve(store_path)  # against the project, not the kernel's folder

view = report.load_batch(store_path, batch)
if baseline not in view.results:
    raise ValueError(
        _("the baseline {baseline!r} has no stored result in batch {batch!r}").format(
            baseline=baseline, batch=batch
        )
    )
results = view.results
base_design = view.design(baseline)
if min_group is None:
    min_group = int(base_design.get("report", {}).get("min_group", 5))
currency = report.voc.design_currency(base_design)
decision = report.batch_decision(view, baseline)
display(HTML(decision.html()))

# %%
display(Markdown("## " + _("Side by side")))
display(
    Markdown(
        _(
            "Each design's average over the simulated years and, in brackets, its change "
            "against today's plan with the 95% interval of the paired, year-by-year "
            "difference. A change whose interval includes zero cannot be told apart from no "
            "change."
        )
    )
)
key = report.metrics_table(results, baseline, report.KEY_METRICS, currency)
display(fm.Table(key, keep=results))
display(
    Markdown(
        "_"
        + _(
            "Every other metric (revenue, quartile cost of sales, appraisal outcomes, merit "
            "cost) is in the appendix."
        )
        + "_"
    )
)

# %%
display(Markdown("## " + _("Who gains, who loses")))
display(
    Markdown(
        _(
            "Average pay per rep by group under today's plan, and the change each reform "
            "brings. Performance quartiles are formed in each simulated year by attainment "
            "(Q4 = the top quarter), so they show whether a reform moves money toward or away "
            "from top performers."
        )
    )
)
for grouping, (_key, words) in report.GROUP_TABLES.items():
    table = report.difference_by_group(
        results, grouping, baseline, min_group=min_group, design=base_design, currency=currency
    )
    display(Markdown("### " + _("By {grouping}").format(grouping=_(words))))
    if table.empty:
        display(Markdown("_" + _("No group large enough to show.") + "_"))
        continue
    display(fm.Table(table, keep=results))
    if table.attrs.get("suppressed"):
        display(
            Markdown(
                "_"
                + _("Left out (fewer than {min_group} reps): {groups}.").format(
                    min_group=min_group, groups=_(", ").join(table.attrs["suppressed"])
                )
                + "_"
            )
        )

# %%
display(Markdown("### " + _("Pay as a multiple of target incentive, by performance quartile")))
display(
    Markdown(
        _(
            "Reps ranked once by their expected attainment under today's plan; each cell is "
            "the quartile's expected pay over its target incentive (1.00x = paid exactly the "
            "target). A plan that pays for performance rises from Q1 to Q4 in every column."
        )
    )
)
multiple = report.pay_multiple_by_quartile(results, baseline, min_group, currency)
if multiple.empty:
    display(Markdown("_" + _("Too few reps with a target incentive to form quartiles.") + "_"))
else:
    display(fm.Table(multiple, keep=results))

# %%
display(Markdown("## " + _("Budget risk")))
figures.plot_cost_distribution(results, currency)
plt.show()
display(fm.Table(report.budget_risk(results, currency)))

# %%
display(Markdown("## " + _("Payout curves and pay spread")))
figures.plot_curves(view.designs)
plt.show()
figures.plot_pay_distribution(results)
plt.show()

# %%
display(Markdown("## " + _("How hard are the targets?")))
display(
    Markdown(
        _(
            "Under today's plan, by region: the expected share of reps reaching quota and the "
            "chance the region reaches its own target, read against the 60-70% design aim "
            "(below 45% too hard, above 85% too easy)."
        )
    )
)
figures.plot_attainment(results)
plt.show()
display(fm.Table(report.target_difficulty(results[baseline], min_group=min_group)))
spread = report.rep_difficulty(results[baseline], base_design, min_group=min_group)
if not spread.empty:
    display(
        Markdown(
            _(
                "Each rep's chance of reaching quota under today's plan, as the share of reps "
                "in four bands: many reps under 25% means targets nobody in that group is "
                "likely to reach."
            )
        )
    )
    display(fm.Table(spread))
cascade_view = report.cascade_difficulty(base_design, min_group=min_group)
if cascade_view is not None:
    display(Markdown(_("The targets were set by a cascade; its own check, by region and tenure:")))
    display(fm.Table(cascade_view))

# %%
display(Markdown("## " + _("Appendix: method")))
display(
    Markdown(
        _(
            "Every design was simulated over the same set of possible years: the same sales "
            "luck, market and seasonality in each simulated year for every design (common "
            "random numbers), so the differences shown are the designs' own, not noise between "
            "runs. Figures are averages over those simulated years unless a section says "
            'otherwise; "±" is the 95% interval of the paired difference. Individual reps\' pay '
            "is never shown here, and groups with fewer reps than the scenario's minimum are "
            "left out."
        )
    )
)
display(
    Markdown(
        _(
            "How the designs are ranked: goals are taken in priority order. A design that meets "
            "a goal ranks above one that misses it, the first goal that tells two designs apart "
            "deciding; designs meeting the same goals are ordered by how far they fall short of "
            "the missed ones, then by how comfortably they meet the others, again in priority "
            "order; a reform that does no better than today's plan on any goal ranks after it."
        )
    )
)
display(
    Markdown(
        _(
            "A budget-neutral variant keeps a reform's design and scales every payout level by "
            "one factor so that its expected cost equals today's plan's."
        )
    )
)

# %%
bn = {n: r for n, r in results.items() if "budget_neutral_factor" in r.provenance}
for n, r in bn.items():
    f = r.provenance["budget_neutral_factor"]
    display(
        Markdown(
            f"- **{n}**: "
            + (
                _("payout levels x{factor} (lower by {change}).")
                if f < 1
                else _("payout levels x{factor} (higher by {change}).")
            ).format(factor=f"{f:.3f}", change=f"{abs(f - 1):.1%}")
        )
    )
display(Markdown("**" + _("Every metric, side by side") + "**"))
display(fm.Table(report.metrics_table(results, baseline, currency=currency), keep=results))
display(Markdown("**" + _("The metrics") + "**\n\n" + report.voc.describe_metrics()))

# %%
import pandas as pd

prov = pd.DataFrame(
    {
        n: {
            _("data hash"): r.provenance.get("data_hash", "")[:12],
            _("seed"): r.provenance.get("seed"),
            _("simulated years"): r.provenance.get("draws"),
            _("reps in the plan"): len(r.reps),
            _("plan year"): r.provenance.get("year"),
            "simlib": r.provenance.get("simlib_version"),
        }
        for n, r in results.items()
    }
).T
prov.index.name = _("design")
display(Markdown("**" + _("Provenance") + "**: " + _("what makes these results recomputable.")))
display(fm.Table(prov))

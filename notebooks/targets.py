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
data_path = "data/sample"  # dataset folder (CSV / Parquet / Excel) or a .duckdb file
spec_path = "scenarios/cascades/baseline.yaml"  # the cascade rules (YAML)
year = None  # the target year; None: the year after the last month of data
method = None  # override every level's split: even, history, potential or capacity
growth = 0.05  # strategic growth on top of the baseline forecast, summed KPIs (0.05: +5%)
rate_growth = 0.005  # for rate KPIs, in points (0.005: half a point)
padding = None  # override manager padding into the lowest unit level (0.03: 3%); None: spec
max_increase = None  # override reps' guardrail: most a target may rise vs last year
max_decrease = None  # override reps' guardrail: most a target may fall vs last year
rounding = 1000  # currency rounding unit (CNY 1,000); counts are always whole numbers
rounding_method = None  # hamilton, jefferson, webster or huntington_hill; None: as in spec
backtest = True  # also cascade the last full year and compare with what happened
as_of = None  # last closed month for the back-test gap analysis; None: the last month
min_group = 10  # groups smaller than this are not shown in the difficulty map
currency = "CNY"  # the currency of the amounts in the data, written before every amount
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import simlib as sl
from simlib import i18n
from simlib.i18n import _
from simlib.labels import load_labels
from simlib.spec import load_yaml
from simlib.topics import format as F
from simlib.topics import targets as T

data_path, spec_path = (sl.project.resolve(p) for p in (data_path, spec_path))
i18n.set_language(language)
i18n.chart_font()  # a CJK font for Chinese charts
display(Markdown("# " + _("Target cascade report (目标层层分解)")))

plt.rcParams.update({"figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False})
ds = sl.load_dataset(data_path)
rep = T.build(
    ds, load_yaml(spec_path), year=year, growth=growth, rate_growth=rate_growth, method=method,
    padding=padding, max_increase=max_increase, max_decrease=max_decrease, rounding=rounding,
    rounding_method=rounding_method, backtest=backtest, as_of=as_of, min_group=min_group,
    currency=currency,
)  # fmt: skip
rep.labels = load_labels(data_path, ds)  # org levels named in the page's language
k = rep.main_kpi
display(Markdown("\n\n".join(rep.summary())))

# %%
display(
    Markdown(
        _(
            "The company's strategic target is split level by level, from the company to "
            "every region, branch, team and person, so that each person's target adds up "
            "to the strategy. A target set too high in one territory and too low in "
            "another decides pay more than any payout curve, so this report asks **how "
            "hard each target is**, **how many people are likely to reach theirs**, and "
            "where the top-down targets and the bottom-up view of each unit disagree. "
            "Rates are shown as percentages. No individual's target or pay is shown: "
            "people appear only in counts and shares. How each figure is estimated is in "
            "the method notes at the end."
        )
    )
)

# %%
display(
    Markdown(
        _(
            "Cascade **{name}** ({description}) for **{year}**: {people} people ever employed, "
            "{units} org units on levels {levels} → rep."
        ).format(
            name=rep.spec.name,
            description=rep.spec.description or _("no description"),
            year=rep.year,
            people=i18n.number(len(ds.reps)),
            units=i18n.number(len(ds.units)),
            levels=" → ".join(rep.level_name(x) for x in rep.hier.levels),
        )  # fmt: skip
    )
)

# %%
display(Markdown("## " + _("1. The company target")))
display(
    Markdown(
        _(
            "A baseline forecast of next year per KPI comes from the company's monthly "
            "history; the 90% interval is the range the year lands in nine times out of "
            "ten if nothing changes. The proposed target is the forecast plus the "
            "strategic growth. Leadership may also set the number directly; the rest of "
            "the report works the same."
        )
    )
)

# %%
display(rep.proposal_table())

# %%
display(Markdown("## " + _("2. The cascade: from the company to every team")))
display(
    Markdown(
        _(
            "Each parent's target is split among its children by the rule of their level "
            "(even, last year's share, market potential, capacity in headcount with new "
            "hires at their ramp, or a blend). Managers may **pad** (children's targets "
            "add up to more than the parent's), and **guardrails** keep each person's "
            "target within a band around their own last year; what a capped person cannot "
            "take goes to their teammates. Amounts are rounded so that children add up "
            "**exactly** to their parent. The tree shows the company, its regions and the "
            "next level for the main KPI; the table shows every region for every KPI, "
            "against last year."
        )
    )
)

# %%
if rep.guardrail_conflict:
    display(
        Markdown(
            _(
                "**Guardrails could not be met.** {reason}. The rest of this report shows the "
                "cascade **without guardrails**; compare each unit's change against last year "
                "to see where the bands bind."
            ).format(reason=rep.guardrail_conflict)
        )
    )
display(Markdown(_("Rules for {kpi} (split into each level):").format(kpi=rep.label(k))))
display(rep.rules_table())
display(Markdown(rep.rounding_words()))
unit_fmt = f"{currency} {{:,.0f}}" if rep.unit(k) == "currency" else "{:,.0f}"
if i18n.is_chinese() and rep.unit(k) == "currency" and str(currency).upper() in ("CNY", "RMB"):
    unit_fmt = "{:,.0f}元"  # amounts in yuan, as every Chinese page writes them
display(Markdown(f"```\n{rep.cascade.tree(k, max_depth=2, fmt=unit_fmt)}\n```"))
display(rep.region_table())
display(Markdown(rep.consistency_words()))

# %%
display(Markdown("## " + _("3. Calendarization: the year month by month")))
display(
    Markdown(
        _(
            "Each person's annual target is spread over the months they work, by a "
            "seasonal profile (the average share each month took of the year in past "
            "complete years) or evenly. A unit's month is the sum of its people's months "
            "where there is no padding below it. Bars: the company's monthly target; "
            "line: last year's actual months."
        )
    )
)

# %%
display(Markdown(rep.calendar_words()))
mo = rep.monthly()
peak = int(mo.loc[mo["target"].idxmax(), "month"])
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.bar(mo["month"], mo["target"], color="#4c78a8", label=_("target {year}").format(year=rep.year))
ax.plot(
    mo["month"],
    mo["last_year"],
    "o-",
    color="#e45756",
    label=_("actual {year}").format(year=rep.year - 1),
)
ax.set_xticks(range(1, 13))
ax.set_xlabel(_("month"))
ax.set_ylabel(rep.kpi_name(k))
if rep.unit(k) == "currency":
    F.money_axis(ax, currency)
ax.set_title(
    _("{kpi}: the monthly target follows last year's pattern, peaking in month {month}").format(
        kpi=rep.kpi_name(k), month=peak
    )
)
ax.legend(frameon=False)
plt.show()

# %%
display(Markdown("## " + _("4. Difficulty: how many people are likely to reach their target")))
display(
    Markdown(
        _(
            "Each person gets a **probability of reaching their target** from a forecast "
            "of their year (last year's run rate times the company's forecast growth) and "
            "how far people's years strayed from such forecasts in the past; the average "
            "is the **expected share of people at or above target**. Practitioners design "
            "for **60-70%** (Alexander Group); above 85% the targets are too easy, below "
            "45% too hard. Each share comes with its range between a 1-in-20 bad and a "
            "1-in-20 good year. The map shows the expected share by region and tenure "
            "(time since hire) for the main KPI; red cells are far below the band, green "
            "ones above it."
        )
    )
)

# %%
grid = T.difficulty_grid(rep.difficulty.reps[rep.difficulty.reps["kpi"] == k], min_group)
share = float(rep.company_share()["share_at_or_above"])
fig, ax = plt.subplots(figsize=(7, 0.5 * len(grid) + 1.5))
im = ax.imshow(grid.to_numpy(dtype=float), cmap="RdYlGn", vmin=0.2, vmax=1.0, aspect="auto")
ax.set_xticks(range(grid.shape[1]), grid.columns)
ax.set_yticks(range(len(grid)), list(grid.index))
for i in range(grid.shape[0]):
    for j in range(grid.shape[1]):
        v = grid.iat[i, j]
        ax.text(j, i, f"n<{min_group}" if np.isnan(v) else f"{v:.0%}", ha="center",
                va="center", fontsize=9)  # fmt: skip
ax.set_xlabel(_("tenure at the start of the year"))
ax.set_title(
    _("{kpi}: {share} expected at or above target ({reading}; aim 60-70%)").format(
        kpi=rep.kpi_name(k), share=F.pct(share), reading=_(T.reading(share))
    )
)
F.percent_axis(fig.colorbar(im, ax=ax, shrink=0.8).ax)
plt.show()
display(rep.difficulty_table())
display(Markdown(rep.company_difficulty_words()))
d = rep.difficulty.reps.loc[rep.difficulty.reps["kpi"] == k, "difficulty"]
d = d.replace([np.inf, -np.inf], np.nan).dropna()
lo, hi, n_out = F.clip_limits(d)
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(d[(d >= lo) & (d <= hi)], bins=40, color="#4c78a8")
ax.axvline(1, color="k", lw=1)
ax.set_xlabel(_("target ÷ own forecast (1 = target equals forecast)"))
ax.set_ylabel(_("people"))
ax.set_title(
    _("{kpi}: {share} of people have a target above their own forecast").format(
        kpi=rep.kpi_name(k), share=F.pct((d > 1).mean())
    )
)
plt.show()
display(
    Markdown(" ".join(x for x in [rep.outside_band_words(), F.clip_note(n_out, _("people"))] if x))
)

# %%
display(Markdown("## " + _("5. Reconciliation: top-down targets against bottom-up forecasts")))
display(
    Markdown(
        _(
            "Each unit's own forecast of next year: its current people's run rates "
            "carried forward by the unit's **own** recent growth, leaning on the "
            "company's growth for small units whose own figure is noisy. The gap is the "
            "top-down target minus that forecast: positive means the unit is asked for "
            "more than its people's run rates promise, and someone must say where it will "
            "come from (new hires, new products, new territory). Every unit at the first "
            'two levels; "chance" is the probability the unit as a whole reaches its '
            "target."
        )
    )
)

# %%
display(rep.reconciliation_table())

# %%
display(Markdown("## " + _("6. Back-test: the same rules on last year, against what happened")))
display(
    Markdown(
        _(
            "To see whether these rules set fair targets, they are applied to the last "
            "full year in the data using only what was known before it, and compared with "
            "what people then actually did: actual against target year to date, the pace "
            "(actual ÷ target) and each region's share of the company's gap; then the "
            "share of people who actually reached their target against the share the "
            "diagnostics expected."
        )
    )
)

# %%
if rep.backtest is not None:
    display(rep.backtest_table())
display(Markdown(rep.backtest_words()))

# %%
display(Markdown("## " + _("7. Ratchets: what next year's targets would be after this year")))
display(
    Markdown(
        _(
            "Many companies set next year's target from this year's actual (a ratchet). "
            "Research on sales quotas (Leone, Misra & Zimmerman) found ratchets are "
            "**asymmetric**: a beat raises next year's target more than a miss lowers it. "
            "On the back-test year: a symmetric ratchet against an asymmetric one, the "
            "company total and the share of people whose target would rise."
        )
    )
)

# %%
if rep.backtest is not None:
    display(rep.ratchet_table())
else:
    display(Markdown(_("No back-test year, so no ratchet comparison.")))

# %%
display(Markdown("## " + _("8. Appendix: method notes")))

# %%
display(Markdown("\n".join(f"* {n}" for n in rep.method_notes())))

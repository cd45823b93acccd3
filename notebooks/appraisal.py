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
scorecard_path = "scenarios/appraisal/five_grade_forced.yaml"
period = ""  # e.g. 2026 or 2026H1, empty for the last full calendar year
ahp_pairwise = None  # managers' pairwise KPI judgments, in the scorecard's KPI order; None: no AHP
combined_alpha = 0.5  # share of AHP in the AHP + entropy mix
delta = 0.05  # weight change tested in the sensitivity section
merit_budget_rate = 0.03  # merit budget as a share of the rated reps' payroll
promotion_min_rating = ""  # a grade name, empty for the second-best grade
promotion_min_years_in_grade = 1.0  # readiness: years in the job grade (hire date if unknown)
pip_attainment_floor = 0.6
list_rows = 15  # rows shown in the improvement-plan list (0: counts by unit, no rep IDs)
min_group_report = 5  # groups smaller than this are not shown on their own
show_individual_pay = False
currency = "CNY"  # the currency of salaries in the data, written before every amount
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import simlib as sl
from simlib import i18n
from simlib.i18n import _
from simlib.labels import load_labels
from simlib.spec import load_yaml
from simlib.topics import appraisal as A
from simlib.topics import format as F

data_path, scorecard_path = (sl.project.resolve(p) for p in (data_path, scorecard_path))
i18n.set_language(language)
i18n.chart_font()  # a CJK font for Chinese charts
display(Markdown("# " + _("Appraisal design review: weights, ratings and what they drive")))

plt.rcParams.update({"figure.dpi": 96, "axes.spines.top": False, "axes.spines.right": False})
ds = sl.load_dataset(data_path)
rep = A.build(
    ds, load_yaml(scorecard_path), period=period, ahp_pairwise=ahp_pairwise,
    combined_alpha=combined_alpha, delta=delta, merit_budget_rate=merit_budget_rate,
    promotion_min_rating=promotion_min_rating,
    promotion_min_years_in_grade=promotion_min_years_in_grade,
    pip_attainment_floor=pip_attainment_floor, min_group=min_group_report, currency=currency,
)  # fmt: skip
rep.labels = load_labels(data_path, ds)  # org levels named in the page's language
card = rep.scorecard
display(Markdown("\n\n".join(rep.summary())))

# %%
display(
    Markdown(
        _(
            "This report asks how a KPI scorecard's **weighting** changes **who is rated "
            "what**, and what that costs in **merit raises**, who becomes eligible for "
            "**promotion**, who is flagged for an **improvement plan** and where "
            "**training** is most needed. It uses the last full year of the sales force's "
            "results: each rep's attainment is their actual divided by the target the "
            'company set them. Scores are in points, where 100 means "exactly on target". '
            "Reps are identified by ID only; individual pay is not shown unless the "
            "report was run to show individual pay. Method detail is in the appendix."
        )
    )
)

# %%
rating_words = (
    _("by forced distribution within {group}").format(group=rep.level_name(card.rating.within))
    if card.rating.type == "forced"
    else _("by absolute bands")
)
display(
    Markdown(
        _(
            "**Data:** {reps} reps, {units} units. **Period:** {period}. **Scorecard:** "
            "*{card}*; ratings {rating}, grades {grades}."
        ).format(
            reps=i18n.number(len(ds.reps)),
            units=i18n.number(len(ds.units)),
            period=rep.period,
            card=card.name,
            rating=rating_words,
            grades=", ".join(
                g if rep.grade_label(g) == g else f"{g} = {rep.grade_label(g)}" for g in rep.grades
            ),
        )  # fmt: skip
    )
)

# %%
display(Markdown("## " + _("1. Four ways to weight the KPIs")))
display(
    Markdown(
        "\n".join(
            [
                "- "
                + _(
                    "**As the scorecard says**: the weights the scorecard itself uses "
                    "(written on each KPI, or derived by the method its `weights` block "
                    "names; the table says which)."
                ),
                "- "
                + _(
                    "**AHP** (Saaty's analytic hierarchy process), when managers' judgments "
                    "are given: managers compare the KPIs two at a time; the weights follow, "
                    "with a *consistency ratio* that should stay at or below 0.10."
                ),
                "- "
                + _(
                    "**Entropy**: weights from the data: a KPI on which reps differ a lot "
                    "(relative to its typical level) carries more information and gets more "
                    "weight."
                ),
                "- "
                + _(
                    "**CRITIC**: also from the data, rewarding KPIs that differ a lot *and* "
                    "disagree with the others (a KPI that just repeats another adds little)."
                ),
                "- "
                + _(
                    "**Combined**: a mix of the subjective AHP weights and the objective "
                    "entropy weights."
                ),
            ]
        )
    )
)

# %%
display(rep.weights_table())
if rep.ahp is not None:
    cr = rep.ahp.consistency_ratio
    display(
        Markdown(
            _(
                "AHP judgments: consistency ratio **{cr}** (Saaty's threshold 0.10): {verdict}."
            ).format(
                cr=i18n.number(cr, 3),
                verdict=_("acceptable") if cr <= 0.10 else _("too inconsistent: revisit"),
            )
        )
    )
w = {n: [x[k] for k in rep.first.weights.names] for n, x in rep.weightings.items()}
fig, ax = plt.subplots(figsize=(7, 0.5 + 0.6 * len(w)))
left = [0.0] * len(w)
for j, k in enumerate(rep.first.weights.names):
    vals = [v[j] for v in w.values()]
    ax.barh([rep.weighting_name(n) for n in w], vals, left=left, label=rep.kpi_name(k))
    left = [a + b for a, b in zip(left, vals, strict=True)]
ax.invert_yaxis()
F.percent_axis(ax, "x")
ax.set_xlabel(_("weight"))
ax.legend(title="KPI", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
spread = {k: max(v[j] for v in w.values()) - min(v[j] for v in w.values())
          for j, k in enumerate(rep.first.weights.names)}  # fmt: skip
most = max(spread, key=spread.get)
ax.set_title(
    _("The methods disagree most on {kpi} ({points} points apart)").format(
        kpi=rep.kpi_name(most), points=F.pct(spread[most])
    )
)
plt.tight_layout()
plt.show()

# %%
display(Markdown("## " + _("2. Ratings under each weighting")))
display(
    Markdown(
        _(
            "Each weighting is applied to the same reps and results. The first table "
            "shows how many reps each grade holds; the second how many reps would get a "
            "different grade than under the scorecard's own weights. With a forced "
            "distribution the counts hardly move (they are quotas), but *who* fills them "
            "does."
        )
    )
)

# %%
display(rep.counts_table())
display(rep.changed_table())
for note in rep.first.notes:
    display(Markdown(_("*Note:* {note}").format(note=note)))
other = "entropy" if rep.reference != "entropy" else "CRITIC"
display(
    Markdown(
        _("Where reps move between the {first} and the {second} weighting:").format(
            first=rep.weighting_name(rep.reference), second=rep.weighting_name(other)
        )
    )
)
display(rep.moves_table(other))

# %%
display(Markdown("## " + _("3. How sensitive are the ratings to the weights?")))
display(
    Markdown(
        _(
            "Each KPI weight is moved up and down by the tested step (the other weights "
            "shrink or grow in proportion so they still add up to 100%). The table shows "
            "the share of reps whose grade changes and how closely the new ranking "
            "follows today's (1 = identical). The second table answers: **how far can a "
            "weight move before the top-rated or bottom-rated group changes?** (a change "
            "of 0 means reps are tied at the group's edge, so any move of that weight "
            "splits them)."
        )
    )
)

# %%
display(rep.sensitivity_table(delta))
display(rep.break_even_table())

# %%
display(Markdown("## " + _("4. Does the design grasp what is key?")))
display(
    Markdown(
        "\n".join(
            [
                "- "
                + _(
                    "**Correlation with the score and with sales value**: a KPI whose points "
                    "hardly relate to sales may measure something else; one that tracks the "
                    "score almost perfectly dominates it."
                ),
                "- "
                + _(
                    "**Share of score variance**: how much of what separates reps' scores "
                    "each part of the scorecard accounts for, next to its nominal weight."
                ),
                "- "
                + _(
                    "**Share of rating variance**: how much of what separates reps' *grades* "
                    "each part explains (the rest is what no mix of the parts explains: band "
                    "steps, ties and the forced curve)."
                ),
                "- "
                + _(
                    "**Decided by one KPI**: for how many reps setting a single KPI to the "
                    "typical (median) value would change their grade."
                ),
            ]
        )
    )
)

# %%
money_kpis = [k.kpi for k in ds.kpis.itertuples() if k.unit == "currency"]
design, design_words = rep.design_table(money_kpis[0] if money_kpis else None)
display(design)
display(Markdown(design_words))

# %%
display(Markdown("### " + _("Rating distribution by unit and by manager")))
display(
    Markdown(
        _(
            "The data has no manager column: a rep's **manager is taken to be the head of "
            "their own unit** (the team), who assesses them. Under a forced distribution "
            "each ranking group holds its quota, so differences show *between* teams "
            "(managers) inside a group. A manager whose team holds far more top grades "
            "than others may have a stronger team, or a more lenient assessment of "
            "competence (the scorecard's calibration setting addresses the latter)."
        )
    )
)

# %%
display(rep.by_group_table())
top = rep.top_share_by_team()
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(top, bins=15, color="#4C72B0")
F.percent_axis(ax, "x")
ax.set_xlabel(_("share of the team rated {grade}").format(grade=rep.grade_label(rep.grades[0])))
ax.set_ylabel(_("teams (manager = unit head)"))
ax.set_title(
    _("Top-grade share ranges from {low} to {high} across {n} teams").format(
        low=F.pct(top.min()), high=F.pct(top.max()), n=len(top)
    )
)
plt.tight_layout()
plt.show()

# %%
display(Markdown("### " + _("Calibrating managers' competence assessments")))
display(
    Markdown(
        _(
            "Competence items are scored 1-5 by each rep's manager, and some managers "
            "score more generously than others. Calibration removes each manager's "
            "average leniency, shrinking the estimate for managers with few reps (so one "
            "strong rep in a small team is not mistaken for leniency). The chart compares "
            "each manager's average score before and after."
        )
    )
)

# %%
m = rep.calibration()
if m is not None:
    applies = card.competence is not None and card.competence.calibrate != "none"
    display(
        Markdown(
            _(
                "Spread of managers' average competence score (standard deviation across {n} "
                "teams with {min_group}+ rated reps): **{before}** before, **{after}** after "
                "calibration (1-5 scale)."
            ).format(
                n=len(m),
                min_group=min_group_report,
                before=i18n.number(m["before"].std(), 2),
                after=i18n.number(m["after"].std(), 2),
            )  # fmt: skip
            + " "
            + (
                _("This scorecard applies calibration to the scores it rates.")
                if applies
                else _("This scorecard does not apply calibration to the scores it rates.")
            )
        )
    )
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.scatter(m["before"], m["after"], s=12 + 2 * m["reps"], alpha=0.6)
    lo, hi = float(m[["before", "after"]].min().min()), float(m[["before", "after"]].max().max())
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    ax.set_xlabel(_("team average, as assessed"))
    ax.set_ylabel(_("team average, calibrated"))
    ax.set_title(
        _("Calibration narrows managers' spread from {before} to {after}").format(
            before=i18n.number(m["before"].std(), 2), after=i18n.number(m["after"].std(), 2)
        )
    )
    plt.tight_layout()
    plt.show()
else:
    display(Markdown(_("No competence assessments for every rated rep in this period.")))

# %%
display(Markdown("## " + _("5. What it costs: performance coefficient and merit raises")))
display(
    Markdown(
        _(
            "The **performance coefficient** (绩效系数) multiplies each rep's variable pay by "
            "their grade. Its average over the rated reps shows whether the grading "
            "scheme, by itself, raises or lowers the bonus pool. The **merit matrix** "
            "sets a raise by grade and by *compa-ratio* (salary divided by the midpoint "
            "of the salary grade; reps paid below the midpoint get more), in the practice "
            "band for a 3% budget; the whole matrix is then scaled so the raises spend "
            "the budget exactly."
        )
    )
)

# %%
if "coefficient" in rep.first.rated:
    coef = rep.first.rated["coefficient"]
    sal = ds.reps.set_index("rep_id").loc[rep.first.rated["rep_id"], "base_salary"].to_numpy()
    display(
        Markdown(
            _(
                "Mean performance coefficient **{mean}** per rep, **{weighted}** weighted by "
                "salary (1.000 = the grading leaves the pool unchanged)."
            ).format(
                mean=i18n.number(coef.mean(), 3),
                weighted=i18n.number((coef * sal).sum() / sal.sum(), 3),
            )  # fmt: skip
        )
    )
problems = rep.matrix.monotonicity_problems()
if problems:
    display(Markdown(_("**Warning:** {problems}").format(problems="; ".join(problems))))
display(rep.merit_matrix_table())
display(Markdown(rep.merit_words()))
display(rep.merit_by_grade_table())
display(rep.merit_cost_table())
if show_individual_pay:
    display(
        F.table(
            rep.merit.sort_values("raise_amount", ascending=False).head(list_rows),
            formats={"raise_amount": lambda v: F.money(v, currency),
                     "raise_pct": lambda v: F.pct(v, 2)},
        )
    )  # fmt: skip

# %%
display(Markdown("## " + _("6. Promotion, improvement plans and training needs")))
display(
    Markdown(
        _(
            "**Promotion eligibility**: rated at or above the chosen grade in each of the "
            'last two years, and long enough in the job grade (the data has no "in grade '
            'since" date, so time since hire stands in: an upper bound). **Improvement '
            "plans** (绩效改进计划): the bottom grade two years running, or a KPI under the "
            "attainment floor this year, with the KPIs behind each flag. **Training "
            "needs** (培训需求分析): each rep's largest gaps (KPI shortfalls against target and "
            'competence items under "meets expectations"), summed up into a priority list '
            "per unit."
        )
    )
)

# %%
display(Markdown(rep.promotion_words(promotion_min_years_in_grade)))
display(rep.promotion_table())

# %%
display(Markdown(rep.flags_words()))
if len(rep.flags):
    display(rep.flag_kpis_table())
    # Leadership copies (list_rows = 0): counts by unit, no rep IDs.
    display(rep.flags_list(list_rows) if list_rows > 0 else rep.flags_by_unit())

# %%
for t in rep.training_tables():
    display(t)

# %%
display(Markdown("## " + _("Appendix: method notes")))
display(
    Markdown(
        "\n".join(
            [
                "- "
                + _(
                    "Attainment = actual / target over the months a rep worked in the period "
                    "(targets of months not worked do not count). Reps employed under half "
                    "the period are not rated (listed in the notes above, never silently "
                    "dropped)."
                ),
                "- "
                + _(
                    "Forced distribution counts come from the grade shares by the "
                    "largest-remainder method; reps with equal scores (to 1e-9 points) get "
                    "the same grade under the scorecard's tie rule (stated below). Groups "
                    "under 25-30 people make quotas unreliable; the report warns about them, "
                    "and about ties that push a grade far off its quota."
                ),
                "- "
                + _(
                    "AHP weights are the principal eigenvector of the judgments; entropy and "
                    "CRITIC weights are computed on the KPI points of the rated reps, so they "
                    "reward KPIs whose points vary: a stepped scoring rule (bands) can create "
                    "that spread."
                ),
                "- " + _("Share of rating variance is a Shapley split of a regression's R²."),
                "- "
                + _(
                    "Calibration fits a random-intercept (mixed) model by unit and removes "
                    "each manager's estimated offset."
                ),
                "- "
                + _(
                    "The merit solver multiplies every cell by one factor (keeping the "
                    "matrix's order) and rounds to the cent by largest remainder, so the "
                    "budget is met exactly; a cent is moved where rounding would otherwise "
                    "give a better cell a lower raise %."
                ),
            ]
        )
    )
)

# %%
display(Markdown(rep.tie_words()))

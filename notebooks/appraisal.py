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
# # Appraisal design review: weights, ratings and what they drive
#
# This report asks how a KPI scorecard's **weighting** changes **who is rated what**, and
# what that costs in **merit raises**, who becomes eligible for **promotion**, who is
# flagged for an **improvement plan** and where **training** is most needed. It uses the
# last full year of the sales force's results: each rep's attainment is their actual
# divided by the target the company set them.
#
# How to read it: every section starts with a sentence on what the table or chart shows.
# Scores are in points, where 100 means "exactly on target". Reps are identified by ID
# only; individual pay is not shown unless the report was run with
# `show_individual_pay=True`.

# %% tags=["parameters"]
data_path = "data/sample"
scorecard_path = "scenarios/appraisal/five_grade_forced.yaml"
period = ""  # e.g. 2026 or 2026H1, empty for the last full calendar year
ahp_pairwise = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]  # revenue, new, retention
combined_alpha = 0.5  # share of AHP in the AHP + entropy mix
delta = 0.05  # weight change tested in the sensitivity section
merit_budget_rate = 0.03  # merit budget as a share of the rated reps' payroll
promotion_min_rating = ""  # a grade name, empty for the second-best grade
promotion_min_years_in_grade = 1.0  # readiness: years in the job grade (hire date if unknown)
pip_attainment_floor = 0.6
list_rows = 15  # rows shown in the improvement-plan list (0: counts by unit, no rep IDs)
min_group_report = 5  # groups smaller than this are not shown on their own
show_individual_pay = False

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import simlib as sl
from simlib import appraisal as ap
from simlib import outcomes as oc
from simlib.spec import load_yaml
data_path, scorecard_path = (sl.project.resolve(p) for p in (data_path, scorecard_path))

if not 0 <= combined_alpha <= 1:
    raise ValueError(f"combined_alpha must be in [0, 1], got {combined_alpha}")
if not 0 < delta < 1:
    raise ValueError(f"delta must be in (0, 1), got {delta}")
if not 0 <= merit_budget_rate < 1:
    raise ValueError(f"merit_budget_rate must be a fraction such as 0.03, got {merit_budget_rate}")

pd.set_option("display.precision", 3)
plt.rcParams["figure.dpi"] = 96
ds = sl.load_dataset(data_path)
base_spec = load_yaml(scorecard_path)
base_spec = base_spec.get("scorecard", base_spec)
base = ap.Scorecard.from_dict(base_spec)
label = period or ap.last_full_year(ds)
grades = base.rating.names
# Charts use "grade 1 (best)" ...: the report's fonts may not draw every grade name.
grade_label = {g: f"grade {i + 1}" + (" (best)" if i == 0 else "") for i, g in enumerate(grades)}
display(
    Markdown(
        f"**Data:** `{ds.source}`, {len(ds.reps)} reps, {len(ds.units)} units. "
        f"**Period:** {label}. **Scorecard:** *{base.name}* ({scorecard_path}); ratings "
        f"{'by forced distribution within ' + base.rating.within if base.rating.type == 'forced' else 'by absolute bands'}, "
        f"grades {', '.join(f'{g} = {grade_label[g]}' for g in grades)}."
    )
)

# %% [markdown]
# ## 1. Four ways to weight the KPIs
#
# The same three KPIs can be weighted in very different ways:
#
# - **As the scorecard says**: the weights the scorecard itself uses (written on each KPI,
#   or derived by the method its `weights` block names; the table says which).
# - **AHP** (Saaty's analytic hierarchy process): managers compare the KPIs two at a
#   time ("revenue is moderately more important than new customers"); the weights
#   follow, with a *consistency ratio* (CR) that should stay at or below 0.10.
# - **Entropy**: weights from the data: a KPI on which reps differ a lot (relative to its
#   typical level) carries more information and gets more weight.
# - **CRITIC**: also from the data, rewarding KPIs that differ a lot *and* disagree
#   with the others (a KPI that just repeats revenue adds little).
# - **Combined**: a mix of the subjective AHP weights and the objective entropy weights.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    first = ap.appraise(ds, base, label)
kpis = first.weights.names
points = first.rated[[f"score_{k}" for k in kpis]].to_numpy()
w_manual = first.weights
# The scorecard's own weights: written by hand, or from its weights block (AHP, entropy ...).
ref_name = "manual" if base.weights is None else f"scorecard ({base.weights.method})"
w_ahp = ap.ahp(ahp_pairwise, kpis, on_inconsistent="ignore")
w_entropy = ap.entropy_weights(points, criteria=kpis)
w_critic = ap.critic_weights(points, criteria=kpis)
w_combined = ap.combine(w_ahp, w_entropy, alpha=combined_alpha)
weightings = {
    ref_name: w_manual,
    "AHP": w_ahp,
    "entropy": w_entropy,
    "CRITIC": w_critic,
    f"combined ({combined_alpha:.0%} AHP)": w_combined,
}
table = pd.DataFrame({name: w.weights for name, w in weightings.items()}).T
display(table.style.format("{:.1%}").set_caption("KPI weights by method"))
verdict = "acceptable" if w_ahp.consistency_ratio <= 0.10 else "too inconsistent: revisit"
display(
    Markdown(
        f"AHP judgments: consistency ratio **{w_ahp.consistency_ratio:.3f}** "
        f"(lambda_max {w_ahp.lambda_max:.3f}; Saaty's threshold 0.10): {verdict}. "
        f"Entropy and CRITIC are computed on the {len(points)} rated reps' KPI points."
    )
)
ax = table.plot.barh(figsize=(7, 3.2), width=0.8)
ax.set_xlabel("weight")
ax.invert_yaxis()
ax.legend(title="KPI", loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Ratings under each weighting
#
# Each weighting is applied to the same reps and results. The first table shows how many
# reps each grade holds; the second how many reps would get a different grade than under
# the scorecard's own weights. With a forced distribution the counts hardly move (they are quotas),
# but *who* fills them does.

# %%
apps = {}
for name, w in weightings.items():
    spec = dict(base_spec)
    spec["kpis"] = [{**k, "weight": float(w[k["kpi"]])} for k in base_spec["kpis"]]
    spec.pop("weights", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        apps[name] = ap.appraise(ds, spec, label)
counts = pd.concat({n: a.rating_counts().iloc[0] for n, a in apps.items()}, axis=1).T
counts.columns = [grade_label[g] for g in counts.columns]
display(counts.style.set_caption("Reps per grade"))
ref = apps[ref_name].rated.set_index("rep_id")["grade_index"]
changed = pd.DataFrame(
    {
        n: {
            "reps rated differently": int(
                (a.rated.set_index("rep_id")["grade_index"] != ref).sum()
            ),
            "share": float((a.rated.set_index("rep_id")["grade_index"] != ref).mean()),
            "moved two grades or more": int(
                ((a.rated.set_index("rep_id")["grade_index"] - ref).abs() >= 2).sum()
            ),
        }
        for n, a in apps.items()
        if n != ref_name
    }
).T
display(
    changed.style.format(
        {
            "reps rated differently": "{:.0f}",
            "share": "{:.1%}",
            "moved two grades or more": "{:.0f}",
        }
    ).set_caption(f"Compared with the scorecard's own weights ({ref_name})")
)
for note in first.notes:
    display(Markdown(f"*Note:* {note}"))

# %%
other = "entropy" if ref_name != "entropy" and "entropy" in apps else "AHP"
t = pd.crosstab(
    apps[ref_name].rated.set_index("rep_id")["grade_index"].map(lambda i: grade_label[grades[i]]),
    apps[other].rated.set_index("rep_id")["grade_index"].map(lambda i: grade_label[grades[i]]),
    rownames=[f"{ref_name} weights"],
    colnames=[f"{other} weights"],
)
display(Markdown(f"Where reps move between the {ref_name} and the {other} weighting (counts):"))
display(t)

# %% [markdown]
# ## 3. How sensitive are the ratings to the weights?
#
# Each KPI weight is moved up and down by the tested step (the other weights shrink or
# grow in proportion so they still add up to 100%). The table shows the share of reps
# whose grade changes and how closely the new ranking follows today's (1.0 = identical).
# The second table answers: **how far can a weight move before the top-rated or
# bottom-rated group changes?** (blank = not within 0-100%; a change of 0 means reps are
# tied at the group's edge, so any move of that weight splits them).

# %%
sens = ap.weight_sensitivity(first, delta=delta)
display(
    sens.style.format(
        {
            "change": "{:+.0%}",
            "weight_from": "{:.1%}",
            "weight_to": "{:.1%}",
            "rating_changed": "{:.1%}",
            "moved_up": "{:.1%}",
            "moved_down": "{:.1%}",
            "rank_correlation": "{:.3f}",
        }
    ).set_caption(f"Weights moved by +/-{delta:.0%}")
)
be = ap.break_even_weights(first)
display(
    be.style.format(
        {c: "{:.1%}" for c in ["weight", "weight_up", "weight_down"]}
        | {c: "{:+.1%}" for c in ["delta_up", "delta_down"]}
        | {c: "{}" for c in ["immediate_up", "immediate_down"]},
        na_rep="",
    ).set_caption("Weight at which the top / bottom group first changes")
)

# %% [markdown]
# ## 4. Does the design grasp what is key?
#
# - **Correlation with the score and with revenue**: a KPI whose points hardly relate to
#   revenue may measure something else; one that tracks the score almost perfectly
#   dominates it. Revenue here is in currency, so it mixes positions of very different
#   size (a key-account manager sells far more than a store rep): a low correlation says
#   the points reward attainment against target, not size.
# - **Share of score variance**: how much of what separates reps' scores each part of the
#   scorecard accounts for, next to its nominal weight.
# - **Share of rating variance**: how much of what separates reps' *grades* each part
#   explains (a Shapley split of a regression's R²; the rest is what no mix of the parts
#   explains: band steps, ties and the forced curve).
# - **Decided by one KPI**: for how many reps setting a single KPI to the typical
#   (median) value would change their grade.

# %%
corr = ap.kpi_correlations(first)
shares = ap.variance_shares(first)
rating_var = ap.rating_variance_shares(first)
rating_shares = rating_var["share"].rename("rating_variance_share")
dec = ap.decisive_kpis(first)
design = corr.join(shares).join(rating_shares).join(dec)
fmt = {c: "{:.2f}" for c in design.columns} | {"weight": "{:.0%}", "variance_share": "{:.0%}"}
fmt |= {"rating_variance_share": "{:.0%}"}
fmt |= {"pivotal_share": "{:.0%}", "sole_pivotal_share": "{:.0%}"}
display(design.style.format(fmt, na_rep="").set_caption("KPI by KPI"))
display(
    Markdown(
        f"**{dec.attrs['decided_by_one_kpi']:.0%}** of rated reps have a grade that one KPI "
        f"alone decides; for **{dec.attrs['decided_by_none']:.0%}** no single KPI does. "
        f"The KPIs and competence together explain "
        f"**{rating_var.attrs['r2']:.0%}** of the variance of the grades "
        f"(not explained: {rating_var.loc['(not explained)', 'share']:.0%})."
    )
)

# %% [markdown]
# ### Rating distribution by unit and by manager
#
# The data has no manager column: a rep's **manager is taken to be the head of their own
# unit** (the team), who assesses them. Under a forced distribution each ranking group
# holds its quota, so differences show *between* teams (managers) inside a group. A manager whose team holds far more top
# grades than others may have a stronger team, or a more lenient assessment of
# competence (the scorecard's calibration setting addresses the latter).

# %%
by_group = ap.rating_distribution(first, by="group_id", min_n=min_group_report)
by_group.columns = ["n", *[grade_label[g] for g in grades], "mean_score"]
fmt = {c: "{:.1%}" for c in by_group.columns} | {"n": "{:.0f}", "mean_score": "{:.1f}"}
display(by_group.style.format(fmt).set_caption("Grade shares by ranking group"))
by_manager = ap.rating_distribution(first, by="unit_id", min_n=min_group_report)
top = by_manager[grades[0]]
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(top, bins=15, color="#4C72B0")
ax.set_xlabel(f"share of the team rated {grade_label[grades[0]]}")
ax.set_ylabel("teams (manager = unit head)")
ax.set_title(f"Top-grade share across {len(by_manager)} teams with {min_group_report}+ rated reps")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Calibrating managers' competence assessments
#
# Competence items are scored 1-5 by each rep's manager, and some managers score more
# generously than others. Calibration removes each manager's average leniency: a
# random-intercept model estimates every manager's offset and subtracts it, shrinking
# the estimate for managers with few reps (so one strong rep in a small team is not
# mistaken for leniency). The chart compares each manager's average score before and
# after.

# %%
r = first.rated
raw = r["competence_raw"].to_numpy()
if np.isfinite(raw).all() and len(raw) > 2:
    cal = ap.calibrate(raw, r["unit_id"].to_numpy(), "mixed")
    means = pd.DataFrame({"before": raw, "after": cal, "unit": r["unit_id"]}).groupby("unit")
    m = means.mean()
    m["reps"] = means.size()
    m = m[m["reps"] >= min_group_report]
    display(
        Markdown(
            f"Spread of managers' average competence score (standard deviation across "
            f"{len(m)} teams with {min_group_report}+ rated reps): **{m['before'].std():.2f}** "
            f"before, **{m['after'].std():.2f}** after calibration (1-5 scale). This "
            f"scorecard {'applies' if base.competence is not None and base.competence.calibrate != 'none' else 'does not apply'} "
            f"calibration to the scores it rates."
        )
    )
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.scatter(m["before"], m["after"], s=12 + 2 * m["reps"], alpha=0.6)
    lo, hi = float(m[["before", "after"]].min().min()), float(m[["before", "after"]].max().max())
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    ax.set_xlabel("team average, as assessed")
    ax.set_ylabel("team average, calibrated")
    ax.set_title("Manager leniency removed (dot size = team size)")
    plt.tight_layout()
    plt.show()
else:
    display(Markdown("No competence assessments for every rated rep in this period."))

# %% [markdown]
# ## 5. What it costs: performance coefficient and merit raises
#
# The **performance coefficient** (绩效系数) multiplies each rep's variable pay by their
# grade. Its average over the rated reps shows whether the grading scheme, by itself,
# raises or lowers the bonus pool.
#
# The **merit matrix** sets a raise by grade and by *compa-ratio* (salary divided by the
# midpoint of the salary grade; reps paid below the midpoint get more). It follows the
# practice band for a 3% budget: top grade and compa-ratio under 0.9: 6-8%; the middle
# grade around the midpoint: 2-3%; the bottom two grades: 0-1%. The whole matrix is
# then scaled so the raises spend the budget exactly, to the cent.

# %%
coef = first.rated["coefficient"] if "coefficient" in first.rated else None
if coef is not None:
    sal = ds.reps.set_index("rep_id").loc[first.rated["rep_id"], "base_salary"].to_numpy()
    display(
        Markdown(
            f"Mean performance coefficient **{coef.mean():.3f}** per rep, "
            f"**{np.average(coef, weights=sal):.3f}** weighted by salary "
            f"(1.000 = the grading leaves the pool unchanged)."
        )
    )
k = len(grades)
top_row = np.array([0.07, 0.055, 0.04])
mid_row = np.array([0.035, 0.025, 0.015])
low_row = np.array([0.01, 0.005, 0.0])
rows = []
for i in range(k):
    if i >= k - 2:
        rows.append(low_row if i == k - 2 else np.zeros(3))
    else:
        f = i / max(k - 3, 1)
        rows.append(top_row * (1 - f) + mid_row * f)
matrix = oc.MeritMatrix(grades, [0.9, 1.1], np.round(np.array(rows), 4))
if matrix.monotonicity_problems():
    display(Markdown("**Warning:** " + "; ".join(matrix.monotonicity_problems())))
display(
    matrix.to_frame()
    .rename(index=grade_label)
    .style.format("{:.1%}")
    .set_caption("Merit matrix as written")
)
merit, res = oc.merit_round(first, ds.reps, matrix, budget_rate=merit_budget_rate)
display(
    Markdown(
        f"Budget {merit_budget_rate:.1%} of the rated payroll = **{res.budget:,.2f}** "
        f"(dataset currency). The matrix as written would cost {res.cost_at_matrix:,.2f}, so "
        f"every cell is scaled by **{res.scale:.3f}**; the raises add up to "
        f"{merit['raise_amount'].sum():,.2f}. Compa-ratio midpoints: "
        f"{merit.attrs['midpoint_source']}."
    )
)
cost = merit.groupby("rating").agg(
    reps=("rep_id", "size"),
    mean_raise=("raise_pct", "mean"),
    total=("raise_amount", "sum"),
)
cost = cost.reindex(grades)
cost["share_of_budget"] = cost["total"] / cost["total"].sum()
display(
    cost.rename(index=grade_label)
    .style.format({"mean_raise": "{:.2%}", "total": "{:,.2f}", "share_of_budget": "{:.1%}"})
    .set_caption("Merit spend by grade")
)
costs = {}
for name, a in apps.items():
    _, r = oc.merit_round(a, ds.reps, matrix, budget_rate=merit_budget_rate)
    costs[name] = r.cost_at_matrix
display(
    pd.Series(costs, name="cost at the matrix as written")
    .to_frame()
    .style.format("{:,.2f}")
    .set_caption("What the unscaled matrix would cost under each weighting")
)
if show_individual_pay:
    display(merit.sort_values("raise_amount", ascending=False).head(list_rows))

# %% [markdown]
# ## 6. Promotion, improvement plans and training needs
#
# **Promotion eligibility**: rated at or above the chosen grade in each of the last two
# years, and long enough in the job grade (the data has no "in grade since" date, so time
# since hire stands in: an upper bound, said below). **Improvement plans** (绩效改进计划): the bottom grade two years running, or a
# KPI under the attainment floor this year, with the KPIs behind each flag. **Training
# needs** (培训需求分析): each rep's largest gaps (KPI shortfalls against target and
# competence items under "meets expectations"), summed up into a priority list per unit.

# %%
years = sorted({p.year for p in ds.periods if (pd.Series(ds.periods.year) == p.year).sum() == 12})
hist_periods = [str(y) for y in years if y <= int(str(label)[:4])][-2:]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    hist = ap.appraise_history(ds, base, hist_periods)
min_rating = promotion_min_rating or grades[min(1, k - 1)]
with warnings.catch_warnings(record=True) as promo_warnings:
    warnings.simplefilter("always")
    promo = oc.promotion_eligibility(
        hist,
        ds.reps,
        grades,
        min_rating,
        consecutive=len(hist_periods),
        min_years_in_grade=promotion_min_years_in_grade,
    )
promo = promo.merge(first.reps[["rep_id", "group_id"]], on="rep_id", how="left")
summary = promo.groupby("group_id").agg(
    reps=("rep_id", "size"), meets_rating=("meets_rating", "sum"), eligible=("eligible", "sum")
)
summary["share"] = summary["eligible"] / summary["reps"]
display(
    Markdown(
        f"Appraisal periods used: {', '.join(hist_periods)}. Promotion bar: {min_rating} "
        f"({grade_label[min_rating]}) or better in each, and at least "
        f"{promotion_min_years_in_grade:g} years in grade, measured from the "
        f"{promo['time_basis'].iloc[0]}. Reps meeting the rating bar: "
        f"{int(promo['meets_rating'].sum())}; also the time bar: {int(promo['eligible'].sum())}."
    )
)
display(summary.style.format({"share": "{:.1%}"}).set_caption("Promotion-eligible reps by group"))

# %%
flags = oc.improvement_flags(hist, first, attainment_floor=pip_attainment_floor)
display(
    Markdown(
        f"**{len(flags)}** reps flagged for an improvement plan "
        f"({(flags['flags'].str.contains('consecutive_bottom')).sum()} for two bottom ratings, "
        f"{(flags['flags'].str.contains('attainment_floor')).sum()} for a KPI under "
        f"{pip_attainment_floor:.0%} of target)."
    )
)
if len(flags):
    kpi_counts = flags["kpis"].str.split(";").explode().value_counts()
    display(kpi_counts.to_frame("flagged reps").style.set_caption("KPIs behind the flags"))
    if list_rows > 0:
        display(
            flags.head(list_rows).style.set_caption(f"First {list_rows} flagged reps (IDs only)")
        )
    else:
        # Leadership copies (list_rows = 0): counts by unit, no rep IDs.
        by_unit = (
            flags.merge(first.reps[["rep_id", "group_id"]], on="rep_id", how="left")
            .groupby("group_id")
            .size()
            .rename("flagged reps")
        )
        small = by_unit < min_group_report
        by_unit = by_unit[~small]
        display(
            by_unit.to_frame().style.set_caption("Reps flagged for an improvement plan, by unit")
        )
        if small.any():
            display(
                Markdown(
                    f"_{int(small.sum())} unit(s) with fewer than {min_group_report} flagged "
                    "reps are not shown; no rep IDs are listed in this copy._"
                )
            )

# %%
person, unit_needs = oc.training_needs(first, top_n=3, unit_col="group_id")
top_needs = unit_needs[unit_needs["rank"] <= 3]
top_needs = top_needs[top_needs["reps"] >= min_group_report]
display(
    top_needs.style.format({"share": "{:.0%}", "mean_gap": "{:.2f}", "priority": "{:.3f}"})
    .hide(axis="index")
    .set_caption(
        "Top three training priorities per group (priority = share with the need x mean gap)"
    )
)
company = person.groupby(["area", "kind"]).agg(reps=("rep_id", "nunique"), mean_gap=("gap", "mean"))
company = company.sort_values("reps", ascending=False)
display(
    company.style.format({"mean_gap": "{:.2f}"}).set_caption(
        "Company-wide: reps with each need among their top three"
    )
)

# %% [markdown]
# ## Method notes
#
# - Attainment = actual / target over the months a rep worked in the period (targets of
#   months not worked do not count). Reps employed under half the period are not rated
#   (listed in the notes above, never silently dropped).
# - Forced distribution counts come from the grade shares by the largest-remainder method;
#   reps with equal scores (to 1e-9 points) get the same grade under the scorecard's tie
#   rule (stated below). Groups under 25-30 people make quotas unreliable; the report
#   warns about them, and about ties that push a grade far off its quota.
# - Entropy and CRITIC weights are computed on the KPI points of the rated reps, so they
#   reward KPIs whose points vary: a stepped scoring rule (bands) can create that spread.
# - The merit solver multiplies every cell by one factor (keeping the matrix's order) and
#   rounds to the cent by largest remainder, so the budget is met exactly; a cent is moved
#   where rounding would otherwise give a better cell a lower raise %.

# %%
if base.rating.type == "forced":
    tie_words = {
        "up": "all get the better grade (the better grade may then exceed its quota)",
        "down": "all get the worse grade (the better grade may then fall short of its quota)",
        "split": "are split by the quota in input order (the scorecard asks for exact quotas)",
    }[base.rating.ties]
    display(
        Markdown(
            f"Tie rule of this scorecard (`ties: {base.rating.ties}`): reps tied at a grade "
            f"boundary {tie_words}."
        )
    )
else:
    display(Markdown("This scorecard rates by absolute bands: ties never matter."))

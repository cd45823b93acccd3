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
# # How the sales force responds to a plan
#
# Replaying a new incentive plan on last year's sales assumes nobody changes how they
# work, which is the one thing a pay-for-performance plan is meant to change. Research
# is clear that people do: sales bunch at period ends when bonuses are tied to them
# (Oyer 1998), timing games cost enterprise-software firms 6-8% of revenue (Larkin 2014),
# and removing caps and ratcheting quotas raised revenue by about 9% (Misra & Nair 2011).
#
# This report does two things. First, it looks for these behaviours in the history:
# each finding comes with a range (a 95% confidence interval) and a plain statement of
# what it can and cannot tell. Second, it shows how much each response model changes
# one plan's simulated cost and sales, against the mechanical replay where nobody reacts.
#
# Nobody is shown individually: every figure is about the whole sales force or groups.

# %% tags=["parameters"]
data_path = "data/sample"
plan_file = "scenarios/plans/am_proposed.yaml"  # the plan simulated (a reform)
reference_plan_file = "scenarios/plans/am_current.yaml"  # the plan in force in the history
kpi = "revenue"  # the quota KPI the tests look at
draws = 200  # simulated years per response model
seed = 1
did_position = None  # a position whose plan changed, e.g. "store_sales"
did_change = None  # the first month of the new plan, e.g. "2026-01"
did_rate_ratio = None  # new / old marginal pay rate, for an elasticity
demo_reps = 150  # size of the generated history with known behaviour (0: leave it out)

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import simlib as sl
from simlib import behavior as bh
data_path, plan_file, reference_plan_file = (
    sl.project.resolve(p) for p in (data_path, plan_file, reference_plan_file)
)

for _f in (plan_file, reference_plan_file):
    if not Path(_f).exists():
        raise FileNotFoundError(f"plan file not found: {_f}")
if not isinstance(draws, int) or draws < 2:
    raise ValueError(f"draws must be an integer of at least 2, got {draws!r}")
ds = sl.load_dataset(data_path)
if kpi not in ds.kpi_names:
    raise ValueError(f"kpi {kpi!r} is not in the data's KPIs {ds.kpi_names}")
pd.set_option("display.max_colwidth", 120)
display(
    Markdown(f"Data: **{ds.source}**, {len(ds.reps)} reps, {ds.periods[0]} to {ds.periods[-1]}.")
)

# %% [markdown]
# ## How uncertain is a rep's year?
#
# A panel model of monthly sales separates what moves everyone together (the company's
# month-to-month shocks, and each region's), the rep's own good or bad year, and
# month-to-month noise, after removing seasonality. These are the ingredients the
# simulation draws from (its "parametric" sales model). Values are on a log scale:
# 0.10 means roughly plus or minus 10%.

# %%
fit = bh.fit_sales_panel(ds)
tab = fit.summary()
tab = tab.loc[~tab["estimate"].str.contains("hv_retention")]  # a rate: its own scale
display(tab[["estimate", "value", "se", "ci_low", "ci_high", "n"]].round(4))
display(Markdown(f"*Caveat:* {fit.estimates[0].caveat}"))

# %%
fig, ax = plt.subplots(figsize=(7, 3))
season = np.exp(fit.seasonality[kpi]) - 1
ax.bar(season.index, season.to_numpy() * 100, color="#4472c4")
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(range(1, 13))
ax.set_xlabel("calendar month")
ax.set_ylabel("% above / below an average month")
ax.set_title(f"Seasonality of {kpi}")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Period-end bunching
#
# Two tests. **Quarter-end lift**: are a rep's sales higher in the last month of a quarter
# than in its first two? **Hockey stick**: do quarterly results pile up just above 100%
# of quota (and just above the payout threshold), more than a smooth spread of results
# would put there? A bonus paid per quarter gives reps a reason to pull deals in when
# they are just short, which shows up as exactly this pile-up (Sohoni et al. 2010).

# %%
lift = bh.quarter_end_lift_ds(ds, kpi)
x, periods = ds.sales_array(kpis=[kpi])[..., 0], ds.periods
tg = bh.dense_targets(ds, kpi, periods, ds.reps["rep_id"].to_numpy())
att_q = bh.period_attainment(x, tg, periods, "quarter")
plan = sl.plans.Plan.from_yaml(plan_file, kpis=ds.kpi_names)
in_force = sl.plans.Plan.from_yaml(reference_plan_file, kpis=ds.kpi_names)
# Reps bunch around the thresholds of the plan they were paid under: the one in force.
quota_curve = next(
    (in_force.curve(c.name) for c in in_force.components if c.type in ("quota_bonus", "team")),
    None,
)
kinks = [1.0] + ([quota_curve.threshold] if quota_curve is not None else [])
rows = [lift]
for k in sorted(set(kinks)):
    try:
        rows.append(bh.threshold_bunching(att_q, k))
    except bh.BehaviorError as err:
        display(Markdown(f"Bunching at {k:.0%}: not enough results ({err})."))
display(
    bh.estimates_frame(rows)[["estimate", "value", "se", "ci_low", "ci_high", "n", "unit"]].round(4)
)
for e in rows:
    display(Markdown(f"- **{e.name}**: {e.caveat}"))
display(
    Markdown(
        f"The last month of a quarter sells about **{np.expm1(lift.estimate):.0%}** more "
        "than the first two (geometric mean). On its own this cannot separate deals timed "
        "for a bonus from genuine quarter-end seasonality."
    )
)

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
bins = np.arange(0.5, 1.5001, 0.02)
ax.hist(att_q[np.isfinite(att_q)], bins=bins, color="#7f7f7f")
for k in sorted(set(kinks)):
    ax.axvline(k, color="#c00000", lw=1.2, ls="--")
ax.set_xlabel("quarterly attainment (actual / quota)")
ax.set_ylabel("rep-quarters")
ax.set_title("Bunching plot: quarterly results near the threshold and quota (dashed)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Ratchet: how quotas follow results
#
# When next year's quota rises with this year's result, beating it has a hidden cost:
# a higher bar next year. Quotas in practice ratchet up after a beat more than they come
# down after a miss (Leone, Misra & Zimmerman), which teaches people to hold back. The
# plot shows each rep-year's change in quota against how far they were above or below
# it; the two slopes are the share of a beat added and the share of a miss forgiven.

# %%
pairs = bh.annual_pairs(x, tg, periods)
if len(pairs) >= 20:
    rt = bh.ratchet_test_ds(ds, kpi)
    display(
        bh.estimates_frame(list(rt.values()))[
            ["estimate", "value", "se", "ci_low", "ci_high", "n"]
        ].round(4)
    )
    for e in rt.values():
        display(Markdown(f"- **{e.name}**: {e.caveat}"))
    d = pairs["actual"] / pairs["target"] - 1
    nxt = pairs["next_target"] / pairs["target"] - 1
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(d, nxt, s=6, alpha=0.4, color="#4472c4")
    grid = np.linspace(max(d.min(), -0.6), min(d.max(), 0.8), 50)
    base = float(np.median(nxt[(d.abs() < 0.02)])) if (d.abs() < 0.02).any() else 0.0
    up, down = rt["target_up"].estimate, rt["target_down"].estimate
    ax.plot(grid, base + np.where(grid > 0, up * grid, down * grid), color="#c00000")
    ax.set_xlabel("this year: actual / quota - 1")
    ax.set_ylabel("next year's quota / this year's - 1")
    ax.set_title("Ratchet plot")
    plt.tight_layout()
    plt.show()
else:
    display(Markdown("The data has fewer than two consecutive years of quotas: no ratchet test."))

# %% [markdown]
# ## A plan change: difference in differences
#
# Where the history contains a plan change for one group and not another, comparing how
# the two groups' sales moved gives the response to the change; divided by the change in
# the marginal pay rate it is an elasticity, which the `elasticity` response model takes.

# %%
estimated_elasticity = None
if did_position and did_change:
    did = bh.did_effect_ds(ds, did_position, did_change, kpi, rate_ratio=did_rate_ratio)
    if "elasticity" in did and did["elasticity"].ci[0] > 0:
        estimated_elasticity = float(min(did["elasticity"].estimate, 3.0))
        display(
            Markdown(
                f"The estimated elasticity, **{estimated_elasticity:.2f}**, is used by the "
                "`elasticity` response model below."
            )
        )
    display(
        bh.estimates_frame(list(did.values()))[
            ["estimate", "value", "se", "ci_low", "ci_high", "n"]
        ].round(4)
    )
    display(Markdown(f"*Caveat:* {did['effect'].caveat}"))
    x_did, p_did, r_did = bh.estimate._sales(ds, kpi)
    pos_did = ds.reps.set_index("rep_id").loc[r_did, "position"].to_numpy() == did_position
    es, pre = bh.did_event_study(x_did, p_did, pos_did, did_change)
    display(Markdown(f"**Parallel trends before the change:** {pre.summary()}"))
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.errorbar(es["months_from_change"], es["estimate"], yerr=1.96 * es["se"], fmt="o", ms=3)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color="#c00000", ls="--", lw=1)
    ax.set_xlabel("months from the plan change")
    ax.set_ylabel("treated - control (log)")
    ax.set_title("Event study: year-on-year difference month by month")
    plt.tight_layout()
    plt.show()
else:
    display(
        Markdown(
            "No plan change is named for this data (parameters `did_position`, `did_change`), "
            "so no elasticity is estimated; the response models below use their stated "
            "assumptions."
        )
    )

# %% [markdown]
# ## Do the estimators find behaviour that is there? (generated data, known answers)
#
# The sample history has no plan change and no deliberate timing or hold-back, so the
# estimates above can only show their absence. To show what the estimators find when
# the behaviour is there, this section **generates an artificial history** with known
# behaviour written in: half of the reps just short of quarterly quota pull a deal in
# from the next month and one position's sales rise 10% (log 0.1) after a plan change;
# in a second history reps hold back 30% of what they sell beyond the annual quota. These are not the
# sample's numbers: they test the method. Each estimate should land near its true value.

# %%
if demo_reps:
    from simlib.data.synthetic import EmbeddedBehavior, generate

    truth = {"timing_pull_in_rate": 0.5, "holdback_share": 0.3, "did_effect": 0.1}
    demo_pos = ds.reps["position"].iloc[0]
    # Two histories: hold-back applied after a pull-in can undo it, which the pull-in
    # estimator would read as "did not pull in"; each behaviour is shown on its own.
    demo = generate(
        n_reps=demo_reps, months=36, seed=seed,
        behavior=EmbeddedBehavior(timing_share=1.0, timing_rate=0.5,
                                  plan_change=(demo_pos, str(ds.periods[-12]), 0.1)),
    )  # fmt: skip
    demo_hold = generate(
        n_reps=demo_reps, months=36, seed=seed + 1, behavior=EmbeddedBehavior(holdback=0.3)
    )

    def rev(d):
        x_, p_, r_ = bh.estimate._sales(d, "revenue")
        return x_, bh.dense_targets(d, "revenue", p_, r_), p_

    found = [
        bh.timing_pull_in_rate(*rev(demo)),
        bh.holdback_share(*rev(demo_hold)),
        bh.did_effect_ds(demo, demo_pos, str(ds.periods[-12]), "revenue")["effect"],
    ]
    tab_demo = bh.estimates_frame(found)[["estimate", "value", "se", "ci_low", "ci_high", "n"]]
    tab_demo.insert(1, "true value", [truth[e.name] for e in found])
    display(tab_demo.round(3))
    display(
        Markdown(
            "Each 95% interval should contain the true value in about 19 generated "
            "histories out of 20 (the recovery tests check this over 200)."
        )
    )

# %% [markdown]
# ## What each response model does to one plan
#
# The proposed plan is simulated over many possible years with each response model
# switched on in turn. **none** is the mechanical replay: sales as history suggests,
# nobody reacting. The history was earned under the plan in force, so every response is
# measured against it: simulating the plan in force itself gives exactly the mechanical
# replay for `effort` and `elasticity`, and only the *change* of incentive moves sales.
# The models:
#
# - **elasticity**: sales rise or fall with the pay a rep earns for one more sale near
#   where they expect to end up (the slope of the payout curve there) compared with the
#   plan in force, by the elasticity estimated above when there is one, else an assumed 0.1;
# - **effort**: each rep chooses how hard to work, weighing expected pay against the cost
#   of effort (Holmstrom & Milgrom), under the proposed plan and under the plan in force;
#   sales move by the ratio. Reps past the cap, or far below the threshold, ease off;
# - **timing**: at each quarter end, reps just short of the threshold or quota pull sales in
#   from the next month, and reps past the cap push sales out;
# - **ratchet**: reps above their annual quota hold back part of what they could sell, to
#   avoid a higher quota next year;
# - **effort + timing**: both together.
#
# Only reps the plan pays respond; colleagues simulated because they count in a team
# total keep their sales. Differences are the same random years compared draw by draw,
# so they are not noise from different luck.

# %%
models = {
    "none": None,
    "elasticity": {"model": "elasticity"}
    if estimated_elasticity is None
    else {"model": "elasticity", "elasticity": estimated_elasticity},
    "effort": {"model": "effort"},
    "timing": {"model": "timing", "window": 1, "share": 0.3},
    "ratchet": {"model": "ratchet", "share": 0.3, "up": 0.5},
    "effort + timing": [{"model": "effort"}, {"model": "timing", "window": 1, "share": 0.3}],
}
results = {
    name: sl.simulate(
        ds=ds,
        plan=plan,
        draws=draws,
        seed=seed,
        behavior=spec,
        behavior_reference=reference_plan_file if spec is not None else None,
        progress=False,
    )  # fmt: skip
    for name, spec in models.items()
}
base = results["none"].per_draw
rows = []
for name, r in results.items():
    pdw = r.per_draw
    rows.append(
        {
            "response model": name,
            "revenue (m)": pdw["revenue"].mean() / 1e6,
            "revenue vs none": (pdw["revenue"] / base["revenue"] - 1).mean(),
            "incentive cost (m)": pdw["total_payout"].mean() / 1e6,
            "cost vs none": (pdw["total_payout"] / base["total_payout"] - 1).mean(),
            "cost of sales": pdw["cost_of_sales"].mean(),
            "share at quota": pdw["share_at_quota"].mean(),
        }
    )
effects = pd.DataFrame(rows).set_index("response model")
display(
    effects.style.format(
        {
            "revenue (m)": "{:,.1f}",
            "revenue vs none": "{:+.1%}",
            "incentive cost (m)": "{:,.2f}",
            "cost vs none": "{:+.1%}",
            "cost of sales": "{:.2%}",
            "share at quota": "{:.1%}",
        }
    )
)

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
pos = np.arange(len(effects))
ax.bar(pos - 0.2, effects["revenue vs none"] * 100, width=0.4, label="revenue", color="#4472c4")
ax.bar(pos + 0.2, effects["cost vs none"] * 100, width=0.4, label="incentive cost", color="#ed7d31")
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(pos)
ax.set_xticklabels(effects.index, rotation=20)
ax.set_ylabel("% change against no response")
ax.set_title(f"{plan.name}: effect of each response model")
ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Assumptions and sources
#
# - The response models' strengths are **assumptions** unless estimated above: the effort
#   model's default elasticity (0.3) and intrinsic motivation (half the cost of effort) are
#   chosen to give responses of the size field studies report, not measured here.
# - Timing moves sales, it does not create them (unless a price concession is set): in a
#   steady state what the year's last quarter pulls in from next January matches what
#   last December pulled from this January, so the year wraps onto itself. A year-long
#   measurement period (or a year-to-date true-up's last period) cannot wrap: its
#   pull-ins are borrowed from next year and its push-outs leave the year.
# - History already holds the period-end pattern of the plan in force, so timing acts
#   only on thresholds, accelerators and caps the proposed plan adds or moves.
# - Only reps the plan pays respond; colleagues simulated for a team total do not.
# - Sources: Oyer (1998, QJE); Larkin (2014, JOLE); Sohoni et al. (2010, NRL); Misra &
#   Nair (2011, QME); Leone, Misra & Zimmerman (working paper); Chung, Narayandas & Chang
#   (Management Science); Holmstrom & Milgrom (1987). See `docs/practice.md`.

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
plan_file = "scenarios/plans/am_proposed.yaml"  # the plan simulated (a reform)
reference_plan_file = "scenarios/plans/am_current.yaml"  # the plan in force in the history
kpi = None  # the quota KPI the tests look at; None: the data's first summed currency KPI
draws = 200  # simulated years per response model
seed = 1
did_position = None  # a position whose plan changed, e.g. "store_sales"
did_change = None  # the first month of the new plan, e.g. "2026-01"
did_rate_ratio = None  # new / old marginal pay rate, for an elasticity
demo_reps = 150  # size of the generated history with known behaviour (0: leave it out)
currency = "CNY"  # the currency of the amounts in the data, written before every amount
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import simlib as sl
from simlib import behavior as bh
from simlib import i18n
from simlib.i18n import _
from simlib.topics import behavior as B
from simlib.topics import format as F

data_path, plan_file, reference_plan_file = (
    sl.project.resolve(p) for p in (data_path, plan_file, reference_plan_file)
)
i18n.set_language(language)
i18n.chart_font()  # a CJK font for Chinese charts
display(Markdown("# " + _("How the sales force responds to a plan")))

plt.rcParams.update({"figure.dpi": 100, "axes.spines.top": False, "axes.spines.right": False})
ds = sl.load_dataset(data_path)
kpi = B.check_parameters(ds, kpi, draws, [plan_file, reference_plan_file])
plan = sl.plans.Plan.from_yaml(plan_file, kpis=ds.kpi_names)
in_force = sl.plans.Plan.from_yaml(reference_plan_file, kpis=ds.kpi_names)
lift = bh.quarter_end_lift_ds(ds, kpi)
# A plan change in the history gives an elasticity for the elasticity model.
did, estimated_elasticity = None, None
if did_position and did_change:
    did = bh.did_effect_ds(ds, did_position, did_change, kpi, rate_ratio=did_rate_ratio)
    if "elasticity" in did and did["elasticity"].ci[0] > 0:
        estimated_elasticity = float(min(did["elasticity"].estimate, 3.0))
models = B.response_models(estimated_elasticity)
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
effects = B.response_effects(results, kpi)
display(Markdown("\n\n".join(B.summary(effects, plan.name, lift, kpi, B.kpi_name(ds, kpi)))))

# %%
display(
    Markdown(
        _(
            "Replaying a new incentive plan on last year's sales assumes nobody changes "
            "how they work, which is the one thing a pay-for-performance plan is meant to "
            "change. Research is clear that people do: sales bunch at period ends when "
            "bonuses are tied to them (Oyer 1998), timing games cost enterprise-software "
            "firms 6-8% of revenue (Larkin 2014), and removing caps and ratcheting quotas "
            "raised revenue by about 9% (Misra & Nair 2011)."
        )
    )
)
display(
    Markdown(
        _(
            "This report first shows how much each response model changes one plan's "
            "simulated cost and sales, against the mechanical replay where nobody reacts; "
            "then it looks for these behaviours in the history, each finding with a range "
            "(a 95% confidence interval) and a plain statement of what it can and cannot "
            "tell. Nobody is shown individually: every figure is about the whole sales "
            "force or groups."
        )
    )
)

# %%
display(
    Markdown(
        _(
            "{reps} reps, {span}; the tests look at **{kpi}**; {draws} simulated years per "
            "response model."
        ).format(
            reps=i18n.number(len(ds.reps)),
            span=i18n.month_span(ds.periods[0], ds.periods[-1]),
            kpi=B.kpi_name(ds, kpi),
            draws=i18n.number(draws),
        )  # fmt: skip
    )
)

# %%
display(Markdown("## " + _("What each response model does to one plan")))
display(
    Markdown(
        _(
            "The proposed plan is simulated over many possible years with each response "
            "model switched on in turn. **none** is the mechanical replay: sales as "
            "history suggests, nobody reacting. The history was earned under the plan in "
            "force, so every response is measured against it: only the *change* of "
            "incentive moves sales. The models:"
        )
    )
)
display(
    Markdown(
        "\n".join(
            [
                "- "
                + _(
                    "**elasticity**: sales rise or fall with the pay a rep earns for one more "
                    "sale near where they expect to end up, compared with the plan in force, "
                    "by the elasticity estimated from a plan change when there is one, else "
                    "an assumed 0.1;"
                ),
                "- "
                + _(
                    "**effort**: each rep chooses how hard to work, weighing expected pay "
                    "against the cost of effort (Holmstrom & Milgrom); reps past the cap, or "
                    "far below the threshold, ease off;"
                ),
                "- "
                + _(
                    "**timing**: at each quarter end, reps just short of the threshold or "
                    "quota pull sales in from the next month, and reps past the cap push "
                    "sales out;"
                ),
                "- "
                + _(
                    "**ratchet**: reps above their annual quota hold back part of what they "
                    "could sell, to avoid a higher quota next year;"
                ),
                "- " + _("**effort + timing**: both together."),
            ]
        )
    )
)
display(
    Markdown(
        _(
            "Only reps the plan pays respond. Differences are the same random years "
            "compared draw by draw, so they are not noise from different luck."
        )
    )
)

# %%
display(B.effects_table(effects, currency, kpi, B.kpi_name(ds, kpi)))
e = effects.set_index("model")
fig, ax = plt.subplots(figsize=(8, 3.5))
pos = np.arange(len(e))
ax.bar(pos - 0.2, e["revenue_change"], width=0.4, label=B.kpi_name(ds, kpi), color="#4472c4")
ax.bar(pos + 0.2, e["cost_change"], width=0.4, label=_("incentive cost"), color="#ed7d31")
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(pos, [B.model_words(m) for m in e.index], rotation=20)
F.percent_axis(ax, digits=1)
ax.set_ylabel(_("change against no response"))
big = e["cost_change"].abs().idxmax()
ax.set_title(
    _("{plan}: {model} moves cost most ({change})").format(
        plan=plan.name, model=B.model_words(big), change=F.signed_pct(e.loc[big, "cost_change"])
    )
)
ax.legend(frameon=False)
plt.tight_layout()
plt.show()

# %%
display(Markdown("## " + _("How uncertain is a rep's year?")))
display(
    Markdown(
        _(
            "A panel model of monthly sales separates what moves everyone together (the "
            "company's month-to-month shocks, and each region's), the rep's own good or "
            "bad year, and month-to-month noise, after removing seasonality. These are "
            "the ingredients the simulation draws from. Values are on a log scale: 0.10 "
            "means roughly plus or minus 10%."
        )
    )
)

# %%
fit = bh.fit_sales_panel(ds)
rates = [k for k in ds.kpi_names if ds.kpi(k)["unit"] == "rate"]
# A rate KPI's spreads are on its own scale, not a log scale: shown apart.
shown = [e for e in fit.estimates if not any(r in e.name for r in rates)]
display(B.estimates_table(shown))
display(Markdown(_("*Caveat:* {caveat}").format(caveat=fit.estimates[0].caveat)))
season = np.exp(fit.seasonality[kpi]) - 1
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(season.index, season.to_numpy(), color="#4472c4")
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(range(1, 13))
F.percent_axis(ax)
ax.set_xlabel(_("calendar month"))
ax.set_ylabel(_("above / below an average month"))
peak = int(season.idxmax())
ax.set_title(
    _("{kpi} peaks in month {month} ({change} on an average month)").format(
        kpi=B.kpi_name(ds, kpi), month=peak, change=F.signed_pct(season.max(), 0)
    )
)
plt.tight_layout()
plt.show()

# %%
display(Markdown("## " + _("Period-end bunching")))
display(
    Markdown(
        _(
            "Two tests. **Quarter-end lift**: are a rep's sales higher in the last month "
            "of a quarter than in its first two? **Hockey stick**: do quarterly results "
            "pile up just above 100% of quota (and just above the payout threshold), more "
            "than a smooth spread of results would put there? A bonus paid per quarter "
            "gives reps a reason to pull deals in when they are just short, which shows "
            "up as exactly this pile-up (Sohoni et al. 2010)."
        )
    )
)

# %%
x, periods = ds.sales_array(kpis=[kpi])[..., 0], ds.periods
tg = bh.dense_targets(ds, kpi, periods, ds.reps["rep_id"].to_numpy())
att_q = bh.period_attainment(x, tg, periods, "quarter")
# Reps bunch around the thresholds of the plan they were paid under: the one in force.
quota_curve = next(
    (in_force.curve(c.name) for c in in_force.components if c.pays_on_quota),
    None,
)
kinks = sorted({1.0, *([quota_curve.threshold] if quota_curve is not None else [])})
rows = [lift]
for k in kinks:
    try:
        rows.append(bh.threshold_bunching(att_q, k))
    except bh.BehaviorError as err:
        display(
            Markdown(
                _("Bunching at {point}: not enough results ({error}).").format(
                    point=F.pct(k), error=err
                )
            )
        )
display(B.estimates_table(rows, unit=True))
for est in rows:
    display(Markdown(f"- **{B.estimate_words(est.name)}**: {est.caveat}"))
display(
    Markdown(
        _(
            "The last month of a quarter sells about **{lift}** more than the first two "
            "(geometric mean). On its own this cannot separate deals timed for a bonus from "
            "genuine quarter-end seasonality."
        ).format(lift=F.pct(np.expm1(lift.estimate)))
    )
)
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.hist(att_q[np.isfinite(att_q)], bins=np.arange(0.5, 1.5001, 0.02), color="#7f7f7f")
for k in kinks:
    ax.axvline(k, color="#c00000", lw=1.2, ls="--")
F.percent_axis(ax, "x")
ax.set_xlabel(_("quarterly attainment (actual / quota); results outside 50-150% not drawn"))
ax.set_ylabel(_("rep-quarters"))
ax.set_title(_("Quarterly results near the threshold and quota (dashed)"))
plt.tight_layout()
plt.show()

# %%
display(Markdown("## " + _("Ratchet: how quotas follow results")))
display(
    Markdown(
        _(
            "When next year's quota rises with this year's result, beating it has a "
            "hidden cost: a higher bar next year. Quotas in practice ratchet up after a "
            "beat more than they come down after a miss (Leone, Misra & Zimmerman), which "
            "teaches people to hold back. The plot shows each rep-year's change in quota "
            "against how far they were above or below it; the two slopes are the share of "
            "a beat added and the share of a miss forgiven."
        )
    )
)

# %%
pairs = bh.annual_pairs(x, tg, periods)
if len(pairs) >= 20:
    rt = bh.ratchet_test_ds(ds, kpi)
    display(B.estimates_table(list(rt.values())))
    for est in rt.values():
        display(Markdown(f"- **{B.estimate_words(est.name)}**: {est.caveat}"))
    d = pairs["actual"] / pairs["target"] - 1
    nxt = pairs["next_target"] / pairs["target"] - 1
    # The window where quotas are set; a few reps far beyond it (new hires' first
    # quotas, territory moves) would squash the plot: they are counted under it.
    lo, hi = -0.6, 1.0
    keep = d.between(lo, hi) & nxt.between(lo, hi)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(d[keep], nxt[keep], s=6, alpha=0.4, color="#4472c4")
    grid = np.linspace(lo, 0.8, 50)
    base = float(np.median(nxt[(d.abs() < 0.02)])) if (d.abs() < 0.02).any() else 0.0
    up, down = rt["target_up"].estimate, rt["target_down"].estimate
    ax.plot(grid, base + np.where(grid > 0, up * grid, down * grid), color="#c00000")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    F.percent_axis(ax, "x")
    F.percent_axis(ax)
    ax.set_xlabel(_("this year: actual vs quota"))
    ax.set_ylabel(_("next year's quota vs this year's"))
    ax.set_title(
        _("A beat adds {up} of itself to next year's quota; a miss takes {down}").format(
            up=F.pct(up), down=F.pct(down)
        )
    )
    plt.tight_layout()
    plt.show()
    note = F.clip_note(int((~keep).sum()), _("rep-years"))
    if note:
        display(Markdown(note))
else:
    display(
        Markdown(_("The data has fewer than two consecutive years of quotas: no ratchet test."))
    )

# %%
display(Markdown("## " + _("A plan change: difference in differences")))
display(
    Markdown(
        _(
            "Where the history contains a plan change for one group and not another, "
            "comparing how the two groups' sales moved gives the response to the change; "
            "divided by the change in the marginal pay rate it is an elasticity, which "
            "the `elasticity` response model takes."
        )
    )
)

# %%
if did is not None:
    if estimated_elasticity is not None:
        display(
            Markdown(
                _(
                    "The estimated elasticity, **{elasticity}**, is used by the `elasticity` "
                    "response model above."
                ).format(elasticity=i18n.number(estimated_elasticity, 2))
            )
        )
    display(B.estimates_table(list(did.values())))
    display(Markdown(_("*Caveat:* {caveat}").format(caveat=did["effect"].caveat)))
    x_did, p_did, r_did = bh.estimate.kpi_sales(ds, kpi)
    treated = ds.reps.set_index("rep_id").loc[r_did, "position"].to_numpy() == did_position
    es, pre = bh.did_event_study(x_did, p_did, treated, did_change)
    display(
        Markdown(
            _("**Parallel trends before the change:** {summary}").format(
                summary=B.estimate_line(pre)
            )
        )
    )
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.errorbar(es["months_from_change"], es["estimate"], yerr=1.96 * es["se"], fmt="o", ms=3)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color="#c00000", ls="--", lw=1)
    ax.set_xlabel(_("months from the plan change"))
    ax.set_ylabel(_("treated - control (log)"))
    ax.set_title(_("Event study: the gap opens at the plan change (red line)"))
    plt.tight_layout()
    plt.show()
else:
    display(
        Markdown(
            _(
                "No plan change is named for this data (the position whose plan changed and "
                "the month it changed are parameters of this report), so no elasticity is "
                "estimated; the response models use their stated assumptions."
            )
        )
    )

# %%
display(
    Markdown(
        "## " + _("Do the estimators find behaviour that is there? (generated data, known answers)")
    )
)
display(
    Markdown(
        _(
            "A history without a plan change or deliberate timing can only show their "
            "absence. To show what the estimators find when the behaviour is there, this "
            "section **generates an artificial history** with known behaviour written in: "
            "half of the reps just short of quarterly quota pull a deal in from the next "
            "month and one position's sales rise 10% (log 0.1) after a plan change; in a "
            "second history reps hold back 30% of what they sell beyond the annual quota. "
            "These are not this data's numbers: they test the method. Each estimate "
            "should land near its true value."
        )
    )
)

# %%
if demo_reps:
    display(B.recovery_check(demo_reps, seed))
    display(
        Markdown(
            _(
                "Each 95% interval should contain the true value in about 19 generated "
                "histories out of 20 (the recovery tests check this over 200)."
            )
        )
    )

# %%
display(Markdown("## " + _("Appendix: assumptions and sources")))
display(
    Markdown(
        "\n".join(
            [
                "- "
                + _(
                    "The response models' strengths are **assumptions** unless estimated "
                    "above: the effort model's default elasticity (0.3) and intrinsic "
                    "motivation (half the cost of effort) are chosen to give responses of the "
                    "size field studies report, not measured here; timing moves 30% of what "
                    "is within one month of a threshold, and the ratchet model holds back 30% "
                    "of what a rep sells beyond quota."
                ),
                "- "
                + _(
                    "Timing moves sales, it does not create them (unless a price concession "
                    "is set): in a steady state what the year's last quarter pulls in from "
                    "next January matches what last December pulled from this January, so the "
                    "year wraps onto itself. A year-long measurement period cannot wrap: its "
                    "pull-ins are borrowed from next year and its push-outs leave the year."
                ),
                "- "
                + _(
                    "History already holds the period-end pattern of the plan in force, so "
                    "timing acts only on thresholds, accelerators and caps the proposed plan "
                    "adds or moves."
                ),
                "- "
                + _(
                    "The panel model of sales uncertainty is a variance-components model on "
                    "log monthly sales after removing seasonality."
                ),
                "- "
                + _(
                    "Sources: Oyer (1998, QJE); Larkin (2014, JOLE); Sohoni et al. (2010, "
                    "NRL); Misra & Nair (2011, QME); Leone, Misra & Zimmerman (working "
                    "paper); Chung, Narayandas & Chang (Management Science); Holmstrom & "
                    "Milgrom (1987). See `docs/practice.md`."
                ),
            ]
        )
    )
)

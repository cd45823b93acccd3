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
# # Target cascade report (目标层层分解)
#
# The company's strategic target is split level by level, from the company to every
# region, branch, team and person, so that each person's target adds up to the
# strategy. A target set too high in one territory and too low in another decides pay
# more than any payout curve, so this report does not stop at the split: it asks **how
# hard each target is**, **how many people are likely to reach theirs**, and where the
# top-down targets and the bottom-up view of each unit disagree.
#
# How to read it: each section opens with what it shows and how to read it. Amounts are
# in the dataset's currency (CNY for the sample); rates are shown as percentages. No
# individual's target or pay is shown: people appear only in counts and shares.

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

# %%
import copy

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import simlib as sl
from simlib.org import Hierarchy
from simlib.spec import load_yaml
from simlib.targets.diagnostics import BAND, TOO_EASY, TOO_HARD
from simlib.targets.rounding import METHODS as sl_methods
data_path, spec_path = (sl.project.resolve(p) for p in (data_path, spec_path))

plt.rcParams.update({"figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False})
pd.set_option("display.float_format", lambda x: f"{x:,.2f}")

if method not in (None, "even", "history", "potential", "capacity"):
    raise ValueError(f"method must be None, even, history, potential or capacity, got {method!r}")
for name, v in (
    ("padding", padding),
    ("max_increase", max_increase),
    ("max_decrease", max_decrease),
):
    if v is not None and not v >= 0:
        raise ValueError(f"{name} must be a non-negative fraction, got {v}")
if not rounding > 0:
    raise ValueError(f"rounding must be a positive amount, got {rounding}")
if rounding_method not in (None, *sl_methods):
    raise ValueError(
        f"rounding_method must be None or one of {sl_methods}, got {rounding_method!r}"
    )

ds = sl.load_dataset(data_path)
hier = Hierarchy.of(ds)
raw = load_yaml(spec_path)
raw = raw.get("cascade", raw) if isinstance(raw, dict) else raw
spec_d = copy.deepcopy(raw)
levels_d = spec_d.setdefault("levels", {})
if method is not None:
    spec_d["default"] = {
        k: v for k, v in {**spec_d.get("default", {}), "method": method}.items() if k != "blend"
    }
    for lvl in list(levels_d):
        levels_d[lvl] = {k: v for k, v in levels_d[lvl].items() if k != "blend"} | {
            "method": method
        }
    for kr in spec_d.get("kpis", {}).values():
        if kr.get("default") is not None:
            kr["default"] = {k: v for k, v in kr["default"].items() if k != "blend"} | {
                "method": method
            }
        for lvl in list(kr.get("levels", {})):
            kr["levels"][lvl] = {k: v for k, v in kr["levels"][lvl].items() if k != "blend"} | {
                "method": method
            }
# Padding applies where managers over-assign: into the lowest unit level (called
# "team" in the sample); data with other level names get it at their lowest level.
pad_level = "team" if "team" in hier.levels else hier.levels[-1]
if padding is not None:
    if len(hier.levels) < 2:
        raise ValueError("padding needs at least two unit levels (a parent to pad from)")
    levels_d[pad_level] = {**levels_d.get(pad_level, {}), "padding": padding}
if max_increase is not None or max_decrease is not None:
    g = dict(levels_d.get("rep", {}).get("guardrail") or {})
    g.pop("max_change", None)
    if max_increase is not None:
        g["max_increase"] = max_increase
    if max_decrease is not None:
        g["max_decrease"] = max_decrease
    levels_d["rep"] = {**levels_d.get("rep", {}), "guardrail": g}
spec_d["rounding"] = {**spec_d.get("rounding", {}), "currency": rounding}
if rounding_method is not None:
    spec_d["rounding_method"] = rounding_method
spec = sl.targets.parse_cascade_spec(spec_d)
year = int(ds.periods[-1].year + 1) if year is None else int(year)
kpis = ds.kpis.set_index("kpi")
label = {k: f"{k} ({kpis.loc[k, 'label']})" for k in kpis.index}
summed = [k for k in kpis.index if kpis.loc[k, "aggregation"] == "sum"]
rates = [k for k in kpis.index if kpis.loc[k, "aggregation"] != "sum"]
top = hier.levels[1] if len(hier.levels) > 1 else hier.levels[0]
main_kpi = summed[0]


def fmt(kpi: str, x: float) -> str:
    if kpis.loc[kpi, "unit"] == "rate":
        return f"{x:.1%}"
    if kpis.loc[kpi, "unit"] == "currency":
        return f"{x / 1e6:,.1f} m"
    return f"{x:,.0f}"


growths = {k: growth for k in summed} | {k: rate_growth for k in rates}

display(
    Markdown(
        f"Cascade **{spec.name}** ({spec.description or 'no description'}) from `{spec_path}`, "
        f"for **{year}**, on `{data_path}`: {len(ds.reps):,} people ever employed, "
        f"{len(ds.units):,} org units on levels {' → '.join(hier.levels)} → rep."
    )
)

# %% [markdown]
# ## 1. The company target
#
# A baseline forecast of next year per KPI comes from the company's monthly history with
# an exponential smoothing model (Holt-Winters). Several variants (with or without a
# trend, damped or not, with a multiplicative or additive monthly pattern) are fitted and
# the one that fits best for its complexity is kept; the table names it per KPI.
# Simulating 2,000 possible years from the model gives the 90% prediction interval: the
# range the year lands in nine times out of ten if nothing changes. The proposed target
# is the forecast plus the strategic growth chosen above. Leadership may also set the
# number directly; the rest of the report works the same.

# %%
prop = sl.targets.propose_company_target(ds, growth=growths, year=year)
show = prop.assign(
    **{
        c: [fmt(k, v) for k, v in zip(prop["kpi"], prop[c], strict=True)]
        for c in ("last_year_actual", "forecast", "lower", "upper", "proposed_target")
    }
)
show["growth"] = [
    f"+{g:.1%}" if k in summed else f"+{g * 100:.1f} pts"
    for k, g in zip(prop["kpi"], prop["growth"], strict=True)
]
display(
    show[
        [
            "kpi",
            "last_year_actual",
            "forecast",
            "lower",
            "upper",
            "growth",
            "proposed_target",
            "model",
        ]
    ]
    .rename(
        columns={
            "last_year_actual": f"actual {year - 1}",
            "forecast": f"forecast {year}",
            "lower": "90% low",
            "upper": "90% high",
            "proposed_target": "proposed target",
        }
    )
    .set_index("kpi")
)
row = prop.set_index("kpi").loc[main_kpi]
pos = (row["proposed_target"] - row["lower"]) / (row["upper"] - row["lower"])
where = (
    "above the top of the interval: a stretch the history alone does not support"
    if row["proposed_target"] > row["upper"]
    else "inside the interval"
    if row["proposed_target"] >= row["lower"]
    else "below the interval: easier than the trend"
)


def _model_words(m: str) -> str:
    code = m.split(")")[0].split("(")[1].split(",")  # ETS(error, trend, season)
    trend = {"N": "no trend", "A": "a straight trend", "Ad": "a damped trend"}[code[1]]
    season = {
        "N": "no monthly pattern",
        "A": "an additive monthly pattern",
        "M": "a monthly pattern proportional to the level",
    }[code[2]]
    return f"{trend} and {season}"


display(
    Markdown(
        "Models chosen: "
        + "; ".join(
            f"{k}: {_model_words(m)} (`{m}`)"
            for k, m in zip(prop["kpi"], prop["model"], strict=True)
        )
        + "."
    )
)
display(
    Markdown(
        f"For **{label[main_kpi]}** the proposed target {fmt(main_kpi, row['proposed_target'])} is "
        f"{row['proposed_target'] / row['last_year_actual'] - 1:+.1%} on last year and sits **{where}**."
    )
)

# %% [markdown]
# ## 2. The cascade: from the company to every team
#
# Each parent's target is split among its children by the rule of their level (even,
# last year's share, market potential, capacity in headcount with new hires at their ramp,
# or a blend). Managers may **pad** (children's targets add up to more than the
# parent's), and **guardrails** keep each person's target within a band around their own
# last year; what a capped person cannot take goes to their teammates. Amounts are
# rounded to whole units (the rounding unit and method are stated below the rules) so
# that children add up **exactly** to their parent.
#
# The tree shows the company, its regions and the next level for the main KPI; the
# table shows every region for every KPI, against last year.

# %%
try:
    cas = sl.targets.cascade(ds, prop, spec, year=year)
except sl.targets.GuardrailError as exc:
    # Show the conflict, then the cascade without guardrails, so the reader sees where
    # the bands and the split disagree (nothing is hidden: this note stays in the report).
    display(
        Markdown(
            f"**Guardrails could not be met.** {exc}. The rest of this report shows the "
            "cascade **without guardrails**; compare each unit's change against last year "
            "to see where the bands bind."
        )
    )

    def _drop_guardrails(d):
        if isinstance(d, dict):
            return {k: _drop_guardrails(v) for k, v in d.items() if k != "guardrail"}
        return d

    spec = sl.targets.parse_cascade_spec(_drop_guardrails(spec.model_dump()))
    cas = sl.targets.cascade(ds, prop, spec, year=year)
problems = cas.check()
rules = pd.DataFrame(
    [
        {
            "level": lvl,
            "method": spec.rule(lvl, main_kpi).method
            + (
                " ("
                + ", ".join(f"{k} {v:g}" for k, v in spec.rule(lvl, main_kpi).blend.items())
                + ")"
                if spec.rule(lvl, main_kpi).blend
                else ""
            ),
            "padding": f"{spec.rule(lvl, main_kpi).padding:.0%}",
            "guardrail": (
                "none"
                if spec.rule(lvl, main_kpi).guardrail is None
                else ", ".join(
                    f"{k} {v:g}"
                    for k, v in spec.rule(lvl, main_kpi).guardrail.model_dump().items()
                    if v is not None
                )
            ),
        }
        for lvl in [*hier.levels[1:], "rep"]
    ]
).set_index("level")
METHOD_WORDS = {
    "hamilton": "largest remainder (Hamilton)",
    "jefferson": "D'Hondt (Jefferson)",
    "webster": "Sainte-Laguë (Webster)",
    "huntington_hill": "equal proportions (Huntington-Hill)",
}
display(Markdown(f"Rules for {label[main_kpi]} (split into each level):"))
display(rules)
display(
    Markdown(
        f"Rounding: {', '.join(f'{k} to {v:,g}' for k, v in cas.rounding_unit.items() if v > 0)}, "
        f"by the **{METHOD_WORDS[spec.rounding_method]}** method."
        + (
            f" Manager padding set by the parameter: {padding:.0%} into the **{pad_level}** level."
            if padding is not None
            else ""
        )
    )
)
display(Markdown(f"```\n{cas.tree(main_kpi, max_depth=2, fmt='{:,.0f}')}\n```"))
a = cas.annual
reg = a[a["level"] == top].copy()
reg["change vs last year"] = np.where(
    reg["additive"],
    reg["target"] / reg["last_year_actual"] - 1,
    reg["target"] - reg["last_year_actual"],
)
tbl = reg.pivot_table(
    index="node_id", columns="kpi", values=["target", "change vs last year"], aggfunc="first"
)
tbl_show = pd.DataFrame(index=tbl.index)
for k in cas.company_target:
    tbl_show[f"{k} target"] = [fmt(k, v) for v in tbl[("target", k)]]
    ch = tbl[("change vs last year", k)]
    tbl_show[f"{k} vs {year - 1}"] = [
        f"{v:+.1%}" if k in summed else f"{v * 100:+.1f} pts" for v in ch
    ]
tbl_show["people"] = reg.drop_duplicates("node_id").set_index("node_id")["headcount"].astype(int)
display(tbl_show)
log = cas.log
n_pad = log[log["kind"] == "padding"]
n_guard = log[log["kind"] == "guardrail"]
n_zero = log[log["kind"] == "zero_weights"]
display(
    Markdown(
        f"Consistency check: **{'every' if problems.empty else 'NOT every'} parent's children add up "
        f"exactly** to the parent's target (times one plus padding). "
        f"Padding added {len(n_pad)} times, in total "
        + ", ".join(f"{fmt(k, v)} of {k}" for k, v in n_pad.groupby("kpi")["amount"].sum().items())
        + f". Guardrails moved {len(n_guard)} targets"
        + (
            " ("
            + ", ".join(
                f"{k}: {int((g['amount'] < 0).sum())} capped, {int((g['amount'] > 0).sum())} raised to a floor"
                for k, g in n_guard.groupby("kpi")
            )
            + ")"
            if len(n_guard)
            else ""
        )
        + f". {len(n_zero)} unit(s) had no basis for shares and were split evenly."
    )
)

# %% [markdown]
# ## 3. Calendarization: the year month by month
#
# Each person's annual target is spread over the months they work, by a seasonal profile
# (the average share each month took of the year in past complete years) or evenly; the
# text under the chart says which. A unit's month is the sum of its people's months
# where there is no padding below it; where managers pad, the people's months add up to
# more, and the unit's own month is its share of them. Bars: the company's monthly
# target; line: last year's actual months.

# %%
t = cas.targets
comp = t[(t["level"] == hier.levels[0]) & (t["kpi"] == main_kpi)].set_index("period")["target"]
cal = spec.calendarization
mproblems = cas.check_monthly()
display(
    Markdown(
        (
            f"Months follow the **seasonal profile of each person's "
            f"{cal.profile_level or 'own unit'}** over the last {cal.years} complete year(s)"
            if cal.method == "seasonal"
            else "Months are **flat** (equal shares of the year)"
        )
        + f". Monthly check: **{'every' if mproblems.empty else 'NOT every'} unit's months add up** "
        "to its year and to its people's months (within padding)."
    )
)
s = ds.sales[(ds.sales["kpi"] == main_kpi) & (ds.sales["period"].dt.year == year - 1)]
last_m = s.groupby(s["period"].dt.month)["value"].sum()
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.bar(range(1, 13), comp.to_numpy() / 1e6, color="#4c78a8", label=f"target {year}")
ax.plot(last_m.index, last_m.to_numpy() / 1e6, "o-", color="#e45756", label=f"actual {year - 1}")
ax.set_xticks(range(1, 13))
ax.set_xlabel("month")
ax.set_ylabel("millions" if kpis.loc[main_kpi, "unit"] == "currency" else "")
ax.set_title(f"{main_kpi}: monthly company target vs last year")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# ## 4. Difficulty: how many people are likely to reach their target
#
# For each person, a forecast of their year: last year's run rate times the company's
# forecast growth. How far a person's year strays from such a forecast is measured on
# history (the spread of people's year-on-year changes). From the two, each person gets a
# **probability of reaching their target**; the average of those probabilities is the
# **expected share of people at or above target**. Practitioners design for **60-70%**
# (Alexander Group); above 85% the targets are too easy, below 45% too hard. Part of what
# happens is shared by everyone (the market): in a good year many reach, in a bad one few,
# so each share comes with its range between a 1-in-20 bad and a 1-in-20 good year. The
# map shows the expected share by region (rows, unit codes) and tenure (time since hire)
# for the main KPI; red cells are far below the band, green ones above it. The table
# gives every KPI: expected share (bad year - good year).

# %%
diff = sl.targets.difficulty(cas, ds, prop, region_level=top)
r = diff.reps[diff.reps["kpi"] == main_kpi]
cells = r.groupby(["region", "tenure"]).agg(share=("p_reach", "mean"), n=("p_reach", "count"))
cells.loc[cells["n"] < min_group, "share"] = np.nan
grid = cells["share"].unstack("tenure").reindex(columns=["<1y", "1-3y", "3-5y", "5y+"])
fig, ax = plt.subplots(figsize=(7, 0.5 * len(grid) + 1.5))
im = ax.imshow(grid.to_numpy(dtype=float), cmap="RdYlGn", vmin=0.2, vmax=1.0, aspect="auto")
ax.set_xticks(range(grid.shape[1]), grid.columns)
ax.set_yticks(range(len(grid)), list(grid.index))
for i in range(grid.shape[0]):
    for j in range(grid.shape[1]):
        v = grid.iat[i, j]
        txt = f"n<{min_group}" if np.isnan(v) else f"{v:.0%}"
        ax.text(j, i, txt, ha="center", va="center", fontsize=9)
ax.set_xlabel("tenure at the start of the year")
ax.set_title(f"{main_kpi}: expected share at or above target (aim 60-70%)")
fig.colorbar(im, ax=ax, shrink=0.8)
plt.show()
g = diff.groups
show = g[g["reps"] >= min_group].copy()
show["expected share"] = [
    f"{v:.0%} ({lo:.0%}-{hi:.0%})"
    for v, lo, hi in zip(
        show["share_at_or_above"], show["share_low"], show["share_high"], strict=True
    )
]
display(
    show.pivot_table(index=["by", "group"], columns="kpi", values="expected share", aggfunc="first")
)
comp_rows = diff.units[diff.units["level"] == hier.levels[0]].set_index("kpi")
msgs = []
for k, rrow in comp_rows.iterrows():
    sh = rrow["share_at_or_above"]
    msgs.append(
        f"**{label[k]}**: {sh:.0%} expected at or above target, {rrow['share_low']:.0%} in a "
        f"1-in-20 bad year to {rrow['share_high']:.0%} in a 1-in-20 good one ({rrow['flag']})"
    )
display(Markdown("Company-wide: " + "; ".join(msgs) + "."))
fig, ax = plt.subplots(figsize=(7, 3))
d = r["difficulty"].replace([np.inf, -np.inf], np.nan).dropna()
ax.hist(d.clip(0, 3), bins=40, color="#4c78a8")
ax.axvline(1, color="k", lw=1)
ax.set_xlabel("difficulty index = target ÷ forecast (1 = target equals forecast)")
ax.set_ylabel("people")
ax.set_title(f"{main_kpi}: how far targets sit above people's own forecasts")
plt.show()
miss = diff.units[(diff.units["level"] != "rep") & (diff.units["reps"] >= min_group)]
miss = miss[miss["flag"].str.startswith(("too", "below", "above"))]
display(
    Markdown(
        f"{len(miss[miss['kpi'] == main_kpi])} of "
        f"{len(diff.units[(diff.units['kpi'] == main_kpi) & (diff.units['reps'] >= min_group)])} units "
        f"with at least {min_group} people fall outside the 60-70% band for {main_kpi}. "
        f"A share below {TOO_HARD:.0%} means most people will miss; above {TOO_EASY:.0%} the target "
        "pays for results that would have come anyway."
    )
)

# %% [markdown]
# ## 5. Reconciliation: top-down targets against bottom-up forecasts
#
# Each unit's own forecast of next year: its current people's run rates carried forward by
# the unit's **own** recent growth (last year against the year before, for the same
# people), leaning on the company's growth for small units whose own figure is noisy. So
# a fast-growing region shows a forecast above the company trend and a flat one below.
# The gap is the top-down target minus that forecast: positive means the unit is asked for
# more than its people's run rates promise, and someone must say where it will come from
# (new hires, new products, new territory). The table lists every unit at the first two
# levels, largest relative gap first; "chance" is the probability the unit as a whole
# reaches its target.

# %%
rec = sl.targets.reconcile(diff)
rec = rec[rec["level"].isin(hier.levels[:3]) & (rec["kpi"] == main_kpi)].copy()
names = hier.units.set_index("unit_id")["name"]
rec_show = pd.DataFrame(
    {
        "unit": [f"{names[u]} ({u})" for u in rec["unit_id"]],
        "level": rec["level"],
        "top-down target": [fmt(main_kpi, v) for v in rec["target"]],
        "own forecast": [fmt(main_kpi, v) for v in rec["forecast"]],
        "own growth": [f"{v - 1:+.1%}" for v in rec["own_trend"]],
        "gap": [fmt(main_kpi, v) for v in rec["gap"]],
        "gap %": [f"{v:+.1%}" for v in rec["gap_pct"]],
        "chance": [f"{v:.0%}" for v in rec["p_reach"]],
    }
)
display(rec_show.set_index("unit"))

# %% [markdown]
# ## 6. Back-test: the same rules on last year, against what happened
#
# To see whether these rules set fair targets, they are applied to the last full year
# in the data, using only what was known before it (its sales history, and the people
# employed on its first day: later hires and the year's leavers were not known then),
# and compared with what people then actually did. The gap analysis shows, at every level, actual against target year to
# date and the pace (actual ÷ target); the contribution column says how much of the
# company's gap each region accounts for. Last, the share of people who actually reached
# their target is set against the share the diagnostics expected.

# %%
bt_year = year - 1
bt_ok = (
    backtest and (ds.periods.year < bt_year).sum() >= 24 and (ds.periods.year == bt_year).sum() > 0
)
if not bt_ok:
    display(Markdown("Back-test skipped: it needs two years of history before the last year."))
else:
    start = pd.Timestamp(f"{bt_year}-01-01")
    known_reps = ds.reps[ds.reps["hire_date"] < start].copy()
    leaves_later = known_reps["exit_date"] >= start
    known_reps["exit_date"] = known_reps["exit_date"].where(~leaves_later, pd.NaT)
    known = sl.Dataset(
        kpis=ds.kpis,
        units=ds.units,
        reps=known_reps,
        sales=ds.sales[ds.sales["period"].dt.year < bt_year],
        potential=ds.potential,
        source=f"{ds.source} (known on {start.date()})",
    )
    bt_prop = sl.targets.propose_company_target(known, growth=growths, year=bt_year)
    bt = sl.targets.cascade(known, bt_prop, spec, year=bt_year)
    last_month = ds.periods[ds.periods.year == bt_year][-1]
    cut = pd.Period(as_of, freq="M") if as_of else last_month
    gaps = sl.targets.gap_analysis(bt, ds.sales, cut, ds)
    gk = gaps[(gaps["kpi"] == main_kpi) & gaps["level"].isin(hier.levels[:2])]
    display(
        pd.DataFrame(
            {
                "unit": [f"{names[u]} ({u})" for u in gk["unit_id"]],
                "target to date": [fmt(main_kpi, v) for v in gk["ytd_target"]],
                "actual to date": [fmt(main_kpi, v) for v in gk["ytd_actual"]],
                "pace": [f"{v:.0%}" for v in gk["pace"]],
                "gap": [fmt(main_kpi, v) for v in gk["gap"]],
                "share of parent's gap": [
                    "" if pd.isna(v) else f"{v:.0%}" for v in gk["contribution"]
                ],
            }
        ).set_index("unit")
    )
    bt_diff = sl.targets.difficulty(bt, known, bt_prop, region_level=top)
    rep_g = gaps[(gaps["level"] == "rep") & (gaps["kpi"] == main_kpi)]
    full = rep_g[rep_g["ytd_target"] > 0]
    actual_share = float((full["ytd_actual"] >= full["ytd_target"]).mean())
    top_row = bt_diff.units.query("level == @hier.levels[0] and kpi == @main_kpi").iloc[0]
    bt_fc = bt_prop.set_index("kpi").loc[main_kpi]
    bt_sales = ds.sales[(ds.sales["kpi"] == main_kpi) & (ds.sales["period"].dt.year == bt_year)]
    bt_act = bt_sales["value"].sum()
    inside = bt_fc["lower"] <= bt_act <= bt_fc["upper"]
    display(
        Markdown(
            f"The company forecast for {bt_year} was {fmt(main_kpi, bt_fc['forecast'])} "
            f"(90% interval {fmt(main_kpi, bt_fc['lower'])} to {fmt(main_kpi, bt_fc['upper'])}); "
            f"the year came in at {fmt(main_kpi, bt_act)}, "
            f"**{'inside' if inside else 'outside'} the interval**. "
            f"Up to {cut}, **{actual_share:.0%}** of people were at or above their {main_kpi} target "
            f"to date; before the year the diagnostics expected **{top_row['share_at_or_above']:.0%}** "
            f"({top_row['share_low']:.0%} in a 1-in-20 bad year to {top_row['share_high']:.0%} in a "
            f"1-in-20 good one). Design band: {BAND[0]:.0%}-{BAND[1]:.0%}."
        )
    )

# %% [markdown]
# ## 7. Ratchets: what next year's targets would be after this year
#
# Many companies set next year's target from this year's actual (a ratchet). Research on
# sales quotas (Leone, Misra & Zimmerman) found ratchets are **asymmetric**: a beat raises
# next year's target more than a miss lowers it. The table compares, on the back-test
# year, a symmetric ratchet (half of any beat or miss carried into the target) with an
# asymmetric one (half of a beat, a quarter of a miss): the company total, and the share of
# people whose target would rise.

# %%
if bt_ok:
    rep_full = gaps[(gaps["level"] == "rep") & (gaps["kpi"] == main_kpi)]
    tgt = rep_full["annual_target"].to_numpy()
    act = rep_full["projected"].fillna(0).to_numpy()
    sym = sl.targets.ratchet(tgt, act, up=0.5, down=0.5)
    asym = sl.targets.ratchet(tgt, act, up=0.5, down=0.25)
    display(
        pd.DataFrame(
            {
                "rule": ["symmetric (½ beat, ½ miss)", "asymmetric (½ beat, ¼ miss)"],
                "next-year total": [fmt(main_kpi, sym.sum()), fmt(main_kpi, asym.sum())],
                "vs this year's targets": [
                    f"{sym.sum() / tgt.sum() - 1:+.1%}",
                    f"{asym.sum() / tgt.sum() - 1:+.1%}",
                ],
                "people whose target rises": [
                    f"{(sym > tgt).mean():.0%}",
                    f"{(asym > tgt).mean():.0%}",
                ],
            }
        ).set_index("rule")
    )

# %% [markdown]
# ## 8. Method notes

# %%
rate_rules = sorted(
    {spec.rule(lvl, k).rate_rule for k in rates for lvl in [*hier.levels[1:], "rep"]}
)
RATE_WORDS = {
    "same": "each unit and person gets the parent's rate",
    "history_relative": "each unit and person gets their own last-year rate plus the planned "
    "improvement in points",
}
notes = [
    f"**Rounding**: each split is rounded with the {METHOD_WORDS[spec.rounding_method]} method, "
    "so children add up exactly to the parent, and never outside a guardrail band; exact ties "
    "go to the larger share, then to the unit listed first. Counts such as new customers are "
    "whole numbers.",
    (
        "**Rates** ("
        + ", ".join(rates)
        + ") are not split, since a rate does not add up: "
        + "; ".join(f"{RATE_WORDS[r]} (`{r}`)" for r in rate_rules)
        + "."
    )
    if rates
    else "**Rates**: none in this dataset.",
    "**Guardrails** are set around each person's last-year run rate (annualized over the "
    "months they worked); people with under three months of history are treated as new "
    "hires and bound only by floors.",
    "**Difficulty** assumes a person's year varies around their forecast as people's years "
    "varied in the past; it does not know about territory changes, new products or behaviour "
    "under a new plan (the simulation reports model that).",
]
display(Markdown("\n".join(f"* {n}" for n in notes)))

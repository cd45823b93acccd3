"""The behavioural-response report: what the history says about behaviour, and what each
response model does to one plan's cost and sales.

:func:`response_effects` simulates a plan under each response model on the same
draws and measures each against the mechanical replay; :func:`summary` writes the
lines that open the page; :func:`estimates_table` shows estimates with human headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib import behavior as bh
from simlib import i18n
from simlib.data.dataset import Dataset
from simlib.i18n import N_, _
from simlib.topics import ReportParameterError
from simlib.topics import format as F

#: Default strengths of the response models compared (assumptions, said so on the page).
TIMING = {"model": "timing", "window": 1, "share": 0.3}
RATCHET = {"model": "ratchet", "share": 0.3, "up": 0.5}


def check_parameters(ds: Dataset, kpi: str | None, draws: Any, plan_files: Sequence[str]) -> str:
    """Check the report's parameters; return the KPI the tests look at (``kpi``, or the
    data's first summed currency KPI)."""
    for f in plan_files:
        if not Path(f).exists():
            raise ReportParameterError(_("plan file not found: {f}").format(f=f))
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 2:
        raise ReportParameterError(
            _("draws must be a whole number of at least 2, got {draws!r}").format(draws=draws)
        )
    if kpi is None:
        k = ds.kpis
        summed = k[k["aggregation"] == "sum"]
        if summed.empty:
            raise ReportParameterError(_("kpi: the data have no summed KPI to test"))
        money = summed[summed["unit"] == "currency"]
        return str((money if len(money) else summed)["kpi"].iloc[0])
    if kpi not in ds.kpi_names:
        raise ReportParameterError(
            _("kpi {kpi!r} is not in the data's KPIs {kpi_names}").format(
                kpi=kpi, kpi_names=ds.kpi_names
            )
        )
    return kpi


def response_models(elasticity: float | None = None) -> dict[str, Any]:
    """The response models compared, by name ("none" is the mechanical replay)."""
    return {
        "none": None,
        "elasticity": {"model": "elasticity"}
        if elasticity is None
        else {"model": "elasticity", "elasticity": elasticity},
        "effort": {"model": "effort"},
        "timing": dict(TIMING),
        "ratchet": dict(RATCHET),
        "effort + timing": [{"model": "effort"}, dict(TIMING)],
    }


#: The response models in words (the names stay code names in tables' data).
MODEL_WORDS = {
    "none": N_("none"),
    "elasticity": N_("elasticity"),
    "effort": N_("effort"),
    "timing": N_("timing"),
    "ratchet": N_("ratchet"),
    "effort + timing": N_("effort + timing"),
}


def model_words(model: str) -> str:
    """A response model's name in the language in force."""
    return _(MODEL_WORDS[model]) if model in MODEL_WORDS else model


def kpi_name(ds: Dataset, kpi: str) -> str:
    """A KPI as the page names it: its code in English, the data's label in Chinese."""
    if not i18n.is_chinese():
        return kpi
    k = ds.kpis.set_index("kpi")
    lab = k.loc[kpi, "label"] if "label" in k and kpi in k.index else None
    return lab if isinstance(lab, str) and lab else kpi


def response_effects(results: Mapping[str, Any], sales_kpi: str = "revenue") -> pd.DataFrame:
    """Each response model against the mechanical replay ("none"), draw by draw.

    Returns one row per model: ``revenue`` and ``cost`` (means over draws, currency),
    ``revenue_change`` and ``cost_change`` (mean of the per-draw ratio to "none", minus
    one: the same simulated years compared), ``cost_of_sales`` and ``share_at_quota``.
    """
    base = results["none"].per_draw
    rows = []
    for name, r in results.items():
        d = r.per_draw
        rows.append({
            "model": name,
            "revenue": float(d["revenue"].mean()),
            "revenue_change": float((d["revenue"] / base["revenue"] - 1).mean()),
            "cost": float(d["total_payout"].mean()),
            "cost_change": float((d["total_payout"] / base["total_payout"] - 1).mean()),
            "cost_of_sales": float(d["cost_of_sales"].mean()),
            "share_at_quota": float(d["share_at_quota"].mean()),
        })  # fmt: skip
    return pd.DataFrame(rows)


def effects_table(effects: pd.DataFrame, currency: str, sales_kpi: str,
                  sales_name: str | None = None) -> F.Table:  # fmt: skip
    """The response models' effects with headers in words (``sales_name``: the KPI as
    the page names it, default its code)."""
    shown = effects.assign(model=[model_words(m) for m in effects["model"]])
    kpi = sales_name or sales_kpi
    return F.table(
        shown,
        formats={"revenue": lambda v: F.money(v, currency), "cost": lambda v: F.money(v, currency),
                 "revenue_change": F.signed_pct, "cost_change": F.signed_pct,
                 "cost_of_sales": lambda v: F.pct(v, 2), "share_at_quota": lambda v: F.pct(v, 1)},
        names={"model": _("response model"), "revenue": kpi,
               "revenue_change": _("{kpi} vs no response").format(kpi=kpi),
               "cost": _("incentive cost"), "cost_change": _("cost vs no response"),
               "cost_of_sales": _("cash cost of sales"), "share_at_quota": _("share at quota")},
    )  # fmt: skip


def summary(effects: pd.DataFrame, plan_name: str, lift: Any, sales_kpi: str,
            sales_name: str | None = None) -> list[str]:  # fmt: skip
    """Three lines: the range of cost and sales effects over the response models, the
    quarter-end pattern in the history, and what the strengths rest on."""
    e = effects[effects["model"] != "none"]
    lo, hi = e["cost_change"].min(), e["cost_change"].max()
    rlo, rhi = e["revenue_change"].min(), e["revenue_change"].max()
    most = model_words(e.loc[e["cost_change"].abs().idxmax(), "model"])
    first = "**" + _(
        "How people respond moves {plan}'s incentive cost by {cost_low} to {cost_high} and "
        "{kpi} by {sales_low} to {sales_high} against a replay where nobody reacts (largest: "
        "{model})."
    ).format(plan=plan_name, cost_low=F.signed_pct(lo), cost_high=F.signed_pct(hi),
             kpi=sales_name or sales_kpi, sales_low=F.signed_pct(rlo),
             sales_high=F.signed_pct(rhi), model=most) + "**"  # fmt: skip
    second = _(
        "In the history the last month of a quarter sells {lift} against the first two (95% "
        "interval {low} to {high}): period-end timing a plan can feed."
    ).format(lift=F.signed_pct(np.expm1(lift.estimate), 0),
             low=F.signed_pct(np.expm1(lift.ci[0]), 0),
             high=F.signed_pct(np.expm1(lift.ci[1]), 0))  # fmt: skip
    third = _(
        "The response strengths are assumptions unless estimated from a plan change in the "
        "data (below): read the range, not one number."
    )
    return [first, second, third]


#: Estimates in words (the library's names are code names).
ESTIMATE_WORDS = {
    "quarter_end_lift": N_("quarter-end lift (log)"),
    "holdback_bunching": N_("results piled just under quota"),
    "did_effect": N_("plan-change effect (difference in differences, log)"),
    "did_pre_trend": N_("trend gap before the change"),
    "elasticity": N_("elasticity of sales to the pay rate"),
    "timing_pull_in_rate": N_("share of near-misses pulling a deal in"),
    "holdback_share": N_("share of sales beyond quota held back"),
    "target_up": N_("share of a beat added to next year's quota"),
    "target_down": N_("share of a miss taken off next year's quota"),
    "asymmetry": N_("beat share minus miss share"),
    "sigma_month": N_("month-to-month spread"),
    "sigma_company": N_("company-wide monthly shock spread"),
    "sigma_region": N_("regional monthly shock spread"),
    "sigma_rep": N_("spread of a rep's own year"),
    "rho_company": N_("persistence of company shocks"),
    "rho_region": N_("persistence of regional shocks"),
}


#: The units estimates are measured in, in words.
UNIT_WORDS = {"log points": N_("log points"), "log excess mass": N_("log excess mass"),
              "log difference per month": N_("log difference per month")}  # fmt: skip


def estimate_words(name: str) -> str:
    """An estimate's name in words: ``"revenue: sigma_month"`` -> "month-to-month spread
    (revenue)", ``"bunching_at_1"`` -> "results piled just above 100%"."""
    kpi, _sep, base = name.rpartition(": ")
    if base.startswith("bunching_at_"):
        try:
            words = _("results piled just above {point}").format(point=F.pct(float(base[12:])))
        except ValueError:
            words = base.replace("_", " ")
    else:
        words = _(ESTIMATE_WORDS[base]) if base in ESTIMATE_WORDS else base.replace("_", " ")
    return f"{words} ({kpi})" if kpi else words


def estimates_table(estimates: Sequence[Any], truth: Mapping[str, float] | None = None,
                    unit: bool = False) -> F.Table:  # fmt: skip
    """Estimates with their 95% intervals, human headers and, for generated data, the
    true value written into it."""
    f = bh.estimates_frame(list(estimates))
    cols = ["estimate", "value", "se", "ci_low", "ci_high", "n"] + (["unit"] if unit else [])
    f = f[cols]
    if truth is not None:
        f.insert(1, "true", [truth[e.name] for e in estimates])
    fm = {c: (lambda v: F.number(v, 4)) for c in ("value", "se", "ci_low", "ci_high", "true")}
    fm["n"] = F.number
    f["estimate"] = [estimate_words(str(n)) for n in f["estimate"]]
    if unit:
        f["unit"] = [_(UNIT_WORDS[u]) if u in UNIT_WORDS else u for u in f["unit"]]
    return F.table(f, formats=fm, names={"estimate": _("estimate"), "value": _("estimate value"),
                                          "true": _("true value"), "se": _("standard error"),
                                          "ci_low": _("95% low"), "ci_high": _("95% high"),
                                          "n": _("observations"), "unit": _("unit")},
                   missing_note=_("not estimable from these data"))  # fmt: skip


def recovery_check(reps: int, seed: int) -> F.Table:
    """Generate histories with known behaviour (half of those just short of quarterly
    quota pull a deal in; one position's sales +10% after a plan change; in a second
    history, 30% of sales beyond the annual quota held back) and estimate each: the
    table sets each estimate beside the true value."""
    from simlib.data.synthetic import POSITIONS, EmbeddedBehavior, generate

    truth = {"timing_pull_in_rate": 0.5, "holdback_share": 0.3, "did_effect": 0.1}
    # The generator's own position and calendar (36 months to 2026-12): the check does
    # not depend on the names or dates of the data this report is about.
    position = POSITIONS[0].code
    change = "2026-01"
    # Two histories: hold-back applied after a pull-in can undo it, which the pull-in
    # estimator would read as "did not pull in"; each behaviour is shown on its own.
    demo = generate(n_reps=reps, months=36, seed=seed,
                    behavior=EmbeddedBehavior(timing_share=1.0, timing_rate=0.5,
                                              plan_change=(position, change, 0.1)))  # fmt: skip
    hold = generate(n_reps=reps, months=36, seed=seed + 1,
                    behavior=EmbeddedBehavior(holdback=0.3))  # fmt: skip
    sales_kpi = "revenue"  # the generator's own sales-value KPI

    def series(d):
        x, p, r = bh.estimate.kpi_sales(d, sales_kpi)
        return x, bh.dense_targets(d, sales_kpi, p, r), p

    found = [
        bh.timing_pull_in_rate(*series(demo)),
        bh.holdback_share(*series(hold)),
        bh.did_effect_ds(demo, position, change, sales_kpi)["effect"],
    ]
    return estimates_table(found, truth=truth)


def estimate_line(est: Any) -> str:
    """One estimate in a sentence, in the language in force: its name in words, value,
    unit, standard error, 95% interval and observations, then its caveat (as written
    by the estimator)."""
    lo, hi = est.ci
    unit = _(UNIT_WORDS[est.unit]) if est.unit in UNIT_WORDS else est.unit
    head = _("{name}: {value} (s.e. {se}; 95% CI {low} to {high}; n = {n}).").format(
        name=estimate_words(est.name),
        value=f"{est.estimate:.4g}" + (f" {unit}" if unit else ""),
        se=f"{est.se:.3g}", low=f"{lo:.4g}", high=f"{hi:.4g}", n=F.number(est.n),
    )  # fmt: skip
    return f"{head} {est.caveat}" if est.caveat else head

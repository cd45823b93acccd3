"""Budget-neutral variants: a reform's payout levels scaled so its expected cost
equals the baseline's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from simlib.i18n import _
from simlib.plans.components import REGISTRY
from simlib.scenario.core import Scenario
from simlib.scenario.schema import ScenarioError


def scale_payouts(design: dict, factor: float) -> dict:
    """A copy of ``design`` whose payout levels are ``factor`` times as large.

    Scales the target incentive (the pay-mix variable share, a flat amount or
    the amounts by position), commission rates and tier rates, SPIF amounts,
    component caps and the plan cap in currency (``max_payout``) and the draw. Curve shapes, thresholds and caps in
    attainment stay as they are: a budget-neutral reform keeps its design and
    changes only how much each point pays.
    """
    if not factor > 0:
        raise ScenarioError(_("scale factor must be positive, got {factor}").format(factor=factor))
    d = copy.deepcopy(design)
    plan = d["plan"]
    ti = plan.get("target_incentive")
    if ti:
        if ti.get("pay_mix"):
            pm = ti["pay_mix"]
            # The target incentive is salary x variable / base; scale that ratio and
            # keep base + variable = 1 (the plan's rule).
            ratio = pm["variable"] / pm["base"] * factor
            pm["base"], pm["variable"] = 1.0 / (1.0 + ratio), ratio / (1.0 + ratio)
        if ti.get("amount") is not None:
            ti["amount"] = ti["amount"] * factor
        if ti.get("by_position"):
            ti["by_position"] = {k: v * factor for k, v in ti["by_position"].items()}
    for c in plan["components"]:
        kind = REGISTRY.get(c.get("type"))
        if kind is not None:  # an unknown type is the plan check's to report
            kind.scale_pay_levels(c, factor)
    if plan.get("max_payout") is not None:
        # The plan cap in currency is a payout level too; the multiple-of-target
        # cap (max_payout_multiple) follows the scaled target incentive by itself.
        plan["max_payout"] = plan["max_payout"] * factor
    if plan.get("draw"):
        plan["draw"]["amount"] = plan["draw"]["amount"] * factor
    return d


@dataclass(frozen=True)
class BudgetNeutral:
    """The budget-neutral variant of a reform.

    Attributes
    ----------
    scenario : Scenario
        The reform with payout levels scaled by ``factor``.
    factor : float
        Multiplier on payout levels (0.9 = every payout level 10% lower).
    cost : float
        Its expected total payout (currency), from the same draws as the baseline.
    target_cost : float
        The baseline's expected total payout.
    iterations : int
        Simulations run to find the factor.
    """

    scenario: Scenario
    factor: float
    cost: float
    target_cost: float
    iterations: int
    result: Any = None


def budget_neutral(
    reform: Scenario,
    target_cost: float,
    rtol: float = 0.002,
    max_iter: int = 8,
    draws: int | None = None,
    simulate_fn=None,
) -> BudgetNeutral:
    """Scale a reform's payout levels so its expected cost equals ``target_cost``.

    Each trial is a simulation with the reform's seed, so every trial sees the
    same random years as the baseline (common random numbers) and the cost is a
    smooth, increasing function of the factor. The root is found by the secant
    method from factor 1 and ``target / cost(1)``, which is exact in one step
    when every payout scales with the target incentive; caps in currency or
    draws make it non-linear and take a few more steps (Tax-Calculator users ask
    the same question: "what rate makes this reform revenue-neutral?", #1802).

    Parameters
    ----------
    reform : Scenario
        The reform to scale.
    target_cost : float
        The expected total payout to match (currency; the baseline's ``total_payout`` mean).
    rtol : float
        Stop when the cost is within this fraction of the target (0.002 = 0.2%).
    """
    from simlib.engine import simulate

    sim = simulate_fn or simulate
    if not target_cost > 0:
        raise ScenarioError(
            _("budget-neutral: target cost must be positive, got {cost}").format(cost=target_cost)
        )

    def run(factor: float):
        sc = Scenario(
            name=f"{reform.name} (budget-neutral)",
            design=scale_payouts(reform.design, factor),
            kind=reform.kind,
            base=reform.base,
            what=_("{what}; payout levels x{factor} to cost the same as the baseline").format(
                what=reform.what, factor=f"{factor:.3f}"
            ),
            why=reform.why,
            title=f"{reform.title} (budget-neutral)",
            changes=reform.changes,
            sources=reform.sources,
            file=reform.file,
            header=reform.header,
            batch=reform.batch,
            members=reform.members,
            scale_factor=factor,
        )
        kw = {"draws": draws} if draws else {}
        res = sim(sc, **kw)
        return sc, res, float(res.per_draw["total_payout"].mean())

    f0, (sc0, res0, c0) = 1.0, run(1.0)
    if not c0 > 0:
        raise ScenarioError(
            _("budget-neutral: {name!r} pays nothing; nothing to scale").format(name=reform.name)
        )
    best = (sc0, res0, c0, f0)
    f1 = target_cost / c0
    it = 1
    prev = (f0, c0)
    while it < max_iter:
        sc1, res1, c1 = run(f1)
        it += 1
        best = (sc1, res1, c1, f1)
        if abs(c1 - target_cost) <= rtol * target_cost:
            break
        (fp, cp) = prev
        slope = (c1 - cp) / (f1 - fp) if f1 != fp else c1 / f1
        prev = (f1, c1)
        f1 = f1 + (target_cost - c1) / slope if slope > 0 else f1 * target_cost / c1
    sc, res, cost, factor = best
    if abs(cost - target_cost) > rtol * target_cost:
        raise ScenarioError(
            _(
                "budget-neutral: no factor within {rtol:.1%} of the target after {n} simulations "
                "(last factor {factor:.4f}, cost {cost:,.0f} vs {target:,.0f})"
            ).format(rtol=rtol, n=it, factor=factor, cost=cost, target=target_cost)
        )
    res.provenance["budget_neutral_factor"] = factor
    return BudgetNeutral(sc, factor, cost, target_cost, it, res)

"""Incentive plans: every component a real pay-for-performance plan has, as data.

A plan is a dict or YAML file (see :mod:`simlib.plans.spec`) combining
components: quota bonus, commission (flat, tiered marginal or retroactive),
team, scorecard (performance coefficient 绩效系数), SPIF; each with gates,
modifiers, caps and clawbacks; plan-level caps, draws, proration and
year-to-date true-up.

>>> import simlib as sl
>>> plan = sl.plans.Plan.from_yaml("scenarios/plans/telecom_account_manager.yaml")  # doctest: +SKIP
>>> pay = plan.evaluate(ds.sales, ds.targets, ds.reps, ds=ds)                         # doctest: +SKIP
>>> print(plan.explain("R0001", "2026-03", ds.sales, ds.targets, ds=ds))              # doctest: +SKIP

Each component type is one module of :mod:`simlib.plans.components` (its keys,
checks, arithmetic, description and pay-statement steps), found by its ``type``
in :data:`simlib.plans.components.REGISTRY`.

Two layers: the tidy edge (:class:`Plan`: ``evaluate``, ``explain``,
``describe``) and the numpy core (:meth:`Plan.prepare` ->
:class:`PreparedPlan`, whose ``payout`` works on arrays of shape
``(..., reps, months)`` for the Monte Carlo engine).
"""

from simlib.plans.core import PlanPayout, PreparedPlan, Windows, commission_amount
from simlib.plans.curve import PayoutCurve
from simlib.plans.plan import PayStatement, Plan, PlanInputError, payout_totals
from simlib.plans.replay import (
    Replay,
    ReplaySummary,
    format_headline,
    headline_table,
    ote_summary,
    plot_payout_distribution,
    quartile_table,
    replay,
    replay_summary,
)
from simlib.plans.spec import PlanSpec

__all__ = [
    "PayStatement",
    "PayoutCurve",
    "Plan",
    "PlanInputError",
    "PlanPayout",
    "PlanSpec",
    "PreparedPlan",
    "Replay",
    "ReplaySummary",
    "Windows",
    "commission_amount",
    "format_headline",
    "headline_table",
    "ote_summary",
    "payout_totals",
    "plot_payout_distribution",
    "quartile_table",
    "replay",
    "replay_summary",
]

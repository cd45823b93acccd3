"""Behavioural response: how the sales force reacts to a plan, and what history says.

Replaying a new plan on last year's sales assumes nobody changes how they work,
which is the one thing a pay-for-performance plan is meant to change. This
package models the response (:mod:`simlib.behavior.models`) and estimates its
ingredients from history (:mod:`simlib.behavior.estimate`); the recovery checks
(:mod:`simlib.behavior.recovery`) show the estimators find known parameters.

Research behind the models (``docs/practice.md``):

* sales bunch at fiscal period ends under non-linear pay (Oyer 1998, QJE 113(1));
* accelerating commissions with quarterly deadlines lead to timed deals and
  discounts costing 6-8% of revenue (Larkin 2014, JOLE 32(2));
* threshold bonuses produce period-end "hockey sticks" (Sohoni et al. 2010, NRL);
* removing caps and a ratcheting quota raised revenue about 9% (Misra & Nair
  2011, QME);
* quotas ratchet asymmetrically, up more after a beat than down after a miss
  (Leone, Misra & Zimmerman), and expected ratcheting reverses effort responses
  (Management Science, doi 10.1287/mnsc.2017.2861);
* daily quotas help low performers but push high performers to low-ticket items
  (Chung, Narayandas & Chang, Management Science);
* the optimal linear commission under risk aversion ``r``, effort cost
  curvature ``c`` and noise variance ``sigma^2`` is ``1 / (1 + r c sigma^2)``
  (Holmstrom & Milgrom 1987), which the ``effort`` model reproduces.

Use from the engine, against the plan in force when the history was earned (the
baseline scenario's plan; simulating that plan itself then replays history)::

    sl.simulate(ds=ds, plan=reform, behavior_reference=plan_in_force,
                behavior=[{"model": "effort"},
                          {"model": "timing", "window": 1, "share": 0.3}])

or, in a scenario file, ``behavior: {models: [effort], reference_plan: plans/current.yaml}``.
"""

from __future__ import annotations

from simlib.behavior.effort import best_linear_rate, solve_effort
from simlib.behavior.estimate import (
    Estimate,
    annual_pairs,
    dense_targets,
    did_effect,
    did_effect_ds,
    did_event_study,
    estimates_frame,
    period_attainment,
    plan_rate_ratio,
    quarter_end_lift,
    quarter_end_lift_ds,
    ratchet_test_ds,
    target_revision,
    threshold_bunching,
    threshold_bunching_ds,
)
from simlib.behavior.models import (
    Bound,
    Composite,
    ResponseContext,
    bind,
    context_from_plan,
)
from simlib.behavior.panel import SalesPanelFit, fit_sales_panel, panel_components
from simlib.behavior.specs import (
    BehaviorError,
    BehaviorSpec,
    EffortSpec,
    ElasticitySpec,
    NoneSpec,
    RatchetSpec,
    TimingSpec,
    is_mechanical,
    parse_behavior,
)
from simlib.behavior.timing import holdback_share, timing_pull_in_rate

MODELS = ("none", "elasticity", "effort", "timing", "ratchet")

#: ``behavior.fit(ds)`` in the design's data flow: the panel model of rep sales.
fit = fit_sales_panel

__all__ = [
    "MODELS",
    "BehaviorError",
    "BehaviorSpec",
    "Bound",
    "Composite",
    "EffortSpec",
    "ElasticitySpec",
    "Estimate",
    "NoneSpec",
    "RatchetSpec",
    "ResponseContext",
    "SalesPanelFit",
    "TimingSpec",
    "annual_pairs",
    "best_linear_rate",
    "bind",
    "context_from_plan",
    "dense_targets",
    "did_effect",
    "did_effect_ds",
    "did_event_study",
    "estimates_frame",
    "holdback_share",
    "fit",
    "fit_sales_panel",
    "is_mechanical",
    "panel_components",
    "parse_behavior",
    "period_attainment",
    "plan_rate_ratio",
    "quarter_end_lift",
    "quarter_end_lift_ds",
    "ratchet_test_ds",
    "solve_effort",
    "target_revision",
    "threshold_bunching",
    "threshold_bunching_ds",
    "timing_pull_in_rate",
]

"""Scenario files: a baseline design, named reforms as deltas, and sweeps.

A scenario file is what an HR strategist writes to ask "what if": one
**baseline** (the data, how targets are set, the incentive plan, the appraisal
scheme, the outcomes, behaviour and simulation settings), then **reforms** that
state only what changes, and **sweeps** that expand a grid of values into named
scenarios. This follows the policy-microsimulation practice of OpenFisca and
Tax-Calculator (reforms are deltas on a baseline and can chain; every file says
what it changes and why) and PolicyEngine's lesson that a scenario is validated
in full *before* anything runs, that unknown keys are errors and that a reform
which changes nothing deserves a warning.

File layout::

    title: Account-manager plan review 2027
    author: Comp & Ben team
    what: Current plan against the proposed one, a team-weighted variant ...
    why: The current plan's threshold and cap sit outside practice ...
    batch: demo                      # folder name under reports/ (default: file stem)
    baseline:
      data: data/sample
      targets: {source: data}        # or {source: cascade, cascade: <spec>, company_growth: 0.05}
      plan: scenarios/plans/am_current.yaml      # a path or the plan inline
      appraisal: scenarios/appraisal/five_grade_forced.yaml
      outcomes: {merit: {...}, pip_floor: 0.7}
      behavior: null                 # passed to simulate(behavior=...) unchanged
      simulation: {draws: 500, seed: 1}
      report: {min_group: 5, show_individual_pay: false}
    reforms:
      proposed:
        what: The proposed plan
        why: ...
        changes: {plan: scenarios/plans/am_proposed.yaml}
      team_heavy:
        base: proposed               # chains: a delta on another reform
        what: 40% of target incentive on the branch result
        changes:
          plan.components[0].weight: 0.6
          plan.components[1].weight: 0.4
    sweeps:
      - name: cap
        base: proposed
        what: Where the accelerator stops
        grid:
          plan.components[0].curve[-1][0]: [1.4, 2.0, none]
    goals:                           # optional; default: the practice bands
      - {metric: budget_ratio, at_most: 1.0, priority: 1}
      - {metric: pay_performance, at_least: 0.8, priority: 2}
      - {metric: share_at_quota, between: [0.6, 0.7], priority: 3}

**Goals** say what leadership wants, in priority order: each names a metric of
:mod:`simlib.vocabulary`, exactly one of ``at_most``, ``at_least`` or ``between``
(rates as fractions) and a ``priority`` (1 first; all different). The reports rank
the designs against them (:mod:`simlib.decision`).

**Changes** are deep-merged into the base: a nested mapping changes only the
keys it names, anything else (a list, a number, a string) replaces the value.
A key written as a path (``plan.components[0].weight``; negative indices count
from the end) sets one value. A string given for ``plan``, ``appraisal``,
``targets.cascade`` or ``outcomes.merit`` is a file, read and inlined, so the
resolved scenario (what is hashed and stored) holds the rules themselves.

**Relative paths** (``data`` and the files above) are read relative to the
scenario file's own folder; when nothing is there, relative to the project root
(so files shipped in the repository work from any working directory). The
working directory is never used. Paths are made absolute once, when the file is
read, and notebooks receive absolute paths.

One rule is specific to payout curves, because it is what a cap sweep means:
setting the attainment of a curve's **last point** (``curve[-1][0]``) moves the
cap, the point where the curve stops rising. The last *rising* segment's slope
continues to the new cap (a flat tail after it, like ``[1.2, 1.4], [2.0, 1.4]``,
is dropped: its zero slope would make every cap pay the same); ``none`` removes
the cap (the slope continues to 10x quota, beyond any attainment the sample
produces). A reform whose edited curves pay exactly what they paid before is
warned about, like one that changes nothing.

A ``search:`` section (optional) turns the file into a design search that
``simlib design`` runs: the parameters to tune (paths as above, with bounds or
choices), the goals and the objective; see :mod:`simlib.scenario.search_spec`.

The scenario's :attr:`Scenario.hash` covers what the simulation reads: not the
report settings, not the data's path (the batch keys runs on the data's content
hash and :func:`simlib.code_version`).

The package: :mod:`~simlib.scenario.schema` (the file's keys and settings),
:mod:`~simlib.scenario.paths` (paths, the cap rule, merging and differences),
:mod:`~simlib.scenario.loader` (the files and dataset a scenario names),
:mod:`~simlib.scenario.core` (:class:`Scenario`), :mod:`~simlib.scenario.checks`
(the dry run against the data) and :mod:`~simlib.scenario.budget_neutral`. What a
file asks and what each design changes, in words and in the report language, is
:func:`simlib.topics.scenario_words.describe_scenario` (``simlib describe``).
"""

from simlib.scenario.budget_neutral import BudgetNeutral, budget_neutral, scale_payouts
from simlib.scenario.core import Scenario
from simlib.scenario.loader import (
    FileLoader,
    cached_dataset,
    grown_company_target,
    project_root,
    validate_design,
)
from simlib.scenario.paths import (
    COMPONENT_PATH,
    deep_merge,
    diff,
    fmt_value,
    get_path,
    is_none,
    parse_path,
    same_payout,
    set_path,
    short_label,
)
from simlib.scenario.schema import (
    BASELINE,
    FILE_FIELDS,
    NO_CAP_ATTAINMENT,
    Design,
    OutcomesSettings,
    ReformSpec,
    ReportSettings,
    ScenarioError,
    ScenarioFileSpec,
    ScenarioWarning,
    SimulationSettings,
    SweepSpec,
    TargetsSettings,
)

__all__ = [
    "BASELINE",
    "COMPONENT_PATH",
    "FILE_FIELDS",
    "NO_CAP_ATTAINMENT",
    "BudgetNeutral",
    "Design",
    "FileLoader",
    "OutcomesSettings",
    "ReformSpec",
    "ReportSettings",
    "Scenario",
    "ScenarioError",
    "ScenarioFileSpec",
    "ScenarioWarning",
    "SimulationSettings",
    "SweepSpec",
    "TargetsSettings",
    "budget_neutral",
    "cached_dataset",
    "deep_merge",
    "diff",
    "fmt_value",
    "get_path",
    "grown_company_target",
    "is_none",
    "parse_path",
    "project_root",
    "same_payout",
    "scale_payouts",
    "set_path",
    "short_label",
    "validate_design",
]

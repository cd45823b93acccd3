"""A synthetic telecom sales force, calibrated to published practitioner figures.

:func:`generate` builds a complete :class:`~simlib.data.Dataset` for a fictitious
mobile operator (星河移动): company -> regions -> branches (city subsidiaries) ->
teams -> reps, with monthly sales of three KPIs, the targets the company set,
territory potential and semi-annual competence assessments. The bundled sample in
``data/sample/`` is ``generate(n_reps=600, months=36, seed=7, end="2026-12")``,
written by ``python -m simlib.data.synthetic --out data/sample``.

Every modelling choice is a named constant in :mod:`simlib.data.synthetic.calibration`
with its source; :class:`Calibration` holds the knobs a user may turn. Figures come
from ``docs/practice.md`` (the project's digest of practitioner norms);
choices marked *assumption* are ours, made to be plausible, not taken from a source.

Calibration (targets, and what the bundled sample achieves: see ``data/sample/README.md``)
------------------------------------------------------------------------------------------
=============================  ===============================  ==============================
figure                         target band                      source
=============================  ===============================  ==============================
top 20% of reps' revenue share 0.55-0.65 ("just over 60%")      CSO Insights
annual rep turnover            about 14% (band 10-18%)           Alexander Group
new-hire ramp                  3-5 months to full productivity  Bridge Group
month shares of a quarter      about 25 / 30 / 45 %              Oyer (1998), QJE 113(1)
year-end lift                  Q4 above Q1                       Oyer (1998)
reps at or above annual quota  55-65 %                           CSO Insights; Alexander Group
mobile ARPU                    RMB 48.5 per month                China Mobile annual results 2024
regional market sizes          5G users East 428 m, Central     MIIT (Sept 2024)
                               232 m, West 256 m, NE 66 m
=============================  ===============================  ==============================

The model, in words
-------------------
*Seats and people.* ``n_reps`` is the number of sales **seats** (budgeted
headcount). Each seat is filled by a sequence of reps: an incumbent leaves with a
monthly hazard that is higher for weak performers and in the first year (so the
company-wide rate lands near the 14% norm), the seat stays vacant for 1-3 months,
and a replacement is hired on some day of a month and ramps linearly to full
productivity over 3-5 months. Hire and exit dates fall on any day of the month, so
the first and last months are part-months; sales rows exist exactly for the months
a rep is employed for at least one day. The reps table therefore holds somewhat more
people than seats (about ``n_reps * (1 + 0.14 * years)``).

*Productivity.* A rep's monthly volume is a product of: their ability (lognormal,
``exp(sigma * z)``), their position's scale, their region's market (richer coastal
regions sell more per rep; *assumption*), their team's territory, seasonality, a
market trend, an AR(1) company shock and an AR(1) region shock (common to everyone
in the company / region), a rep-year effect (a good or bad year), month-to-month
individual noise, their ramp and a mild experience curve, and the share of the month
they were employed. New customers are Poisson around that volume; revenue is the
24-month contract value of those customers at the position's ARPU (48.5 CNY a month times a
multiple: an enterprise account holds many lines) plus, for key-account managers,
revenue from the accounts they manage. High-value retention is the binomial share of
the rep's high-value customers kept in the month.

*Targets.* Each calendar year the company sets each rep's annual quota the way
operators do: prior-year actual times a growth rate; after a miss only half the
shortfall is forgiven (asymmetric ratchet, Leone, Misra & Zimmerman); reps without a
full, ramped prior year get their position-and-region peer median. Annual quotas are
calendarized with the seasonal profile and discounted during the standard 4-month
ramp and for part-months. High-value retention (a rate) gets the position's standard
(0.965-0.98 a month) instead.

*Competence.* In June and December each rep with at least 3 months' tenure is scored
1-5 by their manager on four items. Scores load on ability (so they correlate with
performance, negotiation most and teamwork least), rise slowly with tenure, and carry a
rater (team) leniency and noise: the things calibration in appraisal must cope with.

*Deliberately left out* (so that later modules can add them as effects to detect, not
as noise baked into the sample): gender has no effect on sales, pay or scores; reps do
not move between teams; grades are a snapshot at the end of the window (or at exit);
quotas do not react to the plan a rep is paid on. Known behaviour (quarter-end
pull-in, ratchet hold-back, a plan change for one position) can be embedded with
``generate(..., behavior=EmbeddedBehavior(...))``; it is off by default.

Randomness: one :class:`numpy.random.SeedSequence` per call, spawned into an
independent stream per model component. The same arguments give bit-identical data.
"""

from __future__ import annotations

from simlib.data.synthetic._behavior import EmbeddedBehavior
from simlib.data.synthetic._cli import main
from simlib.data.synthetic._core import generate
from simlib.data.synthetic._org import chinese_numeral
from simlib.data.synthetic._readme import sample_readme
from simlib.data.synthetic.calibration import (
    ARPU_CNY,
    COMPETENCE_ITEMS,
    COMPETENCE_LOADING,
    CREDIT_MONTHS,
    KPIS,
    MONTH_IN_QUARTER_SHARE,
    POSITIONS,
    QUARTER_WEIGHT,
    REGIONS,
    Calibration,
    PositionSpec,
    RegionSpec,
)

__all__ = [
    "ARPU_CNY",
    "COMPETENCE_ITEMS",
    "COMPETENCE_LOADING",
    "CREDIT_MONTHS",
    "KPIS",
    "MONTH_IN_QUARTER_SHARE",
    "POSITIONS",
    "QUARTER_WEIGHT",
    "REGIONS",
    "Calibration",
    "EmbeddedBehavior",
    "PositionSpec",
    "RegionSpec",
    "chinese_numeral",
    "generate",
    "main",
    "sample_readme",
]

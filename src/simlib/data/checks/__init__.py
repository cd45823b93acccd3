"""Data checks: is the history complete and plausible enough for the numbers built on it?

A dataset can pass :func:`simlib.data.validate.validate_tables` (every cell of the
right type, every key known) and still turn results wrong: a last year that ends in
July taken for a whole year, an employed rep's missing months read as zero sales, a
rep who sold nothing on record, a target of 0, a value a thousand times anything
else. :func:`check_dataset` looks for each and returns :class:`Finding` objects that
say what was found, where (counted by unit) and what simlib does about it. They are
printed by ``simlib validate``, raised as :class:`DataCheckWarning` by every run,
stored with each simulation result (``result.provenance["caveats"]``) and shown at
the top of the scenario and comparison reports (:func:`caveats_block`).

The checks and their defaults (``docs/data-checks.md`` has the long form); a
scenario's ``data_checks:`` block (:class:`DataChecksSettings`) turns any warning
into an error:

``partial_year`` (default ``annualize``)
    The last calendar year of data has fewer than 12 months. Anything that needs
    "last year" (the company target grown from last year, the proposal's
    ``last_year_actual``, the cascade's guardrail bands of units) annualizes it by
    the **seasonal profile** of the full years before it: the months on record are
    divided by the share of a year those calendar months carried on average
    (:func:`seasonal_shares`, :func:`annualize`). ``refuse`` stops instead.
``missing_months`` (default ``warn``)
    Months in which a rep was employed but has no sales row. **Missing is not
    zero.** Rule: such a month is treated as a month without data, not a month
    without sales: when a plan is paid on history its target is left out along with
    the (absent) actual, so attainment is measured on the months the rep has
    (:func:`exclude_missing_months`); the sales model's levels, seasonality and
    growth are averages over months with data. The target incentive is not cut:
    the rep was employed and paid, only the record is missing. Why this rule:
    reading the gap as zero sales pays a rep nothing for an export fault;
    imputing a value invents sales; measuring on the months observed is the
    rep's own rate on the evidence there is, and for a higher-is-better KPI it
    never lowers attainment compared with reading the gap as zero.
``no_sales`` (default ``warn``)
    Reps employed during the data's months with no sales row at all. They are kept
    (never dropped): the simulation gives them the median level of their position.
``zero_targets`` (default ``warn``)
    Reps employed in the plan year whose annual target on a KPI is 0 or missing.
    They stay in company revenue (their sales are still simulated) and earn nothing
    on components that measure attainment on that KPI ("no target"). A rep with no
    target on any KPI is not part of the plan year's population and is not
    simulated: the finding says so, and a target of 0 keeps them in.
``implausible_values`` (default ``warn``)
    Sales values more than :data:`OUTLIER_FACTOR` times both the rep's own median
    month and the KPI's 99th percentile over all reps (a unit slip, a typo).
    Values of ``MAX_AMOUNT`` (1e15) or more are refused by validation outright.
``attainment_spread`` (default ``warn``)
    A target cascade whose rep targets imply attainments (last year's run rate /
    new target) outside :data:`SPREAD_BAND` for some reps: some quotas are more
    than twice as hard, or less than half as hard, as the rep's own history.

The package: :mod:`~simlib.data.checks.findings` (findings, rules, the caveats
block), :mod:`~simlib.data.checks.coverage` (partial years, missing months) and
:mod:`~simlib.data.checks.plausibility` (reps without sales, targets, values,
cascade spreads); every public name is importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from simlib import i18n
from simlib.data.checks.coverage import (
    LastYear,
    annualize,
    check_missing_months,
    check_partial_year,
    exclude_missing_months,
    full_years,
    last_year_actual,
    missing_months,
    seasonal_shares,
    year_months,
    year_profile,
)
from simlib.data.checks.findings import (
    CHECKS,
    MAX_LISTED,
    DataCheckError,
    DataChecks,
    DataChecksSettings,
    DataCheckWarning,
    Finding,
    caveats_block,
    caveats_of,
    parse_settings,
)
from simlib.data.checks.plausibility import (
    OUTLIER_FACTOR,
    SPREAD_BAND,
    check_attainment_spread,
    check_implausible_values,
    check_no_sales,
    check_zero_targets,
    implausible_values,
    implied_attainment,
    target_year,
)
from simlib.data.dataset import Dataset

__all__ = [
    "CHECKS",
    "MAX_LISTED",
    "OUTLIER_FACTOR",
    "SPREAD_BAND",
    "DataCheckError",
    "DataCheckWarning",
    "DataChecks",
    "DataChecksSettings",
    "Finding",
    "LastYear",
    "annualize",
    "caveats_block",
    "caveats_of",
    "check_attainment_spread",
    "check_dataset",
    "check_implausible_values",
    "check_missing_months",
    "check_no_sales",
    "check_partial_year",
    "check_zero_targets",
    "exclude_missing_months",
    "full_years",
    "implausible_values",
    "implied_attainment",
    "last_year_actual",
    "missing_months",
    "parse_settings",
    "seasonal_shares",
    "target_year",
    "year_months",
    "year_profile",
]


# ------------------------------------------------------------------ all of it
def check_dataset(
    ds: Dataset,
    targets: pd.DataFrame | None = None,
    year: int | None = None,
    settings: DataChecksSettings | Mapping[str, Any] | None = None,
) -> DataChecks:
    """Run every data check on ``ds`` (the cascade's spread is :func:`check_attainment_spread`).

    Parameters
    ----------
    ds : Dataset
    targets : pandas.DataFrame, optional
        Rep-level targets of the plan year (default ``ds.targets``), for
        ``zero_targets``.
    year : int, optional
        The plan year (default the last year with targets).
    settings : DataChecksSettings or mapping, optional
        The scenario's ``data_checks`` rules (default: every check warns, a partial
        year is annualized).

    Returns
    -------
    DataChecks
        The findings; ``.raise_errors()`` raises for those a rule made errors,
        ``.emit()`` warns about the rest. Cached on the dataset per arguments.
    """
    settings = parse_settings(settings)
    tg = ds.targets if targets is None else targets
    key = (
        "_data_checks",
        i18n.current(),  # findings are worded in the language in force
        settings.model_dump_json(),
        year,
        None if targets is None else pd.util.hash_pandas_object(targets, index=False).sum(),
    )

    def build() -> DataChecks:
        found: list[Finding] = []
        found += check_partial_year(ds, settings=settings)
        found += check_missing_months(ds, settings)
        found += check_no_sales(ds, settings)
        found += check_zero_targets(ds, tg, year, settings)
        found += check_implausible_values(ds, settings)
        return DataChecks(tuple(found), settings)

    return ds.derived(key, build)

"""The generator itself: volumes, sales, targets, reps, competence and potential."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.data.synthetic._behavior import EmbeddedBehavior, apply_timing_and_holdback
from simlib.data.synthetic._org import SyntheticOrg, build_org
from simlib.data.synthetic._staff import NO_EXIT, Staff, simulate_staff
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
    RegionSpec,
)
from simlib.i18n import _

_EPOCH = np.datetime64("1970-01-01", "D")


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], sd: float, rho: float) -> np.ndarray:
    """AR(1) paths along the last axis, stationary with marginal sd ``sd``."""
    eps = rng.normal(0.0, sd * np.sqrt(1 - rho**2), size=shape)
    out = np.empty(shape)
    out[..., 0] = rng.normal(0.0, sd, size=shape[:-1])
    for t in range(1, shape[-1]):  # over months, vectorized over series
        out[..., t] = rho * out[..., t - 1] + eps[..., t]
    return out


def _season(months_of_year: np.ndarray) -> np.ndarray:
    """Seasonal factor of each calendar month (1..12), averaging 1 over a year."""
    q = (months_of_year - 1) // 3
    m = (months_of_year - 1) % 3
    f = np.asarray(QUARTER_WEIGHT)[q] * np.asarray(MONTH_IN_QUARTER_SHARE)[m] * 3.0
    return f / (np.asarray(QUARTER_WEIGHT).mean())


# --------------------------------------------------------------------------------------
# Sales, targets, competence
# --------------------------------------------------------------------------------------


def _day_to_month(days: np.ndarray) -> np.ndarray:
    """Month ordinal (months since 1970-01, as pandas Period[M] ordinals) of each day."""
    return (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)


def _cells(staff: Staff, m0: int, n_months: int) -> tuple[np.ndarray, np.ndarray]:
    """(rep, month) index pairs for every month each rep is employed at least one day."""
    first = np.maximum(_day_to_month(staff.hire) - m0, 0)
    ex = np.where(staff.exit == NO_EXIT, 0, staff.exit)
    last = np.where(staff.exit == NO_EXIT, n_months - 1, _day_to_month(ex) - m0)
    last = np.minimum(last, n_months - 1)
    count = np.maximum(last - first + 1, 0)
    rep = np.repeat(np.arange(len(first)), count)
    offset = np.cumsum(count) - count
    t = first[rep] + (np.arange(len(rep)) - offset[rep])
    return rep, t


def _peer_median(
    values: np.ndarray, ok: np.ndarray, pos: np.ndarray, region: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Median of ``values`` among ``ok`` reps of the same position and region.

    Falls back to the position's median across regions scaled by the region's
    productivity, then to ``fallback`` (the model's expectation) for a position with
    no established rep at all (only in very small datasets). Returns an array
    indexed by [position, region].
    """
    n_pos, n_reg = len(POSITIONS), int(region.max()) + 1
    group = (pos * n_reg + region)[ok]
    v = values[ok]
    order = np.lexsort((v, group))  # by group, then value: each group's values sorted
    v, group = v[order], group[order]
    n = np.bincount(group, minlength=n_pos * n_reg)
    start = np.cumsum(n) - n
    has = n > 0
    lo = start + (n - 1) // 2  # the middle value, or the lower of the two middle ones
    hi = start + n // 2
    out = np.full(n_pos * n_reg, np.nan)
    out[has] = (v[lo[has]] + v[hi[has]]) / 2  # as numpy's median: the two middle ones' mean
    out = out.reshape(n_pos, n_reg)
    return np.where(np.isnan(out), fallback, out)


def generate(
    n_reps: int = 600,
    months: int = 36,
    seed: int = 7,
    end: str = "2026-12",
    n_regions: int = 5,
    calibration: Calibration | None = None,
    behavior: EmbeddedBehavior | None = None,
) -> Dataset:
    """A synthetic telecom sales force with monthly sales, targets, potential and competence.

    Parameters
    ----------
    n_reps : int
        Sales seats (budgeted headcount), at least 10 per region. With turnover the
        ``reps`` table holds more people than this: leavers and their replacements.
    months : int
        Months of sales history, ending with ``end``.
    seed : int
        Seed for the one :class:`numpy.random.SeedSequence`; the same arguments give
        bit-identical data.
    end : str
        The last month, ``"YYYY-MM"``.
    n_regions : int
        1 to 5 regions, largest markets first (East, West, Central, South, North-East).
    calibration : Calibration, optional
        Model knobs; the defaults reproduce the bundled sample.
    behavior : EmbeddedBehavior, optional
        Known behaviour to embed (quarter-end pull-in, ratchet hold-back, a plan
        change for one position), so :mod:`simlib.behavior` estimators have
        something to find. Off by default.

    Returns
    -------
    Dataset
        Tables ``kpis``, ``units``, ``reps``, ``sales``, ``potential`` (team-level
        annual addressable market for revenue, CNY, and new customers), ``targets``
        (rep-level monthly quotas for every KPI) and ``competence`` (1-5 manager
        scores in June and December).

    Examples
    --------
    >>> from simlib.data.synthetic import generate
    >>> ds = generate(n_reps=60, months=12, seed=1)
    >>> ds.kpi_names
    ['revenue', 'new_customers', 'hv_retention']
    >>> len(ds.periods)
    12
    """
    cal = calibration or Calibration()
    _check_arguments(n_reps, months, end, n_regions)
    last = pd.Period(end, freq="M")

    regions = REGIONS[:n_regions]
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    rng_org, rng_staff, rng_shock, rng_sales, rng_ret, rng_tgt, rng_comp, rng_rep = streams

    # Simulated months: from January of the year before the first reported month, so
    # the first reported year has a full prior year to set its quotas from.
    first_out = last - (months - 1)
    sim_first = pd.Period(year=first_out.year - 1, month=1, freq="M")
    sim = pd.period_range(sim_first, last, freq="M")
    n_t = len(sim)
    warm = n_t - months
    m0 = int(sim_first.ordinal)
    month_start = (sim.start_time.to_numpy().astype("datetime64[D]") - _EPOCH).astype(np.int64)
    month_days = sim.days_in_month.to_numpy().astype(np.int64)
    moy = sim.month.to_numpy()
    year_of_t = sim.year.to_numpy()
    years = np.unique(year_of_t)
    yidx_t = year_of_t - years[0]

    org = build_org(n_reps, regions, rng_org, cal)
    staff = simulate_staff(n_reps, month_start, month_days, rng_staff, cal)
    n_all = len(staff.seat)
    pos = org.seat_position[staff.seat]
    reg = org.seat_region[staff.seat]
    team = org.seat_team[staff.seat]

    # Common shocks (log scale): company and region, AR(1) month to month.
    comp_shock = _ar1(rng_shock, (n_t,), cal.company_shock_sd, cal.shock_persistence)
    reg_shock = _ar1(rng_shock, (n_regions, n_t), cal.region_shock_sd, cal.shock_persistence)
    rep_year = rng_rep.normal(0.0, cal.rep_year_sd, (n_all, len(years)))

    # ---- the volume index of every employed rep-month
    rep, t = _cells(staff, m0, n_t)
    hire_m = _day_to_month(staff.hire) - m0
    mend = month_start + month_days - 1
    days_in = np.minimum(staff.exit[rep], mend[t]) - np.maximum(staff.hire[rep], month_start[t])
    frac = (days_in + 1) / month_days[t]
    k = t - hire_m[rep]
    ramp = np.minimum(1.0, (k + 1) / (staff.ramp[rep] + 1))
    tenure_y = np.maximum(month_start[t] + 15 - staff.hire[rep], 0) / 365.25
    experience = 1 + cal.experience_gain * (1 - np.exp(-tenure_y / 3))
    season = _season(moy)
    trend = (1 + cal.market_growth) ** ((np.arange(n_t) - warm) / 12)
    region_prod = np.array([r.productivity for r in regions])
    log_idx = (
        cal.ability_sigma * staff.z[rep]
        + np.log(region_prod[reg[rep]])
        + org.team_territory[team[rep]]
        + np.log(season[t] * trend[t])
        + comp_shock[t]
        + reg_shock[reg[rep], t]
        + rep_year[rep, yidx_t[t]]
        + rng_sales.normal(0.0, cal.rep_month_sd, len(rep))
    )
    idx = np.exp(log_idx) * ramp * experience * frac
    if behavior is not None and behavior.plan_change is not None:
        code, month, uplift = behavior.plan_change
        codes = [p.code for p in POSITIONS]
        if code not in codes:
            raise ValueError(
                _("behavior.plan_change: position must be one of {codes}, got {code!r}").format(
                    codes=codes, code=code
                )
            )
        start = int(pd.Period(month, freq="M").ordinal) - m0
        hit = (pos[rep] == codes.index(code)) & (t >= start)
        idx = np.where(hit, idx * np.exp(float(uplift)), idx)

    cp = pos[rep]
    p_customers, p_value, p_account, actual = _kpi_values(
        cp, idx, ramp, staff, reg, rep, t, reg_shock, rng_sales, rng_ret
    )

    # ---- targets, year by year (vectorized over reps)
    targets = _set_targets(
        staff, rep, t, frac, actual, pos, reg, regions, cal, month_start, years, yidx_t,
        moy, hire_m, p_customers, p_value, p_account,
    )  # fmt: skip
    if behavior is not None and behavior.moves_sales:
        actual, targets = _with_moves(
            behavior, seed, actual, targets, actual["revenue"], staff, rep, t, frac, pos, reg,
            regions, cal, month_start, years, yidx_t, moy, year_of_t, hire_m, p_customers,
            p_value, p_account, n_all, n_t,
        )  # fmt: skip

    return _output(
        staff, org, pos, reg, regions, rep, t, warm, m0, month_start, moy, tenure_y, actual,
        targets, p_customers, p_value, p_account, cal, months, rng_org, rng_comp,
        f"synthetic(n_reps={n_reps}, months={months}, seed={seed}, end={end}, "
        f"n_regions={n_regions})",
    )  # fmt: skip


def _check_arguments(n_reps: int, months: int, end: str, n_regions: int) -> None:
    """Refuse arguments the generator cannot honour, naming the bound."""
    if not 1 <= n_regions <= len(REGIONS):
        raise ValueError(
            _("n_regions must be between 1 and {most}, got {n}").format(
                most=len(REGIONS), n=n_regions
            )
        )
    if n_reps < 10 * n_regions:
        raise ValueError(
            _(
                "n_reps must be at least 10 per region ({least} for {regions} regions), got {n}"
            ).format(least=10 * n_regions, regions=n_regions, n=n_reps)
        )
    if months < 1:
        raise ValueError(_("months must be at least 1, got {n}").format(n=months))
    # Strict: pandas would read "December" as December of the current year.
    if not (isinstance(end, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end)):
        raise ValueError(_("end must be a month like '2026-12', got {end!r}").format(end=end))


def _kpi_values(
    cp: np.ndarray,
    idx: np.ndarray,
    ramp: np.ndarray,
    staff: Any,
    reg: np.ndarray,
    rep: np.ndarray,
    t: np.ndarray,
    reg_shock: np.ndarray,
    rng_sales: np.random.Generator,
    rng_ret: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Each rep-month's new customers, revenue and high-value retention from its volume index."""
    p_customers = np.array([p.customers for p in POSITIONS])
    p_value = np.array([ARPU_CNY * p.arpu_multiple * CREDIT_MONTHS for p in POSITIONS])
    p_account = np.array([p.account_revenue for p in POSITIONS])
    new_customers = rng_sales.poisson(p_customers[cp] * idx).astype(float)
    revenue = new_customers * p_value[cp] * np.exp(rng_sales.normal(0.0, 0.1, len(rep)))
    revenue += p_account[cp] * idx * np.exp(rng_sales.normal(0.0, 0.1, len(rep)))
    revenue = np.round(revenue)

    # High-value retention: binomial share of the rep's high-value customers kept.
    hv_base = np.array([p.hv_base for p in POSITIONS])
    hv_keep = np.array([p.hv_keep for p in POSITIONS])
    logit = (
        np.log(hv_keep[cp] / (1 - hv_keep[cp]))
        + 0.3 * staff.z[rep]
        + 0.6 * (ramp - 1)  # a new hire inherits customers they do not know yet
        + 3.0 * reg_shock[reg[rep], t]
        + rng_ret.normal(0.0, 0.3, len(rep))
    )
    kept = rng_ret.binomial(hv_base[cp], 1 / (1 + np.exp(-logit)))
    hv_retention = np.round(kept / hv_base[cp], 4)
    actual = {"revenue": revenue, "new_customers": new_customers, "hv_retention": hv_retention}
    return p_customers, p_value, p_account, actual


def _with_moves(
    behavior, seed, actual, targets, revenue, staff, rep, t, frac, pos, reg, regions, cal,
    month_start, years, yidx_t, moy, year_of_t, hire_m, p_customers, p_value, p_account,
    n_all, n_t,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:  # fmt: skip
    """Revenue moved by quarter-end pull-in and ratchet hold-back, and the quotas set on it."""
    # Quotas follow last year's (moved) actuals and the moves follow the quotas:
    # iterate to the fixed point, one pass per year of history settles it.
    mechanical = revenue
    # Who of those able to pull in does: own stream, drawn only when asked for,
    # so every other option's data stay bit-identical.
    u = (
        np.random.default_rng(np.random.SeedSequence(seed).spawn(9)[8]).random((n_all, n_t))
        if behavior.timing_rate < 1
        else None
    )
    for _year in range(len(years)):
        moved = apply_timing_and_holdback(
            mechanical, targets["revenue"], rep, t, moy, year_of_t, n_all, n_t, behavior, u
        )
        actual = {**actual, "revenue": moved}
        targets = _set_targets(
            staff, rep, t, frac, actual, pos, reg, regions, cal, month_start, years,
            yidx_t, moy, hire_m, p_customers, p_value, p_account,
        )  # fmt: skip
    actual = {
        **actual,
        "revenue": apply_timing_and_holdback(
            mechanical, targets["revenue"], rep, t, moy, year_of_t, n_all, n_t, behavior, u
        ),
    }
    return actual, targets


def _output(
    staff, org, pos, reg, regions, rep, t, warm, m0, month_start, moy, tenure_y, actual,
    targets, p_customers, p_value, p_account, cal, months, rng_org, rng_comp, source,
) -> Dataset:  # fmt: skip
    """The reported tables (reps employed at some point in the output window), typed and
    checked like data loaded from files."""
    # ---- what is reported: reps employed at some point in the output window
    out_cell = t >= warm
    n_all = len(staff.seat)
    team = org.seat_team[staff.seat]
    keep_rep = np.zeros(n_all, dtype=bool)
    keep_rep[rep[out_cell]] = True
    rep_new = np.cumsum(keep_rep) - 1
    n_out = int(keep_rep.sum())
    width = max(5, len(str(n_out)))
    rep_ids = np.array([f"S{i:0{width}d}" for i in range(1, n_out + 1)], dtype=object)

    reps = _reps_table(staff, keep_rep, rep_ids, org, pos, reg, regions, rng_org, month_start[-1])
    kpis = KPIS.copy()
    cell_rep = rep_new[rep[out_cell]]  # codes into rep_ids
    cell_period = t[out_cell] + m0
    sales = _long(
        rep_ids, cell_rep, cell_period, kpis["kpi"], [actual[x][out_cell] for x in kpis["kpi"]]
    )
    tgt = _long(
        rep_ids,
        cell_rep,
        cell_period,
        kpis["kpi"],
        [targets[x][out_cell] for x in kpis["kpi"]],
        value="target",
        id_col="rep_id",
    )
    competence = _competence(
        staff, rep, t, out_cell, moy, tenure_y, org, team, rep_ids, rep_new, m0, rng_comp
    )
    potential = _potential(
        org, regions, kpis, p_customers, p_value, p_account, cal, rng_org, (months - 6.5) / 12
    )
    # The same typing and checks as data loaded from files, so a generated dataset
    # and the same dataset saved and loaded again are equal (and hash equal).
    from simlib.data.validate import validate_tables
    from simlib.errors import DataValidationError

    raw = {
        "kpis": kpis,
        "units": org.units,
        "reps": reps,
        "sales": sales,
        "potential": potential,
        "targets": tgt,
        "competence": competence,
    }
    typed, problems = validate_tables(raw)
    if problems:  # a bug in the generator, not in anyone's input
        raise DataValidationError(problems, "the synthetic generator's output")
    return Dataset(**typed, source=source)


def _str_take(
    labels: np.ndarray, codes: np.ndarray, repeat: int = 1
) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` (each repeated ``repeat`` times) as a pandas ``str`` array.

    Built in Arrow: for 10 million rows this is several times faster than converting
    a numpy object array of Python strings.
    """
    import pyarrow as pa

    if repeat > 1:
        codes = np.repeat(codes, repeat)
    arr = pa.array(np.asarray(labels, dtype=object), type=pa.large_string()).take(pa.array(codes))
    return pd.array(arr, dtype="str")


def _long(
    rep_ids: np.ndarray,
    rep_code: np.ndarray,
    period_ordinal: np.ndarray,
    kpi_names: pd.Series,
    values: list[np.ndarray],
    value: str = "value",
    id_col: str = "rep_id",
) -> pd.DataFrame:
    """Tidy (rep, period, kpi) rows, KPIs interleaved in the kpis table's order."""
    n, k = len(rep_code), len(values)
    names = np.asarray(kpi_names, dtype=object)
    return pd.DataFrame(
        {
            id_col: _str_take(rep_ids, rep_code, repeat=k),
            "period": pd.arrays.PeriodArray(np.repeat(period_ordinal, k), dtype="period[M]"),
            "kpi": _str_take(names, np.tile(np.arange(k), n)),
            value: np.column_stack(values).ravel() if n else np.empty(0),
        }
    )


_DECIMALS = {"currency": 0, "count": 1, "rate": 4}


def _set_targets(
    staff: Staff,
    rep: np.ndarray,
    t: np.ndarray,
    frac: np.ndarray,
    actual: dict[str, np.ndarray],
    pos: np.ndarray,
    reg: np.ndarray,
    regions: Sequence[RegionSpec],
    cal: Calibration,
    month_start: np.ndarray,
    years: np.ndarray,
    yidx_t: np.ndarray,
    moy: np.ndarray,
    hire_m: np.ndarray,
    p_customers: np.ndarray,
    p_value: np.ndarray,
    p_account: np.ndarray,
) -> dict[str, np.ndarray]:
    """Monthly quotas per employed rep-month, set the way operators set them.

    For each calendar year after the first simulated one: an established rep (employed
    all of last year and past the standard ramp when it began) gets last year's actual
    times ``1 + target_growth``; after a miss, only ``shortfall_forgiven`` of the gap
    between last year's quota and actual is taken off (asymmetric ratchet: Leone,
    Misra & Zimmerman). Everyone else gets the median of established peers in the same
    position and region. Annual quotas are spread over months by the seasonal profile,
    discounted during the standard ramp and prorated for part-months. Rates (``mean``
    KPIs) get the position's standard instead.
    """
    n_all, n_y = len(staff.seat), len(years)
    cell_y = yidx_t[t]
    key = rep * n_y + cell_y
    jan = 12 * np.arange(n_y)  # the simulation starts in a January
    jan1 = month_start[jan]
    dec31 = np.append(month_start[jan[1:]] - 1, NO_EXIT)  # the last year may be partial
    full_year = (staff.hire[:, None] <= jan1[None, :]) & (staff.exit[:, None] >= dec31[None, :])
    ramped = (hire_m[:, None] + cal.standard_ramp) <= jan[None, :]
    established = full_year & ramped
    season_share = _season(moy) / 12.0
    ramp_std = np.minimum(1.0, (t - hire_m[rep] + 1) / (cal.standard_ramp + 1))
    region_prod = np.array([r.productivity for r in regions])
    expected = {  # the model's own expectation: only for positions with no peers at all
        "revenue": (p_customers * p_value + p_account)[:, None] * region_prod[None, :] * 12,
        "new_customers": p_customers[:, None] * region_prod[None, :] * 12,
    }
    standards = {"hv_retention": np.array([p.hv_standard for p in POSITIONS])}
    g = cal.target_growth
    out: dict[str, np.ndarray] = {}
    for row in KPIS.itertuples():
        name = row.kpi
        monthly = np.full(len(rep), np.nan)
        if row.aggregation == "mean":
            monthly[cell_y >= 1] = standards[name][pos[rep[cell_y >= 1]]]
            out[name] = monthly
            continue
        annual = np.bincount(key, weights=actual[name], minlength=n_all * n_y).reshape(n_all, n_y)
        assigned = np.full((n_all, n_y), np.nan)
        for y in range(1, n_y):  # a few years; each step is vectorized over reps
            a_prev, s_prev = annual[:, y - 1], assigned[:, y - 1]
            est = established[:, y]
            peer = _peer_median(a_prev, established[:, y - 1] & full_year[:, y - 1], pos, reg,
                                expected[name])  # fmt: skip
            ratchet = np.where(
                np.isnan(s_prev) | (a_prev >= s_prev),
                a_prev,
                a_prev + cal.shortfall_forgiven * (s_prev - a_prev),
            )
            level = np.where(est, ratchet, peer[pos, reg]) * (1 + g)
            cells = cell_y == y
            m = level[rep[cells]] * season_share[t[cells]] * ramp_std[cells] * frac[cells]
            monthly[cells] = m
            assigned[:, y] = np.where(
                full_year[:, y],
                np.bincount(rep[cells], weights=m, minlength=n_all),
                np.nan,
            )
        out[name] = np.round(monthly, _DECIMALS[row.unit])
    return out


def _reps_table(
    staff: Staff,
    keep: np.ndarray,
    rep_ids: np.ndarray,
    org: SyntheticOrg,
    pos: np.ndarray,
    reg: np.ndarray,
    regions: Sequence[RegionSpec],
    rng: np.random.Generator,
    last_month_start: int,
) -> pd.DataFrame:
    """One row per reported rep: unit, position, dates, pay, grade, gender."""
    n = len(staff.seat)
    window_end = last_month_start + 31
    ref = np.minimum(staff.exit, window_end)
    tenure = (ref - staff.hire) / 365.25
    # Grade within the position's three: tenure and ability move people up.
    score = tenure / 4 + 0.3 * staff.z + rng.normal(0.0, 0.3, n)
    g = np.digitize(score, [0.75, 1.75])
    base = np.array([p.base_salary for p in POSITIONS])[pos]
    pay = np.array([r.pay for r in regions])[reg]
    salary = np.round(base * 1.15**g * pay * np.exp(rng.normal(0.0, 0.05, n)), -2)
    grades = np.array([p.grades for p in POSITIONS], dtype=object)[pos, g]
    female = rng.random(n) < np.array([p.female_share for p in POSITIONS])[pos]
    codes = np.array([p.code for p in POSITIONS], dtype=object)
    exit_day = np.where(staff.exit == NO_EXIT, 0, staff.exit)
    exit_date = (_EPOCH + exit_day.astype("timedelta64[D]")).astype("datetime64[ns]")
    exit_date[staff.exit == NO_EXIT] = np.datetime64("NaT")
    hire_date = (_EPOCH + staff.hire.astype("timedelta64[D]")).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "rep_id": pd.array(rep_ids, dtype="str"),
            "unit_id": pd.array(org.team_ids[org.seat_team[staff.seat]][keep], dtype="str"),
            "position": pd.array(codes[pos][keep], dtype="str"),
            "hire_date": hire_date[keep],
            "exit_date": exit_date[keep],
            "base_salary": salary[keep],
            "grade": pd.array(grades[keep], dtype="str"),
            "gender": pd.array(np.where(female, "F", "M")[keep], dtype="str"),
        }
    )


def _competence(
    staff: Staff,
    rep: np.ndarray,
    t: np.ndarray,
    out_cell: np.ndarray,
    moy: np.ndarray,
    tenure_y: np.ndarray,
    org: SyntheticOrg,
    team: np.ndarray,
    rep_ids: np.ndarray,
    rep_new: np.ndarray,
    m0: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Semi-annual 1-5 manager scores for reps employed at the close with 3+ months' tenure.

    latent = 2.7 + loading x ability + tenure gain (up to +1 point, time constant 3
    years) + a persistent rep-item effect + the manager's leniency + occasion noise,
    rounded to a whole point and clipped to 1-5.
    """
    n_all, n_items = len(staff.seat), len(COMPETENCE_ITEMS)
    rep_item = rng.normal(0.0, 0.4, (n_all, n_items))
    month_end = _EPOCH + ((t + m0 + 1).astype("datetime64[M]") - np.timedelta64(1, "D")).astype(
        "int64"
    )
    month_end_day = (month_end - _EPOCH).astype(np.int64)
    sel = (
        out_cell
        & np.isin(moy[t], (6, 12))
        & (staff.exit[rep] >= month_end_day)
        & (tenure_y >= 0.25)
    )
    r, tt, ten = rep[sel], t[sel], tenure_y[sel]
    load = np.asarray(COMPETENCE_LOADING)
    latent = (
        2.7
        + load[None, :] * staff.z[r, None]
        + (1 - np.exp(-ten / 3))[:, None]
        + rep_item[r]
        + org.team_leniency[team[r]][:, None]
        + rng.normal(0.0, 0.45, (len(r), n_items))
    )
    score = np.clip(np.round(latent), 1, 5).astype(float)
    return pd.DataFrame(
        {
            "rep_id": _str_take(rep_ids, rep_new[r], repeat=n_items),
            "period": pd.arrays.PeriodArray(np.repeat(tt + m0, n_items), dtype="period[M]"),
            "item": _str_take(
                np.array(COMPETENCE_ITEMS, dtype=object), np.tile(np.arange(n_items), len(r))
            ),
            "score": score.ravel(),
        }
    )


def _potential(
    org: SyntheticOrg,
    regions: Sequence[RegionSpec],
    kpis: pd.DataFrame,
    p_customers: np.ndarray,
    p_value: np.ndarray,
    p_account: np.ndarray,
    cal: Calibration,
    rng: np.random.Generator,
    last_year_index: float,
) -> pd.DataFrame:
    """Team-level annual addressable market for each volume (``sum``) KPI.

    What the team's seats would sell in a year at median ability in its territory,
    divided by the operator's share of that market (*assumption*: 30-45%), with a 10%
    estimation error: informative about sales, as a real potential estimate is, but
    not a copy of them.
    """
    n_teams = len(org.team_ids)
    region_prod = np.array([r.productivity for r in regions])
    seats = np.bincount(org.seat_team, minlength=n_teams)
    team_pos = np.zeros(n_teams, dtype=np.int64)
    team_pos[org.seat_team] = org.seat_position
    # The average rep (mean of the lognormal ability, partly experienced) in the last
    # year's market, selling 12 months.
    average_rep = np.exp(cal.ability_sigma**2 / 2) * (1 + cal.experience_gain / 2)
    market = (1 + cal.market_growth) ** last_year_index
    richness = region_prod[org.team_region] * np.exp(org.team_territory) * seats * 12
    richness = richness * average_rep * market
    share = rng.uniform(0.30, 0.45, n_teams)
    per_seat = {
        "revenue": p_customers * p_value + p_account,
        "new_customers": p_customers,
    }
    volume = kpis.loc[kpis["aggregation"] == "sum"]
    rows_unit, rows_kpi, rows_val = [], [], []
    for row in volume.itertuples():
        noise = np.exp(rng.normal(0.0, 0.1, n_teams))
        value = per_seat[row.kpi][team_pos] * richness / share * noise
        rows_unit.append(org.team_ids)
        rows_kpi.append(np.full(n_teams, row.kpi, dtype=object))
        rows_val.append(np.round(value, _DECIMALS[row.unit]))
    frame = pd.DataFrame(
        {
            "unit_id": pd.array(np.column_stack(rows_unit).ravel(), dtype="str"),
            "kpi": pd.array(np.column_stack(rows_kpi).ravel(), dtype="str"),
            "value": np.column_stack(rows_val).ravel(),
        }
    )
    return frame

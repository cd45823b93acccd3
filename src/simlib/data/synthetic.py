"""A synthetic telecom sales force, calibrated to published practitioner figures.

:func:`generate` builds a complete :class:`~simlib.data.Dataset` for a fictitious
mobile operator (星河移动): company -> regions -> branches (city subsidiaries) ->
teams -> reps, with monthly sales of three KPIs, the targets the company set,
territory potential and semi-annual competence assessments. The bundled sample in
``data/sample/`` is ``generate(n_reps=600, months=36, seed=7, end="2026-12")``,
written by ``python -m simlib.data.synthetic --out data/sample``.

Every modelling choice is a named constant below with its source. Figures come
from ``reference/practice.md`` (the project's digest of practitioner norms);
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
quotas do not react to the plan a rep is paid on.

Randomness: one :class:`numpy.random.SeedSequence` per call, spawned into an
independent stream per model component. The same arguments give bit-identical data.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset

# --------------------------------------------------------------------------------------
# Published anchors
# --------------------------------------------------------------------------------------

#: Mobile ARPU, CNY per customer per month (China Mobile annual results 2024).
ARPU_CNY = 48.5

#: Months of a new customer's ARPU credited as the seller's revenue: the contract
#: value of a 24-month plan (*assumption*: 24-month contract plans are the common
#: term). With it, base pay is about 4-5% of revenue, so total cash comp lands in
#: ZS's 3-9% cost-of-sales band once a variable plan is added.
CREDIT_MONTHS = 24

#: Share of each month in its quarter, before the quarter's own weight: 25/30/45%
#: (the end-of-quarter "hockey stick", Oyer 1998; Sohoni et al. 2010).
MONTH_IN_QUARTER_SHARE = (0.25, 0.30, 0.45)

#: Relative weight of each quarter: a year-end lift and a weak first quarter (Oyer
#: 1998: non-linear pay shifts sales to the fiscal year's end and away from its start).
QUARTER_WEIGHT = (0.94, 0.98, 1.00, 1.08)


@dataclass(frozen=True)
class RegionSpec:
    """One sales region: its market size and its cities (branches)."""

    code: str
    name: str  #: Chinese display name
    english: str
    users_5g_m: float  #: 5G users, millions: sets the region's share of seats
    productivity: float  #: relative sales per rep (*assumption*: coastal ARPU is higher)
    pay: float  #: relative pay level (*assumption*: follows local wage levels)
    cities: tuple[str, ...]


#: MIIT (Sept 2024) reports 5G users East 428 m, Central 232 m, West 256 m, Northeast
#: 66 m. Its "East" (东部) spans the whole coast, so we split it 60/40 into East
#: (华东) and South (华南) to get the five regions an operator's org chart typically
#: has. Regions are listed largest first; ``n_regions < 5`` keeps the first ones.
REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec(
        "E",
        "华东区",
        "East",
        428 * 0.6,
        1.15,
        1.10,
        ("杭州", "南京", "上海", "苏州", "宁波", "合肥"),
    ),
    RegionSpec("W", "西部区", "West", 256, 0.90, 0.93, ("成都", "重庆", "西安", "昆明", "贵阳")),
    RegionSpec("C", "华中区", "Central", 232, 0.95, 0.95, ("武汉", "长沙", "郑州", "南昌", "太原")),
    RegionSpec(
        "S", "华南区", "South", 428 * 0.4, 1.10, 1.08, ("广州", "深圳", "东莞", "佛山", "南宁")
    ),
    RegionSpec("NE", "东北区", "North-East", 66, 0.85, 0.90, ("沈阳", "大连", "长春", "哈尔滨")),
)


@dataclass(frozen=True)
class PositionSpec:
    """A sales position: its share of seats, pay, KPI mix and team type."""

    code: str
    name: str  #: Chinese display name
    share: float  #: share of seats
    team: str  #: Chinese team-name stem
    grades: tuple[str, str, str]
    base_salary: float  #: annual CNY at the lowest grade (step 15% per grade)
    customers: float  #: new customers a month, median rep at full ramp, average month
    arpu_multiple: float  #: a new customer's monthly ARPU as a multiple of ARPU_CNY
    account_revenue: float  #: CNY a month from managed accounts (median rep)
    hv_base: int  #: high-value customers in the rep's care
    hv_keep: float  #: median monthly share of them kept
    hv_standard: float  #: the company's monthly retention target for the position
    female_share: float


#: Positions. Store sales are the many, key-account managers the few with large
#: accounts (an enterprise "customer" holds many lines, hence the ARPU multiple).
#: Pay levels and volumes are *assumptions* set so comp is a few percent of revenue.
POSITIONS: tuple[PositionSpec, ...] = (
    PositionSpec(
        "store_sales", "营业厅销售", 0.62, "营业厅", ("P1", "P2", "P3"),
        60_000, 38.0, 1.0, 0.0, 60, 0.975, 0.97, 0.62,
    ),
    PositionSpec(
        "channel_manager", "渠道经理", 0.24, "渠道", ("P3", "P4", "P5"),
        96_000, 85.0, 0.9, 0.0, 120, 0.970, 0.965, 0.40,
    ),
    PositionSpec(
        "key_account_manager", "大客户经理", 0.14, "政企", ("P5", "P6", "P7"),
        150_000, 3.0, 20.0, 120_000.0, 25, 0.985, 0.98, 0.45,
    ),
)  # fmt: skip

#: The KPI table. This is the only place the generator names its KPIs' metadata.
KPIS = pd.DataFrame(
    {
        "kpi": ["revenue", "new_customers", "hv_retention"],
        "direction": ["higher", "higher", "higher"],
        "unit": ["currency", "count", "rate"],
        "aggregation": ["sum", "sum", "mean"],
        "weight_kpi": pd.array([pd.NA, pd.NA, pd.NA], dtype="string"),
        "allow_negative": [False, False, False],
        "label": ["营业收入(元)", "新增客户数", "高价值客户保有率"],
    }
)

COMPETENCE_ITEMS: tuple[str, ...] = (
    "product_knowledge",
    "customer_relationship",
    "negotiation",
    "teamwork",
)
#: How strongly each item reflects sales ability (*assumption*: negotiation most,
#: teamwork least), in score points per standard deviation of ability.
COMPETENCE_LOADING = (0.35, 0.40, 0.45, 0.15)


@dataclass(frozen=True)
class Calibration:
    """The knobs of the generator, with the defaults used for the bundled sample.

    Change one with ``generate(..., calibration=Calibration(turnover=0.08))`` to
    study, say, a best-practice turnover rate (Alexander Group: about 8%).

    Attributes
    ----------
    ability_sigma : float
        Standard deviation of log ability across reps. With the position mix this puts
        the top 20% of reps at about 60% of revenue (CSO Insights).
    turnover : float
        Target annual rep turnover, exits / average headcount (Alexander Group ~14%).
    weak_performer_exit : float
        Log-hazard change per standard deviation *below* average ability.
    first_year_exit_ratio : float
        Exit hazard in the first year of tenure relative to later years.
    vacancy_months : tuple of float
        Probability that a seat stays empty 1, 2 or 3 months after an exit.
    ramp_months : tuple of int
        Possible ramp lengths (uniform), 3-5 months (Bridge Group).
    standard_ramp : int
        The ramp the company assumes when it sets a new hire's targets.
    market_growth : float
        Annual market growth in volume (*assumption*).
    target_growth : float
        Growth the company builds into each year's quotas on top of last year's
        actual. Calibrated: with 1% about 58% of full-year reps reach quota (CSO
        Insights band); with quotas growing as fast as the market (6%) only about half
        would, because the ratchet keeps last year's lucky results in the base.
    shortfall_forgiven : float
        Share of last year's shortfall forgiven in this year's quota (the asymmetric
        ratchet: a beat is ratcheted in full).
    company_shock_sd, region_shock_sd, shock_persistence : float
        Monthly AR(1) shocks common to the company and to a region (log scale).
    rep_year_sd, rep_month_sd : float
        Individual noise: a good or bad year, and month-to-month.
    territory_sd : float
        Spread of team territories' richness (log scale).
    experience_gain : float
        Productivity gain of a long-tenured rep over a just-ramped one.
    initial_tenure_years : float
        Mean tenure of the incumbents the simulation starts from.
    """

    ability_sigma: float = 0.85
    turnover: float = 0.14
    weak_performer_exit: float = 0.35
    first_year_exit_ratio: float = 1.6
    vacancy_months: tuple[float, float, float] = (0.5, 0.35, 0.15)
    ramp_months: tuple[int, ...] = (3, 4, 5)
    standard_ramp: int = 4
    market_growth: float = 0.06
    target_growth: float = 0.01
    shortfall_forgiven: float = 0.5
    company_shock_sd: float = 0.025
    region_shock_sd: float = 0.035
    shock_persistence: float = 0.6
    rep_year_sd: float = 0.12
    rep_month_sd: float = 0.25
    territory_sd: float = 0.15
    experience_gain: float = 0.15
    initial_tenure_years: float = 5.0


_EPOCH = np.datetime64("1970-01-01", "D")


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _hamilton(weights: np.ndarray, total: int, minimum: int = 0) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    base = np.full(n, minimum, dtype=np.int64)
    rest = total - base.sum()
    if rest < 0:
        raise ValueError(f"cannot give {n} groups at least {minimum} of {total}")
    quota = weights / weights.sum() * rest
    out = np.floor(quota).astype(np.int64)
    left = rest - out.sum()
    order = np.argsort(-(quota - out), kind="stable")
    out[order[:left]] += 1
    return base + out


_CN_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Chinese numeral for 1 <= n <= 9999 (一, 十一, 二十, 一百零一 ...), for team names."""
    if not 1 <= n <= 9999:
        raise ValueError(f"chinese_numeral: {n} is outside 1..9999")
    if 10 <= n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    out = ""
    zero = False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // power % 10
        if d:
            if zero and out:
                out += "零"
            out += _CN_DIGITS[d] + unit
            zero = False
        else:
            zero = True
    return out


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
# The organisation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Org:
    units: pd.DataFrame
    seat_team: np.ndarray  # team index (into team arrays) of each seat
    seat_region: np.ndarray
    seat_position: np.ndarray
    team_ids: np.ndarray
    team_region: np.ndarray
    team_territory: np.ndarray  # log territory richness
    team_leniency: np.ndarray  # the team manager's rating leniency, score points


def _build_org(
    n_seats: int, regions: Sequence[RegionSpec], rng: np.random.Generator, cal: Calibration
) -> _Org:
    unit_id: list[str] = ["HQ"]
    parent: list[str | None] = [None]
    level: list[str] = ["company"]
    name: list[str] = ["星河移动通信有限公司"]
    seat_team: list[np.ndarray] = []
    seat_pos: list[np.ndarray] = []
    team_ids: list[str] = []
    team_region: list[int] = []

    def add_team(uid: str, par: str, nm: str, region: int, pos: int, seats: int) -> None:
        unit_id.append(uid)
        parent.append(par)
        level.append("team")
        name.append(nm)
        seat_team.append(np.full(seats, len(team_ids)))
        seat_pos.append(np.full(seats, pos))
        team_ids.append(uid)
        team_region.append(region)

    region_seats = _hamilton([r.users_5g_m for r in regions], n_seats, minimum=10)
    share = [p.share for p in POSITIONS]
    kam = next(i for i, p in enumerate(POSITIONS) if p.code == "key_account_manager")
    team_size = 10  # span of control of a front-line sales manager (assumption: 8-12)
    for r, (spec, seats) in enumerate(zip(regions, region_seats, strict=True)):
        rid = spec.code
        unit_id.append(rid)
        parent.append("HQ")
        level.append("region")
        name.append(spec.name)
        by_pos = _hamilton(share, int(seats))
        # A region-level enterprise team reports straight to the region (no branch):
        # the unbalanced part of the tree. It takes 40% of the region's account managers.
        direct = int(round(by_pos[kam] * 0.4))
        if direct:
            add_team(f"{rid}-KA", rid, f"{spec.name}政企直属组", r, kam, direct)
            by_pos[kam] -= direct
        n_branch = int(np.clip(round(seats / 80), 1, len(spec.cities)))
        # Bigger cities first: branch sizes fall off like 1/sqrt(rank).
        city_w = 1.0 / np.sqrt(np.arange(1, n_branch + 1))
        for b in range(n_branch):
            bid = f"{rid}-B{b + 1:02d}"
            unit_id.append(bid)
            parent.append(rid)
            level.append("branch")
            name.append(f"{spec.cities[b]}分公司")
        per_branch = np.stack([_hamilton(city_w, int(k)) for k in by_pos])  # (pos, branch)
        for b in range(n_branch):
            bid = f"{rid}-B{b + 1:02d}"
            t = 0
            for p, pspec in enumerate(POSITIONS):
                k = int(per_branch[p, b])
                if k == 0:
                    continue
                n_teams = -(-k // team_size)
                for j, size in enumerate(_hamilton(np.ones(n_teams), k)):
                    t += 1
                    add_team(
                        f"{bid}-T{t:02d}",
                        bid,
                        f"{pspec.team}{chinese_numeral(j + 1)}组",
                        r,
                        p,
                        int(size),
                    )
    units = pd.DataFrame(
        {
            "unit_id": unit_id,
            "parent_id": pd.array(parent, dtype="string"),
            "level": level,
            "name": name,
        }
    )
    n_teams = len(team_ids)
    return _Org(
        units=units,
        seat_team=np.concatenate(seat_team),
        seat_region=np.asarray(team_region)[np.concatenate(seat_team)],
        seat_position=np.concatenate(seat_pos),
        team_ids=np.asarray(team_ids, dtype=object),
        team_region=np.asarray(team_region),
        team_territory=rng.normal(0.0, cal.territory_sd, n_teams),
        team_leniency=rng.normal(0.0, 0.3, n_teams),
    )


# --------------------------------------------------------------------------------------
# Staffing: who sits in each seat, month by month
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Staff:
    seat: np.ndarray
    hire: np.ndarray  # int days since 1970-01-01
    exit: np.ndarray  # int days, or a large sentinel while employed
    z: np.ndarray  # standardized log ability
    ramp: np.ndarray  # months to full productivity


_NO_EXIT = np.iinfo(np.int64).max // 4


def _monthly_hazard(cal: Calibration) -> float:
    """Base monthly exit hazard so the company-wide annual rate is ``cal.turnover``.

    The ability and first-year multipliers average above 1 across the workforce, so
    the base is scaled down by their expected value (first-year share ~ turnover).
    """
    ability_mean = np.exp(cal.weak_performer_exit**2 / 2)
    first_year = 1 + (cal.first_year_exit_ratio - 1) * cal.turnover
    # Turnover is exits / average headcount: a rate, so monthly hazard ~ rate / 12.
    return float(cal.turnover / 12 / (ability_mean * first_year))


def _simulate_staff(
    n_seats: int,
    month_start: np.ndarray,
    month_days: np.ndarray,
    rng: np.random.Generator,
    cal: Calibration,
) -> _Staff:
    """Fill each seat over the simulated months: exits, vacancies, mid-month hires.

    The loop runs over months; each step is vectorized over seats.
    """
    h0 = _monthly_hazard(cal)
    vac = np.asarray(cal.vacancy_months) / np.sum(cal.vacancy_months)
    ramps = np.asarray(cal.ramp_months)

    tenure_days = rng.exponential(cal.initial_tenure_years * 365.25, n_seats).astype(np.int64)
    seats = [np.arange(n_seats)]
    hires = [month_start[0] - 1 - tenure_days]
    zs = [rng.standard_normal(n_seats)]
    ramp = [rng.choice(ramps, n_seats)]
    exit_rep: list[np.ndarray] = []
    exit_day: list[np.ndarray] = []

    occupant = np.arange(n_seats)  # rep index, -1 while vacant
    next_hire = np.full(n_seats, -1)
    n_total = n_seats
    z_all = zs[0]
    hire_all = hires[0]
    for t in range(len(month_start)):
        # Hires due this month, on any day of it.
        due = np.flatnonzero((occupant < 0) & (next_hire == t))
        if len(due):
            h = month_start[t] + rng.integers(0, month_days[t], len(due))
            z = rng.standard_normal(len(due))
            seats.append(due)
            hires.append(h)
            zs.append(z)
            ramp.append(rng.choice(ramps, len(due)))
            occupant[due] = np.arange(n_total, n_total + len(due))
            n_total += len(due)
            z_all = np.concatenate([z_all, z])
            hire_all = np.concatenate([hire_all, h])
        # Exits among those employed since before this month (none in the hire month).
        occ = np.flatnonzero(occupant >= 0)
        reps = occupant[occ]
        at_risk = hire_all[reps] < month_start[t]
        occ, reps = occ[at_risk], reps[at_risk]
        first_year = (month_start[t] - hire_all[reps]) < 365
        hazard = h0 * np.exp(-cal.weak_performer_exit * z_all[reps])
        hazard = np.where(first_year, hazard * cal.first_year_exit_ratio, hazard)
        leave = rng.random(len(reps)) < np.minimum(hazard, 1.0)
        exit_rep.append(reps[leave])
        exit_day.append(month_start[t] + rng.integers(0, month_days[t], int(leave.sum())))
        occupant[occ[leave]] = -1
        next_hire[occ[leave]] = t + 1 + rng.choice(3, int(leave.sum()), p=vac)

    exit_all = np.full(n_total, _NO_EXIT, dtype=np.int64)
    exit_all[np.concatenate(exit_rep)] = np.concatenate(exit_day)
    return _Staff(
        seat=np.concatenate(seats),
        hire=hire_all,
        exit=exit_all,
        z=z_all,
        ramp=np.concatenate(ramp),
    )


# --------------------------------------------------------------------------------------
# Sales, targets, competence
# --------------------------------------------------------------------------------------


def _day_to_month(days: np.ndarray) -> np.ndarray:
    """Month ordinal (months since 1970-01, as pandas Period[M] ordinals) of each day."""
    return (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)


def _cells(staff: _Staff, m0: int, n_months: int) -> tuple[np.ndarray, np.ndarray]:
    """(rep, month) index pairs for every month each rep is employed at least one day."""
    first = np.maximum(_day_to_month(staff.hire) - m0, 0)
    ex = np.where(staff.exit == _NO_EXIT, 0, staff.exit)
    last = np.where(staff.exit == _NO_EXIT, n_months - 1, _day_to_month(ex) - m0)
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
    out = np.full((n_pos, n_reg), np.nan)
    for p in range(n_pos):  # a handful of groups, not a loop over reps
        for r in range(n_reg):
            sel = ok & (pos == p) & (region == r)
            if sel.any():
                out[p, r] = np.median(values[sel])
    return np.where(np.isnan(out), fallback, out)


def generate(
    n_reps: int = 600,
    months: int = 36,
    seed: int = 7,
    end: str = "2026-12",
    n_regions: int = 5,
    calibration: Calibration | None = None,
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
    if not 1 <= n_regions <= len(REGIONS):
        raise ValueError(f"n_regions must be between 1 and {len(REGIONS)}, got {n_regions}")
    if n_reps < 10 * n_regions:
        raise ValueError(
            f"n_reps must be at least 10 per region ({10 * n_regions} for {n_regions} "
            f"regions), got {n_reps}"
        )
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    # Strict: pandas would read "December" as December of the current year.
    if not (isinstance(end, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end)):
        raise ValueError(f"end must be a month like '2026-12', got {end!r}")
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

    org = _build_org(n_reps, regions, rng_org, cal)
    staff = _simulate_staff(n_reps, month_start, month_days, rng_staff, cal)
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

    p_customers = np.array([p.customers for p in POSITIONS])
    p_value = np.array([ARPU_CNY * p.arpu_multiple * CREDIT_MONTHS for p in POSITIONS])
    p_account = np.array([p.account_revenue for p in POSITIONS])
    cp = pos[rep]
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

    # ---- targets, year by year (vectorized over reps)
    targets = _set_targets(
        staff, rep, t, frac, actual, pos, reg, regions, cal, month_start, years, yidx_t,
        moy, hire_m, p_customers, p_value, p_account,
    )  # fmt: skip

    # ---- what is reported: reps employed at some point in the output window
    out_cell = t >= warm
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
    return Dataset(
        kpis=kpis,
        units=org.units,
        reps=reps,
        sales=sales,
        potential=potential,
        targets=tgt,
        competence=competence,
        source=f"synthetic(n_reps={n_reps}, months={months}, seed={seed}, end={end}, "
        f"n_regions={n_regions})",
    )


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
    staff: _Staff,
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
    dec31 = np.append(month_start[jan[1:]] - 1, _NO_EXIT)  # the last year may be partial
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
    staff: _Staff,
    keep: np.ndarray,
    rep_ids: np.ndarray,
    org: _Org,
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
    exit_day = np.where(staff.exit == _NO_EXIT, 0, staff.exit)
    exit_date = (_EPOCH + exit_day.astype("timedelta64[D]")).astype("datetime64[ns]")
    exit_date[staff.exit == _NO_EXIT] = np.datetime64("NaT")
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
    staff: _Staff,
    rep: np.ndarray,
    t: np.ndarray,
    out_cell: np.ndarray,
    moy: np.ndarray,
    tenure_y: np.ndarray,
    org: _Org,
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
    org: _Org,
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


# --------------------------------------------------------------------------------------
# Command line: python -m simlib.data.synthetic --out data/sample
# --------------------------------------------------------------------------------------


_FOLDER_FORMATS = ("csv", "parquet", "excel")
_TABLE_MEANING = {
    "kpis": "the KPIs: direction, unit, roll-up rule, Chinese display label",
    "units": "org units: company, regions, branches (city subsidiaries), teams",
    "reps": "one row per person ever employed in the window: team, position, hire and "
    "exit dates, annual base salary (CNY), grade, gender",
    "sales": "monthly actuals per rep and KPI, for every month employed at least one day",
    "potential": "team-level annual addressable market (revenue in CNY, new customers)",
    "targets": "the monthly quotas the company set each rep, per KPI",
    "competence": "June and December manager scores (1-5) on four capability items",
}


def _band(x: float, low: float, high: float) -> str:
    return "in band" if low <= x <= high else "OUT OF BAND"


def sample_readme(ds: Dataset, command: str) -> str:
    """The README of a generated dataset folder: command, tables, calibration achieved.

    The calibration figures are measured on ``ds`` with :mod:`simlib.data.health`, so
    the README always describes the data beside it.
    """
    from simlib.data import health
    from simlib.org import Hierarchy

    h = Hierarchy(ds.units)
    levels = ds.units["level"].value_counts().reindex(h.levels)
    lines = [
        "# Bundled sample: a synthetic telecom sales force",
        "",
        "A fictitious mobile operator, 星河移动, invented by `simlib.data.synthetic`: no",
        "real person or company is described. It is calibrated to published practitioner",
        "figures (see the table below, and the module docstring of",
        "`src/simlib/data/synthetic.py` for every modelling choice and its source).",
        "",
        "## How it was made",
        "",
        "```",
        command,
        "```",
        "",
        "(`make sample` runs exactly this.) The same command always writes the same",
        "bytes: `tests/test_synthetic.py` regenerates the folder and compares every file.",
        "Do not edit these files by hand; change the generator and regenerate.",
        "",
        f"`{ds.source}`: {len(ds.reps):,} reps filling seats over "
        f"{len(ds.periods)} months ({ds.periods[0]} to {ds.periods[-1]}).",
        "",
        "## Tables (UTF-8 CSV; Chinese names exercise the encodings)",
        "",
        "| file | rows | what it holds |",
        "|---|---:|---|",
    ]
    for name, df in ds.tables().items():
        lines.append(f"| `{name}.csv` | {len(df):,} | {_TABLE_MEANING.get(name, '')} |")
    lines += [
        "",
        "KPIs:",
        "",
        "| kpi | label | unit | rolls up by |",
        "|---|---|---|---|",
    ]
    for k in ds.kpis.itertuples():
        lines.append(f"| `{k.kpi}` | {k.label} | {k.unit} | {k.aggregation} |")
    lines += [
        "",
        "Organisation: "
        + ", ".join(
            f"{n} {lvl}" + (("es" if lvl.endswith(("ch", "s")) else "s") if n != 1 else "")
            for lvl, n in levels.items()
        )
        + ". Each region has an enterprise (政企) team reporting straight to the region, "
        "with no branch in between: the tree is deliberately unbalanced.",
        "",
        "| region | unit_id | headcount at the end | annual attrition (mean) |",
        "|---|---|---:|---:|",
    ]
    hc = health.headcount(ds, "region")
    last = hc[hc["period"] == ds.periods[-1]].set_index("unit_id")
    att = health.attrition(ds, "region").groupby("unit_id")["rate"].mean()
    for uid, row in last.iterrows():
        lines.append(
            f"| {row['name']} | {uid} | {row['headcount']} | {att.get(uid, float('nan')):.1%} |"
        )
    conc = health.concentration(ds)
    turn = health.attrition(ds, None)
    quota = health.quota_attainment(ds)
    prof = health.seasonality_profile(ds)
    seas = health.seasonality(ds)
    q_share = seas.dropna(subset=["share_of_year"]).groupby("quarter")["share_of_year"].sum()
    q_share = q_share / q_share.sum()
    ret = ds.sales.loc[ds.sales["kpi"] == "hv_retention", "value"]
    store = ds.reps.loc[ds.reps["position"] == "store_sales", "rep_id"]
    per_cust = ds.sales[ds.sales["rep_id"].isin(store)].pivot_table(
        index=["rep_id", "period"], columns="kpi", values="value"
    )
    per_cust = per_cust[per_cust["new_customers"] > 0]
    lines += [
        "",
        "## Calibration achieved (measured on these files)",
        "",
        "| figure | measured | target band | source |",
        "|---|---|---|---|",
    ]
    for r in conc.itertuples():
        lines.append(
            f"| top 20% of full-year reps' share of revenue, {r.year} | {r.top_share:.1%} "
            f'({_band(r.top_share, 0.55, 0.65)}) | 55-65% ("just over 60%") | CSO Insights |'
        )
    for r in turn.itertuples():
        lines.append(
            f"| annual rep turnover, {r.year} (exits / average headcount) | {r.rate:.1%} "
            f"({_band(r.rate, 0.10, 0.18)}) | about 14% (10-18%) | Alexander Group |"
        )
    for r in quota.itertuples():
        lines.append(
            f"| full-year reps at or above annual revenue quota, {r.year} | {r.at_quota:.1%} "
            "| varies with the year's common shocks | |"
        )
    pooled = float(quota["at_quota"].mean())
    lines.append(
        f"| ... mean over the years | {pooled:.1%} ({_band(pooled, 0.55, 0.65)}) | 55-65% "
        "| CSO Insights (realised ~57-60%); Alexander Group (aim 60-70%) |"
    )
    shares = " / ".join(f"{x:.1%}" for x in prof["mean"])
    lines += [
        f"| share of each month in its quarter (revenue, mean) | {shares} | about 25 / 30 / "
        "45% | Oyer (1998) |",
        "| share of each quarter in the year (revenue) | "
        + " / ".join(f"{x:.1%}" for x in q_share)
        + " | Q4 above Q1 (year-end lift) | Oyer (1998) |",
        "| new-hire ramp to full productivity | model setting: linear over 3-5 months | "
        "3-5 months | Bridge Group |",
        f"| store sales revenue per new customer (median) | "
        f"{(per_cust['revenue'] / per_cust['new_customers']).median():,.0f} CNY | "
        f"{ARPU_CNY} CNY/month x {CREDIT_MONTHS} months = {ARPU_CNY * CREDIT_MONTHS:,.0f} "
        "CNY | China Mobile 2024 ARPU |",
        f"| high-value retention, monthly mean (min-max) | {ret.mean():.1%} "
        f"({ret.min():.1%}-{ret.max():.1%}) | 0-1 | share of high-value customers kept |",
        "",
        "Regions' seats follow MIIT's 5G users (Sept 2024: East 428 m, split 60/40 into",
        "East and South; Central 232 m; West 256 m; North-East 66 m). Full-year reps are",
        "those employed 1 January to 31 December; part-year reps are left out of",
        "concentration and quota figures so that hires and leavers do not look like low",
        "performers. The figures are recomputed independently from the raw tables in",
        "`tests/test_synthetic.py`, which asserts each band.",
        "",
    ]
    return "\n".join(lines)


def _check_replaceable(path: Path) -> None:
    """Refuse to replace a folder holding anything but dataset tables and a README."""
    from simlib.data.dataset import TABLES

    if not path.exists():
        return
    if not path.is_dir():
        raise ValueError(f"{path} exists and is not a folder")
    ours = {f"{t}{ext}" for t in TABLES for ext in (".csv", ".parquet", ".xlsx")}
    other = sorted(p.name for p in path.iterdir() if p.name not in ours | {"README.md"})
    if other:
        raise ValueError(
            f"refusing to replace {path}: it holds files that are not dataset tables "
            f"({', '.join(other[:5])}); choose a new or empty folder"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Generate a dataset and save it (the Makefile's ``make sample``)."""
    parser = argparse.ArgumentParser(
        prog="python -m simlib.data.synthetic",
        description="Generate the synthetic telecom sales force and save it as a dataset.",
    )
    parser.add_argument("--out", required=True, help="output folder (or .duckdb file)")
    parser.add_argument("--n-reps", type=int, default=600, help="sales seats (default 600)")
    parser.add_argument("--months", type=int, default=36, help="months of history (default 36)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--end", default="2026-12", help="last month YYYY-MM (default 2026-12)")
    parser.add_argument("--n-regions", type=int, default=5, help="regions, 1-5 (default 5)")
    parser.add_argument(
        "--format",
        default="csv",
        choices=["csv", "parquet", "excel", "duckdb"],
        help="file format (default csv, UTF-8)",
    )
    args = parser.parse_args(argv)
    try:
        ds = generate(
            n_reps=args.n_reps,
            months=args.months,
            seed=args.seed,
            end=args.end,
            n_regions=args.n_regions,
        )
    except ValueError as exc:
        parser.error(str(exc))
    out = Path(args.out)
    if args.format == "duckdb":
        ds.save(out, format="duckdb")
    else:
        # The folder gets its README (command, tables, calibration measured on the
        # data); the whole folder appears at once.
        from simlib._atomic import atomic_dir

        try:
            _check_replaceable(out)
        except ValueError as exc:
            parser.error(str(exc))
        command = "python -m simlib.data.synthetic " + " ".join(
            ["--out", args.out.rstrip("/")]
            + [
                f"--{k.replace('_', '-')} {v}"
                for k, v in vars(args).items()
                if k != "out" and v != parser.get_default(k)
            ]
        )
        with atomic_dir(out) as tmp:
            ds.save(tmp / "tables", format=args.format)
            for f in sorted((tmp / "tables").iterdir()):
                f.rename(tmp / f.name)
            (tmp / "tables").rmdir()
            (tmp / "README.md").write_text(sample_readme(ds, command), encoding="utf-8")
    print(f"wrote {ds!r} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

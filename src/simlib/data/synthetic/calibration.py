"""Calibration of the synthetic sales force: published anchors, regions, positions, KPIs
and the model's knobs (:class:`Calibration`). See the package docstring for the model."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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

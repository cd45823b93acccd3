"""Who sits in each seat, month by month: exits, vacancies, mid-month hires."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simlib.data.synthetic.calibration import Calibration

# --------------------------------------------------------------------------------------
# Staffing: who sits in each seat, month by month
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    seat: np.ndarray
    hire: np.ndarray  # int days since 1970-01-01
    exit: np.ndarray  # int days, or a large sentinel while employed
    z: np.ndarray  # standardized log ability
    ramp: np.ndarray  # months to full productivity


NO_EXIT = np.iinfo(np.int64).max // 4


def _monthly_hazard(cal: Calibration) -> float:
    """Base monthly exit hazard so the company-wide annual rate is ``cal.turnover``.

    The ability and first-year multipliers average above 1 across the workforce, so
    the base is scaled down by their expected value (first-year share ~ turnover).
    """
    ability_mean = np.exp(cal.weak_performer_exit**2 / 2)
    first_year = 1 + (cal.first_year_exit_ratio - 1) * cal.turnover
    # Turnover is exits / average headcount: a rate, so monthly hazard ~ rate / 12.
    return float(cal.turnover / 12 / (ability_mean * first_year))


def simulate_staff(
    n_seats: int,
    month_start: np.ndarray,
    month_days: np.ndarray,
    rng: np.random.Generator,
    cal: Calibration,
) -> Staff:
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

    exit_all = np.full(n_total, NO_EXIT, dtype=np.int64)
    exit_all[np.concatenate(exit_rep)] = np.concatenate(exit_day)
    return Staff(
        seat=np.concatenate(seats),
        hire=hire_all,
        exit=exit_all,
        z=z_all,
        ramp=np.concatenate(ramp),
    )

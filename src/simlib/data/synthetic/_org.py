"""The synthetic operator's org tree: regions sized by market, branches by city, teams of ~10."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.data.synthetic.calibration import POSITIONS, Calibration, RegionSpec

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
        # internal: the sizes are checked against n_reps before the org is drawn
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
        # internal: team numbers stay far below 9999
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


# --------------------------------------------------------------------------------------
# The organisation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticOrg:
    units: pd.DataFrame
    seat_team: np.ndarray  # team index (into team arrays) of each seat
    seat_region: np.ndarray
    seat_position: np.ndarray
    team_ids: np.ndarray
    team_region: np.ndarray
    team_territory: np.ndarray  # log territory richness
    team_leniency: np.ndarray  # the team manager's rating leniency, score points


def build_org(
    n_seats: int, regions: Sequence[RegionSpec], rng: np.random.Generator, cal: Calibration
) -> SyntheticOrg:
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
    return SyntheticOrg(
        units=units,
        seat_team=np.concatenate(seat_team),
        seat_region=np.asarray(team_region)[np.concatenate(seat_team)],
        seat_position=np.concatenate(seat_pos),
        team_ids=np.asarray(team_ids, dtype=object),
        team_region=np.asarray(team_region),
        team_territory=rng.normal(0.0, cal.territory_sd, n_teams),
        team_leniency=rng.normal(0.0, 0.3, n_teams),
    )

"""What-if replay: equals the plan's own replay, matches the curve by hand, behaves monotonically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib import plans
from simlib.whatif import WhatIf, WhatIfError

ROOT = Path(__file__).resolve().parents[1]
CURRENT = ROOT / "scenarios" / "plans" / "am_current.yaml"
PROPOSED = ROOT / "scenarios" / "plans" / "am_proposed.yaml"


@pytest.fixture(scope="module")
def ds():
    return sl.data.synthetic.generate(n_reps=150, months=24, seed=8)


@pytest.fixture(scope="module")
def wi_current(ds):
    return WhatIf(ds, CURRENT)


@pytest.mark.parametrize("plan", [CURRENT, PROPOSED])
def test_unchanged_plan_pays_what_the_replay_pays(ds, plan):
    wi = WhatIf(ds, plan)
    rp = plans.replay(ds, plan, wi.year)
    expect = rp.pay.loc[rp.pay["component"] != "total", "payout"].sum()
    assert wi.evaluate().total_payout == pytest.approx(expect, rel=1e-12, abs=0.01)


def test_reshaped_curve_matches_a_hand_calculation(ds, wi_current):
    # am_current: one annual revenue bonus, weight 1, target incentive = salary x 0.3/0.7.
    res = wi_current.evaluate(threshold=0.8, threshold_payout=0.5, accelerator=2.0, cap=1.5)
    att = res.attainment
    # By hand: 0 below 80%; 0.5 -> 1.0 linearly from 80% to 100%; +2 per 100% above,
    # flat from 150% (factor 2.0).
    factor = np.where(
        att < 0.8,
        0.0,
        np.where(att <= 1.0, 0.5 + (att - 0.8) / 0.2 * 0.5, np.minimum(1 + 2 * (att - 1), 2.0)),
    )
    full_year = np.isclose(wi_current.target_incentive[wi_current.paid],
                           wi_current.plan.target_incentive(wi_current.reps.loc[wi_current.paid]).to_numpy())  # fmt: skip
    assert full_year.sum() > 20
    np.testing.assert_allclose(
        res.pay_multiple[full_year], factor[full_year], rtol=1e-9, atol=1e-12
    )
    assert res.share_at_quota == pytest.approx((att >= 1).mean())


def test_team_share_splits_the_weights(wi_current):
    spec = wi_current.plan_spec(team_share=0.3)
    w = {c["name"]: c["weight"] for c in spec["components"]}
    assert w == {"revenue_bonus": pytest.approx(0.7), "team_bonus": pytest.approx(0.3)}
    team = next(c for c in spec["components"] if c["type"] == "team")
    assert team["level"] == wi_current.team_level
    assert wi_current.evaluate(team_share=0.3).total_payout > 0


def test_no_cap_pays_more_at_the_top(wi_current):
    capped = wi_current.evaluate(cap=1.2)
    free = wi_current.evaluate(cap=None)
    top = capped.attainment > 1.2
    assert top.any()
    assert (free.pay_multiple[top] > capped.pay_multiple[top]).all()
    assert free.share_at_cap == 0.0


def test_bad_settings_say_why(wi_current):
    with pytest.raises(WhatIfError, match="threshold < 100% < cap"):
        wi_current.evaluate(threshold=1.1)
    with pytest.raises(WhatIfError, match="no quota-bonus component"):
        wi_current.evaluate(weights={"nope": 1.0})
    with pytest.raises(WhatIfError, match="team share"):
        wi_current.evaluate(team_share=1.0)


@settings(max_examples=15, deadline=None)
@given(
    t1=st.floats(0.5, 0.95),
    t2=st.floats(0.5, 0.95),
    a1=st.floats(0.0, 4.0),
    a2=st.floats(0.0, 4.0),
)
def test_cost_falls_with_threshold_and_rises_with_accelerator(wi_current, t1, t2, a1, a2):
    lo, hi = sorted((t1, t2))
    c_lo = wi_current.evaluate(threshold=lo, threshold_payout=0.5).total_payout
    c_hi = wi_current.evaluate(threshold=hi, threshold_payout=0.5).total_payout
    assert c_hi <= c_lo + 1e-6
    s, f = sorted((a1, a2))
    assert (
        wi_current.evaluate(accelerator=s).total_payout
        <= wi_current.evaluate(accelerator=f).total_payout + 1e-6
    )

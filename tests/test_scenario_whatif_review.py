"""Review of issue 8 (what-if): untouched sliders leave the plan exactly as it is;
weights apply only where there are two or more individual measures."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import simlib as sl
from simlib import plans
from simlib.whatif import WhatIf

ROOT = Path(__file__).resolve().parents[1]
PROPOSED = ROOT / "scenarios" / "plans" / "am_proposed.yaml"


@pytest.fixture(scope="module")
def ds():
    return sl.data.synthetic.generate(n_reps=120, months=24, seed=8)


def test_untouched_sliders_keep_the_two_step_curve_and_its_pay(ds):
    wi = WhatIf(ds, PROPOSED)
    d = wi.defaults()
    sliders = {**{k: d[k] for k in ("threshold", "threshold_payout", "accelerator", "cap",
                                      "team_share")}, "weights": dict(d["weights"])}  # fmt: skip
    assert wi.changes_from(sliders) == {}
    res = wi.evaluate(**wi.changes_from(sliders))
    written = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))["components"][0]["curve"]
    assert res.curve == written  # five points, the jump at 85% included
    rp = plans.replay(ds, PROPOSED, wi.year)
    expect = rp.pay.loc[rp.pay["component"] != "total", "payout"].sum()
    assert res.total_payout == pytest.approx(expect, rel=1e-12, abs=0.01)
    # Passing every slider as it stands (what the notebook used to do) would not:
    reshaped = wi.evaluate(**{k: v for k, v in sliders.items() if k != "weights"})
    assert len(reshaped.curve) == 3 and reshaped.total_payout != pytest.approx(expect)


def test_moving_one_curve_slider_applies_the_curve_settings_together(ds):
    wi = WhatIf(ds, PROPOSED)
    d = wi.defaults()
    moved = wi.changes_from({**d, "threshold": 0.8})
    assert moved == {"threshold": 0.8, "threshold_payout": d["threshold_payout"],
                     "accelerator": d["accelerator"], "cap": d["cap"]}  # fmt: skip
    assert wi.changes_from({**d, "team_share": 0.3}) == {"team_share": 0.3}
    assert wi.changes_from({**d, "cap": None})["cap"] is None  # no cap is a change


def test_weights_apply_only_with_two_individual_measures(ds):
    assert WhatIf(ds, PROPOSED).weighable == ["revenue_bonus"]
    spec = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))
    spec["components"][0]["weight"] = 0.5
    spec["components"].insert(1, {"type": "quota_bonus", "name": "new_bonus",
                                  "kpi": "new_customers", "weight": 0.3,
                                  "curve": [[0.5, 0.5], [1.0, 1.0], [2.0, 2.0]]})  # fmt: skip
    wi = WhatIf(ds, spec)
    assert wi.weighable == ["revenue_bonus", "new_bonus"]
    w = wi.changes_from({"weights": {"revenue_bonus": 0.5, "new_bonus": 0.3}})
    assert w == {}
    res = wi.evaluate(weights={"revenue_bonus": 0.2, "new_bonus": 0.6})
    comps = {c["name"]: c["weight"] for c in res.spec["components"]}
    # The 80% left after the 20% team share, split 1:3 between the two measures.
    assert comps["revenue_bonus"] == pytest.approx(0.2) and comps["new_bonus"] == pytest.approx(0.6)
    assert res.total_payout != pytest.approx(wi.evaluate().total_payout)

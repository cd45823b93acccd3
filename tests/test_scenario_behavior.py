"""A scenario's behavioural response is measured against its baseline plan."""

from __future__ import annotations

import warnings

import numpy as np

import simlib as sl
from simlib.scenario import Scenario


def _file(behavior):
    return {
        "title": "t",
        "author": "a",
        "what": "w",
        "why": "y",
        "baseline": {
            "data": "data/sample",
            "targets": {"source": "data"},
            "plan": "scenarios/plans/am_current.yaml",
            "behavior": behavior,
            "simulation": {"draws": 6, "seed": 3},
        },
        "reforms": {
            "proposed": {
                "what": "p",
                "why": "p",
                "changes": {"plan": "scenarios/plans/am_proposed.yaml"},
            }
        },
    }


def test_baseline_replays_history_and_a_reform_responds_to_the_change():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = Scenario.from_dict(_file([{"model": "effort"}]), root_dir=".")
        mech = Scenario.from_dict(_file(None), root_dir=".")
        kw = sc["proposed"].simulation_kwargs()
        assert kw["behavior_reference"].name == mech["baseline"].plan().name
        base = sl.simulate(sc["baseline"])
        plain = sl.simulate(mech["baseline"])
        prop = sl.simulate(sc["proposed"])
        prop_plain = sl.simulate(mech["proposed"])
    # Under the plan in force, reps behave as they did: the mechanical replay.
    np.testing.assert_array_equal(base.per_draw["revenue"], plain.per_draw["revenue"])
    # Under a different plan they respond: sales differ from the mechanical replay.
    assert not np.array_equal(prop.per_draw["revenue"], prop_plain.per_draw["revenue"])

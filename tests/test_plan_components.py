"""Component types: one class per type behind one interface, found by the registry."""

from __future__ import annotations

import pytest

from simlib.plans import Plan
from simlib.plans.components import REGISTRY, PlanComponent, component_class


def test_each_registered_type_is_named_by_its_own_type_key():
    assert set(REGISTRY) == {"quota_bonus", "team", "commission", "spif", "scorecard"}
    for name, cls in REGISTRY.items():
        assert cls.model_fields["type"].default == name
        assert issubclass(cls, PlanComponent)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_each_type_pays_describes_and_explains_itself(name):
    cls = REGISTRY[name]
    for method in ("entitlement", "describe", "explain"):
        assert getattr(cls, method) is not getattr(PlanComponent, method), (name, method)
    assert cls.type_words, name


def test_a_plan_reads_each_component_as_the_class_its_type_names():
    plan = Plan.from_dict(
        {
            "name": "p",
            "target_incentive": {"amount": 10000},
            "components": [
                {"type": "quota_bonus", "name": "q", "kpi": "revenue", "weight": 1.0,
                 "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
                {"type": "commission", "name": "c", "kpi": "revenue", "rate": 0.01},
                {"type": "spif", "name": "s", "kpi": "units", "amount": 5,
                 "start": "2026-01-01", "end": "2026-02-28"},
            ],
        }
    )  # fmt: skip
    assert [type(c) for c in plan.components] == [
        REGISTRY["quota_bonus"],
        REGISTRY["commission"],
        REGISTRY["spif"],
    ]
    assert [c.kpis() for c in plan.components] == [["revenue"], ["revenue"], ["units"]]
    assert [c.needs_target() for c in plan.components] == [True, False, False]


def test_an_unknown_type_names_the_known_ones():
    with pytest.raises(KeyError, match="commission"):
        component_class("bonus")


def test_what_the_engine_asks_of_a_type_is_said_by_its_class():
    # Bonuses on a curve of quota attainment set the quota KPI and the curve reps steer
    # by; a team bonus needs every rep of its units; a scorecard needs an appraisal.
    facts = {t: (k.pays_on_quota, k.sums_over_units, k.rated) for t, k in REGISTRY.items()}
    assert facts == {
        "quota_bonus": (True, False, False),
        "team": (True, True, False),
        "commission": (False, False, False),
        "spif": (False, False, False),
        "scorecard": (False, False, True),
    }


def test_a_budget_neutral_factor_scales_each_types_currency_amounts_only():
    specs = {
        "commission": {"type": "commission", "rate": 0.05, "tiers": [{"from": 1.0, "rate": 0.08}],
                       "max_payout": 1000.0},
        "spif": {"type": "spif", "amount": 200.0},
        "quota_bonus": {"type": "quota_bonus", "weight": 0.6, "curve": [[1.0, 1.0]]},
    }  # fmt: skip
    for name, spec in specs.items():
        REGISTRY[name].scale_pay_levels(spec, 1.5)
    assert specs["commission"]["rate"] == pytest.approx(0.075)
    assert specs["commission"]["tiers"][0]["rate"] == pytest.approx(0.12)
    assert specs["commission"]["max_payout"] == pytest.approx(1500.0)
    assert specs["spif"]["amount"] == pytest.approx(300.0)
    # A share of target incentive follows the incentive, which is scaled by itself.
    assert specs["quota_bonus"] == {"type": "quota_bonus", "weight": 0.6, "curve": [[1.0, 1.0]]}

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

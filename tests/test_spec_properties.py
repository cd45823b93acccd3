"""Properties of spec reading: whatever a user writes, simlib answers with a result or
with one of its own errors (a message naming the place), never another exception.

Specs are generated two ways: the shipped plan / scenario with one value anywhere
replaced by an arbitrary one (the mistakes people make: a typo'd key, a word where
a number goes, a list where a mapping goes), and arbitrary YAML-like documents.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlib.errors import SimlibError
from simlib.plans import Plan
from simlib.scenario import Scenario
from simlib.spec import loads_yaml

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "scenarios" / "plans").glob("*.yaml"))
PLAN_DOCS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in PLANS]
KPIS = ["revenue", "new_customers", "hv_retention"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["none", "quota_bonus", "team", "revenue", "year", "1e308", "-1", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a document: each key of each mapping, each item of each list."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw, docs: list[dict]) -> dict:
    """A shipped document with one to three places changed, dropped or added."""
    doc = copy.deepcopy(draw(st.sampled_from(docs)))
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in _paths(doc) if p]
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
        else:
            parent.append(draw(values))
    return doc


def _accepted_or_refused(build) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are allowed; other exceptions are not
        try:
            build()
        except SimlibError as exc:
            assert str(exc).strip(), "a refusal says why"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(PLAN_DOCS))
def test_every_mutated_plan_is_accepted_or_refused_with_a_simlib_error(doc):
    _accepted_or_refused(lambda: Plan.from_dict(doc, kpis=KPIS))


@settings(max_examples=150, deadline=None)
@given(values)
def test_any_document_as_a_plan_is_accepted_or_refused_with_a_simlib_error(doc):
    _accepted_or_refused(lambda: Plan.from_dict(doc, kpis=KPIS))


def _scenario_doc() -> dict:
    plan = yaml.safe_load((ROOT / "scenarios/plans/am_current.yaml").read_text(encoding="utf-8"))
    return {
        "title": "t",
        "author": "a",
        "what": "w",
        "why": "y",
        "baseline": {
            "data": "data/sample",
            "targets": {"source": "data"},
            "plan": plan,
            "outcomes": {"pip_floor": 0.7},
            "simulation": {"draws": 5, "seed": 1, "sales": "parametric", "sales_options": {}},
            "report": {"min_group": 5},
        },
        "reforms": {
            "proposed": {"what": "w", "changes": {"plan.components[0].curve[-1][0]": 1.5}},
            "chained": {"what": "w", "base": "proposed", "changes": {"simulation": {"seed": 2}}},
        },
        "sweeps": [
            {"name": "cap", "what": "w", "grid": {"plan.components[0].curve[-1][0]": [1.4, "none"]}}
        ],
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated([_scenario_doc()]), st.booleans())
def test_every_mutated_scenario_is_accepted_or_refused_with_a_simlib_error(doc, strict):
    _accepted_or_refused(lambda: Scenario.from_dict(doc, root_dir=ROOT, strict=strict))


@settings(max_examples=100, deadline=None)
@given(values)
def test_any_document_as_a_scenario_is_accepted_or_refused_with_a_simlib_error(doc):
    _accepted_or_refused(lambda: Scenario.from_dict(doc, root_dir=ROOT))


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`,? \n\t0x\x00\x07é")), max_size=60)
)
def test_any_text_is_read_as_yaml_or_refused_with_a_simlib_error(text):
    try:
        loads_yaml(text, "t.yaml")
    except SimlibError as exc:
        assert str(exc).startswith("t.yaml")

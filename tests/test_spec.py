"""Spec error paths: what the user wrote, without pydantic's union tags."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field

from simlib.errors import SpecError
from simlib.spec import StrictModel, load_yaml, parse_spec


class Bands(StrictModel):
    type: Literal["bands"] = "bands"
    bands: list[float]


class Linear(StrictModel):
    type: Literal["linear"] = "linear"
    floor: float
    ceiling: float


Rule = Annotated[Bands | Linear, Field(discriminator="type")]


class Item(StrictModel):
    kpi: str
    rule: Rule


class Card(StrictModel):
    items: list[Item]
    bands: list[float] | None = None  # a real field that shares a tag's name


def test_paths_skip_union_tags_but_keep_real_fields_of_the_same_name():
    data = {
        "items": [
            {"kpi": "revenue", "rule": {"type": "linear", "floor": 0, "ceiling": 1}},
            {"kpi": "retention", "rule": {"type": "bands", "bands": ["x"]}},
        ],
        "bands": ["y"],
    }
    with pytest.raises(SpecError) as exc:
        parse_spec(Card, data, "scorecard")
    paths = [p for p, _ in exc.value.errors]
    assert paths == ["scorecard.items[1].rule.bands[0]", "scorecard.bands[0]"]


def test_unknown_keys_are_named_with_their_path():
    with pytest.raises(SpecError) as exc:
        parse_spec(
            Card,
            {
                "items": [
                    {"kpi": "a", "rule": {"type": "linear", "floor": 0, "ceiling": 1, "cieling": 2}}
                ]
            },
            "scorecard",
        )
    assert exc.value.errors == [
        (
            "scorecard.items[0].rule.cieling",
            "unknown key; allowed here: type, floor, ceiling",
        )
    ]


def test_yaml_syntax_errors_name_file_and_line(tmp_path):
    p = tmp_path / "plan.yaml"
    p.write_text("a: 1\nb: [1, 2\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"plan.yaml:\d+: not valid YAML"):
        load_yaml(p)
    with pytest.raises(SpecError, match="file not found"):
        load_yaml(tmp_path / "missing.yaml")

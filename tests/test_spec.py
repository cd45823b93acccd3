"""Spec error paths: what the user wrote, without pydantic's union tags; and the one YAML
loader every spec file goes through: what it keeps of YAML, what it refuses."""

from __future__ import annotations

import time
from typing import Annotated, Literal

import pytest
from pydantic import Field

from simlib.errors import SpecError
from simlib.spec import (
    MAX_YAML_DEPTH,
    MAX_YAML_VALUES,
    StrictModel,
    load_yaml,
    loads_yaml,
    parse_spec,
)


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


# ============================================================ The one YAML loader every spec file goes through: what it keeps, what it refuses
def test_merge_keys_still_work_and_later_keys_override_them():
    text = "base: &b {cap: 1.2, threshold: 0.9}\nplan:\n  <<: *b\n  cap: 1.5\n"
    assert loads_yaml(text) == {
        "base": {"cap": 1.2, "threshold": 0.9},
        "plan": {"cap": 1.5, "threshold": 0.9},
    }


def test_a_duplicate_key_names_both_lines():
    with pytest.raises(SpecError) as e:
        loads_yaml("plan:\n  cap: 1.2\n  floor: 0.5\n  cap: 1.4\n", "p.yaml")
    assert e.value.errors == [
        ("p.yaml:4", "not valid YAML (duplicate key 'cap' (first at line 2); each key may "
                     "appear once in a mapping)")
    ]  # fmt: skip


def test_the_same_key_in_two_mappings_is_not_a_duplicate():
    assert loads_yaml("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}


def test_aliases_are_fine_up_to_the_limit_and_refused_fast_beyond():
    # 10 x 10 x 10 x 10 = 10,000 leaves through aliases: an ordinary (if odd) file.
    ok = "a: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    ok += "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    assert sum(len(z) for x in loads_yaml(ok)["d"] for y in x for z in y) == 10 * 10 * 10 * 10
    # Ten times more is over MAX_YAML_VALUES (100,000) and refused without expanding.
    bomb = ok.replace("d: [", "d: &d [") + "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    assert MAX_YAML_VALUES == 100_000
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"t.yaml:5: expands to more than 100,000 values"):
        loads_yaml(bomb, "t.yaml")
    assert time.perf_counter() - start < 1.0


def test_nesting_up_to_the_limit_is_read():
    depth = MAX_YAML_DEPTH - 1
    doc = loads_yaml("[" * depth + "]" * depth)
    for _ in range(depth - 1):
        doc = doc[0]
    assert doc == []


def test_a_byte_order_mark_is_not_part_of_the_first_key(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_bytes(b"\xef\xbb\xbftitle: t\n")
    assert load_yaml(p) == {"title": "t"}


def test_python_objects_are_never_built():
    with pytest.raises(SpecError, match="not valid YAML"):
        loads_yaml("x: !!python/object/apply:os.system ['echo hi']\n")

"""The one YAML loader every spec file goes through: what it keeps of YAML, what it refuses."""

from __future__ import annotations

import time

import pytest

from simlib.errors import SpecError
from simlib.spec import MAX_YAML_DEPTH, MAX_YAML_VALUES, load_yaml, loads_yaml


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

"""Every warning class simlib defines derives from ``simlib.SimlibWarning``, so one
filter escalates or silences all of them and leaves other libraries' warnings alone."""

from __future__ import annotations

import ast
import importlib
import warnings
from pathlib import Path

import numpy as np
import pytest

import simlib as sl
from simlib.appraisal.rating import SmallGroupWarning, rate_forced

SRC = Path(sl.__file__).resolve().parent


def _warning_classes() -> list[tuple[str, str]]:
    """(module, class) for every class in src/simlib whose base is named ``...Warning``,
    found by reading the source rather than by asking the package."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(
                (getattr(b, "id", None) or getattr(b, "attr", "")).endswith("Warning")
                for b in node.bases
            ):
                found.append((module, node.name))
    return found


def test_simlib_warning_is_a_user_warning_exported_at_the_top():
    assert issubclass(sl.SimlibWarning, UserWarning)
    assert "SimlibWarning" in sl.__all__
    from simlib.errors import SimlibWarning

    assert sl.SimlibWarning is SimlibWarning


def test_the_source_defines_the_known_warning_classes():
    names = {name for _, name in _warning_classes()}
    assert {
        "SimlibWarning",
        "PlanWarning",
        "SmallGroupWarning",
        "QuotaDeviationWarning",
        "InconsistentJudgmentsWarning",
        "SmallHistoryWarning",
        "ScenarioWarning",
        "DataCheckWarning",
    } <= names


@pytest.mark.parametrize(("module", "name"), _warning_classes())
def test_every_warning_class_is_a_simlib_warning(module, name):
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, sl.SimlibWarning)


def test_an_error_filter_on_simlib_warning_turns_a_real_warning_into_an_exception():
    with warnings.catch_warnings():
        warnings.simplefilter("error", sl.SimlibWarning)
        # 10 reps in one group is below the 25 a forced curve needs.
        with pytest.raises(SmallGroupWarning, match="smaller than 25"):
            rate_forced(np.arange(10.0), None, [0.2, 0.7, 0.1])


def test_an_error_filter_on_simlib_warning_leaves_other_warnings_as_warnings():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.simplefilter("error", sl.SimlibWarning)
        warnings.warn("from elsewhere", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["from elsewhere"]


def test_an_ignore_filter_on_simlib_warning_silences_simlib_warnings():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", sl.SimlibWarning)
        rate_forced(np.arange(10.0), None, [0.2, 0.7, 0.1])
    assert seen == []

"""Errors and warnings of the appraisal, outcomes, behaviour, metrics, decision, labels and
goals modules speak the reader's language: Chinese under zh-CN, with the user's path, key
or value kept as typed; English otherwise."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from simlib import i18n
from simlib.appraisal.analysis import shift_weight
from simlib.appraisal.appraise import period_months
from simlib.appraisal.rating import Groups, rate_forced
from simlib.appraisal.scorecard import score_rule
from simlib.appraisal.weights import InconsistentJudgmentsWarning, ahp, pairwise_matrix
from simlib.behavior.effort import solve_effort
from simlib.behavior.estimate import threshold_bunching
from simlib.behavior.models import ResponseContext
from simlib.behavior.specs import parse_behavior
from simlib.decision import decide
from simlib.labels import read_labels
from simlib.metrics import compare
from simlib.outcomes import performance_coefficient
from simlib.vocabulary import metric, parse_goals

CJK = re.compile(r"[\u4e00-\u9fff]")


class _Rule:
    type = "no-such-rule"
    basis = "attainment"


def _context_with_bad_paid():
    ResponseContext(
        expected=np.ones((3, 12, 1)),
        targets=np.ones((3, 12, 1)),
        plan=None,
        kpis=("revenue",),
        primary=0,
        summed=np.array([True]),
        paid=np.ones(2, dtype=bool),
    )


def _inconsistent_ahp():
    # a > b (9), b > c (9) but c > a (9): as inconsistent as judgments get.
    m = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    ahp(m, criteria=["revenue", "new_customers", "retention"], path="weights.pairwise")


# (call, text the user typed that must survive, the English sentence)
CASES = {
    "rating": (
        lambda: rate_forced(np.array([1.0, 2.0, 3.0]), None, [0.5, 0.5], ties="sideways"),
        "'sideways'",
        "ties must be 'up', 'down' or 'split'",
    ),
    "rating-groups": (
        lambda: Groups(np.array([[0, 1], [1, 0]])),
        "(2, 2)",
        "group codes must be one per rep",
    ),
    "scorecard": (
        lambda: score_rule(_Rule(), np.ones((2, 1)), None),
        "'no-such-rule'",
        "unknown rule type",
    ),
    "weights": (
        lambda: pairwise_matrix([[1, 2], [0.5]], path="scorecard.weights.pairwise"),
        "scorecard.weights.pairwise[1]",
        "entries; expected 2 (square)",
    ),
    "appraise": (lambda: period_months("2025H3"), "'2025H3'", "a half is H1 or H2"),
    "analysis": (
        lambda: shift_weight(np.array([1.0]), 0, 0.5),
        "KPI",
        "its weight is 1 and cannot move",
    ),
    "outcomes": (
        lambda: performance_coefficient(np.array([0, 1]), {"优秀": 1.2, "良好": 1.0}),
        "grades",
        "coefficients given by grade name",
    ),
    "behavior-estimate": (
        lambda: threshold_bunching(np.ones(50), below=-0.1),
        "below",
        "must be >= 0, got",
    ),
    "behavior-specs": (
        lambda: parse_behavior({"models": ["timing"], "reference": "old.yaml"}),
        "behavior.reference",
        "unknown key; expected models",
    ),
    "behavior-effort": (
        lambda: solve_effort(
            np.ones((1, 2)), np.ones(1), np.ones(1), 0.1, 1.0, efforts=np.array([1.0, 1.1])
        ),
        "3",
        "need at least 3 points",
    ),
    "behavior-models": (_context_with_bad_paid, "paid", "flags (one per rep)"),
    "metrics": (lambda: compare([]), "compare", "no results given"),
    "decision": (lambda: decide({}, baseline="today"), "'today'", "has no result"),
    "vocabulary-goals": (
        lambda: parse_goals([{"metric": "no_such_metric", "at_most": 1}]),
        "goals[0].metric",
        "expected one of",
    ),
    "vocabulary-metric": (lambda: metric("no_such_metric"), "'no_such_metric'", "known:"),
}


def _message(call) -> str:
    with pytest.raises((ValueError, KeyError)) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_is_chinese_under_zh_cn_and_keeps_what_the_user_typed(case):
    call, typed, english = CASES[case]
    with i18n.use("zh-CN"):
        zh = _message(call)
    assert CJK.search(zh), zh
    assert typed in zh, zh
    assert english not in zh, zh


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_error_is_english_under_en(case):
    call, typed, english = CASES[case]
    with i18n.use("en"):
        en = _message(call)
    assert english in en, en
    assert typed in en, en
    assert not CJK.search(en), en


def test_labels_file_of_unknown_kind_is_named_in_chinese(tmp_path):
    p = tmp_path / "labels.txt"
    p.write_text("kind,code,en,zh-CN\n", encoding="utf-8")
    with i18n.use("zh-CN"), pytest.raises(ValueError) as info:
        read_labels(p)
    msg = str(info.value)
    assert CJK.search(msg) and str(p) in msg and ".csv" in msg
    assert "a labels table is" not in msg
    with i18n.use("en"), pytest.raises(ValueError, match="a labels table is .csv"):
        read_labels(p)


def test_ahp_inconsistency_warning_follows_the_language():
    with i18n.use("zh-CN"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _inconsistent_ahp()
    zh = [str(w.message) for w in caught if issubclass(w.category, InconsistentJudgmentsWarning)]
    assert len(zh) == 1
    assert CJK.search(zh[0]) and zh[0].startswith("weights.pairwise")
    assert "consistency ratio" not in zh[0]
    with i18n.use("en"), pytest.warns(InconsistentJudgmentsWarning, match="consistency ratio"):
        _inconsistent_ahp()


def test_data_problems_are_listed_in_chinese_with_file_row_and_column():
    from simlib.errors import DataValidationError, Problem

    problems = [Problem("reps.csv", 3, "hire_date", "2026-13-01", "a date (YYYY-MM-DD)")]
    with i18n.use("zh-CN"):
        zh = str(DataValidationError(problems, "data/"))
    assert CJK.search(zh) and "reps.csv" in zh and "'hire_date'" in zh and "'2026-13-01'" in zh
    assert "problem(s)" not in zh and "found" not in zh
    with i18n.use("en"):
        en = str(DataValidationError(problems, "data/"))
    assert en == (
        "1 problem(s) in data/:\n"
        "  - reps.csv, row 3, column 'hire_date': found '2026-13-01'; expected a date (YYYY-MM-DD)"
    )

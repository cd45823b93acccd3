"""A plan's description and its sense-check warnings follow the report language: in
zh-CN they carry no English sentence, only the plan's own names and codes."""

from __future__ import annotations

import re
import warnings

import pytest

from simlib import i18n
from simlib.plans import Plan
from simlib.plans.plan import PlanWarning

#: Every component type and every feature a description or a check puts into words.
EVERY_FEATURE = {
    "name": "Plan-A",
    "period": "quarter",
    "true_up": True,
    "negative_true_up": "hold",
    "target_incentive": {"by_position": {"am": 30000}},
    "positions": ["am"],
    "max_payout_multiple": 2.5,
    "max_payout": 200000,
    "draw": {"amount": 3000, "months": 3, "recoverable": True, "unrecovered": "carry"},
    "components": [
        {
            "type": "quota_bonus", "name": "rev", "kpi": "revenue", "weight": 0.5,
            "period": "month",
            "curve": [[0.5, 0.2], [1.0, 1.0], [1.0, 1.2], [1.2, 1.1], [3, 5]],
            "gate": {"kpi": "new_customers", "min": 0.5},
            "modifier": {"kpi": "hv_retention", "basis": "attainment",
                         "curve": [[0.9, 0.8], [1.0, 1.0], [1.1, 1.2]]},
            "clawback": {"kpi": "hv_retention", "min": 0.8, "within_months": 3, "share": 0.5},
            "max_payout": 90000,
        },
        {
            "type": "team", "name": "tm", "kpi": "revenue", "level": "branch", "weight": 0.3,
            "blend": {"team": 0.6, "individual": 0.4},
            "curve": [[0.9, 0.5], [1.0, 1.0], [1.3, 1.5]],
            "gate": {"kpi": "revenue", "min": 3, "basis": "value"},
        },
        {
            "type": "commission", "name": "cm", "kpi": "new_customers", "mode": "retroactive",
            "tiers": [{"above": 0, "rate": 0.01}, {"above": 10, "rate": 0.02}],
            "threshold": 5, "cap": 100,
        },
        {
            "type": "commission", "name": "cm2", "kpi": "revenue", "rate": 0.01,
            "basis": "attainment", "threshold": 0.5, "cap": 2,
        },
        {
            "type": "spif", "name": "sp", "kpi": "new_customers", "amount": 50,
            "start": "2026-03-01", "end": "2026-05-31",
        },
        {"type": "scorecard", "name": "sc", "weight": 0.2, "ratings": {"A": 1.2, "B": 1.0}},
        {"type": "scorecard", "name": "sc2", "applies_to": ["rev"],
         "curve": [[60, 0.8], [100, 1.2]]},
    ],
}  # fmt: skip

#: Words the plan itself brings (codes, keys) and the sources the checks cite by name:
#: not sentences to translate.
OWN_WORDS = (
    "new_customers", "hv_retention", "revenue", "branch", "allow_decreasing", "true",
    "Alexander Group", "Wilson Group", "SalesGlobe", "Misra & Nair", "WorldatWork / OpenSymmetry",
)  # fmt: skip


def english_runs(text: str) -> list[str]:
    """Runs of two or more English words in a row, after taking out the plan's own words."""
    for w in OWN_WORDS:
        text = text.replace(w, " ")  # longest codes first: no code holds a later one
    return re.findall(r"[A-Za-z]{2,}(?:[\s,;:'()-]+[A-Za-z]{2,})+", text)


@pytest.fixture
def plan() -> Plan:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlanWarning)
        return Plan.from_dict(EVERY_FEATURE)


def test_the_english_word_finder_finds_an_english_sentence():
    assert english_runs("达成率 the payout falls") == ["the payout falls"]
    assert english_runs("rev：达成率上升时奖金反而下降（已声明 allow_decreasing）") == []


def test_a_chinese_description_has_no_english_sentence(plan):
    with i18n.use("zh-CN"):
        text = plan.describe()
    # The title is the plan's own name; every other line is the catalog's.
    body = "\n".join(text.splitlines()[1:])
    # Each part of the plan is there, in Chinese: gate, modifier, clawback, draw, checks.
    for words in ("奖金怎么算", "仅当同期", "调节系数", "追回", "预支", "与通行做法的对照"):
        assert words in body, words
    assert "每年 am: 30,000 元" in body  # amounts by position in 元, like every other amount
    assert english_runs(body) == []


def test_the_falling_curve_check_speaks_chinese_with_its_numbers(plan):
    with i18n.use("zh-CN"):
        found = plan.warnings()
    falling = [w for w in found if w.startswith("rev：")]
    assert falling and "多卖" in falling[0]
    assert all(english_runs(w) == [] for w in found), found


def test_the_falling_curve_warning_on_reading_a_plan_follows_the_language():
    with i18n.use("zh-CN"), warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always", PlanWarning)
        Plan.from_dict(EVERY_FEATURE)
    texts = [str(w.message) for w in got if issubclass(w.category, PlanWarning)]
    assert len(texts) == 1
    # The point where the payout falls: 1.2 at 100% to 1.1 at 120%.
    assert "从 1 升到 1.2" in texts[0] and "从 1.2 降到 1.1" in texts[0]
    path, _sep, words = texts[0].partition(": ")
    assert path == "plan.components[0].curve[3]"
    assert english_runs(words.replace("allow_decreasing: true", "")) == []


def test_the_falling_curve_warning_stays_english_in_english():
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always", PlanWarning)
        Plan.from_dict(EVERY_FEATURE)
    (w,) = [w for w in got if issubclass(w.category, PlanWarning)]
    assert "the payout falls from 1.2 to 1.1 as attainment rises from 1 to 1.2" in str(w.message)
    assert "selling more would pay less" in str(w.message)

"""In zh-CN the appraisal's notes, not-rated reasons and warnings read in Chinese."""

from __future__ import annotations

import re
import warnings

from appraisal_fixtures import make_appraisal_dataset

import simlib as sl
from simlib import i18n

#: Three English words in a row: a sentence left untranslated (codes such as
#: ``weight_kpi`` or a KPI name stand alone in the Chinese text).
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")

SCORECARD = {
    "name": "test",
    "kpis": [
        {"kpi": "revenue", "weight": 0.5, "rule": {"type": "ratio", "cap": 1.5}},
        {"kpi": "new_customers", "weight": 0.3},
        {"kpi": "churn", "weight": 0.2},
    ],
    "competence": {"weight": 0.2, "calibrate": "mean"},
    "team": {"weight": 0.25, "level": "team"},
    "calibration": {"method": "mean", "by": "unit"},
    "rating": {
        "type": "forced",
        "min_group": 25,
        "grades": [
            {"name": "A", "share": 0.2, "coefficient": 1.2},
            {"name": "B", "share": 0.7, "coefficient": 1.0},
            {"name": "C", "share": 0.1, "coefficient": 0.8},
        ],
    },
}


def _appraise(lang: str):
    with i18n.use(lang), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = sl.appraisal.appraise(make_appraisal_dataset("revenue"), SCORECARD, 2026)
    return app, [str(w.message) for w in caught]


def test_zh_cn_appraisal_notes_and_reasons_have_no_english_sentence():
    app, caught = _appraise("zh-CN")
    # The fixture's 13 reps: c5 was hired in October, under the 6 months of 2026 needed.
    assert app.notes, "the round has notes (calibration, weighting, group size, not rated)"
    for text in [*app.notes, *caught, *app.reps["reason"][app.reps["reason"] != ""]]:
        assert not ENGLISH_RUN.search(text), text
    assert "13名销售人员中有1名未评级：2026期间在职不足6个月（1人）" in app.notes
    reason = app.reps.set_index("rep_id").loc["c5", "reason"]
    assert reason == "2026期间在职不足6个月"
    assert any("强制分布" in n and "25" in n for n in app.notes)


def test_english_appraisal_notes_keep_their_words():
    app, _caught = _appraise("en")
    assert "1 of 13 reps not rated: employed under 6 months in 2026 (1)" in app.notes
    assert "unit means weighted: churn by revenue (weight_kpi in the KPI table)" in app.notes

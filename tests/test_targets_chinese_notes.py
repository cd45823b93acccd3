"""In zh-CN the cascade's log (padding, guardrails) reads in Chinese."""

from __future__ import annotations

import re
import warnings

from simlib import i18n
from simlib.targets import cascade

ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")
FLAT = {"calendarization": {"method": "flat"}}


def _cascade(ds, lang: str):
    # Teams pad by 10%; reps split by history with a floor of 1000 (r5's history share
    # would give it 600 of S1's 4200, so the floor holds it and moves 400).
    spec = {
        **FLAT,
        "levels": {
            "team": {"padding": 0.1},
            "rep": {"method": "history", "guardrail": {"floor": 1000}},
        },
    }
    with i18n.use(lang), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cascade(ds, {"revenue": 7800}, spec)


def test_zh_cn_cascade_log_details_have_no_english_sentence(tiny_ds):
    c = _cascade(tiny_ds, "zh-CN")
    rows = c.log[c.log["kind"].isin(["padding", "guardrail", "zero_weights"])]
    assert set(rows["kind"]) >= {"padding", "guardrail"}
    for text in rows["detail"]:
        assert not ENGLISH_RUN.search(text), text
    pad = rows[rows["kind"] == "padding"]["detail"]
    assert (pad == "下级目标合计比本单位目标高10.0%（加码）").all()
    assert rows[rows["kind"] == "guardrail"]["detail"].str.contains("护栏区间").all()


def test_cascade_log_details_in_english_by_default(tiny_ds):
    c = _cascade(tiny_ds, "en")
    pad = c.log[c.log["kind"] == "padding"]["detail"]
    assert (pad == "children's targets sum to 10.0% above the unit's own target").all()

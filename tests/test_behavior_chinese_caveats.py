"""In zh-CN the behaviour estimators' caveats and summaries read in Chinese."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from simlib import behavior as bh
from simlib import i18n

ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")


def _history(reps: int = 40, months: int = 36, seed: int = 3):
    rng = np.random.default_rng(seed)
    sales = rng.lognormal(mean=4.0, sigma=0.2, size=(reps, months))
    periods = pd.period_range("2023-01", periods=months, freq="M")
    return sales, periods


def test_zh_cn_estimator_caveats_have_no_english_sentence():
    sales, periods = _history()
    treated = np.arange(sales.shape[0]) < 20
    attainment = np.random.default_rng(5).normal(1.0, 0.2, 4000)
    with i18n.use("zh-CN"):
        lift = bh.quarter_end_lift(sales, periods)
        did = bh.did_effect(sales, periods, treated, "2025-01", rate_ratio=1.2)
        bunch = bh.threshold_bunching(attainment, 1.0)
        estimates = [lift, bunch, *did.values()]
        summaries = [e.summary() for e in estimates]
    for e in estimates:
        assert e.caveat and not ENGLISH_RUN.search(e.caveat), e.caveat
    # did_effect's caveat names how it compares and the months it needs (min_months=3).
    assert "调整后每个月与上年同月比较" in did["effect"].caveat
    assert "少于3个月" in did["effect"].caveat
    for e, s in zip(estimates, summaries, strict=True):
        assert "95%置信区间" in s and s.endswith(e.caveat), s


def test_english_caveats_are_unchanged_outside_zh_cn():
    sales, periods = _history()
    lift = bh.quarter_end_lift(sales, periods)
    assert lift.caveat.startswith("Compares each quarter's last month with its first two")
    assert "95% CI" in lift.summary()

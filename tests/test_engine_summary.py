"""A simulation's printed summary: header block and metric table, as text and HTML.

The numbers are checked against the per-draw values taken by hand (mean, the 5th,
50th and 95th percentiles, the standard error of the mean), written by the
summary's documented rule: four decimals below 1,000, whole and grouped above.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simlib import i18n
from simlib.data.synthetic import generate
from simlib.engine import SimulationResult, simulate
from simlib.engine.summary import Summary

PLAN = "scenarios/plans/store_sales_commission.yaml"


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    ds = generate(n_reps=60, months=36, seed=3)
    return simulate(ds=ds, plan=PLAN, draws=40, seed=9, progress=False, name="commission check")


def _written(v: float) -> str:
    if not math.isfinite(v):
        return "–"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4f}"


def _by_hand(values: np.ndarray) -> list[str]:
    v = values[np.isfinite(values)]
    p5, p50, p95 = np.percentile(v, [5, 50, 95])
    se = v.std(ddof=1) / math.sqrt(len(v))
    return [_written(x) for x in (v.mean(), p5, p50, p95, se)]


def test_summary_is_an_object_and_the_frame_keeps_the_numbers(result):
    s = result.summary()
    assert isinstance(s, Summary)
    frame = result.summary_frame()
    assert list(frame.columns[:5]) == ["mean", "p5", "p50", "p95", "se"]
    pay = result.per_draw["total_payout"].to_numpy()
    assert frame.loc["total_payout", "mean"] == pytest.approx(pay.mean(), rel=1e-12)
    assert frame.loc["share_at_quota", "band_low"] == 0.60


@pytest.mark.parametrize("metric", ["total_payout", "share_at_quota", "cost_of_sales"])
def test_text_and_html_show_the_per_draw_statistics(result, metric):
    expected = _by_hand(result.per_draw[metric].to_numpy())
    text = result.summary().as_text()
    line = next(ln for ln in text.splitlines() if ln.split() and ln.split()[0] == metric)
    assert line.split()[1:6] == expected
    html = result.summary().as_html()
    row = html[html.index(f"<th>{metric}</th>") :].split("</tr>")[0]
    for value in expected:
        assert f"<td>{value}</td>" in row


def test_the_header_names_the_run(result):
    text = str(result.summary())
    prov = result.provenance
    for label, value in [
        ("Scenario", "commission check"),
        ("Draws", "40"),
        ("Seed", "9"),
        ("Reps", str(prov["reps"])),
        ("Data hash", prov["data_hash"]),
        ("Code version", prov["simlib_version"]),
    ]:
        assert any(ln.split()[: len(label.split())] == label.split() and ln.endswith(value)
                   for ln in text.splitlines()), label  # fmt: skip
    assert result.summary()._repr_html_() == result.summary().as_html()


def test_the_reference_band_is_shown_where_practice_has_one(result):
    text = result.summary().as_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("share_at_quota"))
    assert line.endswith("0.6000 – 0.7000")
    line = next(ln for ln in text.splitlines() if ln.startswith("total_payout"))
    assert "–" not in line.split()[-1]


def test_the_summary_speaks_the_report_language(result):
    with i18n.use("zh-CN"):
        text = result.summary().as_text()
        html = result.summary().as_html()
    for word in ("模拟结果", "方案", "抽样次数", "随机种子", "人数", "数据哈希", "代码版本"):
        assert word in text and word in html
    for word in ("度量", "均值", "标准误", "参考区间"):
        assert word in text
    assert "Scenario" not in text and "mean" not in text.split("\n", 3)[-1].split()[:8]
    expected = _by_hand(result.per_draw["total_payout"].to_numpy())
    line = next(ln for ln in text.splitlines() if ln.startswith("total_payout"))
    assert line.split()[1:6] == expected

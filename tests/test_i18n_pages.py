"""The reader-facing words of the decision box, the metric vocabulary and the what-if's
controls in Chinese: no English sentence is left in them, and amounts read in 万/亿."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simlib as sl
from simlib import formatting as fm
from simlib import i18n
from simlib import vocabulary as v
from simlib.decision import decide, summary_lines
from simlib.engine.simulate import SimulationResult

ROOT = Path(__file__).resolve().parents[1]
PROPOSED = ROOT / "scenarios" / "plans" / "am_proposed.yaml"

#: An English word: letters, with an apostrophe or hyphen inside (today's, budget-neutral).
WORD = r"[A-Za-z](?:[A-Za-z'’-]*[A-Za-z])?"
#: Three or more English words in a row: a phrase or sentence left untranslated.
ENGLISH_RUN = re.compile(WORD + r"(?:[ ,;:/()]+" + WORD + r"){2,}")
#: Names that are not simlib's words (the sources' names, the reports' abbreviations).
NAMES = ("Alexander Group", "Falcon Incentives", "SalesGlobe", "ZS", "KPI", "P5", "P95")


def english_phrases(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """Runs of three or more English words in ``text`` (HTML tags and the given names
    left out)."""
    text = unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", text, flags=re.S))
    for name in sorted((*NAMES, *names), key=len, reverse=True):
        text = text.replace(name, " ")
    return ENGLISH_RUN.findall(text)


def test_the_detector_finds_an_english_phrase_and_passes_chinese():
    assert english_phrases("成本：每年 1,110万元; today's plan is kept") == ["today's plan is kept"]
    assert english_phrases("<b>建议采用</b>：reform。Alexander Group 设计目标") == []


def result(name, cost, quota, payperf, groups=None, budget=1e7):
    n = len(cost)
    cost = np.asarray(cost, float)
    per_draw = pd.DataFrame({
        "total_payout": cost, "budget_ratio": cost / budget,
        "over_budget": (cost > budget).astype(float),
        "share_at_quota": np.broadcast_to(quota, n),
        "pay_performance_spearman": np.broadcast_to(payperf, n),
        "cost_of_sales": np.full(n, 0.05),
    })  # fmt: skip
    reps = pd.DataFrame({"rep_id": [f"r{i}" for i in range(8)], "region": list("NNNNNNSS")})
    return SimulationResult(
        name=name, per_draw=per_draw, group_draws=groups or {}, reps=reps,
        attainment_hist=pd.DataFrame({"attainment_from": [0.0], "share": [1.0]}),
        provenance={"seed": 1, "data_hash": "h", "budget": budget, "draws": n, "reps": 9,
                    "year": 2026},
    )  # fmt: skip


@pytest.fixture
def decision_parts():
    b = pd.DataFrame({"N": [10.0, 20.0, 30.0], "S": [5.0, 5.0, 5.0]})
    r = pd.DataFrame({"N": [8.0, 16.0, 24.0], "S": [1.0, 1.0, 1.0]})
    c = pd.DataFrame({"N": [9.0, 19.0, 29.0], "S": [4.0, 4.0, 4.0]})
    results = {
        "baseline": result("baseline", [9.0e6, 9.2e6, 9.1e6], 0.5, 0.85,
                           {"mean_pay:region": b}),
        "reform": result("reform", [8.5e6, 8.6e6, 8.4e6], 0.65, 0.95, {"mean_pay:region": r}),
        "cap": result("cap", [1.05e7, 1.1e7, 1.0e7], 0.66, 0.9, {"mean_pay:region": c}),
    }  # fmt: skip
    designs = {n: {"behavior": None} for n in results}
    return results, designs


@pytest.mark.parametrize("goals", [None, "stated"])
def test_the_decision_box_in_chinese_has_no_english_phrase(decision_parts, goals):
    results, designs = decision_parts
    stated = v.parse_goals([
        {"metric": "budget_ratio", "at_most": 1.0, "priority": 1},
        {"metric": "pay_performance", "at_least": 0.8, "priority": 2},
        {"metric": "share_at_quota", "between": [0.6, 0.7], "priority": 3},
    ]) if goals else None  # fmt: skip
    with i18n.use("zh-CN"):
        d = decide(results, goals=stated, designs=designs, min_group=3, currency="CNY")
        box = d.html()
        lines = summary_lines(results["reform"], "reform", "方案", results["baseline"], "CNY",
                              losers=d.losers_sentence("reform"))  # fmt: skip
    assert d.recommended == "reform"
    assert english_phrases(box) == []
    assert english_phrases(" ".join(lines)) == []
    # The Chinese words are there, with amounts in 万 (the cost is about 860万元 a year).
    assert "决策建议" in box and "建议采用" in box and "受损最大" in box
    assert "860万元" in d.cost_sentence("reform").replace("+", "") or "万元" in box
    assert "CNY" not in box and " m" not in re.sub(r"<[^>]+>", "", box)
    # Every caveat is Chinese too (behaviour not modelled; a small group left out).
    assert d.caveats and all(re.search(r"[\u4e00-\u9fff]", c) for c in d.caveats)


def test_the_reform_cost_reads_in_wan_yuan(decision_parts):
    results, designs = decision_parts
    with i18n.use("zh-CN"):
        d = decide(results, designs=designs, min_group=3, currency="CNY")
        r = d.row("reform")
        sentence = d.cost_sentence("reform")
    # Mean cost 8.5 m = 850万元; the paired change -0.6 m = -60万元 (three figures).
    assert r.cost == pytest.approx(8.5e6) and r.cost_diff == pytest.approx(-0.6e6)
    assert "850万元" in sentence and "-60万元" in sentence


def test_the_vocabulary_in_chinese_has_no_english_phrase():
    with i18n.use("zh-CN"):
        texts = [v.describe_metrics()]
        for m in v.METRICS.values():
            texts += [m.name, m.definition, m.band_text()]
            if m.band is not None:
                for x in (*m.band.cuts, m.band.low, m.band.high, np.nan):
                    reading = m.read(x)
                    texts += [reading.text, reading.word]
        texts += [g.title + " " + g.why for g in v.DEFAULT_GOALS]
        texts.append(fm.points(0.012))
    found = [t for t in texts if english_phrases(t)]
    assert found == []
    # Names read differently from the English ones (a catalog entry per name).
    with i18n.use("zh-CN"):
        zh = {k: m.name for k, m in v.METRICS.items()}
    with i18n.use("en"):
        en = {k: m.name for k, m in v.METRICS.items()}
    assert all(zh[k] != en[k] for k in en), [k for k in en if zh[k] == en[k]]


def test_the_vocabulary_keeps_its_english_readings_and_keys():
    q = v.metric("share_at_quota")
    with i18n.use("zh-CN"):
        zh = q.read(0.55)
        zh_word = zh.word
    with i18n.use("en"):
        en = q.read(0.55)
        en_word = en.word
    # The label is a key (code compares with it) in every language; the words follow it.
    assert zh.label == en.label == "hard"
    assert en.text == "below the 60-70% design aim: hard" and zh.text != en.text
    assert en_word == "hard" and re.fullmatch(r"[\u4e00-\u9fff]+", zh_word)


@pytest.fixture(scope="module")
def whatif_zh():
    from simlib.workbench.whatif import WhatIf
    from simlib.workbench.whatif.app import WhatIfApp

    ds = sl.data.synthetic.generate(n_reps=120, months=24, seed=8)
    with i18n.use("zh-CN"):
        app = WhatIfApp(WhatIf(ds, PROPOSED), scenario_dir=ROOT / "reports" / "unused")
        key = next(k for k in app.wi.controls if k.endswith(".cap"))
        app.set(key, app.wi.controls[key].start + 0.2)
        yield app


def test_the_what_if_controls_in_chinese_have_no_english_phrase(whatif_zh):
    app = whatif_zh
    wi = app.wi
    names = (wi.plan.name, *(wi._label(c) for c in wi.base_spec["components"]),
             *wi.kpis)  # fmt: skip
    texts = []
    with i18n.use("zh-CN"):
        for c in wi.controls.values():
            texts += [c.label, c.help, c.group, c.show(c.start)]
        texts += [app.header.value, app.view.value]
        texts += [app.reset_button.description, app.save_button.description,
                  app.curve_pick.description, app.compare_pick.description]  # fmt: skip
        texts += [f.description + " " + f.placeholder for f in app.save_fields.values()]
        texts += wi.change_lines(app.values)
    found = [(t[:80], english_phrases(t, names)) for t in texts if english_phrases(t, names)]
    assert found == []
    assert "假设分析" in app.header.value and "调整后" in app.view.value


def test_the_what_if_reads_its_language_from_the_environment_it_is_served_with(tmp_path):
    from simlib.workbench.whatif.serve import command

    _, env = command("data/sample", "plan.yaml", 8866, tmp_path, lang="zh-CN")
    assert env[i18n.ENV] == "zh-CN"
    with i18n.use("en"):
        _, env = command("data/sample", "plan.yaml", 8866, tmp_path)
    assert env[i18n.ENV] == "en"


def _marked_literals(path: Path) -> set[str]:
    """The literal messages of every _(), N_() and ngettext() call in ``path``, those
    inside f-strings too (which ``pybabel extract`` does not see)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "N_", "ngettext")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_every_marked_message_is_in_the_catalog_even_inside_an_f_string():
    from babel.messages.pofile import read_po

    with (ROOT / "src" / "simlib" / "locale" / "simlib.pot").open("rb") as fh:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh)}
    files = [*(ROOT / "src" / "simlib").rglob("*.py"), *(ROOT / "notebooks").glob("*.py")]
    missing = {(str(f.relative_to(ROOT)), msg) for f in files for msg in _marked_literals(f) - ids}
    assert missing == set(), sorted(missing)[:10]


@pytest.mark.parametrize(
    ("diff", "half", "shown"),
    [
        # 18,600 and 1,362 yuan in 万: 1.86 and 0.1362 -> 0.14 (both in the larger's unit).
        (18_600, 1_362, "+1.86万元 ± 0.14万元"),
        (2_790_000, 193_000, "+279万元 ± 19.3万元"),
        (-14_300, 899, "-1.43万元 ± 0.09万元"),
        (6_580, 2_816, "+6,580元 ± 2,816元"),
        (320_000_000, 12_000_000, "+3.2亿元 ± 0.12亿元"),
    ],
)
def test_a_change_and_its_interval_read_in_one_chinese_unit(diff, half, shown):
    with i18n.use("zh-CN"):
        assert fm.money_pm(diff, half, "CNY") == shown
    with i18n.use("en"):
        assert fm.money_pm(diff, half, "CNY").startswith(("+CNY", "-CNY"))


def test_quartiles_and_tenure_bands_are_named_in_chinese_and_regions_as_in_the_data():
    from simlib.workbench.report import group_label

    with i18n.use("zh-CN"):
        zh = [group_label(g) for g in ("Q1 (bottom)", "Q4 (top)", "<1y", "5y+", "North")]
    assert all(re.search(r"[\u4e00-\u9fff]", x) for x in zh[:4]), zh
    assert zh[4] == "North"
    with i18n.use("en"):
        assert group_label("Q4 (top)") == "Q4 (top)"
